package workflow_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/postgres"
	"github.com/civickit/civickit/adapters/sqlite"
	"github.com/civickit/civickit/internal/pgtest"
)

func init() {
	storeImpls = append(storeImpls,
		storeImpl{name: "sqlite", open: func(t testing.TB) adapters.Store {
			s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "civickit.db"), nil)
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		}},
		storeImpl{name: "postgres", open: func(t testing.TB) adapters.Store { return openPostgres(t) }},
	)
}

// postgresPool returns the shared pool, or skips the test when PostgreSQL
// is unreachable (see internal/pgtest).
func postgresPool(t testing.TB) *pgxpool.Pool { return pgtest.Pool(t) }

// openPostgres opens a store in a fresh schema that the test drops.
func openPostgres(t testing.TB) *postgres.Store {
	t.Helper()
	pool := postgresPool(t)
	schema := pgtest.Schema(t, pool, "civickit_wf_")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := postgres.New(ctx, pool, &postgres.Config{Schema: schema})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}
