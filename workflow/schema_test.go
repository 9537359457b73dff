package workflow_test

import (
	"encoding/json"
	"testing"

	"github.com/civickit/civickit/workflow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDefinitionSchemaIsACopy: the schema is a JSON Schema document and a
// caller editing it cannot change what the next caller gets.
func TestDefinitionSchemaIsACopy(t *testing.T) {
	t.Parallel()
	first := workflow.DefinitionSchema()
	var doc map[string]any
	require.NoError(t, json.Unmarshal(first, &doc))
	assert.Equal(t, "https://json-schema.org/draft/2020-12/schema", doc["$schema"])
	want := string(first)
	for i := range first {
		first[i] = 'x'
	}
	assert.Equal(t, want, string(workflow.DefinitionSchema()))
}
