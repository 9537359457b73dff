// Package pgtest connects civickit's tests to a real PostgreSQL and gives
// each test a schema of its own. Every package whose tests need PostgreSQL
// uses it, so they share one rule: the server is named by
// CIVICKIT_TEST_POSTGRES_URL (default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable); when it is
// unreachable the tests skip saying how to run them, or fail when
// CIVICKIT_REQUIRE_POSTGRES=1, as CI sets.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// The environment variables that say where PostgreSQL is and whether it
// must be there.
const (
	URLEnv     = "CIVICKIT_TEST_POSTGRES_URL"
	RequireEnv = "CIVICKIT_REQUIRE_POSTGRES"
	DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
)

// MaxConns is the size of the shared pool: enough for parallel suites
// and the 8-goroutine benchmarks without exhausting a shared server.
const MaxConns = 20

var shared struct {
	once sync.Once
	pool *pgxpool.Pool
	err  error
}

// URL is the server the tests use.
func URL() string {
	if u := os.Getenv(URLEnv); u != "" {
		return u
	}
	return DefaultURL
}

// redacted is the URL without its password, for messages.
func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// Pool returns the pool the test binary shares, or skips t when
// PostgreSQL cannot be reached (fails it instead when
// CIVICKIT_REQUIRE_POSTGRES=1).
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cfg, err := pgxpool.ParseConfig(URL())
		if err != nil {
			shared.err = err
			return
		}
		cfg.MaxConns = MaxConns
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
		msg := "PostgreSQL at %s is unreachable (%v). These tests run whenever it is reachable: " +
			"start one or point " + URLEnv + " at one. Set " + RequireEnv + "=1 to fail instead of skipping."
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf(msg, redacted(URL()), shared.err)
		}
		t.Skipf(msg, redacted(URL()), shared.err)
	}
	return shared.pool
}

// Schema returns a fresh schema name starting with prefix; t.Cleanup drops
// the schema with everything in it.
func Schema(t testing.TB, pool *pgxpool.Pool, prefix string) string {
	t.Helper()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := prefix + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		quoted := `"` + strings.ReplaceAll(schema, `"`, `""`) + `"`
		if _, err := pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+quoted+" CASCADE"); err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
		}
	})
	return schema
}
