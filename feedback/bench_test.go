package feedback_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/feedback"
)

// countingChannel accepts every message at once.
type countingChannel struct{ n atomic.Int64 }

func (c *countingChannel) Name() string { return "email" }
func (c *countingChannel) Send(ctx context.Context, m adapters.Outgoing) (adapters.Sent, error) {
	c.n.Add(1)
	return adapters.Sent{ProviderID: m.MessageID}, nil
}

// BenchmarkDispatch measures Run delivering b.N queued messages through a
// channel that does nothing, on PostgreSQL: claims, recipient and reach
// look-ups, rendering and batched marks, reported as msgs/s.
//
// The memory runs show the dispatcher's own cost (and allocations) with a
// store that costs next to nothing.
func BenchmarkDispatch(b *testing.B) {
	type run struct {
		impl    storeImpl
		workers int
	}
	var runs []run
	for _, w := range []int{4, 16, 64} {
		runs = append(runs, run{storeImpls[2], w})
	}
	runs = append(runs, run{storeImpls[0], 4})
	for _, r := range runs {
		workers := r.workers
		b.Run(fmt.Sprintf("%s/workers=%d", r.impl.name, workers), func(b *testing.B) {
			store := r.impl.open(b)
			ctx := context.Background()
			now := time.Now()
			batch := make([]adapters.Message, 0, 1000)
			for i := range b.N {
				id := fmt.Sprintf("m-%09d", i)
				batch = append(batch, adapters.Message{ID: id, IdempotencyKey: id, Recipient: "email:r" + id + "@example.org",
					Template: "case-update", CreatedAt: now})
				if len(batch) == cap(batch) || i == b.N-1 {
					if err := store.EnqueueMessages(ctx, batch); err != nil {
						b.Fatal(err)
					}
					batch = batch[:0]
				}
			}
			ch := &countingChannel{}
			d, err := feedback.NewDispatcher(store, store, &feedback.DispatcherConfig{
				Channels: []adapters.Channel{ch}, Renderer: testRenderer{}, Workers: workers, PollInterval: time.Millisecond,
			})
			if err != nil {
				b.Fatal(err)
			}
			runCtx, cancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			go func() { done <- d.Run(runCtx) }()
			for ch.n.Load() < int64(b.N) {
				time.Sleep(100 * time.Microsecond)
			}
			cancel()
			if err := <-done; err != nil {
				b.Fatal(err)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
			m, err := store.GetMessage(ctx, fmt.Sprintf("m-%09d", b.N-1))
			if err != nil || !m.Status.Final() {
				b.Fatalf("the last message is not marked: %v %+v", err, m.Status)
			}
		})
	}
}
