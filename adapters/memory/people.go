package memory

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/civickit/civickit/adapters"
)

// chanAddr keys consents, opt-outs and the address index.
type chanAddr struct{ channel, address string }

// people is the store's people, consents and opt-outs.
type people struct {
	byID     map[string]adapters.Person
	byAddr   map[chanAddr]map[string]struct{} // person ids per address
	consents map[chanAddr][]adapters.Consent
	// optOuts holds each address's opt-out history, oldest first; the
	// last change is its current state.
	optOuts map[chanAddr][]adapters.OptOutChange
}

func newPeople() people {
	return people{
		byID:     map[string]adapters.Person{},
		byAddr:   map[chanAddr]map[string]struct{}{},
		consents: map[chanAddr][]adapters.Consent{},
		optOuts:  map[chanAddr][]adapters.OptOutChange{},
	}
}

func copyPerson(p adapters.Person) adapters.Person {
	p.Channels = slices.Clone(p.Channels)
	p.Addresses = maps.Clone(p.Addresses)
	return p
}

// PutPerson implements adapters.PeopleStore.
func (s *Store) PutPerson(ctx context.Context, p adapters.Person) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("memory: put person %q: %w", p.ID, err)
	}
	if err := s.lock(ctx); err != nil {
		return fmt.Errorf("memory: put person %q: %w", p.ID, err)
	}
	defer s.mu.Unlock()
	if old, ok := s.people.byID[p.ID]; ok {
		for c, a := range old.Addresses {
			k := chanAddr{c, a}
			delete(s.people.byAddr[k], p.ID)
			if len(s.people.byAddr[k]) == 0 {
				delete(s.people.byAddr, k)
			}
		}
	}
	p = copyPerson(p)
	p.UpdatedAt = adapters.StoredTime(p.UpdatedAt)
	s.people.byID[p.ID] = p
	for c, a := range p.Addresses {
		k := chanAddr{c, a}
		if s.people.byAddr[k] == nil {
			s.people.byAddr[k] = map[string]struct{}{}
		}
		s.people.byAddr[k][p.ID] = struct{}{}
	}
	return nil
}

// GetPeople implements adapters.PeopleStore.
func (s *Store) GetPeople(ctx context.Context, ids []string) (map[string]adapters.Person, error) {
	if err := adapters.ValidatePersonIDs(ids); err != nil {
		return nil, fmt.Errorf("memory: get %d people: %w", len(ids), err)
	}
	if err := s.rlock(ctx); err != nil {
		return nil, fmt.Errorf("memory: get %d people: %w", len(ids), err)
	}
	defer s.mu.RUnlock()
	out := make(map[string]adapters.Person, len(ids))
	for _, id := range ids {
		if p, ok := s.people.byID[id]; ok {
			out[id] = copyPerson(p)
		}
	}
	return out, nil
}

// FindPerson implements adapters.PeopleStore.
func (s *Store) FindPerson(ctx context.Context, channel, address string) (adapters.Person, error) {
	if err := adapters.ValidateChannelAddress(channel, address); err != nil {
		return adapters.Person{}, fmt.Errorf("memory: find person by %s address: %w", channel, err)
	}
	if err := s.rlock(ctx); err != nil {
		return adapters.Person{}, fmt.Errorf("memory: find person by %s address: %w", channel, err)
	}
	defer s.mu.RUnlock()
	var best *adapters.Person
	for id := range s.people.byAddr[chanAddr{channel, address}] {
		p := s.people.byID[id]
		if best == nil || p.UpdatedAt.After(best.UpdatedAt) || p.UpdatedAt.Equal(best.UpdatedAt) && p.ID < best.ID {
			best = &p
		}
	}
	if best == nil {
		// The address is personal data: the error names only the channel.
		return adapters.Person{}, fmt.Errorf("memory: find person by %s address: %w", channel, adapters.ErrNotFound)
	}
	return copyPerson(*best), nil
}

// RecordConsent implements adapters.PeopleStore.
func (s *Store) RecordConsent(ctx context.Context, c adapters.Consent) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("memory: record %s consent: %w", c.Channel, err)
	}
	if err := s.lock(ctx); err != nil {
		return fmt.Errorf("memory: record %s consent: %w", c.Channel, err)
	}
	defer s.mu.Unlock()
	c.At = adapters.StoredTime(c.At)
	k := chanAddr{c.Channel, c.Address}
	s.people.consents[k] = append(s.people.consents[k], c)
	return nil
}

// SetOptOut implements adapters.PeopleStore. The confirmation goes through
// the outbox's own checks and writes, as EnqueueMessages's do.
func (s *Store) SetOptOut(ctx context.Context, c adapters.OptOutChange) (bool, error) {
	if err := c.Validate(); err != nil {
		return false, fmt.Errorf("memory: set %s opt-out: %w", c.Channel, err)
	}
	if err := s.lock(ctx); err != nil {
		return false, fmt.Errorf("memory: set %s opt-out: %w", c.Channel, err)
	}
	defer s.mu.Unlock()
	k := chanAddr{c.Channel, c.Address}
	hist := s.people.optOuts[k]
	out := len(hist) > 0 && hist[len(hist)-1].Out
	if out == c.Out {
		return false, nil
	}
	var msgs []adapters.Message
	if c.Confirmation.ID != "" {
		msgs = []adapters.Message{c.Confirmation}
		if err := s.checkMessages(msgs); err != nil {
			return false, fmt.Errorf("memory: set %s opt-out: %w", c.Channel, err)
		}
	}
	s.addMessages("", msgs)
	c.At = adapters.StoredTime(c.At)
	c.Confirmation = adapters.Message{ID: c.Confirmation.ID}
	s.people.optOuts[k] = append(hist, c)
	return true, nil
}

// Reach implements adapters.PeopleStore.
func (s *Store) Reach(ctx context.Context, channel string, addresses []string) (map[string]adapters.Reach, error) {
	if err := adapters.ValidateReach(channel, addresses); err != nil {
		return nil, fmt.Errorf("memory: reach %d %s addresses: %w", len(addresses), channel, err)
	}
	if err := s.rlock(ctx); err != nil {
		return nil, fmt.Errorf("memory: reach %d %s addresses: %w", len(addresses), channel, err)
	}
	defer s.mu.RUnlock()
	out := make(map[string]adapters.Reach, len(addresses))
	for _, a := range addresses {
		k := chanAddr{channel, a}
		r := adapters.Reach{Consented: len(s.people.consents[k]) > 0}
		if hist := s.people.optOuts[k]; len(hist) > 0 && hist[len(hist)-1].Out {
			last := hist[len(hist)-1]
			r.OptedOut, r.OptedOutAt, r.ConfirmationID = true, last.At, last.Confirmation.ID
		}
		out[a] = r
	}
	return out, nil
}

// ListOptOutChanges implements adapters.PeopleStore.
func (s *Store) ListOptOutChanges(ctx context.Context, channel, address string) ([]adapters.OptOutChange, error) {
	if err := adapters.ValidateChannelAddress(channel, address); err != nil {
		return nil, fmt.Errorf("memory: list %s opt-out changes: %w", channel, err)
	}
	if err := s.rlock(ctx); err != nil {
		return nil, fmt.Errorf("memory: list %s opt-out changes: %w", channel, err)
	}
	defer s.mu.RUnlock()
	out := slices.Clone(s.people.optOuts[chanAddr{channel, address}])
	// Recorded order breaks ties, as SQL stores' sequence numbers do.
	slices.SortStableFunc(out, func(a, b adapters.OptOutChange) int { return a.At.Compare(b.At) })
	return out, nil
}
