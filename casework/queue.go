package casework

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/workflow"
)

// QueueConfig configures NewQueue.
type QueueConfig struct {
	// Engine lists the cases and fires the actions. Required.
	Engine *workflow.Engine
	// Pages draws the pages. Required.
	Pages *forms.Renderer
	// Path is where the queue is mounted, starting and ending with "/"
	// ("/queue/"). Required.
	Path string
	// Roles are the roles that may see the queue and act from it; at
	// least one is required, so a queue is never open to every resident.
	Roles []string
	// Query selects and orders the cases (type, state, team, ...); its
	// Cursor is ignored, the page's "cursor" parameter is used.
	Query adapters.CaseQuery
	// Actor returns who acts; default ActorOf.
	Actor func(*http.Request) workflow.Actor
	// Texts add languages to casework's built-in English and Spanish.
	Texts []Text
}

// MaxActionBytes bounds the body of an action post.
const MaxActionBytes = 4 << 10

// maxCursor bounds the cursor parameter of a queue page.
const maxCursor = 512

// queue is the handler NewQueue returns.
type queue struct {
	cfg   QueueConfig
	texts *texts
	guard *http.CrossOriginProtection
	defs  sync.Map // "type\x00version" -> *definitionFacts
}

// NewQueue returns the handler of a staff work queue mounted at
// cfg.Path (see the package documentation).
func NewQueue(cfg QueueConfig) (http.Handler, error) {
	var errs []error
	if cfg.Engine == nil {
		errs = append(errs, errors.New("casework: queue: Engine is required"))
	}
	if cfg.Pages == nil {
		errs = append(errs, errors.New("casework: queue: Pages is required"))
	}
	errs = append(errs, checkMount("queue", cfg.Path, cfg.Roles)...)
	if err := cfg.Query.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("casework: queue: Query: %w", err))
	}
	tx, err := newTexts(cfg.Texts)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.Actor == nil {
		cfg.Actor = ActorOf
	}
	cfg.Roles = slices.Clone(cfg.Roles)
	return &queue{cfg: cfg, texts: tx, guard: http.NewCrossOriginProtection()}, nil
}

// unauthenticated is the refusal of a request with no signed-in person.
type unauthenticated struct{}

func (unauthenticated) Error() string         { return "casework: sign-in required" }
func (unauthenticated) Unauthenticated() bool { return true }

// roleMissing is the refusal of a person without a queue role.
type roleMissing struct{}

func (roleMissing) Error() string      { return "casework: the queue needs a staff role" }
func (roleMissing) DenialCode() string { return string(workflow.DeniedRole) }

func (q *queue) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := q.texts.pick(requestLocale(r))
	rest, ok := strings.CutPrefix(r.URL.Path, q.cfg.Path)
	if !ok {
		fail(w, r, q.cfg.Pages, adapters.ErrNotFound, t, q.home(r), t.BackToQueue)
		return
	}
	actor := q.cfg.Actor(r)
	switch {
	case actor.Subject == "":
		fail(w, r, q.cfg.Pages, unauthenticated{}, t, "", "")
		return
	case !slices.ContainsFunc(q.cfg.Roles, func(role string) bool { return slices.Contains(actor.Roles, role) }):
		fail(w, r, q.cfg.Pages, roleMissing{}, t, "", "")
		return
	}
	if rest == "" {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		q.list(w, r, actor, t)
		return
	}
	// Only "{case id}/{trigger}" is an action; any other path is not
	// found, whatever the method, rather than a resource that takes POST.
	id, trigger, ok := strings.Cut(rest, "/")
	if !ok || id == "" || trigger == "" || strings.Contains(trigger, "/") {
		fail(w, r, q.cfg.Pages, adapters.ErrNotFound, t, q.home(r), t.BackToQueue)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	if err := q.guard.Check(r); err != nil {
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
		return
	}
	q.act(w, r, actor, t, id, trigger)
}

// queueView is the data of the "queue" template.
type queueView struct {
	Text Text
	Rows []rowView
	Next string
}

// rowView is one case of the queue.
type rowView struct {
	ID, State           string
	Opened, Due         time.Time
	Version             int64
	Actions             []actionView
	OpenedText, DueText string
}

// actionView is one button.
type actionView struct {
	URL, Title string
}

// list draws one page of the queue.
func (q *queue) list(w http.ResponseWriter, r *http.Request, actor workflow.Actor, t Text) {
	query := q.cfg.Query
	query.Cursor = r.URL.Query().Get("cursor")
	if len(query.Cursor) > maxCursor {
		fail(w, r, q.cfg.Pages, fmt.Errorf("casework: cursor too long: %w", adapters.ErrInvalidArgument), t, q.home(r), t.BackToQueue)
		return
	}
	qp, err := q.cfg.Engine.Queue(r.Context(), actor, query)
	if err != nil {
		fail(w, r, q.cfg.Pages, err, t, q.home(r), t.BackToQueue)
		return
	}
	lang := langQuery(r)
	v := queueView{Text: t, Rows: make([]rowView, 0, len(qp.Items))}
	for _, it := range qp.Items {
		c := it.Case
		facts := q.facts(c)
		row := rowView{ID: c.ID, State: facts.stateTitle(c.State), Opened: c.CreatedAt, Due: c.Due, Version: c.Version,
			OpenedText: c.CreatedAt.UTC().Format("2006-01-02 15:04 MST")}
		if !c.Due.IsZero() {
			row.DueText = c.Due.UTC().Format("2006-01-02 15:04 MST")
		}
		for _, a := range it.Actions {
			if !a.Allowed || facts.needsForm[a.Trigger] {
				continue // a button cannot fill in the action's form
			}
			title := a.Title
			if title == "" {
				title = a.Trigger
			}
			u := url.URL{Path: q.cfg.Path + c.ID + "/" + a.Trigger, RawQuery: lang}
			row.Actions = append(row.Actions, actionView{URL: u.String(), Title: title})
		}
		v.Rows = append(v.Rows, row)
	}
	if qp.NextCursor != "" {
		vals := url.Values{"cursor": {qp.NextCursor}}
		if l := langParam(r); l != "" {
			vals.Set("lang", l)
		}
		v.Next = q.cfg.Path + "?" + vals.Encode()
	}
	if wantsJSON(r) {
		q.listJSON(w, qp)
		return
	}
	page(w, q.cfg.Pages, http.StatusOK, forms.Document{Lang: t.Tag, Title: t.Queue}, "queue", v)
}

// listJSON answers the queue page as JSON.
func (q *queue) listJSON(w http.ResponseWriter, qp workflow.QueuePage) {
	type action struct {
		Trigger string `json:"trigger"`
		Title   string `json:"title,omitempty"`
		Allowed bool   `json:"allowed"`
		Denied  string `json:"denied,omitempty"`
	}
	type item struct {
		ID      string     `json:"id"`
		Type    string     `json:"type"`
		State   string     `json:"state"`
		Version int64      `json:"version"`
		Team    string     `json:"team,omitempty"`
		Opened  time.Time  `json:"createdAt"`
		Due     *time.Time `json:"due,omitempty"`
		Actions []action   `json:"actions"`
	}
	out := struct {
		Items      []item `json:"items"`
		NextCursor string `json:"nextCursor,omitempty"`
	}{Items: make([]item, 0, len(qp.Items)), NextCursor: qp.NextCursor}
	for _, it := range qp.Items {
		c := it.Case
		i := item{ID: c.ID, Type: c.Type, State: c.State, Version: c.Version, Team: c.Team, Opened: c.CreatedAt, Actions: []action{}}
		if !c.Due.IsZero() {
			i.Due = &c.Due
		}
		for _, a := range it.Actions {
			x := action{Trigger: a.Trigger, Title: a.Title, Allowed: a.Allowed}
			if a.Denied != nil {
				x.Denied = string(a.Denied.Code)
			}
			i.Actions = append(i.Actions, x)
		}
		out.Items = append(out.Items, i)
	}
	body, _ := json.Marshal(out)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
}

// act fires trigger on case id as actor.
func (q *queue) act(w http.ResponseWriter, r *http.Request, actor workflow.Actor, t Text, id, trigger string) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxActionBytes)
	if err := r.ParseForm(); err != nil {
		fail(w, r, q.cfg.Pages, fmt.Errorf("casework: action post: %w: %w", err, adapters.ErrInvalidArgument), t, q.home(r), t.BackToQueue)
		return
	}
	version, err := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	if err != nil || version < 1 {
		fail(w, r, q.cfg.Pages, fmt.Errorf("casework: action post: version must be the case version shown: %w", adapters.ErrInvalidArgument), t, q.home(r), t.BackToQueue)
		return
	}
	res, err := q.cfg.Engine.Fire(r.Context(), workflow.FireParams{CaseID: id, Trigger: trigger, Actor: actor,
		ExpectedVersion: version, Locale: t.Tag})
	if err != nil {
		fail(w, r, q.cfg.Pages, err, t, q.home(r), t.BackToQueue)
		return
	}
	if wantsJSON(r) {
		body, _ := json.Marshal(struct {
			ID      string `json:"id"`
			State   string `json:"state"`
			Version int64  `json:"version"`
		}{res.Case.ID, res.Case.State, res.Case.Version})
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
		return
	}
	w.Header().Set("Location", q.home(r))
	w.WriteHeader(http.StatusSeeOther)
}

// home is the queue's first page in the request's language.
func (q *queue) home(r *http.Request) string {
	u := url.URL{Path: q.cfg.Path, RawQuery: langQuery(r)}
	return u.String()
}

// definitionFacts are what the queue page reads from a case's workflow
// definition.
type definitionFacts struct {
	titles    map[string]string // state name -> title
	needsForm map[string]bool   // triggers whose action takes a payload form
}

// facts returns the facts of the case's workflow, read once per type and
// version.
func (q *queue) facts(c adapters.Case) *definitionFacts {
	key := c.Type + "\x00" + strconv.Itoa(c.DefinitionVersion)
	if f, ok := q.defs.Load(key); ok {
		return f.(*definitionFacts)
	}
	f := &definitionFacts{titles: map[string]string{}, needsForm: map[string]bool{}}
	if wf, err := q.cfg.Engine.Workflow(c.Type, c.DefinitionVersion); err == nil {
		def := wf.Definition()
		for _, s := range def.States {
			if s.Title != "" {
				f.titles[s.Name] = s.Title
			}
		}
		for _, t := range def.Transitions {
			if t.Form != "" {
				f.needsForm[t.Trigger] = true
			}
		}
	}
	got, _ := q.defs.LoadOrStore(key, f)
	return got.(*definitionFacts)
}

// stateTitle is the title of the case's state in its workflow, else its
// name.
func (f *definitionFacts) stateTitle(state string) string {
	if s, ok := f.titles[state]; ok {
		return s
	}
	return state
}

// checkMount reports the problems of a staff handler's Path (it starts
// and ends with "/") and Roles (at least one, none empty).
func checkMount(handler, path string, roles []string) []error {
	var errs []error
	if !strings.HasPrefix(path, "/") || !strings.HasSuffix(path, "/") {
		errs = append(errs, fmt.Errorf("casework: %s: Path %q must start and end with /", handler, path))
	}
	if len(roles) == 0 || slices.Contains(roles, "") {
		errs = append(errs, fmt.Errorf("casework: %s: Roles must name at least one role, none empty", handler))
	}
	return errs
}
