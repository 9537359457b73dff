package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/civickit/civickit/adapters"
)

// SaveDraft implements adapters.DraftStore. Saving again keeps the first
// CreatedAt.
func (s *Store) SaveDraft(ctx context.Context, d adapters.Draft) error {
	if err := d.Validate(); err != nil {
		return fmt.Errorf("sqlite: save draft: %w", err)
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = d.UpdatedAt
	}
	err := s.write(ctx, func(w *writer) error {
		_, err := w.exec(ctx, `INSERT INTO drafts (`+draftCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (token_hash) DO UPDATE SET form_id = excluded.form_id, form_version = excluded.form_version,
			subject = excluded.subject, subject_issuer = excluded.subject_issuer, step = excluded.step, data = excluded.data,
			updated_at = excluded.updated_at, expires_at = excluded.expires_at`,
			d.TokenHash, d.FormID, d.FormVersion, d.Subject, d.Step, jsonArg(d.Data),
			timeArg(d.CreatedAt), timeArg(d.UpdatedAt), timeArg(d.ExpiresAt), d.SubjectIssuer)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: save draft: %w", err)
	}
	return nil
}

// GetDraft implements adapters.DraftStore.
func (s *Store) GetDraft(ctx context.Context, tokenHash string, now time.Time) (adapters.Draft, error) {
	if tokenHash == "" {
		return adapters.Draft{}, fmt.Errorf("sqlite: get draft: %w", emptyArg("token hash"))
	}
	var d adapters.Draft
	err := s.readRow(ctx, `SELECT `+draftCols+` FROM drafts WHERE token_hash = ? AND expires_at > ?`,
		[]any{tokenHash, micros(now)}, draftDest(&d)...)
	if err != nil {
		// The token hash stays out of errors: it finds the draft.
		return adapters.Draft{}, fmt.Errorf("sqlite: get draft: %w", err)
	}
	return d, nil
}

// ListDrafts implements adapters.DraftStore.
func (s *Store) ListDrafts(ctx context.Context, subject string, now time.Time) ([]adapters.Draft, error) {
	if subject == "" {
		return nil, fmt.Errorf("sqlite: list drafts: %w", emptyArg("subject"))
	}
	drafts, err := readRows(ctx, s, draftDest, `SELECT `+draftCols+` FROM drafts
		WHERE subject = ? AND expires_at > ? ORDER BY updated_at DESC, token_hash`, subject, micros(now))
	if err != nil {
		return nil, fmt.Errorf("sqlite: list drafts: %w", err)
	}
	return drafts, nil
}

// DeleteDraft implements adapters.DraftStore.
func (s *Store) DeleteDraft(ctx context.Context, tokenHash string) error {
	if tokenHash == "" {
		return fmt.Errorf("sqlite: delete draft: %w", emptyArg("token hash"))
	}
	err := s.write(ctx, func(w *writer) error {
		n, err := w.execN(ctx, `DELETE FROM drafts WHERE token_hash = ?`, tokenHash)
		if err == nil && n == 0 {
			err = adapters.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: delete draft: %w", err)
	}
	return nil
}

// DeleteExpiredDrafts implements adapters.DraftStore.
func (s *Store) DeleteExpiredDrafts(ctx context.Context, now time.Time) (int64, error) {
	if now.IsZero() {
		return 0, fmt.Errorf("sqlite: delete expired drafts: %w: time is zero", adapters.ErrInvalidArgument)
	}
	var n int64
	err := s.write(ctx, func(w *writer) error {
		var err error
		n, err = w.execN(ctx, `DELETE FROM drafts WHERE expires_at <= ?`, micros(now))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired drafts: %w", err)
	}
	return n, nil
}
