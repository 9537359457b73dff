package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civickit/civickit/forms"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lockedBuffer is an io.Writer tests may read while a server writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newTestServer(t *testing.T) (http.Handler, *lockedBuffer, *lockedBuffer) {
	t.Helper()
	out, logs := &lockedBuffer{}, &lockedBuffer{}
	h, err := newServer(out, slog.New(slog.NewTextHandler(logs, nil)))
	require.NoError(t, err)
	return h, out, logs
}

type response struct {
	status int
	header http.Header
	body   string
}

func get(t *testing.T, h http.Handler, target string, header map[string]string) response {
	t.Helper()
	return do(t, h, httptest.NewRequest(http.MethodGet, target, nil), header)
}

func postForm(t *testing.T, h http.Handler, target string, vals url.Values, header map[string]string) response {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(vals.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, h, r, header)
}

func postJSON(t *testing.T, h http.Handler, body string, header map[string]string) response {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Accept", "application/json")
	return do(t, h, r, header)
}

func do(t *testing.T, h http.Handler, r *http.Request, header map[string]string) response {
	t.Helper()
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return response{status: w.Code, header: w.Header(), body: w.Body.String()}
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)

// carried returns the hidden inputs of a page, as the browser posts them.
func carried(body string) url.Values {
	vals := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		vals.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return vals
}

// next posts a page's hidden inputs plus the answers of its step.
func next(t *testing.T, h http.Handler, page response, answers url.Values) response {
	t.Helper()
	vals := carried(page.body)
	for k, v := range answers {
		vals[k] = v
	}
	return postForm(t, h, "/", vals, nil)
}

var (
	itemsAnswers = url.Values{"items": {"appliance", "mattress"}, "itemCount": {"3"}, "refrigerant": {"true"}}
	whereAnswers = url.Values{"street": {"12 Elm St"}, "postalCode": {"12345"}, "placement": {"curb"}, "refrigerantCount": {"1"}}
	contactAns   = url.Values{"name": {"Ana Ruiz"}, "email": {"ana@example.org"}, "phone": {"555-0100"},
		"notes": {"<b>gate</b> is open"}}
)

func TestFirstStepShowsTheFormsLabels(t *testing.T) {
	t.Parallel()
	h, out, _ := newTestServer(t)
	tests := []struct {
		name   string
		target string
		header map[string]string
		want   []string
	}{
		{name: "English by default", target: "/", want: []string{
			`<html lang="en" dir="ltr">`, "<h1>Request a bulk-item pickup</h1>", "Step 1 of 3", "What to collect",
			`<legend class="usa-legend">Items to collect`, ">Furniture</label>", "Number of items",
			"Items holding refrigerant", `<input type="hidden" name="_step" value="items">`,
			`action="/"`, `href="/?lang=es"`,
		}},
		{name: "Spanish by Accept-Language", target: "/", header: map[string]string{"Accept-Language": "es-MX,es;q=0.9"}, want: []string{
			`<html lang="es" dir="ltr">`, "Solicite la recogida de objetos voluminosos", "Paso 1 de 3", "Objetos que recoger",
			">Muebles</label>", "Número de objetos", `href="/?lang=en"`,
		}},
		{name: "Spanish by query", target: "/?lang=es", header: map[string]string{"Accept-Language": "en"}, want: []string{
			`<html lang="es" dir="ltr">`, "Objetos que recoger", `action="/?lang=es"`,
		}},
		{name: "unsupported language falls back to English", target: "/", header: map[string]string{"Accept-Language": "fr"}, want: []string{
			`<html lang="en" dir="ltr">`, "Items to collect", ">Furniture</label>",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := get(t, h, tt.target, tt.header)
			require.Equal(t, http.StatusOK, res.status)
			assert.Equal(t, "text/html; charset=utf-8", res.header.Get("Content-Type"))
			assert.Contains(t, res.header.Get("Content-Security-Policy"), "default-src 'none'")
			assert.Equal(t, "no-store", res.header.Get("Cache-Control"))
			for _, w := range tt.want {
				assert.Contains(t, res.body, w)
			}
		})
	}
	assert.Empty(t, out.String(), "nothing is submitted by a GET")
}

func TestInvalidStepIsDrawnAgainWithItsErrors(t *testing.T) {
	t.Parallel()
	h, out, _ := newTestServer(t)
	res := postForm(t, h, "/", url.Values{"_step": {"items"}, "items": {"mattress"}, "itemCount": {"12"}}, nil)

	require.Equal(t, http.StatusUnprocessableEntity, res.status)
	for _, w := range []string{
		"<title>Error: What to collect – Request a bulk-item pickup – Springfield Public Works</title>",
		`id="error-summary"`, "There is a problem",
		`<a href="#f-itemCount">The number of items must be 10 or less.</a>`,
		`<a href="#f-refrigerant-0">Select yes if any item holds refrigerant.</a>`,
		`id="f-itemCount" name="itemCount" type="text" inputmode="numeric" value="12" required aria-invalid="true"`,
		`value="mattress" checked`,
		`<input type="hidden" name="_step" value="items">`,
	} {
		assert.Contains(t, res.body, w)
	}
	assert.NotContains(t, res.body, "Street address", "a later step is not drawn")
	assert.Empty(t, out.String())
}

func TestErrorsInSpanish(t *testing.T) {
	t.Parallel()
	h, _, _ := newTestServer(t)
	tests := []struct {
		name   string
		target string
		header map[string]string
	}{
		{name: "Accept-Language", target: "/", header: map[string]string{"Accept-Language": "es"}},
		{name: "lang query", target: "/?lang=es"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := postForm(t, h, tt.target, url.Values{"_step": {"items"}, "itemCount": {"12"}}, tt.header)
			require.Equal(t, http.StatusUnprocessableEntity, res.status)
			assert.Contains(t, res.body, "Hay un problema")
			assert.Contains(t, res.body, "Elija al menos un objeto que recoger.")
			assert.Contains(t, res.body, "El número de objetos debe ser 10 o menos.")
			assert.NotContains(t, res.body, "There is a problem")
		})
	}
}

func TestStepsInOrderSubmitTheValidatedJSON(t *testing.T) {
	t.Parallel()
	h, out, logs := newTestServer(t)

	first := get(t, h, "/", nil)
	require.Equal(t, http.StatusOK, first.status)

	where := next(t, h, first, itemsAnswers)
	require.Equal(t, http.StatusOK, where.status, where.body)
	assert.Contains(t, where.body, "Step 2 of 3")
	assert.Contains(t, where.body, `<input type="hidden" name="itemCount" value="3">`)
	assert.Contains(t, where.body, `id="f-refrigerantCount"`, "refrigerant was answered yes")
	assert.Empty(t, out.String())

	contact := next(t, h, where, whereAnswers)
	require.Equal(t, http.StatusOK, contact.status, contact.body)
	assert.Contains(t, contact.body, "Step 3 of 3")
	assert.Contains(t, contact.body, `type="email" value="" required aria-describedby="f-email-hint" autocomplete="email"`)
	assert.Contains(t, contact.body, `type="tel" value="" autocomplete="tel"`)
	assert.Contains(t, contact.body, `<button class="usa-button" type="submit">Submit</button>`)

	done := next(t, h, contact, contactAns)
	require.Equal(t, http.StatusOK, done.status, done.body)

	assert.JSONEq(t, `{
		"items": ["appliance", "mattress"], "itemCount": 3, "refrigerant": true,
		"street": "12 Elm St", "postalCode": "12345", "placement": "curb", "refrigerantCount": 1,
		"name": "Ana Ruiz", "email": "ana@example.org", "phone": "555-0100", "notes": "<b>gate</b> is open"
	}`, out.String())
	assert.Equal(t, 1, strings.Count(out.String(), "\n"), "one line per submission")

	assert.Contains(t, done.body, "<h1>Request received</h1>")
	for _, w := range []string{
		`&#34;name&#34;: &#34;[redacted:identity]&#34;`,
		`&#34;email&#34;: &#34;[redacted:contact]&#34;`,
		`&#34;phone&#34;: &#34;[redacted:contact]&#34;`,
		`&#34;street&#34;: &#34;[redacted:location]&#34;`,
		`&#34;postalCode&#34;: &#34;12345&#34;`,
		`&lt;b&gt;gate&lt;/b&gt; is open`,
	} {
		assert.Contains(t, done.body, w)
	}
	for _, pii := range []string{"Ana Ruiz", "ana@example.org", "555-0100", "12 Elm St", "<b>gate"} {
		assert.NotContains(t, done.body, pii, "the confirmation shows no personal data and no raw markup")
		assert.NotContains(t, logs.String(), pii, "the log holds no submitted values")
	}
	assert.Contains(t, logs.String(), `msg="submission received" form=bulk-pickup@1#`)
}

func TestConditionalFieldFollowsTheFirstStep(t *testing.T) {
	t.Parallel()
	h, _, _ := newTestServer(t)
	tests := []struct {
		name        string
		refrigerant string
		shown       bool
	}{
		{name: "shown when an item holds refrigerant", refrigerant: "true", shown: true},
		{name: "left off otherwise", refrigerant: "false", shown: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := postForm(t, h, "/", url.Values{"_step": {"items"}, "items": {"furniture"}, "itemCount": {"1"},
				"refrigerant": {tt.refrigerant}}, nil)
			require.Equal(t, http.StatusOK, res.status)
			assert.Equal(t, tt.shown, strings.Contains(res.body, `id="f-refrigerantCount"`))
		})
	}
}

func TestHiddenConditionalValueIsNotSubmitted(t *testing.T) {
	t.Parallel()
	h, out, _ := newTestServer(t)
	vals := url.Values{"_step": {"contact"}}
	for _, part := range []url.Values{itemsAnswers, whereAnswers, contactAns} {
		for k, v := range part {
			vals[k] = v
		}
	}
	vals.Set("refrigerant", "false") // refrigerantCount = 1 is still posted
	res := postForm(t, h, "/", vals, nil)
	require.Equal(t, http.StatusOK, res.status, res.body)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(out.String()), &got))
	assert.NotContains(t, got, "refrigerantCount")
	assert.Equal(t, false, got["refrigerant"])
}

func TestTamperedEarlierAnswerReturnsToItsStep(t *testing.T) {
	t.Parallel()
	h, out, _ := newTestServer(t)
	vals := url.Values{"_step": {"contact"}}
	for _, part := range []url.Values{itemsAnswers, whereAnswers, contactAns} {
		for k, v := range part {
			vals[k] = v
		}
	}
	vals.Set("itemCount", "99")
	res := postForm(t, h, "/", vals, nil)
	require.Equal(t, http.StatusUnprocessableEntity, res.status)
	assert.Contains(t, res.body, `<input type="hidden" name="_step" value="items">`)
	assert.Contains(t, res.body, `<a href="#f-itemCount">The number of items must be 10 or less.</a>`)
	assert.Contains(t, res.body, `<input type="hidden" name="email" value="ana@example.org">`, "later answers are kept")
	assert.Empty(t, out.String())
}

func TestUnreadablePostsAreRefused(t *testing.T) {
	t.Parallel()
	h, out, _ := newTestServer(t)
	tests := []struct {
		name   string
		body   string
		header map[string]string
		status int
		want   string
	}{
		{name: "no step checks the whole form", body: "itemCount=1", status: http.StatusUnprocessableEntity,
			want: `<a href="#f-street">Enter the street address.</a>`},
		{name: "unknown step", body: "_step=payment&itemCount=1", status: http.StatusBadRequest, want: "The form could not be read."},
		{name: "unknown step in Spanish", body: "_step=payment", header: map[string]string{"Accept-Language": "es"},
			status: http.StatusBadRequest, want: `No se pudo leer el formulario. Vuelva a empezar.</p>
<p><a class="usa-link" href="/?lang=es">Solicitar otra recogida</a></p>`},
		{name: "invalid UTF-8", body: "_step=items&itemCount=%ff", status: http.StatusBadRequest, want: "The form could not be read."},
		{name: "too large", body: "_step=items&notes=" + strings.Repeat("a", forms.DefaultMaxBodyBytes),
			status: http.StatusRequestEntityTooLarge, want: "The form could not be read."},
		{name: "cross-site post", body: "_step=items", header: map[string]string{"Sec-Fetch-Site": "cross-site"},
			status: http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res := do(t, h, r, tt.header)
			assert.Equal(t, tt.status, res.status)
			assert.Contains(t, res.body, tt.want)
		})
	}
	assert.Empty(t, out.String())
}

func TestJSONDocumentsGetProblemDetails(t *testing.T) {
	t.Parallel()
	h, out, _ := newTestServer(t)
	tests := []struct {
		name   string
		body   string
		header map[string]string
		status int
		title  string
		params []forms.InvalidParam
	}{
		{
			name: "refused fields", status: http.StatusUnprocessableEntity, title: "Your submission has problems",
			body: `{"items": ["sofa"], "itemCount": 3, "refrigerant": false, "street": "12 Elm St", "postalCode": "12345",
			        "placement": "curb", "name": "Ana Ruiz", "email": "not-an-email", "extra": 1}`,
			params: []forms.InvalidParam{
				{Name: "items", Pointer: "/items/0", Code: "enum", Reason: "Select the items to collect from the options."},
				{Name: "email", Pointer: "/email", Code: "format", Reason: "Enter your email address like name@example.com."},
				{Name: "extra", Pointer: "/extra", Code: "additionalProperties", Reason: "Extra is not a field of this form."},
			},
		},
		{
			name: "required in Spanish", status: http.StatusUnprocessableEntity, title: "Su envío tiene problemas",
			header: map[string]string{"Accept-Language": "es"},
			body: `{"items": ["furniture"], "itemCount": 1, "refrigerant": true, "street": "12 Elm St", "postalCode": "12345",
			        "placement": "curb", "name": "Ana Ruiz", "email": "ana@example.org"}`,
			params: []forms.InvalidParam{
				{Name: "refrigerantCount", Pointer: "/refrigerantCount", Code: "required", Reason: "Indique el número de objetos con refrigerante."},
			},
		},
		{
			name: "duplicate key", status: http.StatusBadRequest, title: "Your submission has problems",
			body:   `{"itemCount": 1, "itemCount": 2}`,
			params: []forms.InvalidParam{{Name: "itemCount", Pointer: "/itemCount", Code: "duplicateKey", Reason: "The submission names Number of items twice."}},
		},
		{
			name: "not JSON", status: http.StatusBadRequest, title: "Your submission has problems",
			body:   `{"itemCount": `,
			params: []forms.InvalidParam{{Code: "syntax", Reason: "The submission could not be read."}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := postJSON(t, h, tt.body, tt.header)
			require.Equal(t, tt.status, res.status, res.body)
			assert.Equal(t, "application/problem+json", res.header.Get("Content-Type"))
			var p forms.Problem
			require.NoError(t, json.Unmarshal([]byte(res.body), &p))
			assert.Equal(t, forms.ProblemTypeValidation, p.Type)
			assert.Equal(t, tt.title, p.Title)
			assert.Equal(t, tt.status, p.Status)
			assert.Equal(t, tt.params, p.InvalidParams)
			var raw map[string]any
			require.NoError(t, json.Unmarshal([]byte(res.body), &raw))
			assert.Contains(t, raw, "invalid-params")
		})
	}
	assert.Empty(t, out.String())
}

func TestJSONDocumentIsSubmitted(t *testing.T) {
	t.Parallel()
	h, out, _ := newTestServer(t)
	doc := `{"items": ["furniture"], "itemCount": 1, "refrigerant": false, "street": "1 Main St",
	         "postalCode": "12345", "placement": "alley", "name": "Bo Li", "email": "bo@example.org"}`
	res := postJSON(t, h, doc, nil)
	require.Equal(t, http.StatusOK, res.status, res.body)
	assert.Equal(t, "application/json", res.header.Get("Content-Type"))
	assert.JSONEq(t, doc, out.String())

	var got struct {
		Form forms.Pin      `json:"form"`
		Data map[string]any `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(res.body), &got))
	assert.Equal(t, "bulk-pickup", got.Form.ID)
	assert.Equal(t, 1, got.Form.Version)
	assert.Equal(t, "[redacted:identity]", got.Data["name"])
	assert.Equal(t, "[redacted:contact]", got.Data["email"])
	assert.Equal(t, "[redacted:location]", got.Data["street"])
	assert.Equal(t, "alley", got.Data["placement"])
}

func TestStylesheetNeedsNoNetwork(t *testing.T) {
	t.Parallel()
	h, _, _ := newTestServer(t)
	page := get(t, h, "/", nil)
	m := regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)">`).FindStringSubmatch(page.body)
	require.NotNil(t, m, "the page links a stylesheet")
	res := get(t, h, m[1], nil)
	require.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, "text/css; charset=utf-8", res.header.Get("Content-Type"))
	assert.Contains(t, res.body, ".usa-error-message")
	font := get(t, h, "/assets/uswds-3.14.0/fonts/source-sans-pro/sourcesanspro-regular-webfont.woff2", nil)
	assert.Equal(t, http.StatusOK, font.status)
	assert.Equal(t, "font/woff2", font.header.Get("Content-Type"))
	assert.Contains(t, page.header.Get("Content-Security-Policy"), "font-src 'self'")
	assert.NotRegexp(t, `(src|href)="https?:`, page.body, "the page loads nothing from the network")
}

func TestRunServesUntilCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &lockedBuffer{}
	logR, logW := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, "127.0.0.1:0", out, logW)
		_ = logW.Close()
	}()

	lines := bufio.NewScanner(logR)
	require.True(t, lines.Scan(), "run logs the address it listens on")
	m := regexp.MustCompile(`msg=listening url=(http://127\.0\.0\.1:\d+/)`).FindStringSubmatch(lines.Text())
	require.NotNil(t, m, lines.Text())
	go func() { _, _ = io.Copy(io.Discard, logR) }()

	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(m[1])
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), "Items to collect")

	cancel()
	select {
	case err := <-errc:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
}

func TestRunReportsAnAddressInUse(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	err := run(t.Context(), strings.TrimPrefix(srv.URL, "http://"), io.Discard, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "address already in use")
}
