package workflow_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/examples/workflows"
	"github.com/civickit/civickit/workflow"
)

// claimsEverything holds every privileged name an identity provider could
// put in a roles claim, in the spellings a mapping might produce.
var claimsEverything = workflow.Actor{
	Subject:   "system",
	Roles:     []string{"system", "System", "SYSTEM", "system ", " System ", "sYsTeM", "submitter", "assignee", "resident"},
	Assurance: workflow.AssuranceHigh,
}

func TestSystemPrivilegeNeverComesFromAClaim(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, nil)
		ctx := context.Background()
		c := f.openPermit(t, `{"address":"1 Main St"}`)

		tests := []struct {
			name  string
			actor workflow.Actor
			allow bool
		}{
			{name: "claimed roles", actor: claimsEverything},
			{name: "system actor", actor: workflow.SystemActor(), allow: true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				actions, err := f.engine.Permitted(ctx, c.ID, tt.actor)
				require.NoError(t, err)
				allowed := false
				for _, a := range actions {
					allowed = allowed || a.Trigger == "escalate" && a.Allowed
				}
				assert.Equal(t, tt.allow, allowed, "escalate (system or supervisor) allowed")

				_, err = f.engine.Open(ctx, workflow.OpenParams{Type: "building-permit", Actor: tt.actor, OnBehalf: true, Submitter: "resident-9", Channel: "counter"})
				if tt.allow {
					require.NoError(t, err, "the system actor opens cases for residents")
				} else {
					assert.Equal(t, workflow.DeniedRole, denial(t, err).Code, "opening for another resident")
				}
			})
		}

		_, err := f.engine.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "escalate", Actor: claimsEverything, ExpectedVersion: c.Version})
		assert.Equal(t, workflow.DeniedRole, denial(t, err).Code, "a claimed system role fires a system-only trigger")
		_, err = f.engine.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "escalate", Actor: workflow.SystemActor(), ExpectedVersion: c.Version})
		require.NoError(t, err, "the system actor fires system triggers")
	})
}

func TestSystemActorIsAFreshValue(t *testing.T) {
	t.Parallel()
	a := workflow.SystemActor()
	a.Roles = append(a.Roles, "clerk")
	a.Subject = "someone"
	b := workflow.SystemActor()
	assert.Equal(t, "system", b.Subject)
	assert.NotContains(t, b.Roles, "clerk")
}

// A key reused for another request is refused: another comment, another
// assignee.
func TestIdempotencyKeyStandsForTheWholeRequest(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, nil)
		ctx := context.Background()
		c := f.openPermit(t, `{}`)
		fire := workflow.FireParams{CaseID: c.ID, Trigger: "comment", Actor: clerk, Comment: "first", IdempotencyKey: "k-fire"}
		first, err := f.engine.Fire(ctx, fire)
		require.NoError(t, err)
		f.clock.Set(monday.Add(time.Hour))
		again, err := f.engine.Fire(ctx, fire)
		require.NoError(t, err, "the same request retried later")
		assert.True(t, again.Replayed)
		assert.Equal(t, first.Event.Seq, again.Event.Seq)
		other := fire
		other.Comment = "another"
		_, err = f.engine.Fire(ctx, other)
		require.ErrorIs(t, err, adapters.ErrDuplicate, "the key reused with another comment")

		assign := workflow.AssignParams{CaseID: c.ID, Actor: clerk, Assignee: "staff-1", IdempotencyKey: "k-assign"}
		_, err = f.engine.Assign(ctx, assign)
		require.NoError(t, err)
		replayed, err := f.engine.Assign(ctx, assign)
		require.NoError(t, err)
		assert.True(t, replayed.Replayed)
		assign.Assignee = "staff-2"
		_, err = f.engine.Assign(ctx, assign)
		require.ErrorIs(t, err, adapters.ErrDuplicate, "the key reused to assign someone else")
		stored, err := f.store.GetCase(ctx, c.ID)
		require.NoError(t, err)
		assert.Equal(t, "staff-1", stored.Assignee)
	})
}

func TestTimerWorkerPurgesExpiredRequestKeys(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, &workflow.EngineConfig{RequestKeyTTL: time.Hour})
		ctx := context.Background()
		c := f.openPermit(t, `{}`)
		_, err := f.engine.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "comment", Actor: clerk, IdempotencyKey: "k-old"})
		require.NoError(t, err)
		rk := f.store.(adapters.RequestKeys)
		_, err = rk.RequestResult(ctx, "k-old")
		require.NoError(t, err)

		f.clock.Set(monday.Add(2 * time.Hour))
		w, err := f.engine.NewTimerWorker(&workflow.TimerWorkerConfig{Interval: time.Hour})
		require.NoError(t, err)
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- w.Run(runCtx) }()
		require.Eventually(t, func() bool {
			_, err := rk.RequestResult(ctx, "k-old")
			return errors.Is(err, adapters.ErrNotFound)
		}, 5*time.Second, 10*time.Millisecond, "the worker purges keys older than the TTL")
		cancel()
		require.NoError(t, <-done)
	})
}

func TestWithdrawAndTimersReadTheCaseOnce(t *testing.T) {
	t.Parallel()
	store := &countingStore{Store: memory.New()}
	clk := &clock{t: monday}
	e, err := workflow.New(store, &workflow.EngineConfig{Now: clk.Now, CaseCacheSize: -1})
	require.NoError(t, err)
	require.NoError(t, e.Register(compileExample(t, workflows.PermitReview(), permitHooks())))
	ctx := context.Background()

	c, err := e.Open(ctx, workflow.OpenParams{Type: "building-permit", Actor: resident})
	require.NoError(t, err)
	store.reads.Store(0)
	_, err = e.Withdraw(ctx, workflow.WithdrawParams{CaseID: c.ID, Actor: resident})
	require.NoError(t, err)
	assert.Equal(t, int64(1), store.reads.Load(), "Withdraw reads the case once")

	c, err = e.Open(ctx, workflow.OpenParams{Type: "building-permit", Actor: resident})
	require.NoError(t, err)
	clk.Set(monday.AddDate(0, 0, 7)) // past the SLA: the escalation is due
	w, err := e.NewTimerWorker(nil)
	require.NoError(t, err)
	store.reads.Store(0)
	n, err := w.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n, "the escalation timer is due")
	assert.Equal(t, int64(1), store.reads.Load(), "firing a timer reads its case once")
	hist, err := e.History(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, "escalate", hist[len(hist)-1].Trigger)
}

// failFirstComplete loses the first timer completion, as a worker that
// dies after acting and before completing does.
type failFirstComplete struct {
	adapters.Store
	failed atomic.Bool
}

func (s *failFirstComplete) CompleteTimer(ctx context.Context, caseID, name, owner string) error {
	if s.failed.CompareAndSwap(false, true) {
		return adapters.ErrUnavailable
	}
	return s.Store.CompleteTimer(ctx, caseID, name, owner)
}

// A follow-on opened once is done, even when its retry is built from an
// origin case that has changed since.
func TestFollowOnRetriedAfterItsOriginChangedOpensNothingMore(t *testing.T) {
	t.Parallel()
	store := &failFirstComplete{Store: memory.New()}
	clk := &clock{t: monday}
	var opens atomic.Int64
	e, err := workflow.New(store, &workflow.EngineConfig{Now: clk.Now, FollowOns: []workflow.FollowOn{{
		Name: "note",
		When: func(ch *workflow.Change) bool { return ch.Trigger == "comment" },
		Open: func(_ context.Context, from *adapters.Case) (workflow.OpenParams, error) {
			data, _ := json.Marshal(map[string]int64{"attempt": opens.Add(1)})
			return workflow.OpenParams{Type: "building-permit", Data: data}, nil
		},
	}}})
	require.NoError(t, err)
	require.NoError(t, e.Register(compileExample(t, workflows.PermitReview(), permitHooks())))
	ctx := context.Background()
	c, err := e.Open(ctx, workflow.OpenParams{Type: "building-permit", Actor: resident})
	require.NoError(t, err)
	_, err = e.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "comment", Actor: clerk})
	require.NoError(t, err)

	w, err := e.NewTimerWorker(nil)
	require.NoError(t, err)
	_, err = w.RunOnce(ctx)
	require.NoError(t, err)
	clk.Set(monday.Add(time.Hour)) // the lost completion's lease has expired
	_, err = w.RunOnce(ctx)
	require.NoError(t, err)

	assert.Equal(t, int64(2), opens.Load(), "the follow-on was built twice")
	page, err := store.ListCases(ctx, adapters.CaseQuery{Submitter: resident.Subject})
	require.NoError(t, err)
	assert.Len(t, page.Cases, 2, "the case and one follow-on")
	timers, err := store.ListTimers(ctx, c.ID)
	require.NoError(t, err)
	for _, tm := range timers {
		assert.NotContains(t, tm.Name, "note", "the follow-on's timer is completed")
	}
}
