package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/postgres"
	"github.com/civickit/civickit/feedback"
)

// Everything civickit-specific lives in this file: a round delivers the
// pre-inserted messages with feedback.Dispatcher over the PostgreSQL
// store, which is both its outbox (with batched marks) and its people
// store, so every message goes through the real people lookup, the Reach
// checks, template rendering and the marks.

// The dispatcher's settings in this comparison.
const (
	// civickitBatch is how many messages one claim takes.
	civickitBatch = 100
	// civickitPollInterval is the pause between claims when the outbox
	// had less than a full batch due: River's FetchPollInterval here
	// (the dispatcher's default is a second).
	civickitPollInterval = riverFetchPollInterval
	// civickitLease is the claim lease; a batch is sent and marked in
	// milliseconds, so no message is claimed twice.
	civickitLease = time.Minute
)

// civickitEnqueueChunk is how many messages one EnqueueMessages call
// writes while pre-inserting (its duplicate check is quadratic in the
// call's size).
const civickitEnqueueChunk = 1000

// civickitPeople is how many people the messages cycle through; a batch
// of consecutive messages names as many distinct people as it holds, up
// to this.
const civickitPeople = 100

// civickitDonePoll is how often the round counts sent messages in the
// table once the channel has seen every send.
const civickitDonePoll = 2 * time.Millisecond

// The template every message uses: an email with a subject and a text
// body, rendered from the message's data.
const (
	benchTemplate = "bench"
	benchText     = "Subject: Request {{.ref}} updated\n\nYour request {{.ref}} has a new update.\n"
)

// noopEmail is an "email" channel that sends nothing and counts its
// calls, so a round measures the outbox alone. It refuses, permanently,
// a message that arrives without an address, a subject or a text: the
// round then fails rather than measuring a broken path.
type noopEmail struct {
	sends    atomic.Int64
	rejected atomic.Int64
	// all is closed when sends reaches want.
	all  chan struct{}
	want int64
}

// Name implements adapters.Channel.
func (*noopEmail) Name() string { return adapters.ChannelEmail }

// Send implements adapters.Channel.
func (c *noopEmail) Send(_ context.Context, m adapters.Outgoing) (adapters.Sent, error) {
	if c.sends.Add(1) == c.want {
		close(c.all)
	}
	if m.To == "" || m.Subject == "" || m.Text == "" {
		c.rejected.Add(1)
		return adapters.Sent{}, adapters.Permanent("", errors.New("not rendered or not addressed"))
	}
	return adapters.Sent{}, nil
}

// civickitRound builds a PostgreSQL store in the empty schema, writes the
// people and pre-inserts n messages (not timed), then times a
// feedback.Dispatcher with the given number of workers from Run until the
// table holds n sent messages, that is until the marks are written.
func civickitRound(ctx context.Context, pool *pgxpool.Pool, schema string, n, workers int, logger *slog.Logger) (time.Duration, error) {
	store, err := postgres.New(ctx, pool, &postgres.Config{Schema: schema})
	if err != nil {
		return 0, err
	}
	defer store.Close()
	if err := putPeople(ctx, store); err != nil {
		return 0, err
	}
	if err := preInsert(ctx, store, n); err != nil {
		return 0, err
	}
	templates, err := feedback.LoadTemplates(fstest.MapFS{
		benchTemplate + "/email.en.txt": {Data: []byte(benchText)},
	}, &feedback.TemplatesConfig{Fields: map[string][]string{benchTemplate: {"ref"}}})
	if err != nil {
		return 0, err
	}
	email := &noopEmail{all: make(chan struct{}), want: int64(n)}
	d, err := feedback.NewDispatcher(store, store, &feedback.DispatcherConfig{
		Channels:     []adapters.Channel{email},
		Renderer:     templates,
		Owner:        "peerbench",
		Workers:      workers,
		Batch:        civickitBatch,
		Lease:        civickitLease,
		PollInterval: civickitPollInterval,
		Logger:       logger,
	})
	if err != nil {
		return 0, err
	}

	q := "SELECT count(*) FROM " + pgx.Identifier{schema, "messages"}.Sanitize() + " WHERE status = 'sent'"
	countSent := func(ctx context.Context) (int, error) {
		var sent int
		if err := pool.QueryRow(ctx, q).Scan(&sent); err != nil {
			return 0, fmt.Errorf("count sent messages: %w", err)
		}
		return sent, nil
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(done)
		_ = d.Run(runCtx) // Run returns nil; it logs store errors and retries
	}()
	elapsed, waitErr := func() (time.Duration, error) {
		// Counting in the table while the dispatcher works would load the
		// server it is measured on: wait for the sends, then for the marks.
		select {
		case <-email.all:
		case <-ctx.Done():
			return 0, fmt.Errorf("%d of %d messages sent: %w", email.sends.Load(), n, ctx.Err())
		}
		if r := email.rejected.Load(); r > 0 {
			return 0, fmt.Errorf("%d of %d messages reached the channel unrendered or unaddressed", r, n)
		}
		t := time.NewTicker(civickitDonePoll)
		defer t.Stop()
		for {
			sent, err := countSent(ctx)
			if err != nil {
				return 0, err
			}
			if sent >= n {
				return time.Since(start), nil
			}
			select {
			case <-t.C:
			case <-ctx.Done():
				return 0, fmt.Errorf("%d of %d messages marked sent: %w", sent, n, ctx.Err())
			}
		}
	}()
	stop()
	<-done
	if waitErr != nil {
		return 0, waitErr
	}

	sent, err := countSent(ctx)
	if err != nil {
		return 0, err
	}
	var errs []error
	if sent != n {
		errs = append(errs, fmt.Errorf("%d messages sent in the table, want %d", sent, n))
	}
	if got := email.sends.Load(); got != int64(n) {
		errs = append(errs, fmt.Errorf("%d sends for %d messages", got, n))
	}
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	return elapsed, nil
}

// putPeople writes the people the messages go to, each with an email
// address and "email" as their one channel.
func putPeople(ctx context.Context, people adapters.PeopleStore) error {
	now := time.Now()
	for i := range civickitPeople {
		err := people.PutPerson(ctx, adapters.Person{
			ID:        personID(i),
			Locale:    "en",
			Channels:  []string{adapters.ChannelEmail},
			Addresses: map[string]string{adapters.ChannelEmail: fmt.Sprintf("person-%03d@example.org", i)},
			UpdatedAt: now,
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func personID(i int) string { return fmt.Sprintf("person-%03d", i%civickitPeople) }

// preInsert enqueues n due email messages to the people in turn, in
// chunks.
func preInsert(ctx context.Context, store adapters.Outbox, n int) error {
	now := time.Now()
	for first := 0; first < n; first += civickitEnqueueChunk {
		msgs := make([]adapters.Message, 0, min(civickitEnqueueChunk, n-first))
		for i := first; i < n && i < first+civickitEnqueueChunk; i++ {
			msgs = append(msgs, adapters.Message{
				ID:             fmt.Sprintf("msg-%07d", i),
				Channel:        adapters.ChannelEmail,
				Recipient:      personID(i),
				Template:       benchTemplate,
				Locale:         "en",
				Data:           fmt.Appendf(nil, `{"ref":"R-%07d"}`, i),
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
