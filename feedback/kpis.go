package feedback

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/workflow"
)

// MaxKPIPeriods bounds the monthly periods one KPIs call measures (ten
// years).
const MaxKPIPeriods = 120

// KPIQuery selects what KPIs reports.
type KPIQuery struct {
	// Types are the service types to report; empty means every type the
	// engine has registered but IdeaType.
	Types []string
	// From and To bound the report, [From, To); both are required. The
	// report has one period per calendar month in Location that the range
	// touches, clipped to the range.
	From, To time.Time
	// Location is the time zone months are counted in; nil means UTC.
	Location *time.Location
}

// KPIPeriod is one service type's figures over one period: the workflow
// metrics of the cases opened in it (adoption, time to close, breaches)
// and the survey responses recorded in it.
type KPIPeriod struct {
	// From and To bound the period, [From, To), in the query's Location.
	From, To time.Time
	// Metrics are workflow.Engine.Metrics of the cases opened in the
	// period: Total, Closed, OnlineShare (adoption), MedianTimeToClose,
	// P90TimeToClose, BreachRate...
	Metrics workflow.Metrics
	// Satisfaction tallies the survey responses recorded in the period.
	Satisfaction adapters.SurveyTally
}

// SatisfactionMean is the average rating of the period, zero without
// responses.
func (p KPIPeriod) SatisfactionMean() float64 { return p.Satisfaction.Mean() }

// ResolvedShare is the share of responses saying the issue was resolved
// among those that said either way, zero when none did.
func (p KPIPeriod) ResolvedShare() float64 {
	n := p.Satisfaction.Resolved + p.Satisfaction.Unresolved
	if n == 0 {
		return 0
	}
	return float64(p.Satisfaction.Resolved) / float64(n)
}

// ServiceKPIs are one service type's figures, period by period.
type ServiceKPIs struct {
	// Type is the service type.
	Type string
	// Periods are the months of the query, oldest first.
	Periods []KPIPeriod
}

// KPIs returns the figures a city reports per service type and month:
// adoption of online channels, time to close, SLA breaches and
// satisfaction. The case figures come from engine.Metrics (aggregates in
// the store), the satisfaction from store.SurveyStats, one call of each
// per period. A range that is empty, reversed, or spans more than
// MaxKPIPeriods months returns an error wrapping
// adapters.ErrInvalidArgument.
func KPIs(ctx context.Context, engine *workflow.Engine, store adapters.SurveyStore, q KPIQuery) ([]ServiceKPIs, error) {
	if engine == nil || store == nil {
		return nil, errors.New("feedback: KPIs need an engine and a survey store")
	}
	periods, err := months(q)
	if err != nil {
		return nil, fmt.Errorf("feedback: KPIs: %w", err)
	}
	types := q.Types
	if len(types) == 0 {
		for _, t := range engine.Types() {
			if t != IdeaType {
				types = append(types, t)
			}
		}
	}
	out := make([]ServiceKPIs, len(types))
	for i, t := range types {
		out[i] = ServiceKPIs{Type: t, Periods: make([]KPIPeriod, len(periods))}
	}
	for k, p := range periods {
		// One survey call per period covers every type.
		tallies, err := store.SurveyStats(ctx, adapters.SurveyQuery{From: p[0], To: p[1]})
		if err != nil {
			return nil, fmt.Errorf("feedback: KPIs: %w", err)
		}
		byType := make(map[string]adapters.SurveyTally, len(tallies))
		for _, t := range tallies {
			byType[t.Type] = t
		}
		for i, t := range types {
			m, err := engine.Metrics(ctx, workflow.MetricsQuery{Type: t, From: p[0], To: p[1]})
			if err != nil {
				return nil, fmt.Errorf("feedback: KPIs: %w", err)
			}
			sat := byType[t]
			sat.Type = t
			out[i].Periods[k] = KPIPeriod{From: p[0], To: p[1], Metrics: m, Satisfaction: sat}
		}
	}
	return out, nil
}

// months splits [q.From, q.To) at the starts of calendar months in
// q.Location.
func months(q KPIQuery) ([][2]time.Time, error) {
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	if q.From.IsZero() || q.To.IsZero() || !q.From.Before(q.To) {
		return nil, fmt.Errorf("%w: the range [%v, %v) is empty", adapters.ErrInvalidArgument, q.From, q.To)
	}
	from, to := q.From.In(loc), q.To.In(loc)
	var out [][2]time.Time
	for start := from; start.Before(to); {
		y, m, _ := start.Date()
		end := time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
		if end.After(to) {
			end = to
		}
		if len(out) == MaxKPIPeriods {
			return nil, fmt.Errorf("%w: the range spans more than %d months", adapters.ErrInvalidArgument, MaxKPIPeriods)
		}
		out = append(out, [2]time.Time{start, end})
		start = end
	}
	return out, nil
}
