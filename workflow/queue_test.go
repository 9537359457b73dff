package workflow_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/workflow"
)

// listingStore counts listings and case reads, to see how many store
// calls a queue page costs.
type listingStore struct {
	adapters.Store
	lists, reads atomic.Int64
}

func (s *listingStore) ListCases(ctx context.Context, q adapters.CaseQuery) (adapters.CasePage, error) {
	s.lists.Add(1)
	return s.Store.ListCases(ctx, q)
}

func (s *listingStore) GetCase(ctx context.Context, id string) (adapters.Case, error) {
	s.reads.Add(1)
	return s.Store.GetCase(ctx, id)
}

func TestQueue(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, impl storeImpl) {
		ctx := context.Background()
		f := newFixture(t, impl, nil)
		var ids []string
		for i := range 5 {
			c := f.openPermit(t, fmt.Sprintf(`{"feePaid":%v}`, i%2 == 0))
			ids = append(ids, c.ID)
			if i >= 3 {
				f.fire(t, c.ID, "screen", clerk, "")
				f.fire(t, c.ID, "accept", clerk, "")
			}
		}
		counted := &listingStore{Store: f.store}
		e, err := workflow.New(counted, nil)
		require.NoError(t, err)
		require.NoError(t, e.Register(compileExample(t, workflowsPermit(), permitHooks())))

		var seen []string
		var queueReads, queueLists int64
		q := adapters.CaseQuery{Type: "building-permit", Limit: 2}
		for pages := 0; ; pages++ {
			require.Less(t, pages, 5, "the queue must end")
			reads, lists := counted.reads.Load(), counted.lists.Load()
			page, err := e.Queue(ctx, reviewer, q)
			require.NoError(t, err)
			queueReads += counted.reads.Load() - reads
			queueLists += counted.lists.Load() - lists
			for _, item := range page.Items {
				seen = append(seen, item.Case.ID)
				all, err := e.Permitted(ctx, item.Case.ID, reviewer)
				require.NoError(t, err)
				var want []workflow.Action
				for _, a := range all {
					if a.Denied == nil || a.Denied.Code != workflow.DeniedNotInState {
						want = append(want, a)
					}
				}
				require.NotEmpty(t, want)
				assert.Equal(t, want, item.Actions, "case %s: the queue lists what Permitted says of the actions the state offers", item.Case.ID)
			}
			if page.NextCursor == "" {
				break
			}
			q.Cursor = page.NextCursor
		}
		assert.ElementsMatch(t, ids, seen, "every case once")
		assert.Zero(t, queueReads, "the queue reads no case again")
		assert.Equal(t, int64(3), queueLists, "one listing per page")

		page, err := e.Queue(ctx, reviewer, adapters.CaseQuery{Type: "building-permit", State: "in-review"})
		require.NoError(t, err)
		require.Len(t, page.Items, 2)
		for _, item := range page.Items {
			allowed := map[string]bool{}
			for _, a := range item.Actions {
				allowed[a.Trigger] = a.Allowed
			}
			assert.True(t, allowed["reject"], "a reviewer may reject a case in review")
			assert.False(t, allowed["screen"])
		}

		_, err = e.Queue(ctx, reviewer, adapters.CaseQuery{Limit: -1})
		assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
	})
}
