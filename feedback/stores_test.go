package feedback_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/adapters/postgres"
	"github.com/civickit/civickit/adapters/sqlite"
	"github.com/civickit/civickit/internal/pgtest"
)

// storeImpl opens one kind of store for a test.
type storeImpl struct {
	name string
	open func(t testing.TB) adapters.Store
}

var storeImpls = []storeImpl{
	{name: "memory", open: func(t testing.TB) adapters.Store {
		s := memory.New()
		t.Cleanup(func() { _ = s.Close() })
		return s
	}},
	{name: "sqlite", open: func(t testing.TB) adapters.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "civickit.db"), nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		return s
	}},
	{name: "postgres", open: func(t testing.TB) adapters.Store { return openPostgres(t) }},
}

// openPostgres opens a store in a fresh schema that the test drops; it
// skips when PostgreSQL is unreachable (see internal/pgtest).
func openPostgres(t testing.TB) *postgres.Store {
	t.Helper()
	pool := pgtest.Pool(t)
	schema := pgtest.Schema(t, pool, "civickit_fb_")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := postgres.New(ctx, pool, &postgres.Config{Schema: schema})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}
