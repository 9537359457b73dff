package adaptertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
)

var timerClauses = []clause{
	{"ClaimTimersTakesDueUnleasedTimersOnce", testClaimTimers},
	{"CompleteTimerChecksOwnerAndExistence", testCompleteTimer},
}

var draftClauses = []clause{
	{"DraftsRoundTripAndReplaceByToken", testDrafts},
	{"ExpiredDraftsAreNotFoundAndDeleted", testExpiredDrafts},
}

var lifecycleClauses = []clause{
	{"ClosedStoreReturnsErrClosed", testClosed},
	{"CanceledContextReturnsContextError", testCanceled},
}

func timerCase(t *testing.T, s adapters.Store, id string, timers ...adapters.Timer) {
	t.Helper()
	p := newCase(id, base)
	p.Timers = timers
	_, err := s.CreateCase(ctxFor(t), p)
	must(t, err, "CreateCase")
}

func testClaimTimers(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	for i := range 50 {
		timerCase(t, s, fmt.Sprintf("case-%02d", i),
			adapters.Timer{Name: "sla", DueAt: base.Add(time.Duration(50-i) * time.Second), Trigger: "escalate"},
			adapters.Timer{Name: "later", DueAt: base.Add(time.Hour), Trigger: "close"})
	}
	now := base.Add(time.Minute)
	var mu sync.Mutex
	claimed := map[string]int{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := s.ClaimTimers(ctx, adapters.ClaimParams{Owner: fmt.Sprintf("w%d", w), Limit: 3, Now: now, Lease: time.Minute})
				if err != nil {
					t.Errorf("ClaimTimers: %v", err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, tm := range got {
					claimed[tm.CaseID+"/"+tm.Name]++
					if tm.Name != "sla" || tm.LeaseOwner != fmt.Sprintf("w%d", w) {
						t.Errorf("claims take due timers only and set the lease owner: %+v", tm)
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(claimed) != 50 {
		t.Fatalf("every due timer is claimed: got %d of 50", len(claimed))
	}
	for k, n := range claimed {
		if n != 1 {
			t.Fatalf("timer %s claimed %d times while leased", k, n)
		}
	}
	got, err := s.ClaimTimers(ctx, adapters.ClaimParams{Owner: "w9", Limit: 1, Now: now.Add(2 * time.Minute), Lease: time.Minute})
	must(t, err, "ClaimTimers")
	if len(got) != 1 || got[0].CaseID != "case-49" {
		t.Fatalf("after the lease expires, the earliest due timer comes first: %+v", got)
	}
	// A transition that sets the timer again clears its lease.
	tp := flip("case-49", 1, now)
	tp.SetTimers = []adapters.Timer{{Name: "sla", DueAt: base, Trigger: "escalate-again"}}
	_, err = s.ApplyTransition(ctx, tp)
	must(t, err, "ApplyTransition")
	got, err = s.ClaimTimers(ctx, adapters.ClaimParams{Owner: "w8", Limit: 1, Now: now.Add(2 * time.Minute), Lease: time.Minute})
	must(t, err, "ClaimTimers")
	if len(got) != 1 || got[0].CaseID != "case-49" || got[0].Trigger != "escalate-again" {
		t.Fatalf("a timer set again by a transition is due afresh: %+v", got)
	}
}

func testCompleteTimer(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	timerCase(t, s, "case-1", adapters.Timer{Name: "sla", DueAt: base, Trigger: "escalate"}, adapters.Timer{Name: "reminder", DueAt: base, Trigger: "remind"})
	_, err := s.ClaimTimers(ctx, adapters.ClaimParams{Owner: "w1", Limit: 10, Now: base, Lease: time.Minute})
	must(t, err, "ClaimTimers")
	wantErr(t, s.CompleteTimer(ctx, "case-1", "sla", "w2"), adapters.ErrConflict, "completing a timer leased by another owner")
	must(t, s.CompleteTimer(ctx, "case-1", "sla", "w1"), "CompleteTimer")
	wantErr(t, s.CompleteTimer(ctx, "case-1", "sla", "w1"), adapters.ErrNotFound, "completing a timer twice")
	timers, err := s.ListTimers(ctx, "case-1")
	must(t, err, "ListTimers")
	if len(timers) != 1 || timers[0].Name != "reminder" {
		t.Fatalf("CompleteTimer deletes only its timer: %+v", timers)
	}
	tp := flip("case-1", 1, base)
	tp.CancelTimers = []string{"reminder"}
	_, err = s.ApplyTransition(ctx, tp)
	must(t, err, "ApplyTransition")
	wantErr(t, s.CompleteTimer(ctx, "case-1", "reminder", "w1"), adapters.ErrNotFound, "completing a timer a transition cancelled")
}

func draft(token, subject string, updated time.Time) adapters.Draft {
	return adapters.Draft{
		TokenHash: token, FormID: "pothole", FormVersion: 2, Subject: subject, SubjectIssuer: issuerOf(subject), Step: "location",
		Data: json.RawMessage(`{"street":"Elm"}`), CreatedAt: updated, UpdatedAt: updated, ExpiresAt: updated.Add(24 * time.Hour),
	}
}

// issuerOf is the issuer test records give a subject: none for anonymous.
func issuerOf(subject string) string {
	if subject == "" {
		return ""
	}
	return "https://login.example.gov"
}

func checkDraft(t *testing.T, got, want adapters.Draft, rule string) {
	t.Helper()
	sameString(t, got.TokenHash, want.TokenHash, rule+": TokenHash")
	sameString(t, got.FormID, want.FormID, rule+": FormID")
	sameInt(t, got.FormVersion, want.FormVersion, rule+": FormVersion")
	sameString(t, got.Subject, want.Subject, rule+": Subject")
	sameString(t, got.SubjectIssuer, want.SubjectIssuer, rule+": SubjectIssuer")
	sameString(t, got.Step, want.Step, rule+": Step")
	sameJSON(t, got.Data, want.Data, rule+": Data")
	sameTime(t, got.CreatedAt, want.CreatedAt, rule+": CreatedAt")
	sameTime(t, got.UpdatedAt, want.UpdatedAt, rule+": UpdatedAt")
	sameTime(t, got.ExpiresAt, want.ExpiresAt, rule+": ExpiresAt")
}

func testDrafts(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	d := draft("h1", "resident-1", base)
	must(t, s.SaveDraft(ctx, d), "SaveDraft")
	got, err := s.GetDraft(ctx, "h1", base)
	must(t, err, "GetDraft")
	checkDraft(t, got, d, "a draft round-trips")

	d2 := d
	d2.Step, d2.Data, d2.UpdatedAt, d2.CreatedAt = "contact", json.RawMessage(`{"street":"Oak"}`), base.Add(time.Hour), base.Add(time.Hour)
	must(t, s.SaveDraft(ctx, d2), "SaveDraft again")
	got, err = s.GetDraft(ctx, "h1", base.Add(time.Hour))
	must(t, err, "GetDraft")
	want := d2
	want.CreatedAt = base
	checkDraft(t, got, want, "saving again replaces values and step but keeps CreatedAt")

	must(t, s.SaveDraft(ctx, draft("h2", "resident-1", base.Add(2*time.Hour))), "SaveDraft")
	must(t, s.SaveDraft(ctx, draft("h3", "resident-2", base)), "SaveDraft")
	must(t, s.SaveDraft(ctx, draft("h4", "", base)), "SaveDraft anonymous")
	list, err := s.ListDrafts(ctx, "resident-1", base.Add(2*time.Hour))
	must(t, err, "ListDrafts")
	if len(list) != 2 || list[0].TokenHash != "h2" || list[1].TokenHash != "h1" {
		t.Fatalf("ListDrafts returns the subject's drafts, most recently updated first: %+v", list)
	}
	must(t, s.DeleteDraft(ctx, "h1"), "DeleteDraft")
	_, err = s.GetDraft(ctx, "h1", base)
	wantErr(t, err, adapters.ErrNotFound, "a deleted draft")
	wantErr(t, s.DeleteDraft(ctx, "h1"), adapters.ErrNotFound, "deleting a missing draft")
}

func testExpiredDrafts(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	must(t, s.SaveDraft(ctx, draft("old", "resident-1", base)), "SaveDraft")
	must(t, s.SaveDraft(ctx, draft("new", "resident-1", base.Add(48*time.Hour))), "SaveDraft")
	now := base.Add(30 * time.Hour)
	_, err := s.GetDraft(ctx, "old", now)
	wantErr(t, err, adapters.ErrNotFound, "an expired draft cannot be resumed")
	list, err := s.ListDrafts(ctx, "resident-1", now)
	must(t, err, "ListDrafts")
	if len(list) != 1 || list[0].TokenHash != "new" {
		t.Fatalf("ListDrafts leaves out expired drafts: %+v", list)
	}
	n, err := s.DeleteExpiredDrafts(ctx, now)
	must(t, err, "DeleteExpiredDrafts")
	sameInt(t, n, 1, "DeleteExpiredDrafts counts what it removed")
	_, err = s.GetDraft(ctx, "new", now)
	must(t, err, "an unexpired draft survives the sweep")
}

// calls is one call of every Store method with valid arguments.
func calls(s adapters.Store) map[string]func(ctx context.Context) error {
	claimP := adapters.ClaimParams{Owner: "w", Limit: 1, Now: base, Lease: time.Minute}
	return map[string]func(ctx context.Context) error{
		"CreateCase": func(ctx context.Context) error {
			_, err := s.CreateCase(ctx, newCase("case-new", base))
			return err
		},
		"ApplyTransition": func(ctx context.Context) error {
			_, err := s.ApplyTransition(ctx, flip("case-1", 1, base))
			return err
		},
		"GetCase":           func(ctx context.Context) error { _, err := s.GetCase(ctx, "case-1"); return err },
		"ListCases":         func(ctx context.Context) error { _, err := s.ListCases(ctx, adapters.CaseQuery{}); return err },
		"CountCasesByState": func(ctx context.Context) error { _, err := s.CountCasesByState(ctx, adapters.CaseQuery{}); return err },
		"ListEvents":        func(ctx context.Context) error { _, err := s.ListEvents(ctx, "case-1"); return err },
		"GetSubmission":     func(ctx context.Context) error { _, err := s.GetSubmission(ctx, "sub-1"); return err },
		"ListSubmissions":   func(ctx context.Context) error { _, err := s.ListSubmissions(ctx, "case-1"); return err },
		"EnqueueMessages": func(ctx context.Context) error {
			return s.EnqueueMessages(ctx, []adapters.Message{message("m-new", base)})
		},
		"ClaimMessages": func(ctx context.Context) error { _, err := s.ClaimMessages(ctx, claimP); return err },
		"MarkMessage": func(ctx context.Context) error {
			return s.MarkMessage(ctx, adapters.MarkParams{ID: "m", Owner: "w", Status: adapters.MessageSent, At: base})
		},
		"GetMessage":          func(ctx context.Context) error { _, err := s.GetMessage(ctx, "m"); return err },
		"ListMessages":        func(ctx context.Context) error { _, err := s.ListMessages(ctx, "case-1"); return err },
		"ClaimTimers":         func(ctx context.Context) error { _, err := s.ClaimTimers(ctx, claimP); return err },
		"CompleteTimer":       func(ctx context.Context) error { return s.CompleteTimer(ctx, "case-1", "sla", "w") },
		"ListTimers":          func(ctx context.Context) error { _, err := s.ListTimers(ctx, "case-1"); return err },
		"SaveDraft":           func(ctx context.Context) error { return s.SaveDraft(ctx, draft("h", "r", base)) },
		"GetDraft":            func(ctx context.Context) error { _, err := s.GetDraft(ctx, "h", base); return err },
		"ListDrafts":          func(ctx context.Context) error { _, err := s.ListDrafts(ctx, "r", base); return err },
		"DeleteDraft":         func(ctx context.Context) error { return s.DeleteDraft(ctx, "h") },
		"DeleteExpiredDrafts": func(ctx context.Context) error { _, err := s.DeleteExpiredDrafts(ctx, base); return err },
		"PutAttachment":       func(ctx context.Context) error { return s.PutAttachment(ctx, attachment("att-new", base)) },
		"GetAttachment":       func(ctx context.Context) error { _, err := s.GetAttachment(ctx, "att-1"); return err },
		"ListAttachments":     func(ctx context.Context) error { _, err := s.ListAttachments(ctx, "case-1"); return err },
		"UpdateAttachment": func(ctx context.Context) error {
			return s.UpdateAttachment(ctx, adapters.AttachmentUpdate{ID: "att-1", Status: adapters.AttachmentClean, At: base})
		},
		"ListAttachmentsByStatus": func(ctx context.Context) error {
			_, err := s.ListAttachmentsByStatus(ctx, adapters.AttachmentQuarantined, 10)
			return err
		},
		"ListOrphanAttachments": func(ctx context.Context) error { _, err := s.ListOrphanAttachments(ctx, base, 10); return err },
		"DeleteAttachment":      func(ctx context.Context) error { return s.DeleteAttachment(ctx, "att-1") },
	}
}

func testClosed(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	_, err := s.CreateCase(ctx, newCase("case-1", base))
	must(t, err, "CreateCase")
	must(t, s.Close(), "Close")
	for name, call := range calls(s) {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s on a closed store panics: %v", name, r)
				}
			}()
			if err := call(ctx); !errors.Is(err, adapters.ErrClosed) {
				t.Errorf("%s on a closed store returns ErrClosed, got %v", name, err)
			}
		}()
	}
}

func testCanceled(t *testing.T, open Opener) {
	s := open(t)
	_, err := s.CreateCase(ctxFor(t), newCase("case-1", base))
	must(t, err, "CreateCase")
	must(t, s.PutAttachment(ctxFor(t), attachment("att-1", base)), "PutAttachment")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, call := range calls(s) {
		if err := call(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a canceled context returns context.Canceled, got %v", name, err)
		}
	}
	c, err := s.GetCase(ctxFor(t), "case-1")
	must(t, err, "GetCase")
	sameInt(t, c.Version, 1, "a canceled transition writes nothing")
	a, err := s.GetAttachment(ctxFor(t), "att-1")
	must(t, err, "a canceled DeleteAttachment deletes nothing")
	checkAttachment(t, a, attachment("att-1", base), "a canceled UpdateAttachment writes nothing")
	_, err = s.GetAttachment(ctxFor(t), "att-new")
	wantErr(t, err, adapters.ErrNotFound, "a canceled PutAttachment writes nothing")
}

func testCaseStats(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	st, ok := s.(adapters.CaseStats)
	if !ok {
		t.Fatal("Features.CaseStats is set but the store does not implement adapters.CaseStats")
	}
	// Ten pothole cases: case i is opened at base+i h, due 5 h after it,
	// and the even ones close after (i+1) h.
	for i := range 10 {
		opened := base.Add(time.Duration(i) * time.Hour)
		p := newCase(fmt.Sprintf("case-%d", i), opened)
		p.Case.Due = opened.Add(5 * time.Hour)
		p.Case.Channel = []string{"web", "web", "phone", "sms", "counter"}[i%5]
		_, err := s.CreateCase(ctx, p)
		must(t, err, "CreateCase")
		if i%2 == 0 {
			closed := true
			_, err = s.ApplyTransition(ctx, adapters.TransitionParams{
				CaseID: p.Case.ID, ExpectedVersion: 1, State: "closed", At: opened.Add(time.Duration(i+1) * time.Hour),
				Update: adapters.CaseUpdate{Closed: &closed},
				Events: []adapters.Event{{Kind: "transition", FromState: "submitted", ToState: "closed", Trigger: "close", Actor: "staff", At: opened}},
			})
			must(t, err, "ApplyTransition")
		}
	}
	other := newCase("graffiti-1", base)
	other.Case.Type = "graffiti"
	_, err := s.CreateCase(ctx, other)
	must(t, err, "CreateCase")

	got, err := st.CaseStats(ctx, adapters.StatsQuery{Type: "pothole", Now: base.Add(12 * time.Hour)})
	must(t, err, "CaseStats")
	sameInt(t, got.Total, 10, "Total")
	sameInt(t, got.Closed, 5, "Closed")
	sameInt(t, got.OpenByState["submitted"], 5, "open cases per state")
	sameInt(t, got.ByChannel["web"], 4, "cases per channel web")
	sameInt(t, got.ByChannel["counter"], 2, "cases per channel counter")
	// Closed after 1, 3, 5, 7, 9 h: nearest-rank median 5 h, p90 9 h.
	sameInt(t, got.MedianTimeToClose, 5*time.Hour, "MedianTimeToClose (nearest rank)")
	sameInt(t, got.P90TimeToClose, 9*time.Hour, "P90TimeToClose (nearest rank)")
	// Closed late: cases 6 and 8 (7 h, 9 h > 5 h). Open past due at 12 h:
	// cases 1, 3, 5 (due at 6, 8, 10 h); 7 and 9 are due at 12 and 14 h.
	sameInt(t, got.Breached, 5, "Breached counts late closes and open cases past due")

	got, err = st.CaseStats(ctx, adapters.StatsQuery{Type: "pothole", OpenedFrom: base.Add(4 * time.Hour), OpenedTo: base.Add(8 * time.Hour)})
	must(t, err, "CaseStats window")
	sameInt(t, got.Total, 4, "CaseStats honours the opened window")
	sameInt(t, got.Closed, 2, "closed within the window")
}
