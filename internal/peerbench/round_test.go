package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/internal/pgtest"
)

// TestRoundsCompleteEveryItem runs one small round of each system: each
// round checks in the table that all n items ended completed (sent).
func TestRoundsCompleteEveryItem(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		name  string
		round func(ctx context.Context, schema string) (time.Duration, error)
	}{
		{name: "river", round: func(ctx context.Context, schema string) (time.Duration, error) {
			return riverRound(ctx, pool, schema, 250, 4, logger)
		}},
		{name: "civickit", round: func(ctx context.Context, schema string) (time.Duration, error) {
			return civickitRound(ctx, pool, schema, 250, 4, logger)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			elapsed, err := tt.round(ctx, pgtest.Schema(t, pool, "peerbench_test_"))
			require.NoError(t, err)
			assert.Positive(t, elapsed)
		})
	}
}
