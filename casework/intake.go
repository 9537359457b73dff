package casework

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/workflow"
)

// IntakeConfig configures NewIntake.
type IntakeConfig struct {
	// Form is the form residents fill in. Required.
	Form *forms.Form
	// Engine opens the cases. Required.
	Engine *workflow.Engine
	// Pages draws the pages. Required.
	Pages *forms.Renderer
	// Type is the case type a complete post opens; Engine must have a
	// workflow registered for it. Required.
	Type string
	// Languages are BCP 47 tags of the languages the form is offered in
	// ("en", "es"); each page links to itself in the others. Empty draws
	// no links (the page still follows Accept-Language and "lang").
	Languages []string
	// Actor returns who submits; default ActorOf.
	Actor func(*http.Request) workflow.Actor
	// Texts add languages to casework's built-in English and Spanish.
	Texts []Text
}

// intake is the handler NewIntake returns.
type intake struct {
	cfg   IntakeConfig
	texts *texts
	first string // the first step's id, empty for a one-page form
	links []forms.LanguageLink
	guard *http.CrossOriginProtection
}

// NewIntake returns the handler of a form that opens a case: GET draws
// the form, POST validates it and opens the case (see the package
// documentation). Mount it at the form's address; it serves that path
// only, so "lang" and the post go to the same URL.
func NewIntake(cfg IntakeConfig) (http.Handler, error) {
	var errs []error
	if cfg.Form == nil {
		errs = append(errs, errors.New("casework: intake: Form is required"))
	}
	if cfg.Pages == nil {
		errs = append(errs, errors.New("casework: intake: Pages is required"))
	}
	switch {
	case cfg.Engine == nil:
		errs = append(errs, errors.New("casework: intake: Engine is required"))
	case !slices.Contains(cfg.Engine.Types(), cfg.Type):
		errs = append(errs, fmt.Errorf("casework: intake: case type %q has no registered workflow", cfg.Type))
	}
	h := &intake{cfg: cfg, guard: http.NewCrossOriginProtection()}
	for _, tag := range cfg.Languages {
		t, err := language.Parse(tag)
		if err != nil {
			errs = append(errs, fmt.Errorf("casework: intake: language %q is not a BCP 47 tag", tag))
			continue
		}
		h.links = append(h.links, forms.LanguageLink{Href: "?lang=" + url.QueryEscape(tag), Lang: tag, Text: upperFirst(display.Self.Name(t))})
	}
	tx, err := newTexts(cfg.Texts)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	h.texts = tx
	if h.cfg.Actor == nil {
		h.cfg.Actor = ActorOf
	}
	if steps := cfg.Form.Steps(); len(steps) > 1 {
		h.first = steps[0].ID
	}
	return h, nil
}

func (h *intake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h.show(w, r)
	case http.MethodPost:
		if err := h.guard.Check(r); err != nil {
			http.Error(w, "cross-origin request refused", http.StatusForbidden)
			return
		}
		h.submit(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	}
}

// show draws the form's first page with a new idempotency key.
func (h *intake) show(w http.ResponseWriter, r *http.Request) {
	p := forms.Page{Form: h.cfg.Form, Step: h.first}
	h.draw(w, r, http.StatusOK, p, newKey())
}

// draw renders p with the request's language, action and key.
func (h *intake) draw(w http.ResponseWriter, r *http.Request, status int, p forms.Page, key string) {
	locale := requestLocale(r)
	p.Locale = locale
	p.Action = selfURL(r)
	p.Hidden = map[string]string{"_key": key}
	p.Languages = h.links // the renderer leaves out the page's own language
	var b bytes.Buffer
	if err := h.cfg.Pages.RenderPage(&b, p); err != nil {
		fail(w, r, h.cfg.Pages, err, h.texts.pick(locale), "", "")
		return
	}
	writeHTML(w, status, "", b.Bytes()) // the <html lang> is the renderer's choice
}

// submit reads a post and answers it: the form again with errors, the
// next step, or a new case.
func (h *intake) submit(w http.ResponseWriter, r *http.Request) {
	locale := requestLocale(r)
	t := h.texts.pick(locale)
	actor := h.cfg.Actor(r)
	// files a post stores belong to whoever sent it, so only they may
	// carry them to the next page
	r = r.WithContext(forms.WithUploader(r.Context(), actor.Subject, actor.Issuer))
	post, err := h.cfg.Form.ReadPost(r, locale)
	if err != nil {
		fail(w, r, h.cfg.Pages, err, t, selfURL(r), h.cfg.Form.Title(locale))
		return
	}
	asJSON := wantsJSON(r)
	// A form post carries its page's key, whatever it accepts; a JSON
	// post (no hidden inputs) may send one in a header.
	key := post.Hidden["_key"]
	if post.Hidden == nil {
		key = r.Header.Get("Idempotency-Key")
	}
	if !validKey(key) {
		key = ""
	}
	if post.Errors != nil || !post.Complete() {
		// A valid step before the last has no error to answer, even to a
		// client asking for JSON: only the next page continues the form.
		if asJSON && post.Errors != nil {
			forms.WriteProblem(w, post.Errors, locale)
			return
		}
		status := http.StatusOK
		if post.Errors != nil {
			status = http.StatusUnprocessableEntity
		}
		if key == "" {
			key = newKey()
		}
		h.draw(w, r, status, post.Page(), key)
		return
	}
	sub := h.cfg.Form.Submission(post.JSON, post.Files...)
	op := workflow.OpenParams{Type: h.cfg.Type, Actor: actor, Channel: "web", Submission: &sub}
	if key != "" {
		op.IdempotencyKey = "intake:" + h.cfg.Form.ID() + ":" + key
	}
	c, err := h.cfg.Engine.Open(r.Context(), op)
	if err != nil {
		fail(w, r, h.cfg.Pages, err, t, selfURL(r), h.cfg.Form.Title(locale))
		return
	}
	if asJSON {
		body, _ := json.Marshal(struct {
			ID        string    `json:"id"`
			Type      string    `json:"type"`
			State     string    `json:"state"`
			Version   int64     `json:"version"`
			CreatedAt time.Time `json:"createdAt"`
		}{c.ID, c.Type, c.State, c.Version, c.CreatedAt})
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(body)
		return
	}
	page(w, h.cfg.Pages, http.StatusCreated, forms.Document{Lang: t.Tag, Title: t.Received}, "received",
		struct {
			Text            Text
			Form, Reference string
		}{t, h.cfg.Form.Title(t.Tag), c.ID})
}

// selfURL is the path the request was sent to, as the client sent it
// (before any http.StripPrefix), with its "lang" parameter.
func selfURL(r *http.Request) string {
	path := r.URL.Path
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil && r.RequestURI != "" {
		path = u.Path
	}
	u := url.URL{Path: path, RawQuery: langQuery(r)}
	return u.String()
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
