package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"
	"github.com/stretchr/testify/assert"

	"github.com/civickit/civickit/adapters"
)

func TestTranslate(t *testing.T) {
	t.Parallel()
	pgErr := func(code string) error { return &pgconn.PgError{Severity: "ERROR", Code: code, Message: "m"} }
	plain := errors.New("network is down")
	tests := []struct {
		name string
		err  error
		want error // nil: returned unchanged
	}{
		{"UniqueViolation", pgErr("23505"), adapters.ErrDuplicate},
		{"WrappedUniqueViolation", fmt.Errorf("insert: %w", pgErr("23505")), adapters.ErrDuplicate},
		{"ForeignKeyViolation", pgErr("23503"), adapters.ErrNotFound},
		{"SerializationFailure", pgErr("40001"), adapters.ErrUnavailable},
		{"DeadlockDetected", pgErr("40P01"), adapters.ErrUnavailable},
		{"LockNotAvailable", pgErr("55P03"), adapters.ErrUnavailable},
		{"ReadOnlyTransaction", pgErr("25006"), adapters.ErrUnavailable},
		{"AdminShutdown", pgErr("57P01"), adapters.ErrUnavailable},
		{"CrashShutdown", pgErr("57P02"), adapters.ErrUnavailable},
		{"CannotConnectNow", pgErr("57P03"), adapters.ErrUnavailable},
		{"ConnectionFailure", pgErr("08006"), adapters.ErrUnavailable},
		{"CannotConnect", &pgconn.ConnectError{Config: &pgconn.Config{Host: "db"}}, adapters.ErrUnavailable},
		{"ConnectionClosed", fmt.Errorf("query: %w", pgconn.ErrConnClosed), adapters.ErrUnavailable},
		{"ConnectionCutMidAnswer", fmt.Errorf("failed to receive message: %w", io.ErrUnexpectedEOF), adapters.ErrUnavailable},
		{"NetworkError", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, adapters.ErrUnavailable},
		{"InvalidTextRepresentation", pgErr("22P02"), adapters.ErrInvalidArgument},
		{"UntranslatableCharacter", pgErr("22P05"), adapters.ErrInvalidArgument},
		{"CheckViolation", pgErr("23514"), adapters.ErrInvalidArgument},
		{"NotNullViolation", pgErr("23502"), adapters.ErrInvalidArgument},
		{"NoRows", pgx.ErrNoRows, adapters.ErrNotFound},
		{"ClosedPool", puddle.ErrClosedPool, adapters.ErrClosed},
		{"FinishedTx", pgx.ErrTxClosed, adapters.ErrClosed},
		{"Canceled", fmt.Errorf("query: %w", context.Canceled), nil},
		{"DeadlineExceeded", context.DeadlineExceeded, nil},
		{"UndefinedTable", pgErr("42P01"), nil},
		{"AlreadyTranslated", fmt.Errorf("%w: stale", adapters.ErrConflict), nil},
		{"Other", plain, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := translate(tt.err)
			if tt.want == nil {
				assert.True(t, got == tt.err, "returned unchanged: %v", got)
				return
			}
			assert.ErrorIs(t, got, tt.want)
			assert.ErrorIs(t, got, tt.err, "the original error stays in the chain")
			var pe *pgconn.PgError
			assert.Equal(t, errors.As(tt.err, &pe), errors.As(got, &pe), "errors.As still finds a *pgconn.PgError")
		})
	}
	assert.NoError(t, translate(nil))
}

func TestFailNamesTheEndedContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := fail(ctx, &pgconn.PgError{Code: "57014", Message: "canceling statement due to user request"})
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, fail(context.Background(), context.Canceled), context.Canceled)
	assert.NotErrorIs(t, fail(context.Background(), errors.New("x")), context.Canceled)
}

// lateContext is a context whose deadline has passed but whose timer has
// not run yet, as on a busy machine: Err is still nil.
type lateContext struct{ context.Context }

func (lateContext) Deadline() (time.Time, bool) { return time.Now().Add(-time.Millisecond), true }

func TestFailNamesAPassedDeadline(t *testing.T) {
	t.Parallel()
	ctx := lateContext{context.Background()}
	err := fail(ctx, &pgconn.PgError{Code: "57014", Message: "canceling statement due to statement timeout"})
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the statement timeout set from the deadline is the deadline")
	future, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	assert.NotErrorIs(t, fail(future, errors.New("x")), context.DeadlineExceeded)
}

// Errors from the server arrive translated and wrapped once with the
// call's details.
func TestErrorsFromTheServerAreTranslated(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := context.Background()
	p := testCase("c1")
	_, err := s.CreateCase(ctx, p)
	assert.NoError(t, err)

	_, err = s.CreateCase(ctx, p)
	assert.ErrorIs(t, err, adapters.ErrDuplicate)
	var pe *pgconn.PgError
	if assert.ErrorAs(t, err, &pe) {
		assert.Equal(t, "23505", pe.Code)
	}
	assert.Regexp(t, `^postgres: create case "c1": duplicate: `, err.Error())

	// PostgreSQL refuses NUL characters in text: bad input, not a crash.
	bad := testCase("c2")
	bad.Case.Team = "a\x00b"
	_, err = s.CreateCase(ctx, bad)
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)

	_, err = s.GetCase(ctx, "missing")
	assert.ErrorIs(t, err, adapters.ErrNotFound)
	assert.EqualError(t, err, `postgres: get case "missing": not found: no rows in result set`)
}
