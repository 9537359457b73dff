package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// River's settings as a user after throughput would set them: fetch as
// often as River allows once jobs keep coming, poll often when they stop.
const (
	riverFetchCooldown     = time.Millisecond
	riverFetchPollInterval = 10 * time.Millisecond
)

// noopArgs is the job: no arguments, no work.
type noopArgs struct{}

// Kind implements river.JobArgs.
func (noopArgs) Kind() string { return "peerbench_noop" }

// noopWorker does nothing, so a round measures the queue alone.
type noopWorker struct {
	river.WorkerDefaults[noopArgs]
}

// Work implements river.Worker.
func (noopWorker) Work(context.Context, *river.Job[noopArgs]) error { return nil }

// riverRound migrates River into the empty schema, inserts n jobs (not
// timed), then times a client with the given number of workers from Start
// until River reports all n jobs completed, that is until its completer
// has written their completed state.
func riverRound(ctx context.Context, pool *pgxpool.Pool, schema string, n, workers int, logger *slog.Logger) (time.Duration, error) {
	if _, err := pool.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return 0, fmt.Errorf("create schema: %w", err)
	}
	driver := riverpgxv5.New(pool)
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Schema: schema, Logger: logger})
	if err != nil {
		return 0, fmt.Errorf("new migrator: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}

	ws := river.NewWorkers()
	river.AddWorker(ws, noopWorker{})
	client, err := river.NewClient(driver, &river.Config{
		FetchCooldown:     riverFetchCooldown,
		FetchPollInterval: riverFetchPollInterval,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: workers}},
		Workers:           ws,
		Schema:            schema,
		Logger:            logger,
	})
	if err != nil {
		return 0, fmt.Errorf("new client: %w", err)
	}

	params := make([]river.InsertManyParams, n)
	for i := range params {
		params[i] = river.InsertManyParams{Args: noopArgs{}}
	}
	inserted, err := client.InsertManyFast(ctx, params)
	if err != nil {
		return 0, fmt.Errorf("insert %d jobs: %w", n, err)
	}
	if inserted != n {
		return 0, fmt.Errorf("inserted %d jobs, want %d", inserted, n)
	}

	// Events that overflow the channel are dropped, so it holds them all.
	events, unsubscribe := client.SubscribeConfig(&river.SubscribeConfig{
		ChanSize: n,
		Kinds:    []river.EventKind{river.EventKindJobCompleted, river.EventKindJobFailed},
	})
	defer unsubscribe()

	start := time.Now()
	if err := client.Start(ctx); err != nil {
		return 0, fmt.Errorf("start client: %w", err)
	}
	elapsed, waitErr := func() (time.Duration, error) {
		for done := 0; done < n; {
			select {
			case ev := <-events:
				if ev.Kind != river.EventKindJobCompleted {
					return 0, fmt.Errorf("job %d: event %s", ev.Job.ID, ev.Kind)
				}
				done++
			case <-ctx.Done():
				return 0, fmt.Errorf("%d of %d jobs completed: %w", done, n, ctx.Err())
			}
		}
		return time.Since(start), nil
	}()

	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if err := client.Stop(stopCtx); err != nil && waitErr == nil {
		return 0, fmt.Errorf("stop client: %w", err)
	}
	if waitErr != nil {
		return 0, waitErr
	}

	var completed int
	q := "SELECT count(*) FROM " + pgx.Identifier{schema, "river_job"}.Sanitize() + " WHERE state = 'completed'"
	if err := pool.QueryRow(ctx, q).Scan(&completed); err != nil {
		return 0, fmt.Errorf("count completed jobs: %w", err)
	}
	if completed != n {
		return 0, fmt.Errorf("%d jobs completed in the table, want %d", completed, n)
	}
	return elapsed, nil
}
