package promcollector_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/workflow"
	"github.com/civickit/civickit/workflow/promcollector"
)

// Register the collector with the engine as its source; every scrape asks
// the store for fresh figures.
func Example() {
	b := workflow.NewBuilder("graffiti", 1).Initial("reported")
	b.State("reported")
	b.State("cleaned").Terminal(workflow.TerminalClosed)
	b.Permit("clean", "cleaned", "reported").Roles("crew")
	def, _ := b.Build()
	w, _ := workflow.Compile(def, nil)
	e, _ := workflow.New(memory.New(), nil)
	_ = e.Register(w)
	for range 3 {
		_, _ = e.Open(context.Background(), workflow.OpenParams{Type: "graffiti", Actor: workflow.Actor{Subject: "resident-1"}})
	}

	col, _ := promcollector.New(e, nil)
	reg := prometheus.NewRegistry()
	reg.MustRegister(col)
	n, _ := testutil.GatherAndCount(reg, "civickit_workflow_open_cases")
	fmt.Println(n, "open-cases series")
	err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP civickit_workflow_open_cases Open cases per state.
# TYPE civickit_workflow_open_cases gauge
civickit_workflow_open_cases{state="reported",type="graffiti"} 3
`), "civickit_workflow_open_cases")
	fmt.Println(err)
	// Output:
	// 1 open-cases series
	// <nil>
}
