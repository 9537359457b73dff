package postgres

import (
	"context"

	"github.com/civickit/civickit/adapters"
)

func (s *serialStore) PutPerson(ctx context.Context, p adapters.Person) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.PutPerson(ctx, p)
}

func (s *serialStore) GetPeople(ctx context.Context, ids []string) (map[string]adapters.Person, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.GetPeople(ctx, ids)
}

func (s *serialStore) FindPerson(ctx context.Context, channel, address string) (adapters.Person, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.FindPerson(ctx, channel, address)
}

func (s *serialStore) RecordConsent(ctx context.Context, c adapters.Consent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.RecordConsent(ctx, c)
}

func (s *serialStore) SetOptOut(ctx context.Context, c adapters.OptOutChange) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.SetOptOut(ctx, c)
}

func (s *serialStore) Reach(ctx context.Context, channel string, addresses []string) (map[string]adapters.Reach, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.Reach(ctx, channel, addresses)
}

func (s *serialStore) ListOptOutChanges(ctx context.Context, channel, address string) ([]adapters.OptOutChange, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListOptOutChanges(ctx, channel, address)
}
