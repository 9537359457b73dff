package postgres

import (
	"context"
	"fmt"

	"github.com/civickit/civickit/adapters"
)

// PutPerson implements adapters.PeopleStore.
func (s *Store) PutPerson(ctx context.Context, p adapters.Person) error {
	return fmt.Errorf("postgres: put person: %w", adapters.ErrNotImplemented)
}

// GetPeople implements adapters.PeopleStore.
func (s *Store) GetPeople(ctx context.Context, ids []string) (map[string]adapters.Person, error) {
	return nil, fmt.Errorf("postgres: get people: %w", adapters.ErrNotImplemented)
}

// FindPerson implements adapters.PeopleStore.
func (s *Store) FindPerson(ctx context.Context, channel, address string) (adapters.Person, error) {
	return adapters.Person{}, fmt.Errorf("postgres: find person: %w", adapters.ErrNotImplemented)
}

// RecordConsent implements adapters.PeopleStore.
func (s *Store) RecordConsent(ctx context.Context, c adapters.Consent) error {
	return fmt.Errorf("postgres: record consent: %w", adapters.ErrNotImplemented)
}

// SetOptOut implements adapters.PeopleStore.
func (s *Store) SetOptOut(ctx context.Context, c adapters.OptOutChange) (bool, error) {
	return false, fmt.Errorf("postgres: set opt-out: %w", adapters.ErrNotImplemented)
}

// Reach implements adapters.PeopleStore.
func (s *Store) Reach(ctx context.Context, channel string, addresses []string) (map[string]adapters.Reach, error) {
	return nil, fmt.Errorf("postgres: reach: %w", adapters.ErrNotImplemented)
}

// ListOptOutChanges implements adapters.PeopleStore.
func (s *Store) ListOptOutChanges(ctx context.Context, channel, address string) ([]adapters.OptOutChange, error) {
	return nil, fmt.Errorf("postgres: list opt-out changes: %w", adapters.ErrNotImplemented)
}
