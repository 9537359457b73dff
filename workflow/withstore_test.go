package workflow_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
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

func TestWithStoreRunsInsideThePostgresTransaction(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		commit bool
	}{
		{name: "RollbackLeavesNothing", commit: false},
		{name: "CommitKeepsEverything", commit: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			store := openPostgres(t)
			counting := &countingStore{Store: store}
			f := newFixture(t, storeImpl{name: "postgres", open: func(testing.TB) adapters.Store { return counting }}, nil)

			tx, err := postgresPool(t).Begin(ctx)
			require.NoError(t, err)
			t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
			inTx := store.WithTx(tx)
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

			if tt.commit {
				require.NoError(t, tx.Commit(ctx))
				found2, events2, msgs2, timers2 := written(t, store, store, c.ID)
				assert.True(t, found2, "a committed case stays")
				assert.Equal(t, []int{events, msgs, timers}, []int{events2, msgs2, timers2}, "events, messages and timers commit with the case")
				return
			}
			require.NoError(t, tx.Rollback(ctx))
			found, events, msgs, timers = written(t, store, store, c.ID)
			assert.False(t, found, "a rolled-back case is gone")
			assert.Zero(t, events+msgs+timers, "no event, message or timer outlives the rollback")

			// The shared engine never remembered the rolled-back case: a Fire
			// naming the version the view wrote last reads the store again.
			before := counting.reads.Load()
			_, err = f.engine.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "provide-info", Actor: resident, ExpectedVersion: r.Case.Version})
			require.ErrorIs(t, err, adapters.ErrNotFound)
			assert.Equal(t, before+1, counting.reads.Load(), "the shared cache served a case written in a rolled-back transaction")
		})
	}
}
