package feedback_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/feedback"
)

// commentClock is a settable time for Config.Now.
type commentClock struct {
	mu  sync.Mutex
	now time.Time
}

func newCommentClock() *commentClock {
	return &commentClock{now: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)}
}

func (c *commentClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Millisecond) // every comment its own time
	return c.now
}

func (c *commentClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newCommentsService(t *testing.T, s adapters.Store, cfg *feedback.CommentsConfig) *feedback.Comments {
	t.Helper()
	c, err := feedback.NewComments(s, cfg)
	require.NoError(t, err)
	return c
}

var (
	commentCase = adapters.CaseTopic("case-1")
	resAna      = feedback.Author{Subject: "ana", Issuer: "https://login.example.gov", Name: "Ana"}
	resBen      = feedback.Author{Subject: "ben", Issuer: "https://login.example.gov", Name: "Ben"}
	staffClerk  = feedback.Author{Subject: "clerk-1", Issuer: "https://staff.example.gov", Name: "Clerk", Staff: true}
	staffMod    = feedback.Author{Subject: "mod-1", Issuer: "https://staff.example.gov", Name: "Moderator", Staff: true, Moderator: true}
)

func commentIDsOf(cs []adapters.Comment) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func listCommentIDs(t *testing.T, c *feedback.Comments, q feedback.ListQuery) []string {
	t.Helper()
	p, err := c.List(context.Background(), q)
	require.NoError(t, err)
	return commentIDsOf(p.Comments)
}

func TestCommentsPublicAndStaffViews(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s adapters.Store) {
		ctx := context.Background()
		c := newCommentsService(t, s, &feedback.CommentsConfig{Now: newCommentClock().Now})
		pub, err := c.Add(ctx, resAna, feedback.NewComment{Thread: commentCase, Body: "Still broken."})
		require.NoError(t, err)
		assert.Equal(t, "web", pub.Via, "Via defaults to web")
		assert.Equal(t, "Ana", pub.AuthorName)
		internal, err := c.Add(ctx, staffClerk, feedback.NewComment{Thread: commentCase, Body: "Crew booked for Tuesday.", Internal: true})
		require.NoError(t, err)
		assert.Equal(t, adapters.VisibilityInternal, internal.Visibility)
		_, err = c.Add(ctx, resAna, feedback.NewComment{Thread: commentCase, Body: "psst", Internal: true})
		require.ErrorIs(t, err, feedback.ErrForbidden, "residents write no internal comments")

		assert.Equal(t, []string{pub.ID}, listCommentIDs(t, c, feedback.ListQuery{Thread: commentCase}), "residents read public comments only")
		assert.Equal(t, []string{pub.ID, internal.ID}, listCommentIDs(t, c, feedback.ListQuery{Thread: commentCase, Staff: true}), "staff read internal ones too")

		_, err = c.Delete(ctx, resAna, pub.ID, "wrong case")
		require.NoError(t, err)
		assert.Empty(t, listCommentIDs(t, c, feedback.ListQuery{Thread: commentCase}), "deleted comments leave the public view")
		assert.Equal(t, []string{internal.ID}, listCommentIDs(t, c, feedback.ListQuery{Thread: commentCase, Staff: true}))
		assert.Equal(t, []string{pub.ID, internal.ID}, listCommentIDs(t, c, feedback.ListQuery{Thread: commentCase, Staff: true, Deleted: true}), "staff may ask for deleted ones")
		assert.Empty(t, listCommentIDs(t, c, feedback.ListQuery{Thread: commentCase, Deleted: true}), "Deleted without Staff keeps the public view")
	})
}

func TestCommentsRefuseBadInputAndWriteNothing(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s adapters.Store) {
		ctx := context.Background()
		c := newCommentsService(t, s, &feedback.CommentsConfig{MaxRunes: 20})
		tests := []struct {
			name    string
			by      feedback.Author
			body    string
			want    error
			field   string
			limit   int
			invalid bool
		}{
			{name: "anonymous", by: feedback.Author{Name: "someone"}, body: "hello", want: feedback.ErrAnonymous},
			{name: "over the configured limit", by: resAna, body: strings.Repeat("ñ", 21), want: feedback.ErrTooLong, field: "body", limit: 20, invalid: true},
			{name: "blank", by: resAna, body: " \n ", want: feedback.ErrEmpty, field: "body", invalid: true},
			{name: "long name", by: feedback.Author{Subject: "x", Name: strings.Repeat("n", adapters.MaxAuthorNameRunes+1)}, body: "hi", want: feedback.ErrTooLong, field: "name", limit: adapters.MaxAuthorNameRunes, invalid: true},
			{name: "not UTF-8", by: resAna, body: "a\xff", want: adapters.ErrInvalidArgument, invalid: true},
		}
		for _, tc := range tests {
			_, err := c.Add(ctx, tc.by, feedback.NewComment{Thread: commentCase, Body: tc.body})
			require.ErrorIs(t, err, tc.want, tc.name)
			assert.Equal(t, tc.invalid, errors.Is(err, adapters.ErrInvalidArgument), "%s: matches adapters.ErrInvalidArgument", tc.name)
			if tc.field != "" {
				var ie *feedback.InputError
				require.ErrorAs(t, err, &ie, tc.name)
				assert.Equal(t, tc.field, ie.Field, tc.name)
				assert.Equal(t, tc.limit, ie.Limit, tc.name)
			}
		}
		// The full limit in many-byte runes is fine.
		_, err := c.Add(ctx, resAna, feedback.NewComment{Thread: commentCase, Body: strings.Repeat("🚧", 20)})
		require.NoError(t, err)
		p, err := s.ListComments(ctx, adapters.CommentQuery{Thread: commentCase, IncludeInternal: true, IncludeHidden: true, IncludeDeleted: true})
		require.NoError(t, err)
		assert.Len(t, p.Comments, 1, "refused comments write nothing")
		_, err = feedback.NewComments(s, &feedback.CommentsConfig{MaxRunes: adapters.MaxCommentRunes + 1})
		require.ErrorIs(t, err, adapters.ErrInvalidArgument, "MaxRunes cannot pass the store's bound")
	})
}

func TestCommentsRateLimitHoldsAcrossInstancesOnOneStore(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s adapters.Store) {
		ctx := context.Background()
		clk := newCommentClock()
		cfg := &feedback.CommentsConfig{Now: clk.Now, RateLimit: feedback.RateLimit{Comments: 3, Window: time.Hour}}
		a, b := newCommentsService(t, s, cfg), newCommentsService(t, s, cfg) // two processes
		for i, svc := range []*feedback.Comments{a, b, a} {
			_, err := svc.Add(ctx, resAna, feedback.NewComment{Thread: commentCase, Body: fmt.Sprintf("comment %d", i)})
			require.NoError(t, err)
		}
		_, err := b.Add(ctx, resAna, feedback.NewComment{Thread: commentCase, Body: "one too many"})
		var rl *feedback.RateLimitError
		require.ErrorAs(t, err, &rl, "the fourth comment in the hour is refused, whichever process takes it")
		require.ErrorIs(t, err, feedback.ErrRateLimited)
		assert.Equal(t, 3, rl.Limit)
		assert.Equal(t, time.Hour, rl.Window)

		sameSubject := resAna
		sameSubject.Issuer = "https://id.state.example"
		_, err = a.Add(ctx, sameSubject, feedback.NewComment{Thread: commentCase, Body: "another person"})
		require.NoError(t, err, "the limit is per person: subject and issuer")
		_, err = a.Add(ctx, staffClerk, feedback.NewComment{Thread: commentCase, Body: "staff are not limited"})
		require.NoError(t, err)

		clk.Advance(time.Hour)
		_, err = b.Add(ctx, resAna, feedback.NewComment{Thread: commentCase, Body: "an hour later"})
		require.NoError(t, err, "the window slides")
		n, err := s.CountCommentsBy(ctx, adapters.CommentCount{Author: "ana", AuthorIssuer: resAna.Issuer, Since: time.Unix(0, 0)})
		require.NoError(t, err)
		assert.Equal(t, int64(4), n, "the refused comment was not written")
	})
}

func TestCommentsContentCheckHoldsOrRejects(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s adapters.Store) {
		ctx := context.Background()
		var checked atomic.Int32
		check := feedback.ContentCheckFunc(func(_ context.Context, text string) (feedback.Verdict, error) {
			checked.Add(1)
			switch {
			case strings.Contains(text, "spam"):
				return feedback.Reject, nil
			case strings.Contains(text, "idiot"):
				return feedback.Hold, nil
			case strings.Contains(text, "boom"):
				return feedback.Allow, errors.New("moderation service down")
			}
			return feedback.Allow, nil
		})
		c := newCommentsService(t, s, &feedback.CommentsConfig{Now: newCommentClock().Now, ContentCheck: check})

		held, err := c.Add(ctx, resAna, feedback.NewComment{Thread: commentCase, Body: "the inspector is an idiot"})
		require.NoError(t, err, "a held comment is stored")
		assert.True(t, held.Hidden(), "a held comment is hidden")
		assert.Equal(t, feedback.HeldReason, held.HiddenReason)
		assert.Equal(t, feedback.ContentCheckActor, held.HiddenBy)
		assert.Empty(t, listCommentIDs(t, c, feedback.ListQuery{Thread: commentCase}), "residents do not see a held comment")
		q, err := c.Queue(ctx, staffMod, adapters.FlaggedQuery{})
		require.NoError(t, err)
		assert.Equal(t, []string{held.ID}, commentIDsOf(q.Comments), "a held comment waits in the moderators' queue")

		_, err = c.Add(ctx, resAna, feedback.NewComment{Thread: commentCase, Body: "buy spam now"})
		require.ErrorIs(t, err, feedback.ErrRejected)
		require.ErrorIs(t, err, adapters.ErrInvalidArgument)
		_, err = c.Add(ctx, resAna, feedback.NewComment{Thread: commentCase, Body: "boom"})
		require.Error(t, err, "a failing check fails the write")

		ok, err := c.Add(ctx, resAna, feedback.NewComment{Thread: commentCase, Body: "fine words"})
		require.NoError(t, err)
		_, err = c.Edit(ctx, resAna, ok.ID, ok.Version, "now with spam")
		require.ErrorIs(t, err, feedback.ErrRejected, "edits are checked too")
		_, err = c.Edit(ctx, resAna, ok.ID, ok.Version, "you idiot")
		var re *feedback.RejectedError
		require.ErrorAs(t, err, &re, "an edit that needs review is refused")
		assert.True(t, re.Held)

		all, err := s.ListComments(ctx, adapters.CommentQuery{Thread: commentCase, IncludeInternal: true, IncludeHidden: true, IncludeDeleted: true})
		require.NoError(t, err)
		assert.Equal(t, []string{held.ID, ok.ID}, commentIDsOf(all.Comments), "rejected comments are not stored")
		got, err := s.GetComment(ctx, ok.ID)
		require.NoError(t, err)
		assert.Equal(t, "fine words", got.Body, "refused edits change nothing")
		assert.Equal(t, int32(6), checked.Load(), "every add and edit is checked once")
	})
}

func TestCommentsEditAndDeleteByAuthorOrStaff(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s adapters.Store) {
		ctx := context.Background()
		c := newCommentsService(t, s, &feedback.CommentsConfig{Now: newCommentClock().Now})
		cm, err := c.Add(ctx, resAna, feedback.NewComment{Thread: adapters.IdeaTopic("bike-lanes"), Body: "Yes please"})
		require.NoError(t, err)
		_, err = c.Edit(ctx, resBen, cm.ID, cm.Version, "No thanks")
		require.ErrorIs(t, err, feedback.ErrForbidden, "a resident edits only their own comments")
		edited, err := c.Edit(ctx, resAna, cm.ID, cm.Version, "Yes please, on Elm St.")
		require.NoError(t, err)
		assert.Equal(t, 1, edited.Revisions)
		_, err = c.Edit(ctx, resAna, cm.ID, cm.Version, "stale")
		require.ErrorIs(t, err, adapters.ErrConflict, "an edit of a stale version")
		_, err = c.Edit(ctx, staffClerk, cm.ID, edited.Version, "[address removed]")
		require.NoError(t, err, "staff edit any comment")
		revs, err := c.Revisions(ctx, resAna, cm.ID)
		require.NoError(t, err)
		require.Len(t, revs, 2)
		assert.Equal(t, "Yes please", revs[0].Body)
		assert.Equal(t, "clerk-1", revs[1].EditedBy)
		_, err = c.Revisions(ctx, resBen, cm.ID)
		require.ErrorIs(t, err, feedback.ErrForbidden)

		_, err = c.Delete(ctx, resBen, cm.ID, "I disagree")
		require.ErrorIs(t, err, feedback.ErrForbidden, "a resident deletes only their own comments")
		_, err = c.Delete(ctx, resAna, cm.ID, "")
		var ie *feedback.InputError
		require.ErrorAs(t, err, &ie, "a delete needs a reason")
		assert.Equal(t, "reason", ie.Field)
		del, err := c.Delete(ctx, resAna, cm.ID, "changed my mind")
		require.NoError(t, err)
		assert.True(t, del.Deleted())
		assert.Equal(t, "changed my mind", del.DeleteReason)
		_, err = c.Edit(ctx, resAna, cm.ID, del.Version, "back")
		require.ErrorIs(t, err, adapters.ErrConflict, "a deleted comment stays deleted")
		_, err = c.Edit(ctx, feedback.Author{}, cm.ID, del.Version, "x")
		require.ErrorIs(t, err, feedback.ErrAnonymous)
	})
}

func TestCommentsModerationIsForModerators(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s adapters.Store) {
		ctx := context.Background()
		c := newCommentsService(t, s, &feedback.CommentsConfig{Now: newCommentClock().Now})
		cm, err := c.Add(ctx, resAna, feedback.NewComment{Thread: adapters.AgendaTopic("council-0504", "3"), Body: "Rude words"})
		require.NoError(t, err)
		n, err := c.Flag(ctx, resBen, cm.ID, "abusive")
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		_, err = c.Flag(ctx, resBen, cm.ID, "abusive")
		require.ErrorIs(t, err, adapters.ErrDuplicate, "one flag per person")
		_, err = c.Flag(ctx, feedback.Author{}, cm.ID, "abusive")
		require.ErrorIs(t, err, feedback.ErrAnonymous)

		for _, by := range []feedback.Author{resBen, staffClerk} {
			_, err = c.Hide(ctx, by, cm.ID, "abusive")
			require.ErrorIs(t, err, feedback.ErrForbidden, "%s is no moderator", by.Subject)
			_, err = c.Queue(ctx, by, adapters.FlaggedQuery{})
			require.ErrorIs(t, err, feedback.ErrForbidden)
		}
		got, err := s.GetComment(ctx, cm.ID)
		require.NoError(t, err)
		assert.False(t, got.Hidden(), "a refused hide writes nothing")

		q, err := c.Queue(ctx, staffMod, adapters.FlaggedQuery{})
		require.NoError(t, err)
		assert.Equal(t, []string{cm.ID}, commentIDsOf(q.Comments), "a flagged comment waits for a moderator")
		_, err = c.Hide(ctx, staffMod, cm.ID, "")
		require.ErrorIs(t, err, feedback.ErrEmpty, "a hide needs a reason")
		hidden, err := c.Hide(ctx, staffMod, cm.ID, "abusive language")
		require.NoError(t, err)
		assert.True(t, hidden.Hidden())
		assert.Empty(t, listCommentIDs(t, c, feedback.ListQuery{Thread: cm.Thread}), "residents do not see a hidden comment")
		_, err = c.Flag(ctx, resBen, cm.ID, "still there")
		require.ErrorIs(t, err, adapters.ErrNotFound, "residents cannot flag what they cannot read")
		_, err = c.Restore(ctx, staffMod, cm.ID, "on appeal")
		require.NoError(t, err)
		assert.Equal(t, []string{cm.ID}, listCommentIDs(t, c, feedback.ListQuery{Thread: cm.Thread}))
		q, err = c.Queue(ctx, staffMod, adapters.FlaggedQuery{})
		require.NoError(t, err)
		assert.Empty(t, q.Comments, "a decided comment leaves the queue")

		trail, err := c.AuditTrail(ctx, staffClerk, adapters.ModerationQuery{Thread: cm.Thread})
		require.NoError(t, err)
		var kinds, reasons []string
		for _, a := range trail {
			kinds, reasons = append(kinds, string(a.Action)), append(reasons, a.Reason)
		}
		assert.Equal(t, []string{"flag", "hide", "restore"}, kinds, "the audit trail keeps every moderation step")
		assert.Equal(t, []string{"abusive", "abusive language", "on appeal"}, reasons, "with its reason")
		_, err = c.AuditTrail(ctx, resBen, adapters.ModerationQuery{Thread: cm.Thread})
		require.ErrorIs(t, err, feedback.ErrForbidden)
	})
}

func TestCommentsInboundReplyIsAddedOnce(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s adapters.Store) {
		ctx := context.Background()
		c := newCommentsService(t, s, &feedback.CommentsConfig{Now: newCommentClock().Now})
		texter := feedback.Author{Subject: "sms:+15551234567"}
		reply := feedback.NewComment{Thread: commentCase, Body: "Thanks, fixed now", Via: adapters.ChannelSMS, ProviderID: "SM9f1c"}
		first, err := c.Add(ctx, texter, reply)
		require.NoError(t, err)
		again, err := c.Add(ctx, texter, reply)
		require.NoError(t, err, "a redelivered reply is not an error")
		assert.Equal(t, first.ID, again.ID, "a redelivered reply returns the first comment")
		assert.Equal(t, []string{first.ID}, listCommentIDs(t, c, feedback.ListQuery{Thread: commentCase}), "one comment per reply")
	})
}
