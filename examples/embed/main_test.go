package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/sqlite"
	"github.com/civickit/civickit/identity/devprovider"
)

// service is the example running on test ports: the app, its
// development provider, and a second connection to its database that
// the tests read cases through.
type service struct {
	app   *httptest.Server
	dev   *devprovider.Server
	store *sqlite.Store
}

func start(t *testing.T) *service {
	t.Helper()
	dev, err := devprovider.Start("127.0.0.1:0", nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = dev.Close(context.Background()) })
	var (
		mu sync.Mutex
		h  http.Handler = http.NotFoundHandler()
	)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hh := h
		mu.Unlock()
		hh.ServeHTTP(w, r)
	}))
	t.Cleanup(app.Close)
	db := filepath.Join(t.TempDir(), "embed.db")
	built := newApp(context.Background(), db, app.URL, dev.Issuer())
	mu.Lock()
	h = built
	mu.Unlock()
	store, err := sqlite.Open(context.Background(), db, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	return &service{app: app, dev: dev, store: store}
}

// browser is a client with its own cookie jar, like one person's browser.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &http.Client{Jar: jar}
}

// noFollow is c answering redirects instead of following them.
func noFollow(c *http.Client) *http.Client {
	return &http.Client{Jar: c.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func read(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

func (s *service) get(t *testing.T, c *http.Client, path, acceptLanguage string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.app.URL+path, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "text/html")
	if acceptLanguage != "" {
		req.Header.Set("Accept-Language", acceptLanguage)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	return resp, read(t, resp)
}

func (s *service) post(t *testing.T, c *http.Client, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.app.URL+path, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	resp, err := c.Do(req)
	require.NoError(t, err)
	return resp, read(t, resp)
}

func (s *service) postJSON(t *testing.T, c *http.Client, path, body, key string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.app.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	return resp, read(t, resp)
}

// cases lists every case in the database.
func (s *service) cases(t *testing.T) []adapters.Case {
	t.Helper()
	page, err := s.store.ListCases(context.Background(), adapters.CaseQuery{Limit: adapters.MaxPageSize})
	require.NoError(t, err)
	return page.Cases
}

// signIn signs c in as a demo account, the way a person does: the queue
// sends them to the provider's page, where they choose the account.
func (s *service) signIn(t *testing.T, c *http.Client, account string) (*http.Response, string) {
	t.Helper()
	resp, body := s.get(t, c, "/queue/", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.True(t, strings.HasPrefix(resp.Request.URL.String(), s.dev.Issuer()+"/login"), "the queue sends a stranger to the provider: %s", resp.Request.URL)
	id := resp.Request.URL.Query().Get("id")
	require.NotEmpty(t, id)
	resp, err := c.PostForm(s.dev.Issuer()+"/login", url.Values{"id": {id}, "account": {account}})
	require.NoError(t, err)
	body = read(t, resp)
	require.True(t, strings.HasPrefix(resp.Request.URL.String(), s.app.URL+"/queue/"), "back at the queue after signing in: %s", resp.Request.URL)
	return resp, body
}

var keyInput = regexp.MustCompile(`name="_key" value="([^"]+)"`)

// pageKey is the idempotency key of a drawn form.
func pageKey(t *testing.T, page string) string {
	t.Helper()
	m := keyInput.FindStringSubmatch(page)
	require.Len(t, m, 2, "the form carries an idempotency key")
	return m[1]
}

func TestFormInEnglishAndSpanish(t *testing.T) {
	s := start(t)
	c := browser(t)

	resp, en := s.get(t, c, "/", "en-US,en;q=0.9")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, en, `<html lang="en" dir="ltr">`)
	assert.Contains(t, en, "<title>Report a broken streetlight – City of Riverside</title>")
	assert.Contains(t, en, `<label class="usa-label" for="f-location">Where is the streetlight?`)
	assert.Contains(t, en, `href="/assets/uswds-3.14.0/css/uswds.min.css"`)
	assert.Contains(t, en, `<a class="usa-link" href="?lang=es" lang="es" hreflang="es">Español</a>`)
	assert.Contains(t, en, `<a class="usa-skipnav" href="#main-content">`)

	for name, get := range map[string]func() (*http.Response, string){
		"Accept-Language": func() (*http.Response, string) { return s.get(t, c, "/", "es-MX,es;q=0.9") },
		"lang parameter":  func() (*http.Response, string) { return s.get(t, c, "/?lang=es", "en") },
	} {
		resp, es := get()
		require.Equal(t, http.StatusOK, resp.StatusCode, name)
		assert.Contains(t, es, `<html lang="es" dir="ltr">`, name)
		assert.Contains(t, es, "<title>Reportar una farola rota – City of Riverside</title>", name)
		assert.Contains(t, es, "¿Dónde está la farola?", name)
		assert.Contains(t, es, `<button class="usa-button" type="submit">Enviar</button>`, name)
		assert.Contains(t, es, `hreflang="en">English</a>`, name)
		assert.NotContains(t, es, "Where is the streetlight?", name)
	}

	// the stylesheet the page links is served
	resp, css := s.get(t, c, "/assets/uswds-3.14.0/css/uswds.min.css", "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, css, ".usa-button")
}

func TestInvalidPostKeepsWhatWasEntered(t *testing.T) {
	s := start(t)
	c := browser(t)
	_, page := s.get(t, c, "/", "en")
	key := pageKey(t, page)

	resp, body := s.post(t, c, "/", url.Values{"location": {"   "}, "details": {`Flickers <b>all</b> night & day`}, "_key": {key}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, body, "<title>Error: Report a broken streetlight – City of Riverside</title>")
	assert.Contains(t, body, `<li><a href="#f-location">Enter where the streetlight is.</a></li>`)
	assert.Contains(t, body, `id="f-location"`, "the summary's link leads to the field")
	assert.Contains(t, body, `>Flickers &lt;b&gt;all&lt;/b&gt; night &amp; day</textarea>`, "the answer is kept, escaped")
	assert.Contains(t, body, `name="_key" value="`+key+`"`, "the page keeps its key")

	resp, body = s.post(t, c, "/?lang=es", url.Values{"location": {strings.Repeat("x", 201)}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, body, `<html lang="es" dir="ltr">`)
	assert.Contains(t, body, "Dónde está la farola debe tener como máximo 200 caracteres.")
	assert.Contains(t, body, `action="/?lang=es"`)
	assert.Contains(t, body, `value="`+strings.Repeat("x", 201)+`"`)

	assert.Empty(t, s.cases(t), "no case from a refused post")
}

func TestValidPostsOpenOneCaseEach(t *testing.T) {
	s := start(t)
	c := browser(t)
	_, page := s.get(t, c, "/", "en")
	key := pageKey(t, page)

	form := url.Values{"location": {" 12 Elm Street "}, "details": {"Out since Tuesday"}, "_key": {key}}
	resp, body := s.post(t, c, "/", form)
	require.Equal(t, http.StatusCreated, resp.StatusCode, body)
	assert.Contains(t, body, "Report received")
	cases := s.cases(t)
	require.Len(t, cases, 1)
	assert.Contains(t, body, `<strong class="text-mono">`+cases[0].ID+`</strong>`, "the resident gets the case reference")
	assert.Equal(t, "reported", cases[0].State)
	assert.JSONEq(t, `{"location": "12 Elm Street", "details": "Out since Tuesday"}`, string(cases[0].Data))

	// a reload or a second click posts the same key: the same case
	resp, again := s.post(t, c, "/", form)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Contains(t, again, cases[0].ID)
	assert.Len(t, s.cases(t), 1, "posting the same page twice opens one case")

	resp, body = s.postJSON(t, c, "/", `{"location": "Corner of Oak and 3rd"}`, "retry-1")
	require.Equal(t, http.StatusCreated, resp.StatusCode, body)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var opened struct{ ID, State string }
	require.NoError(t, json.Unmarshal([]byte(body), &opened))
	assert.Equal(t, "reported", opened.State)
	resp, body = s.postJSON(t, c, "/", `{"location": "Corner of Oak and 3rd"}`, "retry-1")
	require.Equal(t, http.StatusCreated, resp.StatusCode, body)
	assert.Contains(t, body, opened.ID, "a retried JSON post returns the first case")
	assert.Len(t, s.cases(t), 2, "one case per post, retries included")

	resp, body = s.postJSON(t, c, "/", `{"details": "no location"}`, "")
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
	assert.Contains(t, body, `"name":"location"`)
	assert.Len(t, s.cases(t), 2)
}

func TestStaffWorkTheQueue(t *testing.T) {
	s := start(t)
	resident := browser(t)
	for _, where := range []string{"Elm Street", "Oak Avenue"} {
		resp, body := s.postJSON(t, resident, "/", `{"location": "`+where+`"}`, "")
		require.Equal(t, http.StatusCreated, resp.StatusCode, body)
	}

	staff := browser(t)
	resp, _ := s.get(t, noFollow(staff), "/queue/", "")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "the queue asks for a sign-in")

	resp, queue := s.signIn(t, staff, "staff")
	require.Equal(t, http.StatusOK, resp.StatusCode, queue)
	assert.Contains(t, queue, "<title>Work queue – City of Riverside</title>")
	cases := s.cases(t)
	require.Len(t, cases, 2)
	for _, c := range cases {
		assert.Contains(t, queue, `action="/queue/`+c.ID+`/start"`, "each case offers the action staff may take")
	}
	assert.Contains(t, queue, `<input type="hidden" name="version" value="1">`)
	assert.Contains(t, queue, ">Start repair</button>")
	assert.Contains(t, queue, "<td data-label=\"State\">Reported</td>")
	assert.NotContains(t, queue, "Mark fixed", "an action not possible in the state is not offered")

	id := cases[0].ID
	resp, body := s.post(t, noFollow(staff), "/queue/"+id+"/start", url.Values{"version": {"1"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	assert.Equal(t, "/queue/", resp.Header.Get("Location"))
	c, err := s.store.GetCase(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, "repairing", c.State)
	assert.EqualValues(t, 2, c.Version)

	_, queue = s.get(t, staff, "/queue/", "")
	assert.Contains(t, queue, `action="/queue/`+id+`/finish"`)
	assert.Contains(t, queue, "Being repaired")

	// a colleague's page still shows version 1: refused, nothing written
	resp, body = s.post(t, staff, "/queue/"+id+"/finish", url.Values{"version": {"1"}})
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, body, "The record was changed by someone else")
	assert.Contains(t, body, `href="/queue/"`, "the error page leads back to the queue")
	c, err = s.store.GetCase(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, "repairing", c.State)

	resp, body = s.post(t, noFollow(staff), "/queue/"+id+"/finish", url.Values{"version": {"2"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	c, err = s.store.GetCase(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, "fixed", c.State)
}

func TestResidentCannotActFromTheQueue(t *testing.T) {
	s := start(t)
	resident := browser(t)
	resp, body := s.postJSON(t, resident, "/", `{"location": "Elm Street"}`, "")
	require.Equal(t, http.StatusCreated, resp.StatusCode, body)
	id := s.cases(t)[0].ID

	// a resident account signs in, but holds no staff role
	resp, body = s.signIn(t, resident, "resident-low")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "the queue is for staff only")
	assert.NotContains(t, body, id, "a resident sees no one's cases")

	resp, body = s.post(t, resident, "/queue/"+id+"/start", url.Values{"version": {"1"}})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	req, err := http.NewRequest(http.MethodPost, s.app.URL+"/queue/"+id+"/start", strings.NewReader("version=1"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err = resident.Do(req)
	require.NoError(t, err)
	body = read(t, resp)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Contains(t, body, `"code":"role-missing"`)
	c, err := s.store.GetCase(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, "reported", c.State, "nothing was fired")
}

// TestMainIsOneShortFile keeps the example what README promises: one
// gofmt'd file of at most 60 lines that are neither blank nor comments.
func TestMainIsOneShortFile(t *testing.T) {
	f, err := os.Open("main.go")
	require.NoError(t, err)
	defer f.Close()
	code := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "//") {
			code++
		}
	}
	require.NoError(t, sc.Err())
	assert.LessOrEqual(t, code, 60)
	assert.Greater(t, code, 20, "the count reads the real file")
}

// TestREADMEShowsTheWholeFile keeps README's "Embed it" section in step
// with the program.
func TestREADMEShowsTheWholeFile(t *testing.T) {
	src, err := os.ReadFile("main.go")
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	assert.Contains(t, string(readme), "## Embed it")
	assert.Contains(t, string(readme), "```go\n"+string(src)+"```", "README shows examples/embed/main.go whole")
}
