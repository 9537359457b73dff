package workflow_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
