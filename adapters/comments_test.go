package adapters_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
)

func TestCommentValidateBounds(t *testing.T) {
	t.Parallel()
	ok := adapters.Comment{
		ID: "cm-1", Thread: adapters.CaseTopic("c1"), Visibility: adapters.VisibilityPublic,
		Author: "ana", Body: "hello", CreatedAt: time.Now(),
	}
	require.NoError(t, ok.Validate())
	tests := []struct {
		name string
		edit func(c *adapters.Comment)
	}{
		{"body at the limit plus one rune", func(c *adapters.Comment) { c.Body = strings.Repeat("ß", adapters.MaxCommentRunes+1) }},
		{"id over its bytes", func(c *adapters.Comment) { c.ID = strings.Repeat("x", adapters.MaxCommentKeyBytes+1) }},
		{"via over its bytes", func(c *adapters.Comment) { c.Via = strings.Repeat("v", adapters.MaxViaLen+1) }},
		{"hidden reason over the limit", func(c *adapters.Comment) {
			c.HiddenAt, c.HiddenBy, c.HiddenReason = time.Now(), "m", strings.Repeat("r", adapters.MaxReasonRunes+1)
		}},
		{"hidden by without a time", func(c *adapters.Comment) { c.HiddenBy = "m" }},
		{"topic of unknown kind", func(c *adapters.Comment) { c.Thread = "street:elm" }},
	}
	for _, tc := range tests {
		c := ok
		tc.edit(&c)
		assert.ErrorIs(t, c.Validate(), adapters.ErrInvalidArgument, tc.name)
	}
	atLimit := ok
	atLimit.Body = strings.Repeat("ß", adapters.MaxCommentRunes)
	assert.NoError(t, atLimit.Validate(), "the limit counts runes, not bytes")
}

func TestCommentCursorsBelongToTheirListing(t *testing.T) {
	t.Parallel()
	c := adapters.Comment{ID: "cm-7", CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC), FlaggedAt: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}
	q := adapters.CommentQuery{Thread: adapters.CaseTopic("c1")}
	q.Cursor = q.NextCursor(c)
	pos, err := q.DecodeCursor()
	require.NoError(t, err)
	assert.Equal(t, "cm-7", pos.ID)
	assert.True(t, pos.Key.Equal(c.CreatedAt))
	f := adapters.FlaggedQuery{}
	f.Cursor = f.NextCursor(c)
	pos, err = f.DecodeCursor()
	require.NoError(t, err)
	assert.True(t, pos.Key.Equal(c.FlaggedAt))
	_, err = adapters.CommentQuery{Cursor: f.Cursor}.DecodeCursor()
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument, "a queue cursor does not page a thread")
	_, err = adapters.CaseQuery{Cursor: q.Cursor}.DecodeCursor()
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument, "a comment cursor does not page cases")
}

func FuzzCommentQueryCursor(f *testing.F) {
	q := adapters.CommentQuery{Thread: adapters.CaseTopic("c1")}
	f.Add(q.NextCursor(adapters.Comment{ID: "cm-1", CreatedAt: time.Unix(1, 0)}))
	f.Add(adapters.FlaggedQuery{}.NextCursor(adapters.Comment{ID: "cm-1"}))
	f.Add("")
	f.Add("eyJvIjoiY29tbWVudHMiLCJrIjotMSwiaSI6IiJ9")
	f.Add("!!!")
	f.Fuzz(func(t *testing.T, cursor string) {
		q := adapters.CommentQuery{Thread: adapters.CaseTopic("c1"), Cursor: cursor}
		pos, err := q.DecodeCursor()
		if err != nil {
			assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
			assert.ErrorIs(t, q.Validate(), adapters.ErrInvalidArgument, "Validate refuses what DecodeCursor refuses")
			return
		}
		if cursor == "" {
			return
		}
		again, err := adapters.CommentQuery{Cursor: q.NextCursor(adapters.Comment{ID: pos.ID, CreatedAt: pos.Key})}.DecodeCursor()
		require.NoError(t, err, "a decoded position encodes again")
		assert.Equal(t, pos.ID, again.ID)
		assert.True(t, pos.Key.Equal(again.Key))
	})
}
