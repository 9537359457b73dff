package forms

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/identity"
	"github.com/civickit/civickit/workflow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProblemForEveryErrorKind(t *testing.T) {
	t.Parallel()
	ve := &ValidationError{Form: Pin{ID: "permit", Version: 1}, Errors: []FieldError{{Field: "floors", Pointer: "/floors", Code: "type", Message: "Enter a whole number."}}}
	denied := &workflow.DeniedError{CaseID: "c1", State: "review", Trigger: "approve", Code: workflow.DeniedRole, Reason: "needs role inspector"}
	tests := []struct {
		name       string
		err        error
		status     int
		code       string
		retryAfter bool
		params     int
	}{
		{name: "validation", err: ve, status: 422, code: "validation", params: 1},
		{name: "wrapped validation", err: fmt.Errorf("submit: %w", ve), status: 422, code: "validation", params: 1},
		{name: "payload denial keeps its field errors", err: &workflow.DeniedError{Code: workflow.DeniedPayload, Err: ve}, status: 422, code: "validation", params: 1},
		{name: "conflict", err: fmt.Errorf("fire: %w", adapters.ErrConflict), status: 409, code: "conflict"},
		{name: "duplicate", err: fmt.Errorf("open: %w", adapters.ErrDuplicate), status: 409, code: "duplicate"},
		{name: "denied", err: denied, status: 403, code: string(workflow.DeniedRole)},
		{name: "wrapped denied", err: fmt.Errorf("handler: %w", denied), status: 403, code: string(workflow.DeniedRole)},
		{name: "denied assurance", err: &workflow.DeniedError{Code: workflow.DeniedAssurance}, status: 403, code: "assurance-too-low"},
		{name: "not found", err: fmt.Errorf("get: %w", adapters.ErrNotFound), status: 404, code: "not-found"},
		{name: "invalid argument", err: fmt.Errorf("x: %w", adapters.ErrInvalidArgument), status: 400, code: "bad-request"},
		{name: "forms input error", err: fmt.Errorf("decode: %w", ErrInvalidUTF8), status: 400, code: "bad-request"},
		{name: "forms body too large", err: fmt.Errorf("read: %w", ErrTooLarge), status: 413, code: "too-large"},
		{name: "http body too large", err: fmt.Errorf("read: %w", &http.MaxBytesError{Limit: 10}), status: 413, code: "too-large"},
		{name: "unsupported media type", err: fmt.Errorf("read: %w", ErrUnsupportedMediaType), status: 415, code: "unsupported-media-type"},
		{name: "unavailable", err: fmt.Errorf("store: %w", adapters.ErrUnavailable), status: 503, code: "unavailable", retryAfter: true},
		{name: "unauthenticated", err: fmt.Errorf("handler: %w", &identity.AuthError{Reason: identity.ErrTokenExpired, Detail: "token of riley@example.org"}), status: 401, code: "unauthenticated"},
		{name: "unauthenticated wrapping not found", err: &identity.AuthError{Reason: identity.ErrTokenSignature, Err: adapters.ErrNotFound}, status: 401, code: "unauthenticated"},
		{name: "auth store unavailable", err: &identity.AuthError{Reason: identity.ErrTokenSignature, Err: adapters.ErrUnavailable}, status: 503, code: "unavailable", retryAfter: true},
		{name: "internal", err: errors.New("pq: password authentication failed for db secret"), status: 500, code: "internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			WriteProblem(rec, tt.err, "en")
			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
			assert.Equal(t, tt.retryAfter, rec.Header().Get("Retry-After") != "", "Retry-After only on 503")
			var raw map[string]any
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &raw))
			for _, member := range []string{"type", "title", "status", "code"} {
				assert.Contains(t, raw, member)
			}
			var p Problem
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
			assert.Equal(t, tt.status, p.Status)
			assert.Equal(t, tt.code, p.Code)
			assert.NotEmpty(t, p.Title)
			assert.NotEmpty(t, p.Type)
			assert.Len(t, p.InvalidParams, tt.params)
			assert.NotContains(t, rec.Body.String(), "password")
			assert.NotContains(t, rec.Body.String(), "secret")
			assert.NotContains(t, rec.Body.String(), "riley")
			assert.NotContains(t, rec.Body.String(), "inspector", "a denial's reason is for logs, not clients")
		})
	}
}
