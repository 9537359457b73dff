package forms

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/internal/browsertest"
)

// screenshotDir holds the pictures the browser tests take (git-ignored).
const screenshotDir = "testdata/screenshots"

const testLogo = `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" viewBox="0 0 40 40"><circle cx="20" cy="20" r="18" fill="#005ea2"/></svg>`

// TestPageShellAxe runs axe-core's WCAG 2.1 A and AA rules on whole pages
// drawn by RenderPage, with the vendored U.S. Web Design System stylesheet
// and fonts loaded so colour contrast is checked on the real styles: a
// first step and a later step in English and Spanish, a page in Arabic
// (a language added through RegistryConfig.Languages, right to left, its
// error page with Arabic messages), and pages with errors. It checks the stylesheet applied and saves a screenshot of each
// page under testdata/screenshots.
func TestPageShellAxe(t *testing.T) {
	b := browsertest.Start(t)
	f := loadPermit(t)
	r, err := NewRenderer(&RenderConfig{Site: Site{Name: "City of Springfield", LogoURL: "/logo.svg", HomeURL: "/"}})
	require.NoError(t, err)
	_, verr := f.ValidateStep(context.Background(), "applicant", map[string]any{
		"applicant": map[string]any{"email": "nope"}, "applicantType": "business"}, "en")
	var ve *ValidationError
	require.ErrorAs(t, verr, &ve)

	pothole, err := arabicRegistry(t).Load(context.Background(), "pothole-ar.json", []byte(arabicForm))
	require.NoError(t, err)
	_, verr = pothole.ValidateJSON(context.Background(), []byte(`{}`), "ar")
	var arErr *ValidationError
	require.ErrorAs(t, verr, &arErr)
	require.Equal(t, "أدخل إجابة.", arErr.Errors[0].Message, "the Arabic error page shows Arabic messages")
	pages := map[string]Page{
		"/ar":       {Form: pothole, Locale: "ar", Action: "/submit"},
		"/error-ar": {Form: pothole, Locale: "ar", Action: "/submit", Errors: arErr},
		"/en":       {Form: f, Step: "applicant", Locale: "en", Action: "/submit", Languages: []LanguageLink{{Href: "/es", Lang: "es", Text: "Español"}}},
		"/es":       {Form: f, Step: "applicant", Locale: "es", Action: "/submit"},
		"/site-es":  {Form: f, Step: "site", Locale: "es", Action: "/submit", BackURL: "/es"},
		"/error-en": {Form: f, Step: "applicant", Locale: "en", Action: "/submit", Errors: ve, Values: map[string]any{"applicant": map[string]any{"email": "nope"}, "applicantType": "business"}},
	}
	mux := http.NewServeMux()
	mux.Handle("/assets/", http.StripPrefix("/assets/", Assets()))
	mux.HandleFunc("/logo.svg", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		_, _ = w.Write([]byte(testLogo))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, req *http.Request) {
		p, ok := pages[req.URL.Path]
		if !ok {
			http.NotFound(w, req)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := r.RenderPage(w, p); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	require.NoError(t, os.MkdirAll(screenshotDir, 0o755))

	for _, path := range []string{"/en", "/es", "/site-es", "/error-en", "/ar", "/error-ar"} {
		pageCtx, cancel := context.WithTimeout(b.Ctx, time.Minute)
		require.NoError(t, chromedp.Do(pageCtx, chromedp.EmulateViewport(1024, 1400), chromedp.Navigate(srv.URL+path)), path)
		fontsReady, err := chromedp.Run(pageCtx, chromedp.Evaluate[bool](`document.fonts.ready.then(() => document.fonts.check('16px "Source Sans Pro"'))`, chromedp.EvalAwaitPromise))
		require.NoError(t, err, path)
		font, err := chromedp.Run(pageCtx, chromedp.Evaluate[string](`getComputedStyle(document.body).fontFamily`))
		require.NoError(t, err, path)
		assert.Contains(t, font, "Source Sans Pro", "%s: the USWDS stylesheet applies", path)
		assert.True(t, fontsReady, "%s: the vendored font loads", path)
		// hidden inputs and screen-reader text parked at left:-999em
		// would widen a right-to-left page into a sideways scroll
		overflow, err := chromedp.Run(pageCtx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
		require.NoError(t, err, path)
		assert.False(t, overflow, "%s: the page does not scroll sideways", path)
		for _, v := range b.Axe(t, pageCtx, path) {
			t.Errorf("%s: %s", path, v)
		}
		png, err := chromedp.Run(pageCtx, chromedp.CaptureScreenshot()) // the viewport, as a resident sees it; a full-page capture misplaces right-to-left pages
		require.NoError(t, err, path)
		require.NoError(t, os.WriteFile(filepath.Join(screenshotDir, "page-"+path[1:]+".png"), png, 0o644))
		cancel()
	}
}
