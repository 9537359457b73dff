package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/civickit/civickit/adapters"
)

// EnqueueMessages implements adapters.Outbox.
func (s *Store) EnqueueMessages(ctx context.Context, msgs []adapters.Message) error {
	if err := s.enqueueMessages(ctx, msgs); err != nil {
		return fmt.Errorf("postgres: enqueue %d messages: %w", len(msgs), fail(ctx, err))
	}
	return nil
}

func (s *Store) enqueueMessages(ctx context.Context, msgs []adapters.Message) error {
	if err := adapters.ValidateMessages(msgs); err != nil {
		return err
	}
	if err := s.enter(ctx); err != nil {
		return err
	}
	return s.write(ctx, func(q querier) error { return s.insertOutbox(ctx, q, msgs) })
}

// insertOutbox writes messages not tied to a transition, expanding those
// addressed to subscribers: the path of EnqueueMessages, which
// PublishAgenda shares so that both treat messages alike.
func (s *Store) insertOutbox(ctx context.Context, q querier, msgs []adapters.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	sql, args := s.enqueueStatement(msgs)
	_, err := q.Exec(ctx, sql, args...)
	return err
}

// ClaimMessages implements adapters.Outbox.
func (s *Store) ClaimMessages(ctx context.Context, p adapters.ClaimParams) ([]adapters.Message, error) {
	msgs, err := s.claimMessages(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("postgres: claim messages for %q: %w", p.Owner, fail(ctx, err))
	}
	return msgs, nil
}

func (s *Store) claimMessages(ctx context.Context, p adapters.ClaimParams) ([]adapters.Message, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	return writeAll(ctx, s, scanMessage, s.sql.claimMessages, ts(p.Now), p.Limit, p.Owner, ts(p.Now.Add(p.Lease)))
}

// MarkMessage implements adapters.Outbox.
func (s *Store) MarkMessage(ctx context.Context, p adapters.MarkParams) error {
	if err := s.markMessage(ctx, p); err != nil {
		return fmt.Errorf("postgres: mark message %q: %w", p.ID, fail(ctx, err))
	}
	return nil
}

func (s *Store) markMessage(ctx context.Context, p adapters.MarkParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if err := s.enter(ctx); err != nil {
		return err
	}
	var marked, exists bool
	err := s.write(ctx, func(q querier) error {
		return q.QueryRow(ctx, s.sql.markMessage, p.ID, p.Owner, string(p.Status), p.Error, ts(p.At), ts(p.RetryAt),
			p.ProviderID, p.Via, p.Address, releaseArg(p.Release)).Scan(&marked, &exists)
	})
	switch {
	case err != nil:
		return err
	case !exists:
		return adapters.ErrNotFound
	case !marked:
		return fmt.Errorf("%w: not a pending message leased by %q", adapters.ErrConflict, p.Owner)
	}
	return nil
}

// GetMessage implements adapters.Outbox.
func (s *Store) GetMessage(ctx context.Context, id string) (adapters.Message, error) {
	m, err := s.getMessage(ctx, id)
	if err != nil {
		return adapters.Message{}, fmt.Errorf("postgres: get message %q: %w", id, fail(ctx, err))
	}
	return m, nil
}

func (s *Store) getMessage(ctx context.Context, id string) (adapters.Message, error) {
	if id == "" {
		return adapters.Message{}, emptyArg("message id")
	}
	if err := s.enter(ctx); err != nil {
		return adapters.Message{}, err
	}
	return queryOne(ctx, s, scanMessage, s.sql.getMessage, id)
}

// ListMessages implements adapters.Outbox.
func (s *Store) ListMessages(ctx context.Context, caseID string) ([]adapters.Message, error) {
	msgs, err := s.listMessages(ctx, caseID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list messages of case %q: %w", caseID, fail(ctx, err))
	}
	return msgs, nil
}

func (s *Store) listMessages(ctx context.Context, caseID string) ([]adapters.Message, error) {
	if caseID == "" {
		return nil, emptyArg("case id")
	}
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	return queryAll(ctx, s, scanMessage, s.sql.listMessages, caseID)
}

// ClaimTimers implements adapters.TimerStore.
func (s *Store) ClaimTimers(ctx context.Context, p adapters.ClaimParams) ([]adapters.Timer, error) {
	timers, err := s.claimTimers(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("postgres: claim timers for %q: %w", p.Owner, fail(ctx, err))
	}
	return timers, nil
}

func (s *Store) claimTimers(ctx context.Context, p adapters.ClaimParams) ([]adapters.Timer, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	return writeAll(ctx, s, scanTimer, s.sql.claimTimers, ts(p.Now), p.Limit, p.Owner, ts(p.Now.Add(p.Lease)))
}

// CompleteTimer implements adapters.TimerStore.
func (s *Store) CompleteTimer(ctx context.Context, caseID, name, owner string) error {
	if err := s.completeTimer(ctx, caseID, name, owner); err != nil {
		return fmt.Errorf("postgres: complete timer %q of case %q: %w", name, caseID, fail(ctx, err))
	}
	return nil
}

func (s *Store) completeTimer(ctx context.Context, caseID, name, owner string) error {
	switch {
	case caseID == "":
		return emptyArg("case id")
	case name == "":
		return emptyArg("timer name")
	case owner == "":
		return emptyArg("lease owner")
	}
	if err := s.enter(ctx); err != nil {
		return err
	}
	var done, exists bool
	err := s.write(ctx, func(q querier) error {
		err := q.QueryRow(ctx, s.sql.completeTimer, caseID, name, owner).Scan(&done, &exists)
		if err != nil || done || !exists {
			return err
		}
		// The existence check saw the statement's snapshot: a transition
		// that cancelled the timer while the delete waited for its row
		// lock is not in it. A new statement sees what is stored now.
		return q.QueryRow(ctx, s.sql.timerExists, caseID, name).Scan(&exists)
	})
	switch {
	case err != nil:
		return err
	case !exists:
		return adapters.ErrNotFound
	case !done:
		return fmt.Errorf("%w: not leased by %q", adapters.ErrConflict, owner)
	}
	return nil
}

// ListTimers implements adapters.TimerStore.
func (s *Store) ListTimers(ctx context.Context, caseID string) ([]adapters.Timer, error) {
	timers, err := s.listTimers(ctx, caseID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list timers of case %q: %w", caseID, fail(ctx, err))
	}
	return timers, nil
}

func (s *Store) listTimers(ctx context.Context, caseID string) ([]adapters.Timer, error) {
	if caseID == "" {
		return nil, emptyArg("case id")
	}
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	return queryAll(ctx, s, scanTimer, s.sql.listTimers, caseID)
}

// SaveDraft implements adapters.DraftStore.
func (s *Store) SaveDraft(ctx context.Context, d adapters.Draft) error {
	if err := s.saveDraft(ctx, d); err != nil {
		return fmt.Errorf("postgres: save draft: %w", fail(ctx, err))
	}
	return nil
}

func (s *Store) saveDraft(ctx context.Context, d adapters.Draft) error {
	if err := d.Validate(); err != nil {
		return err
	}
	if err := s.enter(ctx); err != nil {
		return err
	}
	created := d.CreatedAt
	if created.IsZero() {
		created = d.UpdatedAt
	}
	return s.write(ctx, func(q querier) error {
		_, err := q.Exec(ctx, s.sql.saveDraft, d.TokenHash, d.FormID, d.FormVersion, d.Subject, d.Step,
			jsonArg(d.Data), ts(created), ts(d.UpdatedAt), ts(d.ExpiresAt), d.SubjectIssuer)
		return err
	})
}

// GetDraft implements adapters.DraftStore. Error messages leave out the
// token hash: it identifies a resident's draft.
func (s *Store) GetDraft(ctx context.Context, tokenHash string, now time.Time) (adapters.Draft, error) {
	d, err := s.getDraft(ctx, tokenHash, now)
	if err != nil {
		return adapters.Draft{}, fmt.Errorf("postgres: get draft: %w", fail(ctx, err))
	}
	return d, nil
}

func (s *Store) getDraft(ctx context.Context, tokenHash string, now time.Time) (adapters.Draft, error) {
	if tokenHash == "" {
		return adapters.Draft{}, emptyArg("token hash")
	}
	if err := s.enter(ctx); err != nil {
		return adapters.Draft{}, err
	}
	return queryOne(ctx, s, scanDraft, s.sql.getDraft, tokenHash, adapters.StoredTime(now))
}

// ListDrafts implements adapters.DraftStore.
func (s *Store) ListDrafts(ctx context.Context, subject string, now time.Time) ([]adapters.Draft, error) {
	ds, err := s.listDrafts(ctx, subject, now)
	if err != nil {
		return nil, fmt.Errorf("postgres: list drafts: %w", fail(ctx, err))
	}
	return ds, nil
}

func (s *Store) listDrafts(ctx context.Context, subject string, now time.Time) ([]adapters.Draft, error) {
	if subject == "" {
		return nil, emptyArg("subject")
	}
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	return queryAll(ctx, s, scanDraft, s.sql.listDrafts, subject, adapters.StoredTime(now))
}

// DeleteDraft implements adapters.DraftStore.
func (s *Store) DeleteDraft(ctx context.Context, tokenHash string) error {
	if err := s.deleteDraft(ctx, tokenHash); err != nil {
		return fmt.Errorf("postgres: delete draft: %w", fail(ctx, err))
	}
	return nil
}

func (s *Store) deleteDraft(ctx context.Context, tokenHash string) error {
	if tokenHash == "" {
		return emptyArg("token hash")
	}
	if err := s.enter(ctx); err != nil {
		return err
	}
	var n int64
	err := s.write(ctx, func(q querier) error {
		tag, err := q.Exec(ctx, s.sql.deleteDraft, tokenHash)
		n = tag.RowsAffected()
		return err
	})
	if err == nil && n == 0 {
		return adapters.ErrNotFound
	}
	return err
}

// DeleteExpiredDrafts implements adapters.DraftStore.
func (s *Store) DeleteExpiredDrafts(ctx context.Context, now time.Time) (int64, error) {
	n, err := s.deleteExpiredDrafts(ctx, now)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete expired drafts: %w", fail(ctx, err))
	}
	return n, nil
}

func (s *Store) deleteExpiredDrafts(ctx context.Context, now time.Time) (int64, error) {
	if now.IsZero() {
		return 0, emptyArg("time")
	}
	if err := s.enter(ctx); err != nil {
		return 0, err
	}
	var n int64
	err := s.write(ctx, func(q querier) error {
		tag, err := q.Exec(ctx, s.sql.deleteExpiredDrafts, ts(now))
		n = tag.RowsAffected()
		return err
	})
	return n, err
}
