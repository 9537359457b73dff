package workflow_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/adapters/sqlite"
	"github.com/civickit/civickit/examples/workflows"
	"github.com/civickit/civickit/workflow"
)

// written counts what a case left in the store: its events, outbox
// messages and timers, and whether the case itself is there.
func written(t *testing.T, s workflow.Store, o adapters.Outbox, caseID string) (found bool, events, msgs, timers int) {
	t.Helper()
	ctx := context.Background()
	_, err := s.GetCase(ctx, caseID)
	if err != nil {
		require.ErrorIs(t, err, adapters.ErrNotFound)
		return false, 0, 0, 0
	}
	evs, err := s.ListEvents(ctx, caseID)
	require.NoError(t, err)
	ms, err := o.ListMessages(ctx, caseID)
	require.NoError(t, err)
	ts, err := s.ListTimers(ctx, caseID)
	require.NoError(t, err)
	return true, len(evs), len(ms), len(ts)
}

// txStore is a store bound to a caller's transaction.
type txStore interface {
	workflow.Store
	adapters.Outbox
}

// txBackend opens a store and begins a caller's transaction on its
// database, returning the store bound to it and the transaction's commit
// and rollback.
type txBackend struct {
	name  string
	begin func(t *testing.T) (store adapters.Store, inTx txStore, commit, rollback func() error)
}

var txBackends = []txBackend{
	{name: "postgres", begin: func(t *testing.T) (adapters.Store, txStore, func() error, func() error) {
		ctx := context.Background()
		store := openPostgres(t)
		tx, err := postgresPool(t).Begin(ctx)
		require.NoError(t, err)
		t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
		return store, store.WithTx(tx), func() error { return tx.Commit(ctx) }, func() error { return tx.Rollback(ctx) }
	}},
	{name: "sqlite", begin: func(t *testing.T) (adapters.Store, txStore, func() error, func() error) {
		ctx := context.Background()
		dsn, err := sqlite.DSN(filepath.Join(t.TempDir(), "civickit.db"), 0)
		require.NoError(t, err)
		db, err := sql.Open("sqlite", dsn)
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		store, err := sqlite.New(ctx, db, nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = store.Close() })
		tx, err := db.BeginTx(ctx, nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = tx.Rollback() })
		return store, store.WithTx(tx), tx.Commit, tx.Rollback
	}},
}

func TestWithStoreRunsInsideTheCallersTransaction(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		commit bool
	}{
		{name: "RollbackLeavesNothing", commit: false},
		{name: "CommitKeepsEverything", commit: true},
	}
	for _, b := range txBackends {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				withStoreInTx(t, b, tt.commit)
			})
		}
	}
}

func withStoreInTx(t *testing.T, b txBackend, commit bool) {
	ctx := context.Background()
	store, inTx, commitTx, rollbackTx := b.begin(t)
	counting := &countingStore{Store: store}
	f := newFixture(t, storeImpl{name: b.name, open: func(testing.TB) adapters.Store { return counting }}, nil)
	view := f.engine.WithStore(inTx)

	c, err := view.Open(ctx, workflow.OpenParams{Type: "building-permit", CaseID: "permit-tx", Actor: resident})
	require.NoError(t, err)
	r, err := view.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "screen", Actor: clerk, ExpectedVersion: 1})
	require.NoError(t, err)
	r, err = view.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "accept", Actor: clerk, ExpectedVersion: r.Case.Version})
	require.NoError(t, err)
	r, err = view.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "request-info", Actor: reviewer, ExpectedVersion: r.Case.Version, Payload: []byte(`{"question":"Which floor?"}`)})
	require.NoError(t, err, "the transaction sees the view's own writes")
	assert.Equal(t, "awaiting-info", r.Case.State, "a substate is entered inside the transaction")

	found, events, msgs, timers := written(t, inTx, inTx, c.ID)
	require.True(t, found)
	assert.Equal(t, 4, events, "opened and three transitions inside the transaction")
	assert.Positive(t, msgs, "opening writes its notification inside the transaction")
	assert.Positive(t, timers, "the SLA timers are written inside the transaction")
	found, _, _, _ = written(t, store, store, c.ID)
	assert.False(t, found, "nothing is visible outside the transaction before it ends")

	if commit {
		require.NoError(t, commitTx())
		found2, events2, msgs2, timers2 := written(t, store, store, c.ID)
		assert.True(t, found2, "a committed case stays")
		assert.Equal(t, []int{events, msgs, timers}, []int{events2, msgs2, timers2}, "events, messages and timers commit with the case")
		return
	}
	require.NoError(t, rollbackTx())
	found, events, msgs, timers = written(t, store, store, c.ID)
	assert.False(t, found, "a rolled-back case is gone")
	assert.Zero(t, events+msgs+timers, "no event, message or timer outlives the rollback")

	// The shared engine never remembered the rolled-back case: a Fire
	// naming the version the view wrote last reads the store again.
	before := counting.reads.Load()
	_, err = f.engine.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "provide-info", Actor: resident, ExpectedVersion: r.Case.Version})
	require.ErrorIs(t, err, adapters.ErrNotFound)
	assert.Equal(t, before+1, counting.reads.Load(), "the shared cache served a case written in a rolled-back transaction")
}

// narrowStore has only what workflow.Store asks for: no outbox, drafts,
// request keys or Close.
type narrowStore struct{ workflow.Store }

func TestEngineWorksOnTheNarrowStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mem := memory.New()
	clk := &clock{t: monday}
	e, err := workflow.New(narrowStore{mem}, &workflow.EngineConfig{Now: clk.Now})
	require.NoError(t, err)
	require.NoError(t, e.Register(compileExample(t, workflows.PermitReview(), permitHooks())))

	c, err := e.Open(ctx, workflow.OpenParams{Type: "building-permit", Actor: resident})
	require.NoError(t, err)
	_, err = e.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "screen", Actor: clerk, ExpectedVersion: c.Version})
	require.NoError(t, err)

	w, err := e.NewTimerWorker(&workflow.TimerWorkerConfig{Owner: "w1"})
	require.NoError(t, err)
	clk.Set(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)) // Friday: the reminder
	n, err := w.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the timer worker fires on the narrow store")
}

func TestWithStoreSharesWorkflowsRegisteredLater(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, err := workflow.New(memory.New(), nil)
	require.NoError(t, err)
	other := memory.New()
	view := e.WithStore(other)
	_, err = view.Open(ctx, workflow.OpenParams{Type: "building-permit", Actor: resident})
	require.ErrorIs(t, err, adapters.ErrNotFound, "no workflow is registered yet")

	require.NoError(t, e.Register(compileExample(t, workflows.PermitReview(), permitHooks())))
	c, err := view.Open(ctx, workflow.OpenParams{Type: "building-permit", Actor: resident})
	require.NoError(t, err, "a workflow registered on the engine serves its views")
	_, err = other.GetCase(ctx, c.ID)
	require.NoError(t, err, "the view writes to its own store")
	_, err = e.History(ctx, c.ID)
	require.ErrorIs(t, err, adapters.ErrNotFound, "and not to the engine's")
	assert.Equal(t, e.Types(), view.Types())
}
