package adaptertest

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
)

// BenchSubscribers is how many people follow the topic of
// BenchExpandSubscribers.
const BenchSubscribers = 10000

// BenchSubscribe makes n people ("person-00000", ...) follow topic, from
// ParallelBenchGoroutines goroutines.
func BenchSubscribe(b testing.TB, s adapters.Store, topic adapters.Topic, n int) {
	b.Helper()
	ctx := context.Background()
	at := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, ParallelBenchGoroutines)
	for w := range ParallelBenchGoroutines {
		wg.Go(func() {
			for i := w; i < n; i += ParallelBenchGoroutines {
				sub := adapters.Subscription{Topic: topic, Person: fmt.Sprintf("person-%05d", i), CreatedAt: at}
				if err := s.Subscribe(ctx, sub); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatalf("subscribe benchmark followers: %v", err)
	}
}

// BenchExpandSubscribers measures one PostUpdate whose one message goes
// to the BenchSubscribers followers of the topic: the store writes the
// update and BenchSubscribers messages per iteration.
func BenchExpandSubscribers(b *testing.B, s adapters.Store) {
	ctx := context.Background()
	topic := adapters.AreaTopic("ward-3")
	BenchSubscribe(b, s, topic, BenchSubscribers)
	at := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		id := "update-" + strconv.Itoa(i)
		m := adapters.Message{
			ID: id, IdempotencyKey: id, Recipient: adapters.SubscribersOf(topic), Template: "official-update",
			Data: inReviewData, CreatedAt: at,
		}
		err := s.PostUpdate(ctx, adapters.UpdateParams{
			Update:   adapters.Update{ID: id, Topic: topic, Author: "staff-1", Title: "Leaf pickup", Body: "Starts Monday.", CreatedAt: at},
			Messages: []adapters.Message{m},
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if _, err := s.GetMessage(ctx, fmt.Sprintf("update-0/person-%05d", BenchSubscribers-1)); err != nil {
		b.Fatalf("the last follower got no message: %v", err)
	}
}
