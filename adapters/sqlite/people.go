package sqlite

import (
	"context"
	"fmt"

	"github.com/civickit/civickit/adapters"
)

// PutPerson implements adapters.PeopleStore.
func (s *Store) PutPerson(ctx context.Context, p adapters.Person) error {
	return fmt.Errorf("sqlite: put person: %w", adapters.ErrNotImplemented)
}

// GetPeople implements adapters.PeopleStore.
func (s *Store) GetPeople(ctx context.Context, ids []string) (map[string]adapters.Person, error) {
	return nil, fmt.Errorf("sqlite: get people: %w", adapters.ErrNotImplemented)
}

// FindPerson implements adapters.PeopleStore.
func (s *Store) FindPerson(ctx context.Context, channel, address string) (adapters.Person, error) {
	return adapters.Person{}, fmt.Errorf("sqlite: find person: %w", adapters.ErrNotImplemented)
}

// RecordConsent implements adapters.PeopleStore.
func (s *Store) RecordConsent(ctx context.Context, c adapters.Consent) error {
	return fmt.Errorf("sqlite: record consent: %w", adapters.ErrNotImplemented)
}

// SetOptOut implements adapters.PeopleStore.
func (s *Store) SetOptOut(ctx context.Context, c adapters.OptOutChange) (bool, error) {
	return false, fmt.Errorf("sqlite: set opt-out: %w", adapters.ErrNotImplemented)
}

// Reach implements adapters.PeopleStore.
func (s *Store) Reach(ctx context.Context, channel string, addresses []string) (map[string]adapters.Reach, error) {
	return nil, fmt.Errorf("sqlite: reach: %w", adapters.ErrNotImplemented)
}

// ListOptOutChanges implements adapters.PeopleStore.
func (s *Store) ListOptOutChanges(ctx context.Context, channel, address string) ([]adapters.OptOutChange, error) {
	return nil, fmt.Errorf("sqlite: list opt-out changes: %w", adapters.ErrNotImplemented)
}
