package forms

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/internal/browsertest"
)

var a11yPage = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title></head>
<body><main id="main-content">{{.Form}}</main></body></html>`))

// TestAccessibilityAxe renders the multi-step permit with an error summary
// showing and runs axe-core on it in headless Chromium: no WCAG 2.1 A or
// AA violation, in English and Spanish.
func TestAccessibilityAxe(t *testing.T) {
	b := browsertest.Start(t)

	f := loadPermit(t)
	r, err := NewRenderer(nil)
	require.NoError(t, err)
	pages := map[string]Page{}
	for _, locale := range []string{"en", "es"} {
		_, verr := f.ValidateStep(context.Background(), "applicant", map[string]any{
			"applicant": map[string]any{"email": "nope"}, "applicantType": "business"}, locale)
		ve := verr.(*ValidationError)
		pages["/step-"+locale] = Page{Form: f, Step: "applicant", Locale: locale, Action: "/submit", Errors: ve,
			Values: map[string]any{"applicant": map[string]any{"email": "nope"}, "applicantType": "business"}}
		_, verr = f.ValidateJSON(context.Background(), []byte(`{"floors":"x","trades":["plumbing","plumbing"]}`), locale)
		pages["/whole-"+locale] = Page{Form: f, Locale: locale, Action: "/submit", Errors: verr.(*ValidationError)}
		pages["/work-"+locale] = Page{Form: f, Step: "work", Locale: locale, Action: "/submit"}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/unlabelled" {
			// a control page: proves the check can fail
			_, _ = w.Write([]byte(`<!doctype html><html lang="en"><head><title>x</title></head><body><main><input type="text" name="a"></main></body></html>`))
			return
		}
		p, ok := pages[req.URL.Path]
		if !ok {
			http.NotFound(w, req)
			return
		}
		var form bytes.Buffer
		if err := r.Render(&form, p); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = a11yPage.Execute(w, map[string]any{"Lang": resolve(p.Locale).tag, "Title": p.Form.Title(p.Locale),
			"Form": template.HTML(form.String())}) // the form is html/template output
	}))
	defer srv.Close()

	for _, path := range []string{"/unlabelled", "/step-en", "/step-es", "/whole-en", "/whole-es", "/work-en", "/work-es"} {
		pageCtx, cancelPage := context.WithTimeout(b.Ctx, time.Minute)
		require.NoError(t, chromedp.Do(pageCtx, chromedp.Navigate(srv.URL+path)), path)
		violations := b.Axe(t, pageCtx, path)
		cancelPage()
		if path == "/unlabelled" {
			require.NotEmpty(t, violations, "axe reports an input without a label")
			continue
		}
		for _, v := range violations {
			t.Errorf("%s: %s", path, v)
		}
	}
}
