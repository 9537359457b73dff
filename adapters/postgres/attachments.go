package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/civickit/civickit/adapters"
)

// PutAttachment implements adapters.AttachmentStore.
func (s *Store) PutAttachment(ctx context.Context, a adapters.Attachment) error {
	return fmt.Errorf("postgres: put attachment: %w", adapters.ErrNotImplemented)
}

// GetAttachment implements adapters.AttachmentStore.
func (s *Store) GetAttachment(ctx context.Context, id string) (adapters.Attachment, error) {
	return adapters.Attachment{}, fmt.Errorf("postgres: get attachment: %w", adapters.ErrNotImplemented)
}

// ListAttachments implements adapters.AttachmentStore.
func (s *Store) ListAttachments(ctx context.Context, caseID string) ([]adapters.Attachment, error) {
	return nil, fmt.Errorf("postgres: list attachments: %w", adapters.ErrNotImplemented)
}

// UpdateAttachment implements adapters.AttachmentStore.
func (s *Store) UpdateAttachment(ctx context.Context, u adapters.AttachmentUpdate) error {
	return fmt.Errorf("postgres: update attachment: %w", adapters.ErrNotImplemented)
}

// ListAttachmentsByStatus implements adapters.AttachmentStore.
func (s *Store) ListAttachmentsByStatus(ctx context.Context, status adapters.AttachmentStatus, limit int) ([]adapters.Attachment, error) {
	return nil, fmt.Errorf("postgres: list attachments by status: %w", adapters.ErrNotImplemented)
}

// ListOrphanAttachments implements adapters.AttachmentStore.
func (s *Store) ListOrphanAttachments(ctx context.Context, before time.Time, limit int) ([]adapters.Attachment, error) {
	return nil, fmt.Errorf("postgres: list orphan attachments: %w", adapters.ErrNotImplemented)
}

// DeleteAttachment implements adapters.AttachmentStore.
func (s *Store) DeleteAttachment(ctx context.Context, id string) error {
	return fmt.Errorf("postgres: delete attachment: %w", adapters.ErrNotImplemented)
}
