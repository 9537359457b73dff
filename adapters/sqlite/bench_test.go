package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters/adaptertest"
	"github.com/civickit/civickit/adapters/sqlite"
)

// BenchmarkApplyTransition compares the store with hand-written
// database/sql code doing the same writes on the same schema and file
// settings: read the case version, update the case, insert one event and
// one message, in one transaction.
func BenchmarkApplyTransition(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		adaptertest.BenchApplyTransition(b, openTemp(b))
	})
	b.Run("sqlite-raw", benchRaw)
}

// BenchmarkApplyTransitionParallel measures the one writer under
// ParallelBenchGoroutines concurrent callers, each on its own case.
func BenchmarkApplyTransitionParallel(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		adaptertest.BenchApplyTransitionParallel(b, openTemp(b))
	})
}

// BenchmarkExpandSubscribers posts one update to BenchSubscribers
// followers per iteration.
func BenchmarkExpandSubscribers(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		adaptertest.BenchExpandSubscribers(b, openTemp(b))
	})
}

func benchRaw(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "raw.db")
	// The store lays out the schema and the case; the loop below is plain
	// database/sql.
	s, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		b.Fatal(err)
	}
	adaptertest.BenchCase(b, s, "bench")
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	dsn, err := sqlite.DSN(path, sqlite.DefaultBusyTimeout)
	if err != nil {
		b.Fatal(err)
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	prepare := func(query string) *sql.Stmt {
		st, err := db.PrepareContext(ctx, query)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = st.Close() })
		return st
	}
	readVersion := prepare(`SELECT version FROM cases WHERE id = ?`)
	updateCase := prepare(`UPDATE cases SET state = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?`)
	insertEvent := prepare(`INSERT INTO events (case_id, seq, kind, from_state, to_state, trigger_name, actor, at, comment, payload)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	insertMessage := prepare(`INSERT INTO messages (id, case_id, channel, recipient, template, locale, data, idempotency_key,
		status, attempts, next_attempt_at, last_error, lease_owner, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, NULL, '', '', ?)`)
	inReview, submitted, note := `{"state":"in-review"}`, `{"state":"submitted"}`, `{"note":"checked"}`
	at := time.Now().UTC().Truncate(time.Microsecond).UnixMicro()

	transition := func(v int64) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback() }()
		var stored int64
		if err := tx.StmtContext(ctx, readVersion).QueryRowContext(ctx, "bench").Scan(&stored); err != nil {
			return err
		}
		if stored != v {
			b.Fatalf("stored version %d, want %d", stored, v)
		}
		from, to, data := "submitted", "in-review", inReview
		if v%2 == 0 {
			from, to, data = to, from, submitted
		}
		if _, err := tx.StmtContext(ctx, updateCase).ExecContext(ctx, to, v+1, at, "bench", v); err != nil {
			return err
		}
		if _, err := tx.StmtContext(ctx, insertEvent).ExecContext(ctx, "bench", v+1, "transition", from, to, "review", "staff-1", at, "", note); err != nil {
			return err
		}
		id := "bench-" + strconv.FormatInt(v, 10)
		if _, err := tx.StmtContext(ctx, insertMessage).ExecContext(ctx, id, "bench", "email", "resident@example.org", "state-changed", "en", data, id, at); err != nil {
			return err
		}
		return tx.Commit()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := transition(int64(i + 1)); err != nil {
			b.Fatal(err)
		}
	}
}
