package postgres

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civickit/civickit/adapters/adaptertest"
)

func BenchmarkApplyTransition(b *testing.B) {
	b.Run("postgres", func(b *testing.B) {
		adaptertest.BenchApplyTransition(b, openTestStore(b))
	})
	b.Run("postgres-raw", func(b *testing.B) {
		pool, schema := rawSchema(b)
		ctx := context.Background()
		rawCase(b, pool, schema, "bench")
		at := time.Now()
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if err := rawTransition(ctx, pool, schema, "bench", int64(i+1), at); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkApplyTransitionParallel(b *testing.B) {
	b.Run("postgres", func(b *testing.B) {
		adaptertest.BenchApplyTransitionParallel(b, openTestStore(b))
	})
	b.Run("postgres-raw", func(b *testing.B) {
		pool, schema := rawSchema(b)
		ctx := context.Background()
		procs := runtime.GOMAXPROCS(0)
		par := (adaptertest.ParallelBenchGoroutines + procs - 1) / procs
		for w := range procs * par {
			rawCase(b, pool, schema, fmt.Sprintf("bench-%d", w))
		}
		var next atomic.Int64
		at := time.Now()
		b.SetParallelism(par)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			id := fmt.Sprintf("bench-%d", next.Add(1)-1)
			for v := int64(1); pb.Next(); v++ {
				if err := rawTransition(ctx, pool, schema, id, v, at); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkExpandSubscribers posts one update to BenchSubscribers
// followers per iteration (sqlite and memory run the same benchmark).
func BenchmarkExpandSubscribers(b *testing.B) {
	b.Run("postgres", func(b *testing.B) {
		adaptertest.BenchExpandSubscribers(b, openTestStore(b))
	})
}

// rawSchema is a fresh schema with the store's tables, for the raw
// baselines; the schema name comes back quoted for SQL text.
func rawSchema(b *testing.B) (*pgxpool.Pool, string) {
	s := openTestStore(b)
	return testPool(b), quoteIdent(s.Schema())
}

// rawCase writes the case the raw baseline transitions, as CreateCase
// would: the row at version 1 and its "opened" event.
func rawCase(b *testing.B, pool *pgxpool.Pool, schema, id string) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO `+schema+`.cases (id, type, definition_version, state, version, submitter, team, assignee, channel, created_at, updated_at)
			VALUES ($1, 'pothole', 1, 'submitted', 1, '', '', '', 'web', $2, $2)`, id, now)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO `+schema+`.events (case_id, seq, kind, from_state, to_state, trigger, actor, at, comment)
			VALUES ($1, 1, 'opened', '', 'submitted', '', 'resident-1', $2, '')`, id, now)
		return err
	})
	if err != nil {
		b.Fatalf("create raw benchmark case: %v", err)
	}
}

// rawTransition is what one benchmark transition writes, as a skilled
// engineer would write it by hand: one statement, so one round trip and
// one implicit transaction, that updates the case only at the expected
// version and inserts its event and message only when it did. It sends
// no BEGIN or COMMIT of its own.
func rawTransition(ctx context.Context, pool *pgxpool.Pool, schema, id string, v int64, at time.Time) error {
	from, to, data := "submitted", "in-review", `{"state":"in-review"}`
	if v%2 == 0 {
		from, to, data = to, from, `{"state":"submitted"}`
	}
	at = at.UTC().Truncate(time.Microsecond)
	msgID := id + "-" + strconv.FormatInt(v, 10)
	var applied bool
	err := pool.QueryRow(ctx, `WITH c AS (
			UPDATE `+schema+`.cases SET state = $3, version = version + 1, updated_at = $5
			WHERE id = $1 AND version = $2 RETURNING id
		), e AS (
			INSERT INTO `+schema+`.events (case_id, seq, kind, from_state, to_state, trigger, actor, at, comment, payload)
			SELECT id, $2 + 1, 'transition', $4, $3, 'review', 'staff-1', $5, '', $6::jsonb FROM c
		), m AS (
			INSERT INTO `+schema+`.messages (id, case_id, channel, recipient, template, locale, data, idempotency_key, status, created_at)
			SELECT $7, id, 'email', 'resident@example.org', 'state-changed', 'en', $8::jsonb, $7, 'pending', $5 FROM c
		)
		SELECT EXISTS (SELECT FROM c)`, id, v, to, from, at, `{"note":"checked"}`, msgID, data).Scan(&applied)
	if err == nil && !applied {
		err = fmt.Errorf("case %s is not at version %d", id, v)
	}
	return err
}
