package postgres

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// oneTrip runs fn, which sends one writing statement (and at most reads
// after it), on a connection of pool in one round trip: the statement is
// one transaction of its own, as PostgreSQL runs every statement sent
// outside BEGIN, so it needs no BEGIN or COMMIT.
//
// A statement still waiting (for a row lock, say) when ctx ends would
// commit when it finishes, after the caller was told it failed. So when
// ctx has a deadline the statement travels in one batch with a
// statement_timeout of the time left: the server gives up with the caller
// and nothing is written. A context canceled without a deadline, like a
// connection lost after the statement was sent, leaves the outcome
// unknown: the error is then ambiguous, and a RequestKey makes the retry
// safe.
func oneTrip(ctx context.Context, pool *pgxpool.Pool, fn func(q querier) error) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	t := &tripQuerier{conn: conn}
	if deadline, ok := ctx.Deadline(); ok {
		left := time.Until(deadline)
		if left <= 0 {
			return context.DeadlineExceeded
		}
		t.timeout = "set local statement_timeout = " + strconv.FormatInt(left.Milliseconds()+1, 10)
	}
	return fn(t)
}

// tripQuerier sends its first statement, with the statement timeout when
// there is one, in one batch: one implicit transaction.
type tripQuerier struct {
	conn    *pgxpool.Conn
	timeout string
	sent    bool
}

// batched reports whether sql goes in a batch after the timeout, and
// sends it if so.
func (t *tripQuerier) batched(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	first := !t.sent
	t.sent = true
	if !first || t.timeout == "" {
		return nil, nil
	}
	b := &pgx.Batch{}
	b.Queue(t.timeout)
	b.Queue(sql, args...)
	br := t.conn.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		return nil, errors.Join(err, br.Close())
	}
	return br, nil
}

func (t *tripQuerier) Begin(context.Context) (pgx.Tx, error) {
	return nil, errors.New("postgres: nested transactions are not used on the write path")
}

func (t *tripQuerier) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	br, err := t.batched(ctx, sql, args)
	if err != nil || br == nil {
		if err != nil {
			return pgconn.CommandTag{}, err
		}
		return t.conn.Exec(ctx, sql, args...)
	}
	tag, err := br.Exec()
	return tag, errors.Join(err, br.Close())
}

func (t *tripQuerier) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	br, err := t.batched(ctx, sql, args)
	switch {
	case err != nil:
		return errRow{err}
	case br == nil:
		return t.conn.QueryRow(ctx, sql, args...)
	}
	return batchRow{br}
}

func (t *tripQuerier) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	br, err := t.batched(ctx, sql, args)
	switch {
	case err != nil:
		return nil, err
	case br == nil:
		return t.conn.Query(ctx, sql, args...)
	}
	rows, err := br.Query()
	if err != nil {
		if rows != nil {
			rows.Close()
		}
		return nil, errors.Join(err, br.Close())
	}
	return &batchRows{Rows: rows, br: br}, nil
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// batchRow is the one row of the batch's statement; scanning it closes
// the batch.
type batchRow struct{ br pgx.BatchResults }

func (r batchRow) Scan(dest ...any) error {
	err := r.br.QueryRow().Scan(dest...)
	return errors.Join(err, r.br.Close())
}

// batchRows are the rows of the batch's statement; closing them closes
// the batch, whose error Err then reports too.
type batchRows struct {
	pgx.Rows
	br   pgx.BatchResults
	done bool
	err  error
}

func (r *batchRows) Close() {
	r.Rows.Close()
	if !r.done {
		r.done = true
		r.err = errors.Join(r.Rows.Err(), r.br.Close())
	}
}

func (r *batchRows) Err() error {
	if r.done {
		return r.err
	}
	return r.Rows.Err()
}
