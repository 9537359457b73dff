package workflow_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/workflow"
)

// closing is a workflow with a closed state, and an open one reached on
// the way.
func closing(t *testing.T) *workflow.Workflow {
	t.Helper()
	b := workflow.NewBuilder("streetlight", 1).Initial("reported")
	b.State("reported")
	b.State("scheduled")
	b.State("repaired").Terminal(workflow.TerminalClosed)
	b.Permit("schedule", "scheduled", "reported").Roles("crew")
	b.Permit("repair", "repaired", "reported", "scheduled").Roles("crew")
	def, err := b.Build()
	require.NoError(t, err)
	w, err := workflow.Compile(def, nil)
	require.NoError(t, err)
	return w
}

func TestOnCloseWritesItsMessagesWithTheClosingTransition(t *testing.T) {
	t.Parallel()
	for _, impl := range storeImpls {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			store := impl.open(t)
			at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
			var seen []*workflow.Change
			e, err := workflow.New(store, &workflow.EngineConfig{
				Now: func() time.Time { return at },
				OnClose: func(ch *workflow.Change) []adapters.Message {
					seen = append(seen, ch)
					return []adapters.Message{{Channel: "email", Recipient: ch.Case.Submitter, Template: "survey", Data: json.RawMessage(`{"caseId":"` + ch.Case.ID + `"}`)}}
				},
			})
			require.NoError(t, err)
			require.NoError(t, e.Register(closing(t)))
			crew := workflow.Actor{Subject: "crew-1", Roles: []string{"crew"}}
			c, err := e.Open(ctx, workflow.OpenParams{Type: "streetlight", Actor: workflow.Actor{Subject: "r-1"}})
			require.NoError(t, err)
			_, err = e.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "schedule", Actor: crew})
			require.NoError(t, err)
			assert.Empty(t, seen, "opening and moving between open states close nothing")

			fire := workflow.FireParams{CaseID: c.ID, Trigger: "repair", Actor: crew, IdempotencyKey: "repair-1"}
			_, err = e.Fire(ctx, fire)
			require.NoError(t, err)
			require.Len(t, seen, 1, "closing calls OnClose once")
			assert.Equal(t, "repaired", seen[0].Case.State)
			assert.Equal(t, at, seen[0].Case.ClosedAt, "OnClose sees the case as the transition leaves it")
			assert.Equal(t, "scheduled", seen[0].From)

			// A retry of the same request writes nothing more.
			again, err := e.Fire(ctx, fire)
			require.NoError(t, err)
			assert.True(t, again.Replayed)

			msgs, err := store.ListMessages(ctx, c.ID)
			require.NoError(t, err)
			require.Len(t, msgs, 1, "exactly one message for one closing, retries included")
			m := msgs[0]
			assert.Equal(t, "survey", m.Template)
			assert.Equal(t, "r-1", m.Recipient)
			assert.Equal(t, c.ID+"/3/0", m.ID, "the engine names the message after the case version")
			assert.Equal(t, m.ID, m.IdempotencyKey)
			assert.Equal(t, "en", m.Locale)

		})
	}
}

func TestOnClosePanicFailsTheTransitionAndWritesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := storeImpls[0].open(t)
	e, err := workflow.New(store, &workflow.EngineConfig{OnClose: func(*workflow.Change) []adapters.Message { panic("boom") }})
	require.NoError(t, err)
	require.NoError(t, e.Register(closing(t)))
	c, err := e.Open(ctx, workflow.OpenParams{Type: "streetlight", Actor: workflow.Actor{Subject: "r-1"}})
	require.NoError(t, err)
	_, err = e.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "repair", Actor: workflow.Actor{Subject: "crew-1", Roles: []string{"crew"}}})
	require.ErrorIs(t, err, workflow.ErrPanic)
	got, err := store.GetCase(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, "reported", got.State, "a panicking hook writes nothing")
	assert.Equal(t, int64(1), got.Version)
}
