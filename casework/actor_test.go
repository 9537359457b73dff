package casework_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/casework"
	"github.com/civickit/civickit/identity"
	"github.com/civickit/civickit/workflow"
)

func TestActorOf(t *testing.T) {
	t.Parallel()
	var got workflow.Actor
	h := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = casework.ActorOf(r) })

	as(supervisor, h).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, workflow.Actor{Issuer: supervisor.Issuer, Subject: supervisor.Subject, Roles: []string{"staff", "supervisor"},
		Assurance: workflow.AssuranceSubstantial}, got)
	got.Roles[0] = "changed"
	assert.Equal(t, "staff", supervisor.Roles[0], "the actor has its own copy of the roles")

	got = workflow.Actor{Subject: "stale"}
	as(nil, h).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, workflow.Actor{}, got, "no principal is the anonymous actor")
	assert.NotEqual(t, workflow.SystemActor(), got)

	got = workflow.Actor{Subject: "stale"}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	h.ServeHTTP(httptest.NewRecorder(), r.WithContext(identity.WithPrincipal(r.Context(), nil)))
	assert.Equal(t, workflow.Actor{}, got, "a nil principal is the anonymous actor")

	// a principal naming the system role is still a person
	system := *staff
	system.Roles = []string{workflow.RoleSystem}
	as(&system, h).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	assert.NotEqual(t, workflow.SystemActor(), got)
	require.Equal(t, system.Subject, got.Subject)
}

func TestQueueActorOfOnesOwn(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.open(t, "12 Elm Street")
	h, err := casework.NewQueue(casework.QueueConfig{Engine: w.engine, Pages: w.pages, Path: "/q/", Roles: []string{"staff"},
		Actor: func(r *http.Request) workflow.Actor {
			if r.Header.Get("X-Badge") == "" {
				return workflow.Actor{}
			}
			return workflow.Actor{Issuer: "badge", Subject: r.Header.Get("X-Badge"), Roles: []string{"staff"}}
		}})
	require.NoError(t, err)

	// a principal on the context counts for nothing when Actor is set
	r := get(as(staff, h), "/q/")
	assert.Equal(t, http.StatusUnauthorized, r.Code)

	r = do(h, request{method: http.MethodPost, target: "/q/" + c.ID + "/inspect", body: "version=1", header: map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "X-Badge": "b-42"}})
	require.Equal(t, http.StatusSeeOther, r.Code, r.Body.String())
	assert.Equal(t, "/q/", r.Header().Get("Location"))
	events, err := w.engine.History(t.Context(), c.ID)
	require.NoError(t, err)
	assert.Equal(t, "b-42", events[len(events)-1].Actor)
}
