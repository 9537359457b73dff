package feedback_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/feedback"
)

func newUpdates(t *testing.T, store adapters.UpdateStore) *feedback.Updates {
	t.Helper()
	n := 0
	u, err := feedback.NewUpdates(store, &feedback.UpdatesConfig{
		Now:   func() time.Time { return at },
		NewID: func() string { n++; return "u" + strings.Repeat("1", n) },
	})
	require.NoError(t, err)
	return u
}

func TestPostUpdateReachesEveryFollower(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := memory.New()
	ward := adapters.AreaTopic("ward-3")
	for _, p := range []string{"resident-1", "resident-2"} {
		require.NoError(t, store.Subscribe(ctx, adapters.Subscription{Topic: ward, Person: p, CreatedAt: at}))
	}
	u := newUpdates(t, store)
	got, err := u.PostUpdate(ctx, feedback.UpdateInput{
		Topic: ward, Author: "staff-1", AuthorIssuer: "https://login.example.gov",
		Title: "Leaf pickup", Body: "Starts <Monday> & runs two weeks.",
	})
	require.NoError(t, err)
	assert.Equal(t, "u1", got.ID)
	assert.Equal(t, at, got.CreatedAt)

	stored, err := store.GetUpdate(ctx, "u1")
	require.NoError(t, err)
	assert.Equal(t, got, stored)

	for _, p := range []string{"resident-1", "resident-2"} {
		m, err := store.GetMessage(ctx, "update/u1/"+p)
		require.NoError(t, err, p)
		assert.Equal(t, p, m.Recipient)
		assert.Equal(t, "update/u1/"+p, m.IdempotencyKey)
		assert.Equal(t, feedback.OfficialUpdateTemplate, m.Template)
		var data map[string]any
		require.NoError(t, json.Unmarshal(m.Data, &data))
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		assert.ElementsMatch(t, feedback.OfficialUpdateTemplateFields, keys, "the data holds exactly the documented fields")
		assert.Equal(t, map[string]any{"topic": "area:ward-3", "title": "Leaf pickup", "body": "Starts <Monday> & runs two weeks.", "updateId": "u1"}, data)
	}
}

func TestPostUpdateUsesTheGivenTemplate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := memory.New()
	topic := adapters.BodyTopic("council")
	require.NoError(t, store.Subscribe(ctx, adapters.Subscription{Topic: topic, Person: "resident-1", CreatedAt: at}))
	_, err := newUpdates(t, store).PostUpdate(ctx, feedback.UpdateInput{Topic: topic, Author: "clerk", Title: "Agenda posted", Template: "agenda-posted"})
	require.NoError(t, err)
	m, err := store.GetMessage(ctx, "update/u1/resident-1")
	require.NoError(t, err)
	assert.Equal(t, "agenda-posted", m.Template)
}

func TestPostUpdateRefusesInvalidInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ok := feedback.UpdateInput{Topic: adapters.AreaTopic("ward-3"), Author: "staff-1", Title: "Title", Body: "Body"}
	tests := []struct {
		name   string
		mutate func(*feedback.UpdateInput)
	}{
		{name: "invalid topic", mutate: func(in *feedback.UpdateInput) { in.Topic = "ward-3" }},
		{name: "no author", mutate: func(in *feedback.UpdateInput) { in.Author = "" }},
		{name: "no title", mutate: func(in *feedback.UpdateInput) { in.Title = "" }},
		{name: "long title", mutate: func(in *feedback.UpdateInput) { in.Title = strings.Repeat("t", adapters.MaxUpdateTitle+1) }},
		{name: "long body", mutate: func(in *feedback.UpdateInput) { in.Body = strings.Repeat("b", adapters.MaxUpdateBody+1) }},
		{name: "body not UTF-8", mutate: func(in *feedback.UpdateInput) { in.Body = "\xff" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := memory.New()
			in := ok
			tt.mutate(&in)
			_, err := newUpdates(t, store).PostUpdate(ctx, in)
			assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
			_, err = store.GetUpdate(ctx, "u1")
			assert.ErrorIs(t, err, adapters.ErrNotFound, "nothing is stored")
		})
	}
}

func TestNewUpdatesDefaults(t *testing.T) {
	t.Parallel()
	_, err := feedback.NewUpdates(nil, nil)
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)

	store := memory.New()
	u, err := feedback.NewUpdates(store, nil)
	require.NoError(t, err)
	in := feedback.UpdateInput{Topic: adapters.TypeTopic("pothole"), Author: "staff-1", Title: "Spring repairs"}
	a, err := u.PostUpdate(context.Background(), in)
	require.NoError(t, err)
	b, err := u.PostUpdate(context.Background(), in)
	require.NoError(t, err)
	assert.Len(t, a.ID, 26, "default ids are crypto/rand base32 text")
	assert.NotEqual(t, a.ID, b.ID)
}
