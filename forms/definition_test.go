package forms

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/civickit/civickit/adapters"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadRejectsBadDefinitions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		doc     string
		pointer string
		reason  string
	}{
		{
			name:    "widget typo",
			doc:     `{"x-form":{"id":"a","version":1},"type":"object","properties":{"a":{"type":"string","x-widget":"textaera"}}}`,
			pointer: "/properties/a/x-widget", reason: "must be one of",
		},
		{
			name:    "unknown civickit keyword",
			doc:     `{"x-form":{"id":"a","version":1},"type":"object","properties":{"a":{"type":"string","x-wigdet":"text"}}}`,
			pointer: "/properties/a/x-wigdet", reason: `unknown keyword "x-wigdet"; did you mean "x-widget"?`,
		},
		{
			name:    "pii category",
			doc:     `{"x-form":{"id":"a","version":1},"type":"object","properties":{"a":{"type":"string","x-pii":"secret"}}}`,
			pointer: "/properties/a/x-pii", reason: "must be one of",
		},
		{
			name:    "autocomplete token",
			doc:     `{"x-form":{"id":"a","version":1},"type":"object","properties":{"a":{"type":"string","x-autocomplete":"e-mail"}}}`,
			pointer: "/properties/a/x-autocomplete", reason: "does not match pattern",
		},
		{
			name:    "nested typo inside a branch",
			doc:     `{"x-form":{"id":"a","version":1},"type":"object","properties":{"k":{"type":"boolean"}},"if":{"properties":{"k":{"const":true}}},"then":{"properties":{"b":{"type":"string","x-widget":"radi0"}}}}`,
			pointer: "/then/properties/b/x-widget", reason: "must be one of",
		},
		{
			name:    "translation is not text",
			doc:     `{"x-form":{"id":"a","version":1},"type":"object","properties":{"a":{"type":"string","x-title":{"es":3}}}}`,
			pointer: "/properties/a/x-title/es", reason: "string",
		},
		{
			name:    "missing x-form",
			doc:     `{"type":"object","properties":{"a":{"type":"string"}}}`,
			pointer: "/x-form", reason: "missing x-form",
		},
		{
			name:    "x-form without version",
			doc:     `{"x-form":{"id":"a"},"type":"object"}`,
			pointer: "/x-form", reason: "version",
		},
		{
			name:    "older draft",
			doc:     `{"$schema":"http://json-schema.org/draft-07/schema#","x-form":{"id":"a","version":1}}`,
			pointer: "/$schema", reason: "2020-12",
		},
		{
			name:    "widget does not fit type",
			doc:     `{"x-form":{"id":"a","version":1},"type":"object","properties":{"a":{"type":"string","x-widget":"checkbox"}}}`,
			pointer: "/properties/a/x-widget", reason: "needs a boolean",
		},
		{
			name:    "select without enum",
			doc:     `{"x-form":{"id":"a","version":1},"type":"object","properties":{"a":{"type":"string","x-widget":"select"}}}`,
			pointer: "/properties/a/x-widget", reason: "needs an enum",
		},
		{
			name:    "step lists an unknown field",
			doc:     `{"x-form":{"id":"a","version":1,"steps":[{"id":"one","fields":["a","zz"]}]},"type":"object","properties":{"a":{"type":"string"}}}`,
			pointer: "/x-form/steps/0/fields/1", reason: `"zz"`,
		},
		{
			name:    "field on no step",
			doc:     `{"x-form":{"id":"a","version":1,"steps":[{"id":"one","fields":["a"]}]},"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}}}`,
			pointer: "/x-form/steps", reason: `"b" is in no step`,
		},
		{
			name:    "required field that a condition hides",
			doc:     `{"x-form":{"id":"a","version":1},"type":"object","required":["b"],"properties":{"k":{"type":"boolean"}},"if":{"properties":{"k":{"const":true}},"required":["k"]},"then":{"properties":{"b":{"type":"string"}}}}`,
			pointer: "/required", reason: `"b" is hidden`,
		},
		{
			name:    "required field declared nowhere",
			doc:     `{"x-form":{"id":"a","version":1},"type":"object","required":["ghost"],"properties":{"a":{"type":"string"}}}`,
			pointer: "/required", reason: "never shown",
		},
		{
			name:    "branch requires what the other branch shows",
			doc:     `{"x-form":{"id":"a","version":1},"type":"object","properties":{"k":{"type":"boolean"}},"if":{"properties":{"k":{"const":true}},"required":["k"]},"then":{"required":["b"]},"else":{"properties":{"b":{"type":"string"}}}}`,
			pointer: "/then/required", reason: "hidden in the branch that requires it",
		},
		{
			name:    "step that can never be reached",
			doc:     `{"x-form":{"id":"a","version":1,"steps":[{"id":"one","fields":["a"]},{"id":"two","fields":["b"]}]},"type":"object","properties":{"a":{"type":"string"}},"if":false,"then":{"properties":{"b":{"type":"string"}}}}`,
			pointer: "/then/properties/b", reason: "hidden by every branch",
		},
		{
			name:    "condition on a value the field never takes",
			doc:     `{"x-form":{"id":"a","version":1},"type":"object","properties":{"k":{"enum":["x","y"]}},"if":{"properties":{"k":{"const":"z"}},"required":["k"]},"then":{"properties":{"b":{"type":"string"}}}}`,
			pointer: "/if/properties/k", reason: "never takes",
		},
		{
			name:   "external reference",
			doc:    `{"x-form":{"id":"a","version":1},"type":"object","properties":{"a":{"$ref":"file:///etc/passwd"}}}`,
			reason: "not allowed",
		},
		{
			name:    "duplicate key",
			doc:     `{"x-form":{"id":"a","version":1},"type":"object","type":"string"}`,
			pointer: "/type", reason: "duplicate key",
		},
		{
			name: "not an object", doc: `[1]`, reason: "JSON object",
		},
		{
			name:    "recursive group",
			doc:     `{"x-form":{"id":"a","version":1},"type":"object","properties":{"a":{"$ref":"#"}}}`,
			pointer: "", reason: "recursively",
		},
		{
			name:   "reference cycle",
			doc:    `{"x-form":{"id":"a","version":1},"type":"object","$defs":{"x":{"$ref":"#/$defs/x"}},"properties":{"a":{"$ref":"#/$defs/x"}}}`,
			reason: "cycle of references",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := NewRegistry(nil)
			require.NoError(t, err)
			_, err = r.Load(context.Background(), "forms/bad.json", []byte(tt.doc))
			require.Error(t, err)
			var de *DefinitionError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, "forms/bad.json", de.File)
			if tt.pointer != "" {
				assert.Equal(t, tt.pointer, de.Pointer)
			}
			assert.Contains(t, de.Reason, tt.reason)
			assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
			assert.Empty(t, r.IDs(), "a failed load adds nothing")
		})
	}
}

func TestFieldTree(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	assert.Equal(t, "permit", f.ID())
	assert.Equal(t, 1, f.Version())
	assert.Len(t, f.Hash(), 64)
	assert.Equal(t, "Permiso de construcción", f.Title("es-MX"))
	assert.Equal(t, "Building permit", f.Title("fr"))

	var names []string
	for _, fl := range f.Steps()[0].Fields {
		names = append(names, fl.Name)
	}
	assert.Equal(t, []string{"applicant", "applicantType", "businessName", "licenseNumber"}, names)

	email, ok := f.Field("applicant.email")
	require.True(t, ok)
	assert.Equal(t, "/applicant/email", email.Pointer)
	assert.Equal(t, "email", email.Widget)
	assert.Equal(t, "email", email.Autocomplete)
	assert.Equal(t, "email", email.Prefill)
	assert.Equal(t, "contact", email.PII)
	assert.True(t, email.Required)
	assert.Equal(t, "Correo electrónico", email.Label("es"))
	assert.Equal(t, "Email address", email.Label("en-GB"))

	biz, ok := f.Field("businessName")
	require.True(t, ok)
	assert.True(t, biz.Conditional)
	assert.False(t, biz.Required)

	trades, ok := f.Field("trades")
	require.True(t, ok)
	assert.Equal(t, "checkboxes", trades.Widget)
	require.Len(t, trades.Options, 4)
	assert.Equal(t, "Fontanería", trades.Options[1].Label("es"))

	kind, _ := f.Field("applicantType")
	assert.Equal(t, "radio", kind.Widget)
	work, _ := f.Field("workType")
	assert.Equal(t, "select", work.Widget)
}

func TestRegistryVersionsAndPins(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	v1 := `{"x-form":{"id":"dog","version":1},"type":"object","properties":{"name":{"type":"string"}}}`
	v2 := `{"x-form":{"id":"dog","version":2},"type":"object","properties":{"name":{"type":"string"},"breed":{"type":"string"}}}`
	fsys := fstest.MapFS{
		"defs/dog-1.json": {Data: []byte(v1)},
		"defs/dog-2.json": {Data: []byte(v2)},
		"defs/README.md":  {Data: []byte("not a form")},
	}
	r, err := NewRegistry(nil)
	require.NoError(t, err)
	require.NoError(t, r.LoadFS(ctx, fsys, "."))

	assert.Equal(t, []string{"dog"}, r.IDs())
	assert.Equal(t, []int{1, 2}, r.Versions("dog"))
	latest, err := r.Latest("dog")
	require.NoError(t, err)
	assert.Equal(t, 2, latest.Version())

	one, err := r.Get("dog", 1)
	require.NoError(t, err)
	pinned, err := r.Pinned(one.Pin())
	require.NoError(t, err)
	assert.Same(t, one, pinned)

	_, err = r.Pinned(Pin{ID: "dog", Version: 1, Hash: latest.Hash()})
	assert.ErrorIs(t, err, adapters.ErrConflict)
	_, err = r.Get("dog", 3)
	assert.ErrorIs(t, err, adapters.ErrNotFound)
	_, err = r.Latest("cat")
	assert.ErrorIs(t, err, adapters.ErrNotFound)

	again, err := r.Load(ctx, "again.json", []byte(v1))
	require.NoError(t, err, "the same bytes load again without error")
	assert.Same(t, one, again)
	_, err = r.Load(ctx, "edited.json", []byte(v1+" "))
	assert.ErrorIs(t, err, adapters.ErrDuplicate, "a published version never changes")
}

func TestLoadFSReportsEveryBadFile(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"a.json": {Data: []byte(`{"x-form":{"id":"a","version":1},"type":"object","properties":{"x":{"x-widget":"textaera"}}}`)},
		"b.json": {Data: []byte(`{"x-form":{"id":"b","version":1},"type":"object","properties":{"x":{"type":"string"}}}`)},
		"c.json": {Data: []byte(`{`)},
	}
	r, err := NewRegistry(nil)
	require.NoError(t, err)
	err = r.LoadFS(context.Background(), fsys, ".")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "a.json#/properties/x/x-widget")
	assert.Contains(t, err.Error(), "c.json")
	assert.Equal(t, []string{"b"}, r.IDs(), "good files load despite bad ones")
}

func TestRegistryConcurrentUse(t *testing.T) {
	t.Parallel()
	r, err := NewRegistry(nil)
	require.NoError(t, err)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			doc := fmt.Sprintf(`{"x-form":{"id":"f","version":%d},"type":"object","properties":{"a":{"type":"string"}}}`, i+1)
			_, err := r.Load(ctx, fmt.Sprintf("f-%d.json", i), []byte(doc))
			assert.NoError(t, err)
		}()
		go func() {
			defer wg.Done()
			_, err := r.Latest("f")
			if err != nil {
				assert.True(t, errors.Is(err, adapters.ErrNotFound))
			}
		}()
	}
	wg.Wait()
	assert.Len(t, r.Versions("f"), 8)
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	_, err := NewRegistry(&RegistryConfig{MaxBodyBytes: -1, MaxDepth: -2})
	require.Error(t, err)
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "MaxBodyBytes")
	assert.Contains(t, err.Error(), "MaxDepth")
}

func TestUnknownKeywordsFailLoading(t *testing.T) {
	t.Parallel()
	const head = `{"x-form":{"id":"a","version":1},"type":"object",`
	tests := []struct {
		name    string
		doc     string
		pointer string
		unknown string
		nearest string
	}{
		{name: "field rule", doc: head + `"properties":{"a":{"type":"string","minLenght":3}}}`,
			pointer: "/properties/a/minLenght", unknown: "minLenght", nearest: "minLength"},
		{name: "root", doc: head + `"requried":["a"],"properties":{"a":{"type":"string"}}}`,
			pointer: "/requried", unknown: "requried", nearest: "required"},
		{name: "array items", doc: head + `"properties":{"t":{"type":"array","items":{"type":"string","maxLenth":3}}}}`,
			pointer: "/properties/t/items/maxLenth", unknown: "maxLenth", nearest: "maxLength"},
		{name: "branch inside allOf", doc: head + `"properties":{"k":{"type":"boolean"}},"allOf":[{"if":{"properties":{"k":{"const":true}}},"then":{"properties":{"b":{"type":"string","formt":"email"}}}}]}`,
			pointer: "/allOf/0/then/properties/b/formt", unknown: "formt", nearest: "format"},
		{name: "condition", doc: head + `"properties":{"k":{"type":"boolean"}},"if":{"properties":{"k":{"cnst":true}}},"then":{}}`,
			pointer: "/if/properties/k/cnst", unknown: "cnst", nearest: "const"},
		{name: "definitions", doc: head + `"$defs":{"name":{"type":"string","patern":"^a"}},"properties":{"a":{"$ref":"#/$defs/name"}}}`,
			pointer: "/$defs/name/patern", unknown: "patern", nearest: "pattern"},
		{name: "additional properties schema", doc: head + `"properties":{"a":{"type":"string"}},"additionalProperties":{"tpye":"string"}}`,
			pointer: "/additionalProperties/tpye", unknown: "tpye", nearest: "type"},
		{name: "prefix items", doc: head + `"properties":{"t":{"type":"array","prefixItems":[{"type":"string"},{"enumm":["a"]}]}}}`,
			pointer: "/properties/t/prefixItems/1/enumm", unknown: "enumm", nearest: "enum"},
		{name: "dependent schema", doc: head + `"properties":{"a":{"type":"string"}},"dependentSchemas":{"a":{"requird":["a"]}}}`,
			pointer: "/dependentSchemas/a/requird", unknown: "requird", nearest: "required"},
		{name: "not", doc: head + `"properties":{"a":{"type":"string","not":{"cont":"x"}}}}`,
			pointer: "/properties/a/not/cont", unknown: "cont", nearest: "const"},
		{name: "draft-7 keyword", doc: head + `"properties":{"a":{"type":"string"}},"dependencies":{"a":["a"]}}`,
			pointer: "/dependencies", unknown: "dependencies", nearest: "dependentSchemas"},
		{name: "civickit keyword", doc: head + `"properties":{"a":{"type":"string","x-prefil":"email"}}}`,
			pointer: "/properties/a/x-prefil", unknown: "x-prefil", nearest: "x-prefill"},
		{name: "x-form member", doc: `{"x-form":{"id":"a","version":1,"allowUnknownField":true},"type":"object","properties":{"a":{"type":"string"}}}`,
			pointer: "/x-form/allowUnknownField", unknown: "allowUnknownField", nearest: "allowUnknownFields"},
		{name: "step member", doc: `{"x-form":{"id":"a","version":1,"steps":[{"id":"one","feilds":["a"]}]},"type":"object","properties":{"a":{"type":"string"}}}`,
			pointer: "/x-form/steps/0/feilds", unknown: "feilds", nearest: "fields"},
		{name: "step translation", doc: `{"x-form":{"id":"a","version":1,"steps":[{"id":"one","fields":["a"],"x-tilte":{"es":"Uno"}}]},"type":"object","properties":{"a":{"type":"string"}}}`,
			pointer: "/x-form/steps/0/x-tilte", unknown: "x-tilte", nearest: "x-title"},
		{name: "a name with a slash", doc: head + `"properties":{"a/b":{"type":"string","titel":"x"}}}`,
			pointer: "/properties/a~1b/titel", unknown: "titel", nearest: "title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := NewRegistry(nil)
			require.NoError(t, err)
			_, err = r.Load(context.Background(), "forms/typo.json", []byte(tt.doc))
			var de *DefinitionError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, "forms/typo.json", de.File)
			assert.Equal(t, tt.pointer, de.Pointer)
			assert.Equal(t, fmt.Sprintf("unknown keyword %q; did you mean %q?", tt.unknown, tt.nearest), de.Reason)
		})
	}
}

func TestNamesAndDataAreNotKeywords(t *testing.T) {
	t.Parallel()
	doc := `{"x-form":{"id":"a","version":1},"type":"object","$comment":"names below look like typos but are names or data",
	  "$defs":{"minLenght":{"type":"string"}},
	  "properties":{
	    "minLenght":{"$ref":"#/$defs/minLenght","default":"x","examples":[{"tpye":1}]},
	    "requried":{"enum":[{"formt":1},"x"],"x-options":{"x":{"es":"equis"}}},
	    "o":{"type":"object","properties":{"patern":{"type":"string","const":"k","deprecated":false,"readOnly":false}},
	      "patternProperties":{"^x":{"type":"string"}},"dependentRequired":{"patern":["patern"]}},
	    "c":{"type":"string","contentMediaType":"text/plain","contentEncoding":"base64","x-title":{"es-MX":"Ce"}}
	  },
	  "dependentSchemas":{"requried":{"properties":{"minLenght":{"minLength":1}}}}}`
	r, err := NewRegistry(nil)
	require.NoError(t, err)
	_, err = r.Load(context.Background(), "forms/names.json", []byte(doc))
	require.NoError(t, err)
}
