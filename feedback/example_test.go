package feedback_test

import (
	"context"
	"fmt"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/feedback"
)

// Two residents follow their ward; one official update reaches both, as
// one outbox message each.
func ExampleUpdates_PostUpdate() {
	ctx := context.Background()
	store := memory.New()
	now := func() time.Time { return time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC) }
	subs, _ := feedback.NewSubscriptions(store, &feedback.SubscriptionsConfig{Now: now})
	updates, _ := feedback.NewUpdates(store, &feedback.UpdatesConfig{Now: now, NewID: func() string { return "u1" }})

	ward := adapters.AreaTopic("ward-3")
	_ = subs.Follow(ctx, "resident-1", ward)
	_ = subs.Follow(ctx, "resident-2", ward)
	u, err := updates.PostUpdate(ctx, feedback.UpdateInput{Topic: ward, Author: "staff-1", Title: "Leaf pickup starts Monday"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range []string{"resident-1", "resident-2"} {
		m, _ := store.GetMessage(ctx, "update/"+u.ID+"/"+p)
		fmt.Println(m.Recipient, m.Template, string(m.Data))
	}
	// Output:
	// resident-1 official-update {"topic":"area:ward-3","title":"Leaf pickup starts Monday","body":"","updateId":"u1"}
	// resident-2 official-update {"topic":"area:ward-3","title":"Leaf pickup starts Monday","body":"","updateId":"u1"}
}
