package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/civickit/civickit/adapters"
)

// The texts database/sql gives a call on a closed *sql.DB or *sql.Stmt; it
// exports no values for them.
const (
	errDBClosed   = "sql: database is closed"
	errStmtClosed = "sql: statement is closed"
)

// known are the errors translate leaves alone.
var known = []error{
	context.Canceled, context.DeadlineExceeded,
	adapters.ErrNotFound, adapters.ErrConflict, adapters.ErrDuplicate,
	adapters.ErrInvalidArgument, adapters.ErrNotImplemented, adapters.ErrClosed,
	adapters.ErrUnavailable,
}

// translate maps the driver's and database/sql's errors onto the sentinel
// errors of package adapters, keeping the original in the chain: unique
// and primary key violations are adapters.ErrDuplicate, sql.ErrNoRows is
// adapters.ErrNotFound, a closed database is adapters.ErrClosed, busy,
// locked and read-only databases are adapters.ErrUnavailable (a retry may
// succeed once the other writer lets go or the file is writable), and an
// interrupted statement whose context is done is the context's error.
// Errors that already carry a sentinel, context errors and anything else
// pass through unchanged.
func translate(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	for _, known := range known {
		if errors.Is(err, known) {
			return err
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %w", adapters.ErrNotFound, err)
	}
	if errors.Is(err, sql.ErrConnDone) || strings.Contains(err.Error(), errDBClosed) || strings.Contains(err.Error(), errStmtClosed) {
		return fmt.Errorf("%w: %w", adapters.ErrClosed, err)
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch code := se.Code(); {
	case code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return fmt.Errorf("%w: %w", adapters.ErrDuplicate, err)
	case code&0xff == sqlite3.SQLITE_BUSY || code&0xff == sqlite3.SQLITE_LOCKED || code&0xff == sqlite3.SQLITE_READONLY:
		return fmt.Errorf("%w: %w", adapters.ErrUnavailable, err)
	case code&0xff == sqlite3.SQLITE_INTERRUPT && ctx.Err() != nil:
		return fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	return err
}
