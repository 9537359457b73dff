// Command quickstart runs a building-permit application through civickit's
// workflow engine on the embedded SQLite store. A resident applies online
// through a form, the engine opens a case with a due date, refuses what
// the workflow does not allow (with a reason a person can read), lets
// staff move the case on into the review team's queue, records the fee
// payment and approves the permit, and the program prints the queue, the
// case's audit trail, the messages waiting to be sent and the service's
// metrics.
//
// Then the feedback part: the resident saves how to reach them, asks a
// question on the case and a clerk answers it; a neighbour follows the
// area and staff post an official update there; a dispatcher renders
// every message due with the example's own templates over the SDK's and
// delivers it to an in-memory development mailbox; and the resident
// answers the satisfaction survey that the approval queued when it
// closed the case, through the signed link in the delivered email.
//
//	go run ./examples/quickstart [-db path]
//
// Without -db it works in a fresh temporary file and removes it after.
// With -db the file is kept, and each run adds one more case to the
// queue, the metrics and the survey tally.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/sqlite"
	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/workflow"
)

func main() {
	dbPath := flag.String("db", "", "SQLite file to use (default: a temporary file)")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *dbPath); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// The people in the story. Roles and identity assurance come from the
// sign-in; the workflow definition says which of them may do what.
var (
	resident = workflow.Actor{Subject: "resident-42", Assurance: workflow.AssuranceLow}
	clerk    = workflow.Actor{Subject: "clerk-3", Roles: []string{"clerk"}, Assurance: workflow.AssuranceSubstantial}
	reviewer = workflow.Actor{Subject: "reviewer-7", Roles: []string{"reviewer"}, Assurance: workflow.AssuranceSubstantial}
)

// when is how the story prints times: the weekday matters, because SLAs
// count working days.
const when = "Mon 02 Jan 15:04"

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
	reg, err := loadForms(ctx)
	if err != nil {
		return err
	}
	clock := newStoryClock(time.Now())
	surveys, err := newSurveys(store, clock.Now)
	if err != nil {
		return err
	}
	engine, w, err := newEngine(store, reg, clock.Now, surveys.OnClose)
	if err != nil {
		return err
	}
	templates, err := loadTemplates(w)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "civickit quickstart: %s v%d on SQLite (%s)\n\n", w.Type(), w.Version(), dbPath)

	c, err := story(ctx, out, engine, reg, clock)
	if err != nil {
		return err
	}
	if err := printQueue(ctx, out, engine, c.Team); err != nil {
		return err
	}
	fmt.Fprintln(out)
	if c, err = settle(ctx, out, engine, c, clock); err != nil {
		return err
	}
	if err := printHistory(ctx, out, engine, c.ID); err != nil {
		return err
	}
	if err := printOutbox(ctx, out, store, c.ID); err != nil {
		return err
	}
	if err := printMetrics(ctx, out, engine, w.Type()); err != nil {
		return err
	}
	return engage(ctx, out, store, templates, surveys, c, clock)
}

// story plays one application from submission to review and returns the
// case as it ends up.
func story(ctx context.Context, out io.Writer, e *workflow.Engine, reg *forms.Registry, clock *storyClock) (adapters.Case, error) {
	clock.advance(12 * time.Minute)
	c, err := apply(ctx, e, reg)
	if err != nil {
		return c, err
	}
	fmt.Fprintf(out, "%s  %s applied online\n", c.CreatedAt.Format(when), resident.Subject)
	fmt.Fprintf(out, "  opened case %s: state %s, version %d, team %s, due %s\n", short(c.ID), c.State, c.Version, c.Team, c.Due.Format(when))

	// Screening is staff work: the engine refuses it and says why.
	clock.advance(8 * time.Minute)
	_, err = e.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "screen", Actor: resident})
	if err := printDenial(out, clock.Now(), resident, err); err != nil {
		return c, err
	}

	// Later that morning a clerk screens the application, and the next
	// afternoon accepts it for plan review, which moves it to that team.
	clock.advance(100 * time.Minute)
	if c, err = fireAsStaff(ctx, out, e, c, "screen", clock.Now(), clerk, nil); err != nil {
		return c, err
	}
	clock.advance(27*time.Hour + 30*time.Minute)
	if c, err = fireAsStaff(ctx, out, e, c, "accept", clock.Now(), clerk, nil); err != nil {
		return c, err
	}

	// The next morning a reviewer fills in the approval form correctly,
	// but the resident chose to pay later: the fee-paid guard refuses.
	clock.advance(19*time.Hour + 30*time.Minute)
	_, err = e.Fire(ctx, workflow.FireParams{
		CaseID: c.ID, Trigger: "approve", Actor: reviewer, ExpectedVersion: c.Version,
		Payload: []byte(`{"conditions":"Inspection before the footings are poured","validMonths":12}`),
	})
	if err := printDenial(out, clock.Now(), reviewer, err); err != nil {
		return c, err
	}
	return c, nil
}

// settle ends the story: the resident pays at the counter, the clerk
// records the payment (the workflow merges the checked payment form into
// the case data), and the reviewer's approval now passes the fee guard and
// closes the case.
func settle(ctx context.Context, out io.Writer, e *workflow.Engine, c adapters.Case, clock *storyClock) (adapters.Case, error) {
	clock.advance(3 * time.Hour)
	c, err := fireAsStaff(ctx, out, e, c, "record-payment", clock.Now(), clerk, []byte(`{"feePaid":true,"receipt":"R-2026-0042"}`))
	if err != nil {
		return c, err
	}
	clock.advance(time.Hour)
	return fireAsStaff(ctx, out, e, c, "approve", clock.Now(), reviewer,
		[]byte(`{"conditions":"Inspection before the footings are poured","validMonths":12}`))
}

// apply validates the resident's application against its form and opens a
// case from it. The case keeps the clean data, and the submission is
// stored pinned to the exact form version it was checked against.
func apply(ctx context.Context, e *workflow.Engine, reg *forms.Registry) (adapters.Case, error) {
	form, err := reg.Latest("permit-application")
	if err != nil {
		return adapters.Case{}, err
	}
	posted := []byte(`{"address":"12 Harbour Row","work":"deck","description":"Timber deck at the back, 4 by 5 metres","feePaid":false}`)
	data, err := form.ValidateJSON(ctx, posted, "en")
	if err != nil {
		return adapters.Case{}, err
	}
	// The submission, pinned to this form version, opens the case with its data.
	sub := form.Submission(data)
	return e.Open(ctx, workflow.OpenParams{Type: "building-permit", Actor: resident, Channel: "web", Submission: &sub})
}

// fireAsStaff shows what the staff member may do with the case right now,
// as their screen would, then performs the trigger with the action's form
// data (nil for none). ExpectedVersion makes the action fail rather than
// overwrite a colleague's change.
func fireAsStaff(ctx context.Context, out io.Writer, e *workflow.Engine, c adapters.Case, trigger string, at time.Time, actor workflow.Actor, payload []byte) (adapters.Case, error) {
	actions, err := e.Permitted(ctx, c.ID, actor)
	if err != nil {
		return c, err
	}
	var allowed []string
	for _, a := range actions {
		if a.Allowed {
			allowed = append(allowed, a.Trigger)
		}
	}
	fmt.Fprintf(out, "%s  %s may: %s\n", at.Format(when), actor.Subject, strings.Join(allowed, ", "))
	r, err := e.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: trigger, Actor: actor, ExpectedVersion: c.Version, Payload: payload})
	if err != nil {
		return c, err
	}
	due := "no due date"
	if !r.Case.Due.IsZero() {
		due = "due " + r.Case.Due.Format(when)
	}
	fmt.Fprintf(out, "  %s: %s → %s, version %d, team %s, %s\n", trigger, r.Event.FromState, r.Case.State, r.Case.Version, r.Case.Team, due)
	return r.Case, nil
}

// printDenial prints why the workflow refused an action. The refusal is
// the point of the step, so an action that went through is an error.
func printDenial(out io.Writer, at time.Time, actor workflow.Actor, err error) error {
	var d *workflow.DeniedError
	if !errors.As(err, &d) {
		return fmt.Errorf("expected the workflow to refuse %s's action, got %v", actor.Subject, err)
	}
	code := string(d.Code)
	if d.Guard != "" {
		code += ", " + d.Guard
	}
	fmt.Fprintf(out, "%s  %s tried %q in state %s\n", at.Format(when), actor.Subject, d.Trigger, d.State)
	fmt.Fprintf(out, "  denied [%s]: %s\n", code, d.Reason)
	return nil
}

// short keeps case ids readable on a terminal; the full id is in the store.
func short(id string) string { return id[:min(len(id), 8)] }
