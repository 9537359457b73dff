package promcollector_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/examples/workflows"
	"github.com/civickit/civickit/workflow"
	"github.com/civickit/civickit/workflow/promcollector"
)

func TestCollector(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	e, err := workflow.New(memory.New(), &workflow.EngineConfig{Now: clock})
	require.NoError(t, err)
	def, err := workflow.ParseDefinition(workflows.Pothole())
	require.NoError(t, err)
	w, err := workflow.Compile(def, &workflow.Hooks{
		Guards: map[string]workflow.Guard{"photo-attached": func(context.Context, *workflow.Input) (bool, string) { return true, "" }},
		Destinations: map[string]workflow.Destination{"pothole-route": func(context.Context, *workflow.Input) (string, error) {
			return "triaged", nil
		}},
	})
	require.NoError(t, err)
	require.NoError(t, e.Register(w))
	ctx := context.Background()
	for _, ch := range []string{"open311", "phone", "open311"} {
		p := workflow.OpenParams{Type: "pothole", Channel: ch}
		if ch == "phone" {
			p.Actor, p.OnBehalf = workflow.Actor{Subject: "ct", Roles: []string{"call-taker"}}, true
		}
		_, err := e.Open(ctx, p)
		require.NoError(t, err)
	}
	c, err := e.Open(ctx, workflow.OpenParams{Type: "pothole", Channel: "web"})
	require.NoError(t, err)
	_, err = e.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "mark-duplicate", Actor: workflow.Actor{Subject: "d", Roles: []string{"dispatcher"}}})
	require.NoError(t, err)

	col, err := promcollector.New(e, &promcollector.Config{Window: 24 * time.Hour, Now: clock})
	require.NoError(t, err)
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(col))
	want := `
# HELP civickit_workflow_cases_by_channel Cases per intake channel.
# TYPE civickit_workflow_cases_by_channel gauge
civickit_workflow_cases_by_channel{channel="open311",type="pothole"} 2
civickit_workflow_cases_by_channel{channel="phone",type="pothole"} 1
civickit_workflow_cases_by_channel{channel="web",type="pothole"} 1
# HELP civickit_workflow_closed_cases Closed cases.
# TYPE civickit_workflow_closed_cases gauge
civickit_workflow_closed_cases{type="pothole"} 1
# HELP civickit_workflow_metrics_partial 1 when the store cannot compute full metrics.
# TYPE civickit_workflow_metrics_partial gauge
civickit_workflow_metrics_partial{type="pothole"} 0
# HELP civickit_workflow_online_share_ratio Share of cases that came in through an online channel.
# TYPE civickit_workflow_online_share_ratio gauge
civickit_workflow_online_share_ratio{type="pothole"} 0.75
# HELP civickit_workflow_open_cases Open cases per state.
# TYPE civickit_workflow_open_cases gauge
civickit_workflow_open_cases{state="new",type="pothole"} 3
# HELP civickit_workflow_sla_breach_ratio Breached cases over all cases.
# TYPE civickit_workflow_sla_breach_ratio gauge
civickit_workflow_sla_breach_ratio{type="pothole"} 0
# HELP civickit_workflow_sla_breached_cases Cases closed after their due time or still open past it.
# TYPE civickit_workflow_sla_breached_cases gauge
civickit_workflow_sla_breached_cases{type="pothole"} 0
# HELP civickit_workflow_time_to_close_seconds Time from opening to closing a case, nearest-rank quantiles over closed cases.
# TYPE civickit_workflow_time_to_close_seconds gauge
civickit_workflow_time_to_close_seconds{quantile="0.5",type="pothole"} 0
civickit_workflow_time_to_close_seconds{quantile="0.9",type="pothole"} 0
`
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want)))
}

type failing struct{}

func (failing) Types() []string { return []string{"pothole"} }
func (failing) Metrics(context.Context, workflow.MetricsQuery) (workflow.Metrics, error) {
	return workflow.Metrics{}, errors.New("database unavailable")
}

func TestCollectorReportsSourceErrors(t *testing.T) {
	t.Parallel()
	col, err := promcollector.New(failing{}, nil)
	require.NoError(t, err)
	reg := prometheus.NewRegistry()
	require.NoError(t, reg.Register(col))
	_, err = reg.Gather()
	require.ErrorContains(t, err, "database unavailable")
}

var _ promcollector.Source = (*workflow.Engine)(nil)
var _ adapters.CaseStats = (*memory.Store)(nil)
