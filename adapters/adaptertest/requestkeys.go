package adaptertest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
)

var requestKeyClauses = []clause{
	{"TransitionRequestKeyReusedWithAnyFieldChangedReturnsErrDuplicate", testTransitionKeyCoversEveryField},
	{"CreateRequestKeyReusedWithAnyFieldChangedReturnsErrDuplicate", testCreateKeyCoversEveryField},
	{"RequestResultAnswersAndExpiredKeysArePurged", testRequestKeysExpire},
}

// keyedTransition is a transition that sets every field a request can
// carry.
func keyedTransition(at time.Time) adapters.TransitionParams {
	team, who, closed, due := "roads", "staff-1", false, at.Add(time.Hour)
	return adapters.TransitionParams{
		CaseID: "case-1", ExpectedVersion: 1, State: "in-review", At: at,
		Update: adapters.CaseUpdate{Team: &team, Assignee: &who, Due: &due, Data: json.RawMessage(`{"a":1}`), Closed: &closed},
		Events: []adapters.Event{{
			Kind: "transition", FromState: "submitted", ToState: "in-review", Trigger: "approve",
			Actor: "staff-1", At: at, Comment: "ok", Payload: json.RawMessage(`{"conditions":["a"]}`),
		}},
		Messages:     []adapters.Message{message("msg-1", at)},
		SetTimers:    []adapters.Timer{{Name: "sla", DueAt: at.Add(time.Hour), Trigger: "escalate"}},
		CancelTimers: []string{"old"},
		RequestKey:   "req-1",
	}
}

func testTransitionKeyCoversEveryField(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	_, err := s.CreateCase(ctx, newCase("case-1", base))
	must(t, err, "CreateCase")
	first, err := s.ApplyTransition(ctx, keyedTransition(base))
	must(t, err, "ApplyTransition")
	before := take(t, s, "case-1")

	other, later := "staff-2", base.Add(2*time.Hour)
	mutations := []struct {
		name   string
		mutate func(p *adapters.TransitionParams)
	}{
		{"State", func(p *adapters.TransitionParams) { p.State = "rejected"; p.Events[0].ToState = "rejected" }},
		{"ExpectedVersion", func(p *adapters.TransitionParams) { p.ExpectedVersion = 2 }},
		{"UpdateAssignee", func(p *adapters.TransitionParams) { p.Update.Assignee = &other }},
		{"UpdateTeam", func(p *adapters.TransitionParams) { p.Update.Team = nil }},
		{"UpdateDue", func(p *adapters.TransitionParams) { p.Update.Due = &later }},
		{"UpdateData", func(p *adapters.TransitionParams) { p.Update.Data = json.RawMessage(`{"a":2}`) }},
		{"UpdateClosed", func(p *adapters.TransitionParams) { p.Update.Closed = nil }},
		{"EventTrigger", func(p *adapters.TransitionParams) { p.Events[0].Trigger = "reject" }},
		{"EventActor", func(p *adapters.TransitionParams) { p.Events[0].Actor = "staff-2" }},
		{"EventComment", func(p *adapters.TransitionParams) { p.Events[0].Comment = "with conditions" }},
		{"EventPayload", func(p *adapters.TransitionParams) {
			p.Events[0].Payload = json.RawMessage(`{"conditions":["a","b"]}`)
		}},
		{"MoreEvents", func(p *adapters.TransitionParams) {
			p.Events = append(p.Events, adapters.Event{Kind: "note", ToState: "in-review", Actor: "staff-1", At: base})
		}},
		{"MessageRecipient", func(p *adapters.TransitionParams) { p.Messages[0].Recipient = "someone@example.org" }},
		{"MessageData", func(p *adapters.TransitionParams) { p.Messages[0].Data = json.RawMessage(`{"n":2}`) }},
		{"NoMessages", func(p *adapters.TransitionParams) { p.Messages = nil }},
		{"TimerDue", func(p *adapters.TransitionParams) { p.SetTimers[0].DueAt = later }},
		{"TimerTrigger", func(p *adapters.TransitionParams) { p.SetTimers[0].Trigger = "close" }},
		{"NoTimers", func(p *adapters.TransitionParams) { p.SetTimers = nil }},
		{"CancelTimers", func(p *adapters.TransitionParams) { p.CancelTimers = []string{"sla"} }},
	}
	for _, m := range mutations {
		p := keyedTransition(base)
		m.mutate(&p)
		_, err := s.ApplyTransition(ctx, p)
		wantErr(t, err, adapters.ErrDuplicate, "a request key reused with "+m.name+" changed is another request")
		sameSnapshot(t, take(t, s, "case-1"), before, "a request key reused with "+m.name+" changed writes nothing")
	}

	// The same request stamped later by a retrying caller is the retry.
	retry, stamp := keyedTransition(base), base.Add(time.Minute)
	retry.At, retry.Events[0].At, retry.Messages[0].CreatedAt = stamp, stamp, stamp
	again, err := s.ApplyTransition(ctx, retry)
	must(t, err, "the same request retried later")
	if !again.Replayed {
		t.Error("the same request retried later is replayed")
	}
	checkCase(t, again.Case, first.Case, "a replay returns the first result")
}

func keyedCreate(at time.Time) adapters.CreateCaseParams {
	p := newCase("case-1", at)
	p.Case.Submitter, p.Case.Team, p.Case.Data = "resident-1", "roads", json.RawMessage(`{"a":1}`)
	p.Submission = adapters.Submission{ID: "sub-1", FormID: "pothole", FormVersion: 1, Data: json.RawMessage(`{"a":1}`), SubmittedAt: at}
	p.Messages = []adapters.Message{message("msg-1", at)}
	p.Timers = []adapters.Timer{{Name: "sla", DueAt: at.Add(time.Hour), Trigger: "escalate"}}
	p.RequestKey = "req-1"
	return p
}

func testCreateKeyCoversEveryField(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	first, err := s.CreateCase(ctx, keyedCreate(base))
	must(t, err, "CreateCase")
	before := take(t, s, "case-1")
	mutations := []struct {
		name   string
		mutate func(p *adapters.CreateCaseParams)
	}{
		{"CaseID", func(p *adapters.CreateCaseParams) { p.Case.ID = "case-2" }},
		{"Submitter", func(p *adapters.CreateCaseParams) { p.Case.Submitter = "resident-2" }},
		{"Team", func(p *adapters.CreateCaseParams) { p.Case.Team = "parks" }},
		{"Data", func(p *adapters.CreateCaseParams) { p.Case.Data = json.RawMessage(`{"a":2}`) }},
		{"SubmissionData", func(p *adapters.CreateCaseParams) { p.Submission.Data = json.RawMessage(`{"a":2}`) }},
		{"EventActor", func(p *adapters.CreateCaseParams) { p.Events[0].Actor = "clerk-1" }},
		{"EventComment", func(p *adapters.CreateCaseParams) { p.Events[0].Comment = "on behalf" }},
		{"MessageRecipient", func(p *adapters.CreateCaseParams) { p.Messages[0].Recipient = "x@example.org" }},
		{"TimerDue", func(p *adapters.CreateCaseParams) { p.Timers[0].DueAt = base.Add(2 * time.Hour) }},
	}
	for _, m := range mutations {
		p := keyedCreate(base)
		m.mutate(&p)
		_, err := s.CreateCase(ctx, p)
		wantErr(t, err, adapters.ErrDuplicate, "a create request key reused with "+m.name+" changed is another request")
		sameSnapshot(t, take(t, s, "case-1"), before, "a create request key reused with "+m.name+" changed writes nothing")
	}
	if _, err := s.GetCase(ctx, "case-2"); !errors.Is(err, adapters.ErrNotFound) {
		t.Errorf("a reused create request key writes no case: got %v", err)
	}
	retry, stamp := keyedCreate(base), base.Add(time.Minute)
	retry.Case.CreatedAt, retry.Events[0].At, retry.Submission.SubmittedAt, retry.Messages[0].CreatedAt = stamp, stamp, stamp, stamp
	again, err := s.CreateCase(ctx, retry)
	must(t, err, "the same create request retried later")
	checkCase(t, again, first, "a retried create returns the stored case")
}

func testRequestKeysExpire(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	rk, ok := s.(adapters.RequestKeys)
	if !ok {
		t.Skip("the store does not implement adapters.RequestKeys")
	}
	created := newCase("case-1", base)
	created.RequestKey = "create-1"
	_, err := s.CreateCase(ctx, created)
	must(t, err, "CreateCase")
	old := flip("case-1", 1, base.Add(time.Minute))
	old.RequestKey = "old"
	first, err := s.ApplyTransition(ctx, old)
	must(t, err, "ApplyTransition")
	recent := flip("case-1", 2, base.Add(25*time.Hour))
	recent.RequestKey = "recent"
	_, err = s.ApplyTransition(ctx, recent)
	must(t, err, "ApplyTransition")

	got, err := rk.RequestResult(ctx, "old")
	must(t, err, "RequestResult")
	if !got.Replayed || len(got.Events) != 1 {
		t.Fatalf("RequestResult returns the first result, replayed: got %+v", got)
	}
	checkCase(t, got.Case, first.Case, "RequestResult returns the transition's first result")
	checkEvent(t, got.Events[0], first.Events[0], "RequestResult returns the transition's events")
	got, err = rk.RequestResult(ctx, "create-1")
	must(t, err, "RequestResult of a create key")
	sameString(t, got.Case.ID, "case-1", "RequestResult of a create key returns the case")
	_, err = rk.RequestResult(ctx, "never-used")
	wantErr(t, err, adapters.ErrNotFound, "RequestResult of an unknown key")

	_, err = rk.DeleteExpiredRequestKeys(ctx, time.Time{})
	wantErr(t, err, adapters.ErrInvalidArgument, "a zero purge time is a caller's bug")
	n, err := rk.DeleteExpiredRequestKeys(ctx, base.Add(24*time.Hour))
	must(t, err, "DeleteExpiredRequestKeys")
	sameInt(t, n, 2, "keys used before the time are purged, later ones kept")
	for _, key := range []string{"old", "create-1"} {
		_, err = rk.RequestResult(ctx, key)
		wantErr(t, err, adapters.ErrNotFound, "a purged key is forgotten")
	}
	_, err = rk.RequestResult(ctx, "recent")
	must(t, err, "a key used after the purge time is kept")

	// A purged key is free again.
	reuse := flip("case-1", 3, base.Add(26*time.Hour))
	reuse.RequestKey = "old"
	_, err = s.ApplyTransition(ctx, reuse)
	must(t, err, "a purged request key can be used again")
}
