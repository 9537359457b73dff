package workflow_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/identity"
	"github.com/civickit/civickit/workflow"
)

// A signed-in principal is a Person without workflow importing identity.
var _ workflow.Person = (*identity.Principal)(nil)

func TestActorOf(t *testing.T) {
	t.Parallel()
	roles := []string{"clerk", "reviewer"}
	p := &identity.Principal{Issuer: "https://login.example.gov", Subject: "u-1", Roles: roles, Assurance: identity.AssuranceSubstantial, Email: "a@example.org"}
	tests := []struct {
		name   string
		person workflow.Person
		want   workflow.Actor
	}{
		{"SignedIn", p, workflow.Actor{Issuer: "https://login.example.gov", Subject: "u-1", Roles: []string{"clerk", "reviewer"}, Assurance: adapters.AssuranceSubstantial}},
		{"NilInterface", nil, workflow.Actor{}},
		{"NilPrincipal", (*identity.Principal)(nil), workflow.Actor{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, workflow.ActorOf(tt.person))
		})
	}
	a := workflow.ActorOf(p)
	a.Roles[0] = "changed"
	assert.Equal(t, "clerk", p.Roles[0], "the actor's roles are its own copy")
}

func TestActorOfNeverMakesTheSystem(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, storeImpls[0], nil)
	c := f.toReview(t, `{"feePaid":false}`)
	f.fire(t, c.ID, "request-info", reviewer, `{"question":"Which lot?"}`)
	for _, p := range []*identity.Principal{
		{Issuer: "https://login.example.gov", Subject: "system", Roles: []string{"system", "reviewer"}, Assurance: identity.AssuranceHigh},
		{Issuer: "system", Subject: "system", Roles: []string{"SYSTEM", "System"}, Assurance: identity.AssuranceHigh},
	} {
		a := workflow.ActorOf(p)
		assert.NotEqual(t, workflow.SystemActor(), a)
		actions, err := f.engine.Permitted(ctx, c.ID, a)
		require.NoError(t, err)
		for _, act := range actions {
			assert.NotEqual(t, "lapse", act.Trigger, "a system-only action is left out for any principal")
		}
		_, err = f.engine.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "lapse", Actor: a})
		assert.Equal(t, workflow.DeniedRole, denial(t, err).Code, "a principal calling itself system cannot fire a system-only action")
	}
}

func TestOpenKeepsTheSubmittersIssuer(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		ctx := context.Background()
		f := newFixture(t, impl, nil)
		p := &identity.Principal{Issuer: "https://login.example.gov", Subject: "resident-9", Assurance: identity.AssuranceSubstantial}
		sub := adapters.Submission{FormID: "permit-application", FormVersion: 1, Data: json.RawMessage(`{"address":"1 Main St"}`)}
		c, err := f.engine.Open(ctx, workflow.OpenParams{Type: "building-permit", Actor: workflow.ActorOf(p), Submission: &sub})
		require.NoError(t, err)
		assert.Equal(t, "resident-9", c.Submitter)
		assert.Equal(t, "https://login.example.gov", c.SubmitterIssuer)
		got, err := f.store.GetCase(ctx, c.ID)
		require.NoError(t, err)
		assert.Equal(t, "https://login.example.gov", got.SubmitterIssuer)
		subs, err := f.store.ListSubmissions(ctx, c.ID)
		require.NoError(t, err)
		require.Len(t, subs, 1)
		assert.Equal(t, "https://login.example.gov", subs[0].SubmitterIssuer)

		impostor := workflow.ActorOf(&identity.Principal{Issuer: "https://other.example.gov", Subject: "resident-9", Assurance: identity.AssuranceHigh})
		_, err = f.engine.Withdraw(ctx, workflow.WithdrawParams{CaseID: c.ID, Actor: impostor})
		assert.Equal(t, workflow.DeniedNotSubmitter, denial(t, err).Code, "the same subject at another issuer is another person")
		_, err = f.engine.Withdraw(ctx, workflow.WithdrawParams{CaseID: c.ID, Actor: workflow.ActorOf(p)})
		require.NoError(t, err, "the submitter, issuer and subject, may withdraw")

		onBehalf, err := f.engine.Open(ctx, workflow.OpenParams{
			Type: "building-permit", Actor: clerk, OnBehalf: true, Channel: "counter",
			Submitter: "resident-10", SubmitterIssuer: "https://other.example.gov",
		})
		require.NoError(t, err)
		assert.Equal(t, "resident-10", onBehalf.Submitter)
		assert.Equal(t, "https://other.example.gov", onBehalf.SubmitterIssuer)
	})
}
