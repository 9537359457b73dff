package workflow_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/examples/workflows"
	"github.com/civickit/civickit/workflow"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// permitBuilder builds, in Go, the same workflow as
// examples/workflows/permit-review.json.
func permitBuilder() *workflow.Builder {
	b := workflow.NewBuilder("building-permit", 1).Title("Building permit review").Initial("submitted").
		Intake(workflow.AssuranceLow, "clerk").AssignRoles("clerk", "supervisor")
	b.State("submitted").Title("Submitted").Team("permit-intake").
		SLA(workflow.BusinessDays(2), "escalate").Notify("permit-received", workflow.ToSubmitter)
	b.State("screening").Title("Screening").Team("permit-intake").
		SLA(workflow.BusinessDays(5), "escalate").
		Reminder(workflow.BusinessDays(1), "screening-due-soon", workflow.ToAssignee, workflow.ToTeam)
	b.State("in-review").Title("In review").Team("plan-review").
		SLA(workflow.BusinessDays(10), "escalate").Notify("permit-in-review", workflow.ToSubmitter, workflow.ToSubscribers)
	b.State("awaiting-info").Title("Awaiting information").Parent("in-review").
		AutoClose(workflow.Days(30), "lapse").NotifyVia("email", "permit-info-requested", workflow.ToSubmitter)
	b.State("approved").Title("Approved").Terminal(workflow.TerminalClosed).
		Notify("permit-approved", workflow.ToSubmitter, workflow.ToSubscribers)
	b.State("rejected").Title("Rejected").Terminal(workflow.TerminalClosed).Notify("permit-rejected", workflow.ToSubmitter)
	b.State("withdrawn").Title("Withdrawn").Terminal(workflow.TerminalClosed)

	b.Permit("screen", "screening", "submitted").Title("Start screening").Roles("clerk")
	b.Permit("accept", "in-review", "screening").Title("Accept for review").Roles("clerk").Assurance(2)
	b.Permit("decline", "rejected", "screening").Title("Decline as incomplete").Roles("clerk").Assurance(2)
	b.Permit("request-info", "awaiting-info", "in-review").Title("Ask the applicant").Roles("reviewer").Form("request-info")
	b.Permit("provide-info", "in-review", "awaiting-info").Title("Answer the question").Roles("submitter").Form("provide-info")
	b.Internal("record-payment", "screening", "in-review").Title("Record the fee payment").Roles("clerk").Form("payment").Record()
	b.Permit("approve", "approved", "in-review").Title("Approve").Roles("reviewer").Assurance(2).Form("approval").Guards("fee-paid")
	b.Permit("reject", "rejected", "in-review").Title("Reject").Roles("reviewer").Assurance(2)
	b.Permit("withdraw", "withdrawn", "submitted", "screening", "in-review").Title("Withdraw my application").Roles("submitter")
	b.Internal("comment", "submitted", "screening", "in-review").Title("Add a note").Roles("clerk", "reviewer", "supervisor")
	b.Internal("escalate", "submitted", "screening", "in-review").Roles("system", "supervisor")
	b.Permit("lapse", "withdrawn", "awaiting-info").Roles("system")
	return b
}

func TestBuilderAndJSONProduceTheSameDefinition(t *testing.T) {
	t.Parallel()
	fromJSON, err := workflow.ParseDefinition(workflows.PermitReview())
	require.NoError(t, err)
	fromGo, err := permitBuilder().Build()
	require.NoError(t, err)
	require.Equal(t, fromJSON, fromGo)

	// And the Go value round-trips through JSON.
	data, err := fromGo.MarshalIndent()
	require.NoError(t, err)
	again, err := workflow.ParseDefinition(data)
	require.NoError(t, err)
	require.Equal(t, fromGo, again)
}

// jsonForm is a small PayloadValidator for tests: the listed fields must
// be non-empty strings.
type jsonForm struct{ required []string }

type fieldError struct{ Fields map[string]string }

func (e *fieldError) Error() string { return "invalid fields" }

func (f jsonForm) ValidateJSON(_ context.Context, data []byte, _ string) (json.RawMessage, error) {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, &fieldError{Fields: map[string]string{"": "not a JSON object"}}
	}
	fe := &fieldError{Fields: map[string]string{}}
	for _, name := range f.required {
		if s, _ := m[name].(string); s == "" {
			fe.Fields[name] = "required"
		}
	}
	if len(fe.Fields) > 0 {
		return nil, fe
	}
	out, _ := json.Marshal(m)
	return out, nil
}

func permitHooks() *workflow.Hooks {
	return &workflow.Hooks{
		Guards: map[string]workflow.Guard{
			"fee-paid": func(_ context.Context, in *workflow.Input) (bool, string) {
				var d struct {
					FeePaid bool `json:"feePaid"`
				}
				_ = json.Unmarshal(in.Case.Data, &d)
				return d.FeePaid, "the permit fee has not been paid"
			},
		},
		Forms: map[string]workflow.PayloadValidator{
			"request-info": jsonForm{required: []string{"question"}},
			"provide-info": jsonForm{required: []string{"answer"}},
			"approval":     jsonForm{required: []string{"conditions"}},
			"payment":      jsonForm{required: []string{"feePaid"}},
		},
	}
}

func potholeHooks() *workflow.Hooks {
	return &workflow.Hooks{
		Guards: map[string]workflow.Guard{
			"photo-attached": func(_ context.Context, in *workflow.Input) (bool, string) {
				return false, "attach a photo of the repair"
			},
		},
		Destinations: map[string]workflow.Destination{
			"pothole-route": func(_ context.Context, in *workflow.Input) (string, error) {
				var d struct {
					Road string `json:"road"`
				}
				_ = json.Unmarshal(in.Case.Data, &d)
				if d.Road == "state-highway" {
					return "referred", nil
				}
				return "triaged", nil
			},
		},
	}
}

func compileExample(t testing.TB, doc []byte, hooks *workflow.Hooks) *workflow.Workflow {
	t.Helper()
	def, err := workflow.ParseDefinition(doc)
	require.NoError(t, err)
	w, err := workflow.Compile(def, hooks)
	require.NoError(t, err)
	return w
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "golden file missing: run go test -update")
	assert.Equal(t, string(want), got, "output differs from %s (go test -update rewrites it)", path)
}

func TestGraphs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		doc   []byte
		hooks *workflow.Hooks
	}{
		{name: "permit-review", doc: workflows.PermitReview(), hooks: permitHooks()},
		{name: "pothole", doc: workflows.Pothole(), hooks: potholeHooks()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := compileExample(t, tt.doc, tt.hooks)
			golden(t, tt.name+".mmd", w.Mermaid())
			golden(t, tt.name+".dot", w.DOT())
		})
	}
}

func TestGraphEscapesTitles(t *testing.T) {
	t.Parallel()
	b := workflow.NewBuilder("esc", 1).Initial("a")
	b.State("a").Title(`Say "hi" <script>; x: {y}`)
	b.State("b").Title("back\\slash \"q\"\nnew line").Terminal(workflow.TerminalClosed)
	b.Permit("go", "b", "a").Roles("r")
	def, err := b.Build()
	require.NoError(t, err)
	w, err := workflow.Compile(def, nil)
	require.NoError(t, err)
	m := w.Mermaid()
	assert.Contains(t, m, `state "Say #quot;hi#quot; #lt;script#gt;#59; x#58; #123;y#125;" as a`)
	assert.NotContains(t, m, "<script>")
	d := w.DOT()
	assert.Contains(t, d, `"b" [label="back\\slash \"q\"\nnew line", peripheries=2];`)
}

// mutate parses the permit example, lets fn change it and returns the
// document.
func mutate(t *testing.T, fn func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(workflows.PermitReview(), &m))
	fn(m)
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

func states(m map[string]any) []any      { return m["states"].([]any) }
func transitions(m map[string]any) []any { return m["transitions"].([]any) }
func obj(v any) map[string]any           { return v.(map[string]any) }

func TestParseDefinitionRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		doc     func(t *testing.T) []byte
		pointer string
		message string
	}{
		{name: "not JSON", doc: func(*testing.T) []byte { return []byte(`{"type":`) }, pointer: "", message: "not valid JSON"},
		{name: "too large", doc: func(*testing.T) []byte { return make([]byte, workflow.MaxDefinitionBytes+1) }, message: "larger than"},
		{name: "unknown property", doc: func(t *testing.T) []byte {
			return mutate(t, func(m map[string]any) { obj(states(m)[1])["colour"] = "red" })
		}, pointer: "/states/1", message: "colour"},
		{name: "bad state name", doc: func(t *testing.T) []byte {
			return mutate(t, func(m map[string]any) { obj(states(m)[2])["name"] = "In Review" })
		}, pointer: "/states/2/name", message: "does not match pattern"},
		{name: "bad unit", doc: func(t *testing.T) []byte {
			return mutate(t, func(m map[string]any) {
				obj(obj(obj(states(m)[0])["sla"])["due"])["unit"] = "fortnights"
			})
		}, pointer: "/states/0/sla/due/unit", message: "must be one of"},
		{name: "assurance out of range", doc: func(t *testing.T) []byte {
			return mutate(t, func(m map[string]any) { obj(transitions(m)[1])["assurance"] = 7 })
		}, pointer: "/transitions/1/assurance", message: "maximum"},
		{name: "trigger to a missing state", doc: func(t *testing.T) []byte {
			return mutate(t, func(m map[string]any) { obj(transitions(m)[0])["to"] = "screned" })
		}, pointer: "/transitions/0/to", message: `goes to "screned", which is not declared`},
		{name: "unreachable state", doc: func(t *testing.T) []byte {
			return mutate(t, func(m map[string]any) {
				m["states"] = append(states(m), map[string]any{"name": "limbo", "terminal": "closed"})
			})
		}, pointer: "/states/7", message: `state "limbo" cannot be reached from "submitted"`},
		{name: "missing initial", doc: func(t *testing.T) []byte {
			return mutate(t, func(m map[string]any) { m["initial"] = "draft" })
		}, pointer: "/initial", message: "not declared"},
		{name: "duplicate state", doc: func(t *testing.T) []byte {
			return mutate(t, func(m map[string]any) { obj(states(m)[1])["name"] = "submitted" })
		}, pointer: "/states/1/name", message: "declared twice"},
		{name: "transition out of a terminal state", doc: func(t *testing.T) []byte {
			return mutate(t, func(m map[string]any) { obj(transitions(m)[0])["from"] = []any{"approved"} })
		}, pointer: "/transitions/0/from/0", message: "terminal state"},
		{name: "two destinations kinds", doc: func(t *testing.T) []byte {
			return mutate(t, func(m map[string]any) { obj(transitions(m)[0])["internal"] = true })
		}, pointer: "/transitions/0", message: "exactly one of"},
		{name: "escalation not permitted to the system", doc: func(t *testing.T) []byte {
			return mutate(t, func(m map[string]any) { obj(obj(states(m)[0])["sla"])["escalate"] = "screen" })
		}, pointer: "/states/0/sla/escalate", message: `not permitted to role "system"`},
		{name: "same trigger twice in a state", doc: func(t *testing.T) []byte {
			return mutate(t, func(m map[string]any) {
				m["transitions"] = append(transitions(m), map[string]any{"trigger": "screen", "from": []any{"submitted"}, "to": "withdrawn", "roles": []any{"clerk"}})
			})
		}, pointer: "/transitions/12/from/0", message: `already has trigger "screen"`},
		{name: "pseudo-role spelled differently", doc: func(t *testing.T) []byte {
			return mutate(t, func(m map[string]any) { obj(transitions(m)[0])["roles"] = []any{"clerk", "System"} })
		}, pointer: "/transitions/0/roles/1", message: `pseudo-role "system"`},
		{name: "parent cycle", doc: func(t *testing.T) []byte {
			return mutate(t, func(m map[string]any) { obj(states(m)[2])["parent"] = "awaiting-info" })
		}, pointer: "/states/2/parent", message: "its own ancestor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := workflow.ParseDefinition(tt.doc(t))
			require.Error(t, err)
			require.ErrorIs(t, err, adapters.ErrInvalidArgument)
			var de *workflow.DefinitionError
			require.True(t, errors.As(err, &de))
			found := false
			for _, p := range de.Problems {
				if p.Pointer == tt.pointer && strings.Contains(p.Message, tt.message) {
					found = true
				}
			}
			assert.True(t, found, "want a problem at %q mentioning %q, got %+v", tt.pointer, tt.message, de.Problems)
		})
	}
}

func TestCompileRejectsMissingHooks(t *testing.T) {
	t.Parallel()
	def, err := workflow.ParseDefinition(workflows.PermitReview())
	require.NoError(t, err)
	_, err = workflow.Compile(def, nil)
	var de *workflow.DefinitionError
	require.ErrorAs(t, err, &de)
	var ptrs []string
	for _, p := range de.Problems {
		ptrs = append(ptrs, p.Pointer)
	}
	assert.Equal(t, []string{"/transitions/3/form", "/transitions/4/form", "/transitions/5/form", "/transitions/6/form", "/transitions/6/guards/0"}, ptrs)
}

func TestWorkflowStatus(t *testing.T) {
	t.Parallel()
	w := compileExample(t, workflows.Pothole(), potholeHooks())
	assert.Equal(t, "open", w.Status("new"))
	assert.Equal(t, "closed", w.Status("fixed"))
	assert.Equal(t, "open", w.Status("referred"))
	assert.Equal(t, "", w.Status("nowhere"))
	assert.Equal(t, []string{"triage", "mark-duplicate", "schedule", "fix", "escalate"}, w.Triggers())
}

func FuzzParseDefinition(f *testing.F) {
	f.Add(workflows.PermitReview())
	f.Add(workflows.Pothole())
	f.Add([]byte(`{"type":"a","version":1,"initial":"x","states":[{"name":"x"}],"transitions":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		def, err := workflow.ParseDefinition(data)
		if err != nil {
			var de *workflow.DefinitionError
			if !errors.As(err, &de) || len(de.Problems) == 0 {
				t.Fatalf("rejection without problems: %v", err)
			}
			return
		}
		// An accepted definition compiles (with hooks for every name) and
		// round-trips.
		out, err := def.MarshalIndent()
		if err != nil {
			t.Fatal(err)
		}
		again, err := workflow.ParseDefinition(out)
		if err != nil {
			t.Fatalf("round trip rejected: %v", err)
		}
		if !assert.ObjectsAreEqual(def, again) {
			t.Fatal("round trip changed the definition")
		}
		w, err := workflow.Compile(def, anyHooks(def))
		if err != nil {
			t.Fatalf("accepted definition does not compile: %v", err)
		}
		_ = w.Mermaid()
		_ = w.DOT()
	})
}

func anyHooks(def *workflow.Definition) *workflow.Hooks {
	h := &workflow.Hooks{Guards: map[string]workflow.Guard{}, Destinations: map[string]workflow.Destination{}, Forms: map[string]workflow.PayloadValidator{}}
	for _, t := range def.Transitions {
		for _, g := range t.Guards {
			h.Guards[g] = func(context.Context, *workflow.Input) (bool, string) { return true, "" }
		}
		if t.Selector != "" {
			dst := t.Destinations[0]
			h.Destinations[t.Selector] = func(context.Context, *workflow.Input) (string, error) { return dst, nil }
		}
		if t.Form != "" {
			h.Forms[t.Form] = jsonForm{}
		}
	}
	return h
}

func TestCompileChecksHandMadeDefinitions(t *testing.T) {
	t.Parallel()
	def := &workflow.Definition{Type: "x", Version: 1, Initial: "a", States: []workflow.State{{Name: `a"}`}}}
	_, err := workflow.Compile(def, nil)
	var de *workflow.DefinitionError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "/states/0/name", de.Problems[0].Pointer)

	def = &workflow.Definition{Type: "x", Version: 1, Initial: "a", States: []workflow.State{{Name: "a"}}}
	w, err := workflow.Compile(def, nil)
	require.NoError(t, err)
	def.States[0].Name = "changed"
	assert.Equal(t, "a", w.Definition().States[0].Name, "the workflow keeps its own copy")
}
