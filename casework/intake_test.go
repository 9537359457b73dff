package casework_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/casework"
	"github.com/civickit/civickit/workflow"
)

// french is a complete extra language for the configs.
var french = casework.Text{Tag: "fr", Received: "Demande reçue", Reference: "Votre référence est",
	Queue: "File de travail", Case: "Dossier", State: "État", Opened: "Ouvert", Due: "Échéance", Actions: "Actions",
	Empty: "Aucun dossier.", Next: "Page suivante", None: "Aucune", BackToQueue: "Retour à la file",
	Files: "Fichiers", File: "Fichier", FileType: "Type", FileSize: "Taille", FileStatus: "État",
	NoFiles: "Ce dossier n’a aucun fichier.", Scanning: "En attente de l’analyse antivirus",
	Removed: "Supprimé : l’analyse antivirus a refusé ce fichier", Download: "Télécharger", View: "Voir",
	Copy: "Copie de la demande (PDF)"}

func TestNewIntakeRefusesBadConfigs(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ok := casework.IntakeConfig{Form: w.report, Engine: w.engine, Pages: w.pages, Type: "pothole"}
	noReceived := french
	noReceived.Received = ""
	tests := []struct {
		name   string
		change func(*casework.IntakeConfig)
		want   []string
	}{
		{name: "no form", change: func(c *casework.IntakeConfig) { c.Form = nil }, want: []string{"Form is required"}},
		{name: "no engine", change: func(c *casework.IntakeConfig) { c.Engine = nil }, want: []string{"Engine is required"}},
		{name: "no pages", change: func(c *casework.IntakeConfig) { c.Pages = nil }, want: []string{"Pages is required"}},
		{name: "unknown type", change: func(c *casework.IntakeConfig) { c.Type = "graffiti" },
			want: []string{`case type "graffiti" has no registered workflow`}},
		{name: "no type", change: func(c *casework.IntakeConfig) { c.Type = "" }, want: []string{`case type "" has no registered workflow`}},
		{name: "bad language", change: func(c *casework.IntakeConfig) { c.Languages = []string{"en", "not a tag!"} },
			want: []string{`language "not a tag!" is not a BCP 47 tag`}},
		{name: "text with an empty field", change: func(c *casework.IntakeConfig) { c.Texts = []casework.Text{noReceived} },
			want: []string{`text "fr": Received is empty`}},
		{name: "text with a bad tag", change: func(c *casework.IntakeConfig) {
			bad := french
			bad.Tag = "??"
			c.Texts = []casework.Text{bad}
		}, want: []string{`text "??": tag is not BCP 47`}},
		{name: "every problem at once", change: func(c *casework.IntakeConfig) {
			*c = casework.IntakeConfig{Languages: []string{"!"}, Texts: []casework.Text{noReceived}}
		}, want: []string{"Form is required", "Pages is required", "Engine is required", `language "!"`, "Received is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := ok
			tt.change(&cfg)
			h, err := casework.NewIntake(cfg)
			require.Error(t, err)
			assert.Nil(t, h)
			for _, s := range tt.want {
				assert.Contains(t, err.Error(), s)
			}
			assert.Len(t, strings.Split(err.Error(), "\n"), len(tt.want), "one line per problem: %v", err)
		})
	}
	h, err := casework.NewIntake(ok)
	require.NoError(t, err)
	assert.NotNil(t, h)
}

// intake returns the pothole intake, offered in English and Spanish.
func (w *world) intake(t *testing.T) http.Handler {
	t.Helper()
	h, err := casework.NewIntake(casework.IntakeConfig{Form: w.report, Engine: w.engine, Pages: w.pages, Type: "pothole",
		Languages: []string{"en", "es"}})
	require.NoError(t, err)
	return h
}

func TestIntakeDrawsTheForm(t *testing.T) {
	t.Parallel()
	h := newWorld(t).intake(t)

	r := get(h, "/report")
	require.Equal(t, http.StatusOK, r.Code)
	body := r.Body.String()
	assert.True(t, strings.HasPrefix(body, "<!doctype html>\n<html lang=\"en\" dir=\"ltr\">"), "a whole page: %.60s", body)
	assert.True(t, strings.HasSuffix(body, "</html>\n"), "a whole page")
	assert.Equal(t, "text/html; charset=utf-8", r.Header().Get("Content-Type"))
	assert.Equal(t, "no-store", r.Header().Get("Cache-Control"))
	assert.Equal(t, "nosniff", r.Header().Get("X-Content-Type-Options"))
	assert.Contains(t, body, "<title>Report a pothole – City of Testville</title>")
	assert.Contains(t, body, `<form class="usa-form usa-form--large" method="post" action="/report" novalidate lang="en">`)
	assert.Contains(t, body, "Where is the pothole?")
	assert.NotContains(t, body, "_step", "a one-page form has no step marker")

	k1 := hidden(t, body).Get("_key")
	k2 := hidden(t, get(h, "/report").Body.String()).Get("_key")
	assert.NotEmpty(t, k1, "the page carries an idempotency key")
	assert.NotEmpty(t, k2)
	assert.NotEqual(t, k1, k2, "each page drawn gets its own key")

	r = do(h, request{method: http.MethodHead, target: "/report"})
	assert.Equal(t, http.StatusOK, r.Code)
	assert.Equal(t, "text/html; charset=utf-8", r.Header().Get("Content-Type"))

	for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch} {
		r = do(h, request{method: m, target: "/report"})
		assert.Equal(t, http.StatusMethodNotAllowed, r.Code, m)
		assert.Equal(t, "GET, HEAD, POST", r.Header().Get("Allow"), m)
	}
}

func TestIntakeLanguages(t *testing.T) {
	t.Parallel()
	h := newWorld(t).intake(t)
	english := `<a class="usa-link" href="?lang=en" lang="en" hreflang="en">English</a>`
	spanish := `<a class="usa-link" href="?lang=es" lang="es" hreflang="es">Español</a>`
	tests := []struct {
		name, target, acceptLanguage string
		lang, title, action          string
		link, noLink                 string
	}{
		{name: "english by default", target: "/report", lang: "en", title: "Report a pothole", action: "/report", link: spanish, noLink: english},
		{name: "spanish by Accept-Language", target: "/report", acceptLanguage: "es-MX,es;q=0.9", lang: "es", title: "Reportar un bache",
			action: "/report", link: english, noLink: spanish},
		{name: "lang parameter before Accept-Language", target: "/report?lang=es", acceptLanguage: "en-US", lang: "es",
			title: "Reportar un bache", action: "/report?lang=es", link: english, noLink: spanish},
		{name: "lang parameter english", target: "/report?lang=en", acceptLanguage: "es", lang: "en", title: "Report a pothole",
			action: "/report?lang=en", link: spanish, noLink: english},
		// the page falls back to English for a language it is not in, and
		// so offers Spanish only
		{name: "unoffered language shows english", target: "/report", acceptLanguage: "fr", lang: "en", title: "Report a pothole",
			action: "/report", link: spanish, noLink: english},
		{name: "second choice spanish", target: "/report", acceptLanguage: "fr, es;q=0.8", lang: "es", title: "Reportar un bache",
			action: "/report", link: english, noLink: spanish},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hd := map[string]string{"Accept": "text/html"}
			if tt.acceptLanguage != "" {
				hd["Accept-Language"] = tt.acceptLanguage
			}
			r := do(h, request{method: http.MethodGet, target: tt.target, header: hd})
			require.Equal(t, http.StatusOK, r.Code)
			body := r.Body.String()
			assert.Contains(t, body, `<html lang="`+tt.lang+`" dir="ltr">`)
			assert.Contains(t, body, "<title>"+tt.title+" – City of Testville</title>")
			assert.Contains(t, body, `action="`+tt.action+`"`, "the form posts back to the page, language kept")
			assert.Contains(t, body, tt.link, "the other language is offered")
			assert.NotContains(t, body, tt.noLink, "the page's own language is not")
		})
	}
}

func TestIntakeRefusedHTMLPostKeepsWhatWasEntered(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.intake(t)
	key := hidden(t, get(h, "/report").Body.String()).Get("_key")

	r := postForm(h, "/report", url.Values{"location": {"x"}, "details": {`Deep <b>hole</b> & "wide"`}, "_key": {key}})
	require.Equal(t, http.StatusUnprocessableEntity, r.Code)
	body := r.Body.String()
	assert.True(t, strings.HasPrefix(body, "<!doctype html>"), "the form again as a whole page")
	assert.Contains(t, body, "<title>Error: Report a pothole – City of Testville</title>")
	assert.Contains(t, body, `<a href="#f-location">`, "the summary links to the field")
	assert.Contains(t, body, `aria-invalid="true"`)
	assert.Contains(t, body, `value="x"`, "the refused value is kept")
	assert.Contains(t, body, `>Deep &lt;b&gt;hole&lt;/b&gt; &amp; &#34;wide&#34;</textarea>`, "the other answer is kept, escaped")
	assert.Equal(t, key, hidden(t, body).Get("_key"), "the page keeps its key")

	// a post without a key (an old page) gets one
	r = postForm(h, "/report?lang=es", url.Values{"location": {""}})
	require.Equal(t, http.StatusUnprocessableEntity, r.Code)
	assert.Contains(t, r.Body.String(), `<html lang="es" dir="ltr">`)
	assert.Contains(t, r.Body.String(), `action="/report?lang=es"`)
	assert.NotEmpty(t, hidden(t, r.Body.String()).Get("_key"))

	assert.Empty(t, w.cases(t), "no case from a refused post")
}

func TestIntakeRefusedJSONPostIsAProblem(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.intake(t)
	r := postJSON(h, "/report", `{"details": "no location"}`, "k-1")
	require.Equal(t, http.StatusUnprocessableEntity, r.Code)
	p := problem(t, r)
	assert.Equal(t, "validation", p.Code)
	require.Len(t, p.InvalidParams, 1)
	assert.Equal(t, "location", p.InvalidParams[0].Name)

	r = postJSON(h, "/report", `{"location": `, "")
	assert.Equal(t, http.StatusBadRequest, r.Code)
	assert.Equal(t, "bad-request", problem(t, r).Code)
	assert.Empty(t, w.cases(t))
}

func TestIntakeOpensACase(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := as(resident, w.intake(t))
	page := get(h, "/report?lang=es").Body.String()
	form := hidden(t, page)
	form.Set("location", "  12 Elm Street ")
	form.Set("details", "Deep")

	r := postForm(h, "/report?lang=es", form)
	require.Equal(t, http.StatusCreated, r.Code, r.Body.String())
	body := r.Body.String()
	cases := w.cases(t)
	require.Len(t, cases, 1)
	c := cases[0]
	assert.True(t, strings.HasPrefix(body, "<!doctype html>\n<html lang=\"es\" dir=\"ltr\">"), "%.60s", body)
	assert.Contains(t, body, "<title>Solicitud recibida – City of Testville</title>")
	assert.Contains(t, body, "Reportar un bache")
	assert.Contains(t, body, `Su número de referencia es <strong class="text-mono">`+c.ID+`</strong>`)
	assert.Equal(t, "no-store", r.Header().Get("Cache-Control"))
	assert.Equal(t, "es", r.Header().Get("Content-Language"))

	assert.Equal(t, "pothole", c.Type)
	assert.Equal(t, "reported", c.State)
	assert.Equal(t, "web", c.Channel)
	assert.Equal(t, resident.Subject, c.Submitter, "the submitter is the signed-in person")
	assert.Equal(t, resident.Issuer, c.SubmitterIssuer)
	assert.JSONEq(t, `{"location": "12 Elm Street", "details": "Deep"}`, string(c.Data), "the clean values")

	subs, err := w.store.ListSubmissions(context.Background(), c.ID)
	require.NoError(t, err)
	require.Len(t, subs, 1, "the submission is stored with the case")
	s := subs[0]
	assert.Equal(t, "pothole", s.FormID)
	assert.Equal(t, 3, s.FormVersion, "pinned to the form version")
	assert.Equal(t, w.report.Hash(), s.FormHash)
	assert.Equal(t, resident.Subject, s.Submitter)
	assert.Equal(t, resident.Issuer, s.SubmitterIssuer)
	assert.JSONEq(t, string(c.Data), string(s.Data))

	// the same page posted again (a reload, a double click): the same case
	r = postForm(h, "/report?lang=es", form)
	require.Equal(t, http.StatusCreated, r.Code, r.Body.String())
	assert.Contains(t, r.Body.String(), c.ID)
	assert.Len(t, w.cases(t), 1, "one case for one page")

	// its key with other answers is another request
	form.Set("details", "Deeper")
	r = postForm(h, "/report?lang=es", form)
	assert.Equal(t, http.StatusConflict, r.Code)
	assert.Contains(t, r.Body.String(), "<title>Error: Esto ya se envió – City of Testville</title>")
	assert.Len(t, w.cases(t), 1)
	assert.JSONEq(t, string(c.Data), string(w.caseNow(t, c.ID).Data), "the first answers stand")

	// a page of its own opens a case of its own
	form.Set("_key", hidden(t, get(h, "/report").Body.String()).Get("_key"))
	r = postForm(h, "/report", form)
	require.Equal(t, http.StatusCreated, r.Code)
	assert.Len(t, w.cases(t), 2)
}

func TestIntakeJSONPostOpensOneCasePerKey(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := as(resident, w.intake(t))
	type opened struct {
		ID, Type, State string
		Version         int64
		CreatedAt       string
	}
	read := func(body []byte) opened {
		var o opened
		require.NoError(t, json.Unmarshal(body, &o))
		return o
	}

	r := postJSON(h, "/report", `{"location": "Oak and 3rd"}`, "retry-1")
	require.Equal(t, http.StatusCreated, r.Code, r.Body.String())
	assert.Equal(t, "application/json", r.Header().Get("Content-Type"))
	assert.Equal(t, "no-store", r.Header().Get("Cache-Control"))
	first := read(r.Body.Bytes())
	assert.NotEmpty(t, first.ID)
	assert.Equal(t, "pothole", first.Type)
	assert.Equal(t, "reported", first.State)
	assert.EqualValues(t, 1, first.Version)
	assert.Equal(t, "2026-03-02T09:01:00Z", first.CreatedAt)

	r = postJSON(h, "/report", `{"location": "Oak and 3rd"}`, "retry-1")
	require.Equal(t, http.StatusCreated, r.Code, r.Body.String())
	assert.Equal(t, first, read(r.Body.Bytes()), "a retry answers the first case")
	assert.Len(t, w.cases(t), 1)

	r = postJSON(h, "/report", `{"location": "Elm and 4th"}`, "retry-1")
	assert.Equal(t, http.StatusConflict, r.Code)
	assert.Equal(t, "duplicate", problem(t, r).Code, "a key reused for other data is ErrDuplicate")
	assert.Len(t, w.cases(t), 1)

	// without an Idempotency-Key nothing ties two posts together
	for range 2 {
		r = postJSON(h, "/report", `{"location": "Oak and 3rd"}`, "")
		require.Equal(t, http.StatusCreated, r.Code, r.Body.String())
	}
	assert.Len(t, w.cases(t), 3, "without a key each post opens a case")

	// a key that cannot be one is ignored rather than trusted
	r = postJSON(h, "/report", `{"location": "Oak and 3rd"}`, strings.Repeat("k", 129))
	require.Equal(t, http.StatusCreated, r.Code, r.Body.String())
	assert.Len(t, w.cases(t), 4)
}

func TestIntakeRefusesUnreadablePosts(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := w.intake(t)
	big := url.Values{"location": {strings.Repeat("x", 9<<10)}}.Encode()
	tests := []struct {
		name   string
		req    request
		status int
		code   string
	}{
		{name: "text/plain", req: request{method: http.MethodPost, target: "/report", body: "location=Elm",
			header: map[string]string{"Content-Type": "text/plain", "Accept": "application/json"}}, status: http.StatusUnsupportedMediaType, code: "unsupported-media-type"},
		{name: "no content type", req: request{method: http.MethodPost, target: "/report", body: "location=Elm",
			header: map[string]string{"Accept": "application/json"}}, status: http.StatusUnsupportedMediaType, code: "unsupported-media-type"},
		{name: "unknown step", req: request{method: http.MethodPost, target: "/report", body: "_step=nope&location=Elm+Street",
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}}, status: http.StatusBadRequest, code: "bad-request"},
		{name: "form post too large", req: request{method: http.MethodPost, target: "/report", body: big,
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}}, status: http.StatusRequestEntityTooLarge, code: "too-large"},
		{name: "JSON too large", req: request{method: http.MethodPost, target: "/report", body: `{"location": "` + strings.Repeat("x", 9<<10) + `"}`,
			header: map[string]string{"Content-Type": "application/json"}}, status: http.StatusRequestEntityTooLarge, code: "too-large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(h, tt.req)
			assert.Equal(t, tt.status, r.Code)
			assert.Equal(t, tt.code, problem(t, r).Code)
		})
	}
	t.Run("browser gets a page", func(t *testing.T) {
		r := do(h, request{method: http.MethodPost, target: "/report", body: big,
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}})
		assert.Equal(t, http.StatusRequestEntityTooLarge, r.Code)
		// a body too large is a refused submission: 413 under the
		// validation title, the reason as its detail
		assert.Contains(t, r.Body.String(), "<title>Error: Your submission has problems – City of Testville</title>")
		assert.Contains(t, r.Body.String(), "The submission is too large.")
		assert.Contains(t, r.Body.String(), `<a class="usa-link" href="/report">Report a pothole</a>`, "a way back to the form")
	})
	assert.Empty(t, w.cases(t))
}

func TestIntakeRefusesCrossOriginPosts(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := as(resident, w.intake(t))
	form := url.Values{"location": {"12 Elm Street"}}.Encode()
	for name, hd := range map[string]map[string]string{
		"fetch metadata": {"Sec-Fetch-Site": "cross-site"},
		"origin":         {"Origin": "https://evil.example"},
	} {
		hd["Content-Type"] = "application/x-www-form-urlencoded"
		r := do(h, request{method: http.MethodPost, target: "/report", body: form, header: hd})
		assert.Equal(t, http.StatusForbidden, r.Code, name)
	}
	assert.Empty(t, w.cases(t), "no case from another site")

	// the same site, and clients that are not browsers, may post
	r := do(h, request{method: http.MethodPost, target: "/report", body: form, header: map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "Origin": "http://city.example"}})
	assert.Equal(t, http.StatusCreated, r.Code)
	r = postJSON(h, "/report", `{"location": "12 Elm Street"}`, "")
	assert.Equal(t, http.StatusCreated, r.Code)
	assert.Len(t, w.cases(t), 2)
}

func TestIntakeWalksTheSteps(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	intake, err := casework.NewIntake(casework.IntakeConfig{Form: w.permit, Engine: w.engine, Pages: w.pages, Type: "fence"})
	require.NoError(t, err)
	h := as(resident, intake)

	page := get(h, "/fence").Body.String()
	assert.Contains(t, page, "<title>About you – Fence permit – City of Testville</title>", "the first step first")
	assert.Contains(t, page, "Step 1 of 2")
	assert.NotContains(t, page, `name="height"`)
	form := hidden(t, page)
	assert.Equal(t, "who", form.Get("_step"))
	key := form.Get("_key")
	require.NotEmpty(t, key)

	form.Set("name", "A")
	r := postForm(h, "/fence", form)
	require.Equal(t, http.StatusUnprocessableEntity, r.Code)
	assert.Contains(t, r.Body.String(), "<title>Error: About you – Fence permit – City of Testville</title>", "the step again")
	assert.Equal(t, key, hidden(t, r.Body.String()).Get("_key"))

	form.Set("name", "Ana")
	r = postForm(h, "/fence", form)
	require.Equal(t, http.StatusOK, r.Code, "a valid step draws the next")
	page = r.Body.String()
	assert.Contains(t, page, "<title>The fence – Fence permit – City of Testville</title>")
	assert.Contains(t, page, "Step 2 of 2")
	form = hidden(t, page)
	assert.Equal(t, "what", form.Get("_step"))
	assert.Equal(t, "Ana", form.Get("name"), "the first step's answers are carried")
	assert.Equal(t, key, form.Get("_key"), "the key follows the steps")
	assert.Empty(t, w.cases(t), "no case before the last step")

	form.Set("height", "9")
	r = postForm(h, "/fence", form)
	require.Equal(t, http.StatusUnprocessableEntity, r.Code)
	assert.Contains(t, r.Body.String(), "<title>Error: The fence – Fence permit – City of Testville</title>")

	form.Set("height", "2")
	r = postForm(h, "/fence", form)
	require.Equal(t, http.StatusCreated, r.Code, r.Body.String())
	cases := w.cases(t)
	require.Len(t, cases, 1)
	c := cases[0]
	assert.Contains(t, r.Body.String(), c.ID)
	assert.Equal(t, "fence", c.Type)
	assert.Equal(t, "submitted", c.State)
	assert.Equal(t, resident.Subject, c.Submitter)
	assert.JSONEq(t, `{"name": "Ana", "height": 2}`, string(c.Data))
	subs, err := w.store.ListSubmissions(context.Background(), c.ID)
	require.NoError(t, err)
	require.Len(t, subs, 1)
	assert.Equal(t, "fence", subs[0].FormID)
	assert.Equal(t, 2, subs[0].FormVersion)

	r = postForm(h, "/fence", form)
	require.Equal(t, http.StatusCreated, r.Code, "the last step posted twice")
	assert.Len(t, w.cases(t), 1)
}

func TestIntakeWhoSubmits(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	report := w.intake(t)

	r := postJSON(report, "/report", `{"location": "12 Elm Street"}`, "")
	require.Equal(t, http.StatusCreated, r.Code, r.Body.String())
	c := w.cases(t)[0]
	assert.Empty(t, c.Submitter, "an anonymous post opens an anonymous case")
	assert.Empty(t, c.SubmitterIssuer)

	// the fence workflow wants a signed-in resident (assurance 1)
	fence, err := casework.NewIntake(casework.IntakeConfig{Form: w.permit, Engine: w.engine, Pages: w.pages, Type: "fence"})
	require.NoError(t, err)
	r = postJSON(fence, "/fence", `{"name": "Ana", "height": 2}`, "")
	assert.Equal(t, http.StatusForbidden, r.Code)
	assert.Equal(t, string(workflow.DeniedAssurance), problem(t, r).Code)
	assert.Len(t, w.cases(t), 1)

	// a sign-in of one's own
	custom, err := casework.NewIntake(casework.IntakeConfig{Form: w.permit, Engine: w.engine, Pages: w.pages, Type: "fence",
		Actor: func(r *http.Request) workflow.Actor {
			return workflow.Actor{Issuer: "kiosk", Subject: r.Header.Get("X-Kiosk-User"), Assurance: workflow.AssuranceLow}
		}})
	require.NoError(t, err)
	r = do(custom, request{method: http.MethodPost, target: "/fence", body: `{"name": "Ana", "height": 2}`,
		header: map[string]string{"Content-Type": "application/json", "X-Kiosk-User": "k-7"}})
	require.Equal(t, http.StatusCreated, r.Code, r.Body.String())
	var opened struct{ ID string }
	require.NoError(t, json.Unmarshal(r.Body.Bytes(), &opened))
	c = w.caseNow(t, opened.ID)
	assert.Equal(t, "k-7", c.Submitter)
	assert.Equal(t, "kiosk", c.SubmitterIssuer)
}

// TestIntakeStepPostAcceptingJSON covers a form post from a step page by
// a client that asks for JSON: a valid step, which has no error to
// answer with, drew a nil problem and panicked.
func TestIntakeStepPostAcceptingJSON(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	intake, err := casework.NewIntake(casework.IntakeConfig{Form: w.permit, Engine: w.engine, Pages: w.pages, Type: "fence"})
	require.NoError(t, err)
	h := as(resident, intake)
	send := func(form url.Values) *httptest.ResponseRecorder {
		return do(h, request{method: http.MethodPost, target: "/fence", body: form.Encode(), header: map[string]string{
			"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}})
	}

	r := send(url.Values{"_step": {"who"}, "_key": {"K-1"}, "name": {"A"}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Code)
	assert.Equal(t, "validation", problem(t, r).Code, "a refused step is a problem")

	r = send(url.Values{"_step": {"who"}, "_key": {"K-1"}, "name": {"Ana"}})
	require.Equal(t, http.StatusOK, r.Code, "a valid step draws the next")
	form := hidden(t, r.Body.String())
	assert.Equal(t, "what", form.Get("_step"))
	assert.Equal(t, "K-1", form.Get("_key"), "the page's key, not a new one")

	form.Set("height", "2")
	for range 2 {
		r = send(form)
		require.Equal(t, http.StatusCreated, r.Code, r.Body.String())
		assert.Equal(t, "application/json", r.Header().Get("Content-Type"))
	}
	assert.Len(t, w.cases(t), 1, "the page's key holds for a client asking for JSON")
}
