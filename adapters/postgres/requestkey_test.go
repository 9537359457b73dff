package postgres

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
)

// Retries of one request racing each other: the request key, claimed
// first in each transaction, makes the later ones wait for the first and
// answer from its result.
func TestConcurrentRetriesOfOneRequestAllSucceedOnce(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const n = 8

	create := testCase("c1")
	create.RequestKey = "create-c1"
	createErrs := make([]error, n)
	run(n, func(i int) { _, createErrs[i] = s.CreateCase(ctx, create) })
	for i, err := range createErrs {
		require.NoError(t, err, "retry %d of a CreateCase", i)
	}

	tp := adapters.TransitionParams{
		CaseID: "c1", ExpectedVersion: 1, State: "in-review", At: testTime, RequestKey: "review-c1",
		Events:   []adapters.Event{{Kind: "transition", FromState: "submitted", ToState: "in-review", Trigger: "review", At: testTime}},
		Messages: []adapters.Message{{ID: "m1", IdempotencyKey: "m1", Channel: "email", CreatedAt: testTime}},
	}
	results := make([]adapters.TransitionResult, n)
	errs := make([]error, n)
	run(n, func(i int) { results[i], errs[i] = s.ApplyTransition(ctx, tp) })
	applied := 0
	for i, err := range errs {
		require.NoError(t, err, "retry %d of a transition", i)
		if !results[i].Replayed {
			applied++
		}
		assert.Equal(t, int64(2), results[i].Case.Version)
		require.Len(t, results[i].Events, 1)
		assert.Equal(t, int64(2), results[i].Events[0].Seq)
	}
	assert.Equal(t, 1, applied, "one retry applies the transition, the others replay it")

	evs, err := s.ListEvents(ctx, "c1")
	require.NoError(t, err)
	assert.Len(t, evs, 2, "the case has its opening event and one transition")
	msgs, err := s.ListMessages(ctx, "c1")
	require.NoError(t, err)
	assert.Len(t, msgs, 1)
}

func run(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			fn(i)
		}()
	}
	close(start)
	wg.Wait()
}
