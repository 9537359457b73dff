package workflow_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/workflow"
)

// A payment recorded by one action is what a later action's guard reads.
func TestRecordedPayloadBecomesCaseData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg, err := forms.NewRegistry(nil)
	require.NoError(t, err)
	payment, err := reg.Load(ctx, "payment.json", []byte(`{"x-form":{"id":"payment","version":1},"type":"object",
	  "required":["feePaid","receipt"],"properties":{"feePaid":{"type":"boolean"},"receipt":{"type":"string","maxLength":20}}}`))
	require.NoError(t, err)

	b := workflow.NewBuilder("permit", 1).Initial("in-review")
	b.State("in-review")
	b.State("approved").Terminal(workflow.TerminalClosed)
	b.Internal("record-payment", "in-review").Roles("clerk").Form("payment").Record()
	b.Permit("approve", "approved", "in-review").Roles("reviewer").Guards("fee-paid")
	def, err := b.Build()
	require.NoError(t, err)
	feePaid := func(_ context.Context, in *workflow.Input) (bool, string) {
		var d struct {
			FeePaid bool `json:"feePaid"`
		}
		_ = json.Unmarshal(in.Case.Data, &d)
		return d.FeePaid, "the fee has not been paid"
	}
	w, err := workflow.Compile(def, &workflow.Hooks{
		Guards: map[string]workflow.Guard{"fee-paid": feePaid},
		Forms:  map[string]workflow.PayloadValidator{"payment": payment},
	})
	require.NoError(t, err)
	e, err := workflow.New(memory.New(), nil)
	require.NoError(t, err)
	require.NoError(t, e.Register(w))

	c, err := e.Open(ctx, workflow.OpenParams{Type: "permit", Actor: workflow.Actor{Subject: "resident-1"},
		Data: json.RawMessage(`{"address":"12 Harbour Row","feePaid":false}`)})
	require.NoError(t, err)
	clerk := workflow.Actor{Subject: "clerk-1", Roles: []string{"clerk"}}
	reviewer := workflow.Actor{Subject: "reviewer-1", Roles: []string{"reviewer"}}

	_, err = e.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "approve", Actor: reviewer})
	var denied *workflow.DeniedError
	require.True(t, errors.As(err, &denied), "unpaid: %v", err)
	assert.Equal(t, workflow.DeniedGuard, denied.Code)

	_, err = e.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "record-payment", Actor: clerk,
		Payload: json.RawMessage(`{"feePaid":true,"receipt":"this receipt number is far too long"}`)})
	require.True(t, errors.As(err, &denied), "a payload the form refuses is not recorded: %v", err)
	assert.Equal(t, workflow.DeniedPayload, denied.Code)

	r, err := e.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "record-payment", Actor: clerk,
		Payload: json.RawMessage(`{"feePaid":true,"receipt":"R-1001"}`)})
	require.NoError(t, err)
	assert.JSONEq(t, `{"address":"12 Harbour Row","feePaid":true,"receipt":"R-1001"}`, string(r.Case.Data),
		"the payment's keys replace and join the case's")
	assert.Equal(t, "in-review", r.Case.State)

	r, err = e.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "approve", Actor: reviewer, ExpectedVersion: r.Case.Version})
	require.NoError(t, err)
	assert.Equal(t, "approved", r.Case.State)
	assert.False(t, r.Case.ClosedAt.IsZero())
}

func TestRecordNeedsAForm(t *testing.T) {
	t.Parallel()
	b := workflow.NewBuilder("x", 1).Initial("a")
	b.State("a")
	b.Internal("note", "a").Roles("clerk").Record()
	_, err := b.Build()
	var de *workflow.DefinitionError
	require.True(t, errors.As(err, &de), "%v", err)
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "/transitions/0/record")
}

// Follow-ons see the case as the transition leaves it, recorded data
// included, and do not react to assignments, which are not transitions.
func TestFollowOnsSeeRecordedDataAndIgnoreAssignments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg, err := forms.NewRegistry(nil)
	require.NoError(t, err)
	note, err := reg.Load(ctx, "note.json", []byte(`{"x-form":{"id":"note","version":1},"type":"object",
	  "properties":{"fee":{"type":"integer"}}}`))
	require.NoError(t, err)
	b := workflow.NewBuilder("permit", 1).Initial("open").AssignRoles("clerk")
	b.State("open")
	b.Internal("record-fee", "open").Roles("clerk").Form("note").Record()
	def, err := b.Build()
	require.NoError(t, err)
	w, err := workflow.Compile(def, &workflow.Hooks{Forms: map[string]workflow.PayloadValidator{"note": note}})
	require.NoError(t, err)

	var seen []string
	panicky := false
	e, err := workflow.New(memory.New(), &workflow.EngineConfig{FollowOns: []workflow.FollowOn{{
		Name: "watch",
		When: func(ch *workflow.Change) bool {
			if panicky {
				panic("rule bug")
			}
			seen = append(seen, ch.Trigger+" "+string(ch.Case.Data))
			return false
		},
		Open: func(context.Context, *adapters.Case) (workflow.OpenParams, error) { return workflow.OpenParams{}, nil },
	}}})
	require.NoError(t, err)
	require.NoError(t, e.Register(w))
	clerk := workflow.Actor{Subject: "clerk-1", Roles: []string{"clerk"}}
	c, err := e.Open(ctx, workflow.OpenParams{Type: "permit", Actor: workflow.Actor{Subject: "resident-1"}, Data: json.RawMessage(`{"a":1}`)})
	require.NoError(t, err)

	_, err = e.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "record-fee", Actor: clerk, Payload: json.RawMessage(`{"fee":10}`)})
	require.NoError(t, err)
	_, err = e.Assign(ctx, workflow.AssignParams{CaseID: c.ID, Actor: clerk, Assignee: "clerk-2"})
	require.NoError(t, err)
	assert.Equal(t, []string{`record-fee {"a":1,"fee":10}`}, seen, "one transition seen, with its recorded data; the assignment not at all")

	panicky = true
	_, err = e.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "record-fee", Actor: clerk, Payload: json.RawMessage(`{"fee":12}`)})
	require.ErrorIs(t, err, workflow.ErrPanic, "a panicking rule fails the transition")
	got, err := e.History(ctx, c.ID)
	require.NoError(t, err)
	assert.Len(t, got, 3, "opened, record-fee, assigned: the failed transition wrote nothing")
}
