package forms

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
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
// showing, repeating groups, and file fields (empty, refused, carried
// with their Remove boxes, in rows), and runs axe-core on each page in
// headless Chromium: no WCAG 2.1 A or AA violation, in English and
// Spanish.
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
		// a repeating group: rows with errors in them, then one row more
		h := loadHousehold(t)
		post, err := h.ReadPost(formRequest(url.Values{"members.0._row": {""}, "members.0.name": {"Ana"},
			"members.1._row": {""}, "members.1.dob": {"1 May"}, "members.1.relationship": {"other"}}), locale)
		require.NoError(t, err)
		require.NotNil(t, post.Errors)
		page := post.Page()
		page.Locale, page.Action = locale, "/submit"
		pages["/group-errors-"+locale] = page
		post, err = h.ReadPost(formRequest(url.Values{"members.0._row": {""}, "members.0.name": {"Ana"},
			"vehicles.0._row": {""}, "_add": {"members"}}), locale)
		require.NoError(t, err)
		require.NotNil(t, post.Edit)
		page = post.Page()
		page.Locale, page.Action = locale, "/submit"
		pages["/group-added-"+locale] = page
	}
	// file fields: empty, refused, carried with their Remove boxes, and
	// in the rows of a repeating group
	store := newMemFiles()
	damage, benefits := loadDamage(t, store), loadBenefits(t, store)
	for _, locale := range []string{"en", "es"} {
		pages["/files-empty-"+locale] = Page{Form: damage, Locale: locale, Action: "/submit"}
		post, err := damage.ReadPost(multipartRequest(multipartBody(t, textPart("description", "Fence"),
			filePart("photo", "a.pdf", pdf(10)), filePart("documents", "quote.pdf", pdf(100)), filePart("documents", "bill.pdf", pdf(100))), "ana"), locale)
		require.NoError(t, err)
		require.NotNil(t, post.Errors)
		require.Len(t, post.Files, 2, "the documents are carried, each with its Remove box")
		page := post.Page()
		page.Locale, page.Action = locale, "/submit"
		pages["/files-errors-"+locale] = page
	}
	pages["/row-files-empty-en"] = Page{Form: benefits, Locale: "en", Action: "/submit"}
	post, err := benefits.ReadPost(multipartRequest(multipartBody(t,
		textPart("members.0._row", ""), textPart("members.0.name", "Ana"), filePart("members.0.proof", "pay.pdf", pdf(100)),
		textPart("members.1._row", ""), filePart("members.1.proof", "pay.png", append([]byte("\x89PNG\r\n\x1a\n"), 0)),
		filePart("notes", "n1.pdf", pdf(10)), filePart("notes", "n2.pdf", pdf(10))), "ana"), "en")
	require.NoError(t, err)
	require.NotNil(t, post.Errors)
	require.Len(t, post.Files, 3, "a row's file and the notes are carried")
	page := post.Page()
	page.Locale, page.Action = "en", "/submit"
	pages["/row-files-errors-en"] = page
	page.Errors = nil
	pages["/row-files-carried-en"] = page

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

	for _, path := range []string{"/unlabelled", "/step-en", "/step-es", "/whole-en", "/whole-es", "/work-en", "/work-es",
		"/group-errors-en", "/group-errors-es", "/group-added-en", "/group-added-es",
		"/files-empty-en", "/files-empty-es", "/files-errors-en", "/files-errors-es",
		"/row-files-empty-en", "/row-files-errors-en", "/row-files-carried-en"} {
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

// TestGroupButtonsInABrowser posts a repeating group from headless
// Chromium with no script of the page's own: pressing Enter in an input
// submits the form (the hidden default button comes before every Remove
// button), and "Add" and "Remove" post their row.
func TestGroupButtonsInABrowser(t *testing.T) {
	b := browsertest.Start(t)
	f := loadHousehold(t)
	r, err := NewRenderer(nil)
	require.NoError(t, err)
	var mu sync.Mutex
	var posts []url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		page := Page{Form: f, Locale: "en", Action: "/",
			Values: map[string]any{"members": []any{map[string]any{"name": "Ana"}, map[string]any{"name": "Bo"}}}}
		if req.Method == http.MethodPost {
			require.NoError(t, req.ParseForm())
			mu.Lock()
			posts = append(posts, req.PostForm)
			mu.Unlock()
		}
		var form bytes.Buffer
		if err := r.Render(&form, page); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = a11yPage.Execute(w, map[string]any{"Lang": "en", "Title": "Household", "Form": template.HTML(form.String())})
	}))
	defer srv.Close()
	last := func() url.Values {
		mu.Lock()
		defer mu.Unlock()
		require.NotEmpty(t, posts)
		return posts[len(posts)-1]
	}
	ctx, cancel := context.WithTimeout(b.Ctx, time.Minute)
	defer cancel()

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL),
		chromedp.SendKeys("#f-members-1-name", "\r"), chromedp.WaitReady("#f-members")))
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(posts) == 1 }, 10*time.Second, 50*time.Millisecond)
	p := last()
	require.Empty(t, p["_remove"], "Enter must not remove a row")
	require.Empty(t, p["_add"])
	require.Equal(t, "Bo", p.Get("members.1.name"))
	require.Contains(t, p, "members.1._row")

	require.NoError(t, chromedp.Do(ctx, chromedp.Click("#f-members-1_row-remove"), chromedp.WaitReady("#f-members")))
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(posts) == 2 }, 10*time.Second, 50*time.Millisecond)
	require.Equal(t, "members.1", last().Get("_remove"))

	require.NoError(t, chromedp.Do(ctx, chromedp.Click("#f-members_row-add"), chromedp.WaitReady("#f-members")))
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(posts) == 3 }, 10*time.Second, 50*time.Millisecond)
	require.Equal(t, "members", last().Get("_add"))
}
