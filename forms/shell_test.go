package forms

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// englishOnly is a form with no translated text at all.
const englishOnly = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Report a pothole",
  "x-form": {"id": "pothole", "version": 1},
  "type": "object",
  "required": ["where"],
  "properties": {"where": {"type": "string", "title": "Where is it?", "maxLength": 200}}
}`

func loadForm(t *testing.T, name, src string) *Form {
	t.Helper()
	reg, err := NewRegistry(nil)
	require.NoError(t, err)
	f, err := reg.Load(context.Background(), name, []byte(src))
	require.NoError(t, err)
	return f
}

func renderPage(t *testing.T, r *Renderer, p Page) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, r.RenderPage(&buf, p))
	return buf.String()
}

func citySite() Site {
	return Site{Name: "City of Springfield", LogoURL: "/logo.svg", HomeURL: "https://springfield.example/", AssetsPath: "/static/"}
}

func TestRenderPageGolden(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	r, err := NewRenderer(&RenderConfig{Site: citySite()})
	require.NoError(t, err)
	golden(t, "page-step-site-es.html", []byte(renderPage(t, r, Page{Form: f, Step: "site", Locale: "es", Action: "/permit",
		BackURL: "/permit?step=applicant", Languages: []LanguageLink{{Href: "/permit?lang=en", Lang: "en", Text: "English"}}, Values: map[string]any{"applicantType": "person"}})))
}

func TestRenderPageShell(t *testing.T) {
	t.Parallel()
	permit := loadPermit(t)
	pothole := loadForm(t, "pothole.json", englishOnly)
	r, err := NewRenderer(&RenderConfig{Site: citySite()})
	require.NoError(t, err)
	_, verr := permit.ValidateStep(context.Background(), "applicant", map[string]any{"applicantType": "business"}, "en")
	var ve *ValidationError
	require.ErrorAs(t, verr, &ve)

	tests := []struct {
		name      string
		page      Page
		lang, dir string
		title     string
		contains  []string
		absent    []string
	}{
		{name: "english whole form", page: Page{Form: permit, Locale: "en"}, lang: "en", dir: "ltr",
			title:    "Building permit – City of Springfield",
			contains: []string{`<a class="usa-skipnav" href="#main-content">Skip to main content</a>`, `<main id="main-content"`, `<img src="/logo.svg"`, `href="https://springfield.example/"`, `<link rel="stylesheet" href="/static/uswds-3.14.0/css/uswds.min.css">`},
			absent:   []string{`>Back</a>`}},
		{name: "spanish later step has a back link", page: Page{Form: permit, Step: "site", Locale: "es-MX", BackURL: "/p?step=applicant"}, lang: "es", dir: "ltr",
			title:    "El terreno – Permiso de construcción – City of Springfield",
			contains: []string{`Saltar al contenido principal`, `<a class="usa-link" href="/p?step=applicant">Volver</a>`}},
		{name: "links to other languages", page: Page{Form: permit, Locale: "en", Languages: []LanguageLink{{Href: "/?lang=es", Lang: "es", Text: "Español"}}}, lang: "en", dir: "ltr",
			title: "Building permit – City of Springfield", contains: []string{`<a class="usa-link" href="/?lang=es" lang="es" hreflang="es">Español</a>`}},
		{name: "error page title", page: Page{Form: permit, Step: "applicant", Locale: "en", Errors: ve}, lang: "en", dir: "ltr",
			title: "Error: About you – Building permit – City of Springfield"},
		{name: "form without spanish text is marked english", page: Page{Form: pothole, Locale: "es"}, lang: "en", dir: "ltr",
			title: "Report a pothole – City of Springfield", contains: []string{`>Submit</button>`, `Skip to main content`}, absent: []string{"Enviar"}},
		{name: "hostile back link and site are escaped", page: Page{Form: pothole, Locale: "en", BackURL: `javascript:alert(1)`}, lang: "en", dir: "ltr",
			title: "Report a pothole – City of Springfield", contains: []string{`href="#ZgotmplZ"`}, absent: []string{"javascript:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := renderPage(t, r, tt.page)
			assert.True(t, strings.HasPrefix(out, "<!doctype html>\n<html lang=\""+tt.lang+"\" dir=\""+tt.dir+"\">"), out[:60])
			assert.Contains(t, out, "<title>"+tt.title+"</title>")
			for _, s := range tt.contains {
				assert.Contains(t, out, s)
			}
			for _, s := range tt.absent {
				assert.NotContains(t, out, s)
			}
		})
	}
}

func TestRenderPageSiteOptions(t *testing.T) {
	t.Parallel()
	f := loadForm(t, "pothole.json", englishOnly)
	tests := []struct {
		name             string
		site             Site
		contains, absent []string
	}{
		{name: "default assets path", site: Site{Name: "Town"}, contains: []string{`href="/assets/uswds-3.14.0/css/uswds.min.css"`}, absent: []string{"<img"}},
		{name: "city stylesheet replaces the built-in one", site: Site{Name: "Town", Stylesheets: []string{"/css/town.css"}},
			contains: []string{`<link rel="stylesheet" href="/css/town.css">`}, absent: []string{"uswds.min.css"}},
		{name: "no name leaves out header and footer", site: Site{}, absent: []string{"<header", "<footer"}, contains: []string{`<main id="main-content"`}},
		{name: "name is escaped", site: Site{Name: `<b>Town</b>`}, contains: []string{"&lt;b&gt;Town&lt;/b&gt;"}, absent: []string{"<b>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := NewRenderer(&RenderConfig{Site: tt.site})
			require.NoError(t, err)
			out := renderPage(t, r, Page{Form: f, Locale: "en"})
			for _, s := range tt.contains {
				assert.Contains(t, out, s)
			}
			for _, s := range tt.absent {
				assert.NotContains(t, out, s)
			}
		})
	}
}

func TestRenderPageUnknownStepWritesNothing(t *testing.T) {
	t.Parallel()
	r, err := NewRenderer(nil)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.ErrorIs(t, r.RenderPage(&buf, Page{Form: loadPermit(t), Step: "nope"}), ErrSyntax)
	assert.Zero(t, buf.Len())
}

func TestDirection(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, tag, want string }{
		{name: "arabic", tag: "ar", want: "rtl"},
		{name: "hebrew", tag: "he", want: "rtl"},
		{name: "persian", tag: "fa-IR", want: "rtl"},
		{name: "urdu", tag: "ur", want: "rtl"},
		{name: "english", tag: "en", want: "ltr"},
		{name: "spanish", tag: "es-MX", want: "ltr"},
		{name: "azerbaijani in latin", tag: "az-Latn", want: "ltr"},
		{name: "garbage", tag: "!!", want: "ltr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, direction(tt.tag))
		})
	}
}

func TestAssets(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.StripPrefix("/assets/", Assets()))
	t.Cleanup(srv.Close)
	tests := []struct {
		name, path, ctype string
		status            int
		body              string
	}{
		{name: "stylesheet", path: "/assets/" + USWDSStylesheet, ctype: "text/css; charset=utf-8", status: 200, body: ".usa-form"},
		{name: "body font", path: "/assets/uswds-3.14.0/fonts/source-sans-pro/sourcesanspro-regular-webfont.woff2", ctype: "font/woff2", status: 200, body: "wOF2"},
		{name: "heading font", path: "/assets/uswds-3.14.0/fonts/merriweather/Latin-Merriweather-Bold.woff2", ctype: "font/woff2", status: 200, body: "wOF2"},
		{name: "right-to-left mirror", path: "/assets/" + RTLStylesheet, ctype: "text/css; charset=utf-8", status: 200, body: "[dir=rtl] .usa-form-group--error"},
		{name: "icon", path: "/assets/uswds-3.14.0/img/usa-icons/error.svg", ctype: "image/svg+xml", status: 200, body: "<svg"},
		{name: "folder is not listed", path: "/assets/uswds-3.14.0/", status: 404},
		{name: "missing file", path: "/assets/uswds-3.14.0/css/nope.css", status: 404},
		{name: "no escape from the tree", path: "/assets/../assets.go", status: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := http.Get(srv.URL + tt.path)
			require.NoError(t, err)
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.status, res.StatusCode)
			if tt.status != 200 {
				return
			}
			assert.Equal(t, tt.ctype, res.Header.Get("Content-Type"))
			assert.Contains(t, res.Header.Get("Cache-Control"), "max-age=31536000")
			assert.Contains(t, string(body), tt.body)
		})
	}
}

// TestAssetsComplete checks that every url() in the vendored stylesheet
// names a file the handler serves, so the design system never asks for a
// file that is not there.
func TestAssetsComplete(t *testing.T) {
	t.Parallel()
	css, err := assetFiles.ReadFile("assets/" + USWDSStylesheet)
	require.NoError(t, err)
	refs := 0
	for _, part := range strings.Split(string(css), "url(")[1:] {
		ref := strings.Trim(part[:strings.IndexByte(part, ')')], `"'`)
		if ref == "" || strings.HasPrefix(ref, "data:") {
			continue
		}
		require.True(t, strings.HasPrefix(ref, "../"), ref)
		_, err := assetFiles.Open("assets/uswds-3.14.0/" + strings.TrimPrefix(ref, "../"))
		assert.NoError(t, err, "%s is vendored", ref)
		refs++
	}
	assert.Greater(t, refs, 40)
}

// arabicForm has Arabic translations of all its texts.
const arabicForm = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Report a pothole",
  "x-title": {"ar": "الإبلاغ عن حفرة"},
  "x-form": {"id": "pothole-ar", "version": 1},
  "type": "object",
  "required": ["where"],
  "properties": {"where": {"type": "string", "title": "Where is it?", "x-title": {"ar": "أين تقع؟"}, "maxLength": 200}}
}`

// arabic is a third language, written right to left, that civickit does
// not ship: page texts and default messages (arabicMessages).
var arabic = Language{Tag: "ar", ErrorHeading: "هناك مشكلة", Submit: "إرسال", Continue: "متابعة",
	StepOf: "الخطوة %d من %d", Required: "(مطلوب)", Choose: "- اختر -", Yes: "نعم", No: "لا",
	Shell:    ShellText{SkipLink: "انتقل إلى المحتوى الرئيسي", Back: "رجوع", ErrorPrefix: "خطأ: "},
	Messages: arabicMessages}

func TestRenderPageThirdLanguage(t *testing.T) {
	t.Parallel()
	f := loadForm(t, "pothole-ar.json", arabicForm)
	english := loadForm(t, "pothole.json", englishOnly)
	withArabic, err := NewRenderer(&RenderConfig{Languages: []Language{arabic}})
	require.NoError(t, err)
	without, err := NewRenderer(nil)
	require.NoError(t, err)
	tests := []struct {
		name      string
		r         *Renderer
		form      *Form
		locale    string
		lang, dir string
		contains  []string
		absent    []string
	}{
		{name: "arabic is drawn right to left", r: withArabic, form: f, locale: "ar-EG", lang: "ar", dir: "rtl",
			contains: []string{`<link rel="stylesheet" href="/assets/civickit/rtl.css">`, "<title>الإبلاغ عن حفرة</title>", "<h1>الإبلاغ عن حفرة</h1>", "أين تقع؟ <span", "(مطلوب)", ">إرسال</button>", "انتقل إلى المحتوى الرئيسي"}},
		{name: "a language asked for first wins", r: withArabic, form: f, locale: "fr, ar;q=0.8, en;q=0.5", lang: "ar", dir: "rtl"},
		{name: "english asked for first", r: withArabic, form: f, locale: "en, ar;q=0.8", lang: "en", dir: "ltr", contains: []string{">Submit</button>"}, absent: []string{"rtl.css"}},
		{name: "a form without arabic text stays english", r: withArabic, form: english, locale: "ar", lang: "en", dir: "ltr", contains: []string{"Where is it?"}},
		{name: "a renderer without arabic draws english", r: without, form: f, locale: "ar", lang: "en", dir: "ltr", contains: []string{"Where is it?"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := renderPage(t, tt.r, Page{Form: tt.form, Locale: tt.locale})
			assert.True(t, strings.HasPrefix(out, "<!doctype html>\n<html lang=\""+tt.lang+"\" dir=\""+tt.dir+"\">"), out[:60])
			assert.Contains(t, out, `novalidate lang="`+tt.lang+`"`)
			for _, s := range tt.contains {
				assert.Contains(t, out, s)
			}
			for _, s := range tt.absent {
				assert.NotContains(t, out, s)
			}
		})
	}
}

func TestRenderConfigLanguagesValidated(t *testing.T) {
	t.Parallel()
	_, err := NewRenderer(&RenderConfig{Languages: []Language{{Tag: "not a tag!", StepOf: "%d"}}})
	require.Error(t, err)
	for _, want := range []string{"tag is not BCP 47", "Submit is empty", "Shell.SkipLink is empty", "StepOf must hold exactly two %d"} {
		assert.Contains(t, err.Error(), want)
	}
	_, err = NewRenderer(&RenderConfig{Languages: []Language{arabic}})
	assert.NoError(t, err)
}
