package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/civickit/civickit/adapters"
)

// statsSQL computes adapters.Stats in one statement: the totals row
// ("total") and one row per open state ("state") and per channel
// ("channel"). Percentiles are nearest-rank (percentile_disc), as
// adapters.Percentile defines them. $1 type, $2 and $3 the opened window,
// $4 now; NULL parameters do not filter.
const statsSQL = `WITH f AS (
	SELECT state, channel, due, created_at, closed_at FROM {s}.cases
	WHERE ($1::text IS NULL OR type = $1)
		AND ($2::timestamptz IS NULL OR created_at >= $2)
		AND ($3::timestamptz IS NULL OR created_at < $3)
)
SELECT 'total', '', count(*),
	count(*) FILTER (WHERE closed_at IS NOT NULL),
	percentile_disc(0.5) WITHIN GROUP (ORDER BY closed_at - created_at) FILTER (WHERE closed_at IS NOT NULL),
	percentile_disc(0.9) WITHIN GROUP (ORDER BY closed_at - created_at) FILTER (WHERE closed_at IS NOT NULL),
	count(*) FILTER (WHERE due IS NOT NULL AND (closed_at > due OR (closed_at IS NULL AND $4::timestamptz > due)))
FROM f
UNION ALL
SELECT 'state', state, count(*), 0, NULL, NULL, 0 FROM f WHERE closed_at IS NULL GROUP BY state
UNION ALL
SELECT 'channel', channel, count(*), 0, NULL, NULL, 0 FROM f GROUP BY channel`

// CaseStats implements adapters.CaseStats with SQL aggregates.
func (s *Store) CaseStats(ctx context.Context, q adapters.StatsQuery) (adapters.Stats, error) {
	st, err := s.caseStats(ctx, q)
	if err != nil {
		return adapters.Stats{}, fmt.Errorf("postgres: case stats: %w", fail(ctx, err))
	}
	return st, nil
}

func (s *Store) caseStats(ctx context.Context, q adapters.StatsQuery) (adapters.Stats, error) {
	if err := s.enter(ctx); err != nil {
		return adapters.Stats{}, err
	}
	var typ *string
	if q.Type != "" {
		typ = &q.Type
	}
	st := adapters.Stats{OpenByState: map[string]int64{}, ByChannel: map[string]int64{}}
	var kind, key string
	var n, closed, breached int64
	var median, p90 pgtype.Interval
	dest := []any{&kind, &key, &n, &closed, &median, &p90, &breached}
	err := forEachRow(ctx, s, dest, func() {
		switch kind {
		case "total":
			st.Total, st.Closed, st.Breached = n, closed, breached
			st.MedianTimeToClose, st.P90TimeToClose = duration(median), duration(p90)
		case "state":
			st.OpenByState[key] = n
		case "channel":
			st.ByChannel[key] = n
		}
	}, s.sql.stats, typ, ts(q.OpenedFrom), ts(q.OpenedTo), ts(q.Now))
	return st, err
}

// duration converts the difference of two timestamps, which has no months.
func duration(iv pgtype.Interval) time.Duration {
	if !iv.Valid {
		return 0
	}
	return time.Duration(iv.Days)*24*time.Hour + time.Duration(iv.Microseconds)*time.Microsecond
}
