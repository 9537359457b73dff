package workflow_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
)

// scaleCases is how many cases BenchmarkQueuePage seeds:
// CIVICKIT_SCALE_CASES, default 1,000,000.
func scaleCases(b *testing.B) int {
	if v := os.Getenv("CIVICKIT_SCALE_CASES"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(b, err, "CIVICKIT_SCALE_CASES")
		return n
	}
	return 1_000_000
}

var queueStates = []string{"new", "triaged", "scheduled", "fixed", "duplicate", "referred"}

// BenchmarkQueuePage is the scale test: a PostgreSQL store holding a
// million cases (CIVICKIT_SCALE_CASES) answers work-queue pages (one state,
// by due date, 50 cases, following cursors) and the benchmark reports the
// 99th percentile latency of a page as p99-ms.
//
// Method: the cases are written with one INSERT ... SELECT over
// generate_series into the store's own tables (writing them one by one
// through CreateCase would take longer than the measurement), spread over
// six states, 10,000 submitters and due times a minute apart; ANALYZE runs
// before timing. Each iteration lists the next page of one state's queue,
// cycling through the states and restarting a queue after 20 pages.
func BenchmarkQueuePage(b *testing.B) {
	if testing.Short() {
		b.Skip("seeding a million cases is not short; runs without -short")
	}
	s := openPostgres(b)
	pool := postgresPool(b)
	n := scaleCases(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	_, err := pool.Exec(ctx, `INSERT INTO "`+s.Schema()+`".cases
		(id, type, definition_version, state, version, submitter, team, assignee, channel, due, data, created_at, updated_at, closed_at)
		SELECT 'case-' || lpad(g::text, 9, '0'), 'pothole', 1, ($2::text[])[1 + g % 6], 1, 'resident-' || (g % 10000), 'roads', '',
		       CASE WHEN g % 3 = 0 THEN 'phone' ELSE 'open311' END,
		       CASE WHEN g % 6 < 3 THEN $1::timestamptz + (g % 100000) * interval '1 minute' END,
		       NULL, $1::timestamptz + g * interval '1 second', $1::timestamptz + g * interval '1 second',
		       CASE WHEN g % 6 IN (3, 4) THEN $1::timestamptz + g * interval '1 second' + interval '3 days' END
		FROM generate_series(1, $3::int) AS g`, start, queueStates, n)
	require.NoError(b, err)
	_, err = pool.Exec(ctx, `ANALYZE "`+s.Schema()+`".cases`)
	require.NoError(b, err)

	b.Run("postgres", func(b *testing.B) {
		cursors := make(map[string]string)
		pages := make(map[string]int)
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := range b.N {
			state := queueStates[i%3] // the states with due times
			if pages[state] == 20 {
				cursors[state], pages[state] = "", 0
			}
			t0 := time.Now()
			page, err := s.ListCases(ctx, adapters.CaseQuery{State: state, Order: adapters.OrderDue, Limit: 50, Cursor: cursors[state]})
			lat = append(lat, time.Since(t0))
			if err != nil {
				b.Fatal(err)
			}
			if len(page.Cases) != 50 {
				b.Fatalf("page of %d cases, want 50", len(page.Cases))
			}
			cursors[state] = page.NextCursor
			pages[state]++
		}
		b.StopTimer()
		slices.Sort(lat)
		b.ReportMetric(float64(lat[(len(lat)*99+99)/100-1].Microseconds())/1000, "p99-ms")
	})
}
