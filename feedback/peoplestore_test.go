package feedback_test

// testPeople is a TEST-ONLY adapters.PeopleStore: people, consents and
// opt-outs in maps behind a mutex, enough for the dispatcher's tests. It
// stands in until the stores implement adapters.PeopleStore; then the
// tests pass the store itself (memory.New(), ...) instead.

import (
	"context"
	"fmt"
	"sync"

	"github.com/civickit/civickit/adapters"
)

type testPeople struct {
	mu       sync.Mutex
	people   map[string]adapters.Person
	consents map[[2]string]bool
	optOuts  map[[2]string]adapters.OptOutChange
	history  map[[2]string][]adapters.OptOutChange
	outbox   adapters.Outbox
}

var _ adapters.PeopleStore = (*testPeople)(nil)

func newTestPeople(outbox adapters.Outbox) *testPeople {
	return &testPeople{people: map[string]adapters.Person{}, consents: map[[2]string]bool{},
		optOuts: map[[2]string]adapters.OptOutChange{}, history: map[[2]string][]adapters.OptOutChange{}, outbox: outbox}
}

func (s *testPeople) PutPerson(ctx context.Context, p adapters.Person) error {
	if p.ID == "" {
		return fmt.Errorf("test people: put person: %w", adapters.ErrInvalidArgument)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.people[p.ID] = p
	return nil
}

func (s *testPeople) GetPeople(ctx context.Context, ids []string) (map[string]adapters.Person, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]adapters.Person{}
	for _, id := range ids {
		if p, ok := s.people[id]; ok {
			out[id] = p
		}
	}
	return out, nil
}

func (s *testPeople) FindPerson(ctx context.Context, channel, address string) (adapters.Person, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.people {
		if p.Addresses[channel] == address {
			return p, nil
		}
	}
	return adapters.Person{}, adapters.ErrNotFound
}

func (s *testPeople) RecordConsent(ctx context.Context, c adapters.Consent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.consents[[2]string{c.Channel, c.Address}] = true
	return nil
}

func (s *testPeople) SetOptOut(ctx context.Context, c adapters.OptOutChange) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]string{c.Channel, c.Address}
	_, out := s.optOuts[k]
	if out == c.Out {
		return false, nil
	}
	if c.Out {
		if c.Confirmation.ID != "" {
			if err := s.outbox.EnqueueMessages(ctx, []adapters.Message{c.Confirmation}); err != nil {
				return false, err
			}
		}
		s.optOuts[k] = c
	} else {
		delete(s.optOuts, k)
	}
	s.history[k] = append(s.history[k], c)
	return true, nil
}

func (s *testPeople) Reach(ctx context.Context, channel string, addresses []string) (map[string]adapters.Reach, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]adapters.Reach, len(addresses))
	for _, a := range addresses {
		k := [2]string{channel, a}
		r := adapters.Reach{Consented: s.consents[k]}
		if o, ok := s.optOuts[k]; ok {
			r.OptedOut, r.OptedOutAt, r.ConfirmationID = true, o.At, o.Confirmation.ID
		}
		out[a] = r
	}
	return out, nil
}

func (s *testPeople) ListOptOutChanges(ctx context.Context, channel, address string) ([]adapters.OptOutChange, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]adapters.OptOutChange(nil), s.history[[2]string{channel, address}]...), nil
}
