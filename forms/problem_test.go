package forms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/civickit/civickit/adapters"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteProblem(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	_, verr := f.ValidateJSON(context.Background(), permitWith(t, map[string]any{"floors": "two", "description": nil}), "es")
	require.Error(t, verr)
	_, dup := f.ValidateJSON(context.Background(), []byte(`{"a":1,"a":2}`), "en")
	tests := []struct {
		name   string
		err    error
		locale string
		status int
		title  string
		params []InvalidParam
	}{
		{name: "validation", err: verr, locale: "es", status: 422, title: "Su envío tiene problemas", params: []InvalidParam{
			{Name: "description", Pointer: "/description", Code: "required", Reason: "Indique una descripción de la obra."},
			{Name: "floors", Pointer: "/floors", Code: "type", Reason: "El número de plantas debe ser un número entero."},
		}},
		{name: "unreadable input", err: dup, locale: "en", status: 400, title: "Your submission has problems", params: []InvalidParam{
			{Name: "a", Pointer: "/a", Code: "duplicateKey", Reason: "The submission names a twice."},
		}},
		{name: "not found", err: fmt.Errorf("x: %w", adapters.ErrNotFound), locale: "en", status: 404, title: "Not found"},
		{name: "internal error hides detail", err: errors.New("db password wrong"), locale: "en", status: 500, title: "Something went wrong"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			WriteProblem(rec, tt.err, tt.locale)
			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
			assert.NotContains(t, rec.Body.String(), "password")
			var p Problem
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
			assert.Equal(t, tt.status, p.Status)
			assert.Equal(t, tt.title, p.Title)
			assert.Equal(t, tt.params, p.InvalidParams)
			if tt.params != nil {
				assert.Equal(t, ProblemTypeValidation, p.Type)
				var raw map[string]any
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &raw))
				assert.Contains(t, raw, "invalid-params")
			}
		})
	}
}

func TestProblemForUndecodablePostsIsABadRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    error
		status int
	}{
		{"InvalidUTF8", fmt.Errorf("decode post: %w", ErrInvalidUTF8), 400},
		{"UnknownStep", fmt.Errorf("step %q: %w", "nope", ErrSyntax), 400},
		{"OtherInvalidArgument", fmt.Errorf("x: %w", adapters.ErrInvalidArgument), 400},
		{"TooLarge", fmt.Errorf("read: %w", ErrTooLarge), 413},
		{"Internal", errors.New("disk on fire"), 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := ProblemFor(tt.err, "es")
			assert.Equal(t, tt.status, p.Status)
			assert.NotContains(t, p.Title+p.Detail, "fire", "internal error text never reaches the client")
		})
	}
}

func TestLabelsFallBackToTheMessageLanguage(t *testing.T) {
	t.Parallel()
	labels := map[string]string{"en": "Furniture", "es": "Muebles"}
	for _, tt := range []struct{ locale, want string }{
		{"", "Furniture"}, {"fr", "Furniture"}, {"fr, es;q=0.5", "Muebles"}, {"es-MX", "Muebles"}, {"en-GB", "Furniture"},
	} {
		assert.Equal(t, tt.want, pick("furniture", labels, tt.locale), "locale %q", tt.locale)
	}
}

func TestValidationErrorTextLeavesOutClientChosenNames(t *testing.T) {
	t.Parallel()
	ve := &ValidationError{Form: Pin{ID: "permit", Version: 1}, Errors: []FieldError{
		{Field: "zz@example.com", Code: "additionalProperties"}, {Field: "applicant.email", Code: "format"}}}
	assert.Equal(t, `forms: permit@1: 2 invalid field(s): "(undeclared)" (additionalProperties) "applicant.email" (format)`, ve.Error())
	f := loadPermit(t)
	_, err := f.ValidateJSON(context.Background(), []byte(`{"a@b.c": 1, "a@b.c": 2}`), "en")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "a@b.c")
	var ie *inputError
	require.ErrorAs(t, err, &ie)
	assert.NotContains(t, ie.Error(), "a@b.c")
}

// TestProblemForNoError answers a caller's bug (no error, or an empty
// *ValidationError in an error interface) as a bare 500 instead of
// panicking, and WriteProblem's answers are never cached.
func TestProblemForNoError(t *testing.T) {
	t.Parallel()
	var empty *ValidationError
	for name, err := range map[string]error{"nil": nil, "empty validation error": empty} {
		p := ProblemFor(err, "en")
		assert.Equal(t, 500, p.Status, name)
		assert.Equal(t, "internal", p.Code, name)
		assert.Empty(t, p.Detail, name)
	}
	rec := httptest.NewRecorder()
	WriteProblem(rec, fmt.Errorf("gone: %w", adapters.ErrNotFound), "en")
	assert.Equal(t, 404, rec.Code)
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"), "a 404 is heuristically cacheable unless told otherwise")
}
