package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/postgres"
)

// Everything civickit-specific lives in this file, so the comparison can
// move to feedback.Dispatcher here and nowhere else.
//
// INTERIM PATH: until feedback.Dispatcher is in this repository,
// civickitRound delivers with the store's public outbox primitives
// (ClaimMessages, then MarkMessage per message) in N worker goroutines
// that each claim their own batches: the loop any program can write
// against adapters.Outbox today.
//
// The switch to the Dispatcher replaces deliver and needs, per round:
//   - a people store (adapters.PeopleStore) that knows each message's
//     Recipient as a person with an "email" address, written before the
//     clock starts; or recipients of the direct form "email:<address>";
//   - a Renderer with fixed text for template "noop", and a no-op
//     adapters.Channel named "email" whose Send returns adapters.Sent{};
//   - DispatcherConfig{Workers: workers, Batch: civickitBatch,
//     PollInterval: civickitIdlePoll}: the default poll interval is far
//     longer than River's FetchPollInterval here;
//   - an end condition: Run reports no progress, so the channel counts
//     sends and, once it has seen n, the round waits until the table
//     holds n sent messages (marks are recorded after the sends), then
//     cancels Run's context.

// civickitBatch is how many messages a worker claims at a time.
const civickitBatch = 100

// civickitEnqueueChunk is how many messages one EnqueueMessages call
// writes while pre-inserting (its duplicate check is quadratic in the
// call's size).
const civickitEnqueueChunk = 1000

// civickitIdlePoll is how long a worker that found nothing to claim waits
// before it asks again, River's FetchPollInterval in this comparison.
const civickitIdlePoll = riverFetchPollInterval

// civickitLease is the claim lease; far longer than a round, so no
// message is claimed twice.
const civickitLease = 5 * time.Minute

// civickitRound builds a PostgreSQL store in the empty schema, pre-inserts
// n messages (not timed), then times workers delivering them to a no-op
// channel until every one is marked sent.
func civickitRound(ctx context.Context, pool *pgxpool.Pool, schema string, n, workers int) (time.Duration, error) {
	store, err := postgres.New(ctx, pool, &postgres.Config{Schema: schema})
	if err != nil {
		return 0, err
	}
	defer store.Close()
	if err := preInsert(ctx, store, n); err != nil {
		return 0, err
	}

	start := time.Now()
	if err := deliver(ctx, store, n, workers); err != nil {
		return 0, err
	}
	elapsed := time.Since(start)

	var sent int
	q := "SELECT count(*) FROM " + pgx.Identifier{schema, "messages"}.Sanitize() + " WHERE status = 'sent'"
	if err := pool.QueryRow(ctx, q).Scan(&sent); err != nil {
		return 0, fmt.Errorf("count sent messages: %w", err)
	}
	if sent != n {
		return 0, fmt.Errorf("%d messages sent in the table, want %d", sent, n)
	}
	return elapsed, nil
}

// preInsert enqueues n due email messages, in chunks.
func preInsert(ctx context.Context, store adapters.Outbox, n int) error {
	now := time.Now()
	for first := 0; first < n; first += civickitEnqueueChunk {
		msgs := make([]adapters.Message, 0, min(civickitEnqueueChunk, n-first))
		for i := first; i < n && i < first+civickitEnqueueChunk; i++ {
			msgs = append(msgs, adapters.Message{
				ID:             fmt.Sprintf("msg-%07d", i),
				Channel:        "email",
				Recipient:      fmt.Sprintf("person-%07d", i),
				Template:       "noop",
				Locale:         "en",
				IdempotencyKey: fmt.Sprintf("key-%07d", i),
				CreatedAt:      now,
			})
		}
		if err := store.EnqueueMessages(ctx, msgs); err != nil {
			return err
		}
	}
	return nil
}

// deliver runs workers goroutines, each claiming up to civickitBatch
// messages, "sending" each (no-op) and marking it sent, until n messages
// are marked. It is the interim stand-in for feedback.Dispatcher.Run
// (see the top of this file).
func deliver(ctx context.Context, store adapters.Outbox, n, workers int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		marked   atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err })
		cancel()
	}
	for w := range workers {
		owner := fmt.Sprintf("peerbench-%d", w)
		wg.Go(func() {
			for ctx.Err() == nil {
				msgs, err := store.ClaimMessages(ctx, adapters.ClaimParams{
					Owner: owner, Limit: civickitBatch, Now: time.Now(), Lease: civickitLease,
				})
				if err != nil {
					if ctx.Err() == nil {
						fail(err)
					}
					return
				}
				if len(msgs) == 0 {
					select {
					case <-ctx.Done():
					case <-time.After(civickitIdlePoll):
					}
					continue
				}
				for _, m := range msgs {
					err := store.MarkMessage(ctx, adapters.MarkParams{
						ID: m.ID, Owner: owner, Status: adapters.MessageSent, At: time.Now(),
					})
					if err != nil {
						fail(err)
						return
					}
					if marked.Add(1) == int64(n) {
						cancel()
					}
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if got := marked.Load(); got != int64(n) {
		return errors.Join(fmt.Errorf("%d of %d messages marked", got, n), context.Cause(ctx))
	}
	return nil
}
