package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/civickit/civickit/adapters"
)

const (
	insertAttachment = `INSERT INTO attachments (` + attachmentCols + `)
		VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	// linkAttachment links a file not linked yet; changing no row means
	// the id is unknown or taken, which linkFiles then tells apart.
	linkAttachment = `UPDATE attachments SET case_id = ?, submission_id = ?, updated_at = ?
		WHERE id = ? AND case_id IS NULL`
	selectAttachmentCase = `SELECT case_id IS NOT NULL FROM attachments WHERE id = ?`
	updateAttachment     = `UPDATE attachments SET status = ?, reason = ?, public_key = ?, updated_at = ? WHERE id = ?`
	listAttachments      = `SELECT ` + attachmentCols + ` FROM attachments WHERE case_id = ? ORDER BY created_at, id`
	listByStatus         = `SELECT ` + attachmentCols + ` FROM attachments WHERE status = ? ORDER BY created_at, id LIMIT ?`
	listOrphans          = `SELECT ` + attachmentCols + ` FROM attachments
		WHERE case_id IS NULL AND created_at < ? ORDER BY created_at, id LIMIT ?`
)

// linkFiles links the attachments a new submission names to its case, in
// the caller's transaction; an unknown or linked one fails it.
func linkFiles(ctx context.Context, w *writer, files []adapters.FileRef, caseID, subID string, at time.Time) error {
	for _, f := range files {
		n, err := w.execN(ctx, linkAttachment, caseID, subID, timeArg(at), f.ID)
		if err != nil {
			return err
		}
		if n == 1 {
			continue
		}
		row, err := w.queryRow(ctx, selectAttachmentCase, f.ID)
		if err != nil {
			return err
		}
		var linked bool
		switch err := row.Scan(&linked); {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("%w: attachment %q is unknown", adapters.ErrInvalidArgument, f.ID)
		case err != nil:
			return err
		}
		return fmt.Errorf("%w: attachment %q is already linked to a case", adapters.ErrInvalidArgument, f.ID)
	}
	return nil
}

// PutAttachment implements adapters.AttachmentStore.
func (s *Store) PutAttachment(ctx context.Context, a adapters.Attachment) error {
	if err := a.Validate(); err != nil {
		return fmt.Errorf("sqlite: put attachment %q: %w", a.ID, err)
	}
	if a.Status == "" {
		a.Status = adapters.AttachmentQuarantined
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = a.CreatedAt
	}
	err := s.write(ctx, func(w *writer) error {
		_, err := w.exec(ctx, insertAttachment, a.ID, a.Field, a.Name, a.Type, a.Size, a.SHA256, a.Owner, a.OwnerIssuer,
			string(a.Status), a.Reason, a.Key, a.Sealed, a.PublicKey, timeArg(a.CreatedAt), timeArg(a.UpdatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: put attachment %q: %w", a.ID, err)
	}
	return nil
}

// GetAttachment implements adapters.AttachmentStore.
func (s *Store) GetAttachment(ctx context.Context, id string) (adapters.Attachment, error) {
	if id == "" {
		return adapters.Attachment{}, fmt.Errorf("sqlite: get attachment: %w", emptyArg("attachment id"))
	}
	var a adapters.Attachment
	if err := s.readRow(ctx, `SELECT `+attachmentCols+` FROM attachments WHERE id = ?`, []any{id}, attachmentDest(&a)...); err != nil {
		return adapters.Attachment{}, fmt.Errorf("sqlite: get attachment %q: %w", id, err)
	}
	return a, nil
}

// ListAttachments implements adapters.AttachmentStore.
func (s *Store) ListAttachments(ctx context.Context, caseID string) ([]adapters.Attachment, error) {
	if caseID == "" {
		return nil, fmt.Errorf("sqlite: list attachments: %w", emptyArg("case id"))
	}
	as, err := readRows(ctx, s, attachmentDest, listAttachments, caseID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list attachments of case %q: %w", caseID, err)
	}
	return as, nil
}

// UpdateAttachment implements adapters.AttachmentStore.
func (s *Store) UpdateAttachment(ctx context.Context, u adapters.AttachmentUpdate) error {
	if err := u.Validate(); err != nil {
		return fmt.Errorf("sqlite: update attachment %q: %w", u.ID, err)
	}
	err := s.write(ctx, func(w *writer) error {
		n, err := w.execN(ctx, updateAttachment, string(u.Status), u.Reason, u.PublicKey, timeArg(u.At), u.ID)
		if err == nil && n == 0 {
			err = adapters.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: update attachment %q: %w", u.ID, err)
	}
	return nil
}

// ListAttachmentsByStatus implements adapters.AttachmentStore.
func (s *Store) ListAttachmentsByStatus(ctx context.Context, status adapters.AttachmentStatus, limit int) ([]adapters.Attachment, error) {
	err := adapters.ValidateAttachmentListing(limit)
	if err == nil && !status.Valid() {
		err = fmt.Errorf("%w: attachment status %q is unknown", adapters.ErrInvalidArgument, status)
	}
	var as []adapters.Attachment
	if err == nil {
		as, err = readRows(ctx, s, attachmentDest, listByStatus, string(status), limit)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: list %q attachments: %w", status, err)
	}
	return as, nil
}

// ListOrphanAttachments implements adapters.AttachmentStore.
func (s *Store) ListOrphanAttachments(ctx context.Context, before time.Time, limit int) ([]adapters.Attachment, error) {
	err := adapters.ValidateAttachmentListing(limit)
	if err == nil && before.IsZero() {
		err = emptyArg("time")
	}
	var as []adapters.Attachment
	if err == nil {
		as, err = readRows(ctx, s, attachmentDest, listOrphans, micros(before), limit)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: list orphan attachments: %w", err)
	}
	return as, nil
}

// DeleteAttachment implements adapters.AttachmentStore.
func (s *Store) DeleteAttachment(ctx context.Context, id string) error {
	if id == "" {
		return fmt.Errorf("sqlite: delete attachment: %w", emptyArg("attachment id"))
	}
	err := s.write(ctx, func(w *writer) error {
		n, err := w.execN(ctx, `DELETE FROM attachments WHERE id = ?`, id)
		if err == nil && n == 0 {
			err = adapters.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: delete attachment %q: %w", id, err)
	}
	return nil
}
