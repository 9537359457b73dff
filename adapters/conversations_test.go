package adapters_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
)

// unrouted finds no case for any reply, as feedback does for a reply to
// nothing.
type unrouted struct{}

func (unrouted) HandleReply(context.Context, adapters.Reply) error {
	return fmt.Errorf("no case: %w", adapters.ErrNotFound)
}

// A reply larger than the queue's bounds, or not UTF-8, is held cut to
// them rather than refused for ever, under the id of the reply as
// received, so its redelivery is held once.
func TestHandReplyHoldsAnOversizedReplyCutToTheBounds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	q := memory.New()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r := adapters.Reply{
		Channel: "email", From: "resident@example.org", To: "reply@city.example.gov",
		Subject: strings.Repeat("é", adapters.MaxDeliveryField), Body: strings.Repeat("ß", adapters.MaxHeldReplyBody) + "\x00\xff",
		ProviderID: "<msg-1@example.org>", At: at,
	}
	held, err := adapters.HandReply(ctx, unrouted{}, q, r, at)
	require.NoError(t, err)
	require.True(t, held)
	got, err := q.GetHeldReply(ctx, adapters.HeldReplyID(r))
	require.NoError(t, err)
	assert.LessOrEqual(t, len(got.Reply.Body), adapters.MaxHeldReplyBody)
	assert.LessOrEqual(t, len(got.Reply.Subject), adapters.MaxDeliveryField)
	assert.True(t, utf8.ValidString(got.Reply.Body) && utf8.ValidString(got.Reply.Subject), "cut at a character boundary")
	assert.True(t, strings.HasPrefix(r.Body, got.Reply.Body), "the body is kept up to the bound")
	assert.Equal(t, "no reference", got.Reason)

	held, err = adapters.HandReply(ctx, unrouted{}, q, r, at.Add(time.Minute))
	require.NoError(t, err, "a redelivered reply is not an error")
	assert.True(t, held)
	page, err := q.ListHeldReplies(ctx, adapters.HeldReplyQuery{})
	require.NoError(t, err)
	assert.Len(t, page.Replies, 1, "a redelivered reply is held once")
}

func TestConversationValidate(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ok := adapters.Conversation{Channel: "sms", Address: "+15551230001", FormID: "f", StartedAt: at, UpdatedAt: at, ExpiresAt: at}
	require.NoError(t, ok.Validate())
	for _, tt := range []struct {
		name   string
		change func(c *adapters.Conversation)
	}{
		{"no channel", func(c *adapters.Conversation) { c.Channel = "" }},
		{"state at the bound plus one", func(c *adapters.Conversation) {
			c.State = []byte(`"` + strings.Repeat("x", adapters.MaxConversationState-1) + `"`)
		}},
		{"state not JSON", func(c *adapters.Conversation) { c.State = []byte("{") }},
		{"form id too long", func(c *adapters.Conversation) { c.FormID = strings.Repeat("f", adapters.MaxFormIDLen+1) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := ok
			tt.change(&c)
			require.ErrorIs(t, c.Validate(), adapters.ErrInvalidArgument)
		})
	}
	atBound := ok
	atBound.State = []byte(`"` + strings.Repeat("x", adapters.MaxConversationState-2) + `"`)
	require.NoError(t, atBound.Validate(), "a state of exactly MaxConversationState bytes is kept")
}

// Cursors come from clients: any string decodes to a position or to
// ErrInvalidArgument, a cursor the store made decodes to the position it
// was made from, and a cursor of the waiting replies is refused by the
// listing of resolved ones.
func FuzzHeldReplyCursor(f *testing.F) {
	made := adapters.HeldReplyQuery{}.NextCursor(adapters.HeldReply{ID: "held-1", HeldAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)})
	for _, seed := range []string{"", made, "not-a-cursor", "e30", adapters.CaseQuery{}.NextCursor(adapters.Case{ID: "c1"})} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, cursor string) {
		q := adapters.HeldReplyQuery{Cursor: cursor}
		pos, err := q.DecodeCursor()
		if err != nil {
			require.ErrorIs(t, err, adapters.ErrInvalidArgument)
			require.ErrorIs(t, q.Validate(), adapters.ErrInvalidArgument)
			return
		}
		if cursor == "" {
			return
		}
		again, err := adapters.HeldReplyQuery{Cursor: q.NextCursor(adapters.HeldReply{ID: pos.ID, HeldAt: pos.Key})}.DecodeCursor()
		require.NoError(t, err)
		assert.Equal(t, pos, again)
		_, err = adapters.HeldReplyQuery{Resolved: true, Cursor: cursor}.DecodeCursor()
		require.True(t, errors.Is(err, adapters.ErrInvalidArgument), "a waiting-list cursor is refused by the resolved listing")
	})
}
