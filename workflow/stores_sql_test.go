package workflow_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/postgres"
	"github.com/civickit/civickit/adapters/sqlite"
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

var pg struct {
	once sync.Once
	pool *pgxpool.Pool
	err  error
}

func postgresURL() string {
	if u := os.Getenv("CIVICKIT_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// postgresPool returns the shared pool, or skips the test when PostgreSQL
// is unreachable (fails instead when CIVICKIT_REQUIRE_POSTGRES=1).
func postgresPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pg.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cfg, err := pgxpool.ParseConfig(postgresURL())
		if err != nil {
			pg.err = err
			return
		}
		cfg.MaxConns = 16
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err == nil {
			err = pool.Ping(ctx)
		}
		if err != nil {
			if pool != nil {
				pool.Close()
			}
			pg.err = err
			return
		}
		pg.pool = pool
	})
	if pg.err != nil {
		msg := "PostgreSQL is unreachable (%v): start one or set CIVICKIT_TEST_POSTGRES_URL; " +
			"these tests run whenever it is reachable. CIVICKIT_REQUIRE_POSTGRES=1 fails instead of skipping."
		if os.Getenv("CIVICKIT_REQUIRE_POSTGRES") == "1" {
			t.Fatalf(msg, pg.err)
		}
		t.Skipf(msg, pg.err)
	}
	return pg.pool
}

// openPostgres opens a store in a fresh schema that the test drops.
func openPostgres(t testing.TB) *postgres.Store {
	t.Helper()
	pool := postgresPool(t)
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "civickit_wf_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := pool.Exec(ctx, `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := postgres.New(ctx, pool, &postgres.Config{Schema: schema})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}
