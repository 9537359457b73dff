package workflow_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/workflow"
)

func Example() {
	b := workflow.NewBuilder("noise-complaint", 1).Initial("reported")
	b.State("reported").Team("311").SLA(workflow.BusinessDays(2), "").Notify("complaint-received", workflow.ToSubmitter)
	b.State("investigating").Team("environmental-health")
	b.State("resolved").Terminal(workflow.TerminalClosed).Notify("complaint-resolved", workflow.ToSubmitter)
	b.Permit("investigate", "investigating", "reported").Roles("officer")
	b.Permit("resolve", "resolved", "investigating").Roles("officer").Assurance(workflow.AssuranceSubstantial)
	def, err := b.Build()
	if err != nil {
		panic(err)
	}
	w, err := workflow.Compile(def, nil)
	if err != nil {
		panic(err)
	}
	now := func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }
	e, err := workflow.New(memory.New(), &workflow.EngineConfig{Now: now})
	if err != nil {
		panic(err)
	}
	if err := e.Register(w); err != nil {
		panic(err)
	}
	ctx := context.Background()
	resident := workflow.Actor{Subject: "r-1", Assurance: workflow.AssuranceLow}
	officer := workflow.Actor{Subject: "o-1", Roles: []string{"officer"}, Assurance: workflow.AssuranceSubstantial}

	c, _ := e.Open(ctx, workflow.OpenParams{Type: "noise-complaint", Actor: resident})
	fmt.Println("opened in", c.State, "for team", c.Team, "due", c.Due.Format(time.DateOnly))

	_, err = e.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "investigate", Actor: resident})
	var denied *workflow.DeniedError
	if errors.As(err, &denied) {
		fmt.Println("denied:", denied.Code, "-", denied.Reason)
	}
	r, _ := e.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "investigate", Actor: officer, ExpectedVersion: c.Version})
	fmt.Println("now", r.Case.State, "version", r.Case.Version)
	r, _ = e.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "resolve", Actor: officer, ExpectedVersion: r.Case.Version})
	fmt.Println("now", r.Case.State, "closed:", !r.Case.ClosedAt.IsZero())

	events, _ := e.History(ctx, c.ID)
	for _, ev := range events {
		fmt.Printf("%d %s %s→%s by %s\n", ev.Seq, ev.Kind, ev.FromState, ev.ToState, ev.Actor)
	}
	m, _ := e.Metrics(ctx, workflow.MetricsQuery{Type: "noise-complaint"})
	fmt.Println("cases:", m.Total, "closed:", m.Closed, "online share:", m.OnlineShare)
	// Output:
	// opened in reported for team 311 due 2026-11-25
	// denied: role-missing - needs one of the roles [officer]
	// now investigating version 2
	// now resolved closed: true
	// 1 opened →reported by r-1
	// 2 transition reported→investigating by o-1
	// 3 transition investigating→resolved by o-1
	// cases: 1 closed: 1 online share: 1
}

func ExampleWorkflow_Mermaid() {
	b := workflow.NewBuilder("streetlight", 1).Initial("reported")
	b.State("reported")
	b.State("repaired").Terminal(workflow.TerminalClosed)
	b.Permit("repair", "repaired", "reported").Roles("crew")
	def, _ := b.Build()
	w, _ := workflow.Compile(def, nil)
	fmt.Print(w.Mermaid())
	// Output:
	// stateDiagram-v2
	//     [*] --> reported
	//     reported --> repaired : repair
	//     repaired --> [*]
}

func ExampleParseDefinition() {
	_, err := workflow.ParseDefinition([]byte(`{
		"type": "graffiti", "version": 1, "initial": "reported",
		"states": [{"name": "reported"}, {"name": "cleaned", "terminal": "closed"}],
		"transitions": [{"trigger": "clean", "from": ["reported"], "to": "cleand", "roles": ["crew"]}]
	}`))
	var de *workflow.DefinitionError
	if errors.As(err, &de) {
		for _, p := range de.Problems {
			fmt.Println(p.Pointer, p.Message)
		}
	}
	// Output:
	// /transitions/0/to trigger "clean" goes to "cleand", which is not declared
}

func ExampleTimerWorker() {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	b := workflow.NewBuilder("missed-bin", 1).Initial("reported")
	b.State("reported").SLA(workflow.BusinessDays(1), "escalate")
	b.State("collected").Terminal(workflow.TerminalClosed)
	b.Permit("collect", "collected", "reported").Roles("crew")
	b.Internal("escalate", "reported").Roles("system")
	def, _ := b.Build()
	w, _ := workflow.Compile(def, nil)
	e, _ := workflow.New(memory.New(), &workflow.EngineConfig{Now: func() time.Time { return clock() }})
	_ = e.Register(w)
	ctx := context.Background()
	c, _ := e.Open(ctx, workflow.OpenParams{Type: "missed-bin", Actor: workflow.Actor{Subject: "r-1"}})

	worker, _ := e.NewTimerWorker(&workflow.TimerWorkerConfig{Owner: "worker-1"})
	now = now.AddDate(0, 0, 1) // Tuesday: the SLA has passed
	n, _ := worker.RunOnce(ctx)
	fmt.Println("timers fired:", n)
	events, _ := e.History(ctx, c.ID)
	last := events[len(events)-1]
	fmt.Println(last.Kind, last.Trigger, "by", last.Actor)
	// Output:
	// timers fired: 1
	// transition escalate by system
}
