package workflow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/civickit/civickit/adapters"
)

// MetricsQuery selects the cases Metrics measures. Zero fields do not
// filter.
type MetricsQuery struct {
	// Type restricts to one case type.
	Type string
	// From and To restrict to cases opened in [From, To).
	From, To time.Time
}

// Metrics are service metrics over a set of cases, computed by the store.
type Metrics struct {
	adapters.Stats
	// BreachRate is Breached over Total (zero without cases).
	BreachRate float64
	// OnlineShare is the share of cases that came in through an online
	// channel (EngineConfig.OnlineChannels): how much of the service has moved
	// online.
	OnlineShare float64
	// Partial reports a store without adapters.CaseStats: only Total and
	// OpenByState are filled, from CountCasesByState.
	Partial bool
}

// Metrics returns service metrics: open cases per state, median and 90th
// percentile time to close, SLA breaches and volumes per intake channel.
// They come from the store's adapters.CaseStats (aggregates in the store,
// not by loading cases); a store without it yields Partial metrics from
// CountCasesByState.
func (e *Engine) Metrics(ctx context.Context, q MetricsQuery) (Metrics, error) {
	if sp, ok := e.store.(adapters.CaseStats); ok {
		st, err := sp.CaseStats(ctx, adapters.StatsQuery{Type: q.Type, OpenedFrom: q.From, OpenedTo: q.To, Now: e.cfg.Now()})
		if err == nil {
			m := Metrics{Stats: st}
			if st.Total > 0 {
				m.BreachRate = float64(st.Breached) / float64(st.Total)
				var online int64
				for ch, n := range st.ByChannel {
					if e.online[ch] {
						online += n
					}
				}
				m.OnlineShare = float64(online) / float64(st.Total)
			}
			return m, nil
		}
		if !errors.Is(err, adapters.ErrNotImplemented) {
			return Metrics{}, fmt.Errorf("workflow: metrics of %q: %w", q.Type, err)
		}
	}
	counts, err := e.store.CountCasesByState(ctx, adapters.CaseQuery{Type: q.Type, OpenedFrom: q.From, OpenedTo: q.To})
	if err != nil {
		return Metrics{}, fmt.Errorf("workflow: metrics of %q: %w", q.Type, err)
	}
	closed := e.closedStates(q.Type)
	m := Metrics{Partial: true, Stats: adapters.Stats{OpenByState: map[string]int64{}}}
	for state, n := range counts {
		m.Total += n
		if closed[state] {
			m.Closed += n
		} else {
			m.OpenByState[state] = n
		}
	}
	return m, nil
}

// closedStates lists the closed terminal states of the type's registered
// versions (of every type when caseType is empty). A state closed in every
// version that declares it counts as closed.
func (e *Engine) closedStates(caseType string) map[string]bool {
	e.reg.mu.RLock()
	defer e.reg.mu.RUnlock()
	closed, open := map[string]bool{}, map[string]bool{}
	for t, list := range e.reg.workflows {
		if caseType != "" && t != caseType {
			continue
		}
		for _, w := range list {
			for name, s := range w.states {
				if s.Terminal == TerminalClosed {
					closed[name] = true
				} else {
					open[name] = true
				}
			}
		}
	}
	for name := range open {
		delete(closed, name)
	}
	return closed
}
