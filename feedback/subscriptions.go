package feedback

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/civickit/civickit/adapters"
)

// MaxFollowing is the most topics one person may follow through
// Subscriptions.Follow.
const MaxFollowing = 500

// SubscriptionsConfig tunes Subscriptions. The zero value, and a nil
// *SubscriptionsConfig, mean the documented defaults.
type SubscriptionsConfig struct {
	// Now is the clock that stamps new subscriptions (default time.Now).
	Now func() time.Time
}

// Subscriptions lets people follow topics (a case, a service type, an
// area...) so that messages addressed to adapters.SubscribersOf(topic)
// reach them. Safe for concurrent use.
type Subscriptions struct {
	store adapters.SubscriptionStore
	now   func() time.Time
}

// NewSubscriptions builds Subscriptions over store.
func NewSubscriptions(store adapters.SubscriptionStore, cfg *SubscriptionsConfig) (*Subscriptions, error) {
	if store == nil {
		return nil, fmt.Errorf("feedback: subscriptions need a store: %w", adapters.ErrInvalidArgument)
	}
	s := &Subscriptions{store: store, now: time.Now}
	if cfg != nil && cfg.Now != nil {
		s.now = cfg.Now
	}
	return s, nil
}

// checkTopic reports a topic that is not adapters.Topic.Valid.
func checkTopic(t adapters.Topic) error {
	if !t.Valid() {
		return fmt.Errorf("%w: %q is not a topic (kind:id)", adapters.ErrInvalidArgument, t)
	}
	return nil
}

// Follow makes person follow topic. Following a topic again is not an
// error and keeps the first time. An invalid topic or person id, or a
// person already following MaxFollowing topics, is
// adapters.ErrInvalidArgument.
func (s *Subscriptions) Follow(ctx context.Context, person string, topic adapters.Topic) error {
	if err := errors.Join(checkTopic(topic), adapters.ValidatePersonID(person)); err != nil {
		return fmt.Errorf("feedback: follow %q: %w", topic, err)
	}
	following, err := s.store.ListSubscriptions(ctx, person)
	if err != nil {
		return fmt.Errorf("feedback: follow %q: %w", topic, err)
	}
	if len(following) >= MaxFollowing {
		for _, f := range following {
			if f.Topic == topic {
				return nil
			}
		}
		return fmt.Errorf("feedback: follow %q: %w: a person follows at most %d topics", topic, adapters.ErrInvalidArgument, MaxFollowing)
	}
	if err := s.store.Subscribe(ctx, adapters.Subscription{Topic: topic, Person: person, CreatedAt: s.now()}); err != nil {
		return fmt.Errorf("feedback: follow %q: %w", topic, err)
	}
	return nil
}

// Unfollow stops person following topic; a topic the person does not
// follow is adapters.ErrNotFound, an invalid one adapters.ErrInvalidArgument.
func (s *Subscriptions) Unfollow(ctx context.Context, person string, topic adapters.Topic) error {
	if err := errors.Join(checkTopic(topic), adapters.ValidatePersonID(person)); err != nil {
		return fmt.Errorf("feedback: unfollow %q: %w", topic, err)
	}
	if err := s.store.Unsubscribe(ctx, topic, person); err != nil {
		return fmt.Errorf("feedback: unfollow %q: %w", topic, err)
	}
	return nil
}

// Following returns the topics person follows, ordered by topic.
func (s *Subscriptions) Following(ctx context.Context, person string) ([]adapters.Subscription, error) {
	if err := adapters.ValidatePersonID(person); err != nil {
		return nil, fmt.Errorf("feedback: following: %w", err)
	}
	subs, err := s.store.ListSubscriptions(ctx, person)
	if err != nil {
		return nil, fmt.Errorf("feedback: following: %w", err)
	}
	return subs, nil
}
