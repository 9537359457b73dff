package feedback_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/feedback"
)

// recorder keeps the messages each PublishAgenda writes: once subscriber
// addressing expands them in the store, the store no longer holds them
// as written.
type recorder struct {
	adapters.Store
	mu   sync.Mutex
	sent [][]adapters.Message
}

func (r *recorder) PublishAgenda(ctx context.Context, p adapters.PublishAgendaParams) (adapters.Meeting, error) {
	m, err := r.Store.PublishAgenda(ctx, p)
	if err == nil {
		r.mu.Lock()
		r.sent = append(r.sent, p.Messages)
		r.mu.Unlock()
	}
	return m, err
}

var newYork = mustZone("America/New_York")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// monday is a meeting on the Monday after the change back to standard
// time (Sunday 2026-11-01, 02:00 EDT becomes 01:00 EST).
var monday = time.Date(2026, 11, 2, 18, 0, 0, 0, newYork)

type meetingFixture struct {
	svc   *feedback.Meetings
	store *recorder
	clock *clock
}

func setup(t *testing.T, s adapters.Store) meetingFixture {
	t.Helper()
	rec := &recorder{Store: s}
	clk := &clock{t: time.Date(2026, 10, 20, 9, 0, 0, 0, newYork)}
	n := 0
	var mu sync.Mutex
	svc, err := feedback.NewMeetings(rec, &feedback.MeetingsConfig{
		Now:  clk.Now,
		IDs:  func() string { mu.Lock(); defer mu.Unlock(); n++; return fmt.Sprintf("id-%04d", n) },
		Link: func(id string) string { return "https://city.example.gov/meetings/" + id },
	})
	require.NoError(t, err)
	require.NoError(t, svc.CreateBody(context.Background(), adapters.Body{ID: "council", Name: "City Council", TimeZone: "America/New_York"}))
	return meetingFixture{svc: svc, store: rec, clock: clk}
}

// draft saves a hybrid meeting at starts with item "1" (speakers, comment
// until 17:00 the day before) and item "2" (comment until the start).
func (f meetingFixture) draft(t *testing.T, id string, starts time.Time) adapters.Meeting {
	t.Helper()
	m, err := f.svc.DraftMeeting(context.Background(), feedback.MeetingDraft{Meeting: adapters.Meeting{
		ID: id, BodyID: "council", Title: "Regular meeting", StartsAt: starts, Mode: adapters.MeetingHybrid,
		Location: "City Hall", RemoteURL: "https://meet.example.gov/" + id,
		Items: []adapters.AgendaItem{
			{ID: "1", Title: "Budget", CommentDeadline: feedback.LocalDeadline(starts, newYork, 1, 17, 0), SpeakersAllowed: true},
			{ID: "2", Title: "Parks"},
		},
	}})
	require.NoError(t, err)
	return m
}

func (f meetingFixture) published(t *testing.T, id string, starts time.Time) adapters.Meeting {
	t.Helper()
	m := f.draft(t, id, starts)
	m, err := f.svc.PublishAgenda(context.Background(), id, m.Version)
	require.NoError(t, err)
	return m
}

func TestPublishAgendaWritesTheTemplateForFirstAndLaterPublications(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s adapters.Store) {
		ctx, f := context.Background(), setup(t, s)
		m := f.published(t, "m1", monday)
		assert.Equal(t, 1, m.AgendaVersion)
		m, err := f.svc.DraftMeeting(ctx, feedback.MeetingDraft{Meeting: m, ExpectedVersion: m.Version})
		require.NoError(t, err)
		_, err = f.svc.PublishAgenda(ctx, "m1", m.Version-1)
		require.ErrorIs(t, err, adapters.ErrConflict, "a stale version publishes nothing")
		m, err = f.svc.PublishAgenda(ctx, "m1", m.Version)
		require.NoError(t, err)
		assert.Equal(t, 2, m.AgendaVersion)

		require.Len(t, f.store.sent, 2)
		for i, want := range []string{feedback.AgendaPublishedTemplate, feedback.AgendaChangedTemplate} {
			require.Len(t, f.store.sent[i], 1)
			msg := f.store.sent[i][0]
			assert.Equal(t, want, msg.Template)
			assert.Equal(t, adapters.SubscribersOf(adapters.BodyTopic("council")), msg.Recipient)
			var fields map[string]any
			require.NoError(t, json.Unmarshal(msg.Data, &fields))
			var keys []string
			for k := range fields {
				keys = append(keys, k)
			}
			assert.ElementsMatch(t, feedback.AgendaTemplateFields, keys, "the data carries exactly the documented fields")
			assert.Equal(t, "2026-11-02T18:00:00-05:00", fields["startsAt"], "the start in the body's zone with its offset that day")
			assert.Equal(t, "https://city.example.gov/meetings/m1", fields["link"])
			assert.Equal(t, "City Council", fields["body"])
			assert.EqualValues(t, i+1, fields["agendaVersion"])
		}
		assert.NotEqual(t, f.store.sent[0][0].IdempotencyKey, f.store.sent[1][0].IdempotencyKey, "each publication has its own key")
	})
}

func TestPublishAgendaNeedsAWayToAttend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		mode     adapters.MeetingMode
		location string
		url      string
		ok       bool
	}{
		{name: "RemoteWithURL", mode: adapters.MeetingRemote, url: "https://meet.example.gov/x", ok: true},
		{name: "RemoteWithoutURL", mode: adapters.MeetingRemote, location: "City Hall"},
		{name: "HybridWithoutLocation", mode: adapters.MeetingHybrid, url: "https://meet.example.gov/x"},
		{name: "InPersonWithLocation", mode: adapters.MeetingInPerson, location: "City Hall", ok: true},
	}
	f := setup(t, memory.New())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			m, err := f.svc.DraftMeeting(ctx, feedback.MeetingDraft{Meeting: adapters.Meeting{
				ID: tc.name, BodyID: "council", Title: "T", StartsAt: monday, Mode: tc.mode, Location: tc.location, RemoteURL: tc.url,
				Items: []adapters.AgendaItem{{ID: "1", Title: "Item"}},
			}})
			require.NoError(t, err)
			_, err = f.svc.PublishAgenda(ctx, m.ID, m.Version)
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, adapters.ErrInvalidArgument)
			}
		})
	}
}

// A deadline of "17:00 local the day before" stays 17:00 local when a
// daylight-saving change falls between it and the meeting, on every
// store, and the view shows it so.
func TestDeadlinesKeepTheirLocalTimeAcrossDST(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		starts    time.Time
		wantUTC   time.Time
		wantLocal string
	}{
		// The day before Monday's meeting is the Sunday of the change:
		// 17:00 EST is 22:00 UTC, where "25 hours before" would say 16:00.
		{"DayOfTheChange", monday, time.Date(2026, 11, 1, 22, 0, 0, 0, time.UTC), "2026-11-01T17:00:00-05:00"},
		// Before the change: 17:00 EDT is 21:00 UTC.
		{"BeforeTheChange", time.Date(2026, 10, 30, 18, 0, 0, 0, newYork), time.Date(2026, 10, 29, 21, 0, 0, 0, time.UTC), "2026-10-29T17:00:00-04:00"},
		// A meeting the day after the change, deadline on the Saturday.
		{"AcrossTheChange", time.Date(2026, 11, 1, 18, 0, 0, 0, newYork), time.Date(2026, 10, 31, 21, 0, 0, 0, time.UTC), "2026-10-31T17:00:00-04:00"},
	}
	forEachStore(t, func(t *testing.T, s adapters.Store) {
		ctx, f := context.Background(), setup(t, s)
		for _, tc := range tests {
			f.published(t, tc.name, tc.starts)
			v, err := f.svc.View(ctx, tc.name)
			require.NoError(t, err, tc.name)
			stored, err := s.GetMeeting(ctx, tc.name)
			require.NoError(t, err, tc.name)
			assert.True(t, stored.Items[0].CommentDeadline.Equal(tc.wantUTC), "%s: the deadline is stored as the instant: %v", tc.name, stored.Items[0].CommentDeadline)
			assert.Equal(t, time.UTC, stored.Items[0].CommentDeadline.Location(), tc.name)
			assert.Equal(t, tc.wantLocal, v.Items[0].Deadline.Format(time.RFC3339), "%s: shown at 17:00 in the body's zone", tc.name)
			assert.Equal(t, tc.starts.Format(time.RFC3339), v.StartsAt.Format(time.RFC3339), tc.name)
			assert.Equal(t, v.StartsAt, v.Items[1].Deadline, "%s: an item without a deadline closes at the start", tc.name)
		}
	})
}

func TestSubmitCommentBeforeAndAfterTheDeadline(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s adapters.Store) {
		ctx, f := context.Background(), setup(t, s)
		f.published(t, "m1", monday)
		deadline := time.Date(2026, 11, 1, 17, 0, 0, 0, newYork)

		f.clock.Set(deadline.Add(-time.Second))
		c, err := f.svc.SubmitComment(ctx, feedback.CommentInput{MeetingID: "m1", Item: "1", Name: "  Ada  ", Body: " Keep it open. "})
		require.NoError(t, err)
		assert.Equal(t, "Ada", c.Name)
		assert.Equal(t, "Keep it open.", c.Body)
		assert.Equal(t, adapters.PositionNeutral, c.Position)
		assert.Equal(t, adapters.CommentReceived, c.Status)

		f.clock.Set(deadline)
		_, err = f.svc.SubmitComment(ctx, feedback.CommentInput{MeetingID: "m1", Item: "1", Name: "Grace", Body: "Too late?"})
		require.ErrorIs(t, err, feedback.ErrDeadlinePassed)
		require.ErrorIs(t, err, adapters.ErrInvalidArgument)
		// Item 2 stays open until the meeting starts.
		_, err = f.svc.SubmitComment(ctx, feedback.CommentInput{MeetingID: "m1", Item: "2", Name: "Grace", Body: "Parks!"})
		require.NoError(t, err)

		page, err := s.ListPublicComments(ctx, adapters.PublicCommentQuery{MeetingID: "m1"})
		require.NoError(t, err)
		require.Len(t, page.Comments, 2, "the late comment wrote nothing")
		v, err := f.svc.View(ctx, "m1")
		require.NoError(t, err)
		assert.False(t, v.Items[0].Open)
		assert.True(t, v.Items[1].Open)
	})
}

// stale answers GetMeeting with the meeting as it was first read: the
// agenda changed between the service's check and the store's write.
type stale struct {
	adapters.Store
	first map[string]adapters.Meeting
}

func (s *stale) GetMeeting(ctx context.Context, id string) (adapters.Meeting, error) {
	if m, ok := s.first[id]; ok {
		return m, nil
	}
	return s.Store.GetMeeting(ctx, id)
}

func TestTheStoreRefusesACommentThatRacesAnEarlierDeadline(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s adapters.Store) {
		ctx, f := context.Background(), setup(t, s)
		m := f.published(t, "m1", monday)
		old, err := s.GetMeeting(ctx, "m1")
		require.NoError(t, err)
		// Staff move item 1's deadline to before now.
		m.Items[0].CommentDeadline = f.clock.Now().Add(-time.Hour)
		_, err = f.svc.DraftMeeting(ctx, feedback.MeetingDraft{Meeting: m, ExpectedVersion: m.Version})
		require.NoError(t, err)

		svc, err := feedback.NewMeetings(&stale{Store: s, first: map[string]adapters.Meeting{"m1": old}}, &feedback.MeetingsConfig{Now: f.clock.Now})
		require.NoError(t, err)
		_, err = svc.SubmitComment(ctx, feedback.CommentInput{MeetingID: "m1", Item: "1", Name: "Ada", Body: "Still open?"})
		require.ErrorIs(t, err, feedback.ErrDeadlinePassed, "the store's own check refuses it")
		var de *adapters.DeadlineError
		require.ErrorAs(t, err, &de)
		page, err := s.ListPublicComments(ctx, adapters.PublicCommentQuery{MeetingID: "m1"})
		require.NoError(t, err)
		assert.Empty(t, page.Comments)
	})
}

func TestSubmitCommentRefusals(t *testing.T) {
	t.Parallel()
	f := setup(t, memory.New())
	ctx := context.Background()
	f.published(t, "m1", monday)
	f.draft(t, "d1", monday)
	tests := []struct {
		name string
		in   feedback.CommentInput
		want error
	}{
		{"NoName", feedback.CommentInput{MeetingID: "m1", Item: "1", Name: " ", Body: "x"}, feedback.ErrNameRequired},
		{"EmptyBody", feedback.CommentInput{MeetingID: "m1", Item: "1", Name: "Ada", Body: "\n\t"}, feedback.ErrCommentEmpty},
		{"TooLong", feedback.CommentInput{MeetingID: "m1", Item: "1", Name: "Ada", Body: strings.Repeat("é", adapters.MaxCommentBody/2+1)}, feedback.ErrCommentTooLong},
		{"Draft", feedback.CommentInput{MeetingID: "d1", Item: "1", Name: "Ada", Body: "x"}, feedback.ErrNotOpen},
		{"UnknownItem", feedback.CommentInput{MeetingID: "m1", Item: "9", Name: "Ada", Body: "x"}, adapters.ErrNotFound},
		{"UnknownMeeting", feedback.CommentInput{MeetingID: "m9", Item: "1", Name: "Ada", Body: "x"}, adapters.ErrNotFound},
		{"BadPosition", feedback.CommentInput{MeetingID: "m1", Item: "1", Name: "Ada", Body: "x", Position: "maybe"}, adapters.ErrInvalidArgument},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := f.svc.SubmitComment(ctx, tc.in)
			require.ErrorIs(t, err, tc.want)
		})
	}
}

func TestSignUpOncePerItem(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s adapters.Store) {
		ctx, f := context.Background(), setup(t, s)
		f.published(t, "m1", monday)
		in := feedback.SignupInput{MeetingID: "m1", Item: "1", Person: "resident-1", Name: "Ada", Mode: adapters.SpeakRemote}
		su, err := f.svc.SignUp(ctx, in)
		require.NoError(t, err)
		assert.Equal(t, adapters.StoredTime(f.clock.Now()), su.CreatedAt)
		_, err = f.svc.SignUp(ctx, in)
		require.ErrorIs(t, err, feedback.ErrAlreadySignedUp)
		require.ErrorIs(t, err, adapters.ErrDuplicate)
		in.Item = "2"
		_, err = f.svc.SignUp(ctx, in)
		require.ErrorIs(t, err, feedback.ErrNoSpeakers)
		in.Item, in.Person, in.Name = "1", "resident-2", ""
		_, err = f.svc.SignUp(ctx, in)
		require.ErrorIs(t, err, feedback.ErrNameRequired)
		in.Name = "Grace"
		f.clock.Set(time.Date(2026, 11, 1, 17, 0, 0, 0, newYork))
		_, err = f.svc.SignUp(ctx, in)
		require.ErrorIs(t, err, feedback.ErrDeadlinePassed)
		speakers, err := s.ListSpeakers(ctx, "m1", "")
		require.NoError(t, err)
		require.Len(t, speakers, 1)
		assert.Equal(t, "resident-1", speakers[0].Person)
	})
}

func TestPublishMinutesCarriesThePublishedComments(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s adapters.Store) {
		ctx, f := context.Background(), setup(t, s)
		m := f.published(t, "m1", monday)
		var ids []string
		for _, body := range []string{"first", "second", "third"} {
			c, err := f.svc.SubmitComment(ctx, feedback.CommentInput{MeetingID: "m1", Item: "2", Name: "Ada", Body: body, Position: adapters.PositionSupport})
			require.NoError(t, err)
			ids = append(ids, c.ID)
			f.clock.Set(f.clock.Now().Add(time.Minute))
		}
		_, err := f.svc.Moderate(ctx, feedback.Decision{CommentID: ids[0], Publish: true, Actor: "clerk-1"})
		require.NoError(t, err)
		_, err = f.svc.Moderate(ctx, feedback.Decision{CommentID: ids[1], Actor: "clerk-1"})
		require.ErrorIs(t, err, adapters.ErrInvalidArgument, "a rejection needs a reason")
		c, err := f.svc.Moderate(ctx, feedback.Decision{CommentID: ids[1], Actor: "clerk-1", Reason: "abusive"})
		require.NoError(t, err)
		assert.Equal(t, adapters.CommentRejected, c.Status)
		_, err = f.svc.Moderate(ctx, feedback.Decision{CommentID: ids[2], Publish: true, Actor: "clerk-2"})
		require.NoError(t, err)

		rec, err := f.svc.PublishMinutes(ctx, "m1", m.Version, "Called to order at 6:00 pm.")
		require.NoError(t, err)
		assert.Equal(t, adapters.MeetingHeld, rec.Meeting.Status)
		assert.Equal(t, "Called to order at 6:00 pm.", rec.Meeting.Minutes)
		var got []string
		for _, c := range rec.Comments {
			got = append(got, c.Body)
		}
		assert.Equal(t, []string{"first", "third"}, got, "only published comments, oldest first")
		audit, err := s.ListCommentModerations(ctx, ids[1])
		require.NoError(t, err)
		require.Len(t, audit, 1)
		assert.Equal(t, "abusive", audit[0].Reason)
		_, err = f.svc.SubmitComment(ctx, feedback.CommentInput{MeetingID: "m1", Item: "2", Name: "Ada", Body: "after"})
		require.ErrorIs(t, err, feedback.ErrNotOpen, "a held meeting takes no comment")
	})
}

func TestDraftMeetingRefusesADeadlineAfterTheStart(t *testing.T) {
	t.Parallel()
	f := setup(t, memory.New())
	_, err := f.svc.DraftMeeting(context.Background(), feedback.MeetingDraft{Meeting: adapters.Meeting{
		BodyID: "council", Title: "T", StartsAt: monday, Mode: adapters.MeetingInPerson, Location: "City Hall",
		Items: []adapters.AgendaItem{{ID: "1", Title: "Item", CommentDeadline: monday.Add(time.Minute)}},
	}})
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
}

func TestLocalDeadline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		starts     time.Time
		daysBefore int
		want       string
	}{
		{"SameDay", monday, 0, "2026-11-02T17:00:00-05:00"},
		{"DayBeforeIsTheChange", monday, 1, "2026-11-01T17:00:00-05:00"},
		{"TwoDaysBeforeIsSummerTime", monday, 2, "2026-10-31T17:00:00-04:00"},
		// The meeting's local date counts, not its UTC date (23:30 EST
		// is already the next day in UTC).
		{"LateMeeting", time.Date(2026, 11, 2, 23, 30, 0, 0, newYork), 1, "2026-11-01T17:00:00-05:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := feedback.LocalDeadline(tc.starts.UTC(), newYork, tc.daysBefore, 17, 0)
			assert.Equal(t, tc.want, got.Format(time.RFC3339))
		})
	}
}

func TestNewMeetingViewRefusesAnUnknownZone(t *testing.T) {
	t.Parallel()
	_, err := feedback.NewMeetingView(adapters.Body{ID: "b", TimeZone: "Mars/Olympus"}, adapters.Meeting{}, monday)
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	_, err = feedback.NewMeetings(nil, nil)
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	assert.True(t, slices.Contains(feedback.AgendaTemplateFields, "startsAt"))
}

func TestCancelMeeting(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s adapters.Store) {
		ctx, f := context.Background(), setup(t, s)
		m := f.published(t, "m1", monday)
		_, err := f.svc.CancelMeeting(ctx, "m1", m.Version+1)
		require.ErrorIs(t, err, adapters.ErrConflict)
		m, err = f.svc.CancelMeeting(ctx, "m1", m.Version)
		require.NoError(t, err)
		assert.Equal(t, adapters.MeetingCancelled, m.Status)
		_, err = f.svc.SubmitComment(ctx, feedback.CommentInput{MeetingID: "m1", Item: "1", Name: "Ada", Body: "x"})
		require.ErrorIs(t, err, feedback.ErrNotOpen)
		v, err := f.svc.View(ctx, "m1")
		require.NoError(t, err)
		assert.False(t, v.Items[0].Open, "a cancelled meeting's items are closed")
	})
}
