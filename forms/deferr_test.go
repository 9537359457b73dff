package forms

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/civickit/civickit/adapters"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDefinitionErrorReportsEveryProblem: a definition with three separate
// mistakes reports three problems, each with its pointer, in one load.
func TestDefinitionErrorReportsEveryProblem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		want []DefinitionProblem
	}{
		{name: "three misspelt keywords", doc: `{
			"$schema": "https://json-schema.org/draft/2020-12/schema",
			"x-form": {"id": "f", "version": 1},
			"type": "object", "titel": "F",
			"properties": {
				"a": {"type": "string", "minLenght": 1},
				"b": {"type": "integer", "maximun": 3}
			}}`,
			want: []DefinitionProblem{
				{Pointer: "/properties/a/minLenght", Reason: `unknown keyword "minLenght"; did you mean "minLength"?`},
				{Pointer: "/properties/b/maximun", Reason: `unknown keyword "maximun"; did you mean "maximum"?`},
				{Pointer: "/titel", Reason: `unknown keyword "titel"; did you mean "title"?`},
			}},
		{name: "steps and required", doc: `{
			"$schema": "https://json-schema.org/draft/2020-12/schema",
			"x-form": {"id": "g", "version": 1, "steps": [
				{"id": "one", "fields": ["a", "nope"]},
				{"id": "one", "fields": ["b"]}
			]},
			"type": "object", "required": ["zzz"],
			"properties": {"a": {"type": "string"}, "b": {"type": "string"}}}`,
			want: []DefinitionProblem{
				{Pointer: "/x-form/steps/0/fields/1", Reason: `step "one" lists "nope", which is not a top-level property`},
				{Pointer: "/x-form/steps/1/id", Reason: `duplicate step id "one"`},
				{Pointer: "#/required", Reason: `required field "zzz" is never shown: no properties declare it`},
			}},
		{name: "widget, order and a property name", doc: `{
			"$schema": "https://json-schema.org/draft/2020-12/schema",
			"x-form": {"id": "k", "version": 1},
			"type": "object", "x-order": ["a", "missing"],
			"properties": {
				"a": {"type": "string", "x-widget": "checkbox"},
				"b.c": {"type": "string"},
				"d": {"type": "string"}
			}}`,
			want: []DefinitionProblem{
				{Pointer: "/x-order", Reason: `x-order names "missing", which is not a property`},
				{Pointer: "/properties/a/x-widget", Reason: `x-widget "checkbox" needs a boolean`},
				{Pointer: "/b.c", Reason: `property "b.c" may not contain '.' or start with '_': form posts could not name it`},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := NewRegistry(nil)
			require.NoError(t, err)
			_, err = r.Load(context.Background(), "f.json", []byte(tt.doc))
			require.ErrorIs(t, err, adapters.ErrInvalidArgument)
			var de *DefinitionError
			require.ErrorAs(t, err, &de)
			require.Len(t, de.Problems, len(tt.want), "%v", de.Problems)
			for i, w := range tt.want {
				assert.Equal(t, w.Reason, de.Problems[i].Reason)
				assert.True(t, strings.HasSuffix(de.Problems[i].Pointer, strings.TrimPrefix(w.Pointer, "#")), "pointer %q", de.Problems[i].Pointer)
				assert.Contains(t, err.Error(), w.Reason)
			}
			assert.Equal(t, de.Problems[0].Pointer, de.Pointer)
			assert.Equal(t, de.Problems[0].Reason, de.Reason)
		})
	}
}

// TestDefinitionErrorTextIsBounded: every problem stays in Problems but
// the text lists at most 50.
func TestDefinitionErrorTextIsBounded(t *testing.T) {
	t.Parallel()
	var props []string
	for i := range 60 {
		props = append(props, fmt.Sprintf(`"p%d": {"type": "string", "minLenght": 1}`, i))
	}
	doc := `{"x-form": {"id": "h", "version": 1}, "type": "object", "properties": {` + strings.Join(props, ",") + `}}`
	r, err := NewRegistry(nil)
	require.NoError(t, err)
	_, err = r.Load(context.Background(), "h.json", []byte(doc))
	var de *DefinitionError
	require.ErrorAs(t, err, &de)
	assert.Len(t, de.Problems, 60)
	assert.Equal(t, 50, strings.Count(err.Error(), "minLenght\";"))
	assert.Contains(t, err.Error(), "and 10 more")
}

// TestSingleProblemKeepsItsText: a definition with one problem reads as
// before and still lists it in Problems.
func TestSingleProblemKeepsItsText(t *testing.T) {
	t.Parallel()
	r, err := NewRegistry(nil)
	require.NoError(t, err)
	_, err = r.Load(context.Background(), "s.json", []byte(`[1]`))
	var de *DefinitionError
	require.ErrorAs(t, err, &de)
	require.Len(t, de.Problems, 1)
	assert.Equal(t, "forms: s.json#: a definition must be a JSON object", err.Error())
}
