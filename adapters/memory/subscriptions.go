package memory

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/civickit/civickit/adapters"
)

// subscriptionState is who follows what, indexed both ways.
type subscriptionState struct {
	byTopic  map[adapters.Topic]map[string]time.Time
	byPerson map[string]map[adapters.Topic]time.Time
}

func newSubscriptionState() subscriptionState {
	return subscriptionState{byTopic: map[adapters.Topic]map[string]time.Time{}, byPerson: map[string]map[adapters.Topic]time.Time{}}
}

// subscribers returns the topic's subscribers ordered by person id.
func (st *subscriptionState) subscribers(t adapters.Topic) []string {
	return slices.Sorted(maps.Keys(st.byTopic[t]))
}

// updateState is the official updates, by id and per topic.
type updateState struct {
	byID    map[string]*adapters.Update
	byTopic map[adapters.Topic][]*adapters.Update
}

func newUpdateState() updateState {
	return updateState{byID: map[string]*adapters.Update{}, byTopic: map[adapters.Topic][]*adapters.Update{}}
}

// Subscribe implements adapters.SubscriptionStore.
func (s *Store) Subscribe(ctx context.Context, sub adapters.Subscription) error {
	if err := sub.Validate(); err != nil {
		return fmt.Errorf("memory: subscribe to %q: %w", sub.Topic, err)
	}
	if err := s.lock(ctx); err != nil {
		return fmt.Errorf("memory: subscribe to %q: %w", sub.Topic, err)
	}
	defer s.mu.Unlock()
	st := &s.subscriptions
	if _, ok := st.byTopic[sub.Topic][sub.Person]; ok {
		return nil
	}
	at := adapters.StoredTime(sub.CreatedAt)
	if st.byTopic[sub.Topic] == nil {
		st.byTopic[sub.Topic] = map[string]time.Time{}
	}
	if st.byPerson[sub.Person] == nil {
		st.byPerson[sub.Person] = map[adapters.Topic]time.Time{}
	}
	st.byTopic[sub.Topic][sub.Person] = at
	st.byPerson[sub.Person][sub.Topic] = at
	return nil
}

// Unsubscribe implements adapters.SubscriptionStore.
func (s *Store) Unsubscribe(ctx context.Context, topic adapters.Topic, person string) error {
	if topic == "" || person == "" {
		return fmt.Errorf("memory: unsubscribe from %q: %w", topic, emptyID("topic or person id"))
	}
	if err := s.lock(ctx); err != nil {
		return fmt.Errorf("memory: unsubscribe from %q: %w", topic, err)
	}
	defer s.mu.Unlock()
	st := &s.subscriptions
	if _, ok := st.byTopic[topic][person]; !ok {
		return fmt.Errorf("memory: unsubscribe from %q: %w", topic, adapters.ErrNotFound)
	}
	delete(st.byTopic[topic], person)
	if len(st.byTopic[topic]) == 0 {
		delete(st.byTopic, topic)
	}
	delete(st.byPerson[person], topic)
	if len(st.byPerson[person]) == 0 {
		delete(st.byPerson, person)
	}
	return nil
}

// ListSubscriptions implements adapters.SubscriptionStore.
func (s *Store) ListSubscriptions(ctx context.Context, person string) ([]adapters.Subscription, error) {
	if person == "" {
		return nil, fmt.Errorf("memory: list subscriptions: %w", emptyID("person id"))
	}
	if err := s.rlock(ctx); err != nil {
		return nil, fmt.Errorf("memory: list subscriptions: %w", err)
	}
	defer s.mu.RUnlock()
	topics := s.subscriptions.byPerson[person]
	out := make([]adapters.Subscription, 0, len(topics))
	for t, at := range topics {
		out = append(out, adapters.Subscription{Topic: t, Person: person, CreatedAt: at})
	}
	slices.SortFunc(out, func(a, b adapters.Subscription) int { return cmp.Compare(a.Topic, b.Topic) })
	return out, nil
}

// ListSubscribers implements adapters.SubscriptionStore.
func (s *Store) ListSubscribers(ctx context.Context, q adapters.SubscriberQuery) (adapters.SubscriberPage, error) {
	if err := q.Validate(); err != nil {
		return adapters.SubscriberPage{}, fmt.Errorf("memory: list subscribers of %q: %w", q.Topic, err)
	}
	after, _ := q.After()
	if err := s.rlock(ctx); err != nil {
		return adapters.SubscriberPage{}, fmt.Errorf("memory: list subscribers of %q: %w", q.Topic, err)
	}
	defer s.mu.RUnlock()
	people := s.subscriptions.byTopic[q.Topic]
	persons := s.subscriptions.subscribers(q.Topic)
	if after != "" {
		i, found := slices.BinarySearch(persons, after)
		if found {
			i++
		}
		persons = persons[i:]
	}
	var page adapters.SubscriberPage
	n := q.PageSize()
	more := len(persons) > n
	if more {
		persons = persons[:n]
	}
	page.Subscriptions = make([]adapters.Subscription, len(persons))
	for i, p := range persons {
		page.Subscriptions[i] = adapters.Subscription{Topic: q.Topic, Person: p, CreatedAt: people[p]}
	}
	if more {
		page.NextCursor = q.NextCursor(page.Subscriptions[n-1])
	}
	return page, nil
}

// CountSubscribers implements adapters.SubscriptionStore.
func (s *Store) CountSubscribers(ctx context.Context, topic adapters.Topic) (int64, error) {
	if topic == "" {
		return 0, fmt.Errorf("memory: count subscribers: %w", emptyID("topic"))
	}
	if err := s.rlock(ctx); err != nil {
		return 0, fmt.Errorf("memory: count subscribers of %q: %w", topic, err)
	}
	defer s.mu.RUnlock()
	return int64(len(s.subscriptions.byTopic[topic])), nil
}

// expand returns msgs with every message addressed to subscribers
// replaced by one message per subscriber (see adapters.SubscribersOf), or
// msgs itself when none is addressed. caseID is the call's case, the
// default of the messages' CaseID. An expanded id or key repeated within
// the call is adapters.ErrDuplicate; the caller checks those already
// stored. The caller holds the lock.
func (s *Store) expand(caseID string, msgs []adapters.Message) ([]adapters.Message, error) {
	addressed := false
	for _, m := range msgs {
		if _, ok := m.SubscriberTopic(); ok {
			addressed = true
			break
		}
	}
	if !addressed {
		return msgs, nil
	}
	var out []adapters.Message
	for _, m := range msgs {
		if m.CaseID == "" {
			m.CaseID = caseID
		}
		t, ok := m.SubscriberTopic()
		if !ok {
			out = append(out, m)
			continue
		}
		for _, p := range s.subscriptions.subscribers(t) {
			out = append(out, m.ForSubscriber(p))
		}
	}
	seen := make(map[string]bool, 2*len(out))
	for _, m := range out {
		if seen["i"+m.ID] || seen["k"+m.IdempotencyKey] {
			return nil, fmt.Errorf("%w: message %q repeats an id or idempotency key of this call", adapters.ErrDuplicate, m.ID)
		}
		seen["i"+m.ID], seen["k"+m.IdempotencyKey] = true, true
	}
	return out, nil
}

// PostUpdate implements adapters.UpdateStore.
func (s *Store) PostUpdate(ctx context.Context, p adapters.UpdateParams) error {
	if err := s.postUpdate(ctx, p); err != nil {
		return fmt.Errorf("memory: post update %q: %w", p.Update.ID, err)
	}
	return nil
}

func (s *Store) postUpdate(ctx context.Context, p adapters.UpdateParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.updates.byID[p.Update.ID]; ok {
		return fmt.Errorf("%w: update id already exists", adapters.ErrDuplicate)
	}
	msgs, err := s.expand("", p.Messages)
	if err != nil {
		return err
	}
	if err := s.checkMessages(msgs); err != nil {
		return err
	}
	u := p.Update
	u.CreatedAt = adapters.StoredTime(u.CreatedAt)
	s.updates.byID[u.ID] = &u
	s.updates.byTopic[u.Topic] = append(s.updates.byTopic[u.Topic], &u)
	s.addMessages("", msgs)
	return nil
}

// GetUpdate implements adapters.UpdateStore.
func (s *Store) GetUpdate(ctx context.Context, id string) (adapters.Update, error) {
	if id == "" {
		return adapters.Update{}, fmt.Errorf("memory: get update: %w", emptyID("update id"))
	}
	if err := s.rlock(ctx); err != nil {
		return adapters.Update{}, fmt.Errorf("memory: get update %q: %w", id, err)
	}
	defer s.mu.RUnlock()
	u, ok := s.updates.byID[id]
	if !ok {
		return adapters.Update{}, fmt.Errorf("memory: get update %q: %w", id, adapters.ErrNotFound)
	}
	return *u, nil
}

// newestFirst orders updates by CreatedAt, then ID, both descending.
func newestFirst(a, b *adapters.Update) int {
	return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
}

// ListUpdates implements adapters.UpdateStore.
func (s *Store) ListUpdates(ctx context.Context, q adapters.UpdateQuery) (adapters.UpdatePage, error) {
	if err := q.Validate(); err != nil {
		return adapters.UpdatePage{}, fmt.Errorf("memory: list updates of %q: %w", q.Topic, err)
	}
	pos, _ := q.DecodeCursor()
	if err := s.rlock(ctx); err != nil {
		return adapters.UpdatePage{}, fmt.Errorf("memory: list updates of %q: %w", q.Topic, err)
	}
	defer s.mu.RUnlock()
	var hits []*adapters.Update
	last := &adapters.Update{ID: pos.ID, CreatedAt: pos.Key}
	for _, u := range s.updates.byTopic[q.Topic] {
		if q.Cursor == "" || newestFirst(u, last) > 0 {
			hits = append(hits, u)
		}
	}
	slices.SortFunc(hits, newestFirst)
	var page adapters.UpdatePage
	if n := q.PageSize(); len(hits) > n {
		hits = hits[:n]
		page.NextCursor = q.NextCursor(*hits[n-1])
	}
	page.Updates = make([]adapters.Update, len(hits))
	for i, u := range hits {
		page.Updates[i] = *u
	}
	return page, nil
}
