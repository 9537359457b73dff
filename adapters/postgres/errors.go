package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"

	"github.com/civickit/civickit/adapters"
)

// translate maps an error from pgx or PostgreSQL to the adapters sentinel
// error it means, keeping err in the chain (errors.As still finds a
// *pgconn.PgError). Errors that already wrap a sentinel, context errors and
// errors with no sentinel meaning are returned unchanged; nil stays nil.
//
//   - pgx.ErrNoRows: adapters.ErrNotFound
//   - 23505 unique_violation: adapters.ErrDuplicate
//   - 23503 foreign_key_violation: adapters.ErrNotFound
//   - the retryable conditions, adapters.ErrUnavailable: 40001
//     serialization_failure, 40P01 deadlock_detected, 55P03
//     lock_not_available, 25006 read_only_sql_transaction (a standby or a
//     read-only session), class 08 connection exceptions, 57P01
//     admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, and
//     a connection that could not be made or was lost (see unavailable)
//   - class 22 data exceptions (such as 22P02 invalid_text_representation),
//     23502 not_null_violation, 23514 check_violation:
//     adapters.ErrInvalidArgument
//   - a closed pool, a finished transaction: adapters.ErrClosed
func translate(err error) error {
	if err == nil || isSentinel(err) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("%w: %w", adapters.ErrNotFound, err)
	case errors.Is(err, puddle.ErrClosedPool), errors.Is(err, pgx.ErrTxClosed):
		return fmt.Errorf("%w: %w", adapters.ErrClosed, err)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return unavailable(err)
	}
	var sentinel error
	switch code := pgErr.Code; {
	case code == "23505":
		sentinel = adapters.ErrDuplicate
	case code == "23503":
		sentinel = adapters.ErrNotFound
	case code == "40001", code == "40P01", code == "55P03", code == "25006",
		code == "57P01", code == "57P02", code == "57P03", len(code) == 5 && code[:2] == "08":
		sentinel = adapters.ErrUnavailable
	case code == "23502", code == "23514", len(code) == 5 && code[:2] == "22":
		sentinel = adapters.ErrInvalidArgument
	default:
		return err
	}
	return fmt.Errorf("%w: %w", sentinel, err)
}

// unavailable marks err adapters.ErrUnavailable when it says the server
// could not be reached or the connection broke (a dial or handshake
// failure, a connection closed or cut mid-answer); other errors pass
// unchanged. A write whose connection broke after it was sent may have
// committed: only a request key makes its retry safe.
func unavailable(err error) error {
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded) && !errors.As(err, &connectErr):
		return err
	case errors.As(err, &connectErr), errors.As(err, &netErr),
		errors.Is(err, pgconn.ErrConnClosed), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE):
		return fmt.Errorf("%w: %w", adapters.ErrUnavailable, err)
	}
	return err
}

func isSentinel(err error) bool {
	for _, s := range []error{
		adapters.ErrNotFound, adapters.ErrConflict, adapters.ErrDuplicate,
		adapters.ErrInvalidArgument, adapters.ErrNotImplemented, adapters.ErrClosed,
		adapters.ErrUnavailable,
	} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// fail translates err and makes sure it names the context's error when
// the context ended: a canceled query may surface as a server error.
func fail(ctx context.Context, err error) error {
	err = translate(err)
	cerr := ctx.Err()
	if d, ok := ctx.Deadline(); ok && cerr == nil && !time.Now().Before(d) {
		// the deadline has passed but the context's timer has not run
		// yet (a busy machine): the server's statement_timeout, set to
		// the same deadline, is the caller's deadline all the same
		cerr = context.DeadlineExceeded
	}
	if cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w: %w", cerr, err)
	}
	return err
}
