package forms

import (
	"bytes"
	"errors"
	"html/template"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
)

// receipt is content of a document of one's own, written with
// html/template as RenderDocument asks.
var receipt = template.Must(template.New("receipt").Parse(`<h1>{{.Title}}</h1>
<p>{{.Ref}}</p>`))

// writeReceipt returns a body writing receipt with title and ref.
func writeReceipt(title, ref string) func(io.Writer) error {
	return func(w io.Writer) error {
		return receipt.Execute(w, struct{ Title, Ref string }{title, ref})
	}
}

func renderDocument(t *testing.T, r *Renderer, d Document, body func(io.Writer) error) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, r.RenderDocument(&buf, d, body))
	return buf.String()
}

func TestRenderDocumentShell(t *testing.T) {
	t.Parallel()
	city, err := NewRenderer(&RenderConfig{Site: citySite()})
	require.NoError(t, err)
	withArabic, err := NewRenderer(&RenderConfig{Site: Site{Name: "City of Springfield"}, Languages: []Language{arabic}})
	require.NoError(t, err)
	bare, err := NewRenderer(nil)
	require.NoError(t, err)
	es, en := LanguageLink{Href: "?lang=es", Lang: "es", Text: "Español"}, LanguageLink{Href: "?lang=en", Lang: "en", Text: "English"}
	tests := []struct {
		name      string
		r         *Renderer
		doc       Document
		lang, dir string
		title     string
		contains  []string
		absent    []string
	}{
		{name: "english with the city's shell", r: city, doc: Document{Lang: "en", Title: "Report received"}, lang: "en", dir: "ltr",
			title: "Report received – City of Springfield",
			contains: []string{`<a class="usa-skipnav" href="#main-content">Skip to main content</a>`, `<img src="/logo.svg"`,
				`<link rel="stylesheet" href="/static/uswds-3.14.0/css/uswds.min.css">`, `<footer class="usa-footer usa-footer--slim">`},
			absent: []string{"rtl.css", ">Back</a>"}},
		{name: "spanish shell texts for a regional tag", r: city, doc: Document{Lang: "es-MX", Title: "Solicitud recibida", BackURL: "/p"},
			lang: "es-MX", dir: "ltr", title: "Solicitud recibida – City of Springfield",
			contains: []string{"Saltar al contenido principal", `<a class="usa-link" href="/p">Volver</a>`},
			absent:   []string{"Skip to main content"}},
		{name: "an error page's title", r: city, doc: Document{Lang: "en", Title: "Not found", Errors: true}, lang: "en", dir: "ltr",
			title: "Error: Not found – City of Springfield"},
		{name: "a spanish error page's title", r: city, doc: Document{Lang: "es", Title: "No encontrado", Errors: true}, lang: "es", dir: "ltr",
			title: "Error: No encontrado – City of Springfield"},
		{name: "arabic is right to left with its stylesheet", r: bare, doc: Document{Lang: "ar", Title: "تم الاستلام"}, lang: "ar", dir: "rtl",
			title: "تم الاستلام",
			contains: []string{`<link rel="stylesheet" href="/assets/uswds-3.14.0/css/uswds.min.css">
<link rel="stylesheet" href="/assets/civickit/rtl.css">`, "Skip to main content"}},
		{name: "a configured language's shell texts", r: withArabic, doc: Document{Lang: "ar-EG", Title: "غير موجود", Errors: true},
			lang: "ar-EG", dir: "rtl", title: "خطأ: غير موجود – City of Springfield", contains: []string{"انتقل إلى المحتوى الرئيسي"}},
		{name: "a language without texts has english shell texts", r: bare, doc: Document{Lang: "fr", Title: "Reçu"}, lang: "fr", dir: "ltr",
			title: "Reçu", contains: []string{"Skip to main content"}},
		{name: "links to the other languages only", r: city, doc: Document{Lang: "es", Title: "Recibido", Languages: []LanguageLink{en, es}},
			lang: "es", dir: "ltr", title: "Recibido – City of Springfield",
			contains: []string{`<a class="usa-link" href="?lang=en" lang="en" hreflang="en">English</a>`}, absent: []string{"Español"}},
		{name: "a script is a language of its own", r: city, doc: Document{Lang: "zh-Hant", Title: "收到", Languages: []LanguageLink{
			{Href: "?lang=zh-Hans", Lang: "zh-Hans", Text: "简体中文"}, {Href: "?lang=zh-Hant", Lang: "zh-Hant", Text: "繁體中文"}}},
			lang: "zh-Hant", dir: "ltr", title: "收到 – City of Springfield", contains: []string{"简体中文"}, absent: []string{"繁體中文"}},
		{name: "title and links are escaped", r: city, doc: Document{Lang: "en", Title: `<script>alert(1)</script>`, BackURL: "javascript:alert(1)"},
			lang: "en", dir: "ltr", title: "&lt;script&gt;alert(1)&lt;/script&gt; – City of Springfield",
			contains: []string{`href="#ZgotmplZ"`}, absent: []string{"<script>", "javascript:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := renderDocument(t, tt.r, tt.doc, writeReceipt("Thanks <b>", "A-1"))
			assert.True(t, strings.HasPrefix(out, "<!doctype html>\n<html lang=\""+tt.lang+"\" dir=\""+tt.dir+"\">"), "%.60s", out)
			assert.True(t, strings.HasSuffix(out, "</body>\n</html>\n"), "a whole document")
			assert.Contains(t, out, "<title>"+tt.title+"</title>")
			main := out[strings.Index(out, `<main id="main-content"`):strings.Index(out, "</main>")]
			assert.Contains(t, main, "\n<h1>Thanks &lt;b&gt;</h1>\n<p>A-1</p>\n", "the content goes inside main")
			assert.Equal(t, 1, strings.Count(out, "<h1>"))
			for _, s := range tt.contains {
				assert.Contains(t, out, s)
			}
			for _, s := range tt.absent {
				assert.NotContains(t, out, s)
			}
		})
	}
}

// TestRenderDocumentIsRenderPagesShell checks the promise that the two
// share the shell byte for byte: a document around Render's form is the
// page RenderPage draws.
func TestRenderDocumentIsRenderPagesShell(t *testing.T) {
	t.Parallel()
	permit := loadPermit(t)
	r, err := NewRenderer(&RenderConfig{Site: citySite()})
	require.NoError(t, err)
	_, verr := permit.ValidateStep(t.Context(), "applicant", map[string]any{"applicantType": "business"}, "es")
	var ve *ValidationError
	require.ErrorAs(t, verr, &ve)
	links := []LanguageLink{{Href: "?lang=en", Lang: "en", Text: "English"}}
	tests := []struct {
		name string
		page Page
		doc  Document
	}{
		{name: "whole form", page: Page{Form: permit, Locale: "en", Action: "/permit"},
			doc: Document{Lang: "en", Title: "Building permit"}},
		{name: "spanish step with errors, back link and languages",
			page: Page{Form: permit, Step: "applicant", Locale: "es-MX", Errors: ve, BackURL: "/back", Languages: links, Hidden: map[string]string{"_key": "k"}},
			doc:  Document{Lang: "es", Title: "Sus datos – Permiso de construcción", Errors: true, BackURL: "/back", Languages: links}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			page := renderPage(t, r, tt.page)
			doc := renderDocument(t, r, tt.doc, func(w io.Writer) error { return r.Render(w, tt.page) })
			assert.Equal(t, page, doc)
		})
	}
}

func TestRenderDocumentWritesNothingOnFailure(t *testing.T) {
	t.Parallel()
	r, err := NewRenderer(&RenderConfig{Site: citySite()})
	require.NoError(t, err)
	boom := errors.New("boom")

	var buf bytes.Buffer
	err = r.RenderDocument(&buf, Document{Lang: "en", Title: "T"}, func(w io.Writer) error {
		_, _ = io.WriteString(w, "<p>half")
		return boom
	})
	require.ErrorIs(t, err, boom, "the body's error is returned, wrapped")
	assert.Zero(t, buf.Len(), "nothing is written when the body fails")

	for _, tag := range []string{"", "not a tag!", "x"} {
		called := false
		err = r.RenderDocument(&buf, Document{Lang: tag, Title: "T"}, func(io.Writer) error { called = true; return nil })
		require.ErrorIs(t, err, adapters.ErrInvalidArgument, "lang %q", tag)
		assert.Contains(t, err.Error(), "is not a BCP 47 tag")
		assert.False(t, called, "no body is drawn for a bad lang %q", tag)
		assert.Zero(t, buf.Len())
	}

	// the renderer stays usable after a failure (the pooled buffer is reset)
	out := renderDocument(t, r, Document{Lang: "en", Title: "After"}, writeReceipt("Fine", "B-2"))
	assert.NotContains(t, out, "half")
	assert.Equal(t, 1, strings.Count(out, "<!doctype html>"))
}

func TestRenderPageLeavesOutItsOwnLanguage(t *testing.T) {
	t.Parallel()
	permit := loadPermit(t)
	english := loadForm(t, "pothole.json", englishOnly)
	r, err := NewRenderer(&RenderConfig{Site: citySite()})
	require.NoError(t, err)
	links := []LanguageLink{{Href: "?lang=en", Lang: "en", Text: "English"}, {Href: "?lang=es", Lang: "es", Text: "Español"}}
	tests := []struct {
		name         string
		form         *Form
		locale       string
		shown, gone  string
		pageLanguage string
	}{
		{name: "english page", form: permit, locale: "en-US", shown: "Español", gone: "English", pageLanguage: "en"},
		{name: "spanish page", form: permit, locale: "es-MX", shown: "English", gone: "Español", pageLanguage: "es"},
		{name: "spanish second choice", form: permit, locale: "fr, es;q=0.8", shown: "English", gone: "Español", pageLanguage: "es"},
		{name: "language the page is not in", form: permit, locale: "fr", shown: "Español", gone: "English", pageLanguage: "en"},
		// a form without Spanish text is drawn in English when Spanish is
		// asked for: its English link is the page itself
		{name: "form without spanish", form: english, locale: "es", shown: "Español", gone: "English", pageLanguage: "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := renderPage(t, r, Page{Form: tt.form, Locale: tt.locale, Languages: links})
			assert.Contains(t, out, `<html lang="`+tt.pageLanguage+`"`)
			assert.Contains(t, out, ">"+tt.shown+"</a>")
			assert.NotContains(t, out, ">"+tt.gone+"</a>")
		})
	}
	assert.Len(t, links, 2, "the caller's list is left as it was")
	assert.Equal(t, "English", links[0].Text)
}

func TestPostHidden(t *testing.T) {
	t.Parallel()
	permit := loadPermit(t)
	pothole := loadForm(t, "pothole.json", englishOnly)
	tests := []struct {
		name string
		form *Form
		vals url.Values
		want map[string]string
	}{
		{name: "valid post keeps its hidden inputs", form: pothole,
			vals: url.Values{"where": {"Elm"}, "_csrf": {"tok"}, "_key": {"K1"}}, want: map[string]string{"_csrf": "tok", "_key": "K1"}},
		{name: "refused post keeps them too", form: pothole,
			vals: url.Values{"where": {""}, "_csrf": {"tok"}, "_key": {"K1"}}, want: map[string]string{"_csrf": "tok", "_key": "K1"}},
		{name: "the first of repeated values", form: pothole,
			vals: url.Values{"where": {"Elm"}, "_key": {"first", "second"}}, want: map[string]string{"_key": "first"}},
		{name: "the step marker", form: permit,
			vals: url.Values{"_step": {"applicant"}, "_key": {"K2"}, "applicantType": {"resident"}}, want: map[string]string{"_step": "applicant", "_key": "K2"}},
		{name: "none", form: pothole, vals: url.Values{"where": {"Elm"}}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := tt.form.ReadPost(formRequest(tt.vals), "en")
			require.NoError(t, err)
			assert.Equal(t, tt.want, p.Hidden)
			assert.NotContains(t, p.Values, "_key", "hidden inputs are not values")
			assert.NotContains(t, p.Values, "_csrf")
		})
	}

	p, err := pothole.ReadPost(jsonRequest(`{"where": "Elm"}`), "en")
	require.NoError(t, err)
	assert.Nil(t, p.Hidden, "a JSON post has no hidden inputs")
	assert.True(t, p.Complete())
}
