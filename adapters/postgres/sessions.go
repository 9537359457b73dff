package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/civickit/civickit/adapters"
)

var _ adapters.SessionStore = (*Store)(nil)

// The session statements, with {s} standing for the store's schema.
const (
	saveSessionSQL = `INSERT INTO {s}.sessions (id, issuer, subject, provider_sid, created_at, expires_at)
	VALUES ($1, $2, $3, $4, $5, $6)
	ON CONFLICT (id) DO UPDATE SET issuer = excluded.issuer, subject = excluded.subject,
		provider_sid = excluded.provider_sid, created_at = excluded.created_at, expires_at = excluded.expires_at`
	sessionActiveSQL   = `SELECT EXISTS (SELECT 1 FROM {s}.sessions WHERE id = $1 AND expires_at > $2)`
	revokeSessionSQL   = `DELETE FROM {s}.sessions WHERE id = $1`
	revokeBySIDSQL     = `DELETE FROM {s}.sessions WHERE issuer = $1 AND provider_sid = $2 AND provider_sid <> ''`
	revokeBySubjectSQL = `DELETE FROM {s}.sessions WHERE issuer = $1 AND subject = $2`
	consumeFlowSQL     = `INSERT INTO {s}.consumed_flows (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`
	flowConsumedSQL    = `SELECT EXISTS (SELECT 1 FROM {s}.consumed_flows WHERE key = $1 AND expires_at > $2)`
	expireSessionsSQL  = `WITH s AS (DELETE FROM {s}.sessions WHERE expires_at <= $1 RETURNING 1),
	f AS (DELETE FROM {s}.consumed_flows WHERE expires_at <= $1 RETURNING 1)
	SELECT (SELECT count(*) FROM s) + (SELECT count(*) FROM f)`
)

// inSchema is a session statement for the store's schema; the text is the
// same on every call, so pgx's statement cache still applies.
func (s *Store) inSchema(sql string) string {
	return strings.ReplaceAll(sql, "{s}", quoteIdent(s.schema))
}

// sessionWrite runs one writing session statement and returns the rows it
// changed.
func (s *Store) sessionWrite(ctx context.Context, sql string, args ...any) (int64, error) {
	if err := s.enter(ctx); err != nil {
		return 0, err
	}
	var n int64
	err := s.write(ctx, func(q querier) error {
		tag, err := q.Exec(ctx, s.inSchema(sql), args...)
		n = tag.RowsAffected()
		return err
	})
	return n, err
}

// SaveSession implements adapters.SessionStore. Session ids stay out of
// errors: each one names a live session.
func (s *Store) SaveSession(ctx context.Context, rec adapters.SessionRecord) error {
	err := rec.Validate()
	if err == nil {
		_, err = s.sessionWrite(ctx, saveSessionSQL, rec.ID, rec.Issuer, rec.Subject, rec.ProviderSessionID, ts(rec.Created), ts(rec.Expires))
	}
	if err != nil {
		return fmt.Errorf("postgres: save session: %w", fail(ctx, err))
	}
	return nil
}

// SessionActive implements adapters.SessionStore.
func (s *Store) SessionActive(ctx context.Context, id string, now time.Time) (bool, error) {
	err := s.enter(ctx)
	var active bool
	if err == nil {
		err = s.oneStatement(ctx, func(q querier) error {
			return q.QueryRow(ctx, s.inSchema(sessionActiveSQL), id, ts(now)).Scan(&active)
		})
	}
	if err != nil {
		return false, fmt.Errorf("postgres: session active: %w", fail(ctx, err))
	}
	return active, nil
}

// RevokeSession implements adapters.SessionStore.
func (s *Store) RevokeSession(ctx context.Context, id string) error {
	if _, err := s.sessionWrite(ctx, revokeSessionSQL, id); err != nil {
		return fmt.Errorf("postgres: revoke session: %w", fail(ctx, err))
	}
	return nil
}

// RevokeProviderSessions implements adapters.SessionStore.
func (s *Store) RevokeProviderSessions(ctx context.Context, p adapters.RevokeSessionsParams) (int64, error) {
	err := p.Validate()
	var n int64
	if err == nil {
		if p.SID != "" {
			n, err = s.sessionWrite(ctx, revokeBySIDSQL, p.Issuer, p.SID)
		} else {
			n, err = s.sessionWrite(ctx, revokeBySubjectSQL, p.Issuer, p.Subject)
		}
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: revoke provider sessions: %w", fail(ctx, err))
	}
	return n, nil
}

var errFlowRedeemed = fmt.Errorf("%w: login flow already redeemed", adapters.ErrDuplicate)

// ConsumeFlow implements adapters.SessionStore. Of racing inserts of one
// key, the later ones wait for the first to commit and then insert
// nothing.
func (s *Store) ConsumeFlow(ctx context.Context, key string, expires time.Time) error {
	err := adapters.ValidateFlowKey(key, expires)
	if err == nil {
		var n int64
		n, err = s.sessionWrite(ctx, consumeFlowSQL, key, ts(expires))
		if err == nil && n == 0 {
			err = errFlowRedeemed
		}
	}
	if err != nil {
		return fmt.Errorf("postgres: consume flow: %w", fail(ctx, err))
	}
	return nil
}

// FlowConsumed implements adapters.SessionStore.
func (s *Store) FlowConsumed(ctx context.Context, key string, now time.Time) (bool, error) {
	err := s.enter(ctx)
	if err == nil {
		err = adapters.ValidateFlowConsumed(key, now)
	}
	var consumed bool
	if err == nil {
		err = s.oneStatement(ctx, func(q querier) error {
			return q.QueryRow(ctx, s.inSchema(flowConsumedSQL), key, ts(now)).Scan(&consumed)
		})
	}
	if err != nil {
		return false, fmt.Errorf("postgres: flow consumed: %w", fail(ctx, err))
	}
	return consumed, nil
}

// DeleteExpiredSessions implements adapters.SessionStore.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	err := s.enter(ctx)
	if err == nil && now.IsZero() {
		err = emptyArg("time")
	}
	var n int64
	if err == nil {
		err = s.write(ctx, func(q querier) error {
			return q.QueryRow(ctx, s.inSchema(expireSessionsSQL), ts(now)).Scan(&n)
		})
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: delete expired sessions: %w", fail(ctx, err))
	}
	return n, nil
}
