package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/civickit/civickit/adapters"
)

var _ adapters.SessionStore = (*Store)(nil)

// SaveSession implements adapters.SessionStore.
func (s *Store) SaveSession(ctx context.Context, rec adapters.SessionRecord) error {
	if err := rec.Validate(); err != nil {
		return fmt.Errorf("sqlite: save session: %w", err)
	}
	err := s.write(ctx, func(w *writer) error {
		_, err := w.exec(ctx, `INSERT INTO sessions (id, issuer, subject, provider_sid, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET issuer = excluded.issuer, subject = excluded.subject,
			provider_sid = excluded.provider_sid, created_at = excluded.created_at, expires_at = excluded.expires_at`,
			rec.ID, rec.Issuer, rec.Subject, rec.ProviderSessionID, timeArg(rec.Created), micros(rec.Expires))
		return err
	})
	if err != nil {
		// Session ids stay out of errors: each one names a live session.
		return fmt.Errorf("sqlite: save session: %w", err)
	}
	return nil
}

// SessionActive implements adapters.SessionStore.
func (s *Store) SessionActive(ctx context.Context, id string, now time.Time) (bool, error) {
	var active bool
	err := s.readRow(ctx, `SELECT EXISTS (SELECT 1 FROM sessions WHERE id = ? AND expires_at > ?)`,
		[]any{id, micros(now)}, &active)
	if err != nil {
		return false, fmt.Errorf("sqlite: session active: %w", err)
	}
	return active, nil
}

// RevokeSession implements adapters.SessionStore.
func (s *Store) RevokeSession(ctx context.Context, id string) error {
	err := s.write(ctx, func(w *writer) error {
		_, err := w.exec(ctx, `DELETE FROM sessions WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: revoke session: %w", err)
	}
	return nil
}

// RevokeProviderSessions implements adapters.SessionStore.
func (s *Store) RevokeProviderSessions(ctx context.Context, p adapters.RevokeSessionsParams) (int64, error) {
	if err := p.Validate(); err != nil {
		return 0, fmt.Errorf("sqlite: revoke provider sessions: %w", err)
	}
	query, key := `DELETE FROM sessions WHERE issuer = ? AND subject = ?`, p.Subject
	if p.SID != "" {
		query, key = `DELETE FROM sessions WHERE issuer = ? AND provider_sid = ? AND provider_sid <> ''`, p.SID
	}
	var n int64
	err := s.write(ctx, func(w *writer) error {
		var err error
		n, err = w.execN(ctx, query, p.Issuer, key)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: revoke provider sessions: %w", err)
	}
	return n, nil
}

// ConsumeFlow implements adapters.SessionStore. The write lock makes the
// insert and its check one step across processes.
func (s *Store) ConsumeFlow(ctx context.Context, key string, expires time.Time) error {
	if err := adapters.ValidateFlowKey(key, expires); err != nil {
		return fmt.Errorf("sqlite: consume flow: %w", err)
	}
	err := s.write(ctx, func(w *writer) error {
		n, err := w.execN(ctx, `INSERT INTO consumed_flows (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`,
			key, micros(expires))
		if err == nil && n == 0 {
			err = fmt.Errorf("%w: login flow already redeemed", adapters.ErrDuplicate)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: consume flow: %w", err)
	}
	return nil
}

// FlowConsumed implements adapters.SessionStore.
func (s *Store) FlowConsumed(ctx context.Context, key string, now time.Time) (bool, error) {
	if err := adapters.ValidateFlowConsumed(key, now); err != nil {
		return false, fmt.Errorf("sqlite: flow consumed: %w", err)
	}
	var consumed bool
	err := s.readRow(ctx, `SELECT EXISTS (SELECT 1 FROM consumed_flows WHERE key = ? AND expires_at > ?)`,
		[]any{key, micros(now)}, &consumed)
	if err != nil {
		return false, fmt.Errorf("sqlite: flow consumed: %w", err)
	}
	return consumed, nil
}

// DeleteExpiredSessions implements adapters.SessionStore.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	if now.IsZero() {
		return 0, fmt.Errorf("sqlite: delete expired sessions: %w", emptyArg("time"))
	}
	var n int64
	err := s.write(ctx, func(w *writer) error {
		sessions, err := w.execN(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, micros(now))
		if err != nil {
			return err
		}
		flows, err := w.execN(ctx, `DELETE FROM consumed_flows WHERE expires_at <= ?`, micros(now))
		n = sessions + flows
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired sessions: %w", err)
	}
	return n, nil
}
