package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pipelined runs fn in a transaction on a connection of pool, sending
// BEGIN together with fn's first statement: a write costs two round
// trips (BEGIN and the statement, then COMMIT), not three. COMMIT stays
// apart so that a statement still waiting when ctx ends, and whose
// connection pgx therefore drops, rolls back instead of committing after
// the caller was told it failed.
func pipelined(ctx context.Context, pool *pgxpool.Pool, fn func(q querier) error) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	t := &lazyTx{conn: conn}
	if err := fn(t); err != nil {
		if t.begun {
			_, _ = conn.Exec(context.WithoutCancel(ctx), "rollback")
		}
		return err
	}
	if !t.begun {
		return nil
	}
	_, err = conn.Exec(ctx, "commit")
	return err
}

// lazyTx is a transaction whose BEGIN travels with its first statement.
type lazyTx struct {
	conn  *pgxpool.Conn
	begun bool
}

// first sends BEGIN and sql in one batch; the caller reads sql's result
// from the returned batch and closes it.
func (t *lazyTx) first(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	t.begun = true
	b := &pgx.Batch{}
	b.Queue("begin")
	b.Queue(sql, args...)
	br := t.conn.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		_ = br.Close()
		return nil, err
	}
	return br, nil
}

func (t *lazyTx) Begin(ctx context.Context) (pgx.Tx, error) {
	return nil, errors.New("postgres: nested transactions are not used on the write path")
}

func (t *lazyTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if t.begun {
		return t.conn.Exec(ctx, sql, args...)
	}
	br, err := t.first(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	return tag, errors.Join(err, br.Close())
}

func (t *lazyTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if t.begun {
		return t.conn.QueryRow(ctx, sql, args...)
	}
	br, err := t.first(ctx, sql, args)
	if err != nil {
		return errRow{err}
	}
	return batchRow{br}
}

func (t *lazyTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if t.begun {
		return t.conn.Query(ctx, sql, args...)
	}
	br, err := t.first(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		return nil, errors.Join(err, br.Close())
	}
	return &batchRows{Rows: rows, br: br}, nil
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// batchRow is the one row of a batch's last statement; scanning it
// closes the batch.
type batchRow struct{ br pgx.BatchResults }

func (r batchRow) Scan(dest ...any) error {
	err := r.br.QueryRow().Scan(dest...)
	return errors.Join(err, r.br.Close())
}

// batchRows are the rows of a batch's last statement; closing them closes
// the batch.
type batchRows struct {
	pgx.Rows
	br     pgx.BatchResults
	closed bool
}

func (r *batchRows) Close() {
	r.Rows.Close()
	if !r.closed {
		r.closed = true
		_ = r.br.Close()
	}
}
