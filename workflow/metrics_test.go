package workflow_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/workflow"
)

// noStats hides the store's CaseStats capability.
type noStats struct{ adapters.Store }

func TestMetrics(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		f := newFixture(t, impl, nil)
		ctx := context.Background()
		// Three permits: one approved after 3 days, one withdrawn after 1
		// day, one still in screening and past due.
		a := f.toReview(t, `{"feePaid":true}`)
		b := f.openPermit(t, `{}`)
		c, err := f.engine.Open(ctx, workflow.OpenParams{Type: "building-permit", Actor: clerk, OnBehalf: true, Submitter: "r-2", Channel: "counter"})
		require.NoError(t, err)
		f.fire(t, c.ID, "screen", clerk, "")
		f.clock.Set(monday.Add(24 * time.Hour))
		_, err = f.engine.Withdraw(ctx, workflow.WithdrawParams{CaseID: b.ID, Actor: resident})
		require.NoError(t, err)
		f.clock.Set(monday.Add(72 * time.Hour))
		f.fire(t, a.ID, "approve", reviewer, `{"conditions":"none"}`)
		f.clock.Set(monday.AddDate(0, 0, 14))

		m, err := f.engine.Metrics(ctx, workflow.MetricsQuery{Type: "building-permit"})
		require.NoError(t, err)
		assert.False(t, m.Partial)
		assert.Equal(t, int64(3), m.Total)
		assert.Equal(t, int64(2), m.Closed)
		assert.Equal(t, map[string]int64{"screening": 1}, m.OpenByState)
		assert.Equal(t, map[string]int64{"web": 2, "counter": 1}, m.ByChannel)
		assert.Equal(t, 24*time.Hour, m.MedianTimeToClose)
		assert.Equal(t, 72*time.Hour, m.P90TimeToClose)
		assert.Equal(t, int64(1), m.Breached)
		assert.InDelta(t, 1.0/3, m.BreachRate, 1e-9)
		assert.InDelta(t, 2.0/3, m.OnlineShare, 1e-9)

		// Without CaseStats the engine falls back to counts per state.
		e, err := workflow.New(noStats{f.store}, &workflow.EngineConfig{Now: f.clock.Now})
		require.NoError(t, err)
		require.NoError(t, e.Register(compileExample(t, workflowsPermit(), permitHooks())))
		m, err = e.Metrics(ctx, workflow.MetricsQuery{Type: "building-permit"})
		require.NoError(t, err)
		assert.True(t, m.Partial)
		assert.Equal(t, int64(3), m.Total)
		assert.Equal(t, int64(2), m.Closed)
		assert.Equal(t, map[string]int64{"screening": 1}, m.OpenByState)
	})
}
