package workflow_test

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/workflow"
)

func kinds(t *testing.T, f *fixture, caseID string) []string {
	t.Helper()
	hist, err := f.engine.History(context.Background(), caseID)
	require.NoError(t, err)
	var out []string
	for _, ev := range hist {
		out = append(out, ev.Kind+":"+ev.Trigger+"@"+ev.Actor)
	}
	return out
}

func TestTimerReminderAndEscalation(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, nil)
		ctx := context.Background()
		w, err := f.engine.NewTimerWorker(&workflow.TimerWorkerConfig{Owner: "w1"})
		require.NoError(t, err)
		c := f.openPermit(t, `{}`)
		f.fire(t, c.ID, "screen", clerk, "")

		n, err := w.RunOnce(ctx)
		require.NoError(t, err)
		assert.Zero(t, n, "nothing is due yet")

		f.clock.Set(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)) // Friday: the reminder
		n, err = w.RunOnce(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.Equal(t, []string{"opened:@resident-1", "transition:screen@clerk-1", "reminder:sla-reminder@system"}, kinds(t, f, c.ID))
		msgs, err := f.store.ListMessages(ctx, c.ID)
		require.NoError(t, err)
		last := msgs[len(msgs)-1]
		assert.Equal(t, "screening-due-soon", last.Template)
		assert.Equal(t, "team:permit-intake", last.Recipient, "no assignee yet: only the team is reminded")

		f.clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)) // Monday: due
		n, err = w.RunOnce(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.Equal(t, "transition:escalate@system", kinds(t, f, c.ID)[3])
		timers, err := f.store.ListTimers(ctx, c.ID)
		require.NoError(t, err)
		assert.Empty(t, timers, "fired timers are completed")
	})
}

func TestTimerAutoClose(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, nil)
		ctx := context.Background()
		w, err := f.engine.NewTimerWorker(nil)
		require.NoError(t, err)
		c := f.toReview(t, `{}`)
		f.fire(t, c.ID, "request-info", reviewer, `{"question":"Which contractor?"}`)

		// Activity restarts the inactivity clock.
		f.clock.Set(monday.AddDate(0, 0, 20))
		f.fire(t, c.ID, "comment", reviewer, "")
		f.clock.Set(monday.AddDate(0, 0, 31))
		// In-review's SLA escalates on the way; the auto-close is not due.
		_, err = w.RunOnce(ctx)
		require.NoError(t, err)
		got, err := f.store.GetCase(ctx, c.ID)
		require.NoError(t, err)
		assert.Equal(t, "awaiting-info", got.State)

		f.clock.Set(monday.AddDate(0, 0, 51))
		_, err = w.RunOnce(ctx)
		require.NoError(t, err)
		got, err = f.store.GetCase(ctx, c.ID)
		require.NoError(t, err)
		assert.Equal(t, "withdrawn", got.State)
		assert.False(t, got.ClosedAt.IsZero())
		k := kinds(t, f, c.ID)
		assert.Equal(t, "transition:lapse@system", k[len(k)-1])
	})
}

func TestTimersFireOnceAcrossWorkers(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, nil)
		ctx := context.Background()
		const cases = 40
		var ids []string
		for range cases {
			ids = append(ids, f.openPermit(t, `{}`).ID)
		}
		f.clock.Set(monday.AddDate(0, 0, 7))
		var wg sync.WaitGroup
		for i := range 4 {
			w, err := f.engine.NewTimerWorker(&workflow.TimerWorkerConfig{Owner: fmt.Sprintf("w%d", i), Batch: 7})
			require.NoError(t, err)
			wg.Go(func() {
				for {
					n, err := w.RunOnce(ctx)
					if err != nil || n == 0 {
						return
					}
				}
			})
		}
		wg.Wait()
		for _, id := range ids {
			assert.Equal(t, []string{"opened:@resident-1", "transition:escalate@system"}, kinds(t, f, id), "case %s", id)
		}
	})
}

func TestTimerLeaseExpiryHandsOver(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, nil)
		ctx := context.Background()
		c := f.openPermit(t, `{}`)
		f.clock.Set(monday.AddDate(0, 0, 7))
		// A worker claims the timer and dies.
		claimed, err := f.store.ClaimTimers(ctx, adapters.ClaimParams{Owner: "dead", Limit: 10, Now: f.clock.Now(), Lease: time.Minute})
		require.NoError(t, err)
		require.Len(t, claimed, 1)
		w, err := f.engine.NewTimerWorker(&workflow.TimerWorkerConfig{Owner: "alive", Lease: time.Minute})
		require.NoError(t, err)
		n, err := w.RunOnce(ctx)
		require.NoError(t, err)
		assert.Zero(t, n, "the lease holds")
		f.clock.Set(f.clock.Now().Add(2 * time.Minute))
		n, err = w.RunOnce(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.Equal(t, []string{"opened:@resident-1", "transition:escalate@system"}, kinds(t, f, c.ID))
	})
}

func TestFollowOnOpensOnce(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, &workflow.EngineConfig{FollowOns: []workflow.FollowOn{{
			Name: "inspection",
			When: func(ch *workflow.Change) bool { return ch.Case.Type == "building-permit" && ch.To == "approved" },
			Open: func(_ context.Context, from *adapters.Case) (workflow.OpenParams, error) {
				data, _ := json.Marshal(map[string]string{"permit": from.ID})
				return workflow.OpenParams{Type: "inspection", Data: data}, nil
			},
		}}})
		ctx := context.Background()
		b := workflow.NewBuilder("inspection", 1).Initial("scheduled")
		b.State("scheduled")
		b.State("passed").Terminal(workflow.TerminalClosed)
		b.Permit("pass", "passed", "scheduled").Roles("inspector")
		def, err := b.Build()
		require.NoError(t, err)
		iw, err := workflow.Compile(def, nil)
		require.NoError(t, err)
		require.NoError(t, f.engine.Register(iw))

		c := f.toReview(t, `{"feePaid":true}`)
		f.fire(t, c.ID, "approve", reviewer, `{"conditions":"none"}`)
		w, err := f.engine.NewTimerWorker(nil)
		require.NoError(t, err)
		for range 2 {
			_, err = w.RunOnce(ctx)
			require.NoError(t, err)
		}
		page, err := f.store.ListCases(ctx, adapters.CaseQuery{Type: "inspection"})
		require.NoError(t, err)
		require.Len(t, page.Cases, 1)
		got := page.Cases[0]
		assert.Equal(t, "resident-1", got.Submitter)
		assert.Equal(t, "proactive", got.Channel)
		assert.JSONEq(t, `{"permit":"`+c.ID+`"}`, string(got.Data))
		hist, err := f.engine.History(ctx, got.ID)
		require.NoError(t, err)
		assert.Equal(t, "system", hist[0].Actor)
	})
}

// workerGoroutines counts goroutines running TimerWorker.Run.
func workerGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "workflow.(*TimerWorker).Run(")
}

func TestTimerWorkerRunStopsWithoutLeaks(t *testing.T) {
	// Not parallel: it counts goroutines.
	f := newFixture(t, storeImpls[0], nil)
	c := f.openPermit(t, `{}`)
	f.clock.Set(monday.AddDate(0, 0, 7))
	w, err := f.engine.NewTimerWorker(&workflow.TimerWorkerConfig{Interval: time.Millisecond})
	require.NoError(t, err)
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	require.Eventually(t, func() bool { return len(kinds(t, f, c.ID)) == 2 }, 5*time.Second, time.Millisecond, "the worker fires the due escalation")
	assert.Equal(t, 1, workerGoroutines())
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	deadline := time.Now().Add(5 * time.Second)
	for (workerGoroutines() != 0 || runtime.NumGoroutine() > before) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	require.Zero(t, workerGoroutines(), "the worker goroutine is gone")
	require.LessOrEqual(t, runtime.NumGoroutine(), before, "goroutines left behind:\n%s", buf[:runtime.Stack(buf, true)])
}

func TestTimerOfUnknownDefinitionStays(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storeImpls[0], nil)
	ctx := context.Background()
	c := f.openPermit(t, `{}`)
	f.clock.Set(monday.AddDate(0, 0, 7))
	// A process that knows only the pothole workflow.
	other, err := workflow.New(f.store, &workflow.EngineConfig{Now: f.clock.Now})
	require.NoError(t, err)
	require.NoError(t, other.Register(compileExample(t, workflowsPothole(), potholeHooks())))
	w, err := other.NewTimerWorker(&workflow.TimerWorkerConfig{Lease: time.Second})
	require.NoError(t, err)
	n, err := w.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	timers, err := f.store.ListTimers(ctx, c.ID)
	require.NoError(t, err)
	assert.Len(t, timers, 1, "the timer waits for a process that knows its workflow")
	assert.Equal(t, []string{"opened:@resident-1"}, kinds(t, f, c.ID))
}

func TestFollowOnPanicWritesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storeImpls[0], &workflow.EngineConfig{FollowOns: []workflow.FollowOn{{
		Name: "broken",
		When: func(*workflow.Change) bool { panic("bad rule") },
		Open: func(context.Context, *adapters.Case) (workflow.OpenParams, error) { return workflow.OpenParams{}, nil },
	}}})
	c := f.openPermit(t, `{}`)
	_, err := f.engine.Fire(context.Background(), workflow.FireParams{CaseID: c.ID, Trigger: "screen", Actor: clerk})
	require.ErrorIs(t, err, workflow.ErrPanic)
	assert.Equal(t, []string{"opened:@resident-1"}, kinds(t, f, c.ID))
}
