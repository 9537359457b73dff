package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/adaptertest"
	"github.com/civickit/civickit/adapters/sqlite"
)

var (
	_ adapters.Store        = (*sqlite.Store)(nil)
	_ adapters.CaseStats    = (*sqlite.Store)(nil)
	_ adapters.SessionStore = (*sqlite.Store)(nil)
)

// openTemp opens a store on a fresh file that the test removes.
func openTemp(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "civickit.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	paths := map[adapters.Store]string{}
	adaptertest.RunStoreTests(t, func(t *testing.T) adapters.Store {
		path := filepath.Join(t.TempDir(), "civickit.db")
		// Writers of one process never wait for each other's lock; the
		// short busy timeout bounds only MakeUnavailable's clause.
		s, err := sqlite.Open(context.Background(), path, &sqlite.Config{BusyTimeout: 200 * time.Millisecond})
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		mu.Lock()
		paths[s] = path
		mu.Unlock()
		return s
	}, adaptertest.Features{
		CaseStats: true,
		// Another process holds the database's write lock.
		MakeUnavailable: func(t *testing.T, s adapters.Store) func() {
			mu.Lock()
			path := paths[s]
			mu.Unlock()
			ctx := context.Background()
			holder, err := openDB(t, path).Conn(ctx)
			require.NoError(t, err)
			_, err = holder.ExecContext(ctx, "BEGIN IMMEDIATE")
			require.NoError(t, err)
			return func() {
				_, err := holder.ExecContext(ctx, "ROLLBACK")
				require.NoError(t, err)
				require.NoError(t, holder.Close())
			}
		},
	})
}

func TestSessionStoreConformance(t *testing.T) {
	t.Parallel()
	adaptertest.RunSessionStoreTests(t, func(t *testing.T) adapters.SessionStore {
		return openTemp(t)
	})
}

// The store bound to a caller's transaction keeps every contract of the
// store on the database.
func TestConformanceInCallersTransaction(t *testing.T) {
	t.Parallel()
	adaptertest.RunStoreTests(t, func(t *testing.T) adapters.Store {
		ctx := context.Background()
		db := openDB(t, filepath.Join(t.TempDir(), "civickit.db"))
		s, err := sqlite.New(ctx, db, nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		tx, err := db.BeginTx(ctx, nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = tx.Rollback() })
		return s.WithTx(tx)
	}, adaptertest.Features{CaseStats: true})
}

func TestWithTxEdges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name string
		bind func(t *testing.T, s *sqlite.Store, db *sql.DB) *sqlite.Store
		want error
	}{
		{name: "NilTxReturnsErrInvalidArgument", want: adapters.ErrInvalidArgument,
			bind: func(t *testing.T, s *sqlite.Store, _ *sql.DB) *sqlite.Store { return s.WithTx(nil) }},
		{name: "ClosingTheStoreClosesTheBoundOne", want: adapters.ErrClosed,
			bind: func(t *testing.T, s *sqlite.Store, db *sql.DB) *sqlite.Store {
				tx, err := db.BeginTx(ctx, nil)
				require.NoError(t, err)
				t.Cleanup(func() { _ = tx.Rollback() })
				bound := s.WithTx(tx)
				require.NoError(t, s.Close())
				return bound
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := openDB(t, filepath.Join(t.TempDir(), "civickit.db"))
			s, err := sqlite.New(ctx, db, nil)
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			bound := tt.bind(t, s, db)
			_, err = bound.GetCase(ctx, "c1")
			require.ErrorIs(t, err, tt.want, "read")
			now := time.Now()
			_, err = bound.CreateCase(ctx, adapters.CreateCaseParams{
				Case:   adapters.Case{ID: "c1", Type: "t", State: "s", CreatedAt: now},
				Events: []adapters.Event{{Kind: "opened", ToState: "s", Actor: "a", At: now}},
			})
			require.ErrorIs(t, err, tt.want, "write")
		})
	}
}
