package sqlite

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
)

//go:embed migrations/*.up.sql
var migrationFiles embed.FS

// Migrations returns the embedded schema migrations, files named
// NNN_name.up.sql applied in version order, for tools that manage schemas
// themselves.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embedded folder exists at compile time
	}
	return sub
}

var migrationName = regexp.MustCompile(`^(\d{3,})_([a-z0-9_]+)\.up\.sql$`)

type migration struct {
	version int
	name    string
	sql     string
}

// migrations reads the embedded migrations in version order.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(Migrations(), ".")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %q is not named NNN_name.up.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := fs.ReadFile(Migrations(), e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: m[2], sql: string(b)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("two migrations have version %d", out[i].version)
		}
	}
	return out, nil
}

// migrate applies the migrations the database lacks, all in one
// transaction. BEGIN IMMEDIATE takes the write lock before the applied
// versions are read, so processes opening one file at once apply each
// migration exactly once: the later ones wait (up to the busy timeout) and
// then find nothing left to do.
func migrate(ctx context.Context, w *writer) error {
	all, err := migrations()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	// Migrations run once per store; their statements are not kept.
	if _, err := w.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("migrate: %w", translate(ctx, err))
	}
	if err := applyMigrations(ctx, w, all); err != nil {
		_, _ = w.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return fmt.Errorf("migrate: %w", translate(ctx, err))
	}
	if _, err := w.conn.ExecContext(context.WithoutCancel(ctx), "COMMIT"); err != nil {
		_, _ = w.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return fmt.Errorf("migrate: commit: %w", translate(ctx, err))
	}
	return nil
}

func applyMigrations(ctx context.Context, w *writer, all []migration) error {
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
	)`
	if _, err := w.conn.ExecContext(ctx, create); err != nil {
		return err
	}
	var newest int
	if err := w.conn.QueryRowContext(ctx, "SELECT ifnull(max(version), 0) FROM schema_migrations").Scan(&newest); err != nil {
		return err
	}
	if known := all[len(all)-1].version; newest > known {
		return fmt.Errorf("the database has schema version %d, newer than this store's %d", newest, known)
	}
	rows, err := w.conn.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return err
	}
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			_ = rows.Close()
			return err
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		_ = rows.Close()
		return err
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, m := range all {
		if applied[m.version] {
			continue
		}
		if _, err := w.conn.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("apply %03d_%s: %w", m.version, m.name, err)
		}
		if _, err := w.conn.ExecContext(ctx, "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", m.version, m.name); err != nil {
			return fmt.Errorf("record %03d_%s: %w", m.version, m.name, err)
		}
	}
	return nil
}
