package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/civickit/civickit/adapters"
)

var _ adapters.SessionStore = (*Store)(nil)

// sessionMaps returns the session and flow maps, made on first use; the
// caller holds the write lock.
func (s *Store) sessionMaps() (map[string]adapters.SessionRecord, map[string]time.Time) {
	if s.sessions == nil {
		s.sessions = map[string]adapters.SessionRecord{}
		s.flows = map[string]time.Time{}
	}
	return s.sessions, s.flows
}

// SaveSession implements adapters.SessionStore.
func (s *Store) SaveSession(ctx context.Context, rec adapters.SessionRecord) error {
	if err := rec.Validate(); err != nil {
		return fmt.Errorf("memory: save session: %w", err)
	}
	if err := s.lock(ctx); err != nil {
		return fmt.Errorf("memory: save session: %w", err)
	}
	defer s.mu.Unlock()
	rec.Created, rec.Expires = adapters.StoredTime(rec.Created), adapters.StoredTime(rec.Expires)
	sessions, _ := s.sessionMaps()
	sessions[rec.ID] = rec
	return nil
}

// SessionActive implements adapters.SessionStore.
func (s *Store) SessionActive(ctx context.Context, id string, now time.Time) (bool, error) {
	if err := s.rlock(ctx); err != nil {
		return false, fmt.Errorf("memory: session active: %w", err)
	}
	defer s.mu.RUnlock()
	rec, ok := s.sessions[id]
	return ok && rec.Expires.After(adapters.StoredTime(now)), nil
}

// RevokeSession implements adapters.SessionStore.
func (s *Store) RevokeSession(ctx context.Context, id string) error {
	if err := s.lock(ctx); err != nil {
		return fmt.Errorf("memory: revoke session: %w", err)
	}
	defer s.mu.Unlock()
	delete(s.sessions, id)
	return nil
}

// RevokeProviderSessions implements adapters.SessionStore.
func (s *Store) RevokeProviderSessions(ctx context.Context, p adapters.RevokeSessionsParams) (int64, error) {
	if err := p.Validate(); err != nil {
		return 0, fmt.Errorf("memory: revoke provider sessions: %w", err)
	}
	if err := s.lock(ctx); err != nil {
		return 0, fmt.Errorf("memory: revoke provider sessions: %w", err)
	}
	defer s.mu.Unlock()
	var n int64
	for id, rec := range s.sessions {
		if rec.Issuer == p.Issuer && (p.SID != "" && rec.ProviderSessionID == p.SID || p.SID == "" && rec.Subject == p.Subject) {
			delete(s.sessions, id)
			n++
		}
	}
	return n, nil
}

// ConsumeFlow implements adapters.SessionStore.
func (s *Store) ConsumeFlow(ctx context.Context, key string, expires time.Time) error {
	if err := adapters.ValidateFlowKey(key, expires); err != nil {
		return fmt.Errorf("memory: consume flow: %w", err)
	}
	if err := s.lock(ctx); err != nil {
		return fmt.Errorf("memory: consume flow: %w", err)
	}
	defer s.mu.Unlock()
	_, flows := s.sessionMaps()
	if _, ok := flows[key]; ok {
		return fmt.Errorf("memory: consume flow: %w", adapters.ErrDuplicate)
	}
	flows[key] = adapters.StoredTime(expires)
	return nil
}

// FlowConsumed implements adapters.SessionStore.
func (s *Store) FlowConsumed(ctx context.Context, key string, now time.Time) (bool, error) {
	if err := adapters.ValidateFlowConsumed(key, now); err != nil {
		return false, fmt.Errorf("memory: flow consumed: %w", err)
	}
	if err := s.rlock(ctx); err != nil {
		return false, fmt.Errorf("memory: flow consumed: %w", err)
	}
	defer s.mu.RUnlock()
	exp, ok := s.flows[key]
	return ok && exp.After(adapters.StoredTime(now)), nil
}

// DeleteExpiredSessions implements adapters.SessionStore.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	if now.IsZero() {
		return 0, fmt.Errorf("memory: delete expired sessions: %w", emptyID("time"))
	}
	if err := s.lock(ctx); err != nil {
		return 0, fmt.Errorf("memory: delete expired sessions: %w", err)
	}
	defer s.mu.Unlock()
	now = adapters.StoredTime(now)
	var n int64
	for id, rec := range s.sessions {
		if !rec.Expires.After(now) {
			delete(s.sessions, id)
			n++
		}
	}
	for key, exp := range s.flows {
		if !exp.After(now) {
			delete(s.flows, key)
			n++
		}
	}
	return n, nil
}
