package adapters_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
)

func TestSubscriberTopic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		msg       adapters.Message
		topic     adapters.Topic
		addressed bool
	}{
		{name: "a person", msg: adapters.Message{Recipient: "resident-1", CaseID: "c-1"}},
		{name: "the case's subscribers", msg: adapters.Message{Recipient: adapters.RecipientSubscribers, CaseID: "c-1"}, topic: "case:c-1", addressed: true},
		{name: "a topic's subscribers", msg: adapters.Message{Recipient: adapters.SubscribersOf(adapters.AreaTopic("ward-3"))}, topic: "area:ward-3", addressed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			topic, ok := tt.msg.SubscriberTopic()
			assert.Equal(t, tt.addressed, ok)
			assert.Equal(t, tt.topic, topic)
		})
	}
}

func TestForSubscriber(t *testing.T) {
	t.Parallel()
	m := adapters.Message{ID: "m-1", IdempotencyKey: "k-1", Recipient: adapters.RecipientSubscribers, CaseID: "c-1", Template: "t"}
	got := m.ForSubscriber("resident-1")
	assert.Equal(t, adapters.Message{ID: "m-1/resident-1", IdempotencyKey: "k-1/resident-1", Recipient: "resident-1", CaseID: "c-1", Template: "t"}, got)
}

func TestAddressedMessagesMustNameAValidTopic(t *testing.T) {
	t.Parallel()
	at := time.Now()
	msg := func(recipient, caseID string) adapters.Message {
		return adapters.Message{ID: "m", IdempotencyKey: "m", Recipient: recipient, CaseID: caseID, CreatedAt: at}
	}
	assert.ErrorIs(t, adapters.ValidateMessages([]adapters.Message{msg(adapters.RecipientSubscribers, "")}), adapters.ErrInvalidArgument)
	assert.ErrorIs(t, adapters.ValidateMessages([]adapters.Message{msg(adapters.RecipientSubscribersPrefix+"nope", "")}), adapters.ErrInvalidArgument)
	assert.NoError(t, adapters.ValidateMessages([]adapters.Message{msg(adapters.RecipientSubscribers, "c-1")}))
	assert.NoError(t, adapters.ValidateMessages([]adapters.Message{msg(adapters.SubscribersOf(adapters.TypeTopic("pothole")), "")}))
}

func TestSubscriberCursorRoundTrips(t *testing.T) {
	t.Parallel()
	q := adapters.SubscriberQuery{Topic: adapters.AreaTopic("ward-3")}
	q.Cursor = q.NextCursor(adapters.Subscription{Person: "sms:+15551234567"})
	require.NoError(t, q.Validate())
	after, err := q.After()
	require.NoError(t, err)
	assert.Equal(t, "sms:+15551234567", after)
}

func TestUpdateCursorRoundTrips(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.UTC)
	q := adapters.UpdateQuery{Topic: adapters.AreaTopic("ward-3")}
	q.Cursor = q.NextCursor(adapters.Update{ID: "u-1", CreatedAt: at})
	require.NoError(t, q.Validate())
	pos, err := q.DecodeCursor()
	require.NoError(t, err)
	assert.Equal(t, adapters.CursorPosition{Key: adapters.StoredTime(at), ID: "u-1"}, pos)
}

func FuzzSubscriberCursor(f *testing.F) {
	f.Add("")
	f.Add("czpyZXNpZGVudC0x")
	f.Add(adapters.SubscriberQuery{}.NextCursor(adapters.Subscription{Person: "p/1"}))
	f.Add("!!")
	f.Fuzz(func(t *testing.T, cursor string) {
		q := adapters.SubscriberQuery{Topic: "area:x", Cursor: cursor}
		after, err := q.After()
		if err != nil {
			require.ErrorIs(t, err, adapters.ErrInvalidArgument)
			return
		}
		if cursor == "" {
			return
		}
		require.NotEmpty(t, after, "a decoded cursor names a person")
		q.Cursor = q.NextCursor(adapters.Subscription{Person: after})
		again, err := q.After()
		require.NoError(t, err)
		assert.Equal(t, after, again, "a cursor re-encoded decodes to the same person")
	})
}

func FuzzUpdateCursor(f *testing.F) {
	f.Add("")
	f.Add(adapters.UpdateQuery{}.NextCursor(adapters.Update{ID: "u-1", CreatedAt: time.Unix(1, 0)}))
	f.Add("e30")
	f.Add("%%%")
	f.Fuzz(func(t *testing.T, cursor string) {
		q := adapters.UpdateQuery{Topic: "area:x", Cursor: cursor}
		pos, err := q.DecodeCursor()
		if err != nil {
			require.ErrorIs(t, err, adapters.ErrInvalidArgument)
			return
		}
		if cursor != "" {
			assert.NotEmpty(t, pos.ID, "a decoded cursor names an update")
		}
	})
}
