package feedback_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/feedback"
	"github.com/civickit/civickit/workflow"
)

var staff = workflow.Actor{Subject: "planner-1", Issuer: "https://login.example.gov", Roles: []string{feedback.IdeaStaffRole}, Assurance: workflow.AssuranceSubstantial}

func newIdeas(t *testing.T, store adapters.Store) (*feedback.Ideas, *workflow.Engine) {
	t.Helper()
	e, err := workflow.New(store, &workflow.EngineConfig{Now: newClock(t0).Now})
	require.NoError(t, err)
	x, err := feedback.NewIdeas(e, store, &feedback.IdeasConfig{Categories: []string{"parks", "streets"}, Now: newClock(t0).Now})
	require.NoError(t, err)
	return x, e
}

var benches = feedback.Proposal{Title: " Benches on Elm Street ", Body: "The bus stop on Elm has nowhere to sit.", Category: "streets", Area: "ward-3"}

func TestIdeasMoveThroughTheirWorkflow(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, store adapters.Store) {
		ctx := context.Background()
		x, e := newIdeas(t, store)
		i, err := x.Propose(ctx, resident, benches)
		require.NoError(t, err)
		assert.Equal(t, "Benches on Elm Street", i.Title, "the title is trimmed")
		assert.Equal(t, "submitted", i.State)
		assert.Equal(t, "r-1", i.Author)
		c, err := store.GetCase(ctx, i.ID)
		require.NoError(t, err)
		assert.Equal(t, feedback.IdeaType, c.Type, "an idea is a case of the idea workflow")
		assert.JSONEq(t, `{"title":"Benches on Elm Street","category":"streets","area":"ward-3"}`, string(c.Data))

		_, err = x.Review(ctx, resident, i.ID, "")
		var denied *workflow.DeniedError
		require.ErrorAs(t, err, &denied, "residents cannot move ideas")

		for _, step := range []struct {
			move func(context.Context, workflow.Actor, string, string) (adapters.Idea, error)
			want string
		}{{x.Review, "under-review"}, {x.Accept, "accepted"}, {x.Implement, "implemented"}} {
			i, err = step.move(ctx, staff, i.ID, "")
			require.NoError(t, err)
			assert.Equal(t, step.want, i.State)
		}
		_, err = x.Decline(ctx, staff, i.ID, "too late")
		require.ErrorAs(t, err, &denied, "an implemented idea is closed")

		events, err := e.History(ctx, i.ID)
		require.NoError(t, err)
		assert.Len(t, events, 4, "opened and three staff moves")
		msgs, err := store.ListMessages(ctx, i.ID)
		require.NoError(t, err)
		require.Len(t, msgs, 3, "the author hears of each move")
		assert.Equal(t, feedback.IdeaUpdateTemplate, msgs[0].Template)
		assert.Equal(t, "r-1", msgs[0].Recipient)

		// Fire never reaches a case that is not an idea.
		b := workflow.NewBuilder("tree", 1).Initial("asked")
		b.State("asked")
		b.State("done").Terminal(workflow.TerminalClosed)
		b.Permit("accept", "done", "asked").Roles(feedback.IdeaStaffRole)
		def, err := b.Build()
		require.NoError(t, err)
		w, err := workflow.Compile(def, nil)
		require.NoError(t, err)
		require.NoError(t, e.Register(w))
		tree, err := e.Open(ctx, workflow.OpenParams{Type: "tree", Actor: resident})
		require.NoError(t, err)
		_, err = x.Accept(ctx, staff, tree.ID, "")
		require.ErrorIs(t, err, adapters.ErrNotFound)
		tree, err = store.GetCase(ctx, tree.ID)
		require.NoError(t, err)
		assert.Equal(t, "asked", tree.State)
	})
}

func TestProposeRefusesBadInputAndWritesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := storeImpls[0].open(t)
	x, _ := newIdeas(t, store)
	tests := []struct {
		name   string
		author workflow.Actor
		edit   func(p *feedback.Proposal)
		want   error
	}{
		{"anonymous", workflow.Actor{}, func(*feedback.Proposal) {}, feedback.ErrAnonymous},
		{"blank title", resident, func(p *feedback.Proposal) { p.Title = "   " }, adapters.ErrInvalidArgument},
		{"long title", resident, func(p *feedback.Proposal) { p.Title = strings.Repeat("t", adapters.MaxIdeaTitleBytes+1) }, adapters.ErrInvalidArgument},
		{"no body", resident, func(p *feedback.Proposal) { p.Body = "" }, adapters.ErrInvalidArgument},
		{"long body", resident, func(p *feedback.Proposal) { p.Body = strings.Repeat("b", adapters.MaxIdeaBodyBytes+1) }, adapters.ErrInvalidArgument},
		{"unknown category", resident, func(p *feedback.Proposal) { p.Category = "space" }, adapters.ErrInvalidArgument},
		{"long area", resident, func(p *feedback.Proposal) { p.Area = strings.Repeat("a", 256) }, adapters.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := benches
			tt.edit(&p)
			_, err := x.Propose(ctx, tt.author, p)
			require.ErrorIs(t, err, tt.want)
		})
	}
	page, err := store.ListCases(ctx, adapters.CaseQuery{})
	require.NoError(t, err)
	assert.Empty(t, page.Cases, "a refused proposal opens no case")
	ideas, err := x.List(ctx, adapters.IdeaQuery{})
	require.NoError(t, err)
	assert.Empty(t, ideas.Ideas)
}

func TestProposeRetriedWithItsKeyReturnsTheSameIdea(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, store adapters.Store) {
		ctx := context.Background()
		x, _ := newIdeas(t, store)
		p := benches
		p.IdempotencyKey = "form-post-1"
		first, err := x.Propose(ctx, resident, p)
		require.NoError(t, err)
		again, err := x.Propose(ctx, resident, p)
		require.NoError(t, err)
		assert.Equal(t, first.ID, again.ID)
		page, err := x.List(ctx, adapters.IdeaQuery{})
		require.NoError(t, err)
		assert.Len(t, page.Ideas, 1)
	})
}

func TestSupportsCountOncePerPrincipal(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, store adapters.Store) {
		ctx := context.Background()
		x, _ := newIdeas(t, store)
		i, err := x.Propose(ctx, resident, benches)
		require.NoError(t, err)

		require.ErrorIs(t, x.Support(ctx, workflow.Actor{}, i.ID), feedback.ErrAnonymous)
		require.ErrorIs(t, x.Withdraw(ctx, workflow.Actor{}, i.ID), feedback.ErrAnonymous)
		has, err := x.HasSupported(ctx, workflow.Actor{}, i.ID)
		require.NoError(t, err)
		assert.False(t, has)

		// 32 racing supports by one principal count once.
		alice := workflow.Actor{Subject: "alice", Issuer: "https://login.example.gov"}
		var wg sync.WaitGroup
		errs := make([]error, 32)
		for k := range errs {
			wg.Go(func() { errs[k] = x.Support(ctx, alice, i.ID) })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else {
				require.ErrorIs(t, err, adapters.ErrDuplicate)
			}
		}
		assert.Equal(t, 1, ok)
		for k := range 3 {
			require.NoError(t, x.Support(ctx, workflow.Actor{Subject: fmt.Sprintf("neighbour-%d", k)}, i.ID))
		}
		got, err := x.Get(ctx, i.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(4), got.Supports)

		require.NoError(t, x.Withdraw(ctx, alice, i.ID))
		require.ErrorIs(t, x.Withdraw(ctx, alice, i.ID), adapters.ErrNotFound)
		has, err = x.HasSupported(ctx, alice, i.ID)
		require.NoError(t, err)
		assert.False(t, has)
		got, err = x.Get(ctx, i.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(3), got.Supports)
		require.ErrorIs(t, x.Support(ctx, alice, "no-such-idea"), adapters.ErrNotFound)

		// The most supported idea lists first; a state filter follows the
		// workflow.
		other, err := x.Propose(ctx, resident, feedback.Proposal{Title: "A dog park", Body: "Near the river.", Category: "parks"})
		require.NoError(t, err)
		page, err := x.List(ctx, adapters.IdeaQuery{})
		require.NoError(t, err)
		require.Len(t, page.Ideas, 2)
		assert.Equal(t, []string{i.ID, other.ID}, []string{page.Ideas[0].ID, page.Ideas[1].ID})
		_, err = x.Review(ctx, staff, other.ID, "")
		require.NoError(t, err)
		page, err = x.List(ctx, adapters.IdeaQuery{State: "under-review"})
		require.NoError(t, err)
		require.Len(t, page.Ideas, 1)
		assert.Equal(t, other.ID, page.Ideas[0].ID)
	})
}

func TestIdeaDefinitionIsTheShippedWorkflow(t *testing.T) {
	t.Parallel()
	d := feedback.IdeaDefinition()
	assert.Equal(t, feedback.IdeaType, d.Type)
	assert.Equal(t, "submitted", d.Initial)
	w, err := workflow.Compile(d, nil)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{feedback.IdeaReview, feedback.IdeaAccept, feedback.IdeaDecline, feedback.IdeaImplement}, w.Triggers())
	for _, tr := range d.Transitions {
		assert.Equal(t, []string{feedback.IdeaStaffRole}, tr.Roles, "trigger %s is for staff only", tr.Trigger)
	}
	d.Type = "changed"
	assert.Equal(t, feedback.IdeaType, feedback.IdeaDefinition().Type, "each call returns a fresh copy")

	// A second Ideas on the same engine keeps the registered workflow.
	store := storeImpls[0].open(t)
	_, e := newIdeas(t, store)
	_, err = feedback.NewIdeas(e, store, nil)
	require.NoError(t, err)
}
