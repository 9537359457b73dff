package postgres

import (
	"context"

	"github.com/civickit/civickit/adapters"
)

func (s *serialStore) Subscribe(ctx context.Context, sub adapters.Subscription) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.Subscribe(ctx, sub)
}

func (s *serialStore) Unsubscribe(ctx context.Context, topic adapters.Topic, person string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.Unsubscribe(ctx, topic, person)
}

func (s *serialStore) ListSubscriptions(ctx context.Context, person string) ([]adapters.Subscription, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListSubscriptions(ctx, person)
}

func (s *serialStore) ListSubscribers(ctx context.Context, q adapters.SubscriberQuery) (adapters.SubscriberPage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListSubscribers(ctx, q)
}

func (s *serialStore) CountSubscribers(ctx context.Context, topic adapters.Topic) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.CountSubscribers(ctx, topic)
}

func (s *serialStore) PostUpdate(ctx context.Context, p adapters.UpdateParams) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.PostUpdate(ctx, p)
}

func (s *serialStore) GetUpdate(ctx context.Context, id string) (adapters.Update, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.GetUpdate(ctx, id)
}

func (s *serialStore) ListUpdates(ctx context.Context, q adapters.UpdateQuery) (adapters.UpdatePage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListUpdates(ctx, q)
}
