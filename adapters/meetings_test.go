package adapters_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
)

func TestCheckCommentWindow(t *testing.T) {
	t.Parallel()
	starts := time.Date(2026, 11, 2, 23, 0, 0, 0, time.UTC)
	m := adapters.Meeting{ID: "m1", Status: adapters.MeetingPublished, StartsAt: starts, Items: []adapters.AgendaItem{
		{ID: "1", CommentDeadline: starts.Add(-time.Hour), SpeakersAllowed: true},
		{ID: "2"},
	}}
	draft := m
	draft.Status = adapters.MeetingDraft
	tests := []struct {
		name     string
		m        adapters.Meeting
		item     string
		at       time.Time
		speaking bool
		want     error
		deadline bool
	}{
		{name: "BeforeTheDeadline", m: m, item: "1", at: starts.Add(-time.Hour - time.Microsecond)},
		{name: "AtTheDeadline", m: m, item: "1", at: starts.Add(-time.Hour), want: adapters.ErrInvalidArgument, deadline: true},
		{name: "ANanosecondBeforeTheDeadline", m: m, item: "1", at: starts.Add(-time.Hour - time.Nanosecond)},
		{name: "NoDeadlineClosesAtTheStart", m: m, item: "2", at: starts, want: adapters.ErrInvalidArgument, deadline: true},
		{name: "NoDeadlineOpenBeforeTheStart", m: m, item: "2", at: starts.Add(-time.Second)},
		{name: "Speakers", m: m, item: "1", at: starts.Add(-2 * time.Hour), speaking: true},
		{name: "NoSpeakers", m: m, item: "2", at: starts.Add(-2 * time.Hour), speaking: true, want: adapters.ErrInvalidArgument},
		{name: "Draft", m: draft, item: "1", at: starts.Add(-2 * time.Hour), want: adapters.ErrInvalidArgument},
		{name: "UnknownItem", m: m, item: "9", at: starts.Add(-2 * time.Hour), want: adapters.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := adapters.CheckCommentWindow(tc.m, tc.item, tc.at, tc.speaking)
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.want)
			var de *adapters.DeadlineError
			assert.Equal(t, tc.deadline, errors.As(err, &de))
			if tc.deadline {
				assert.Equal(t, tc.item, de.Item)
				assert.Contains(t, err.Error(), "closed for comment")
			}
		})
	}
}

func TestMeetingValidation(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 2, 23, 0, 0, 0, time.UTC)
	ok := adapters.SaveMeetingParams{At: at, Meeting: adapters.Meeting{
		ID: "m1", BodyID: "b", Title: "T", StartsAt: at, Mode: adapters.MeetingRemote, RemoteURL: "https://meet.example.gov/x",
		Items: []adapters.AgendaItem{{ID: "1", Title: "Item"}},
	}}
	require.NoError(t, ok.Validate())
	tests := []struct {
		name   string
		change func(p *adapters.SaveMeetingParams)
	}{
		{"InvalidUTF8Title", func(p *adapters.SaveMeetingParams) { p.Meeting.Title = "\xff" }},
		{"RelativeURL", func(p *adapters.SaveMeetingParams) { p.Meeting.RemoteURL = "/meet" }},
		{"ItemOfAnotherMeeting", func(p *adapters.SaveMeetingParams) { p.Meeting.Items[0].MeetingID = "m2" }},
		{"CancelOnCreate", func(p *adapters.SaveMeetingParams) { p.Meeting.Status = adapters.MeetingCancelled }},
		{"NegativeVersion", func(p *adapters.SaveMeetingParams) { p.ExpectedVersion = -1 }},
		{"ZeroTime", func(p *adapters.SaveMeetingParams) { p.At = time.Time{} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := ok
			p.Meeting.Items = append([]adapters.AgendaItem(nil), ok.Meeting.Items...)
			tc.change(&p)
			require.ErrorIs(t, p.Validate(), adapters.ErrInvalidArgument)
		})
	}
	cancel := ok
	cancel.ExpectedVersion, cancel.Meeting.Status = 3, adapters.MeetingCancelled
	require.NoError(t, cancel.Validate(), "an existing meeting may be cancelled")
}

// Cursors come from clients: any string decodes to a position or to
// ErrInvalidArgument, and a cursor the store made decodes to the position
// it was made from.
func FuzzMeetingCursor(f *testing.F) {
	made := adapters.MeetingQuery{}.NextCursor(adapters.Meeting{ID: "m1", StartsAt: time.Date(2026, 11, 2, 23, 0, 0, 0, time.UTC)})
	for _, seed := range []string{"", made, "not-a-cursor", "e30", adapters.PublicCommentQuery{}.NextCursor(adapters.PublicComment{ID: "c1"})} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, cursor string) {
		q := adapters.MeetingQuery{BodyID: "b", Cursor: cursor}
		pos, err := q.DecodeCursor()
		if err != nil {
			require.ErrorIs(t, err, adapters.ErrInvalidArgument)
			require.ErrorIs(t, q.Validate(), adapters.ErrInvalidArgument)
			return
		}
		if cursor != "" {
			again, err := adapters.MeetingQuery{Cursor: q.NextCursor(adapters.Meeting{ID: pos.ID, StartsAt: pos.Key})}.DecodeCursor()
			require.NoError(t, err)
			assert.Equal(t, pos, again)
		}
		_, err = adapters.PublicCommentQuery{MeetingID: "m", Cursor: cursor}.DecodeCursor()
		if cursor != "" {
			require.Error(t, err, "a meeting cursor is not a comment cursor")
		}
	})
}
