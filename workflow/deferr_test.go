package workflow_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/examples/workflows"
	"github.com/civickit/civickit/workflow"
)

// TestDefinitionErrorReportsEveryProblem: three separate mistakes give
// three problems, each with its pointer, and the message lists them.
func TestDefinitionErrorReportsEveryProblem(t *testing.T) {
	t.Parallel()
	var doc map[string]any
	require.NoError(t, json.Unmarshal(workflows.Pothole(), &doc))
	tr := doc["transitions"].([]any)
	tr[0].(map[string]any)["from"] = []any{"ghost"}
	tr[1].(map[string]any)["from"] = []any{"phantom"}
	tr[2].(map[string]any)["from"] = []any{"spectre"}
	data, err := json.Marshal(doc)
	require.NoError(t, err)
	_, err = workflow.ParseDefinition(data)
	var de *workflow.DefinitionError
	require.ErrorAs(t, err, &de)
	var ptrs []string
	for _, p := range de.Problems {
		ptrs = append(ptrs, p.Pointer)
	}
	for _, want := range []string{"/transitions/0/from/0", "/transitions/1/from/0", "/transitions/2/from/0"} {
		assert.Contains(t, ptrs, want)
	}
	for _, name := range []string{"ghost", "phantom", "spectre"} {
		assert.Contains(t, err.Error(), name)
	}
}

// TestDefinitionErrorTextIsBounded: a definition with hundreds of
// problems keeps them all in Problems but lists at most 50 in its text.
func TestDefinitionErrorTextIsBounded(t *testing.T) {
	t.Parallel()
	de := &workflow.DefinitionError{Type: "t", Version: 1}
	for i := range 120 {
		de.Problems = append(de.Problems, workflow.Problem{Pointer: fmt.Sprintf("/states/%d", i), Message: "bad"})
	}
	msg := de.Error()
	assert.Contains(t, msg, "/states/49:")
	assert.NotContains(t, msg, "/states/50:")
	assert.Contains(t, msg, "and 70 more")
	assert.Less(t, strings.Count(msg, ";"), 52)
}
