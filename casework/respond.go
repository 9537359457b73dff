package casework

import (
	"bytes"
	"crypto/rand"
	"embed"
	"html/template"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/civickit/civickit/forms"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// pages are casework's own templates, drawn inside the forms page shell.
var pages = template.Must(template.New("casework").ParseFS(templateFS, "templates/*.tmpl"))

// problemView is the data of the "problem" template.
type problemView struct {
	Title, Detail string
	Params        []forms.InvalidParam
	// Back and BackText link back to where the reader came from.
	Back, BackText string
}

// wantsJSON reports whether r should be answered in JSON: it sent JSON,
// or it accepts JSON and not HTML.
func wantsJSON(r *http.Request) bool {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "application/json" {
		return true
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "json") && !strings.Contains(accept, "text/html")
}

// fail answers err: a problem document for JSON clients, else an error
// page in the shell with the problem's status, a link back to back.
func fail(w http.ResponseWriter, r *http.Request, rd *forms.Renderer, err error, t Text, back, backText string) {
	p := forms.ProblemFor(err, t.Tag)
	if p.Status == http.StatusUnauthorized {
		// RFC 9110: a 401 names how to authenticate, as identity's
		// middleware does
		w.Header().Set("WWW-Authenticate", `Bearer realm="civickit"`)
	}
	if wantsJSON(r) {
		forms.WriteProblem(w, err, t.Tag)
		return
	}
	v := problemView{Title: p.Title, Detail: p.Detail, Params: p.InvalidParams, Back: back, BackText: backText}
	if p.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(forms.RetryAfterSeconds))
	}
	page(w, rd, p.Status, forms.Document{Lang: t.Tag, Title: p.Title, Errors: true}, "problem", v)
}

// page answers status with a document of the shell around the named
// template. A page that cannot be drawn is a plain 500.
func page(w http.ResponseWriter, rd *forms.Renderer, status int, d forms.Document, name string, data any) {
	var b bytes.Buffer
	err := rd.RenderDocument(&b, d, func(w io.Writer) error { return pages.ExecuteTemplate(w, name, data) })
	if err != nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	writeHTML(w, status, d.Lang, b.Bytes())
}

// writeHTML sends a drawn page, never cached (it may show a resident's
// answers or a staff queue) and never sniffed; lang is its
// Content-Language, "" to send none.
func writeHTML(w http.ResponseWriter, status int, lang string, page []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if lang != "" {
		h.Set("Content-Language", lang)
	}
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(page)
}

// newKey returns a random idempotency key for a drawn page.
func newKey() string { return rand.Text() }

// validKey reports whether k can be an idempotency key: 1 to 128
// printable ASCII characters.
func validKey(k string) bool {
	if k == "" || len(k) > 128 {
		return false
	}
	for i := range len(k) {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}
