package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/workflow"
)

// printQueue lists a team's cases, soonest due first, each with what the
// reviewer may do with it: what a reviewer sees when they sign in. One
// store read serves the page, actions included.
func printQueue(ctx context.Context, out io.Writer, e *workflow.Engine, team string) error {
	page, err := e.Queue(ctx, reviewer, adapters.CaseQuery{Team: team, Order: adapters.OrderDue, Limit: 5})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n%s queue:\n", team)
	for _, item := range page.Items {
		c := item.Case
		fmt.Fprintf(out, "  %s  %-9s  from %s  due %s\n", short(c.ID), c.State, c.Submitter, c.Due.Format(when))
		var allowed []string
		for _, a := range item.Actions {
			if a.Allowed {
				allowed = append(allowed, a.Trigger)
			}
		}
		fmt.Fprintf(out, "    %s may: %s\n", reviewer.Subject, strings.Join(allowed, ", "))
	}
	if page.NextCursor != "" {
		fmt.Fprintln(out, "  … more on the next page")
	}
	return nil
}

// printHistory prints the case's audit trail: who did what, when, and how
// the state changed. Events are never edited, so this is the record an
// appeal or an auditor reads.
func printHistory(ctx context.Context, out io.Writer, e *workflow.Engine, caseID string) error {
	events, err := e.History(ctx, caseID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nhistory of case %s:\n", short(caseID))
	for _, ev := range events {
		what := ev.Trigger
		if what == "" {
			what = ev.Kind
		}
		fmt.Fprintf(out, "  #%d  %s  %-11s  %-6s  %s → %s\n", ev.Seq, ev.At.Format(when), ev.Actor, what, orStart(ev.FromState), ev.ToState)
	}
	return nil
}

// orStart names the missing "from" state of the opening event.
func orStart(state string) string {
	if state == "" {
		return "(new)"
	}
	return state
}

// printOutbox lists the notifications the transitions queued. They were
// written in the same store call as the state change, so none is lost or
// sent for a change that did not happen; a dispatcher delivers them.
func printOutbox(ctx context.Context, out io.Writer, store adapters.Store, caseID string) error {
	msgs, err := store.ListMessages(ctx, caseID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\noutbox: %d messages waiting for the dispatcher\n", len(msgs))
	for _, m := range msgs {
		fmt.Fprintf(out, "  %-16s  to %s\n", m.Template, m.Recipient)
	}
	return nil
}

// printMetrics prints the service metrics the store aggregates over every
// case of the type, so a second run on the same file counts both cases.
func printMetrics(ctx context.Context, out io.Writer, e *workflow.Engine, caseType string) error {
	m, err := e.Metrics(ctx, workflow.MetricsQuery{Type: caseType})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nmetrics of %s: %d opened, %d closed\n", caseType, m.Total, m.Closed)
	open := make([]string, 0, len(m.OpenByState))
	for _, state := range slices.Sorted(maps.Keys(m.OpenByState)) {
		open = append(open, fmt.Sprintf("%s %d", state, m.OpenByState[state]))
	}
	fmt.Fprintf(out, "  open cases per state: %s\n", orNone(strings.Join(open, ", ")))
	closeTime := "none closed yet"
	if m.Closed > 0 {
		closeTime = m.MedianTimeToClose.Round(time.Minute).String()
	}
	fmt.Fprintf(out, "  median time to close: %s\n", closeTime)
	fmt.Fprintf(out, "  SLA breach rate:      %.0f%% (%d of %d)\n", 100*m.BreachRate, m.Breached, m.Total)
	fmt.Fprintf(out, "  share online:         %.0f%%\n", 100*m.OnlineShare)
	return nil
}

// orNone prints an empty list as "none".
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
