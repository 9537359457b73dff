package workflow_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/workflow"
)

// countingStore counts case reads, to see which Fires the engine answers
// from the case it remembers.
type countingStore struct {
	adapters.Store
	reads atomic.Int64
}

func (s *countingStore) GetCase(ctx context.Context, id string) (adapters.Case, error) {
	s.reads.Add(1)
	return s.Store.GetCase(ctx, id)
}

func TestFireReusesTheCaseItWroteAndStillRefusesStaleVersions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := &countingStore{Store: memory.New()}
	staff := workflow.Actor{Subject: "staff-1", Roles: []string{"staff"}, Assurance: 2}
	engine := func(cfg *workflow.EngineConfig) *workflow.Engine {
		e, err := workflow.New(store, cfg)
		require.NoError(t, err)
		require.NoError(t, e.Register(benchWorkflow(t)))
		return e
	}
	a, b := engine(nil), engine(nil)
	c, err := a.Open(ctx, workflow.OpenParams{Type: "bench", Actor: workflow.Actor{Subject: "resident-1"}})
	require.NoError(t, err)

	reads := store.reads.Load()
	r, err := a.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "review", Actor: staff, ExpectedVersion: 1})
	require.NoError(t, err)
	assert.Equal(t, reads, store.reads.Load(), "a Fire at the version the engine wrote reads nothing")
	assert.Equal(t, "in-review", r.Case.State)

	// Another engine (another process) moves the case on.
	_, err = b.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "return", Actor: staff, ExpectedVersion: 2})
	require.NoError(t, err)

	// The first engine still remembers version 2; the store refuses it.
	_, err = a.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "return", Actor: staff, ExpectedVersion: 2})
	require.ErrorIs(t, err, adapters.ErrConflict, "a remembered but stale version is refused by the store")
	got, err := store.GetCase(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(3), got.Version, "the refused Fire wrote nothing")

	// It also still remembers version 2 in review, where "review" is not
	// possible; judged on a fresh read, the action is a stale-version
	// conflict, as it would be without the cache.
	_, err = a.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "review", Actor: staff, ExpectedVersion: 2})
	require.ErrorIs(t, err, adapters.ErrConflict, "a stale version is a conflict, not a refusal")

	// Without an expected version the engine always reads.
	reads = store.reads.Load()
	_, err = a.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "review", Actor: staff})
	require.NoError(t, err)
	assert.Equal(t, reads+1, store.reads.Load())

	// A negative cache size turns the cache off.
	off := engine(&workflow.EngineConfig{CaseCacheSize: -1})
	c2, err := off.Open(ctx, workflow.OpenParams{Type: "bench", Actor: workflow.Actor{Subject: "resident-2"}})
	require.NoError(t, err)
	reads = store.reads.Load()
	_, err = off.Fire(ctx, workflow.FireParams{CaseID: c2.ID, Trigger: "review", Actor: staff, ExpectedVersion: 1})
	require.NoError(t, err)
	assert.Equal(t, reads+1, store.reads.Load())
}

func TestCaseCacheStaysBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := &countingStore{Store: memory.New()}
	e, err := workflow.New(store, &workflow.EngineConfig{CaseCacheSize: 2})
	require.NoError(t, err)
	require.NoError(t, e.Register(benchWorkflow(t)))
	staff := workflow.Actor{Subject: "staff-1", Roles: []string{"staff"}}
	var ids []string
	for range 5 {
		c, err := e.Open(ctx, workflow.OpenParams{Type: "bench", Actor: workflow.Actor{Subject: "resident-1"}})
		require.NoError(t, err)
		ids = append(ids, c.ID)
	}
	reads := store.reads.Load()
	for _, id := range ids {
		_, err := e.Fire(ctx, workflow.FireParams{CaseID: id, Trigger: "review", Actor: staff, ExpectedVersion: 1})
		require.NoError(t, err)
	}
	assert.GreaterOrEqual(t, store.reads.Load()-reads, int64(3), "a cache of two remembers at most two of five cases")
}
