package postgres

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civickit/civickit/adapters"
)

// Defaults of Config.
const (
	// DefaultSchema is the schema a Store uses when Config.Schema is empty.
	DefaultSchema = "civickit"
	// DefaultConnectTimeout bounds getting a connection in New when
	// Config.ConnectTimeout is zero.
	DefaultConnectTimeout = 10 * time.Second
	// DefaultMigrationTimeout bounds applying migrations in New when
	// Config.MigrationTimeout is zero.
	DefaultMigrationTimeout = time.Minute
)

// Config tunes a Store. The zero value, like a nil *Config, means the
// documented defaults.
type Config struct {
	// Schema is the PostgreSQL schema that holds the store's tables; it is
	// created if missing. Empty means DefaultSchema. It must be a plain
	// lower-case identifier: letters a-z, digits and underscores, not
	// starting with a digit, at most 63 bytes.
	Schema string
	// SkipMigrations leaves the schema as it is: New neither creates nor
	// upgrades it. Set it when migrations are applied at deploy time with
	// another tool (see Migrations).
	SkipMigrations bool
	// ConnectTimeout bounds how long New waits for a connection from the
	// pool (dialling and the server's first answer); zero means
	// DefaultConnectTimeout. A server that accepts connections but never
	// answers makes New fail with adapters.ErrUnavailable naming the host.
	ConnectTimeout time.Duration
	// MigrationTimeout bounds applying the migrations, waiting for another
	// process's migration lock included; zero means
	// DefaultMigrationTimeout.
	MigrationTimeout time.Duration
}

func (c *Config) connectTimeout() time.Duration {
	if c == nil || c.ConnectTimeout == 0 {
		return DefaultConnectTimeout
	}
	return c.ConnectTimeout
}

func (c *Config) migrationTimeout() time.Duration {
	if c == nil || c.MigrationTimeout == 0 {
		return DefaultMigrationTimeout
	}
	return c.MigrationTimeout
}

var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// Validate reports every problem of c, joined with errors.Join; each wraps
// adapters.ErrInvalidArgument.
func (c *Config) Validate() error {
	if c == nil {
		return nil
	}
	var errs []error
	if c.ConnectTimeout < 0 {
		errs = append(errs, fmt.Errorf("%w: connect timeout %s is negative", adapters.ErrInvalidArgument, c.ConnectTimeout))
	}
	if c.MigrationTimeout < 0 {
		errs = append(errs, fmt.Errorf("%w: migration timeout %s is negative", adapters.ErrInvalidArgument, c.MigrationTimeout))
	}
	if c.Schema == "" {
		return errors.Join(errs...)
	}
	if !schemaName.MatchString(c.Schema) {
		errs = append(errs, fmt.Errorf("%w: schema %q is not a plain lower-case identifier", adapters.ErrInvalidArgument, c.Schema))
	}
	if len(c.Schema) > 63 {
		errs = append(errs, fmt.Errorf("%w: schema name is %d bytes, above PostgreSQL's 63", adapters.ErrInvalidArgument, len(c.Schema)))
	}
	return errors.Join(errs...)
}

// querier is what both a pool and a transaction offer; Begin on a
// transaction opens a savepoint.
type querier interface {
	Begin(ctx context.Context) (pgx.Tx, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store is the PostgreSQL adapters.Store. Build it with New; bind it to a
// caller's transaction with WithTx.
type Store struct {
	db querier
	// pool is the pool db is, nil when bound to a caller's transaction.
	pool   *pgxpool.Pool
	schema string
	sql    *statements
	closed *atomic.Bool
	// parent is the closed flag of the store WithTx was called on.
	parent *atomic.Bool
}

var (
	_ adapters.Store       = (*Store)(nil)
	_ adapters.CaseStats   = (*Store)(nil)
	_ adapters.RequestKeys = (*Store)(nil)
)

// New returns a store over pool, applying the embedded migrations to the
// configured schema first unless cfg.SkipMigrations is set. A nil cfg
// means the defaults. The store never closes pool.
func New(ctx context.Context, pool *pgxpool.Pool, cfg *Config) (*Store, error) {
	if pool == nil {
		return nil, fmt.Errorf("postgres: new store: %w: pool is nil", adapters.ErrInvalidArgument)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("postgres: new store: %w", err)
	}
	c := Config{}
	if cfg != nil {
		c = *cfg
	}
	if c.Schema == "" {
		c.Schema = DefaultSchema
	}
	s := &Store{db: pool, pool: pool, schema: c.Schema, sql: newStatements(c.Schema), closed: new(atomic.Bool)}
	if !c.SkipMigrations {
		if err := migrate(ctx, pool, &c); err != nil {
			return nil, fmt.Errorf("postgres: migrate schema %q on %s: %w", c.Schema, hostOf(pool), err)
		}
	}
	return s, nil
}

// Schema is the schema that holds the store's tables.
func (s *Store) Schema() string { return s.schema }

// WithTx returns a store whose methods run inside tx, the caller's own
// transaction: what they write commits or rolls back with it. Each write
// runs in a savepoint (tx.Begin), so a method that fails undoes only its
// own work and leaves tx usable. The caller commits or rolls back tx; the
// returned store's Close neither commits nor rolls back, and closing s
// closes it too. Like tx, it is for one goroutine at a time. Bound to a nil
// tx, its methods return adapters.ErrInvalidArgument.
func (s *Store) WithTx(tx pgx.Tx) *Store {
	parent := s.closed
	if s.parent != nil {
		parent = s.parent
	}
	return &Store{db: tx, schema: s.schema, sql: s.sql, closed: new(atomic.Bool), parent: parent}
}

// Close marks the store closed: later calls return adapters.ErrClosed. It
// does not close the pool or the transaction the store was built on.
// Closing a closed store returns adapters.ErrClosed.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return fmt.Errorf("postgres: close: %w", adapters.ErrClosed)
	}
	return nil
}

// enter checks the context and whether the store is closed.
func (s *Store) enter(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() || (s.parent != nil && s.parent.Load()) {
		return adapters.ErrClosed
	}
	if s.db == nil {
		return fmt.Errorf("%w: the store was bound to a nil transaction", adapters.ErrInvalidArgument)
	}
	return nil
}

// inTransaction runs fn in a transaction (a savepoint inside a caller's
// transaction) and commits it when fn succeeds.
func (s *Store) inTransaction(ctx context.Context, fn func(q querier) error) error {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	return tx.Commit(ctx)
}

// oneStatement runs fn, which sends one reading statement: atomic on its
// own on a pool, and inside a savepoint in a caller's transaction so that a
// failure does not abort it.
func (s *Store) oneStatement(ctx context.Context, fn func(q querier) error) error {
	if s.parent == nil { // on the pool, not in a caller's transaction
		return fn(s.db)
	}
	return s.inTransaction(ctx, fn)
}

// write runs fn, which sends one writing statement, as a transaction of its
// own: on the pool in one round trip (see oneTrip), in a caller's
// transaction inside a savepoint.
func (s *Store) write(ctx context.Context, fn func(q querier) error) error {
	if s.pool != nil {
		return oneTrip(ctx, s.pool, fn)
	}
	return s.inTransaction(ctx, fn)
}

// queryOne runs a query of one row, as oneStatement runs statements.
func queryOne[T any](ctx context.Context, s *Store, scan func(pgx.Row) (T, error), sql string, args ...any) (T, error) {
	var out T
	err := s.oneStatement(ctx, func(q querier) error {
		var err error
		out, err = scan(q.QueryRow(ctx, sql, args...))
		return err
	})
	return out, err
}

// queryAll runs a query of any number of rows, as oneStatement runs
// statements.
func queryAll[T any](ctx context.Context, s *Store, scan func(pgx.Row) (T, error), sql string, args ...any) ([]T, error) {
	return collect(ctx, s.oneStatement, scan, sql, args...)
}

// writeAll runs a writing statement that returns rows, as write runs
// statements.
func writeAll[T any](ctx context.Context, s *Store, scan func(pgx.Row) (T, error), sql string, args ...any) ([]T, error) {
	return collect(ctx, s.write, scan, sql, args...)
}

func collect[T any](ctx context.Context, run func(context.Context, func(querier) error) error, scan func(pgx.Row) (T, error), sql string, args ...any) ([]T, error) {
	var out []T
	err := run(ctx, func(q querier) error {
		rows, err := q.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (T, error) { return scan(row) })
		return err
	})
	return out, err
}

// forEachRow runs a query and calls fn after scanning each row into dest,
// as oneStatement runs statements.
func forEachRow(ctx context.Context, s *Store, dest []any, fn func(), sql string, args ...any) error {
	return s.oneStatement(ctx, func(q querier) error {
		rows, err := q.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		_, err = pgx.ForEachRow(rows, dest, func() error { fn(); return nil })
		return err
	})
}

// quoteIdent quotes a schema name for SQL text.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
