// Package adaptertest is the conformance suite for civickit's storage
// contracts. Every store in this module runs it from its own tests, and so
// should a vendor's own:
//
//	func TestConformance(t *testing.T) {
//		adaptertest.RunStoreTests(t, func(t *testing.T) adapters.Store {
//			s := mystore.New(...)
//			t.Cleanup(func() { s.Close() })
//			return s
//		}, adaptertest.Features{CaseStats: true})
//	}
//
// Session stores run RunSessionStoreTests the same way, with a factory
// returning an adapters.SessionStore.
//
// Channels (email, SMS, webhooks, letters) run RunChannelTests with a
// factory returning an adapters.Channel and ChannelFeatures saying how the
// suite can count deliveries and make the channel fail.
//
// Subtests are named after the contract clause they check
// (StaleVersionReturnsErrConflict, ...) and every failure says which rule
// broke. The factory receives the subtest's t, so each subtest gets a fresh,
// isolated store it cleans up with t.Cleanup. Subtests run in parallel.
//
// The package leans on the standard library only, so importing it adds no
// test dependency to a vendor's module.
package adaptertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
)

// Features declares the optional capabilities a store offers. Clauses for
// a capability the store does not declare are skipped with the reason.
type Features struct {
	// CaseStats is set when the store implements adapters.CaseStats.
	CaseStats bool
	// MakeUnavailable, when set, makes s's back end refuse writes for a
	// while, the way it does in production (another process holding the
	// write lock, a read-only server), until restore is called. The
	// suite then checks that writes return adapters.ErrUnavailable and
	// write nothing. Keep the refusal quick: a store that waits for a
	// lock should give up within a second.
	MakeUnavailable func(t *testing.T, s adapters.Store) (restore func())
}

// Opener returns a fresh, empty store for one subtest; it registers the
// store's cleanup on t.
type Opener func(t *testing.T) adapters.Store

// RunStoreTests runs every clause of the adapters.Store contract against
// stores made by open.
func RunStoreTests(t *testing.T, open Opener, f Features) {
	t.Helper()
	groups := []struct {
		name  string
		tests []clause
	}{
		{"Cases", caseClauses},
		{"RequestKeys", requestKeyClauses},
		{"Outbox", outboxClauses},
		{"Delivery", deliveryClauses},
		{"Timers", timerClauses},
		{"Drafts", draftClauses},
		{"Attachments", attachmentClauses},
		{"People", peopleClauses},
		{"Subscriptions", subscriptionClauses},
		{"Comments", commentClauses},
		{"Surveys", surveyClauses},
		{"Ideas", ideaClauses},
		{"Meetings", meetingClauses},
		{"Conversations", conversationClauses},
		{"HeldReplies", heldReplyClauses},
		{"Lifecycle", lifecycleClauses},
		{"Races", raceClauses},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			for _, c := range g.tests {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					c.run(t, open)
				})
			}
		})
	}
	t.Run("Unavailable/WritesRefusedByTheBackEndReturnErrUnavailableAndWriteNothing", func(t *testing.T) {
		t.Parallel()
		if f.MakeUnavailable == nil {
			t.Skip("the store declares no Features.MakeUnavailable: its back end cannot be made to refuse writes from a test")
		}
		testUnavailable(t, open, f.MakeUnavailable)
	})
	t.Run("Stats", func(t *testing.T) {
		t.Parallel()
		if !f.CaseStats {
			t.Skip("the store does not declare Features.CaseStats")
		}
		testCaseStats(t, open)
	})
}

type clause struct {
	name string
	run  func(t *testing.T, open Opener)
}

// base is a time with nanoseconds, away from UTC, so that every round trip
// shows whether the store keeps UTC microseconds.
var base = time.Date(2026, 3, 14, 9, 26, 53, 589793238, time.FixedZone("UTC-5", -5*3600))

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func must(t *testing.T, err error, rule string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", rule, err)
	}
}

func wantErr(t *testing.T, err, target error, rule string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: want an error wrapping %v, got %v", rule, target, err)
	}
}

// normJSON is JSON after a decode and encode: key order and spacing gone.
func normJSON(t *testing.T, b []byte) string {
	t.Helper()
	if len(b) == 0 {
		return ""
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("stored JSON no longer parses: %v: %s", err, b)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

func sameJSON(t *testing.T, got, want []byte, what string) {
	t.Helper()
	if g, w := normJSON(t, got), normJSON(t, want); g != w {
		t.Errorf("%s: JSON must round-trip: got %s, want %s", what, g, w)
	}
}

func sameTime(t *testing.T, got, want time.Time, what string) {
	t.Helper()
	want = adapters.StoredTime(want)
	if !got.Equal(want) || (!got.IsZero() && got.Location() != time.UTC) {
		t.Errorf("%s: times are kept in UTC to the microsecond: got %v, want %v", what, got, want)
	}
}

func sameString(t *testing.T, got, want, what string) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %q, want %q", what, got, want)
	}
}

func sameInt[N ~int | ~int64](t *testing.T, got, want N, what string) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %d, want %d", what, got, want)
	}
}

func checkCase(t *testing.T, got, want adapters.Case, rule string) {
	t.Helper()
	sameString(t, got.ID, want.ID, rule+": ID")
	sameString(t, got.Type, want.Type, rule+": Type")
	sameInt(t, got.DefinitionVersion, want.DefinitionVersion, rule+": DefinitionVersion")
	sameString(t, got.State, want.State, rule+": State")
	sameInt(t, got.Version, want.Version, rule+": Version")
	sameString(t, got.Submitter, want.Submitter, rule+": Submitter")
	sameString(t, got.SubmitterIssuer, want.SubmitterIssuer, rule+": SubmitterIssuer")
	sameString(t, got.Team, want.Team, rule+": Team")
	sameString(t, got.Assignee, want.Assignee, rule+": Assignee")
	sameString(t, got.Channel, want.Channel, rule+": Channel")
	sameTime(t, got.Due, want.Due, rule+": Due")
	sameJSON(t, got.Data, want.Data, rule+": Data")
	sameTime(t, got.CreatedAt, want.CreatedAt, rule+": CreatedAt")
	sameTime(t, got.UpdatedAt, want.UpdatedAt, rule+": UpdatedAt")
	sameTime(t, got.ClosedAt, want.ClosedAt, rule+": ClosedAt")
}

func checkEvent(t *testing.T, got, want adapters.Event, rule string) {
	t.Helper()
	sameString(t, got.CaseID, want.CaseID, rule+": CaseID")
	sameInt(t, got.Seq, want.Seq, rule+": Seq")
	sameString(t, got.Kind, want.Kind, rule+": Kind")
	sameString(t, got.FromState, want.FromState, rule+": FromState")
	sameString(t, got.ToState, want.ToState, rule+": ToState")
	sameString(t, got.Trigger, want.Trigger, rule+": Trigger")
	sameString(t, got.Actor, want.Actor, rule+": Actor")
	sameTime(t, got.At, want.At, rule+": At")
	sameString(t, got.Comment, want.Comment, rule+": Comment")
	sameJSON(t, got.Payload, want.Payload, rule+": Payload")
}

func checkMessage(t *testing.T, got, want adapters.Message, rule string) {
	t.Helper()
	sameString(t, got.ID, want.ID, rule+": ID")
	sameString(t, got.CaseID, want.CaseID, rule+": CaseID")
	sameString(t, got.Channel, want.Channel, rule+": Channel")
	sameString(t, got.Recipient, want.Recipient, rule+": Recipient")
	sameString(t, got.Template, want.Template, rule+": Template")
	sameString(t, got.Locale, want.Locale, rule+": Locale")
	sameJSON(t, got.Data, want.Data, rule+": Data")
	sameString(t, got.IdempotencyKey, want.IdempotencyKey, rule+": IdempotencyKey")
	sameString(t, string(got.Status), string(want.Status), rule+": Status")
	sameInt(t, got.Attempts, want.Attempts, rule+": Attempts")
	sameTime(t, got.NextAttemptAt, want.NextAttemptAt, rule+": NextAttemptAt")
	sameString(t, got.LastError, want.LastError, rule+": LastError")
	sameString(t, got.LeaseOwner, want.LeaseOwner, rule+": LeaseOwner")
	sameTime(t, got.LeaseExpiresAt, want.LeaseExpiresAt, rule+": LeaseExpiresAt")
	sameTime(t, got.CreatedAt, want.CreatedAt, rule+": CreatedAt")
	sameTime(t, got.SentAt, want.SentAt, rule+": SentAt")
	sameString(t, got.ProviderID, want.ProviderID, rule+": ProviderID")
	sameString(t, got.Via, want.Via, rule+": Via")
	sameString(t, got.Address, want.Address, rule+": Address")
}

func checkTimer(t *testing.T, got, want adapters.Timer, rule string) {
	t.Helper()
	sameString(t, got.CaseID, want.CaseID, rule+": CaseID")
	sameString(t, got.Name, want.Name, rule+": Name")
	sameTime(t, got.DueAt, want.DueAt, rule+": DueAt")
	sameString(t, got.Trigger, want.Trigger, rule+": Trigger")
	sameString(t, got.LeaseOwner, want.LeaseOwner, rule+": LeaseOwner")
	sameTime(t, got.LeaseExpiresAt, want.LeaseExpiresAt, rule+": LeaseExpiresAt")
}

// newCase is the smallest valid CreateCase: one case, one "opened" event.
func newCase(id string, at time.Time) adapters.CreateCaseParams {
	return adapters.CreateCaseParams{
		Case: adapters.Case{ID: id, Type: "pothole", DefinitionVersion: 1, State: "submitted", Channel: "web", CreatedAt: at},
		Events: []adapters.Event{{
			Kind: "opened", ToState: "submitted", Actor: "resident-1", At: at,
		}},
	}
}

// message is a valid outbox message with a unique id and key.
func message(id string, at time.Time) adapters.Message {
	return adapters.Message{
		ID: id, Channel: "email", Recipient: "resident@example.org", Template: "case-update",
		Locale: "es", Data: json.RawMessage(`{"case":"` + id + `","n":1}`),
		IdempotencyKey: "key-" + id, CreatedAt: at,
	}
}

// flip is a valid transition of a case from version v: one event, one
// message, toggling between two states.
func flip(caseID string, v int64, at time.Time) adapters.TransitionParams {
	from, to := "in-review", "submitted"
	if v%2 == 1 {
		from, to = to, from
	}
	id := fmt.Sprintf("%s-v%d", caseID, v)
	return adapters.TransitionParams{
		CaseID: caseID, ExpectedVersion: v, State: to, At: at,
		Events: []adapters.Event{{
			Kind: "transition", FromState: from, ToState: to, Trigger: "flip",
			Actor: "staff-1", At: at, Payload: json.RawMessage(`{"v":` + fmt.Sprint(v) + `}`),
		}},
		Messages: []adapters.Message{message(id, at)},
	}
}

// snapshot is everything a failed write must leave unchanged.
type snapshot struct {
	c      adapters.Case
	events []adapters.Event
	msgs   []adapters.Message
	timers []adapters.Timer
}

func take(t *testing.T, s adapters.Store, caseID string) snapshot {
	t.Helper()
	ctx := ctxFor(t)
	var sn snapshot
	var err error
	sn.c, err = s.GetCase(ctx, caseID)
	must(t, err, "GetCase")
	sn.events, err = s.ListEvents(ctx, caseID)
	must(t, err, "ListEvents")
	sn.msgs, err = s.ListMessages(ctx, caseID)
	must(t, err, "ListMessages")
	sn.timers, err = s.ListTimers(ctx, caseID)
	must(t, err, "ListTimers")
	return sn
}

func sameSnapshot(t *testing.T, got, want snapshot, rule string) {
	t.Helper()
	checkCase(t, got.c, want.c, rule+": case")
	if len(got.events) != len(want.events) || len(got.msgs) != len(want.msgs) || len(got.timers) != len(want.timers) {
		t.Fatalf("%s: events/messages/timers changed: %d/%d/%d, want %d/%d/%d", rule,
			len(got.events), len(got.msgs), len(got.timers), len(want.events), len(want.msgs), len(want.timers))
	}
	for i := range got.events {
		checkEvent(t, got.events[i], want.events[i], fmt.Sprintf("%s: event %d", rule, i))
	}
	for i := range got.msgs {
		checkMessage(t, got.msgs[i], want.msgs[i], fmt.Sprintf("%s: message %d", rule, i))
	}
	for i := range got.timers {
		checkTimer(t, got.timers[i], want.timers[i], fmt.Sprintf("%s: timer %d", rule, i))
	}
}
