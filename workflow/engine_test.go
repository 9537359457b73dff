package workflow_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/examples/workflows"
	"github.com/civickit/civickit/workflow"
)

// storeImpl is one store the engine is tested against.
type storeImpl struct {
	name string
	open func(t testing.TB) adapters.Store
}

// storeImpls lists every store implementation on this branch; each engine
// test runs against all of them.
var storeImpls = []storeImpl{
	{name: "memory", open: func(t testing.TB) adapters.Store {
		s := memory.New()
		t.Cleanup(func() { _ = s.Close() })
		return s
	}},
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// monday is 10:00 UTC on Monday 23 November 2026.
var monday = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

type fixture struct {
	store  adapters.Store
	engine *workflow.Engine
	clock  *clock
}

func newFixture(t testing.TB, impl storeImpl, cfg *workflow.EngineConfig) *fixture {
	t.Helper()
	f := &fixture{store: impl.open(t), clock: &clock{t: monday}}
	if cfg == nil {
		cfg = &workflow.EngineConfig{}
	}
	cfg.Now = f.clock.Now
	e, err := workflow.New(f.store, cfg)
	require.NoError(t, err)
	require.NoError(t, e.Register(compileExample(t, workflows.PermitReview(), permitHooks())))
	require.NoError(t, e.Register(compileExample(t, workflows.Pothole(), potholeHooks())))
	f.engine = e
	return f
}

var (
	resident = workflow.Actor{Subject: "resident-1", Roles: []string{"resident"}, Assurance: workflow.AssuranceSubstantial}
	clerk    = workflow.Actor{Subject: "clerk-1", Roles: []string{"clerk"}, Assurance: workflow.AssuranceSubstantial}
	reviewer = workflow.Actor{Subject: "reviewer-1", Roles: []string{"reviewer"}, Assurance: workflow.AssuranceHigh}
)

func (f *fixture) openPermit(t testing.TB, data string) adapters.Case {
	t.Helper()
	c, err := f.engine.Open(context.Background(), workflow.OpenParams{Type: "building-permit", Actor: resident, Data: json.RawMessage(data)})
	require.NoError(t, err)
	return c
}

func (f *fixture) fire(t testing.TB, caseID, trigger string, actor workflow.Actor, payload string) workflow.Result {
	t.Helper()
	var p json.RawMessage
	if payload != "" {
		p = json.RawMessage(payload)
	}
	r, err := f.engine.Fire(context.Background(), workflow.FireParams{CaseID: caseID, Trigger: trigger, Actor: actor, Payload: p})
	require.NoError(t, err)
	return r
}

// toReview moves a new permit case to in-review.
func (f *fixture) toReview(t testing.TB, data string) adapters.Case {
	t.Helper()
	c := f.openPermit(t, data)
	f.fire(t, c.ID, "screen", clerk, "")
	return f.fire(t, c.ID, "accept", clerk, "").Case
}

func forEachStore(t *testing.T, fn func(t *testing.T, impl storeImpl)) {
	for _, impl := range storeImpls {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			fn(t, impl)
		})
	}
}

func denial(t *testing.T, err error) *workflow.DeniedError {
	t.Helper()
	var d *workflow.DeniedError
	require.True(t, errors.As(err, &d), "want a *DeniedError, got %v", err)
	return d
}

func TestOpen(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, nil)
		ctx := context.Background()
		c := f.openPermit(t, `{"address":"1 Main St"}`)
		assert.Equal(t, "submitted", c.State)
		assert.Equal(t, int64(1), c.Version)
		assert.Equal(t, 1, c.DefinitionVersion)
		assert.Equal(t, "resident-1", c.Submitter)
		assert.Equal(t, "web", c.Channel)
		assert.Equal(t, "permit-intake", c.Team)
		// Two business days from Monday 10:00.
		assert.True(t, c.Due.Equal(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)), "due %s", c.Due)

		hist, err := f.engine.History(ctx, c.ID)
		require.NoError(t, err)
		require.Len(t, hist, 1)
		assert.Equal(t, "opened", hist[0].Kind)
		assert.Equal(t, "submitted", hist[0].ToState)

		msgs, err := f.store.ListMessages(ctx, c.ID)
		require.NoError(t, err)
		require.Len(t, msgs, 1)
		assert.Equal(t, "permit-received", msgs[0].Template)
		assert.Equal(t, "resident-1", msgs[0].Recipient)
		assert.Equal(t, adapters.MessagePending, msgs[0].Status)

		timers, err := f.store.ListTimers(ctx, c.ID)
		require.NoError(t, err)
		require.Len(t, timers, 1)
		assert.Equal(t, "state:submitted:escalate", timers[0].Name)
		assert.Equal(t, "escalate", timers[0].Trigger)
		assert.True(t, timers[0].DueAt.Equal(c.Due))
	})
}

func TestOpenOnBehalf(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, nil)
		ctx := context.Background()
		tests := []struct {
			name    string
			params  workflow.OpenParams
			code    workflow.DenialCode
			wantErr error
		}{
			{name: "clerk at the counter", params: workflow.OpenParams{Type: "building-permit", Actor: clerk, OnBehalf: true, Submitter: "resident-9", Channel: "counter"}},
			{name: "resident cannot open for others", params: workflow.OpenParams{Type: "building-permit", Actor: resident, OnBehalf: true, Submitter: "resident-9", Channel: "counter"}, code: workflow.DeniedRole},
			{name: "channel required", params: workflow.OpenParams{Type: "building-permit", Actor: clerk, OnBehalf: true, Submitter: "resident-9"}, wantErr: adapters.ErrInvalidArgument},
			{name: "assurance too low", params: workflow.OpenParams{Type: "building-permit", Actor: workflow.Actor{Subject: "anon"}}, code: workflow.DeniedAssurance},
			{name: "unknown type", params: workflow.OpenParams{Type: "dog-licence", Actor: resident}, wantErr: adapters.ErrNotFound},
			{name: "data not JSON", params: workflow.OpenParams{Type: "building-permit", Actor: resident, Data: json.RawMessage(`{`)}, wantErr: adapters.ErrInvalidArgument},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c, err := f.engine.Open(ctx, tt.params)
				switch {
				case tt.code != "":
					assert.Equal(t, tt.code, denial(t, err).Code)
				case tt.wantErr != nil:
					require.ErrorIs(t, err, tt.wantErr)
				default:
					require.NoError(t, err)
					assert.Equal(t, "resident-9", c.Submitter)
					assert.Equal(t, "counter", c.Channel)
					hist, err := f.engine.History(ctx, c.ID)
					require.NoError(t, err)
					assert.Equal(t, "clerk-1", hist[0].Actor)
					assert.JSONEq(t, `{"channel":"counter","onBehalf":true}`, string(hist[0].Payload))
				}
			})
		}
	})
}

func TestOpenIdempotent(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, nil)
		ctx := context.Background()
		sub := &adapters.Submission{FormID: "permit-application", FormVersion: 3, Data: json.RawMessage(`{"a":1}`)}
		p := workflow.OpenParams{Type: "building-permit", Actor: resident, Data: json.RawMessage(`{"a":1}`), Submission: sub, IdempotencyKey: "req-1"}
		c1, err := f.engine.Open(ctx, p)
		require.NoError(t, err)
		// The retry comes later: its SLA timers and due times differ, yet
		// it is the same request.
		f.clock.Set(monday.Add(26 * time.Hour))
		c2, err := f.engine.Open(ctx, p)
		require.NoError(t, err)
		assert.Equal(t, c1.ID, c2.ID)
		assert.True(t, c1.Due.Equal(c2.Due), "the retry answers with the stored case")

		// The key reused for another request is refused.
		other := p
		other.Data = json.RawMessage(`{"a":2}`)
		_, err = f.engine.Open(ctx, other)
		require.ErrorIs(t, err, adapters.ErrDuplicate)
		subs, err := f.store.ListSubmissions(ctx, c1.ID)
		require.NoError(t, err)
		require.Len(t, subs, 1)
		assert.Equal(t, "permit-application", subs[0].FormID)
		assert.Equal(t, "resident-1", subs[0].Submitter)
		hist, err := f.engine.History(ctx, c1.ID)
		require.NoError(t, err)
		assert.Len(t, hist, 1)
	})
}

func TestFireDenials(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, nil)
		ctx := context.Background()
		inReview := f.toReview(t, `{"feePaid":false}`)
		submitted := f.openPermit(t, `{}`)
		lowClerk := clerk
		lowClerk.Assurance = workflow.AssuranceLow
		screening := f.openPermit(t, `{}`)
		f.fire(t, screening.ID, "screen", clerk, "")

		tests := []struct {
			name    string
			caseID  string
			trigger string
			actor   workflow.Actor
			payload string
			code    workflow.DenialCode
			reason  string
		}{
			{name: "not permitted in this state", caseID: submitted.ID, trigger: "approve", actor: reviewer, code: workflow.DeniedNotInState, reason: `"approve" is not possible in state "submitted"`},
			{name: "role missing", caseID: submitted.ID, trigger: "screen", actor: resident, code: workflow.DeniedRole, reason: "needs one of the roles [clerk]"},
			{name: "assurance too low", caseID: screening.ID, trigger: "accept", actor: lowClerk, code: workflow.DeniedAssurance, reason: "needs identity assurance 2, has 1"},
			{name: "payload invalid", caseID: inReview.ID, trigger: "request-info", actor: reviewer, payload: `{"question":""}`, code: workflow.DeniedPayload},
			{name: "payload where none is taken", caseID: submitted.ID, trigger: "screen", actor: clerk, payload: `{"x":1}`, code: workflow.DeniedPayload, reason: "takes no data"},
			{name: "payload too large", caseID: submitted.ID, trigger: "screen", actor: clerk, payload: `"` + strings.Repeat("x", workflow.DefaultMaxPayloadBytes) + `"`, code: workflow.DeniedPayload, reason: "exceeds"},
			{name: "guard false", caseID: inReview.ID, trigger: "approve", actor: reviewer, payload: `{"conditions":"none"}`, code: workflow.DeniedGuard, reason: "the permit fee has not been paid"},
			{name: "submitter pseudo-role", caseID: inReview.ID, trigger: "withdraw", actor: workflow.Actor{Subject: "someone-else", Roles: []string{"resident"}}, code: workflow.DeniedRole},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before, err := f.engine.History(ctx, tt.caseID)
				require.NoError(t, err)
				var p json.RawMessage
				if tt.payload != "" {
					p = json.RawMessage(tt.payload)
				}
				_, err = f.engine.Fire(ctx, workflow.FireParams{CaseID: tt.caseID, Trigger: tt.trigger, Actor: tt.actor, Payload: p})
				d := denial(t, err)
				assert.Equal(t, tt.code, d.Code)
				assert.Contains(t, d.Reason, tt.reason)
				assert.Equal(t, tt.trigger, d.Trigger)
				after, err := f.engine.History(ctx, tt.caseID)
				require.NoError(t, err)
				assert.Len(t, after, len(before), "a denied action writes nothing")
			})
		}

		// The payload denial carries the form's field errors.
		_, err := f.engine.Fire(ctx, workflow.FireParams{CaseID: inReview.ID, Trigger: "request-info", Actor: reviewer, Payload: json.RawMessage(`{}`)})
		var fe *fieldError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, map[string]string{"question": "required"}, fe.Fields)
	})
}

func TestFireBadInput(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, nil)
		ctx := context.Background()
		c := f.openPermit(t, `{}`)
		_, err := f.engine.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "teleport", Actor: clerk})
		require.ErrorIs(t, err, adapters.ErrInvalidArgument)
		_, err = f.engine.Fire(ctx, workflow.FireParams{CaseID: "no-such-case", Trigger: "screen", Actor: clerk})
		require.ErrorIs(t, err, adapters.ErrNotFound)
		_, err = f.engine.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "screen", Actor: clerk, ExpectedVersion: 7})
		require.ErrorIs(t, err, adapters.ErrConflict)
		_, err = f.engine.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "screen", Actor: clerk, Comment: strings.Repeat("x", workflow.MaxCommentBytes+1)})
		require.ErrorIs(t, err, adapters.ErrInvalidArgument)
		hist, err := f.engine.History(ctx, c.ID)
		require.NoError(t, err)
		assert.Len(t, hist, 1, "bad input writes nothing")
	})
}

func TestFireHappyPath(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, nil)
		ctx := context.Background()
		c := f.openPermit(t, `{"feePaid":true}`)
		// A neighbour follows the case: messages to its subscribers reach them.
		require.NoError(t, f.store.Subscribe(ctx, adapters.Subscription{Topic: adapters.CaseTopic(c.ID), Person: "neighbour-1", CreatedAt: monday}))
		r := f.fire(t, c.ID, "screen", clerk, "")
		assert.Equal(t, "screening", r.Case.State)
		assert.Equal(t, int64(2), r.Case.Version)
		assert.Equal(t, "transition", r.Event.Kind)
		assert.Equal(t, int64(2), r.Event.Seq)
		timers, err := f.store.ListTimers(ctx, c.ID)
		require.NoError(t, err)
		var names []string
		for _, tm := range timers {
			names = append(names, tm.Name)
		}
		assert.Equal(t, []string{"state:screening:escalate", "state:screening:reminder"}, names, "the old state's timers are cancelled, the new state's set")
		// Five business days from Monday 10:00 is next Monday; the
		// reminder is one business day before, on Friday.
		assert.True(t, r.Case.Due.Equal(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)), "due %s", r.Case.Due)
		assert.True(t, timers[1].DueAt.Equal(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)), "reminder %s", timers[1].DueAt)

		r = f.fire(t, c.ID, "accept", clerk, "")
		assert.Equal(t, "in-review", r.Case.State)
		assert.Equal(t, "plan-review", r.Case.Team)

		// Into the substate: the payload is the form's clean value.
		r = f.fire(t, c.ID, "request-info", reviewer, `{"question":"Which contractor?"}`)
		assert.Equal(t, "awaiting-info", r.Case.State)
		assert.JSONEq(t, `{"question":"Which contractor?"}`, string(r.Event.Payload))
		assert.False(t, r.Case.Due.IsZero(), "in-review's due time keeps running in its substate")
		timers, err = f.store.ListTimers(ctx, c.ID)
		require.NoError(t, err)
		names = names[:0]
		for _, tm := range timers {
			names = append(names, tm.Name)
		}
		assert.Equal(t, []string{"state:awaiting-info:auto-close", "state:in-review:escalate"}, names)

		// The substate inherits approve from in-review.
		r = f.fire(t, c.ID, "approve", reviewer, `{"conditions":"Build as drawn."}`)
		assert.Equal(t, "approved", r.Case.State)
		assert.True(t, r.Case.ClosedAt.Equal(monday), "closed at %s", r.Case.ClosedAt)
		assert.True(t, r.Case.Due.IsZero())
		timers, err = f.store.ListTimers(ctx, c.ID)
		require.NoError(t, err)
		assert.Empty(t, timers, "a closed case has no timers")

		msgs, err := f.store.ListMessages(ctx, c.ID)
		require.NoError(t, err)
		var sent []string
		for _, m := range msgs {
			sent = append(sent, m.Template+"→"+m.Recipient)
		}
		assert.JSONEq(t, `{"type":"building-permit","state":"in-review","previousState":"screening","trigger":"accept","recipient":"submitter","due":"2026-12-07T10:00:00Z"}`,
			string(msgs[1].Data))
		assert.Equal(t, []string{
			"permit-received→resident-1",
			"permit-in-review→resident-1", "permit-in-review→neighbour-1",
			"permit-info-requested→resident-1",
			"permit-approved→resident-1", "permit-approved→neighbour-1",
		}, sent)

		// Nothing more is possible in a terminal state.
		_, err = f.engine.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "reject", Actor: reviewer})
		assert.Equal(t, workflow.DeniedNotInState, denial(t, err).Code)

		hist, err := f.engine.History(ctx, c.ID)
		require.NoError(t, err)
		var trail []string
		for _, ev := range hist {
			trail = append(trail, ev.Kind+":"+ev.FromState+">"+ev.ToState)
		}
		assert.Equal(t, []string{"opened:>submitted", "transition:submitted>screening", "transition:screening>in-review",
			"transition:in-review>awaiting-info", "transition:awaiting-info>approved"}, trail)
	})
}

func TestInternalTransition(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, nil)
		c := f.openPermit(t, `{}`)
		r := f.fire(t, c.ID, "comment", clerk, "")
		assert.Equal(t, "submitted", r.Case.State)
		assert.Equal(t, int64(2), r.Case.Version)
		assert.True(t, r.Case.Due.Equal(c.Due), "an internal transition keeps the SLA")
		assert.Equal(t, "submitted", r.Event.FromState)
		assert.Equal(t, "submitted", r.Event.ToState)
	})
}

func TestIdempotentFire(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, nil)
		ctx := context.Background()
		c := f.openPermit(t, `{}`)
		tests := []struct {
			name     string
			expected int64
		}{
			{name: "with expected version", expected: 1},
			{name: "key only", expected: 0},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				trigger := []string{"screen", "accept"}[i]
				key := "key-" + trigger
				p := workflow.FireParams{CaseID: c.ID, Trigger: trigger, Actor: clerk, ExpectedVersion: tt.expected, IdempotencyKey: key}
				if tt.expected != 0 {
					p.ExpectedVersion = int64(i + 1)
				}
				first, err := f.engine.Fire(ctx, p)
				require.NoError(t, err)
				assert.False(t, first.Replayed)
				again, err := f.engine.Fire(ctx, p)
				require.NoError(t, err)
				assert.True(t, again.Replayed)
				assert.Equal(t, first.Case.Version, again.Case.Version)
				assert.Equal(t, first.Event.Seq, again.Event.Seq)
				hist, err := f.engine.History(ctx, c.ID)
				require.NoError(t, err)
				assert.Len(t, hist, i+2, "the retry wrote nothing")
			})
		}
		// The same key for a different action is refused.
		_, err := f.engine.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "comment", Actor: clerk, IdempotencyKey: "key-screen"})
		require.ErrorIs(t, err, adapters.ErrDuplicate)
	})
}

func TestConcurrentFiresOneWins(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, nil)
		ctx := context.Background()
		c := f.openPermit(t, `{}`)
		const n = 8
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				_, err := f.engine.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "comment", Actor: clerk, ExpectedVersion: 1})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		ok := 0
		for err := range errs {
			if err == nil {
				ok++
				continue
			}
			require.ErrorIs(t, err, adapters.ErrConflict)
		}
		assert.Equal(t, 1, ok)
	})
}

func TestGuardPanicWritesNothing(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, nil)
		ctx := context.Background()
		b := workflow.NewBuilder("fragile", 1).Initial("a")
		b.State("a")
		b.State("b").Terminal(workflow.TerminalClosed)
		b.State("c").Terminal(workflow.TerminalClosed)
		b.Permit("go", "b", "a").Roles("clerk").Guards("boom")
		b.PermitDynamic("route", "explode", []string{"b", "c"}, "a").Roles("clerk")
		def, err := b.Build()
		require.NoError(t, err)
		w, err := workflow.Compile(def, &workflow.Hooks{
			Guards:       map[string]workflow.Guard{"boom": func(context.Context, *workflow.Input) (bool, string) { panic("kaboom") }},
			Destinations: map[string]workflow.Destination{"explode": func(context.Context, *workflow.Input) (string, error) { panic("kaboom") }},
		})
		require.NoError(t, err)
		require.NoError(t, f.engine.Register(w))
		c, err := f.engine.Open(ctx, workflow.OpenParams{Type: "fragile", Actor: clerk})
		require.NoError(t, err)
		for _, trigger := range []string{"go", "route"} {
			_, err = f.engine.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: trigger, Actor: clerk})
			require.ErrorIs(t, err, workflow.ErrPanic, trigger)
		}
		got, err := f.store.GetCase(ctx, c.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(1), got.Version)
		assert.Equal(t, "a", got.State)
		// Permitted reports the panic as an error too.
		_, err = f.engine.Permitted(ctx, c.ID, clerk)
		require.ErrorIs(t, err, workflow.ErrPanic)
	})
}

func TestDynamicDestinationAndOpenTerminal(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, nil)
		ctx := context.Background()
		dispatcher := workflow.Actor{Subject: "d-1", Roles: []string{"dispatcher"}}
		for _, tt := range []struct{ road, want string }{{"state-highway", "referred"}, {"elm-street", "triaged"}} {
			c, err := f.engine.Open(ctx, workflow.OpenParams{Type: "pothole", Actor: workflow.Actor{}, Channel: "open311", Data: json.RawMessage(`{"road":"` + tt.road + `"}`)})
			require.NoError(t, err)
			// Eight business hours from Monday 10:00 is Tuesday 10:00.
			assert.True(t, c.Due.Equal(monday.Add(24*time.Hour)), "due %s", c.Due)
			r := f.fire(t, c.ID, "triage", dispatcher, "")
			assert.Equal(t, tt.want, r.Case.State)
			assert.True(t, r.Case.ClosedAt.IsZero(), "an open terminal state leaves the case open in Open311")
		}
	})
}

func TestPermitted(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, nil)
		c := f.toReview(t, `{"feePaid":false}`)
		actions, err := f.engine.Permitted(context.Background(), c.ID, reviewer)
		require.NoError(t, err)
		got := map[string]string{}
		for _, a := range actions {
			if a.Allowed {
				got[a.Trigger] = "allowed"
			} else {
				got[a.Trigger] = string(a.Denied.Code) + ": " + a.Denied.Reason
			}
		}
		assert.Equal(t, map[string]string{
			"screen":         `not-permitted-in-state: "screen" is not possible in state "in-review"`,
			"accept":         `not-permitted-in-state: "accept" is not possible in state "in-review"`,
			"decline":        `not-permitted-in-state: "decline" is not possible in state "in-review"`,
			"request-info":   "allowed",
			"provide-info":   `not-permitted-in-state: "provide-info" is not possible in state "in-review"`,
			"record-payment": "role-missing: needs one of the roles [clerk]",
			"approve":        "guard-false: the permit fee has not been paid",
			"reject":         "allowed",
			"withdraw":       "role-missing: needs one of the roles [submitter]",
			"comment":        "allowed",
			"escalate":       "role-missing: needs one of the roles [system supervisor]",
		}, got, "lapse is for the system only and is left out")
		assert.Equal(t, "Ask the applicant", actions[3].Title)
	})
}

func TestWithdrawAndAssign(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, nil)
		ctx := context.Background()
		c := f.openPermit(t, `{}`)

		_, err := f.engine.Assign(ctx, workflow.AssignParams{CaseID: c.ID, Actor: resident, Assignee: "clerk-1"})
		assert.Equal(t, workflow.DeniedRole, denial(t, err).Code)
		r, err := f.engine.Assign(ctx, workflow.AssignParams{CaseID: c.ID, Actor: clerk, Assignee: "clerk-1", ExpectedVersion: 1, IdempotencyKey: "as-1"})
		require.NoError(t, err)
		assert.Equal(t, "clerk-1", r.Case.Assignee)
		assert.Equal(t, "assigned", r.Event.Kind)
		again, err := f.engine.Assign(ctx, workflow.AssignParams{CaseID: c.ID, Actor: clerk, Assignee: "clerk-1", ExpectedVersion: 1, IdempotencyKey: "as-1"})
		require.NoError(t, err)
		assert.True(t, again.Replayed)

		_, err = f.engine.Withdraw(ctx, workflow.WithdrawParams{CaseID: c.ID, Actor: clerk})
		assert.Equal(t, workflow.DeniedNotSubmitter, denial(t, err).Code)
		r, err = f.engine.Withdraw(ctx, workflow.WithdrawParams{CaseID: c.ID, Actor: resident, Reason: "moving away"})
		require.NoError(t, err)
		assert.Equal(t, "withdrawn", r.Case.State)
		assert.Equal(t, "moving away", r.Event.Comment)
		assert.False(t, r.Case.ClosedAt.IsZero())
		_, err = f.engine.Assign(ctx, workflow.AssignParams{CaseID: c.ID, Actor: clerk, Assignee: "clerk-2"})
		assert.Equal(t, workflow.DeniedNotInState, denial(t, err).Code)
	})
}

func TestCasesStayOnTheirVersion(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, nil)
		ctx := context.Background()
		old := f.openPermit(t, `{}`)

		// Version 2 drops screening: submitted goes straight to review.
		def, err := workflow.ParseDefinition(mutate(t, func(m map[string]any) {
			m["version"] = 2
			m["states"] = append(states(m)[:1], states(m)[2:]...)
			var ts []any
			for _, tr := range transitions(m) {
				tm := obj(tr)
				switch tm["trigger"] {
				case "accept", "decline":
					continue
				case "screen":
					tm["to"] = "in-review"
				}
				var from []any
				for _, s := range tm["from"].([]any) {
					if s != "screening" {
						from = append(from, s)
					}
				}
				tm["from"] = from
				ts = append(ts, tm)
			}
			m["transitions"] = ts
		}))
		require.NoError(t, err)
		w2, err := workflow.Compile(def, permitHooks())
		require.NoError(t, err)
		require.NoError(t, f.engine.Register(w2))
		require.ErrorIs(t, f.engine.Register(w2), adapters.ErrDuplicate)

		fresh := f.openPermit(t, `{}`)
		assert.Equal(t, 2, fresh.DefinitionVersion)
		assert.Equal(t, "in-review", f.fire(t, fresh.ID, "screen", clerk, "").Case.State)
		assert.Equal(t, "screening", f.fire(t, old.ID, "screen", clerk, "").Case.State, "the old case keeps version 1's rules")
		_, err = f.engine.Fire(ctx, workflow.FireParams{CaseID: old.ID, Trigger: "accept", Actor: clerk})
		require.NoError(t, err)
	})
}

func workflowsPermit() []byte { return workflows.PermitReview() }

func workflowsPothole() []byte { return workflows.Pothole() }

func TestOpenFromSubmissionAlone(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, nil)
		ctx := context.Background()
		sub := adapters.Submission{FormID: "permit-application", FormVersion: 1, FormHash: "abc", Data: json.RawMessage(`{"address":"1 Main St"}`)}
		c, err := f.engine.Open(ctx, workflow.OpenParams{Type: "building-permit", Actor: resident, Submission: &sub})
		require.NoError(t, err)
		assert.JSONEq(t, `{"address":"1 Main St"}`, string(c.Data), "the case opens with the submission's data")
		got, err := f.store.GetCase(ctx, c.ID)
		require.NoError(t, err)
		assert.JSONEq(t, `{"address":"1 Main St"}`, string(got.Data))
		subs, err := f.store.ListSubmissions(ctx, c.ID)
		require.NoError(t, err)
		require.Len(t, subs, 1)
		assert.Equal(t, "permit-application", subs[0].FormID)
		assert.Equal(t, "resident-1", subs[0].Submitter)

		big := adapters.Submission{FormID: "f", FormVersion: 1, Data: json.RawMessage(`{"a":"` + strings.Repeat("x", 2<<20) + `"}`)}
		_, err = f.engine.Open(ctx, workflow.OpenParams{Type: "building-permit", Actor: resident, Submission: &big})
		assert.ErrorIs(t, err, adapters.ErrInvalidArgument, "the submission's data is bounded like Data")
	})
}
