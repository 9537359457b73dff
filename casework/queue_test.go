package casework_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/casework"
	"github.com/civickit/civickit/identity"
	"github.com/civickit/civickit/workflow"
)

func TestNewQueueRefusesBadConfigs(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ok := casework.QueueConfig{Engine: w.engine, Pages: w.pages, Path: "/queue/", Roles: []string{"staff"}}
	noEmpty := french
	noEmpty.Empty = ""
	tests := []struct {
		name   string
		change func(*casework.QueueConfig)
		want   []string
	}{
		{name: "no engine", change: func(c *casework.QueueConfig) { c.Engine = nil }, want: []string{"Engine is required"}},
		{name: "no pages", change: func(c *casework.QueueConfig) { c.Pages = nil }, want: []string{"Pages is required"}},
		{name: "no path", change: func(c *casework.QueueConfig) { c.Path = "" }, want: []string{`Path "" must start and end with /`}},
		{name: "no leading slash", change: func(c *casework.QueueConfig) { c.Path = "queue/" }, want: []string{`Path "queue/" must start and end with /`}},
		{name: "no trailing slash", change: func(c *casework.QueueConfig) { c.Path = "/queue" }, want: []string{`Path "/queue" must start and end with /`}},
		{name: "no roles", change: func(c *casework.QueueConfig) { c.Roles = nil }, want: []string{"Roles must name at least one role"}},
		{name: "an empty role", change: func(c *casework.QueueConfig) { c.Roles = []string{"staff", ""} }, want: []string{"none empty"}},
		{name: "a bad query", change: func(c *casework.QueueConfig) { c.Query.Limit = adapters.MaxPageSize + 1 }, want: []string{"Query:"}},
		{name: "text with an empty field", change: func(c *casework.QueueConfig) { c.Texts = []casework.Text{noEmpty} },
			want: []string{`text "fr": Empty is empty`}},
		{name: "every problem at once", change: func(c *casework.QueueConfig) {
			*c = casework.QueueConfig{Path: "queue", Texts: []casework.Text{noEmpty}}
		}, want: []string{"Engine is required", "Pages is required", `Path "queue"`, "Roles must name", "Empty is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := ok
			tt.change(&cfg)
			h, err := casework.NewQueue(cfg)
			require.Error(t, err)
			assert.Nil(t, h)
			for _, s := range tt.want {
				assert.Contains(t, err.Error(), s)
			}
			assert.Len(t, strings.Split(err.Error(), "\n"), len(tt.want), "one line per problem: %v", err)
		})
	}
	h, err := casework.NewQueue(ok)
	require.NoError(t, err)
	assert.NotNil(t, h)
}

// queue returns the pothole queue at /queue/ for staff and supervisors.
func (w *world) queue(t *testing.T, limit int) http.Handler {
	t.Helper()
	h, err := casework.NewQueue(casework.QueueConfig{Engine: w.engine, Pages: w.pages, Path: "/queue/",
		Roles: []string{"staff", "supervisor"}, Query: adapters.CaseQuery{Type: "pothole", Limit: limit}, Texts: []casework.Text{french}})
	require.NoError(t, err)
	return h
}

// getJSON is an API client's GET.
func getJSON(h http.Handler, target string) *httptest.ResponseRecorder {
	return do(h, request{method: http.MethodGet, target: target, header: map[string]string{"Accept": "application/json"}})
}

func TestQueueIsForStaffOnly(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.open(t, "12 Elm Street")
	q := w.queue(t, 0)
	action := "/queue/" + c.ID + "/inspect"
	tests := []struct {
		name   string
		who    *identity.Principal
		status int
		code   string
	}{
		{name: "nobody signed in", who: nil, status: http.StatusUnauthorized, code: "unauthenticated"},
		{name: "a person without a subject", who: &identity.Principal{Issuer: "x", Roles: []string{"staff"}}, status: http.StatusUnauthorized, code: "unauthenticated"},
		{name: "a resident", who: resident, status: http.StatusForbidden, code: "role-missing"},
		{name: "a role the queue does not name", who: &identity.Principal{Issuer: "x", Subject: "y", Roles: []string{"clerk"}}, status: http.StatusForbidden, code: "role-missing"},
	}
	// the group returns once every refusal is answered
	t.Run("refused", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				h := as(tt.who, q)
				r := getJSON(h, "/queue/")
				assert.Equal(t, tt.status, r.Code)
				assert.Equal(t, tt.code, problem(t, r).Code)
				assert.NotContains(t, r.Body.String(), c.ID, "no cases for them")

				r = get(h, "/queue/")
				assert.Equal(t, tt.status, r.Code)
				assert.Contains(t, r.Body.String(), "<title>Error: ")
				assert.NotContains(t, r.Body.String(), c.ID)

				r = postForm(h, action, url.Values{"version": {"1"}})
				assert.Equal(t, tt.status, r.Code)
				r = do(h, request{method: http.MethodPost, target: action, body: "version=1", header: map[string]string{
					"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}})
				assert.Equal(t, tt.status, r.Code)
				assert.Equal(t, tt.code, problem(t, r).Code)
			})
		}
	})
	assert.Equal(t, "reported", w.caseNow(t, c.ID).State, "nothing was fired")
}

var (
	actionForm = regexp.MustCompile(`<form method="post" action="([^"]+)" class="display-inline-block margin-right-1">\n<input type="hidden" name="version" value="(\d+)">\n<button type="submit" class="usa-button usa-button--outline">([^<]*)</button>`)
	nextLink   = regexp.MustCompile(`<a class="usa-link" href="([^"]+)">(Next page|Página siguiente)</a>`)
)

// buttons returns the queue page's action buttons: action URL, version
// and title.
func buttons(page string) [][3]string {
	var out [][3]string
	for _, m := range actionForm.FindAllStringSubmatch(page, -1) {
		out = append(out, [3]string{htmlUnescape(m[1]), m[2], m[3]})
	}
	return out
}

func TestQueueListsCasesWithTheirActions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	q := as(staff, w.queue(t, 0))

	r := get(q, "/queue/")
	require.Equal(t, http.StatusOK, r.Code)
	assert.Contains(t, r.Body.String(), "<title>Work queue – City of Testville</title>")
	assert.Contains(t, r.Body.String(), "<p>There are no cases in this queue.</p>")
	assert.NotContains(t, r.Body.String(), "<table")
	assert.Equal(t, "no-store", r.Header().Get("Cache-Control"))

	a := w.open(t, "12 Elm Street")
	b := w.open(t, "3 Oak Avenue")
	_, err := w.engine.Fire(t.Context(), workflow.FireParams{CaseID: b.ID, Trigger: "inspect", Actor: workflow.ActorOf(staff), ExpectedVersion: 1})
	require.NoError(t, err)
	other, err := casework.NewIntake(casework.IntakeConfig{Form: w.permit, Engine: w.engine, Pages: w.pages, Type: "fence"})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, postJSON(as(resident, other), "/fence", `{"name": "Ana", "height": 2}`, "").Code)

	r = get(q, "/queue/")
	require.Equal(t, http.StatusOK, r.Code)
	page := r.Body.String()
	assert.True(t, strings.HasPrefix(page, "<!doctype html>\n<html lang=\"en\" dir=\"ltr\">"))
	assert.Contains(t, page, `<th scope="col">Case</th><th scope="col">State</th><th scope="col">Opened</th><th scope="col">Due</th><th scope="col">Actions</th>`)
	assert.Contains(t, page, `<span class="text-mono">`+a.ID+`</span>`)
	assert.Contains(t, page, `<span class="text-mono">`+b.ID+`</span>`)
	assert.Less(t, strings.Index(page, a.ID), strings.Index(page, b.ID), "oldest first")
	assert.Equal(t, 2, strings.Count(page, `<th scope="row"`), "only the query's case type")
	assert.Contains(t, page, `<td data-label="State">Reported</td>`, "state titles from the workflow")
	assert.Contains(t, page, `<td data-label="State">Being inspected</td>`)
	assert.Contains(t, page, `<time datetime="2026-03-02T09:01:00Z">2026-03-02 09:01 UTC</time>`)
	assert.Equal(t, [][3]string{
		{"/queue/" + a.ID + "/inspect", "1", "Start inspection"},
		{"/queue/" + b.ID + "/close", "2", "Close"},
	}, buttons(page), "only the actions staff may take now, each with the version shown")
	assert.NotContains(t, page, "Escalate", "an action needing another role is not offered")
	assert.NotContains(t, page, "Certify", "nor one needing a stronger sign-in")

	// a supervisor may escalate too
	page = get(as(supervisor, w.queue(t, 0)), "/queue/").Body.String()
	assert.Equal(t, [][3]string{
		{"/queue/" + a.ID + "/inspect", "1", "Start inspection"},
		{"/queue/" + a.ID + "/escalate", "1", "Escalate"},
		{"/queue/" + b.ID + "/escalate", "2", "Escalate"},
		{"/queue/" + b.ID + "/certify", "2", "Certify"},
		{"/queue/" + b.ID + "/close", "2", "Close"},
	}, buttons(page))

	// a case with nothing for the reader says so
	_, err = w.engine.Fire(t.Context(), workflow.FireParams{CaseID: a.ID, Trigger: "escalate", Actor: workflow.ActorOf(supervisor)})
	require.NoError(t, err)
	_, err = w.engine.Fire(t.Context(), workflow.FireParams{CaseID: b.ID, Trigger: "close", Actor: workflow.ActorOf(staff)})
	require.NoError(t, err)
	page = get(q, "/queue/").Body.String()
	assert.Equal(t, [][3]string{{"/queue/" + a.ID + "/close", "2", "Close"}}, buttons(page))
	assert.Contains(t, page, "None for you now")
}

func TestQueueJSON(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.open(t, "12 Elm Street")
	r := getJSON(as(staff, w.queue(t, 0)), "/queue/")
	require.Equal(t, http.StatusOK, r.Code)
	assert.Equal(t, "application/json", r.Header().Get("Content-Type"))
	assert.Equal(t, "no-store", r.Header().Get("Cache-Control"))
	assert.JSONEq(t, `{"items": [{"id": "`+c.ID+`", "type": "pothole", "state": "reported", "version": 1, "createdAt": "2026-03-02T09:01:00Z",
		"actions": [
			{"trigger": "inspect", "title": "Start inspection", "allowed": true},
			{"trigger": "escalate", "title": "Escalate", "allowed": false, "denied": "role-missing"}]}]}`, r.Body.String(),
		"the actions the state offers, allowed or not; not those of other states")

	w2 := newWorld(t)
	r = getJSON(as(staff, w2.queue(t, 0)), "/queue/")
	require.Equal(t, http.StatusOK, r.Code)
	assert.JSONEq(t, `{"items": []}`, r.Body.String(), "an empty queue is an empty list")
}

func TestQueuePages(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	var ids []string
	for _, where := range []string{"a", "b", "c", "d", "e"} {
		ids = append(ids, w.open(t, where+" street").ID)
	}
	q := as(staff, w.queue(t, 2))

	var seen []string
	target := "/queue/?lang=es"
	for page := 1; ; page++ {
		require.LessOrEqual(t, page, 3, "five cases fill three pages of two")
		r := get(q, target)
		require.Equal(t, http.StatusOK, r.Code, target)
		body := r.Body.String()
		assert.Contains(t, body, "<title>Cola de trabajo – City of Testville</title>", "the language follows the pages")
		rows := 0
		for _, id := range ids {
			if strings.Contains(body, `<span class="text-mono">`+id+`</span>`) {
				seen = append(seen, id)
				rows++
			}
		}
		assert.LessOrEqual(t, rows, 2)
		m := nextLink.FindStringSubmatch(body)
		if page == 3 {
			assert.Nil(t, m, "no next link on the last page")
			break
		}
		require.NotNil(t, m, "page %d links to the next", page)
		assert.Equal(t, "Página siguiente", m[2])
		target = htmlUnescape(m[1])
		u, err := url.Parse(target)
		require.NoError(t, err)
		assert.Equal(t, "/queue/", u.Path)
		assert.Equal(t, "es", u.Query().Get("lang"))
		assert.NotEmpty(t, u.Query().Get("cursor"))
	}
	assert.Equal(t, ids, seen, "every case once, in order")

	// JSON pages carry the cursor
	r := getJSON(q, "/queue/")
	var out struct {
		Items      []struct{ ID string }
		NextCursor string
	}
	require.NoError(t, json.Unmarshal(r.Body.Bytes(), &out))
	require.Len(t, out.Items, 2)
	require.NotEmpty(t, out.NextCursor)
	r = getJSON(q, "/queue/?cursor="+url.QueryEscape(out.NextCursor))
	require.NoError(t, json.Unmarshal(r.Body.Bytes(), &out))
	require.Len(t, out.Items, 2)
	assert.Equal(t, ids[2], out.Items[0].ID)

	for name, cursor := range map[string]string{"garbage": "not-a-cursor", "too long": strings.Repeat("x", 600)} {
		r = getJSON(q, "/queue/?cursor="+cursor)
		assert.Equal(t, http.StatusBadRequest, r.Code, name)
		assert.Equal(t, "bad-request", problem(t, r).Code, name)
	}
}

// post is a staff member's action post from the queue page.
func post(h http.Handler, target, version string) *httptest.ResponseRecorder {
	return postForm(h, target, url.Values{"version": {version}})
}

func TestQueueAction(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.open(t, "12 Elm Street")
	q := as(staff, w.queue(t, 0))

	r := post(q, "/queue/"+c.ID+"/inspect", "1")
	require.Equal(t, http.StatusSeeOther, r.Code, r.Body.String())
	assert.Equal(t, "/queue/", r.Header().Get("Location"))
	now := w.caseNow(t, c.ID)
	assert.Equal(t, "inspecting", now.State)
	assert.EqualValues(t, 2, now.Version)
	events, err := w.engine.History(t.Context(), c.ID)
	require.NoError(t, err)
	require.Len(t, events, 2)
	assert.Equal(t, staff.Subject, events[1].Actor, "fired as the signed-in person")

	// a page still showing version 1: refused, nothing written
	r = post(q, "/queue/"+c.ID+"/close", "1")
	assert.Equal(t, http.StatusConflict, r.Code)
	assert.Contains(t, r.Body.String(), "<title>Error: The record was changed by someone else – City of Testville</title>")
	assert.Contains(t, r.Body.String(), `<a class="usa-link" href="/queue/">Back to the work queue</a>`)
	assert.Equal(t, now, w.caseNow(t, c.ID))

	r = post(q, "/queue/"+c.ID+"/close?lang=es", "2")
	require.Equal(t, http.StatusSeeOther, r.Code, r.Body.String())
	assert.Equal(t, "/queue/?lang=es", r.Header().Get("Location"), "back to the queue in the same language")
	assert.Equal(t, "closed", w.caseNow(t, c.ID).State)

	// an API client gets the case
	d := w.open(t, "3 Oak Avenue")
	r = do(q, request{method: http.MethodPost, target: "/queue/" + d.ID + "/inspect", body: "version=1", header: map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}})
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.JSONEq(t, `{"id": "`+d.ID+`", "state": "inspecting", "version": 2}`, r.Body.String())
}

func TestQueueRefusedActions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.open(t, "12 Elm Street")
	q := as(staff, w.queue(t, 0))
	fence, err := w.engine.Open(t.Context(), workflow.OpenParams{Type: "fence", Actor: workflow.ActorOf(resident),
		Data: json.RawMessage(`{"name": "Ana", "height": 2}`)})
	require.NoError(t, err)
	form := "application/x-www-form-urlencoded"
	tests := []struct {
		name   string
		req    request
		status int
		code   string
	}{
		{name: "stale version", req: request{target: "/queue/" + c.ID + "/inspect", body: "version=2"}, status: http.StatusConflict, code: "conflict"},
		{name: "no version", req: request{target: "/queue/" + c.ID + "/inspect", body: ""}, status: http.StatusBadRequest, code: "bad-request"},
		{name: "garbage version", req: request{target: "/queue/" + c.ID + "/inspect", body: "version=one"}, status: http.StatusBadRequest, code: "bad-request"},
		{name: "version zero", req: request{target: "/queue/" + c.ID + "/inspect", body: "version=0"}, status: http.StatusBadRequest, code: "bad-request"},
		{name: "negative version", req: request{target: "/queue/" + c.ID + "/inspect", body: "version=-1"}, status: http.StatusBadRequest, code: "bad-request"},
		{name: "version in the query only", req: request{target: "/queue/" + c.ID + "/inspect?version=1", body: ""}, status: http.StatusBadRequest, code: "bad-request"},
		{name: "version as JSON", req: request{target: "/queue/" + c.ID + "/inspect", body: `{"version": 1}`,
			header: map[string]string{"Content-Type": "application/json"}}, status: http.StatusBadRequest, code: "bad-request"},
		{name: "unknown case", req: request{target: "/queue/nope/inspect", body: "version=1"}, status: http.StatusNotFound, code: "not-found"},
		{name: "unknown trigger", req: request{target: "/queue/" + c.ID + "/demolish", body: "version=1"}, status: http.StatusBadRequest, code: "bad-request"},
		{name: "extra segments", req: request{target: "/queue/" + c.ID + "/inspect/now", body: "version=1"}, status: http.StatusNotFound, code: "not-found"},
		{name: "no trigger", req: request{target: "/queue/" + c.ID + "/", body: "version=1"}, status: http.StatusNotFound, code: "not-found"},
		{name: "case id only", req: request{target: "/queue/" + c.ID, body: "version=1"}, status: http.StatusNotFound, code: "not-found"},
		{name: "no case id", req: request{target: "/queue//inspect", body: "version=1"}, status: http.StatusNotFound, code: "not-found"},
		{name: "another role's action", req: request{target: "/queue/" + c.ID + "/escalate", body: "version=1"}, status: http.StatusForbidden, code: "role-missing"},
		{name: "not in this state", req: request{target: "/queue/" + c.ID + "/close", body: "version=1"}, status: http.StatusForbidden, code: "not-permitted-in-state"},
		{name: "another workflow's role", req: request{target: "/queue/" + fence.ID + "/grant", body: "version=1"}, status: http.StatusForbidden, code: "role-missing"},
		{name: "too large", req: request{target: "/queue/" + c.ID + "/inspect", body: "version=1&pad=" + strings.Repeat("x", casework.MaxActionBytes)},
			status: http.StatusRequestEntityTooLarge, code: "too-large"},
		{name: "bad form encoding", req: request{target: "/queue/" + c.ID + "/inspect", body: "version=%zz"}, status: http.StatusBadRequest, code: "bad-request"},
	}
	// the group returns once every refusal is answered
	t.Run("refused", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				hd := map[string]string{"Content-Type": form, "Accept": "application/json"}
				for k, v := range tt.req.header {
					hd[k] = v
				}
				req := tt.req
				req.method, req.header = http.MethodPost, hd
				r := do(q, req)
				assert.Equal(t, tt.status, r.Code, r.Body.String())
				assert.Equal(t, tt.code, problem(t, r).Code)

				if hd["Content-Type"] == "application/json" {
					return // a client that sends JSON is answered in JSON
				}
				// the same refusal as a page
				req.header = map[string]string{"Content-Type": hd["Content-Type"], "Accept": "text/html"}
				r = do(q, req)
				assert.Equal(t, tt.status, r.Code)
				assert.Contains(t, r.Body.String(), "<title>Error: ")
				assert.Contains(t, r.Body.String(), `href="/queue/">Back to the work queue</a>`)
			})
		}
	})
	assert.Equal(t, "reported", w.caseNow(t, c.ID).State, "nothing was fired")
	assert.EqualValues(t, 1, w.caseNow(t, c.ID).Version)
	assert.EqualValues(t, 1, w.caseNow(t, fence.ID).Version)
}

func TestQueueWorkflowGuardsStillApply(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.open(t, "12 Elm Street")
	_, err := w.engine.Fire(t.Context(), workflow.FireParams{CaseID: c.ID, Trigger: "inspect", Actor: workflow.ActorOf(staff)})
	require.NoError(t, err)

	// certifying needs a substantial sign-in; staff signed in low
	r := do(as(staff, w.queue(t, 0)), request{method: http.MethodPost, target: "/queue/" + c.ID + "/certify", body: "version=2",
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}})
	assert.Equal(t, http.StatusForbidden, r.Code)
	assert.Contains(t, r.Body.String(), "<title>Error: You cannot do this – City of Testville</title>")
	assert.Equal(t, "inspecting", w.caseNow(t, c.ID).State)

	r = postForm(as(supervisor, w.queue(t, 0)), "/queue/"+c.ID+"/certify", url.Values{"version": {"2"}})
	assert.Equal(t, http.StatusSeeOther, r.Code)
	assert.Equal(t, "closed", w.caseNow(t, c.ID).State)
}

func TestQueueMethodsAndOrigins(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.open(t, "12 Elm Street")
	q := as(staff, w.queue(t, 0))
	action := "/queue/" + c.ID + "/inspect"

	r := get(q, action)
	assert.Equal(t, http.StatusMethodNotAllowed, r.Code, "an action is posted")
	assert.Equal(t, "POST", r.Header().Get("Allow"))
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		r = do(q, request{method: m, target: "/queue/", body: "version=1", header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
		assert.Equal(t, http.StatusMethodNotAllowed, r.Code, m)
		assert.Equal(t, "GET, HEAD", r.Header().Get("Allow"), m)
	}
	r = do(q, request{method: http.MethodHead, target: "/queue/"})
	assert.Equal(t, http.StatusOK, r.Code)

	// a path that is no action is not found, whatever the method
	for _, target := range []string{"/queue/" + c.ID, "/queue/" + c.ID + "/inspect/now", "/queue/" + c.ID + "/", "/queue//inspect"} {
		r = get(q, target)
		assert.Equal(t, http.StatusNotFound, r.Code, target)
		assert.Empty(t, r.Header().Get("Allow"), target)
	}

	// a path outside the queue
	r = get(q, "/elsewhere/")
	assert.Equal(t, http.StatusNotFound, r.Code)

	for name, hd := range map[string]map[string]string{
		"fetch metadata": {"Sec-Fetch-Site": "cross-site"},
		"origin":         {"Origin": "https://evil.example"},
	} {
		hd["Content-Type"] = "application/x-www-form-urlencoded"
		r = do(q, request{method: http.MethodPost, target: action, body: "version=1", header: hd})
		assert.Equal(t, http.StatusForbidden, r.Code, name)
	}
	assert.Equal(t, "reported", w.caseNow(t, c.ID).State, "another site cannot fire an action")
}

func TestQueueLanguages(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.open(t, "12 Elm Street")
	arabic := french
	arabic.Tag, arabic.Queue = "ar", "قائمة العمل"
	h, err := casework.NewQueue(casework.QueueConfig{Engine: w.engine, Pages: w.pages, Path: "/queue/",
		Roles: []string{"staff"}, Texts: []casework.Text{french, arabic}})
	require.NoError(t, err)
	q := as(staff, h)

	page := get(q, "/queue/?lang=es").Body.String()
	assert.Contains(t, page, `<html lang="es" dir="ltr">`)
	assert.Contains(t, page, "<title>Cola de trabajo – City of Testville</title>")
	assert.Contains(t, page, `<th scope="col">Caso</th><th scope="col">Estado</th><th scope="col">Abierto</th><th scope="col">Vence</th><th scope="col">Acciones</th>`)
	assert.Contains(t, page, `<td data-label="Estado">`)
	assert.Equal(t, [][3]string{{"/queue/" + c.ID + "/inspect?lang=es", "1", "Start inspection"}}, buttons(page),
		"the action keeps the language for the page after it")

	r := do(q, request{method: http.MethodGet, target: "/queue/", header: map[string]string{"Accept": "text/html", "Accept-Language": "es-419"}})
	assert.Contains(t, r.Body.String(), "<title>Cola de trabajo – City of Testville</title>")
	assert.Equal(t, "es", r.Header().Get("Content-Language"))

	page = get(q, "/queue/?lang=fr").Body.String()
	assert.Contains(t, page, `<html lang="fr" dir="ltr">`)
	assert.Contains(t, page, "<title>File de travail – City of Testville</title>")
	assert.Contains(t, page, `<th scope="col">Dossier</th>`)

	page = get(q, "/queue/?lang=ar").Body.String()
	assert.Contains(t, page, `<html lang="ar" dir="rtl">`, "a right-to-left language added in Texts")
	assert.Contains(t, page, "civickit/rtl.css")

	page = get(q, "/queue/?lang=de").Body.String()
	assert.Contains(t, page, `<html lang="en" dir="ltr">`, "English for a language without texts")

	r = post(q, "/queue/"+c.ID+"/close?lang=es", "1")
	assert.Equal(t, http.StatusForbidden, r.Code)
	assert.Contains(t, r.Body.String(), "<title>Error: No puede hacer esto – City of Testville</title>")
	assert.Contains(t, r.Body.String(), `<a class="usa-link" href="/queue/?lang=es">Volver a la cola de trabajo</a>`)
}

func TestQueueEscapesWhatItDraws(t *testing.T) {
	t.Parallel()
	flow := strings.Replace(potholeFlow, `"title": "Reported"`, `"title": "Reported <script>alert(1)</script>"`, 1)
	flow = strings.Replace(flow, `"title": "Start inspection"`, `"title": "Inspect <img src=x onerror=alert(1)>"`, 1)
	w := newWorldOn(t, memory.New(), flow)
	c := w.open(t, "12 Elm Street")
	page := get(as(staff, w.queue(t, 0)), "/queue/").Body.String()
	assert.Contains(t, page, `<td data-label="State">Reported &lt;script&gt;alert(1)&lt;/script&gt;</td>`)
	assert.Contains(t, page, `>Inspect &lt;img src=x onerror=alert(1)&gt;</button>`)
	assert.NotContains(t, page, "<script>")
	assert.NotContains(t, page, "<img src=x")
	assert.Contains(t, page, c.ID)

	// a lang parameter is a value, not markup
	page = get(as(staff, w.queue(t, 0)), `/queue/?lang=%22%3E%3Cscript%3E`).Body.String()
	assert.NotContains(t, page, "<script>")
}

func TestQueueShowsDueTimesAndUntitledActions(t *testing.T) {
	t.Parallel()
	flow := strings.Replace(potholeFlow, `{"name": "escalated", "title": "Escalated"}`,
		`{"name": "escalated", "title": "Escalated", "sla": {"due": {"amount": 4, "unit": "hours"}}}`, 1)
	flow = strings.Replace(flow, `"title": "Close", `, "", 1)
	w := newWorldOn(t, memory.New(), flow)
	c := w.open(t, "12 Elm Street")
	res, err := w.engine.Fire(t.Context(), workflow.FireParams{CaseID: c.ID, Trigger: "escalate", Actor: workflow.ActorOf(supervisor)})
	require.NoError(t, err)
	due := res.Case.Due.UTC()
	require.False(t, due.IsZero())
	q := as(staff, w.queue(t, 0))

	page := get(q, "/queue/").Body.String()
	assert.Contains(t, page, `<td data-label="Due"><time datetime="`+due.Format("2006-01-02T15:04:05Z")+`">`+due.Format("2006-01-02 15:04")+` UTC</time></td>`)
	assert.Equal(t, [][3]string{{"/queue/" + c.ID + "/close", "2", "close"}}, buttons(page), "an action without a title shows its trigger")

	var out struct {
		Items []struct {
			Due     *time.Time
			Actions []struct{ Trigger, Title string }
		}
	}
	require.NoError(t, json.Unmarshal(getJSON(q, "/queue/").Body.Bytes(), &out))
	require.Len(t, out.Items, 1)
	require.NotNil(t, out.Items[0].Due)
	assert.True(t, due.Equal(*out.Items[0].Due))
	require.Len(t, out.Items[0].Actions, 1)
	assert.Equal(t, "close", out.Items[0].Actions[0].Trigger)
	assert.Empty(t, out.Items[0].Actions[0].Title)
}

// TestQueueOffersNoButtonForAnActionWithAForm: an action whose transition
// takes a payload form cannot be done by pressing a button, so the queue
// leaves it to a page of the program's own, in HTML; the JSON listing
// still names it.
func TestQueueOffersNoButtonForAnActionWithAForm(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	flow := strings.Replace(potholeFlow, `"to": "inspecting", "roles": ["staff"]}`, `"to": "inspecting", "roles": ["staff"], "form": "inspection"}`, 1)
	require.NotEqual(t, potholeFlow, flow)
	def, err := workflow.ParseDefinition([]byte(flow))
	require.NoError(t, err)
	wf, err := workflow.Compile(def, &workflow.Hooks{Forms: map[string]workflow.PayloadValidator{"inspection": w.report}})
	require.NoError(t, err)
	engine, err := workflow.New(memory.New(), nil)
	require.NoError(t, err)
	require.NoError(t, engine.Register(wf))
	c, err := engine.Open(t.Context(), workflow.OpenParams{Type: "pothole", Data: []byte(`{"location": "12 Elm Street"}`)})
	require.NoError(t, err)
	h, err := casework.NewQueue(casework.QueueConfig{Engine: engine, Pages: w.pages, Path: "/queue/", Roles: []string{"staff"}})
	require.NoError(t, err)

	page := get(as(staff, h), "/queue/").Body.String()
	assert.Contains(t, page, c.ID)
	assert.Empty(t, buttons(page), "no button for an action that needs its form filled in")
	assert.Contains(t, page, "None for you now")
	assert.Contains(t, getJSON(as(staff, h), "/queue/").Body.String(), `"trigger":"inspect"`)
}
