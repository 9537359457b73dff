package casework_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/workflow"
)

// failing is a memory store whose listings and writes fail with err, as a
// database that is down or broken does.
type failing struct {
	*memory.Store
	err error
}

func (f failing) ListCases(context.Context, adapters.CaseQuery) (adapters.CasePage, error) {
	return adapters.CasePage{}, fmt.Errorf("failing: list cases: %w", f.err)
}

func (f failing) CreateCase(context.Context, adapters.CreateCaseParams) (adapters.Case, error) {
	return adapters.Case{}, fmt.Errorf("failing: create case: %w", f.err)
}

func (f failing) ApplyTransition(context.Context, adapters.TransitionParams) (adapters.TransitionResult, error) {
	return adapters.TransitionResult{}, fmt.Errorf("failing: apply transition: %w", f.err)
}

// unauthenticated stands for any error ProblemFor answers with 401.
type unauthenticated struct{}

func (unauthenticated) Error() string         { return "sign in" }
func (unauthenticated) Unauthenticated() bool { return true }

// errDiskOnFire is an internal error whose text must not reach anyone.
var errDiskOnFire = errors.New("disk /dev/sda1 on fire")

// errorPage checks that r is a whole error page answering err as
// forms.ProblemFor does in the language tag, and returns its body.
func errorPage(t *testing.T, r *httptest.ResponseRecorder, err error, tag string) string {
	t.Helper()
	p := forms.ProblemFor(err, tag)
	body := r.Body.String()
	assert.Equal(t, p.Status, r.Code, "the status is ProblemFor's")
	assert.True(t, strings.HasPrefix(body, "<!doctype html>\n<html lang=\""+tag+"\" dir=\"ltr\">"), "a whole document: %.60s", body)
	assert.True(t, strings.HasSuffix(body, "</html>\n"), "a whole document")
	assert.Contains(t, body, "<title>Error: "+p.Title+" – City of Testville</title>")
	assert.Contains(t, body, `<h1 class="usa-alert__heading">`+p.Title+`</h1>`)
	assert.Contains(t, body, `role="alert"`)
	assert.Equal(t, "text/html; charset=utf-8", r.Header().Get("Content-Type"))
	assert.Equal(t, "no-store", r.Header().Get("Cache-Control"))
	assert.Equal(t, "nosniff", r.Header().Get("X-Content-Type-Options"))
	assert.Equal(t, tag, r.Header().Get("Content-Language"))
	if p.Status == http.StatusServiceUnavailable {
		assert.Equal(t, strconv.Itoa(forms.RetryAfterSeconds), r.Header().Get("Retry-After"), "a 503 says when to retry")
	} else {
		assert.Empty(t, r.Header().Get("Retry-After"))
	}
	assert.NotContains(t, body, "fire", "no error text reaches the reader")
	assert.NotContains(t, body, "failing:")
	return body
}

func TestErrorPages(t *testing.T) {
	t.Parallel()
	down := newWorldOn(t, failing{memory.New(), adapters.ErrUnavailable}, potholeFlow)
	broken := newWorldOn(t, failing{memory.New(), errDiskOnFire}, potholeFlow)
	w := newWorld(t)
	c := w.open(t, "12 Elm Street")
	page := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html", "Sec-Fetch-Site": "same-origin"}
	tests := []struct {
		name string
		h    http.Handler
		req  request
		err  error
		tag  string
		back string
	}{
		{name: "queue store down", h: as(staff, down.queue(t, 0)), req: request{method: http.MethodGet, target: "/queue/"},
			err: adapters.ErrUnavailable, tag: "en", back: `<a class="usa-link" href="/queue/">Back to the work queue</a>`},
		{name: "queue store down in spanish", h: as(staff, down.queue(t, 0)), req: request{method: http.MethodGet, target: "/queue/?lang=es"},
			err: adapters.ErrUnavailable, tag: "es", back: `<a class="usa-link" href="/queue/?lang=es">Volver a la cola de trabajo</a>`},
		{name: "queue store broken", h: as(staff, broken.queue(t, 0)), req: request{method: http.MethodGet, target: "/queue/"},
			err: errDiskOnFire, tag: "en"},
		{name: "intake store down", h: down.intake(t), req: request{method: http.MethodPost, target: "/report", body: "location=12+Elm+Street", header: page},
			err: adapters.ErrUnavailable, tag: "en", back: `<a class="usa-link" href="/report">Report a pothole</a>`},
		{name: "intake store broken", h: broken.intake(t), req: request{method: http.MethodPost, target: "/report?lang=es", body: "location=12+Elm+Street", header: page},
			err: errDiskOnFire, tag: "es", back: `<a class="usa-link" href="/report?lang=es">Reportar un bache</a>`},
		{name: "sign-in needed", h: w.queue(t, 0), req: request{method: http.MethodGet, target: "/queue/"}, err: unauthenticated{}, tag: "en"},
		{name: "no staff role", h: as(resident, w.queue(t, 0)), req: request{method: http.MethodGet, target: "/queue/?lang=es"},
			err: &workflow.DeniedError{Code: workflow.DeniedRole}, tag: "es"},
		{name: "stale version", h: as(staff, w.queue(t, 0)), req: request{method: http.MethodPost, target: "/queue/" + c.ID + "/inspect", body: "version=7", header: page},
			err: adapters.ErrConflict, tag: "en", back: `href="/queue/"`},
		{name: "unknown case", h: as(staff, w.queue(t, 0)), req: request{method: http.MethodPost, target: "/queue/x/inspect", body: "version=1", header: page},
			err: adapters.ErrNotFound, tag: "en", back: `href="/queue/"`},
		{name: "bad version", h: as(staff, w.queue(t, 0)), req: request{method: http.MethodPost, target: "/queue/" + c.ID + "/inspect", body: "version=x", header: page},
			err: adapters.ErrInvalidArgument, tag: "en", back: `href="/queue/"`},
	}
	// the group returns once every page is drawn
	t.Run("pages", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				if tt.req.header == nil {
					tt.req.header = map[string]string{"Accept": "text/html"}
				}
				body := errorPage(t, do(tt.h, tt.req), tt.err, tt.tag)
				if tt.back != "" {
					assert.Contains(t, body, tt.back, "a way back")
				}
			})
		}
	})
	assert.Len(t, w.cases(t), 1, "no case was opened")
	assert.Equal(t, "reported", w.caseNow(t, c.ID).State, "nothing was fired")
}

func TestUnavailableAsJSON(t *testing.T) {
	t.Parallel()
	down := newWorldOn(t, failing{memory.New(), adapters.ErrUnavailable}, potholeFlow)
	for name, r := range map[string]*httptest.ResponseRecorder{
		"queue":  getJSON(as(staff, down.queue(t, 0)), "/queue/"),
		"intake": postJSON(down.intake(t), "/report", `{"location": "12 Elm Street"}`, "k"),
	} {
		assert.Equal(t, http.StatusServiceUnavailable, r.Code, name)
		assert.Equal(t, "unavailable", problem(t, r).Code, name)
		assert.Equal(t, strconv.Itoa(forms.RetryAfterSeconds), r.Header().Get("Retry-After"), name)
	}
	broken := newWorldOn(t, failing{memory.New(), errDiskOnFire}, potholeFlow)
	r := getJSON(as(staff, broken.queue(t, 0)), "/queue/")
	assert.Equal(t, http.StatusInternalServerError, r.Code)
	assert.Equal(t, "internal", problem(t, r).Code)
	assert.NotContains(t, r.Body.String(), "fire")
	assert.Empty(t, r.Header().Get("Retry-After"))
}

// TestUnauthenticatedNamesAChallenge: every 401 carries WWW-Authenticate
// (RFC 9110), as a page and as a problem.
func TestUnauthenticatedNamesAChallenge(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for name, r := range map[string]*httptest.ResponseRecorder{
		"page":    do(w.queue(t, 0), request{method: http.MethodGet, target: "/queue/", header: map[string]string{"Accept": "text/html"}}),
		"problem": getJSON(w.queue(t, 0), "/queue/"),
	} {
		assert.Equal(t, http.StatusUnauthorized, r.Code, name)
		assert.Equal(t, `Bearer realm="civickit"`, r.Header().Get("WWW-Authenticate"), name)
		assert.Equal(t, "no-store", r.Header().Get("Cache-Control"), name)
	}
}
