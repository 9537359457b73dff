package adaptertest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
)

var caseClauses = []clause{
	{"CreateCaseRoundTripsEveryField", testCreateRoundTrip},
	{"CreateCaseDefaultsUpdatedAtAndSubmissionCase", testCreateDefaults},
	{"GetMissingReturnsErrNotFound", testGetMissing},
	{"InvalidArgumentsReturnErrInvalidArgumentAndWriteNothing", testInvalidArguments},
	{"CreateDuplicateReturnsErrDuplicateAndWritesNothing", testCreateDuplicate},
	{"CreateWithRequestKeyReplaysOrReturnsErrDuplicate", testCreateRequestKey},
	{"ApplyTransitionWritesEverythingAtOnce", testApplyTransition},
	{"StaleVersionReturnsErrConflictAndWritesNothing", testStaleVersion},
	{"FailedTransitionLeavesEverythingUnchanged", testFailedTransitionAtomic},
	{"ConcurrentTransitionsOnOneVersionExactlyOneWins", testConcurrentTransitions},
	{"RequestKeyReplaysFirstResultOrReturnsErrDuplicate", testTransitionRequestKey},
	{"ListCasesPaginatesEveryCaseOnceInOrder", testPagination},
	{"ListCasesFilters", testListFilters},
	{"ListCasesKeepsSubmittersOfTwoIssuersApart", testListBySubmitterIssuer},
	{"ListCasesByDueListsOnlyCasesWithDueInDueOrder", testListByDue},
	{"ListCasesCapsPageSize", testPageSize},
	{"CountCasesByStateCountsMatchingCases", testCountByState},
	{"SubmissionsRoundTripAndListByCase", testSubmissions},
	{"ReturnedRecordsAreCopies", testCopies},
}

func testCreateRoundTrip(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	c := adapters.Case{
		ID: "case-1", Type: "building-permit", DefinitionVersion: 3, State: "submitted",
		Submitter: "resident-1", SubmitterIssuer: "https://login.example.gov", Team: "permits", Assignee: "staff-7", Channel: "counter",
		Due:       base.Add(72 * time.Hour),
		Data:      json.RawMessage(`{"address": {"street": "1 Main St", "unit": null}, "floors": 2, "tags": ["a", "ñ"]}`),
		CreatedAt: base, UpdatedAt: base.Add(time.Second), ClosedAt: base.Add(time.Hour),
	}
	sub := adapters.Submission{
		ID: "sub-1", FormID: "building-permit", FormVersion: 4, FormHash: "sha256:abc",
		Data: json.RawMessage(`{"floors":2}`), Submitter: "resident-1", SubmitterIssuer: "https://login.example.gov", Channel: "counter", SubmittedAt: base,
	}
	events := []adapters.Event{
		{Kind: "opened", ToState: "submitted", Actor: "staff-7", At: base, Comment: "filed at the counter", Payload: json.RawMessage(`{"intake":"counter"}`)},
		{Kind: "assigned", FromState: "submitted", ToState: "submitted", Trigger: "assign", Actor: "system", At: base.Add(time.Microsecond)},
	}
	msg := message("msg-1", base)
	msg.NextAttemptAt = base.Add(time.Minute)
	timer := adapters.Timer{Name: "sla", DueAt: base.Add(48 * time.Hour), Trigger: "escalate"}
	got, err := s.CreateCase(ctx, adapters.CreateCaseParams{
		Case: c, Submission: sub, Events: events, Messages: []adapters.Message{msg}, Timers: []adapters.Timer{timer},
	})
	must(t, err, "CreateCase")
	want := c
	want.Version = 1
	checkCase(t, got, want, "CreateCase returns the stored case")
	stored, err := s.GetCase(ctx, "case-1")
	must(t, err, "GetCase")
	checkCase(t, stored, want, "GetCase round-trips every field")

	evs, err := s.ListEvents(ctx, "case-1")
	must(t, err, "ListEvents")
	if len(evs) != 2 {
		t.Fatalf("CreateCase writes every first event: got %d events, want 2", len(evs))
	}
	for i, e := range events {
		e.CaseID, e.Seq = "case-1", int64(i+1)
		checkEvent(t, evs[i], e, fmt.Sprintf("event %d round-trips with Seq %d", i, i+1))
	}

	gotSub, err := s.GetSubmission(ctx, "sub-1")
	must(t, err, "GetSubmission")
	sub.CaseID = "case-1"
	checkSubmission(t, gotSub, sub, "submission round-trips")

	gotMsg, err := s.GetMessage(ctx, "msg-1")
	must(t, err, "GetMessage")
	msg.CaseID, msg.Status = "case-1", adapters.MessagePending
	checkMessage(t, gotMsg, msg, "message round-trips as pending")

	timers, err := s.ListTimers(ctx, "case-1")
	must(t, err, "ListTimers")
	if len(timers) != 1 {
		t.Fatalf("CreateCase sets the timers: got %d, want 1", len(timers))
	}
	timer.CaseID = "case-1"
	checkTimer(t, timers[0], timer, "timer round-trips")
}

func checkSubmission(t *testing.T, got, want adapters.Submission, rule string) {
	t.Helper()
	sameString(t, got.ID, want.ID, rule+": ID")
	sameString(t, got.CaseID, want.CaseID, rule+": CaseID")
	sameString(t, got.FormID, want.FormID, rule+": FormID")
	sameInt(t, got.FormVersion, want.FormVersion, rule+": FormVersion")
	sameString(t, got.FormHash, want.FormHash, rule+": FormHash")
	sameJSON(t, got.Data, want.Data, rule+": Data")
	sameString(t, got.Submitter, want.Submitter, rule+": Submitter")
	sameString(t, got.SubmitterIssuer, want.SubmitterIssuer, rule+": SubmitterIssuer")
	sameString(t, got.Channel, want.Channel, rule+": Channel")
	sameTime(t, got.SubmittedAt, want.SubmittedAt, rule+": SubmittedAt")
	checkFiles(t, got.Files, want.Files, rule+": Files")
}

func testCreateDefaults(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	p := newCase("case-1", base)
	p.Submission = adapters.Submission{ID: "sub-1", FormID: "pothole", FormVersion: 1, SubmittedAt: base}
	c, err := s.CreateCase(ctx, p)
	must(t, err, "CreateCase")
	sameTime(t, c.UpdatedAt, base, "UpdatedAt defaults to CreatedAt")
	sameInt(t, c.Version, 1, "a new case has version 1")
	if !c.Due.IsZero() || !c.ClosedAt.IsZero() {
		t.Errorf("unset optional times stay zero: Due %v, ClosedAt %v", c.Due, c.ClosedAt)
	}
	sub, err := s.GetSubmission(ctx, "sub-1")
	must(t, err, "GetSubmission")
	sameString(t, sub.CaseID, "case-1", "submission CaseID defaults to the case")
}

func testGetMissing(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	_, err := s.GetCase(ctx, "nope")
	wantErr(t, err, adapters.ErrNotFound, "GetCase of a missing case")
	_, err = s.ListEvents(ctx, "nope")
	wantErr(t, err, adapters.ErrNotFound, "ListEvents of a missing case")
	_, err = s.GetSubmission(ctx, "nope")
	wantErr(t, err, adapters.ErrNotFound, "GetSubmission of a missing submission")
	_, err = s.GetMessage(ctx, "nope")
	wantErr(t, err, adapters.ErrNotFound, "GetMessage of a missing message")
	_, err = s.ApplyTransition(ctx, flip("nope", 1, base))
	wantErr(t, err, adapters.ErrNotFound, "ApplyTransition on a missing case")
	subs, err := s.ListSubmissions(ctx, "nope")
	must(t, err, "ListSubmissions of a missing case is empty, not an error")
	if len(subs) != 0 {
		t.Errorf("ListSubmissions of a missing case: got %d", len(subs))
	}
}

func testInvalidArguments(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	_, err := s.CreateCase(ctx, newCase("case-1", base))
	must(t, err, "CreateCase")
	noEvents := newCase("case-2", base)
	noEvents.Events = nil
	badJSON := newCase("case-2", base)
	badJSON.Case.Data = json.RawMessage(`{"a":`)
	noKey := flip("case-1", 1, base)
	noKey.Messages[0].IdempotencyKey = ""
	tests := []struct {
		name string
		call func() error
	}{
		{"CreateCaseEmptyID", func() error { _, err := s.CreateCase(ctx, newCase("", base)); return err }},
		{"CreateCaseNoEvents", func() error { _, err := s.CreateCase(ctx, noEvents); return err }},
		{"CreateCaseBadJSON", func() error { _, err := s.CreateCase(ctx, badJSON); return err }},
		{"TransitionVersionZero", func() error { _, err := s.ApplyTransition(ctx, flip("case-1", 0, base)); return err }},
		{"TransitionMessageWithoutKey", func() error { _, err := s.ApplyTransition(ctx, noKey); return err }},
		{"GetCaseEmptyID", func() error { _, err := s.GetCase(ctx, ""); return err }},
		{"ListEventsEmptyID", func() error { _, err := s.ListEvents(ctx, ""); return err }},
		{"GetSubmissionEmptyID", func() error { _, err := s.GetSubmission(ctx, ""); return err }},
		{"GetMessageEmptyID", func() error { _, err := s.GetMessage(ctx, ""); return err }},
		{"NegativePageSize", func() error { _, err := s.ListCases(ctx, adapters.CaseQuery{Limit: -1}); return err }},
		{"OversizedPage", func() error {
			_, err := s.ListCases(ctx, adapters.CaseQuery{Limit: adapters.MaxPageSize + 1})
			return err
		}},
		{"MalformedCursor", func() error { _, err := s.ListCases(ctx, adapters.CaseQuery{Cursor: "%%%"}); return err }},
		{"UnknownOrder", func() error { _, err := s.ListCases(ctx, adapters.CaseQuery{Order: "random"}); return err }},
		{"ClaimWithoutOwner", func() error {
			_, err := s.ClaimMessages(ctx, adapters.ClaimParams{Limit: 1, Now: base, Lease: time.Minute})
			return err
		}},
		{"ClaimZeroLimit", func() error {
			_, err := s.ClaimTimers(ctx, adapters.ClaimParams{Owner: "w", Now: base, Lease: time.Minute})
			return err
		}},
		{"MarkUnknownStatus", func() error {
			return s.MarkMessage(ctx, adapters.MarkParams{ID: "m", Owner: "w", Status: "lost", At: base})
		}},
		{"EnqueueNothing", func() error { return s.EnqueueMessages(ctx, nil) }},
		{"SaveDraftWithoutToken", func() error {
			return s.SaveDraft(ctx, adapters.Draft{FormID: "f", UpdatedAt: base, ExpiresAt: base.Add(time.Hour)})
		}},
		{"CompleteTimerWithoutOwner", func() error { return s.CompleteTimer(ctx, "case-1", "sla", "") }},
		{"DeleteExpiredDraftsZeroTime", func() error { _, err := s.DeleteExpiredDrafts(ctx, time.Time{}); return err }},
	}
	for _, tt := range tests {
		err := tt.call()
		if !errors.Is(err, adapters.ErrInvalidArgument) {
			t.Errorf("%s: bad arguments return ErrInvalidArgument, got %v", tt.name, err)
		}
	}
	_, err = s.GetCase(ctx, "case-2")
	wantErr(t, err, adapters.ErrNotFound, "an invalid CreateCase writes nothing")
	evs, err := s.ListEvents(ctx, "case-1")
	must(t, err, "ListEvents")
	sameInt(t, len(evs), 1, "an invalid transition writes no event")
}

func testCreateDuplicate(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	p := newCase("case-1", base)
	p.Submission = adapters.Submission{ID: "sub-1", FormID: "pothole", SubmittedAt: base}
	p.Messages = []adapters.Message{message("msg-1", base)}
	_, err := s.CreateCase(ctx, p)
	must(t, err, "CreateCase")

	_, err = s.CreateCase(ctx, newCase("case-1", base))
	wantErr(t, err, adapters.ErrDuplicate, "a case id already in use")

	dupSub := newCase("case-2", base)
	dupSub.Submission = adapters.Submission{ID: "sub-1", FormID: "pothole", SubmittedAt: base}
	_, err = s.CreateCase(ctx, dupSub)
	wantErr(t, err, adapters.ErrDuplicate, "a submission id already in use")

	dupMsg := newCase("case-3", base)
	m := message("msg-other", base)
	m.IdempotencyKey = "key-msg-1"
	dupMsg.Messages = []adapters.Message{m}
	dupMsg.Timers = []adapters.Timer{{Name: "sla", DueAt: base, Trigger: "escalate"}}
	_, err = s.CreateCase(ctx, dupMsg)
	wantErr(t, err, adapters.ErrDuplicate, "a message idempotency key already in use")

	for _, id := range []string{"case-2", "case-3"} {
		_, err = s.GetCase(ctx, id)
		wantErr(t, err, adapters.ErrNotFound, "a failed CreateCase writes no case")
	}
	_, err = s.GetMessage(ctx, "msg-other")
	wantErr(t, err, adapters.ErrNotFound, "a failed CreateCase writes no message")
	timers, err := s.ListTimers(ctx, "case-3")
	must(t, err, "ListTimers")
	sameInt(t, len(timers), 0, "a failed CreateCase writes no timer")
}

func testCreateRequestKey(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	p := newCase("case-1", base)
	p.RequestKey = "req-1"
	first, err := s.CreateCase(ctx, p)
	must(t, err, "CreateCase")
	again, err := s.CreateCase(ctx, p)
	must(t, err, "a retried CreateCase with its request key succeeds")
	checkCase(t, again, first, "a retried CreateCase returns the stored case")
	evs, err := s.ListEvents(ctx, "case-1")
	must(t, err, "ListEvents")
	sameInt(t, len(evs), 1, "a retried CreateCase writes nothing")

	other := newCase("case-2", base)
	other.RequestKey = "req-1"
	_, err = s.CreateCase(ctx, other)
	wantErr(t, err, adapters.ErrDuplicate, "a request key reused for another case")
	_, err = s.GetCase(ctx, "case-2")
	wantErr(t, err, adapters.ErrNotFound, "a reused request key writes nothing")
}

func testApplyTransition(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	p := newCase("case-1", base)
	p.Case.Due = base.Add(time.Hour)
	p.Case.Data = json.RawMessage(`{"a":1}`)
	p.Timers = []adapters.Timer{
		{Name: "reminder", DueAt: base.Add(time.Minute), Trigger: "remind"},
		{Name: "sla", DueAt: base.Add(time.Hour), Trigger: "escalate"},
	}
	_, err := s.CreateCase(ctx, p)
	must(t, err, "CreateCase")

	at := base.Add(10 * time.Minute)
	team, assignee, noDue, closed := "roads", "staff-2", time.Time{}, true
	tp := adapters.TransitionParams{
		CaseID: "case-1", ExpectedVersion: 1, State: "closed", At: at,
		Update: adapters.CaseUpdate{Team: &team, Assignee: &assignee, Due: &noDue, Data: json.RawMessage(`{"a":2,"b":[true]}`), Closed: &closed},
		Events: []adapters.Event{
			{Kind: "transition", FromState: "submitted", ToState: "resolved", Trigger: "resolve", Actor: "staff-2", At: at, Comment: "filled"},
			{Kind: "transition", FromState: "resolved", ToState: "closed", Trigger: "close", Actor: "staff-2", At: at},
		},
		Messages:     []adapters.Message{message("msg-1", at), message("msg-2", at)},
		SetTimers:    []adapters.Timer{{Name: "reminder", DueAt: at.Add(time.Hour), Trigger: "remind-again"}, {Name: "survey", DueAt: at.Add(24 * time.Hour), Trigger: "ask"}},
		CancelTimers: []string{"sla", "never-set"},
	}
	res, err := s.ApplyTransition(ctx, tp)
	must(t, err, "ApplyTransition")
	if res.Replayed {
		t.Error("a first transition is not Replayed")
	}
	want := p.Case
	want.State, want.Version, want.Team, want.Assignee, want.Due = "closed", 2, team, assignee, time.Time{}
	want.Data, want.UpdatedAt, want.ClosedAt = tp.Update.Data, at, at
	checkCase(t, res.Case, want, "ApplyTransition returns the case as it left it")
	stored, err := s.GetCase(ctx, "case-1")
	must(t, err, "GetCase")
	checkCase(t, stored, want, "ApplyTransition stores state and fields")
	if len(res.Events) != 2 {
		t.Fatalf("ApplyTransition returns the events it appended: got %d", len(res.Events))
	}
	evs, err := s.ListEvents(ctx, "case-1")
	must(t, err, "ListEvents")
	sameInt(t, len(evs), 3, "events are appended")
	for i, e := range tp.Events {
		e.CaseID, e.Seq = "case-1", int64(i+2)
		checkEvent(t, res.Events[i], e, "returned event")
		checkEvent(t, evs[i+1], e, "stored event numbered after the last")
	}
	msgs, err := s.ListMessages(ctx, "case-1")
	must(t, err, "ListMessages")
	if len(msgs) != 2 {
		t.Fatalf("messages are written with the transition: got %d, want 2", len(msgs))
	}
	for i, m := range tp.Messages {
		m.CaseID, m.Status = "case-1", adapters.MessagePending
		checkMessage(t, msgs[i], m, "a message written with the transition")
	}
	timers, err := s.ListTimers(ctx, "case-1")
	must(t, err, "ListTimers")
	if len(timers) != 2 || timers[0].Name != "reminder" || timers[1].Name != "survey" {
		t.Fatalf("SetTimers upserts by name and CancelTimers deletes: got %+v", timers)
	}
	checkTimer(t, timers[0], adapters.Timer{CaseID: "case-1", Name: "reminder", DueAt: at.Add(time.Hour), Trigger: "remind-again"}, "an upserted timer takes the new due time and trigger")
	checkTimer(t, timers[1], adapters.Timer{CaseID: "case-1", Name: "survey", DueAt: at.Add(24 * time.Hour), Trigger: "ask"}, "a new timer")

	reopen := false
	res, err = s.ApplyTransition(ctx, adapters.TransitionParams{
		CaseID: "case-1", ExpectedVersion: 2, State: "reopened", At: at.Add(time.Minute),
		Update: adapters.CaseUpdate{Closed: &reopen},
		Events: []adapters.Event{{Kind: "transition", FromState: "closed", ToState: "reopened", Trigger: "reopen", Actor: "staff-2", At: at.Add(time.Minute)}},
	})
	must(t, err, "ApplyTransition reopen")
	want.State, want.Version, want.UpdatedAt, want.ClosedAt = "reopened", 3, at.Add(time.Minute), time.Time{}
	checkCase(t, res.Case, want, "Closed false clears ClosedAt; nil fields keep their values")
}

func testStaleVersion(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	_, err := s.CreateCase(ctx, newCase("case-1", base))
	must(t, err, "CreateCase")
	_, err = s.ApplyTransition(ctx, flip("case-1", 1, base))
	must(t, err, "ApplyTransition")
	before := take(t, s, "case-1")
	for _, v := range []int64{1, 3} {
		_, err = s.ApplyTransition(ctx, flip("case-1", v, base))
		wantErr(t, err, adapters.ErrConflict, fmt.Sprintf("expected version %d against stored 2", v))
	}
	sameSnapshot(t, take(t, s, "case-1"), before, "a stale transition writes nothing")
}

func testFailedTransitionAtomic(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	p := newCase("case-1", base)
	p.Timers = []adapters.Timer{{Name: "sla", DueAt: base.Add(time.Hour), Trigger: "escalate"}}
	p.Messages = []adapters.Message{message("msg-1", base)}
	_, err := s.CreateCase(ctx, p)
	must(t, err, "CreateCase")
	before := take(t, s, "case-1")

	// The second message reuses a stored idempotency key: the store finds
	// out only after it has begun writing the rest.
	tp := flip("case-1", 1, base.Add(time.Minute))
	dup := message("msg-2", base)
	dup.IdempotencyKey = "key-msg-1"
	tp.Messages = append(tp.Messages, dup)
	tp.SetTimers = []adapters.Timer{{Name: "reminder", DueAt: base, Trigger: "remind"}}
	tp.CancelTimers = []string{"sla"}
	team := "other"
	tp.Update.Team = &team
	_, err = s.ApplyTransition(ctx, tp)
	wantErr(t, err, adapters.ErrDuplicate, "a transition with a used idempotency key")
	sameSnapshot(t, take(t, s, "case-1"), before, "a failed transition leaves state, events, messages and timers unchanged")
	_, err = s.GetMessage(ctx, tp.Messages[0].ID)
	wantErr(t, err, adapters.ErrNotFound, "a failed transition writes none of its messages")
}

func testConcurrentTransitions(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	_, err := s.CreateCase(ctx, newCase("case-1", base))
	must(t, err, "CreateCase")
	const n = 32
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			tp := flip("case-1", 1, base)
			tp.Messages[0] = message(fmt.Sprintf("msg-%d", i), base)
			_, errs[i] = s.ApplyTransition(ctx, tp)
		}()
	}
	close(start)
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case errors.Is(err, adapters.ErrConflict):
		default:
			t.Errorf("goroutine %d: a losing transition returns ErrConflict, got %v", i, err)
		}
	}
	sameInt(t, wins, 1, "exactly one of 32 transitions on one version wins")
	c, err := s.GetCase(ctx, "case-1")
	must(t, err, "GetCase")
	evs, err := s.ListEvents(ctx, "case-1")
	must(t, err, "ListEvents")
	sameInt(t, c.Version, int64(len(evs)), "version equals the number of events")
	msgs, err := s.ListMessages(ctx, "case-1")
	must(t, err, "ListMessages")
	if len(msgs) != 1 {
		t.Fatalf("only the winner's message is written: got %d", len(msgs))
	}
	for i, err := range errs {
		if err == nil {
			want := message(fmt.Sprintf("msg-%d", i), base)
			want.CaseID, want.Status = "case-1", adapters.MessagePending
			checkMessage(t, msgs[0], want, "the message written is the winner's")
			e := flip("case-1", 1, base).Events[0]
			e.CaseID, e.Seq = "case-1", 2
			checkEvent(t, evs[1], e, "the event written is the winner's")
		}
	}
}

func testTransitionRequestKey(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	_, err := s.CreateCase(ctx, newCase("case-1", base))
	must(t, err, "CreateCase")
	tp := flip("case-1", 1, base)
	tp.RequestKey = "req-1"
	first, err := s.ApplyTransition(ctx, tp)
	must(t, err, "ApplyTransition")
	// The case moves on before the retry arrives.
	_, err = s.ApplyTransition(ctx, flip("case-1", 2, base.Add(time.Second)))
	must(t, err, "ApplyTransition")
	before := take(t, s, "case-1")

	again, err := s.ApplyTransition(ctx, tp)
	must(t, err, "a retried transition with its request key succeeds")
	if !again.Replayed {
		t.Error("a retried transition is marked Replayed")
	}
	checkCase(t, again.Case, first.Case, "a retry returns the first result's case")
	if len(again.Events) != len(first.Events) {
		t.Fatalf("a retry returns the first result's events: got %d, want %d", len(again.Events), len(first.Events))
	}
	for i := range first.Events {
		checkEvent(t, again.Events[i], first.Events[i], "a retry returns the first result's events")
	}
	sameSnapshot(t, take(t, s, "case-1"), before, "a retry writes nothing")

	other := flip("case-1", 3, base.Add(2*time.Second))
	other.RequestKey = "req-1"
	_, err = s.ApplyTransition(ctx, other)
	wantErr(t, err, adapters.ErrDuplicate, "a request key reused for another request")
	sameSnapshot(t, take(t, s, "case-1"), before, "a reused request key writes nothing")
}

func testPagination(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	const n = 2500
	want := make([]string, 0, n)
	for i := range n {
		id := fmt.Sprintf("case-%05d", (i*7919)%n) // ids out of creation order
		// Ten cases share each creation time, so the id must break ties.
		_, err := s.CreateCase(ctx, newCase(id, base.Add(time.Duration(i/10)*time.Millisecond)))
		must(t, err, "CreateCase")
		want = append(want, id)
	}
	// want in (CreatedAt, ID) order: groups of ten by time, ids sorted
	// within a group.
	for i := 0; i < n; i += 10 {
		slices.Sort(want[i : i+10])
	}
	var got []string
	seen := map[string]bool{}
	q := adapters.CaseQuery{Limit: 97}
	for pages := 0; ; pages++ {
		if pages > n {
			t.Fatal("pagination never ends")
		}
		page, err := s.ListCases(ctx, q)
		must(t, err, "ListCases")
		if len(page.Cases) > 97 {
			t.Fatalf("a page holds at most Limit cases: got %d", len(page.Cases))
		}
		for _, c := range page.Cases {
			if seen[c.ID] {
				t.Fatalf("case %s listed twice", c.ID)
			}
			seen[c.ID] = true
			got = append(got, c.ID)
		}
		if page.NextCursor == "" {
			break
		}
		q.Cursor = page.NextCursor
	}
	if !slices.Equal(got, want) {
		t.Fatalf("pagination returns every case once in (CreatedAt, ID) order: got %d cases, first differences at %d", len(got), firstDiff(got, want))
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// fixture writes cases with varied fields for the filter clauses.
func fixture(t *testing.T, s adapters.Store) {
	t.Helper()
	ctx := ctxFor(t)
	for i := range 40 {
		p := newCase(fmt.Sprintf("case-%02d", i), base.Add(time.Duration(i)*time.Hour))
		c := &p.Case
		c.Type = []string{"pothole", "graffiti"}[i%2]
		c.State = []string{"submitted", "in-review", "closed", "in-review", "submitted"}[i%5]
		c.Submitter = fmt.Sprintf("resident-%d", i%4)
		c.Team = []string{"roads", "parks", "roads"}[i%3]
		if i%3 != 0 {
			c.Assignee = fmt.Sprintf("staff-%d", i%2)
		}
		if i%4 != 0 {
			c.Due = base.Add(time.Duration(80-i) * time.Hour) // due order is reverse creation order
		}
		p.Events[0].ToState = c.State
		_, err := s.CreateCase(ctx, p)
		must(t, err, "CreateCase")
	}
}

func listAll(t *testing.T, s adapters.Store, q adapters.CaseQuery) []adapters.Case {
	t.Helper()
	ctx := ctxFor(t)
	var out []adapters.Case
	q.Limit = 7
	for {
		page, err := s.ListCases(ctx, q)
		must(t, err, "ListCases")
		out = append(out, page.Cases...)
		if page.NextCursor == "" {
			return out
		}
		q.Cursor = page.NextCursor
	}
}

func testListFilters(t *testing.T, open Opener) {
	s := open(t)
	fixture(t, s)
	tests := []struct {
		name string
		q    adapters.CaseQuery
		keep func(c adapters.Case) bool
	}{
		{"Type", adapters.CaseQuery{Type: "graffiti"}, func(c adapters.Case) bool { return c.Type == "graffiti" }},
		{"State", adapters.CaseQuery{State: "in-review"}, func(c adapters.Case) bool { return c.State == "in-review" }},
		{"Submitter", adapters.CaseQuery{Submitter: "resident-1"}, func(c adapters.Case) bool { return c.Submitter == "resident-1" }},
		{"Team", adapters.CaseQuery{Team: "parks"}, func(c adapters.Case) bool { return c.Team == "parks" }},
		{"Assignee", adapters.CaseQuery{Assignee: "staff-1"}, func(c adapters.Case) bool { return c.Assignee == "staff-1" }},
		{"DueBefore", adapters.CaseQuery{DueBefore: base.Add(60 * time.Hour)}, func(c adapters.Case) bool {
			return !c.Due.IsZero() && c.Due.Before(adapters.StoredTime(base.Add(60*time.Hour)))
		}},
		{"OpenedBetween", adapters.CaseQuery{OpenedFrom: base.Add(5 * time.Hour), OpenedTo: base.Add(17 * time.Hour)}, func(c adapters.Case) bool {
			return !c.CreatedAt.Before(adapters.StoredTime(base.Add(5*time.Hour))) && c.CreatedAt.Before(adapters.StoredTime(base.Add(17*time.Hour)))
		}},
		{"Combined", adapters.CaseQuery{Type: "pothole", State: "submitted", Team: "roads"}, func(c adapters.Case) bool {
			return c.Type == "pothole" && c.State == "submitted" && c.Team == "roads"
		}},
	}
	all := listAll(t, s, adapters.CaseQuery{})
	if len(all) != 40 {
		t.Fatalf("an unfiltered listing returns every case: got %d", len(all))
	}
	for _, tt := range tests {
		var want []string
		for _, c := range all {
			if tt.keep(c) {
				want = append(want, c.ID)
			}
		}
		var got []string
		for _, c := range listAll(t, s, tt.q) {
			got = append(got, c.ID)
		}
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("filter %s keeps exactly the matching cases in order: got %v, want %v", tt.name, got, want)
		}
	}
}

// testListBySubmitterIssuer writes cases of one subject under two issuers
// and under none, beside another subject's, interleaved in creation order
// so that every page of a filtered listing skips cases that do not match.
func testListBySubmitterIssuer(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	const issuerA, issuerB = "https://login.example.gov", "https://id.state.example"
	kinds := []struct{ subject, issuer string }{
		{"resident-1", issuerA}, {"resident-1", issuerB}, {"resident-1", ""}, {"resident-2", issuerA},
	}
	for i := range 24 {
		p := newCase(fmt.Sprintf("case-%02d", i), base.Add(time.Duration(i)*time.Hour))
		k := kinds[i%len(kinds)]
		p.Case.Submitter, p.Case.SubmitterIssuer = k.subject, k.issuer
		p.Case.Due = base.Add(time.Duration(48-i) * time.Hour)
		_, err := s.CreateCase(ctx, p)
		must(t, err, "CreateCase")
	}
	ids := func(kind ...int) []string {
		var out []string
		for i := range 24 {
			if slices.Contains(kind, i%len(kinds)) {
				out = append(out, fmt.Sprintf("case-%02d", i))
			}
		}
		return out
	}
	tests := []struct {
		name string
		q    adapters.CaseQuery
		want []string
	}{
		{"SubjectAndIssuer", adapters.CaseQuery{Submitter: "resident-1", SubmitterIssuer: issuerA}, ids(0)},
		{"SubjectAndOtherIssuer", adapters.CaseQuery{Submitter: "resident-1", SubmitterIssuer: issuerB}, ids(1)},
		{"IssuerAlone", adapters.CaseQuery{SubmitterIssuer: issuerA}, ids(0, 3)},
		{"SubjectAlone", adapters.CaseQuery{Submitter: "resident-1"}, ids(0, 1, 2)},
		{"SubjectNotUnderIssuer", adapters.CaseQuery{Submitter: "resident-2", SubmitterIssuer: issuerB}, nil},
	}
	for _, tt := range tests {
		for _, order := range []adapters.Order{adapters.OrderOpened, adapters.OrderDue} {
			want := slices.Clone(tt.want)
			if order == adapters.OrderDue {
				slices.Reverse(want) // due order is reverse creation order
			}
			q := tt.q
			q.Order, q.Limit = order, 2
			var got []string
			for {
				page, err := s.ListCases(ctx, q)
				must(t, err, "ListCases")
				if len(page.Cases) > 2 {
					t.Fatalf("filter %s by %s: a page holds at most Limit cases: got %d", tt.name, order, len(page.Cases))
				}
				for _, c := range page.Cases {
					got = append(got, c.ID)
				}
				if page.NextCursor == "" {
					break
				}
				if len(got) > 24 {
					t.Fatalf("filter %s by %s: pagination ends", tt.name, order)
				}
				q.Cursor = page.NextCursor
			}
			if !slices.Equal(got, want) {
				t.Errorf("filter %s by %s keeps exactly the matching cases, each once, in order across pages: got %v, want %v", tt.name, order, got, want)
			}
		}
		counts, err := s.CountCasesByState(ctx, tt.q)
		must(t, err, "CountCasesByState")
		sameInt(t, counts["submitted"], int64(len(tt.want)), "CountCasesByState filter "+tt.name+" counts the matching cases")
	}
}

func testListByDue(t *testing.T, open Opener) {
	s := open(t)
	fixture(t, s)
	got := listAll(t, s, adapters.CaseQuery{Order: adapters.OrderDue, State: "in-review"})
	if len(got) == 0 {
		t.Fatal("the due-ordered queue is not empty")
	}
	for i, c := range got {
		if c.Due.IsZero() || c.State != "in-review" {
			t.Fatalf("OrderDue lists only matching cases with a due time: %+v", c)
		}
		if i > 0 && got[i-1].Due.After(c.Due) {
			t.Fatalf("OrderDue sorts by due time: %v after %v", got[i-1].Due, c.Due)
		}
	}
	want := 0
	for _, c := range listAll(t, s, adapters.CaseQuery{State: "in-review"}) {
		if !c.Due.IsZero() {
			want++
		}
	}
	sameInt(t, len(got), want, "OrderDue lists every matching case with a due time")

	ctx := ctxFor(t)
	page, err := s.ListCases(ctx, adapters.CaseQuery{Order: adapters.OrderDue, Limit: 2})
	must(t, err, "ListCases")
	_, err = s.ListCases(ctx, adapters.CaseQuery{Cursor: page.NextCursor})
	wantErr(t, err, adapters.ErrInvalidArgument, "a cursor made for another order")
}

func testPageSize(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	for i := range adapters.DefaultPageSize + 5 {
		_, err := s.CreateCase(ctx, newCase(fmt.Sprintf("case-%03d", i), base))
		must(t, err, "CreateCase")
	}
	page, err := s.ListCases(ctx, adapters.CaseQuery{})
	must(t, err, "ListCases")
	sameInt(t, len(page.Cases), adapters.DefaultPageSize, "Limit 0 means DefaultPageSize")
	if page.NextCursor == "" {
		t.Fatal("a full page that is not the last has a cursor")
	}
	page, err = s.ListCases(ctx, adapters.CaseQuery{Limit: adapters.MaxPageSize})
	must(t, err, "ListCases")
	sameInt(t, len(page.Cases), adapters.DefaultPageSize+5, "the largest page returns all")
	if page.NextCursor != "" {
		t.Error("the last page has no cursor")
	}
	page, err = s.ListCases(ctx, adapters.CaseQuery{Type: "no-such-type"})
	must(t, err, "ListCases")
	if len(page.Cases) != 0 || page.NextCursor != "" {
		t.Errorf("an empty listing has no cases and no cursor: %+v", page)
	}
}

func testCountByState(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	fixture(t, s)
	got, err := s.CountCasesByState(ctx, adapters.CaseQuery{})
	must(t, err, "CountCasesByState")
	want := map[string]int64{"submitted": 16, "in-review": 16, "closed": 8}
	for k, v := range want {
		sameInt(t, got[k], v, "count of state "+k)
	}
	sameInt(t, len(got), len(want), "states with no case are absent")
	got, err = s.CountCasesByState(ctx, adapters.CaseQuery{Type: "pothole", Team: "roads"})
	must(t, err, "CountCasesByState filtered")
	var total int64
	for _, c := range listAll(t, s, adapters.CaseQuery{Type: "pothole", Team: "roads"}) {
		if got[c.State] == 0 {
			t.Errorf("filtered count misses state %s", c.State)
		}
		total++
	}
	var sum int64
	for _, v := range got {
		sum += v
	}
	sameInt(t, sum, total, "filtered counts add up to the filtered listing")
}

func testSubmissions(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	for i, id := range []string{"case-1", "case-2"} {
		p := newCase(id, base)
		p.Submission = adapters.Submission{ID: fmt.Sprintf("sub-%d", i), FormID: "pothole", FormVersion: 2, Data: json.RawMessage(`{"x":1}`), SubmittedAt: base}
		_, err := s.CreateCase(ctx, p)
		must(t, err, "CreateCase")
	}
	subs, err := s.ListSubmissions(ctx, "case-2")
	must(t, err, "ListSubmissions")
	if len(subs) != 1 || subs[0].ID != "sub-1" {
		t.Fatalf("ListSubmissions returns the case's submissions only: %+v", subs)
	}
}

func testCopies(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	p := newCase("case-1", base)
	p.Case.Data = json.RawMessage(`{"a":1}`)
	_, err := s.CreateCase(ctx, p)
	must(t, err, "CreateCase")
	p.Case.Data[5] = '9' // the caller reuses its buffer
	c, err := s.GetCase(ctx, "case-1")
	must(t, err, "GetCase")
	c.Data[5] = '7'
	again, err := s.GetCase(ctx, "case-1")
	must(t, err, "GetCase")
	sameJSON(t, again.Data, json.RawMessage(`{"a":1}`), "the store keeps its own copy of JSON")
}
