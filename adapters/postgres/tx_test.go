package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
)

func TestWithTxRollbackLeavesNoCase(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := context.Background()
	tx, err := testPool(t).Begin(ctx)
	require.NoError(t, err)
	inTx := s.WithTx(tx)
	_, err = inTx.CreateCase(ctx, testCase("c1"))
	require.NoError(t, err)
	_, err = inTx.GetCase(ctx, "c1")
	require.NoError(t, err, "the transaction sees its own case")
	_, err = s.GetCase(ctx, "c1")
	require.ErrorIs(t, err, adapters.ErrNotFound, "others do not see an uncommitted case")

	require.NoError(t, tx.Rollback(ctx))
	_, err = s.GetCase(ctx, "c1")
	require.ErrorIs(t, err, adapters.ErrNotFound, "rolling back the caller's transaction removes the case")
	_, err = inTx.GetCase(ctx, "c1")
	require.ErrorIs(t, err, adapters.ErrClosed, "a store bound to a finished transaction is closed")
}

func TestWithTxCommitKeepsEverything(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := context.Background()
	tx, err := testPool(t).Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	inTx := s.WithTx(tx)

	p := testCase("c1")
	p.Messages = []adapters.Message{{ID: "m1", IdempotencyKey: "k1", Channel: "email", CreatedAt: testTime}}
	_, err = inTx.CreateCase(ctx, p)
	require.NoError(t, err)

	// A failing call undoes only its own work: the transaction goes on.
	_, err = inTx.CreateCase(ctx, p)
	require.ErrorIs(t, err, adapters.ErrDuplicate)
	_, err = inTx.GetCase(ctx, "nul\x00byte")
	require.ErrorIs(t, err, adapters.ErrInvalidArgument, "PostgreSQL refuses NUL in text")
	res, err := inTx.ApplyTransition(ctx, adapters.TransitionParams{
		CaseID: "c1", ExpectedVersion: 1, State: "in-review", At: testTime.Add(time.Minute), RequestKey: "r1",
		Events: []adapters.Event{{Kind: "transition", FromState: "submitted", ToState: "in-review", Trigger: "review", At: testTime.Add(time.Minute)}},
	})
	require.NoError(t, err, "the caller's transaction survives a failed call")
	assert.Equal(t, int64(2), res.Case.Version)
	_, err = inTx.ApplyTransition(ctx, adapters.TransitionParams{
		CaseID: "c1", ExpectedVersion: 1, State: "closed", At: testTime,
		Events: []adapters.Event{{Kind: "transition", At: testTime}},
	})
	require.ErrorIs(t, err, adapters.ErrConflict)

	require.NoError(t, tx.Commit(ctx))
	c, err := s.GetCase(ctx, "c1")
	require.NoError(t, err, "committing the caller's transaction keeps the case")
	assert.Equal(t, "in-review", c.State)
	assert.Equal(t, int64(2), c.Version)
	evs, err := s.ListEvents(ctx, "c1")
	require.NoError(t, err)
	assert.Len(t, evs, 2)
	_, err = s.GetMessage(ctx, "m1")
	require.NoError(t, err)
}

func TestWithTxClosesWithItsStore(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := context.Background()
	tx, err := testPool(t).Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()

	inTx := s.WithTx(tx)
	require.NoError(t, inTx.Close())
	_, err = inTx.GetCase(ctx, "c1")
	require.ErrorIs(t, err, adapters.ErrClosed)
	_, err = s.GetCase(ctx, "c1")
	require.ErrorIs(t, err, adapters.ErrNotFound, "closing a bound store leaves its parent open")

	other := s.WithTx(tx)
	require.NoError(t, s.Close())
	_, err = other.GetCase(ctx, "c1")
	require.ErrorIs(t, err, adapters.ErrClosed, "closing the store closes the stores bound from it")
	require.ErrorIs(t, s.Close(), adapters.ErrClosed, "closing twice")
}

func TestWithNilTxReturnsErrInvalidArgument(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	_, err := s.WithTx(nil).CreateCase(context.Background(), testCase("c1"))
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
}

func TestClosedPoolReturnsErrClosed(t *testing.T) {
	t.Parallel()
	shared := testPool(t)
	pool, err := pgxpool.NewWithConfig(context.Background(), shared.Config())
	require.NoError(t, err)
	schema := testSchema(t, shared)
	s, err := New(context.Background(), pool, &Config{Schema: schema})
	require.NoError(t, err)
	pool.Close()
	_, err = s.GetCase(context.Background(), "c1")
	assert.ErrorIs(t, err, adapters.ErrClosed)
	_, err = s.CreateCase(context.Background(), testCase("c1"))
	assert.ErrorIs(t, err, adapters.ErrClosed)
}

func TestContextDeadlineDuringAQuery(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	pool := testPool(t)
	ctx := context.Background()
	_, err := s.CreateCase(ctx, testCase("c1"))
	require.NoError(t, err)

	// Hold the case's row lock so the transition waits until its deadline.
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	_, err = tx.Exec(ctx, "SELECT FROM "+quoteIdent(s.Schema())+".cases WHERE id = 'c1' FOR UPDATE")
	require.NoError(t, err)

	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err = s.ApplyTransition(short, adapters.TransitionParams{
		CaseID: "c1", ExpectedVersion: 1, State: "closed", At: testTime,
		Events: []adapters.Event{{Kind: "transition", At: testTime}},
	})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.NoError(t, tx.Rollback(ctx))
	c, err := s.GetCase(ctx, "c1")
	require.NoError(t, err)
	assert.Equal(t, int64(1), c.Version, "a transition cut short writes nothing")
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     *Config
		wantErr int // how many problems are reported
	}{
		{"Nil", nil, 0},
		{"Zero", &Config{}, 0},
		{"Plain", &Config{Schema: "city_hall_2"}, 0},
		{"Uppercase", &Config{Schema: "CityHall"}, 1},
		{"Quote", &Config{Schema: `a"; DROP SCHEMA public; --`}, 1},
		{"LeadingDigit", &Config{Schema: "1city"}, 1},
		{"TooLongAndBad", &Config{Schema: "X" + string(make([]byte, 70))}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			if tt.wantErr == 0 {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, adapters.ErrInvalidArgument)
			joined, ok := err.(interface{ Unwrap() []error })
			require.True(t, ok, "problems are joined with errors.Join")
			assert.Len(t, joined.Unwrap(), tt.wantErr)
		})
	}
}

func TestNewRejectsBadArguments(t *testing.T) {
	t.Parallel()
	_, err := New(context.Background(), nil, nil)
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
	_, err = New(context.Background(), testPool(t), &Config{Schema: "Bad Schema"})
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
}
