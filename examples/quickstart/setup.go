package main

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/examples/workflows"
	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/workflow"
)

// formFiles are the forms of this example: the resident's application and
// the data staff and residents give with three of the workflow's actions.
//
//go:embed forms/*.json
var formFiles embed.FS

// loadForms compiles the embedded form definitions. A form that does not
// compile stops the program: a service must not start with a broken form.
func loadForms(ctx context.Context) (*forms.Registry, error) {
	reg, err := forms.NewRegistry(nil)
	if err != nil {
		return nil, err
	}
	if err := reg.LoadFS(ctx, formFiles, "forms"); err != nil {
		return nil, err
	}
	return reg, nil
}

// permitWorkflow reads the permit-review definition shipped in
// examples/workflows and binds the Go hooks it names: the "fee-paid" guard
// and the payload forms of request-info, provide-info, approve and
// record-payment. Compile
// refuses a definition whose hooks are missing, so a typo fails here, at
// start-up, rather than when a reviewer presses Approve.
func permitWorkflow(reg *forms.Registry) (*workflow.Workflow, error) {
	def, err := workflow.ParseDefinition(workflows.PermitReview())
	if err != nil {
		return nil, err
	}
	hooks := &workflow.Hooks{
		Guards: map[string]workflow.Guard{"fee-paid": feePaid},
		Forms:  map[string]workflow.PayloadValidator{},
	}
	for _, id := range []string{"request-info", "provide-info", "approval", "payment"} {
		form, err := reg.Latest(id)
		if err != nil {
			return nil, err
		}
		hooks.Forms[id] = form // a *forms.Form is a PayloadValidator
	}
	return workflow.Compile(def, hooks)
}

// feePaid is the guard on "approve": a permit is only issued once its fee
// has been paid, as the case data's feePaid field says: false on the
// application, true once record-payment has merged the payment in. The
// reason is shown to the reviewer, so it says what is missing.
func feePaid(_ context.Context, in *workflow.Input) (bool, string) {
	var data struct {
		FeePaid bool `json:"feePaid"`
	}
	if err := json.Unmarshal(in.Case.Data, &data); err != nil {
		return false, "the case data cannot be read"
	}
	return data.FeePaid, "the permit fee has not been paid"
}

// newEngine returns a workflow engine over the store with the permit
// workflow registered. The engine takes its time from clock so that the
// story below can span several working days. onClose, when not nil, adds
// messages to the transition that closes a case, written in the same
// store call: the quickstart passes feedback.Surveys.OnClose, so the
// approval that closes the permit also queues the satisfaction survey.
func newEngine(store adapters.Store, reg *forms.Registry, clock func() time.Time, onClose func(*workflow.Change) []adapters.Message) (*workflow.Engine, *workflow.Workflow, error) {
	w, err := permitWorkflow(reg)
	if err != nil {
		return nil, nil, err
	}
	e, err := workflow.New(store, &workflow.EngineConfig{Now: clock, OnClose: onClose})
	if err != nil {
		return nil, nil, err
	}
	if err := e.Register(w); err != nil {
		return nil, nil, fmt.Errorf("register %s: %w", w.Type(), err)
	}
	return e, w, nil
}

// storyClock replays last week: it starts on the Monday of the previous
// week at 09:00 UTC (working hours on the engine's default calendar) and
// moves forward only when told, so every event lies in the past and due
// dates fall on real working days.
type storyClock struct{ t time.Time }

func newStoryClock(now time.Time) *storyClock {
	now = now.UTC() // the engine's default calendar works in UTC
	day := time.Date(now.Year(), now.Month(), now.Day(), 9, 0, 0, 0, time.UTC)
	sinceMonday := (int(day.Weekday()) + 6) % 7
	return &storyClock{t: day.AddDate(0, 0, -sinceMonday-7)}
}

// Now returns the story's current time.
func (c *storyClock) Now() time.Time { return c.t }

// advance moves the story on by d.
func (c *storyClock) advance(d time.Duration) { c.t = c.t.Add(d) }
