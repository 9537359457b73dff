package memory_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
)

// A case is opened with its first event, then moved with optimistic
// concurrency: a second writer holding the old version is refused.
func Example() {
	ctx := context.Background()
	store := memory.New()
	defer store.Close()

	now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	c, err := store.CreateCase(ctx, adapters.CreateCaseParams{
		Case:   adapters.Case{ID: "case-1", Type: "pothole", State: "submitted", Channel: "web", CreatedAt: now},
		Events: []adapters.Event{{Kind: "opened", ToState: "submitted", Actor: "resident-42", At: now}},
	})
	if err != nil {
		panic(err)
	}
	move := adapters.TransitionParams{
		CaseID: c.ID, ExpectedVersion: c.Version, State: "in-review", At: now.Add(time.Hour),
		Events: []adapters.Event{{Kind: "transition", FromState: "submitted", ToState: "in-review", Trigger: "review", Actor: "staff-7", At: now.Add(time.Hour)}},
	}
	res, err := store.ApplyTransition(ctx, move)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Case.State, res.Case.Version)

	_, err = store.ApplyTransition(ctx, move) // still expects version 1
	fmt.Println(errors.Is(err, adapters.ErrConflict))
	// Output:
	// in-review 2
	// true
}

// Workers claim outbox messages under a lease and mark the outcome.
func ExampleStore_ClaimMessages() {
	ctx := context.Background()
	store := memory.New()
	defer store.Close()

	now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	err := store.EnqueueMessages(ctx, []adapters.Message{{
		ID: "m1", Channel: "email", Recipient: "resident@example.org", Template: "welcome",
		IdempotencyKey: "welcome-resident-42", CreatedAt: now,
	}})
	if err != nil {
		panic(err)
	}
	claimed, _ := store.ClaimMessages(ctx, adapters.ClaimParams{Owner: "worker-1", Limit: 10, Now: now, Lease: time.Minute})
	again, _ := store.ClaimMessages(ctx, adapters.ClaimParams{Owner: "worker-2", Limit: 10, Now: now, Lease: time.Minute})
	fmt.Println(len(claimed), len(again))

	err = store.MarkMessage(ctx, adapters.MarkParams{ID: "m1", Owner: "worker-1", Status: adapters.MessageSent, At: now})
	fmt.Println(err)
	// Output:
	// 1 0
	// <nil>
}
