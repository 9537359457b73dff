package adaptertest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
)

var meetingClauses = []clause{
	{"PutBodyRoundTripsAndReplaces", testBodyRoundTrip},
	{"InvalidBodyReturnsErrInvalidArgument", testBodyInvalid},
	{"SaveMeetingRoundTripsEveryFieldAndItemsInOrder", testMeetingRoundTrip},
	{"SaveMeetingWithAStaleVersionReturnsErrConflictAndWritesNothing", testMeetingConflict},
	{"SaveMeetingTwiceOrForAnUnknownBodyFails", testMeetingCreateErrors},
	{"InvalidMeetingsReturnErrInvalidArgument", testMeetingInvalid},
	{"PublishAgendaIncrementsAgendaVersionAndWritesItsMessages", testPublishAgenda},
	{"PublishAgendaThatFailsWritesNoMessageAndChangesNothing", testPublishAgendaAtomic},
	{"CommentBeforeTheDeadlineIsReceived", testPublicCommentRoundTrip},
	{"CommentAtOrAfterTheDeadlineReturnsDeadlineErrorAndWritesNothing", testCommentLate},
	{"CommentOnADraftOrUnknownItemIsRefused", testCommentClosed},
	{"ModerationIsAuditedInOrder", testModeration},
	{"ListPublicCommentsFiltersOrdersAndPages", testListComments},
	{"ListMeetingsOrdersByStartAndPagesWithoutSkipping", testListMeetings},
	{"OneSignupPerPersonPerItemUnder32ConcurrentAttempts", testSignupRace},
	{"SignUpAfterTheDeadlineOrWithoutSpeakersIsRefused", testSignupRefused},
	{"SetMinutesMarksTheMeetingHeld", testSetMinutes},
	{"ACancelledMeetingTakesNoChangeNorComment", testCancelMeeting},
}

// meetingBase is a meeting time on the eve of a DST change, away from
// UTC, with nanoseconds the stores drop.
var meetingBase = time.Date(2026, 10, 31, 18, 30, 0, 123456789, time.FixedZone("UTC-4", -4*3600))

func council(t *testing.T, s adapters.Store) adapters.Body {
	t.Helper()
	b := adapters.Body{ID: "council", Name: "City Council", TimeZone: "America/New_York"}
	must(t, s.PutBody(ctxFor(t), b), "PutBody")
	return b
}

// draftMeeting is a valid new meeting of body "council" with two items:
// "1" takes comment until an hour before the start and speakers, "2"
// until the start and no speakers.
func draftMeeting(id string, starts time.Time) adapters.SaveMeetingParams {
	return adapters.SaveMeetingParams{
		Meeting: adapters.Meeting{
			ID: id, BodyID: "council", Title: "Regular meeting " + id, StartsAt: starts,
			Location: "City Hall, Room 200", RemoteURL: "https://meet.example.gov/" + id, Mode: adapters.MeetingHybrid,
			Items: []adapters.AgendaItem{
				{ID: "1", Title: "Budget", Summary: "FY27 budget hearing", CommentDeadline: starts.Add(-time.Hour), SpeakersAllowed: true},
				{ID: "2", Title: "Parks", Summary: "Rename Elm Park"},
			},
		},
		At: starts.Add(-72 * time.Hour),
	}
}

// publishedMeeting saves and publishes a meeting.
func publishedMeeting(t *testing.T, s adapters.Store, id string, starts time.Time) adapters.Meeting {
	t.Helper()
	ctx := ctxFor(t)
	m, err := s.SaveMeeting(ctx, draftMeeting(id, starts))
	must(t, err, "SaveMeeting")
	m, err = s.PublishAgenda(ctx, adapters.PublishAgendaParams{MeetingID: id, ExpectedVersion: m.Version, At: starts.Add(-48 * time.Hour)})
	must(t, err, "PublishAgenda")
	return m
}

func checkMeeting(t *testing.T, got, want adapters.Meeting, rule string) {
	t.Helper()
	sameString(t, got.ID, want.ID, rule+": ID")
	sameString(t, got.BodyID, want.BodyID, rule+": BodyID")
	sameString(t, got.Title, want.Title, rule+": Title")
	sameTime(t, got.StartsAt, want.StartsAt, rule+": StartsAt")
	sameString(t, got.Location, want.Location, rule+": Location")
	sameString(t, got.RemoteURL, want.RemoteURL, rule+": RemoteURL")
	sameString(t, string(got.Mode), string(want.Mode), rule+": Mode")
	sameString(t, string(got.Status), string(want.Status), rule+": Status")
	sameInt(t, got.AgendaVersion, want.AgendaVersion, rule+": AgendaVersion")
	sameString(t, got.Minutes, want.Minutes, rule+": Minutes")
	sameTime(t, got.PublishedAt, want.PublishedAt, rule+": PublishedAt")
	sameTime(t, got.UpdatedAt, want.UpdatedAt, rule+": UpdatedAt")
	sameInt(t, got.Version, want.Version, rule+": Version")
	if len(got.Items) != len(want.Items) {
		t.Fatalf("%s: got %d agenda items, want %d", rule, len(got.Items), len(want.Items))
	}
	for i, it := range got.Items {
		w := want.Items[i]
		what := fmt.Sprintf("%s: item %d", rule, i)
		sameString(t, it.MeetingID, want.ID, what+": MeetingID")
		sameString(t, it.ID, w.ID, what+": ID")
		sameString(t, it.Title, w.Title, what+": Title")
		sameString(t, it.Summary, w.Summary, what+": Summary")
		sameTime(t, it.CommentDeadline, w.CommentDeadline, what+": CommentDeadline")
		if it.SpeakersAllowed != w.SpeakersAllowed {
			t.Errorf("%s: SpeakersAllowed: got %v, want %v", what, it.SpeakersAllowed, w.SpeakersAllowed)
		}
	}
}

func testBodyRoundTrip(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	b := council(t, s)
	must(t, s.PutBody(ctx, adapters.Body{ID: "board", Name: "Zoning Board", TimeZone: "America/Chicago"}), "PutBody")
	got, err := s.GetBody(ctx, "council")
	must(t, err, "GetBody")
	if got != b {
		t.Errorf("GetBody returns the body put: got %+v, want %+v", got, b)
	}
	b.Name = "Common Council"
	must(t, s.PutBody(ctx, b), "PutBody replaces")
	all, err := s.ListBodies(ctx)
	must(t, err, "ListBodies")
	if len(all) != 2 || all[0].ID != "board" || all[1] != b {
		t.Errorf("ListBodies lists every body by id, replaced in place: got %+v", all)
	}
	_, err = s.GetBody(ctx, "nobody")
	wantErr(t, err, adapters.ErrNotFound, "GetBody of an unknown id")
}

func testBodyInvalid(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	for _, b := range []adapters.Body{
		{ID: "", Name: "x", TimeZone: "UTC"},
		{ID: "x", Name: "", TimeZone: "UTC"},
		{ID: "x", Name: "x", TimeZone: "Mars/Olympus"},
		{ID: "x", Name: strings.Repeat("n", adapters.MaxMeetingText+1), TimeZone: "UTC"},
	} {
		wantErr(t, s.PutBody(ctx, b), adapters.ErrInvalidArgument, fmt.Sprintf("PutBody(%q, %d-byte name, %q)", b.ID, len(b.Name), b.TimeZone))
	}
	all, err := s.ListBodies(ctx)
	must(t, err, "ListBodies")
	if len(all) != 0 {
		t.Errorf("an invalid body is not written: %+v", all)
	}
}

func testMeetingRoundTrip(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	council(t, s)
	p := draftMeeting("m1", meetingBase)
	m, err := s.SaveMeeting(ctx, p)
	must(t, err, "SaveMeeting")
	want := p.Meeting
	want.Status, want.Version, want.UpdatedAt = adapters.MeetingDraft, 1, p.At
	checkMeeting(t, m, want, "SaveMeeting returns the stored meeting")
	got, err := s.GetMeeting(ctx, "m1")
	must(t, err, "GetMeeting")
	checkMeeting(t, got, want, "GetMeeting round-trips the meeting")

	// An update replaces the agenda, in the order given.
	p.ExpectedVersion, p.At = 1, p.At.Add(time.Hour)
	p.Meeting.Title = "Special meeting"
	p.Meeting.Items = []adapters.AgendaItem{p.Meeting.Items[1], {ID: "3", Title: "Zoning"}, p.Meeting.Items[0]}
	_, err = s.SaveMeeting(ctx, p)
	must(t, err, "SaveMeeting update")
	want = p.Meeting
	want.Status, want.Version, want.UpdatedAt = adapters.MeetingDraft, 2, p.At
	got, err = s.GetMeeting(ctx, "m1")
	must(t, err, "GetMeeting")
	checkMeeting(t, got, want, "an update replaces the fields and the whole agenda")
	_, err = s.GetMeeting(ctx, "nope")
	wantErr(t, err, adapters.ErrNotFound, "GetMeeting of an unknown id")
}

func testMeetingConflict(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	council(t, s)
	p := draftMeeting("m1", meetingBase)
	_, err := s.SaveMeeting(ctx, p)
	must(t, err, "SaveMeeting")
	before, _ := s.GetMeeting(ctx, "m1")
	p.ExpectedVersion, p.Meeting.Title, p.At = 7, "Stale", p.At.Add(time.Hour)
	_, err = s.SaveMeeting(ctx, p)
	wantErr(t, err, adapters.ErrConflict, "SaveMeeting with a stale version")
	after, _ := s.GetMeeting(ctx, "m1")
	checkMeeting(t, after, before, "a conflicting save writes nothing")
	_, err = s.PublishAgenda(ctx, adapters.PublishAgendaParams{MeetingID: "m1", ExpectedVersion: 2, At: p.At})
	wantErr(t, err, adapters.ErrConflict, "PublishAgenda with a stale version")
	p.Meeting.ID = "m2"
	_, err = s.SaveMeeting(ctx, p)
	wantErr(t, err, adapters.ErrNotFound, "SaveMeeting updating an unknown meeting")
}

func testMeetingCreateErrors(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	p := draftMeeting("m1", meetingBase)
	_, err := s.SaveMeeting(ctx, p)
	wantErr(t, err, adapters.ErrNotFound, "SaveMeeting for an unknown body")
	council(t, s)
	_, err = s.SaveMeeting(ctx, p)
	must(t, err, "SaveMeeting")
	_, err = s.SaveMeeting(ctx, p)
	wantErr(t, err, adapters.ErrDuplicate, "SaveMeeting creating an id in use")
}

func testMeetingInvalid(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	council(t, s)
	tests := []struct {
		name   string
		change func(p *adapters.SaveMeetingParams)
	}{
		{"EmptyTitle", func(p *adapters.SaveMeetingParams) { p.Meeting.Title = "" }},
		{"UnknownMode", func(p *adapters.SaveMeetingParams) { p.Meeting.Mode = "telepathy" }},
		{"NotAURL", func(p *adapters.SaveMeetingParams) { p.Meeting.RemoteURL = "javascript:alert(1)" }},
		{"RepeatedItem", func(p *adapters.SaveMeetingParams) { p.Meeting.Items[1].ID = "1" }},
		{"LongSummary", func(p *adapters.SaveMeetingParams) {
			p.Meeting.Items[0].Summary = strings.Repeat("s", adapters.MaxAgendaSummary+1)
		}},
		{"TooManyItems", func(p *adapters.SaveMeetingParams) {
			p.Meeting.Items = nil
			for i := range adapters.MaxAgendaItems + 1 {
				p.Meeting.Items = append(p.Meeting.Items, adapters.AgendaItem{ID: fmt.Sprint(i), Title: "t"})
			}
		}},
		{"PublishedStatus", func(p *adapters.SaveMeetingParams) { p.Meeting.Status = adapters.MeetingPublished }},
		{"ZeroStart", func(p *adapters.SaveMeetingParams) { p.Meeting.StartsAt = time.Time{} }},
	}
	for _, tc := range tests {
		p := draftMeeting("m-"+tc.name, meetingBase)
		tc.change(&p)
		_, err := s.SaveMeeting(ctx, p)
		wantErr(t, err, adapters.ErrInvalidArgument, "SaveMeeting with "+tc.name)
		_, err = s.GetMeeting(ctx, p.Meeting.ID)
		wantErr(t, err, adapters.ErrNotFound, "an invalid meeting is not written: "+tc.name)
	}
}

// agendaMessages are a message to a named person (kept as is by every store)
// and one to the body's subscribers (expanded per subscriber).
func agendaMessages(id string, at time.Time) []adapters.Message {
	direct := message(id+"-clerk", at)
	direct.Recipient, direct.Template = "clerk-1", "agenda-published"
	subs := message(id+"-subs", at)
	subs.Recipient, subs.Template = adapters.SubscribersOf(adapters.BodyTopic("council")), "agenda-published"
	return []adapters.Message{direct, subs}
}

func testPublishAgenda(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	council(t, s)
	m, err := s.SaveMeeting(ctx, draftMeeting("m1", meetingBase))
	must(t, err, "SaveMeeting")
	at := meetingBase.Add(-48 * time.Hour)
	m, err = s.PublishAgenda(ctx, adapters.PublishAgendaParams{MeetingID: "m1", ExpectedVersion: 1, At: at, Messages: agendaMessages("a1", at)})
	must(t, err, "PublishAgenda")
	if m.Status != adapters.MeetingPublished || m.AgendaVersion != 1 || m.Version != 2 {
		t.Errorf("the first publication makes agenda version 1, version 2, published: got %s %d %d", m.Status, m.AgendaVersion, m.Version)
	}
	sameTime(t, m.PublishedAt, at, "PublishedAt is the publication time")
	got, err := s.GetMessage(ctx, "a1-clerk")
	must(t, err, "the publication's message is written with it")
	sameString(t, got.Template, "agenda-published", "the message as given")

	// A change to the published agenda is published again.
	p := draftMeeting("m1", meetingBase)
	p.ExpectedVersion, p.At = m.Version, at.Add(time.Hour)
	p.Meeting.Items[0].Title = "Budget (amended)"
	m, err = s.SaveMeeting(ctx, p)
	must(t, err, "SaveMeeting of a published meeting")
	if m.Status != adapters.MeetingPublished || m.AgendaVersion != 1 {
		t.Errorf("saving a published meeting keeps it published at its agenda version: %s %d", m.Status, m.AgendaVersion)
	}
	at2 := at.Add(2 * time.Hour)
	m, err = s.PublishAgenda(ctx, adapters.PublishAgendaParams{MeetingID: "m1", ExpectedVersion: m.Version, At: at2, Messages: agendaMessages("a2", at2)})
	must(t, err, "PublishAgenda again")
	sameInt(t, m.AgendaVersion, 2, "each publication adds one to AgendaVersion")
	sameTime(t, m.PublishedAt, at2, "PublishedAt is the last publication's time")
	_, err = s.GetMessage(ctx, "a2-clerk")
	must(t, err, "the second publication's message")
}

func testPublishAgendaAtomic(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	council(t, s)
	m, err := s.SaveMeeting(ctx, draftMeeting("m1", meetingBase))
	must(t, err, "SaveMeeting")
	at := meetingBase.Add(-48 * time.Hour)
	must(t, s.EnqueueMessages(ctx, []adapters.Message{message("taken", at)}), "EnqueueMessages")

	msgs := agendaMessages("a1", at)
	msgs = append(msgs, message("taken", at))
	_, err = s.PublishAgenda(ctx, adapters.PublishAgendaParams{MeetingID: "m1", ExpectedVersion: 1, At: at, Messages: msgs})
	wantErr(t, err, adapters.ErrDuplicate, "PublishAgenda with a message id in use")
	_, err = s.GetMessage(ctx, "a1-clerk")
	wantErr(t, err, adapters.ErrNotFound, "a publication that fails writes none of its messages")
	got, _ := s.GetMeeting(ctx, "m1")
	checkMeeting(t, got, m, "a publication that fails leaves the meeting as it was")

	_, err = s.PublishAgenda(ctx, adapters.PublishAgendaParams{MeetingID: "m1", ExpectedVersion: 5, At: at, Messages: agendaMessages("a2", at)})
	wantErr(t, err, adapters.ErrConflict, "PublishAgenda with a stale version")
	_, err = s.GetMessage(ctx, "a2-clerk")
	wantErr(t, err, adapters.ErrNotFound, "a conflicting publication writes no message")

	empty := draftMeeting("m2", meetingBase)
	empty.Meeting.Items = nil
	_, err = s.SaveMeeting(ctx, empty)
	must(t, err, "SaveMeeting without items")
	_, err = s.PublishAgenda(ctx, adapters.PublishAgendaParams{MeetingID: "m2", ExpectedVersion: 1, At: at})
	wantErr(t, err, adapters.ErrInvalidArgument, "PublishAgenda of an empty agenda")
	_, err = s.PublishAgenda(ctx, adapters.PublishAgendaParams{MeetingID: "m9", ExpectedVersion: 1, At: at})
	wantErr(t, err, adapters.ErrNotFound, "PublishAgenda of an unknown meeting")
}

func comment(id, item string, at time.Time) adapters.PublicComment {
	return adapters.PublicComment{
		ID: id, MeetingID: "m1", Item: item, Author: "resident-" + id, AuthorIssuer: "https://login.example.gov",
		Name: "Ada " + id, Position: adapters.PositionOppose, Body: "Please keep the library open <b>late</b>.", SubmittedAt: at,
	}
}

func checkPublicComment(t *testing.T, got, want adapters.PublicComment, rule string) {
	t.Helper()
	sameString(t, got.ID, want.ID, rule+": ID")
	sameString(t, got.MeetingID, want.MeetingID, rule+": MeetingID")
	sameString(t, got.Item, want.Item, rule+": Item")
	sameString(t, got.Author, want.Author, rule+": Author")
	sameString(t, got.AuthorIssuer, want.AuthorIssuer, rule+": AuthorIssuer")
	sameString(t, got.Name, want.Name, rule+": Name")
	sameString(t, string(got.Position), string(want.Position), rule+": Position")
	sameString(t, got.Body, want.Body, rule+": Body")
	sameString(t, string(got.Status), string(want.Status), rule+": Status")
	sameString(t, got.ModeratedBy, want.ModeratedBy, rule+": ModeratedBy")
	sameString(t, got.Reason, want.Reason, rule+": Reason")
	sameTime(t, got.ModeratedAt, want.ModeratedAt, rule+": ModeratedAt")
	sameTime(t, got.SubmittedAt, want.SubmittedAt, rule+": SubmittedAt")
}

func listPublicComments(t *testing.T, s adapters.Store, q adapters.PublicCommentQuery) []adapters.PublicComment {
	t.Helper()
	page, err := s.ListPublicComments(ctxFor(t), q)
	must(t, err, "ListPublicComments")
	return page.Comments
}

func testPublicCommentRoundTrip(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	council(t, s)
	publishedMeeting(t, s, "m1", meetingBase)
	c := comment("c1", "1", meetingBase.Add(-time.Hour-time.Microsecond))
	got, err := s.AddPublicComment(ctx, c)
	must(t, err, "AddPublicComment a microsecond before the deadline")
	c.Status = adapters.CommentReceived
	checkPublicComment(t, got, c, "AddPublicComment returns the stored comment")
	all := listPublicComments(t, s, adapters.PublicCommentQuery{MeetingID: "m1"})
	if len(all) != 1 {
		t.Fatalf("the comment is listed: got %d", len(all))
	}
	checkPublicComment(t, all[0], c, "ListPublicComments round-trips the comment")
	_, err = s.AddPublicComment(ctx, c)
	wantErr(t, err, adapters.ErrDuplicate, "AddPublicComment with an id in use")
	// Item 2 has no deadline of its own: it closes when the meeting starts.
	_, err = s.AddPublicComment(ctx, comment("c2", "2", meetingBase.Add(-time.Minute)))
	must(t, err, "AddPublicComment on an item that closes at the start")
}

func testCommentLate(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	council(t, s)
	publishedMeeting(t, s, "m1", meetingBase)
	deadline := meetingBase.Add(-time.Hour)
	for _, c := range []adapters.PublicComment{
		comment("at", "1", deadline),
		comment("after", "1", deadline.Add(time.Second)),
		comment("started", "2", meetingBase),
	} {
		_, err := s.AddPublicComment(ctx, c)
		wantErr(t, err, adapters.ErrInvalidArgument, "a late comment "+c.ID)
		var de *adapters.DeadlineError
		if !errors.As(err, &de) {
			t.Fatalf("a late comment is a *adapters.DeadlineError: got %v", err)
		}
		if de.Item != c.Item || de.MeetingID != "m1" {
			t.Errorf("the DeadlineError names the item: %+v", de)
		}
	}
	if got := listPublicComments(t, s, adapters.PublicCommentQuery{MeetingID: "m1"}); len(got) != 0 {
		t.Errorf("a late comment writes nothing: %+v", got)
	}
}

func testCommentClosed(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	council(t, s)
	_, err := s.SaveMeeting(ctx, draftMeeting("m1", meetingBase))
	must(t, err, "SaveMeeting")
	early := meetingBase.Add(-10 * time.Hour)
	_, err = s.AddPublicComment(ctx, comment("c1", "1", early))
	wantErr(t, err, adapters.ErrInvalidArgument, "a comment on a draft agenda")
	_, err = s.PublishAgenda(ctx, adapters.PublishAgendaParams{MeetingID: "m1", ExpectedVersion: 1, At: early})
	must(t, err, "PublishAgenda")
	_, err = s.AddPublicComment(ctx, comment("c2", "99", early))
	wantErr(t, err, adapters.ErrNotFound, "a comment on an item not on the agenda")
	c := comment("c3", "9", early)
	c.MeetingID = "m9"
	_, err = s.AddPublicComment(ctx, c)
	wantErr(t, err, adapters.ErrNotFound, "a comment on an unknown meeting")
	c = comment("c4", "1", early)
	c.Body = strings.Repeat("x", adapters.MaxCommentBody+1)
	_, err = s.AddPublicComment(ctx, c)
	wantErr(t, err, adapters.ErrInvalidArgument, "a comment above MaxCommentBody")
	if got := listPublicComments(t, s, adapters.PublicCommentQuery{MeetingID: "m1"}); len(got) != 0 {
		t.Errorf("a refused comment writes nothing: %+v", got)
	}
}

func testModeration(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	council(t, s)
	publishedMeeting(t, s, "m1", meetingBase)
	early := meetingBase.Add(-10 * time.Hour)
	_, err := s.AddPublicComment(ctx, comment("c1", "1", early))
	must(t, err, "AddPublicComment")
	_, err = s.ModeratePublicComment(ctx, adapters.ModerateCommentParams{CommentID: "c1", Status: adapters.CommentRejected, Actor: "clerk-1", At: early})
	wantErr(t, err, adapters.ErrInvalidArgument, "a rejection without a reason")
	got, err := s.ModeratePublicComment(ctx, adapters.ModerateCommentParams{
		CommentID: "c1", Status: adapters.CommentRejected, Actor: "clerk-1", Reason: "off topic", At: early.Add(time.Minute)})
	must(t, err, "ModeratePublicComment reject")
	if got.Status != adapters.CommentRejected || got.ModeratedBy != "clerk-1" || got.Reason != "off topic" {
		t.Errorf("a rejection returns the rejected comment: %+v", got)
	}
	got, err = s.ModeratePublicComment(ctx, adapters.ModerateCommentParams{
		CommentID: "c1", Status: adapters.CommentPublished, Actor: "clerk-2", Reason: "on appeal", At: early.Add(2 * time.Minute)})
	must(t, err, "ModeratePublicComment publish")
	want := comment("c1", "1", early)
	want.Status, want.ModeratedBy, want.Reason, want.ModeratedAt = adapters.CommentPublished, "clerk-2", "on appeal", early.Add(2*time.Minute)
	checkPublicComment(t, got, want, "the comment carries the last decision")
	all := listPublicComments(t, s, adapters.PublicCommentQuery{MeetingID: "m1", Status: adapters.CommentPublished})
	if len(all) != 1 {
		t.Fatalf("the published comment is listed as published: %d", len(all))
	}
	checkPublicComment(t, all[0], want, "ListPublicComments")
	audit, err := s.ListCommentModerations(ctx, "c1")
	must(t, err, "ListCommentModerations")
	if len(audit) != 2 {
		t.Fatalf("every decision is kept: got %d", len(audit))
	}
	for i, w := range []adapters.CommentModeration{
		{CommentID: "c1", Status: adapters.CommentRejected, Actor: "clerk-1", Reason: "off topic", At: early.Add(time.Minute)},
		{CommentID: "c1", Status: adapters.CommentPublished, Actor: "clerk-2", Reason: "on appeal", At: early.Add(2 * time.Minute)},
	} {
		g := audit[i]
		what := fmt.Sprintf("decision %d", i)
		sameString(t, g.CommentID, w.CommentID, what+": CommentID")
		sameString(t, string(g.Status), string(w.Status), what+": Status")
		sameString(t, g.Actor, w.Actor, what+": Actor")
		sameString(t, g.Reason, w.Reason, what+": Reason")
		sameTime(t, g.At, w.At, what+": At")
	}
	_, err = s.ModeratePublicComment(ctx, adapters.ModerateCommentParams{CommentID: "c9", Status: adapters.CommentPublished, Actor: "clerk-1", At: early})
	wantErr(t, err, adapters.ErrNotFound, "moderating an unknown comment")
}

func testListComments(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	council(t, s)
	publishedMeeting(t, s, "m1", meetingBase)
	early := meetingBase.Add(-10 * time.Hour)
	var want1 []string
	for i := range 7 {
		item := "1"
		if i%3 == 2 {
			item = "2"
		} else {
			want1 = append(want1, fmt.Sprintf("c%d", i))
		}
		// Comments 0 and 1 share a time: the id breaks the tie.
		_, err := s.AddPublicComment(ctx, comment(fmt.Sprintf("c%d", i), item, early.Add(time.Duration(max(i, 1))*time.Second)))
		must(t, err, "AddPublicComment")
	}
	var got []string
	q := adapters.PublicCommentQuery{MeetingID: "m1", Item: "1", Limit: 2}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging never ends")
		}
		page, err := s.ListPublicComments(ctx, q)
		must(t, err, "ListPublicComments")
		if len(page.Comments) > 2 {
			t.Fatalf("a page holds at most Limit comments: %d", len(page.Comments))
		}
		for _, c := range page.Comments {
			got = append(got, c.ID)
		}
		if page.NextCursor == "" {
			break
		}
		q.Cursor = page.NextCursor
	}
	if fmt.Sprint(got) != fmt.Sprint(want1) {
		t.Errorf("paging lists the item's comments oldest first, then by id, each once: got %v, want %v", got, want1)
	}
	if n := len(listPublicComments(t, s, adapters.PublicCommentQuery{MeetingID: "m1", Status: adapters.CommentRejected})); n != 0 {
		t.Errorf("the status filter keeps only rejected comments: got %d", n)
	}
	_, err := s.ListPublicComments(ctx, adapters.PublicCommentQuery{MeetingID: "m1", Cursor: "not-a-cursor"})
	wantErr(t, err, adapters.ErrInvalidArgument, "a malformed cursor")
	_, err = s.ListPublicComments(ctx, adapters.PublicCommentQuery{MeetingID: "m1", Limit: adapters.MaxPageSize + 1})
	wantErr(t, err, adapters.ErrInvalidArgument, "a page above MaxPageSize")
}

func testListMeetings(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	council(t, s)
	must(t, s.PutBody(ctx, adapters.Body{ID: "board", Name: "Board", TimeZone: "UTC"}), "PutBody")
	for i := range 9 {
		// Meeting i starts 9-i days after meetingBase; meetings 3 and 4
		// start together, and the id breaks the tie.
		days := 9 - i
		if i == 4 {
			days = 6
		}
		_, err := s.SaveMeeting(ctx, draftMeeting(fmt.Sprintf("m%d", i), meetingBase.Add(time.Duration(days)*24*time.Hour)))
		must(t, err, "SaveMeeting")
	}
	other := draftMeeting("other", meetingBase.Add(5*24*time.Hour))
	other.Meeting.BodyID = "board"
	_, err := s.SaveMeeting(ctx, other)
	must(t, err, "SaveMeeting")
	// [2 days, 9 days) holds m1..m7; m0 starts at To and m8 before From.
	wantOrder := []string{"m7", "m6", "m5", "m3", "m4", "m2", "m1"}
	q := adapters.MeetingQuery{BodyID: "council", From: meetingBase.Add(2 * 24 * time.Hour), To: meetingBase.Add(9 * 24 * time.Hour), Limit: 3}
	var got []string
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging never ends")
		}
		page, err := s.ListMeetings(ctx, q)
		must(t, err, "ListMeetings")
		for _, m := range page.Meetings {
			got = append(got, m.ID)
			if m.Items != nil {
				t.Errorf("ListMeetings leaves Items nil: %s has %d", m.ID, len(m.Items))
			}
		}
		if pages == 0 {
			// A meeting added between pages before the cursor is not listed,
			// and does not shift the next page.
			_, err := s.SaveMeeting(ctx, draftMeeting("m-early", meetingBase.Add(2*24*time.Hour)))
			must(t, err, "SaveMeeting between pages")
		}
		if page.NextCursor == "" {
			break
		}
		q.Cursor = page.NextCursor
	}
	if fmt.Sprint(got) != fmt.Sprint(wantOrder) {
		t.Errorf("ListMeetings lists the body's meetings in [From, To) by start then id, each once: got %v, want %v", got, wantOrder)
	}
	_, err = s.ListMeetings(ctx, adapters.MeetingQuery{})
	wantErr(t, err, adapters.ErrInvalidArgument, "ListMeetings without a body")
}

func testSignupRace(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	council(t, s)
	publishedMeeting(t, s, "m1", meetingBase)
	early := meetingBase.Add(-10 * time.Hour)
	const n = 32
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = s.SignUpToSpeak(ctx, adapters.SpeakerSignup{
				ID: fmt.Sprintf("s%02d", i), MeetingID: "m1", Item: "1", Person: "resident-1", Name: "Ada",
				Mode: adapters.SpeakRemote, CreatedAt: early.Add(time.Duration(i) * time.Millisecond),
			})
		})
	}
	close(start)
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, adapters.ErrDuplicate):
			t.Errorf("signup %d: a losing signup returns ErrDuplicate, got %v", i, err)
		}
	}
	if ok != 1 {
		t.Errorf("exactly one of %d racing signups of one person for one item succeeds: %d did", n, ok)
	}
	got, err := s.ListSpeakers(ctx, "m1", "1")
	must(t, err, "ListSpeakers")
	if len(got) != 1 || got[0].Person != "resident-1" || got[0].Mode != adapters.SpeakRemote || got[0].Name != "Ada" {
		t.Errorf("one signup is stored: %+v", got)
	}
	// Another person, and the same person on another meeting's item, may
	// still sign up; listing orders by time.
	must(t, s.SignUpToSpeak(ctx, adapters.SpeakerSignup{ID: "late", MeetingID: "m1", Item: "1", Person: "resident-2",
		Name: "Grace", Mode: adapters.SpeakInPerson, CreatedAt: early.Add(time.Hour)}), "SignUpToSpeak")
	got, err = s.ListSpeakers(ctx, "m1", "")
	must(t, err, "ListSpeakers")
	if len(got) != 2 || got[1].ID != "late" {
		t.Errorf("ListSpeakers lists signups in the order received: %+v", got)
	}
	sameTime(t, got[1].CreatedAt, early.Add(time.Hour), "CreatedAt")
}

func testSignupRefused(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	council(t, s)
	publishedMeeting(t, s, "m1", meetingBase)
	su := adapters.SpeakerSignup{ID: "s1", MeetingID: "m1", Item: "1", Person: "resident-1", Name: "Ada",
		Mode: adapters.SpeakInPerson, CreatedAt: meetingBase.Add(-time.Hour)}
	err := s.SignUpToSpeak(ctx, su)
	var de *adapters.DeadlineError
	if !errors.As(err, &de) || !errors.Is(err, adapters.ErrInvalidArgument) {
		t.Errorf("a signup at the deadline is a *DeadlineError wrapping ErrInvalidArgument: got %v", err)
	}
	su.Item, su.CreatedAt = "2", meetingBase.Add(-10*time.Hour)
	wantErr(t, s.SignUpToSpeak(ctx, su), adapters.ErrInvalidArgument, "a signup on an item without speakers")
	su.Item, su.Mode = "1", "carrier-pigeon"
	wantErr(t, s.SignUpToSpeak(ctx, su), adapters.ErrInvalidArgument, "a signup with an unknown mode")
	got, err := s.ListSpeakers(ctx, "m1", "")
	must(t, err, "ListSpeakers")
	if len(got) != 0 {
		t.Errorf("a refused signup writes nothing: %+v", got)
	}
}

func testSetMinutes(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	council(t, s)
	draft, err := s.SaveMeeting(ctx, draftMeeting("d1", meetingBase))
	must(t, err, "SaveMeeting")
	at := meetingBase.Add(3 * time.Hour)
	_, err = s.SetMinutes(ctx, adapters.SetMinutesParams{MeetingID: "d1", ExpectedVersion: draft.Version, Minutes: "x", At: at})
	wantErr(t, err, adapters.ErrInvalidArgument, "minutes for a draft meeting")
	m := publishedMeeting(t, s, "m1", meetingBase)
	_, err = s.SetMinutes(ctx, adapters.SetMinutesParams{MeetingID: "m1", ExpectedVersion: m.Version + 1, Minutes: "x", At: at})
	wantErr(t, err, adapters.ErrConflict, "SetMinutes with a stale version")
	got, err := s.SetMinutes(ctx, adapters.SetMinutesParams{MeetingID: "m1", ExpectedVersion: m.Version, Minutes: "Called to order at 6:30 pm.", At: at})
	must(t, err, "SetMinutes")
	stored, err := s.GetMeeting(ctx, "m1")
	must(t, err, "GetMeeting")
	want := m
	want.Status, want.Minutes, want.Version, want.UpdatedAt = adapters.MeetingHeld, "Called to order at 6:30 pm.", m.Version+1, at
	checkMeeting(t, got, want, "SetMinutes returns the held meeting")
	checkMeeting(t, stored, want, "SetMinutes stores the minutes")
	p := draftMeeting("m1", meetingBase)
	p.ExpectedVersion, p.At = stored.Version, at
	_, err = s.SaveMeeting(ctx, p)
	wantErr(t, err, adapters.ErrInvalidArgument, "saving a held meeting")
}

func testCancelMeeting(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	council(t, s)
	m := publishedMeeting(t, s, "m1", meetingBase)
	p := draftMeeting("m1", meetingBase)
	p.ExpectedVersion, p.At, p.Meeting.Status = m.Version, meetingBase.Add(-24*time.Hour), adapters.MeetingCancelled
	got, err := s.SaveMeeting(ctx, p)
	must(t, err, "SaveMeeting cancelling")
	if got.Status != adapters.MeetingCancelled || got.Version != m.Version+1 || got.AgendaVersion != 1 {
		t.Errorf("cancelling sets the status and a new version, keeping the agenda version: %s %d %d", got.Status, got.Version, got.AgendaVersion)
	}
	_, err = s.PublishAgenda(ctx, adapters.PublishAgendaParams{MeetingID: "m1", ExpectedVersion: got.Version, At: p.At})
	wantErr(t, err, adapters.ErrInvalidArgument, "publishing a cancelled meeting")
	p.ExpectedVersion, p.Meeting.Status = got.Version, ""
	_, err = s.SaveMeeting(ctx, p)
	wantErr(t, err, adapters.ErrInvalidArgument, "saving a cancelled meeting")
	_, err = s.AddPublicComment(ctx, comment("c1", "1", meetingBase.Add(-10*time.Hour)))
	wantErr(t, err, adapters.ErrInvalidArgument, "a comment on a cancelled meeting")
	_, err = s.SetMinutes(ctx, adapters.SetMinutesParams{MeetingID: "m1", ExpectedVersion: got.Version, Minutes: "x", At: p.At})
	wantErr(t, err, adapters.ErrInvalidArgument, "minutes of a cancelled meeting")
}
