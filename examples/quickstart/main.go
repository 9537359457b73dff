// Command quickstart shows civickit's storage contracts end to end on the
// embedded SQLite store: a resident's pothole report opens a case together
// with its submission, staff move it twice, and the program prints the
// work queue and the case's audit trail.
//
//	go run ./examples/quickstart [-db path]
//
// Without -db it works in a fresh temporary file and removes it after.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/sqlite"
)

func main() {
	dbPath := flag.String("db", "", "SQLite file to use (default: a temporary file)")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *dbPath); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, dbPath string) error {
	if dbPath == "" {
		dir, err := os.MkdirTemp("", "civickit-quickstart-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dbPath = filepath.Join(dir, "city.db")
	}
	store, err := sqlite.Open(ctx, dbPath, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	fmt.Fprintf(out, "store: SQLite file %s\n\n", dbPath)

	// The story starts a day ago so that every step lies in the past.
	now := time.Now().UTC().Truncate(time.Second).Add(-26 * time.Hour)
	caseID := "case-" + rand.Text()[:8]
	report := json.RawMessage(`{"location":"Elm St & 3rd Ave","description":"Deep pothole in the bike lane"}`)

	// 1. The report opens a case, its submission, the first audit event, a
	// confirmation message and an SLA timer in one transaction.
	c, err := store.CreateCase(ctx, adapters.CreateCaseParams{
		Case: adapters.Case{
			ID: caseID, Type: "pothole", DefinitionVersion: 1, State: "submitted",
			Submitter: "resident-42", Team: "roads", Channel: "web",
			Due: now.Add(72 * time.Hour), Data: report, CreatedAt: now,
		},
		Submission: adapters.Submission{
			ID: caseID + "-sub", FormID: "pothole-report", FormVersion: 1,
			Data: report, Submitter: "resident-42", Channel: "web", SubmittedAt: now,
		},
		Events: []adapters.Event{{Kind: "opened", ToState: "submitted", Actor: "resident-42", At: now}},
		Messages: []adapters.Message{{
			ID: caseID + "-received", Channel: "email", Recipient: "resident-42", Template: "case-received",
			Locale: "en", IdempotencyKey: caseID + "-received", CreatedAt: now,
		}},
		Timers: []adapters.Timer{{Name: "sla", DueAt: now.Add(72 * time.Hour), Trigger: "escalate"}},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "opened %s (%s) in state %q, version %d\n", c.ID, c.Type, c.State, c.Version)

	// 2. Staff triage it: assign a crew. The expected version guards
	// against two clerks acting on the same case at once.
	assignee := "crew-7"
	res, err := store.ApplyTransition(ctx, adapters.TransitionParams{
		CaseID: c.ID, ExpectedVersion: c.Version, State: "scheduled", At: now.Add(2 * time.Hour),
		Update: adapters.CaseUpdate{Assignee: &assignee},
		Events: []adapters.Event{{
			Kind: "transition", FromState: "submitted", ToState: "scheduled", Trigger: "schedule",
			Actor: "clerk-3", At: now.Add(2 * time.Hour), Comment: "crew 7, Thursday",
		}},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "moved to %q, version %d\n", res.Case.State, res.Case.Version)

	// 3. The crew fixes it: the case closes, the SLA timer is cancelled and
	// the resident is told, all at once.
	closed := true
	res, err = store.ApplyTransition(ctx, adapters.TransitionParams{
		CaseID: c.ID, ExpectedVersion: res.Case.Version, State: "closed", At: now.Add(26 * time.Hour),
		Update: adapters.CaseUpdate{Closed: &closed},
		Events: []adapters.Event{{
			Kind: "transition", FromState: "scheduled", ToState: "closed", Trigger: "resolve",
			Actor: "crew-7", At: now.Add(26 * time.Hour), Payload: json.RawMessage(`{"outcome":"filled"}`),
		}},
		Messages: []adapters.Message{{
			ID: caseID + "-closed", Channel: "email", Recipient: "resident-42", Template: "case-closed",
			Locale: "en", IdempotencyKey: caseID + "-closed", CreatedAt: now.Add(26 * time.Hour),
		}},
		CancelTimers: []string{"sla"},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "moved to %q, version %d\n\n", res.Case.State, res.Case.Version)

	// 4. The roads team's queue, and the whole audit trail.
	counts, err := store.CountCasesByState(ctx, adapters.CaseQuery{Team: "roads"})
	if err != nil {
		return err
	}
	page, err := store.ListCases(ctx, adapters.CaseQuery{Team: "roads", Limit: 10})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "roads queue (%d closed, %d scheduled):\n", counts["closed"], counts["scheduled"])
	for _, q := range page.Cases {
		fmt.Fprintf(out, "  %s  %-9s  assignee %-7s  opened %s\n", q.ID, q.State, q.Assignee, q.CreatedAt.Format(time.RFC3339))
	}

	events, err := store.ListEvents(ctx, c.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\naudit trail of %s:\n", c.ID)
	for _, e := range events {
		fmt.Fprintf(out, "  #%d  %s  %-10s %-9s -> %-9s by %s", e.Seq, e.At.Format(time.RFC3339), e.Kind, e.FromState, e.ToState, e.Actor)
		if e.Comment != "" {
			fmt.Fprintf(out, "  (%s)", e.Comment)
		}
		fmt.Fprintln(out)
	}
	msgs, err := store.ListMessages(ctx, c.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\noutbox: %d messages waiting for the dispatcher\n", len(msgs))
	return nil
}
