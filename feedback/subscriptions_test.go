package feedback_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/feedback"
)

var subAt = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func newSubscriptions(t *testing.T) (*feedback.Subscriptions, *memory.Store) {
	t.Helper()
	store := memory.New()
	subs, err := feedback.NewSubscriptions(store, &feedback.SubscriptionsConfig{Now: func() time.Time { return subAt }})
	require.NoError(t, err)
	return subs, store
}

func TestNewSubscriptionsNeedsAStore(t *testing.T) {
	t.Parallel()
	_, err := feedback.NewSubscriptions(nil, nil)
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
}

func TestFollowUnfollowFollowing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	subs, store := newSubscriptions(t)
	require.NoError(t, subs.Follow(ctx, "resident-1", adapters.AreaTopic("ward-3")))
	require.NoError(t, subs.Follow(ctx, "resident-1", adapters.CaseTopic("c-1")))
	require.NoError(t, subs.Follow(ctx, "resident-1", adapters.CaseTopic("c-1")), "following again is no error")

	got, err := subs.Following(ctx, "resident-1")
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, adapters.AreaTopic("ward-3"), got[0].Topic, "ordered by topic")
	assert.Equal(t, adapters.CaseTopic("c-1"), got[1].Topic)
	assert.Equal(t, subAt, got[0].CreatedAt, "stamped by the configured clock")

	require.NoError(t, subs.Unfollow(ctx, "resident-1", adapters.CaseTopic("c-1")))
	n, err := store.CountSubscribers(ctx, adapters.CaseTopic("c-1"))
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.ErrorIs(t, subs.Unfollow(ctx, "resident-1", adapters.CaseTopic("c-1")), adapters.ErrNotFound)
}

func TestFollowRefusesInvalidInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	subs, _ := newSubscriptions(t)
	tests := []struct {
		name   string
		person string
		topic  adapters.Topic
	}{
		{name: "no kind", person: "resident-1", topic: "ward-3"},
		{name: "unknown kind", person: "resident-1", topic: "planet:mars"},
		{name: "empty id", person: "resident-1", topic: "case:"},
		{name: "empty person", person: "", topic: adapters.AreaTopic("ward-3")},
		{name: "long person", person: strings.Repeat("p", adapters.MaxPersonIDLen+1), topic: adapters.AreaTopic("ward-3")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.ErrorIs(t, subs.Follow(ctx, tt.person, tt.topic), adapters.ErrInvalidArgument)
			assert.ErrorIs(t, subs.Unfollow(ctx, tt.person, tt.topic), adapters.ErrInvalidArgument)
		})
	}
	_, err := subs.Following(ctx, "")
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
}

func TestFollowStopsAtMaxFollowing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	subs, _ := newSubscriptions(t)
	for i := range feedback.MaxFollowing {
		require.NoError(t, subs.Follow(ctx, "resident-1", adapters.CaseTopic(fmt.Sprint(i))))
	}
	assert.ErrorIs(t, subs.Follow(ctx, "resident-1", adapters.CaseTopic("one-more")), adapters.ErrInvalidArgument)
	assert.NoError(t, subs.Follow(ctx, "resident-1", adapters.CaseTopic("0")), "following a followed topic at the limit is still no error")
}
