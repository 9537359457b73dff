package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/civickit/civickit/adapters"
)

// PutAttachment implements adapters.AttachmentStore.
func (s *Store) PutAttachment(ctx context.Context, a adapters.Attachment) error {
	return fmt.Errorf("sqlite: put attachment: %w", adapters.ErrNotImplemented)
}

// GetAttachment implements adapters.AttachmentStore.
func (s *Store) GetAttachment(ctx context.Context, id string) (adapters.Attachment, error) {
	return adapters.Attachment{}, fmt.Errorf("sqlite: get attachment: %w", adapters.ErrNotImplemented)
}

// ListAttachments implements adapters.AttachmentStore.
func (s *Store) ListAttachments(ctx context.Context, caseID string) ([]adapters.Attachment, error) {
	return nil, fmt.Errorf("sqlite: list attachments: %w", adapters.ErrNotImplemented)
}

// UpdateAttachment implements adapters.AttachmentStore.
func (s *Store) UpdateAttachment(ctx context.Context, u adapters.AttachmentUpdate) error {
	return fmt.Errorf("sqlite: update attachment: %w", adapters.ErrNotImplemented)
}

// ListAttachmentsByStatus implements adapters.AttachmentStore.
func (s *Store) ListAttachmentsByStatus(ctx context.Context, status adapters.AttachmentStatus, limit int) ([]adapters.Attachment, error) {
	return nil, fmt.Errorf("sqlite: list attachments by status: %w", adapters.ErrNotImplemented)
}

// ListOrphanAttachments implements adapters.AttachmentStore.
func (s *Store) ListOrphanAttachments(ctx context.Context, before time.Time, limit int) ([]adapters.Attachment, error) {
	return nil, fmt.Errorf("sqlite: list orphan attachments: %w", adapters.ErrNotImplemented)
}

// DeleteAttachment implements adapters.AttachmentStore.
func (s *Store) DeleteAttachment(ctx context.Context, id string) error {
	return fmt.Errorf("sqlite: delete attachment: %w", adapters.ErrNotImplemented)
}
