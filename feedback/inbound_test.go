package feedback_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/feedback"
	"github.com/civickit/civickit/workflow"
)

// inboundFixture is an Inbound over a store holding one open case, an
// outbox message about it and the person it went to.
type inboundFixture struct {
	store  adapters.Store
	in     *feedback.Inbound
	caseID string
}

const (
	anaPhone   = "+15550000001"
	otherPhone = "+15550000099"
)

func newInboundFixture(t *testing.T, s adapters.Store) *inboundFixture {
	t.Helper()
	ctx := context.Background()
	engine, err := workflow.New(s, nil)
	require.NoError(t, err)
	require.NoError(t, engine.Register(potholes(t)))
	c, err := engine.Open(ctx, workflow.OpenParams{Type: "pothole", Actor: resident})
	require.NoError(t, err)
	require.NoError(t, s.PutPerson(ctx, ana))
	require.NoError(t, s.EnqueueMessages(ctx, []adapters.Message{{ID: "m1", IdempotencyKey: "m1", CaseID: c.ID,
		Recipient: "ana", Template: "case-update", CreatedAt: dispatchT0}}))
	prefs, err := feedback.NewPreferences(s, nil)
	require.NoError(t, err)
	comments, err := feedback.NewComments(s, nil)
	require.NoError(t, err)
	in, err := feedback.NewInbound(s, prefs, comments, &feedback.InboundConfig{MaxBodyRunes: 100})
	require.NoError(t, err)
	return &inboundFixture{store: s, in: in, caseID: c.ID}
}

func (f *inboundFixture) comments(t *testing.T) []adapters.Comment {
	t.Helper()
	page, err := f.store.ListComments(context.Background(), adapters.CommentQuery{Thread: adapters.CaseTopic(f.caseID),
		IncludeInternal: true, IncludeHidden: true, IncludeDeleted: true})
	require.NoError(t, err)
	return page.Comments
}

func TestInboundOptOutChangesPreferencesOnly(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s adapters.Store) {
		f := newInboundFixture(t, s)
		ctx := context.Background()
		for _, id := range []string{"p1", "p2"} {
			require.NoError(t, f.in.HandleReply(ctx, adapters.Reply{Channel: "sms", From: anaPhone, Body: "STOP",
				InReplyTo: "m1", ProviderID: id, At: dispatchT0}), "a STOP reply is taken")
		}
		reach, err := s.Reach(ctx, "sms", []string{anaPhone})
		require.NoError(t, err)
		assert.True(t, reach[anaPhone].OptedOut, "STOP opts the number out")
		changes, err := s.ListOptOutChanges(ctx, "sms", anaPhone)
		require.NoError(t, err)
		require.Len(t, changes, 1, "a second STOP changes nothing")
		m, err := s.GetMessage(ctx, changes[0].Confirmation.ID)
		require.NoError(t, err, "the opt-out writes its confirmation")
		assert.Equal(t, feedback.OptOutTemplate, m.Template)
		assert.Empty(t, f.comments(t), "an opt-out word is not a comment")
	})
}

func TestInboundReplyBecomesOneCommentOnTheCase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		from       string
		inReplyTo  string
		wantAuthor string
	}{
		{name: "known person replying to a message", from: anaPhone, inReplyTo: "m1", wantAuthor: "ana"},
		{name: "unknown number naming the case", from: otherPhone, inReplyTo: "case:", wantAuthor: "sms:" + otherPhone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			forEachStore(t, func(t *testing.T, s adapters.Store) {
				f := newInboundFixture(t, s)
				ref := tt.inReplyTo
				if ref == "case:" {
					ref += f.caseID
				}
				r := adapters.Reply{Channel: "sms", From: tt.from, Body: "The hole is bigger now.", InReplyTo: ref,
					ProviderID: "SM123", At: dispatchT0}
				for range 2 {
					require.NoError(t, f.in.HandleReply(context.Background(), r), "a delivered reply is taken")
				}
				got := f.comments(t)
				require.Len(t, got, 1, "a reply delivered twice is one comment")
				assert.Equal(t, tt.wantAuthor, got[0].Author)
				assert.Equal(t, "sms", got[0].Via)
				assert.Equal(t, "SM123", got[0].ProviderID)
				assert.Equal(t, r.Body, got[0].Body)
				assert.Equal(t, adapters.VisibilityPublic, got[0].Visibility)
				changes, err := s.ListOptOutChanges(context.Background(), "sms", tt.from)
				require.NoError(t, err)
				assert.Empty(t, changes, "a comment changes no preference")
			})
		})
	}
}

func TestInboundRefusesWithoutWriting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(r *adapters.Reply, caseID string)
		want []error
	}{
		{name: "no reference is unrouted", edit: func(r *adapters.Reply, _ string) { r.InReplyTo = "" },
			want: []error{feedback.ErrUnrouted, adapters.ErrNotFound}},
		{name: "unknown message is unrouted", edit: func(r *adapters.Reply, _ string) { r.InReplyTo = "m-unknown"; r.From = otherPhone },
			want: []error{feedback.ErrUnrouted, adapters.ErrNotFound}},
		{name: "unknown case is unrouted", edit: func(r *adapters.Reply, _ string) { r.InReplyTo = "case:nope" },
			want: []error{feedback.ErrUnrouted, adapters.ErrNotFound}},
		{name: "oversize body", edit: func(r *adapters.Reply, _ string) { r.Body = strings.Repeat("a", 101) },
			want: []error{feedback.ErrTooLong, adapters.ErrInvalidArgument}},
		{name: "oversize STOP", edit: func(r *adapters.Reply, _ string) { r.Body = "STOP" + strings.Repeat(" ", 200) },
			want: []error{feedback.ErrTooLong, adapters.ErrInvalidArgument}},
		{name: "blank body", edit: func(r *adapters.Reply, _ string) { r.Body = " \n" },
			want: []error{feedback.ErrEmpty, adapters.ErrInvalidArgument}},
		{name: "no channel", edit: func(r *adapters.Reply, _ string) { r.Channel = "" }, want: []error{adapters.ErrInvalidArgument}},
		{name: "no sender", edit: func(r *adapters.Reply, _ string) { r.From = "" }, want: []error{adapters.ErrInvalidArgument}},
		{name: "sender not a number", edit: func(r *adapters.Reply, _ string) { r.From = "ana" }, want: []error{adapters.ErrInvalidArgument}},
		{name: "oversize provider id", edit: func(r *adapters.Reply, _ string) { r.ProviderID = strings.Repeat("x", 301) },
			want: []error{adapters.ErrInvalidArgument}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			forEachStore(t, func(t *testing.T, s adapters.Store) {
				f := newInboundFixture(t, s)
				ctx := context.Background()
				r := adapters.Reply{Channel: "sms", From: anaPhone, Body: "Still there.", InReplyTo: "m1", ProviderID: "SM1", At: dispatchT0}
				tt.edit(&r, f.caseID)
				err := f.in.HandleReply(ctx, r)
				for _, want := range tt.want {
					assert.ErrorIs(t, err, want)
				}
				if err != nil {
					assert.NotContains(t, err.Error(), anaPhone, "errors never quote the sender")
					assert.NotContains(t, err.Error(), "Still there", "errors never quote the body")
				}
				assert.Empty(t, f.comments(t), "nothing is written")
				changes, err := s.ListOptOutChanges(ctx, "sms", anaPhone)
				require.NoError(t, err)
				assert.Empty(t, changes, "nothing is written")
				msgs, err := s.ListMessages(ctx, f.caseID)
				require.NoError(t, err)
				assert.Len(t, msgs, 1, "no message is written")
			})
		})
	}
}

func TestInboundHelpWritesNothing(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s adapters.Store) {
		f := newInboundFixture(t, s)
		ctx := context.Background()
		require.NoError(t, f.in.HandleReply(ctx, adapters.Reply{Channel: "sms", From: anaPhone, Body: "HELP", InReplyTo: "m1", ProviderID: "SM9"}))
		assert.Empty(t, f.comments(t), "HELP is not a comment")
		changes, err := s.ListOptOutChanges(ctx, "sms", anaPhone)
		require.NoError(t, err)
		assert.Empty(t, changes, "HELP changes no preference")
	})
}

func TestNewInboundRefusesMissingParts(t *testing.T) {
	t.Parallel()
	_, err := feedback.NewInbound(nil, nil, nil, &feedback.InboundConfig{MaxBodyRunes: feedback.MaxReplyBodyRunes + 1})
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	for _, w := range []string{"nil store", "nil preferences", "nil comments", "MaxBodyRunes"} {
		assert.Contains(t, err.Error(), w)
	}
}

func TestInboundRedeliveriesRacingAddOneComment(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s adapters.Store) {
		f := newInboundFixture(t, s)
		r := adapters.Reply{Channel: "sms", From: anaPhone, Body: "Thanks!", InReplyTo: "m1", ProviderID: "SM7", At: dispatchT0}
		const n = 8
		errs := make(chan error, n)
		for range n {
			go func() { errs <- f.in.HandleReply(context.Background(), r) }()
		}
		for range n {
			assert.NoError(t, <-errs, "every delivery of the reply is taken")
		}
		assert.Len(t, f.comments(t), 1, "racing deliveries of one reply are one comment")
	})
}

func TestInboundLogsNeitherAddressNorBody(t *testing.T) {
	t.Parallel()
	s := storeImpls[0].open(t)
	f := newInboundFixture(t, s)
	var buf bytes.Buffer
	prefs, err := feedback.NewPreferences(s, nil)
	require.NoError(t, err)
	comments, err := feedback.NewComments(s, nil)
	require.NoError(t, err)
	in, err := feedback.NewInbound(s, prefs, comments, &feedback.InboundConfig{
		Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	require.NoError(t, err)
	ctx := context.Background()
	for _, r := range []adapters.Reply{
		{Channel: "sms", From: anaPhone, Body: "Secret words here", InReplyTo: "m1", ProviderID: "SM1"},
		{Channel: "sms", From: otherPhone, Body: "Secret words again", ProviderID: "SM2"},
		{Channel: "sms", From: otherPhone, Body: "STOP", ProviderID: "SM3"},
	} {
		_ = in.HandleReply(ctx, r)
	}
	require.NotEmpty(t, buf.String(), "replies are logged")
	assert.Contains(t, buf.String(), f.caseID, "the log names the case")
	for _, pii := range []string{anaPhone, otherPhone, "Secret words"} {
		assert.NotContains(t, buf.String(), pii, "the log never holds an address or a body")
	}
}

func TestInboundRoutesAHeldReplyToTheCaseStaffChoose(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s adapters.Store) {
		f := newInboundFixture(t, s)
		ctx := context.Background()
		r := adapters.Reply{Channel: "email", From: "ana@example.org", Body: "Is anyone coming?", ProviderID: "<r1@example.org>", At: dispatchT0}
		held, err := adapters.HandReply(ctx, f.in, s, r, dispatchT0)
		require.NoError(t, err)
		require.True(t, held, "a reply naming no case is held, not dropped")
		id := adapters.HeldReplyID(r)
		page, err := s.ListHeldReplies(ctx, adapters.HeldReplyQuery{})
		require.NoError(t, err)
		require.Len(t, page.Replies, 1)
		assert.Equal(t, "no reference", page.Replies[0].Reason)

		err = f.in.RouteHeld(ctx, s, id, "no-such-case", "clerk-1", "", dispatchT0)
		assert.ErrorIs(t, err, feedback.ErrUnrouted, "an unknown case is refused")
		err = f.in.RouteHeld(ctx, s, id, f.caseID, "", "", dispatchT0)
		assert.ErrorIs(t, err, adapters.ErrInvalidArgument, "the staff member acting is named")
		assert.Empty(t, f.comments(t), "a refused routing writes nothing")

		require.NoError(t, f.in.RouteHeld(ctx, s, id, f.caseID, "clerk-1", "sender is the reporter", dispatchT0))
		cs := f.comments(t)
		require.Len(t, cs, 1, "the routed reply is a comment on the chosen case")
		assert.Equal(t, "Is anyone coming?", cs[0].Body)
		assert.Equal(t, "email", cs[0].Via)
		h, err := s.GetHeldReply(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, f.caseID, h.CaseID)
		assert.Equal(t, "clerk-1", h.ResolvedBy)
		assert.False(t, h.ResolvedAt.IsZero())
		err = f.in.RouteHeld(ctx, s, id, f.caseID, "clerk-1", "", dispatchT0)
		assert.ErrorIs(t, err, adapters.ErrConflict, "a reply is routed once")
		err = f.in.DismissHeld(ctx, s, "held-unknown", "clerk-1", "spam", dispatchT0)
		assert.ErrorIs(t, err, adapters.ErrNotFound)

		spam := adapters.Reply{Channel: "sms", From: otherPhone, Body: "WIN A PRIZE", ProviderID: "SM-spam", At: dispatchT0}
		_, err = adapters.HandReply(ctx, f.in, s, spam, dispatchT0)
		require.NoError(t, err)
		require.NoError(t, f.in.DismissHeld(ctx, s, adapters.HeldReplyID(spam), "clerk-1", "spam", dispatchT0))
		h, err = s.GetHeldReply(ctx, adapters.HeldReplyID(spam))
		require.NoError(t, err)
		assert.Empty(t, h.CaseID, "a dismissed reply goes to no case")
		assert.Equal(t, "spam", h.Note)
		waiting, err := s.ListHeldReplies(ctx, adapters.HeldReplyQuery{})
		require.NoError(t, err)
		assert.Empty(t, waiting.Replies, "nothing waits for review")
		assert.Len(t, f.comments(t), 1)
	})
}
