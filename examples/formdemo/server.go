package main

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/civickit/civickit/forms"
)

// definitions holds the form definitions the program serves.
//
//go:embed forms/*.json
var definitions embed.FS

// formID names the one form served.
const formID = "bulk-pickup"

// site brands the pages.
var site = forms.Site{Name: "Springfield Public Works", AssetsPath: "/assets/"}

// server answers the form's pages and submissions.
type server struct {
	form   *forms.Form
	render *forms.Renderer
	log    *slog.Logger

	mu  sync.Mutex // one submission line at a time
	out io.Writer
}

// newServer loads the embedded definition and returns the handler: GET /
// draws the first step, POST / takes a step (an HTML form post) or the
// whole document (JSON), GET /assets/ serves the design system's
// stylesheet, fonts and images. Validated
// submissions are written to out, one JSON line each.
func newServer(out io.Writer, log *slog.Logger) (http.Handler, error) {
	reg, err := forms.NewRegistry(&forms.RegistryConfig{Logger: log})
	if err != nil {
		return nil, err
	}
	if err := reg.LoadFS(context.Background(), definitions, "forms"); err != nil {
		return nil, err
	}
	form, err := reg.Latest(formID)
	if err != nil {
		return nil, err
	}
	render, err := forms.NewRenderer(&forms.RenderConfig{Site: site})
	if err != nil {
		return nil, err
	}
	s := &server{form: form, render: render, log: log, out: out}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.start)
	mux.HandleFunc("POST /{$}", s.submit)
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", forms.Assets()))
	// Browsers send Sec-Fetch-Site or Origin: a post from another site is
	// refused, which is the CSRF defence of this form.
	return http.NewCrossOriginProtection().Handler(secureHeaders(mux)), nil
}

func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		// step pages carry earlier answers in hidden inputs
		h.Set("Cache-Control", "no-store")
		h.Set("Vary", "Accept, Accept-Language")
		next.ServeHTTP(w, r)
	})
}

// locale returns the page language, "en" or "es", chosen by ?lang= or
// else Accept-Language, and the form action that keeps a chosen ?lang=.
// The forms package is given the chosen tag rather than the raw header:
// x-options labels have no default-language text, so a header naming
// neither language would show raw enum values beside English messages.
func locale(r *http.Request) (loc, action string) {
	if q := r.URL.Query().Get("lang"); q != "" && len(q) <= 35 {
		_, loc = textsFor(q)
		return loc, "/?" + url.Values{"lang": {q}}.Encode()
	}
	_, loc = textsFor(r.Header.Get("Accept-Language"))
	return loc, "/"
}

// wantsJSON reports an API client: a JSON body, or JSON asked for.
func wantsJSON(r *http.Request) bool {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "application/json" {
		return true
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") || strings.Contains(accept, "application/problem+json")
}

func (s *server) start(w http.ResponseWriter, r *http.Request) {
	loc, action := locale(r)
	first := s.form.Steps()[0]
	s.page(w, http.StatusOK, forms.Page{Form: s.form, Step: first.ID, Locale: loc, Action: action}, true)
}

func (s *server) submit(w http.ResponseWriter, r *http.Request) {
	loc, action := locale(r)
	if wantsJSON(r) {
		s.submitJSON(w, r, loc)
		return
	}
	post, err := s.form.ReadPost(r, loc)
	if err != nil {
		p := forms.ProblemFor(err, loc)
		if p.Status >= http.StatusInternalServerError {
			s.log.Error("read form post", "form", s.form.ID(), "err", err)
			s.message(w, p.Status, loc, failed)
			return
		}
		s.log.Info("unreadable form post", "form", s.form.ID(), "err", err)
		s.message(w, p.Status, loc, unreadable)
		return
	}
	if !post.Complete() {
		// the same step with what was entered and its errors, or the next
		status := http.StatusOK
		if post.Errors != nil {
			status = forms.ProblemFor(post.Errors, loc).Status
		}
		page := post.Page()
		page.Locale, page.Action = loc, action
		s.page(w, status, page, false)
		return
	}
	if err := s.accept(post.Values); err != nil {
		s.message(w, http.StatusInternalServerError, loc, failed)
		return
	}
	s.confirm(w, loc, action, post.Values)
}

// submitJSON takes the whole document at once and answers problems as
// RFC 9457 problem details.
func (s *server) submitJSON(w http.ResponseWriter, r *http.Request, loc string) {
	clean, err := s.form.ValidateRequest(r.Context(), r, loc)
	if err != nil {
		if _, ok := errors.AsType[*forms.ValidationError](err); !ok {
			s.log.Error("validate", "form", s.form.ID(), "err", err)
		}
		forms.WriteProblem(w, err, loc)
		return
	}
	if err := s.accept(clean); err != nil {
		forms.WriteProblem(w, err, loc)
		return
	}
	body, err := json.Marshal(struct {
		Form forms.Pin      `json:"form"`
		Data map[string]any `json:"data"`
	}{s.form.Pin(), s.form.Redact(clean)})
	if err != nil {
		forms.WriteProblem(w, err, loc)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// accept writes a validated submission to the output as one JSON line.
func (s *server) accept(clean map[string]any) error {
	line, err := encode(clean, "")
	if err != nil {
		return fmt.Errorf("formdemo: encode submission: %w", err)
	}
	s.mu.Lock()
	_, err = s.out.Write(line)
	s.mu.Unlock()
	if err != nil {
		s.log.Error("write submission", "form", s.form.ID(), "err", err)
		return fmt.Errorf("formdemo: write submission: %w", err)
	}
	s.log.Info("submission received", "form", s.form.Pin().String())
	return nil
}

// encode writes v as JSON ending in a newline, indented by indent when
// set, without escaping <, > and &: the output is plain text, and pages
// escape it when they show it.
func encode(v any, indent string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
