package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// The tests run against a real PostgreSQL named by this variable.
const (
	urlEnv     = "CIVICKIT_TEST_POSTGRES_URL"
	requireEnv = "CIVICKIT_REQUIRE_POSTGRES"
	defaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
)

var shared struct {
	once sync.Once
	pool *pgxpool.Pool
	err  error
}

func testURL() string {
	if u := os.Getenv(urlEnv); u != "" {
		return u
	}
	return defaultURL
}

// redacted is the URL without its password, for messages.
func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// testPool returns the pool shared by the package's tests, or skips the
// test when PostgreSQL cannot be reached (fails instead when
// CIVICKIT_REQUIRE_POSTGRES=1).
func testPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cfg, err := pgxpool.ParseConfig(testURL())
		if err != nil {
			shared.err = err
			return
		}
		// Enough for the parallel conformance clauses and the 8-goroutine
		// benchmarks without exhausting a shared server.
		cfg.MaxConns = 20
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err == nil {
			err = pool.Ping(ctx)
		}
		if err != nil {
			if pool != nil {
				pool.Close()
			}
			shared.err = err
			return
		}
		shared.pool = pool
	})
	if shared.err != nil {
		msg := "PostgreSQL at %s is unreachable (%v). These tests need a PostgreSQL server: " +
			"start one or point " + urlEnv + " at one. Set " + requireEnv + "=1 to fail instead of skipping."
		if os.Getenv(requireEnv) == "1" {
			t.Fatalf(msg, redacted(testURL()), shared.err)
		}
		t.Skipf(msg, redacted(testURL()), shared.err)
	}
	return shared.pool
}

// testSchema returns a fresh schema name that t.Cleanup drops with
// everything in it.
func testSchema(t testing.TB, pool *pgxpool.Pool) string {
	t.Helper()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "civickit_test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+quoteIdent(schema)+" CASCADE"); err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
		}
	})
	return schema
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
