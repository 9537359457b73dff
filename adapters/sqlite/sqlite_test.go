package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/sqlite"
)

var at = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

func newCase(id string) adapters.CreateCaseParams {
	return adapters.CreateCaseParams{
		Case:   adapters.Case{ID: id, Type: "pothole", State: "submitted", CreatedAt: at},
		Events: []adapters.Event{{Kind: "opened", ToState: "submitted", Actor: "resident-1", At: at}},
	}
}

func transition(id string, v int64) adapters.TransitionParams {
	return adapters.TransitionParams{
		CaseID: id, ExpectedVersion: v, State: fmt.Sprintf("state-%d", v), At: at.Add(time.Duration(v) * time.Second),
		Events: []adapters.Event{{Kind: "transition", Trigger: "next", Actor: "staff-1", At: at}},
		Messages: []adapters.Message{{
			ID: fmt.Sprintf("%s-m%d", id, v), IdempotencyKey: fmt.Sprintf("%s-k%d", id, v), Template: "t", CreatedAt: at,
		}},
	}
}

func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	dsn, err := sqlite.DSN(path, sqlite.DefaultBusyTimeout)
	require.NoError(t, err)
	db, err := sql.Open("sqlite", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func migrationFiles(t *testing.T) []string {
	t.Helper()
	names, err := fs.Glob(sqlite.Migrations(), "*.up.sql")
	require.NoError(t, err)
	require.NotEmpty(t, names, "the migrations are embedded")
	return names
}

func TestMigrationsAreRecorded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	names := migrationFiles(t)
	assert.Equal(t, "001_initial.up.sql", names[0])
	path := filepath.Join(t.TempDir(), "m.db")
	s, err := sqlite.Open(ctx, path, nil)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	// Opening again applies nothing twice.
	s, err = sqlite.Open(ctx, path, nil)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	db := openDB(t, path)
	rows, err := db.QueryContext(ctx, "SELECT version, name FROM schema_migrations ORDER BY version")
	require.NoError(t, err)
	var got []string
	for rows.Next() {
		var v int
		var name string
		require.NoError(t, rows.Scan(&v, &name))
		got = append(got, fmt.Sprintf("%03d_%s.up.sql", v, name))
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, names, got, "every migration is recorded once")
}

func TestMigrationsRaceOnFreshFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const files, openers = 4, 6
	for f := range files {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("race-%d.db", f))
		stores := make([]*sqlite.Store, openers)
		errs := make([]error, openers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range openers {
			wg.Go(func() {
				<-start
				stores[i], errs[i] = sqlite.Open(ctx, path, nil)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			require.NoError(t, err, "file %d: store %d opening at the same time", f, i)
		}
		// Every store writes to the one schema.
		for i, s := range stores {
			_, err := s.CreateCase(ctx, newCase(fmt.Sprintf("case-%d", i)))
			require.NoError(t, err)
		}
		for _, s := range stores {
			require.NoError(t, s.Close())
		}
		var n int
		require.NoError(t, openDB(t, path).QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n))
		assert.Equal(t, len(migrationFiles(t)), n, "each migration is applied once")
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t, filepath.Join(t.TempDir(), "n.db"))
	s, err := sqlite.New(ctx, db, nil)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	_, err = db.ExecContext(ctx, "INSERT INTO schema_migrations (version, name) VALUES (999, 'future')")
	require.NoError(t, err)
	_, err = sqlite.New(ctx, db, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "schema version 999, newer")
}

// Many goroutines writing at once never see SQLITE_BUSY: the store runs
// one writer at a time.
func TestOneWriterUnderConcurrency(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTemp(t)
	const goroutines, steps = 16, 20
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*steps)
	for g := range goroutines {
		wg.Go(func() {
			id := fmt.Sprintf("case-%d", g)
			if _, err := s.CreateCase(ctx, newCase(id)); err != nil {
				errs <- err
				return
			}
			for v := int64(1); v <= steps; v++ {
				if _, err := s.ApplyTransition(ctx, transition(id, v)); err != nil {
					errs <- err
					return
				}
			}
			// Reads run beside the writers.
			if _, err := s.ListCases(ctx, adapters.CaseQuery{}); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a concurrent write failed: %v", err)
	}
	counts, err := s.CountCasesByState(ctx, adapters.CaseQuery{})
	require.NoError(t, err)
	assert.Equal(t, int64(goroutines), counts[fmt.Sprintf("state-%d", steps)])
}

// Two stores on one file stand for two processes: their writers wait for
// each other's write lock within the busy timeout instead of failing.
func TestTwoStoresShareOneFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	a, err := sqlite.Open(ctx, path, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	b, err := sqlite.Open(ctx, path, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	_, err = a.CreateCase(ctx, newCase("shared"))
	require.NoError(t, err)

	// Both fire on every version of one case: exactly one wins each.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for _, s := range []*sqlite.Store{a, b, a, b} {
		wg.Go(func() {
			for v := int64(1); v <= 30; v++ {
				_, err := s.ApplyTransition(ctx, transition("shared", v))
				switch {
				case err == nil:
					mu.Lock()
					wins++
					mu.Unlock()
				case !errors.Is(err, adapters.ErrConflict):
					t.Errorf("version %d: want success or ErrConflict, got %v", v, err)
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 30, wins, "one transition wins per version")
	c, err := b.GetCase(ctx, "shared")
	require.NoError(t, err)
	assert.Equal(t, int64(31), c.Version)
}

func TestNewUsesCallersDB(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t, filepath.Join(t.TempDir(), "own.db"))
	s, err := sqlite.New(ctx, db, nil)
	require.NoError(t, err)
	_, err = s.CreateCase(ctx, newCase("case-1"))
	require.NoError(t, err)
	require.NoError(t, s.Close())
	assert.ErrorIs(t, s.Close(), adapters.ErrClosed, "closing twice")
	var n int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT count(*) FROM cases").Scan(&n), "Close leaves the caller's database open")
	assert.Equal(t, 1, n)

	_, err = sqlite.New(ctx, nil, nil)
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument, "a nil database")
	single := openDB(t, filepath.Join(t.TempDir(), "single.db"))
	single.SetMaxOpenConns(1)
	_, err = sqlite.New(ctx, single, nil)
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument, "one connection cannot hold the writer and serve reads")
	_, err = sqlite.New(ctx, db, &sqlite.Config{BusyTimeout: -time.Second})
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument, "a bad config")
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  *sqlite.Config
		want string
	}{
		{"Nil", nil, ""},
		{"Zero", &sqlite.Config{}, ""},
		{"Set", &sqlite.Config{BusyTimeout: time.Second}, ""},
		{"Negative", &sqlite.Config{BusyTimeout: -1}, "negative"},
		{"BelowMillisecond", &sqlite.Config{BusyTimeout: time.Microsecond}, "below a millisecond"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func TestDSN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path string
		ok         bool
	}{
		{"File", "/var/lib/city/civickit.db", true},
		{"Relative", "civickit.db", true},
		{"Empty", "", false},
		{"Query", "x.db?mode=ro", false},
		{"URI", "file:x.db", false},
		{"Memory", ":memory:", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dsn, err := sqlite.DSN(tt.path, 2*time.Second)
			if !tt.ok {
				assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
				return
			}
			require.NoError(t, err)
			for _, want := range []string{"busy_timeout%282000%29", "journal_mode%28WAL%29", "foreign_keys%281%29", "synchronous%28NORMAL%29"} {
				assert.Contains(t, dsn, want)
			}
		})
	}
}

func TestOpenSetsFileSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "settings.db")
	s2, err := sqlite.Open(ctx, path, &sqlite.Config{BusyTimeout: 1500 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s2.Close() })
	db := openDB(t, path)
	var mode string
	require.NoError(t, db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode))
	assert.Equal(t, "wal", mode, "the file is in WAL mode")
}

func TestErrorsNameTheCall(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTemp(t)
	_, err := s.CreateCase(ctx, newCase("c1"))
	require.NoError(t, err)
	_, err = s.ApplyTransition(ctx, transition("c1", 2))
	require.ErrorIs(t, err, adapters.ErrConflict)
	assert.Equal(t, `sqlite: apply transition to case "c1": conflict: expected version 2, stored version 1`, err.Error())

	_, err = s.CreateCase(ctx, newCase("c1"))
	require.ErrorIs(t, err, adapters.ErrDuplicate)
	assert.Contains(t, err.Error(), `sqlite: create case "c1": duplicate: `)
	assert.Contains(t, err.Error(), "cases.id", "the driver's message names the constraint")

	_, err = s.GetCase(ctx, "nope")
	require.ErrorIs(t, err, adapters.ErrNotFound)
	assert.Contains(t, err.Error(), `sqlite: get case "nope": not found`)
}

// CaseStats computes nearest-rank percentiles in SQL; they must equal
// adapters.Percentile over the same durations for every count of closed
// cases.
func TestCaseStatsPercentilesMatchPercentile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTemp(t)
	rng := rand.New(rand.NewPCG(1, 2))
	closed := true
	var durations []time.Duration
	for i := range 23 {
		id := fmt.Sprintf("case-%02d", i)
		_, err := s.CreateCase(ctx, newCase(id))
		require.NoError(t, err)
		d := time.Duration(rng.IntN(1_000_000)) * time.Millisecond
		durations = append(durations, d)
		_, err = s.ApplyTransition(ctx, adapters.TransitionParams{
			CaseID: id, ExpectedVersion: 1, State: "closed", At: at.Add(d), Update: adapters.CaseUpdate{Closed: &closed},
			Events: []adapters.Event{{Kind: "transition", ToState: "closed", At: at.Add(d)}},
		})
		require.NoError(t, err)
		st, err := s.CaseStats(ctx, adapters.StatsQuery{Now: at})
		require.NoError(t, err)
		require.Equal(t, int64(i+1), st.Closed)
		assert.Equal(t, adapters.Percentile(durations, 0.5), st.MedianTimeToClose, "median of %d", i+1)
		assert.Equal(t, adapters.Percentile(durations, 0.9), st.P90TimeToClose, "p90 of %d", i+1)
	}
}

// A write whose context ends while it waits for the writer writes nothing
// and leaves the store usable.
func TestCanceledWriteLeavesStoreUsable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTemp(t)
	_, err := s.CreateCase(ctx, newCase("c1"))
	require.NoError(t, err)
	const steps = 60
	for v := int64(1); v <= steps; v++ {
		// Deadlines from 15µs to 900µs land in every part of a write:
		// waiting its turn, BEGIN, the statements, COMMIT.
		short, cancel := context.WithTimeout(ctx, time.Duration(v)*15*time.Microsecond)
		_, err := s.ApplyTransition(short, transition("c1", v))
		cancel()
		if err != nil {
			require.ErrorIs(t, err, context.DeadlineExceeded)
		}
		c, err := s.GetCase(ctx, "c1")
		require.NoError(t, err)
		if c.Version == v { // the canceled one wrote nothing: apply it now
			_, err = s.ApplyTransition(ctx, transition("c1", v))
			require.NoError(t, err)
		}
	}
	evs, err := s.ListEvents(ctx, "c1")
	require.NoError(t, err)
	assert.Len(t, evs, steps+1, "every version has exactly one event")
}

// Another process holding the write lock past the busy timeout makes
// writes fail with adapters.ErrUnavailable, having written nothing; once it
// lets go, they succeed.
func TestWriteLockHeldElsewhereIsUnavailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "busy.db")
	s, err := sqlite.Open(ctx, path, &sqlite.Config{BusyTimeout: 100 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	other, err := openDB(t, path).Conn(ctx)
	require.NoError(t, err)
	_, err = other.ExecContext(ctx, "BEGIN IMMEDIATE")
	require.NoError(t, err)
	start := time.Now()
	_, err = s.CreateCase(ctx, newCase("c1"))
	require.ErrorIs(t, err, adapters.ErrUnavailable)
	assert.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond, "the write waited for the busy timeout")
	assert.Contains(t, err.Error(), `sqlite: create case "c1": unavailable: `)
	_, err = s.GetCase(ctx, "c1")
	assert.ErrorIs(t, err, adapters.ErrNotFound, "a busy write wrote nothing")

	_, err = other.ExecContext(ctx, "ROLLBACK")
	require.NoError(t, err)
	require.NoError(t, other.Close())
	_, err = s.CreateCase(ctx, newCase("c1"))
	require.NoError(t, err, "the store writes again once the lock is free")
}

// A write waiting for its turn behind another gives up when its context
// ends, without waiting for the one ahead.
func TestWaitingWriterHonoursContext(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "turn.db")
	s, err := sqlite.Open(ctx, path, &sqlite.Config{BusyTimeout: 2 * time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	// Another process holds the write lock, so the store's first write
	// waits inside its transaction for up to the busy timeout.
	other, err := openDB(t, path).Conn(ctx)
	require.NoError(t, err)
	_, err = other.ExecContext(ctx, "BEGIN IMMEDIATE")
	require.NoError(t, err)
	first := make(chan error, 1)
	go func() {
		_, err := s.CreateCase(ctx, newCase("first"))
		first <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the first write take its turn

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = s.CreateCase(short, newCase("second"))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), time.Second, "the waiting write gave up with its context")

	_, err = other.ExecContext(ctx, "ROLLBACK")
	require.NoError(t, err)
	require.NoError(t, other.Close())
	require.NoError(t, <-first, "the first write goes through once the lock is free")
	_, err = s.GetCase(ctx, "second")
	assert.ErrorIs(t, err, adapters.ErrNotFound, "the abandoned write wrote nothing")
}

// Claimers in two processes sharing one file never receive the same
// message while its lease holds.
func TestClaimersInTwoStoresClaimEachMessageOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "claims.db")
	var stores []*sqlite.Store
	for range 2 {
		s, err := sqlite.Open(ctx, path, nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		stores = append(stores, s)
	}
	const n = 400
	var msgs []adapters.Message
	for i := range n {
		id := fmt.Sprintf("m-%03d", i)
		msgs = append(msgs, adapters.Message{ID: id, IdempotencyKey: "k-" + id, Template: "t", CreatedAt: at})
	}
	require.NoError(t, stores[0].EnqueueMessages(ctx, msgs))

	var mu sync.Mutex
	claimed := map[string]int{}
	var wg sync.WaitGroup
	for w := range 4 {
		s := stores[w%2]
		wg.Go(func() {
			for {
				got, err := s.ClaimMessages(ctx, adapters.ClaimParams{Owner: fmt.Sprintf("w%d", w), Limit: 7, Now: at, Lease: time.Minute})
				if err != nil {
					t.Errorf("ClaimMessages: %v", err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, m := range got {
					claimed[m.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Len(t, claimed, n, "every message is claimed")
	for id, k := range claimed {
		require.Equal(t, 1, k, "message %s is claimed once while leased", id)
	}
}

func TestNewOnAClosedDatabaseIsErrClosed(t *testing.T) {
	t.Parallel()
	dsn, err := sqlite.DSN(filepath.Join(t.TempDir(), "closed.db"), time.Second)
	require.NoError(t, err)
	db, err := sql.Open("sqlite", dsn)
	require.NoError(t, err)
	require.NoError(t, db.Close())
	_, err = sqlite.New(context.Background(), db, nil)
	require.ErrorIs(t, err, adapters.ErrClosed)
}
