package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civickit/civickit/internal/pgtest"
)

// testPool returns the pool shared by the package's tests, or skips the
// test when PostgreSQL cannot be reached (see internal/pgtest).
func testPool(t testing.TB) *pgxpool.Pool { return pgtest.Pool(t) }

// testSchema returns a fresh schema name that t.Cleanup drops with
// everything in it.
func testSchema(t testing.TB, pool *pgxpool.Pool) string {
	return pgtest.Schema(t, pool, "civickit_test_")
}

// openTestStore returns a store in a fresh schema of the shared pool.
func openTestStore(t testing.TB) *Store {
	t.Helper()
	pool := testPool(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := New(ctx, pool, &Config{Schema: testSchema(t, pool)})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
