package postgres

import (
	"context"
	"embed"
	"fmt"
	"hash/fnv"
	"io/fs"
	"net"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civickit/civickit/adapters"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.up.sql
var migrationFiles embed.FS

// Migrations returns the embedded migrations, files named
// NNN_name.up.sql at the root of the returned file system, applied in
// version order. Their SQL uses unqualified names: apply them with
// search_path set to the store's schema, and record each applied version
// in the schema's schema_migrations table (version, name, applied_at) so
// that New with SkipMigrations unset agrees with what was applied.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	return sub
}

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads fsys's NNN_name.up.sql files in version order.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "*.up.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".up.sql")
		num, label, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migration file %q is not named NNN_name.up.sql", name)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: label, sql: string(b)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("two migrations have version %d", out[i].version)
		}
	}
	return out, nil
}

// lockKey is the advisory lock that serialises migrations of one schema.
func lockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("civickit migrate " + schema))
	return int64(h.Sum64())
}

// hostOf names the server pool connects to, for error messages.
func hostOf(pool *pgxpool.Pool) string {
	cc := pool.Config().ConnConfig
	return net.JoinHostPort(cc.Host, strconv.Itoa(int(cc.Port)))
}

// bounded runs fn under a timeout of its own. When the timeout, not ctx,
// ended it, the error is adapters.ErrUnavailable: the server did not
// answer in time.
func bounded(ctx context.Context, timeout time.Duration, what string, fn func(ctx context.Context) error) error {
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := fn(tctx)
	switch {
	case err == nil:
		return nil
	case ctx.Err() == nil && tctx.Err() != nil:
		return fmt.Errorf("%w: %s: no answer within %s: %w", adapters.ErrUnavailable, what, timeout, err)
	}
	return fail(ctx, err)
}

// migrate applies the embedded migrations the schema lacks, all in one
// transaction under a transaction-level advisory lock keyed by the schema:
// processes starting at once queue on the lock, and the later ones find
// everything applied. Getting the connection and applying the migrations
// are each bounded by the configured timeouts.
func migrate(ctx context.Context, pool *pgxpool.Pool, cfg *Config) error {
	all, err := loadMigrations(Migrations())
	if err != nil {
		return err
	}
	var conn *pgxpool.Conn
	err = bounded(ctx, cfg.connectTimeout(), "connect", func(ctx context.Context) error {
		var err error
		conn, err = pool.Acquire(ctx)
		if err != nil {
			return unavailable(err)
		}
		return conn.Ping(ctx)
	})
	if err != nil {
		if conn != nil {
			conn.Release()
		}
		return err
	}
	defer conn.Release()
	return bounded(ctx, cfg.migrationTimeout(), "apply migrations", func(ctx context.Context) error {
		return applyMigrations(ctx, conn, cfg.Schema, all)
	})
}

func applyMigrations(ctx context.Context, conn *pgxpool.Conn, schema string, all []migration) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		qs := quoteIdent(schema)
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", lockKey(schema)); err != nil {
			return fmt.Errorf("take migration lock: %w", err)
		}
		// CREATE SCHEMA checks the database privilege even when the schema
		// exists: look first, so a role limited to its schema can migrate.
		var exists bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1)", schema).Scan(&exists); err != nil {
			return fmt.Errorf("look up schema: %w", err)
		}
		if !exists {
			if _, err := tx.Exec(ctx, "CREATE SCHEMA "+qs); err != nil {
				return fmt.Errorf("create schema: %w", err)
			}
		}
		setup := "CREATE TABLE IF NOT EXISTS " + qs + ".schema_migrations (" +
			"version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
		if _, err := tx.Exec(ctx, setup); err != nil {
			return fmt.Errorf("create migrations table: %w", err)
		}
		rows, err := tx.Query(ctx, "SELECT version FROM "+qs+".schema_migrations")
		if err != nil {
			return fmt.Errorf("read applied migrations: %w", err)
		}
		applied, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil {
			return fmt.Errorf("read applied migrations: %w", err)
		}
		if len(applied) > 0 && len(all) > 0 && int(slices.Max(applied)) > all[len(all)-1].version {
			return fmt.Errorf("%w: the schema is at version %d, newer than this code knows (%d): upgrade the program",
				adapters.ErrInvalidArgument, slices.Max(applied), all[len(all)-1].version)
		}
		pending := slices.DeleteFunc(all, func(m migration) bool { return slices.Contains(applied, int32(m.version)) })
		if len(pending) == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, "SET LOCAL search_path TO "+qs); err != nil {
			return err
		}
		for _, m := range pending {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("apply migration %03d_%s: %w", m.version, m.name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO "+qs+".schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name); err != nil {
				return fmt.Errorf("record migration %03d_%s: %w", m.version, m.name, err)
			}
		}
		return nil
	})
}
