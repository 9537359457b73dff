package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/civickit/civickit/adapters"
)

// CaseStats implements adapters.CaseStats with SQL aggregates over one
// read snapshot: a few aggregate queries for the counts, and the
// percentiles by sorting only the closed cases' durations inside SQLite
// and reading the one row at each nearest rank.
func (s *Store) CaseStats(ctx context.Context, q adapters.StatsQuery) (adapters.Stats, error) {
	st, err := s.caseStats(ctx, q)
	if err != nil {
		return adapters.Stats{}, fmt.Errorf("sqlite: case stats: %w", err)
	}
	return st, nil
}

func (s *Store) caseStats(ctx context.Context, q adapters.StatsQuery) (adapters.Stats, error) {
	if err := s.enter(ctx); err != nil {
		return adapters.Stats{}, err
	}
	cond, args := where(adapters.CaseQuery{Type: q.Type, OpenedFrom: q.OpenedFrom, OpenedTo: q.OpenedTo})
	if cond == "" {
		cond = " WHERE 1"
	}
	if s.tx != nil {
		st := adapters.Stats{OpenByState: map[string]int64{}, ByChannel: map[string]int64{}}
		err := s.statsIn(ctx, s.tx, &st, cond, args, q.Now)
		return st, translate(ctx, err)
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return adapters.Stats{}, translate(ctx, err)
	}
	defer func() { _ = tx.Rollback() }()
	st := adapters.Stats{OpenByState: map[string]int64{}, ByChannel: map[string]int64{}}
	err = s.statsIn(ctx, tx, &st, cond, args, q.Now)
	return st, translate(ctx, err)
}

func (s *Store) statsIn(ctx context.Context, tx *sql.Tx, st *adapters.Stats, cond string, args []any, now time.Time) error {
	hasNow := !now.IsZero()
	totals := `SELECT count(*), count(closed_at), ifnull(sum(due IS NOT NULL AND (closed_at > due OR (closed_at IS NULL AND ? AND ? > due))), 0)
		FROM cases` + cond
	err := tx.QueryRowContext(ctx, totals, append([]any{hasNow, micros(now)}, args...)...).Scan(&st.Total, &st.Closed, &st.Breached)
	if err != nil {
		return err
	}
	groups := []struct {
		query string
		into  map[string]int64
	}{
		{`SELECT state, count(*) FROM cases` + cond + ` AND closed_at IS NULL GROUP BY state`, st.OpenByState},
		{`SELECT channel, count(*) FROM cases` + cond + ` GROUP BY channel`, st.ByChannel},
	}
	for _, g := range groups {
		rows, err := tx.QueryContext(ctx, g.query, args...)
		if err != nil {
			return err
		}
		counts, err := scanAll(rows, func(c *stateCount) []any { return []any{&c.state, &c.n} })
		if err != nil {
			return err
		}
		for _, c := range counts {
			g.into[c.state] = c.n
		}
	}
	if st.Closed == 0 {
		return nil
	}
	rank := `SELECT closed_at - created_at AS d FROM cases` + cond + ` AND closed_at IS NOT NULL ORDER BY d LIMIT 1 OFFSET ?`
	for _, p := range []struct {
		p    float64
		into *time.Duration
	}{{0.5, &st.MedianTimeToClose}, {0.9, &st.P90TimeToClose}} {
		var d int64
		if err := tx.QueryRowContext(ctx, rank, append(args, nearestRank(st.Closed, p.p))...).Scan(&d); err != nil {
			return err
		}
		*p.into = time.Duration(d) * time.Microsecond
	}
	return nil
}

// nearestRank is the zero-based offset of the nearest-rank percentile p of
// n sorted values, as adapters.Percentile picks it.
func nearestRank(n int64, p float64) int64 {
	i := int64(math.Ceil(p*float64(n))) - 1
	return max(0, min(i, n-1))
}
