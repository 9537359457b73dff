package casework_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/identity"
	"github.com/civickit/civickit/workflow"
)

// potholeForm is a one-page form with an English and a Spanish text.
const potholeForm = `{"type": "object", "x-form": {"id": "pothole", "version": 3},
  "title": "Report a pothole", "x-title": {"es": "Reportar un bache"}, "required": ["location"],
  "properties": {
    "location": {"type": "string", "minLength": 3, "maxLength": 200, "title": "Where is the pothole?", "x-title": {"es": "¿Dónde está el bache?"},
      "x-errorName": {"en": "where the pothole is", "es": "dónde está el bache"}},
    "details": {"type": "string", "maxLength": 1000, "x-widget": "textarea", "title": "Anything else?", "x-title": {"es": "¿Algo más?"}}}}`

// permitForm is a form of two steps.
const permitForm = `{"type": "object", "x-form": {"id": "fence", "version": 2, "steps": [
    {"id": "who", "title": "About you", "x-title": {"es": "Sus datos"}, "fields": ["name"]},
    {"id": "what", "title": "The fence", "x-title": {"es": "La cerca"}, "fields": ["height"]}]},
  "title": "Fence permit", "x-title": {"es": "Permiso de cerca"}, "required": ["name", "height"],
  "properties": {
    "name": {"type": "string", "minLength": 2, "maxLength": 100, "title": "Your name", "x-title": {"es": "Su nombre"}},
    "height": {"type": "integer", "minimum": 1, "maximum": 3, "title": "Height in meters", "x-title": {"es": "Altura en metros"}}}}`

// potholeFlow is the workflow of a pothole report. Staff inspect and
// close; escalating needs a supervisor, certifying a substantial sign-in.
const potholeFlow = `{"type": "pothole", "version": 1, "initial": "reported",
  "states": [{"name": "reported", "title": "Reported"}, {"name": "inspecting", "title": "Being inspected"},
    {"name": "escalated", "title": "Escalated"}, {"name": "closed", "title": "Closed", "terminal": "closed"}],
  "transitions": [
    {"trigger": "inspect", "title": "Start inspection", "from": ["reported"], "to": "inspecting", "roles": ["staff"]},
    {"trigger": "escalate", "title": "Escalate", "from": ["reported", "inspecting"], "to": "escalated", "roles": ["supervisor"]},
    {"trigger": "certify", "title": "Certify", "from": ["inspecting"], "to": "closed", "roles": ["staff"], "assurance": 2},
    {"trigger": "close", "title": "Close", "from": ["inspecting", "escalated"], "to": "closed", "roles": ["staff", "supervisor"]}]}`

// fenceFlow is the workflow of a fence permit; only signed-in residents
// may apply.
const fenceFlow = `{"type": "fence", "version": 1, "initial": "submitted", "intake": {"roles": ["clerk"], "assurance": 1},
  "states": [{"name": "submitted", "title": "Submitted"}, {"name": "granted", "title": "Granted", "terminal": "closed"}],
  "transitions": [{"trigger": "grant", "title": "Grant", "from": ["submitted"], "to": "granted", "roles": ["clerk"]}]}`

// The people on requests.
var (
	resident = &identity.Principal{Issuer: "https://id.example", Subject: "res-1", Roles: []string{"resident"},
		Assurance: identity.AssuranceLow}
	staff = &identity.Principal{Issuer: "https://staff.example", Subject: "staff-1", Roles: []string{"staff"},
		Assurance: identity.AssuranceLow}
	supervisor = &identity.Principal{Issuer: "https://staff.example", Subject: "sup-1", Roles: []string{"staff", "supervisor"},
		Assurance: identity.AssuranceSubstantial}
)

// world is a service under test: a memory store, an engine with both
// workflows, the forms and a renderer.
type world struct {
	store  *memory.Store
	engine *workflow.Engine
	pages  *forms.Renderer
	report *forms.Form // potholeForm
	permit *forms.Form // permitForm
}

// clock is a test clock one minute further on each reading, so cases
// list in the order they were opened.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Minute)
	return c.t
}

func newWorld(t *testing.T) *world {
	t.Helper()
	return newWorldOn(t, memory.New(), potholeFlow)
}

// newWorldOn builds a world on store with the pothole workflow flow.
func newWorldOn(t testing.TB, store workflow.Store, flow string) *world {
	t.Helper()
	ctx := context.Background()
	reg, err := forms.NewRegistry(&forms.RegistryConfig{MaxBodyBytes: 8 << 10})
	require.NoError(t, err)
	report, err := reg.Load(ctx, "pothole.json", []byte(potholeForm))
	require.NoError(t, err)
	permit, err := reg.Load(ctx, "fence.json", []byte(permitForm))
	require.NoError(t, err)
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	engine, err := workflow.New(store, &workflow.EngineConfig{Now: clk.now})
	require.NoError(t, err)
	for _, src := range []string{flow, fenceFlow} {
		def, err := workflow.ParseDefinition([]byte(src))
		require.NoError(t, err)
		w, err := workflow.Compile(def, nil)
		require.NoError(t, err)
		require.NoError(t, engine.Register(w))
	}
	pages, err := forms.NewRenderer(&forms.RenderConfig{Site: forms.Site{Name: "City of Testville", HomeURL: "/"}})
	require.NoError(t, err)
	w := &world{engine: engine, pages: pages, report: report, permit: permit}
	if m, ok := store.(*memory.Store); ok {
		w.store = m
	}
	return w
}

// as puts p on every request to h, as identity's middleware does; a nil
// p leaves requests anonymous.
func as(p *identity.Principal, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p != nil {
			r = r.WithContext(identity.WithPrincipal(r.Context(), p))
		}
		h.ServeHTTP(w, r)
	})
}

// request is one request to send to a handler.
type request struct {
	method, target string
	header         map[string]string
	body           string
}

// do serves req on h and returns the recorded answer.
func do(h http.Handler, req request) *httptest.ResponseRecorder {
	var body io.Reader
	if req.body != "" {
		body = strings.NewReader(req.body)
	}
	r := httptest.NewRequest(req.method, "http://city.example"+req.target, body)
	for k, v := range req.header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// get is a browser's GET.
func get(h http.Handler, target string) *httptest.ResponseRecorder {
	return do(h, request{method: http.MethodGet, target: target, header: map[string]string{"Accept": "text/html"}})
}

// postForm is a browser's form post from the same site.
func postForm(h http.Handler, target string, form url.Values) *httptest.ResponseRecorder {
	return do(h, request{method: http.MethodPost, target: target, body: form.Encode(), header: map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html", "Sec-Fetch-Site": "same-origin"}})
}

// postJSON is an API client's post, with an Idempotency-Key when key is
// set.
func postJSON(h http.Handler, target, body, key string) *httptest.ResponseRecorder {
	hd := map[string]string{"Content-Type": "application/json", "Accept": "application/json"}
	if key != "" {
		hd["Idempotency-Key"] = key
	}
	return do(h, request{method: http.MethodPost, target: target, body: body, header: hd})
}

// cases lists every case in the store, oldest first.
func (w *world) cases(t *testing.T) []adapters.Case {
	t.Helper()
	page, err := w.store.ListCases(context.Background(), adapters.CaseQuery{Limit: adapters.MaxPageSize})
	require.NoError(t, err)
	return page.Cases
}

// open opens a pothole case as resident through the engine.
func (w *world) open(t *testing.T, where string) adapters.Case {
	t.Helper()
	c, err := w.engine.Open(context.Background(), workflow.OpenParams{Type: "pothole", Actor: workflow.ActorOf(resident),
		Data: json.RawMessage(fmt.Sprintf(`{"location": %q}`, where))})
	require.NoError(t, err)
	return c
}

// caseNow reads a case from the store.
func (w *world) caseNow(t *testing.T, id string) adapters.Case {
	t.Helper()
	c, err := w.store.GetCase(context.Background(), id)
	require.NoError(t, err)
	return c
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// hidden returns the hidden inputs of a drawn page, as a browser posts
// them back.
func hidden(t *testing.T, page string) url.Values {
	t.Helper()
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		v.Add(m[1], htmlUnescape(m[2]))
	}
	return v
}

// htmlUnescape undoes html/template's escaping of an attribute value.
func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&#43;", "+").Replace(s)
}

// problem decodes an application/problem+json answer.
func problem(t *testing.T, w *httptest.ResponseRecorder) forms.Problem {
	t.Helper()
	require.Equal(t, "application/problem+json", w.Header().Get("Content-Type"), w.Body.String())
	var p forms.Problem
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
	return p
}
