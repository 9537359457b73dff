package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/civickit/civickit/adapters"
)

// attachmentWrite runs one writing attachment statement and returns the
// rows it changed.
func (s *Store) attachmentWrite(ctx context.Context, sql string, args ...any) (int64, error) {
	if err := s.enter(ctx); err != nil {
		return 0, err
	}
	var n int64
	err := s.write(ctx, func(q querier) error {
		tag, err := q.Exec(ctx, sql, args...)
		n = tag.RowsAffected()
		return err
	})
	return n, err
}

// PutAttachment implements adapters.AttachmentStore.
func (s *Store) PutAttachment(ctx context.Context, a adapters.Attachment) error {
	err := a.Validate()
	if err == nil {
		if a.Status == "" {
			a.Status = adapters.AttachmentQuarantined
		}
		if a.UpdatedAt.IsZero() {
			a.UpdatedAt = a.CreatedAt
		}
		_, err = s.attachmentWrite(ctx, s.sql.putAttachment, a.ID, a.Field, a.Name, a.Type, a.Size, a.SHA256,
			a.Owner, a.OwnerIssuer, string(a.Status), a.Reason, a.Key, a.Sealed, a.PublicKey, ts(a.CreatedAt), ts(a.UpdatedAt))
	}
	if err != nil {
		return fmt.Errorf("postgres: put attachment %q: %w", a.ID, fail(ctx, err))
	}
	return nil
}

// GetAttachment implements adapters.AttachmentStore.
func (s *Store) GetAttachment(ctx context.Context, id string) (adapters.Attachment, error) {
	a, err := s.getAttachment(ctx, id)
	if err != nil {
		return adapters.Attachment{}, fmt.Errorf("postgres: get attachment %q: %w", id, fail(ctx, err))
	}
	return a, nil
}

func (s *Store) getAttachment(ctx context.Context, id string) (adapters.Attachment, error) {
	if id == "" {
		return adapters.Attachment{}, emptyArg("attachment id")
	}
	if err := s.enter(ctx); err != nil {
		return adapters.Attachment{}, err
	}
	return queryOne(ctx, s, scanAttachment, s.sql.getAttachment, id)
}

// ListAttachments implements adapters.AttachmentStore.
func (s *Store) ListAttachments(ctx context.Context, caseID string) ([]adapters.Attachment, error) {
	as, err := s.listAttachments(ctx, caseID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list attachments of case %q: %w", caseID, fail(ctx, err))
	}
	return as, nil
}

func (s *Store) listAttachments(ctx context.Context, caseID string) ([]adapters.Attachment, error) {
	if caseID == "" {
		return nil, emptyArg("case id")
	}
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	return queryAll(ctx, s, scanAttachment, s.sql.listAttachments, caseID)
}

// UpdateAttachment implements adapters.AttachmentStore.
func (s *Store) UpdateAttachment(ctx context.Context, u adapters.AttachmentUpdate) error {
	err := u.Validate()
	if err == nil {
		var n int64
		n, err = s.attachmentWrite(ctx, s.sql.updateAttachment, u.ID, string(u.Status), u.Reason, u.PublicKey, ts(u.At))
		if err == nil && n == 0 {
			err = adapters.ErrNotFound
		}
	}
	if err != nil {
		return fmt.Errorf("postgres: update attachment %q: %w", u.ID, fail(ctx, err))
	}
	return nil
}

// ListAttachmentsByStatus implements adapters.AttachmentStore.
func (s *Store) ListAttachmentsByStatus(ctx context.Context, status adapters.AttachmentStatus, limit int) ([]adapters.Attachment, error) {
	err := adapters.ValidateAttachmentListing(limit)
	if err == nil && !status.Valid() {
		err = fmt.Errorf("%w: attachment status %q is unknown", adapters.ErrInvalidArgument, status)
	}
	if err == nil {
		err = s.enter(ctx)
	}
	var as []adapters.Attachment
	if err == nil {
		as, err = queryAll(ctx, s, scanAttachment, s.sql.listAttachmentsByStatus, string(status), limit)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: list %q attachments: %w", status, fail(ctx, err))
	}
	return as, nil
}

// ListOrphanAttachments implements adapters.AttachmentStore.
func (s *Store) ListOrphanAttachments(ctx context.Context, before time.Time, limit int) ([]adapters.Attachment, error) {
	err := adapters.ValidateAttachmentListing(limit)
	if err == nil && before.IsZero() {
		err = emptyArg("time")
	}
	if err == nil {
		err = s.enter(ctx)
	}
	var as []adapters.Attachment
	if err == nil {
		as, err = queryAll(ctx, s, scanAttachment, s.sql.listOrphanAttachments, ts(before), limit)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: list orphan attachments: %w", fail(ctx, err))
	}
	return as, nil
}

// DeleteAttachment implements adapters.AttachmentStore.
func (s *Store) DeleteAttachment(ctx context.Context, id string) error {
	var err error
	if id == "" {
		err = emptyArg("attachment id")
	} else {
		var n int64
		n, err = s.attachmentWrite(ctx, s.sql.deleteAttachment, id)
		if err == nil && n == 0 {
			err = adapters.ErrNotFound
		}
	}
	if err != nil {
		return fmt.Errorf("postgres: delete attachment %q: %w", id, fail(ctx, err))
	}
	return nil
}
