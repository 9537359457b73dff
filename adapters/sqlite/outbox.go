package sqlite

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/civickit/civickit/adapters"
)

// dueKey is a pending message's place in the claim order; it matches the
// messages_claim index, in which a message with no next attempt time
// sorts first.
const dueKey = `ifnull(next_attempt_at, -9223372036854775808)`

const (
	claimMessages = `UPDATE messages SET lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1
		WHERE seq IN (
			SELECT seq FROM messages INDEXED BY messages_claim
			WHERE status = 'pending' AND ` + dueKey + ` <= ? AND (lease_owner = '' OR lease_expires_at <= ?)
			ORDER BY ` + dueKey + `, seq LIMIT ?)
		RETURNING ` + messageCols + `, ` + dueKey + `, seq`
	markMessage = `UPDATE messages SET status = ?, last_error = ?, lease_owner = '', lease_expires_at = NULL,
		sent_at = CASE WHEN ? THEN ? ELSE sent_at END,
		next_attempt_at = CASE WHEN ? THEN ? ELSE next_attempt_at END,
		provider_id = ?, via = ?, address = ?, attempts = max(attempts - ?, 0)
		WHERE id = ? AND lease_owner = ? AND status = 'pending'`
	claimTimers = `UPDATE timers SET lease_owner = ?, lease_expires_at = ?
		WHERE rowid IN (
			SELECT rowid FROM timers INDEXED BY timers_claim
			WHERE due_at <= ? AND (lease_owner = '' OR lease_expires_at <= ?)
			ORDER BY due_at, case_id, name LIMIT ?)
		RETURNING ` + timerCols
	completeTimer = `DELETE FROM timers WHERE case_id = ? AND name = ? AND lease_owner = ?`
)

// EnqueueMessages implements adapters.Outbox.
func (s *Store) EnqueueMessages(ctx context.Context, msgs []adapters.Message) error {
	if err := adapters.ValidateMessages(msgs); err != nil {
		return fmt.Errorf("sqlite: enqueue %d messages: %w", len(msgs), err)
	}
	err := s.write(ctx, func(w *writer) error { return insertMessages(ctx, w, "", msgs) })
	if err != nil {
		return fmt.Errorf("sqlite: enqueue %d messages: %w", len(msgs), err)
	}
	return nil
}

type claimedMessage struct {
	adapters.Message
	due, seq int64
}

// ClaimMessages implements adapters.Outbox.
func (s *Store) ClaimMessages(ctx context.Context, p adapters.ClaimParams) ([]adapters.Message, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("sqlite: claim messages: %w", err)
	}
	now := micros(p.Now)
	var claimed []claimedMessage
	err := s.write(ctx, func(w *writer) error {
		rows, err := w.query(ctx, claimMessages, p.Owner, micros(p.Now.Add(p.Lease)), now, now, p.Limit)
		if err != nil {
			return err
		}
		claimed, err = scanAll(rows, func(m *claimedMessage) []any { return append(messageDest(&m.Message), &m.due, &m.seq) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim messages for %q: %w", p.Owner, err)
	}
	// RETURNING gives rows in no promised order.
	slices.SortFunc(claimed, func(a, b claimedMessage) int {
		return cmp.Or(cmp.Compare(a.due, b.due), cmp.Compare(a.seq, b.seq))
	})
	out := make([]adapters.Message, len(claimed))
	for i, m := range claimed {
		out[i] = m.Message
	}
	return out, nil
}

// MarkMessage implements adapters.Outbox.
func (s *Store) MarkMessage(ctx context.Context, p adapters.MarkParams) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("sqlite: mark message %q: %w", p.ID, err)
	}
	err := s.write(ctx, func(w *writer) error { return markOne(ctx, w, p) })
	if err != nil {
		return fmt.Errorf("sqlite: mark message %q: %w", p.ID, err)
	}
	return nil
}

// missingOr returns ErrNotFound when query finds no row, else otherwise.
func missingOr(ctx context.Context, w *writer, query string, args []any, otherwise error) error {
	row, err := w.queryRow(ctx, query, args...)
	if err != nil {
		return err
	}
	var one int
	if err := row.Scan(&one); err != nil {
		return translate(ctx, err)
	}
	return otherwise
}

// GetMessage implements adapters.Outbox.
func (s *Store) GetMessage(ctx context.Context, id string) (adapters.Message, error) {
	if id == "" {
		return adapters.Message{}, fmt.Errorf("sqlite: get message: %w", emptyArg("message id"))
	}
	var m adapters.Message
	if err := s.readRow(ctx, `SELECT `+messageCols+` FROM messages WHERE id = ?`, []any{id}, messageDest(&m)...); err != nil {
		return adapters.Message{}, fmt.Errorf("sqlite: get message %q: %w", id, err)
	}
	return m, nil
}

// ListMessages implements adapters.Outbox.
func (s *Store) ListMessages(ctx context.Context, caseID string) ([]adapters.Message, error) {
	if caseID == "" {
		return nil, fmt.Errorf("sqlite: list messages: %w", emptyArg("case id"))
	}
	msgs, err := readRows(ctx, s, messageDest, `SELECT `+messageCols+` FROM messages WHERE case_id = ? ORDER BY created_at, id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list messages of case %q: %w", caseID, err)
	}
	return msgs, nil
}

// ClaimTimers implements adapters.TimerStore.
func (s *Store) ClaimTimers(ctx context.Context, p adapters.ClaimParams) ([]adapters.Timer, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("sqlite: claim timers: %w", err)
	}
	now := micros(p.Now)
	var claimed []adapters.Timer
	err := s.write(ctx, func(w *writer) error {
		rows, err := w.query(ctx, claimTimers, p.Owner, micros(p.Now.Add(p.Lease)), now, now, p.Limit)
		if err != nil {
			return err
		}
		claimed, err = scanAll(rows, timerDest)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim timers for %q: %w", p.Owner, err)
	}
	slices.SortFunc(claimed, func(a, b adapters.Timer) int {
		return cmp.Or(a.DueAt.Compare(b.DueAt), cmp.Compare(a.CaseID, b.CaseID), cmp.Compare(a.Name, b.Name))
	})
	return claimed, nil
}

// CompleteTimer implements adapters.TimerStore.
func (s *Store) CompleteTimer(ctx context.Context, caseID, name, owner string) error {
	var errs []error
	for _, f := range []struct{ what, v string }{{"case id", caseID}, {"timer name", name}, {"owner", owner}} {
		if f.v == "" {
			errs = append(errs, emptyArg(f.what))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: complete timer %q of case %q: %w", name, caseID, err)
	}
	err := s.write(ctx, func(w *writer) error {
		n, err := w.execN(ctx, completeTimer, caseID, name, owner)
		if err != nil || n == 1 {
			return err
		}
		return missingOr(ctx, w, `SELECT 1 FROM timers WHERE case_id = ? AND name = ?`, []any{caseID, name},
			fmt.Errorf("%w: timer is not leased by %q", adapters.ErrConflict, owner))
	})
	if err != nil {
		return fmt.Errorf("sqlite: complete timer %q of case %q: %w", name, caseID, err)
	}
	return nil
}

// ListTimers implements adapters.TimerStore.
func (s *Store) ListTimers(ctx context.Context, caseID string) ([]adapters.Timer, error) {
	if caseID == "" {
		return nil, fmt.Errorf("sqlite: list timers: %w", emptyArg("case id"))
	}
	timers, err := readRows(ctx, s, timerDest, `SELECT `+timerCols+` FROM timers WHERE case_id = ? ORDER BY name`, caseID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list timers of case %q: %w", caseID, err)
	}
	return timers, nil
}
