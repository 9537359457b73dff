package workflow_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/workflow"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	when := func(*workflow.Change) bool { return false }
	open := func(context.Context, *adapters.Case) (workflow.OpenParams, error) { return workflow.OpenParams{}, nil }
	tests := []struct {
		name string
		cfg  workflow.EngineConfig
		want []string
	}{
		{name: "defaults", cfg: workflow.EngineConfig{}},
		{name: "negative limits", cfg: workflow.EngineConfig{MaxPayloadBytes: -1, MaxDataBytes: -1}, want: []string{"MaxPayloadBytes", "MaxDataBytes"}},
		{name: "follow-ons", cfg: workflow.EngineConfig{FollowOns: []workflow.FollowOn{
			{Name: "a", When: when, Open: open}, {Name: "a", When: when, Open: open}, {When: when, Open: open}, {Name: "b"},
		}}, want: []string{`"a" is declared twice`, "has no name", `"b" needs When and Open`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			if len(tt.want) == 0 {
				require.NoError(t, err)
				_, err := workflow.New(memory.New(), &tt.cfg)
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			_, err = workflow.New(memory.New(), &tt.cfg)
			require.Error(t, err, "New validates its config")
		})
	}
	_, err := workflow.New(nil, nil)
	require.Error(t, err)
}

func TestWorkerConfigValidate(t *testing.T) {
	t.Parallel()
	e, err := workflow.New(memory.New(), nil)
	require.NoError(t, err)
	tests := []struct {
		name string
		cfg  workflow.TimerWorkerConfig
		ok   bool
	}{
		{name: "defaults", ok: true},
		{name: "batch too large", cfg: workflow.TimerWorkerConfig{Batch: adapters.MaxClaim + 1}},
		{name: "negative lease", cfg: workflow.TimerWorkerConfig{Lease: -1}},
		{name: "negative interval", cfg: workflow.TimerWorkerConfig{Interval: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := e.NewTimerWorker(&tt.cfg)
			if tt.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
}

func TestWorkflowLookup(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storeImpls[0], nil)
	w, err := f.engine.Workflow("pothole", 0)
	require.NoError(t, err)
	assert.Equal(t, 1, w.Version())
	_, err = f.engine.Workflow("pothole", 9)
	require.ErrorIs(t, err, adapters.ErrNotFound)
	assert.Equal(t, []string{"building-permit", "pothole"}, f.engine.Types())
}

func TestPermittedOnClosedCase(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storeImpls[0], nil)
	c := f.openPermit(t, `{}`)
	_, err := f.engine.Withdraw(context.Background(), workflow.WithdrawParams{CaseID: c.ID, Actor: resident})
	require.NoError(t, err)
	actions, err := f.engine.Permitted(context.Background(), c.ID, reviewer)
	require.NoError(t, err)
	require.NotEmpty(t, actions)
	for _, a := range actions {
		assert.False(t, a.Allowed, a.Trigger)
		assert.Equal(t, workflow.DeniedNotInState, a.Denied.Code, a.Trigger)
		assert.Equal(t, `the case has ended in state "withdrawn"`, a.Denied.Reason, a.Trigger)
	}
	_, err = f.engine.Permitted(context.Background(), "missing", reviewer)
	require.ErrorIs(t, err, adapters.ErrNotFound)
}

func TestDefinitionErrorMessage(t *testing.T) {
	t.Parallel()
	b := workflow.NewBuilder("x", 1).Initial("a")
	b.State("a")
	b.State("b")
	_, err := b.Build()
	require.EqualError(t, err, `workflow: definition "x" v1 is invalid: /states/1: state "b" cannot be reached from "a"`)
}
