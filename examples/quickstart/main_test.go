package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/adapters/sqlite"
	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/workflow"
)

// caseLine matches a queue entry and captures the short case id.
var caseLine = regexp.MustCompile(`(?m)^  ([0-9a-f]{8})  in-review  from resident-42  due \w{3} \d\d \w{3} 14:30$`)

func TestRunTellsThePermitStory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "city.db")
	var out bytes.Buffer
	require.NoError(t, run(ctx, &out, db))
	got := out.String()

	for _, want := range []string{
		"civickit quickstart: building-permit v1 on SQLite (" + db + ")",
		// Opening, with the due date two working days on (Monday → Wednesday).
		"resident-42 applied online",
		": state submitted, version 1, team permit-intake, due Wed ",
		// The two refusals, each with its typed code and reason.
		`resident-42 tried "screen" in state submitted`,
		"  denied [role-missing]: needs one of the roles [clerk]",
		`reviewer-7 tried "approve" in state in-review`,
		"  denied [guard-false, fee-paid]: the permit fee has not been paid",
		// What the clerk may do, then the two transitions.
		"clerk-3 may: screen, comment",
		"  screen: submitted → screening, version 2, team permit-intake, due ",
		"clerk-3 may: accept, decline, record-payment, comment",
		"  accept: screening → in-review, version 3, team plan-review, due ",
		"\nplan-review queue:\n",
		"\n    reviewer-7 may: request-info, reject, comment\n",
		// The payment is recorded, and the approval now passes the guard.
		"clerk-3 may: record-payment, comment",
		"  record-payment: in-review → in-review, version 4, team plan-review, due ",
		"  approve: in-review → approved, version 5, team plan-review, no due date",
		// The workflow's three notifications, and the survey the closing
		// approval queued in the same store call.
		"\noutbox: 4 messages waiting for the dispatcher\n",
		"  permit-received   to resident-42\n",
		"  permit-approved   to resident-42\n",
		"  survey            to resident-42\n",
		"\nmetrics of building-permit: 1 opened, 1 closed\n",
		"  open cases per state: none\n",
		"  median time to close: 52h48m0s\n",
		"  SLA breach rate:      0% (0 of 1)\n",
		"  share online:         100%\n",
		// The feedback part: the conversation on the case, the update
		// to the area's follower, each message delivered once with its
		// own template, and the survey answered through its link.
		"  resident-42 commented: \"Thank you! Can the inspection be on a Friday?\"\n",
		"  clerk-3 replied and noted: residents see 2 comments, staff 3\n",
		"  resident-57 follows area:harbour-ward; clerk-3 posted \"Deck approved at 12 Harbour Row\"\n",
		"  dispatcher delivered 5 messages:\n" +
			"  email  to resident42@example.org   We received your building permit application\n" +
			"  email  to resident42@example.org   Your building permit application is in plan review\n" +
			"  email  to resident42@example.org   Your building permit is approved\n" +
			"  email  to resident42@example.org   How did we do with your building-permit request?\n" +
			"  email  to neighbour57@example.org  area:harbour-ward: Deck approved at 12 Harbour Row\n",
		"  resident-42 answered the survey: 5 of 5, resolved\n",
		"satisfaction with building-permit: mean 5.0 of 5, answers 1, resolved 1\n",
	} {
		assert.Contains(t, got, want)
	}
	assert.Less(t, strings.Count(got, "\n"), 60, "the output should fit a terminal")
	// The feedback part follows the story's clock: the comments come the
	// afternoon of the approval, the answer the next morning.
	assert.Regexp(t, `(?m)^Wed \d\d \w{3} 14:30  resident-42 commented: `, got)
	assert.Regexp(t, `(?m)^Thu \d\d \w{3} 09:05  resident-42 answered the survey: `, got)

	// The history has exactly the five writes: the refused actions wrote
	// nothing.
	history := regexp.MustCompile(`(?m)^  #(\d)  \w{3} \d\d \w{3} \d\d:\d\d  (\S+)\s+(\S+)\s+(\S+) → (\S+)$`).FindAllStringSubmatch(got, -1)
	require.Len(t, history, 5, got)
	for i, want := range [][]string{
		{"1", "resident-42", "opened", "(new)", "submitted"},
		{"2", "clerk-3", "screen", "submitted", "screening"},
		{"3", "clerk-3", "accept", "screening", "in-review"},
		{"4", "clerk-3", "record-payment", "in-review", "in-review"},
		{"5", "reviewer-7", "approve", "in-review", "approved"},
	} {
		assert.Equal(t, want, history[i][1:], "history entry %d", i+1)
	}
	first := caseLine.FindAllStringSubmatch(got, -1)
	require.Len(t, first, 1, "the queue should hold the one case")
	assert.Contains(t, got, "history of case "+first[0][1]+":")

	// A second run on the same file opens a second case; the first one,
	// approved, has left the queue but counts in the metrics.
	out.Reset()
	require.NoError(t, run(ctx, &out, db))
	got = out.String()
	queue := caseLine.FindAllStringSubmatch(got, -1)
	require.Len(t, queue, 1, got)
	assert.NotEqual(t, first[0][1], queue[0][1])
	assert.Contains(t, got, "metrics of building-permit: 2 opened, 2 closed\n")
	assert.Contains(t, got, "  open cases per state: none\n")
	assert.Contains(t, got, "  SLA breach rate:      0% (0 of 2)\n")
	// The first run's messages were delivered then: this run's dispatcher
	// delivers only the second case's, and the update to the follower.
	assert.Contains(t, got, "  dispatcher delivered 5 messages:\n")
	assert.Contains(t, got, "satisfaction with building-permit: mean 5.0 of 5, answers 2, resolved 2\n")
}

func TestRunStoresThePinnedSubmission(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "city.db")
	require.NoError(t, run(ctx, &bytes.Buffer{}, db))

	store, err := sqlite.Open(ctx, db, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	page, err := store.ListCases(ctx, adapters.CaseQuery{Type: "building-permit"})
	require.NoError(t, err)
	require.Len(t, page.Cases, 1)
	c := page.Cases[0]
	assert.Equal(t, "approved", c.State)
	assert.Equal(t, "web", c.Channel)
	assert.JSONEq(t, `{"address":"12 Harbour Row","work":"deck","description":"Timber deck at the back, 4 by 5 metres","feePaid":true,"receipt":"R-2026-0042"}`,
		string(c.Data), "the recorded payment joins the application's data")

	subs, err := store.ListSubmissions(ctx, c.ID)
	require.NoError(t, err)
	require.Len(t, subs, 1)
	reg, err := loadForms(ctx)
	require.NoError(t, err)
	form, err := reg.Latest("permit-application")
	require.NoError(t, err)
	assert.Equal(t, form.Pin(), forms.Pin{ID: subs[0].FormID, Version: subs[0].FormVersion, Hash: subs[0].FormHash})
	assert.Equal(t, "resident-42", subs[0].Submitter)
	assert.JSONEq(t, `{"address":"12 Harbour Row","work":"deck","description":"Timber deck at the back, 4 by 5 metres","feePaid":false}`,
		string(subs[0].Data), "the submission stays as the resident sent it")
}

// TestPayloadForms checks that the workflow's payload hooks are the
// embedded forms: a bad payload is refused with the form's field errors,
// and a good one reaches the guard.
func TestPayloadForms(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg, err := loadForms(ctx)
	require.NoError(t, err)
	clock := &storyClock{t: time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)}
	e, _, err := newEngine(memory.New(), reg, clock.Now, nil)
	require.NoError(t, err)
	for _, tc := range []struct {
		name, data, payload string
		code                workflow.DenialCode
		field               string
	}{
		{name: "missing conditions", data: `{"feePaid":true}`, payload: `{"validMonths":12}`, code: workflow.DeniedPayload, field: "conditions"},
		{name: "out of range", data: `{"feePaid":true}`, payload: `{"conditions":"none","validMonths":99}`, code: workflow.DeniedPayload, field: "validMonths"},
		{name: "unknown field", data: `{"feePaid":true}`, payload: `{"conditions":"none","colour":"red"}`, code: workflow.DeniedPayload, field: "colour"},
		{name: "valid but unpaid", data: `{"feePaid":false}`, payload: `{"conditions":"none"}`, code: workflow.DeniedGuard},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := e.Open(ctx, workflow.OpenParams{Type: "building-permit", Actor: resident, Data: json.RawMessage(tc.data)})
			require.NoError(t, err)
			for _, trigger := range []string{"screen", "accept"} {
				_, err = e.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: trigger, Actor: clerk})
				require.NoError(t, err)
			}
			_, err = e.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "approve", Actor: reviewer, Payload: json.RawMessage(tc.payload)})
			var d *workflow.DeniedError
			require.True(t, errors.As(err, &d), "want a denial, got %v", err)
			assert.Equal(t, tc.code, d.Code)
			var ve *forms.ValidationError
			if tc.field == "" {
				assert.False(t, errors.As(err, &ve))
				return
			}
			require.True(t, errors.As(err, &ve), "want the form's errors, got %v", err)
			_, ok := ve.For(tc.field)
			assert.True(t, ok, "want an error for %s, got %v", tc.field, ve)
		})
	}
	// With the fee paid and a valid form the approval goes through and
	// closes the case.
	c, err := e.Open(ctx, workflow.OpenParams{Type: "building-permit", Actor: resident, Data: json.RawMessage(`{"feePaid":true}`)})
	require.NoError(t, err)
	for _, trigger := range []string{"screen", "accept"} {
		_, err = e.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: trigger, Actor: clerk})
		require.NoError(t, err)
	}
	r, err := e.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "approve", Actor: reviewer, Payload: json.RawMessage(`{"conditions":"none"}`)})
	require.NoError(t, err)
	assert.Equal(t, "approved", r.Case.State)
	assert.False(t, r.Case.ClosedAt.IsZero())
}

func TestStoryClockStartsOnLastWeeksMonday(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		now  time.Time
		want time.Time
	}{
		{name: "monday", now: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC), want: time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)},
		{name: "sunday", now: time.Date(2026, 11, 29, 23, 0, 0, 0, time.UTC), want: time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)},
		{name: "across a month", now: time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC), want: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)},
		// Monday morning in UTC+3 is still Sunday in UTC.
		{name: "other zone", now: time.Date(2026, 11, 23, 1, 0, 0, 0, time.FixedZone("UTC+3", 3*3600)), want: time.Date(2026, 11, 9, 9, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newStoryClock(tc.now)
			assert.Equal(t, tc.want, c.Now())
			c.advance(90 * time.Minute)
			assert.Equal(t, tc.want.Add(90*time.Minute), c.Now())
		})
	}
}
