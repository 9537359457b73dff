package casework

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/documents"
	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/workflow"
)

// FilesConfig configures NewFiles.
type FilesConfig struct {
	// Store reads the case, its submissions and its attachments. Required.
	Store adapters.Store
	// Documents issues the links to the files; its Handler serves them.
	// Required.
	Documents *documents.Store
	// Pages draws the pages. Required.
	Pages *forms.Renderer
	// Path is where the handler is mounted, starting and ending with "/"
	// ("/cases/"); a case's files are at Path followed by its id.
	// Required.
	Path string
	// Roles are the staff roles that may see the files of every case; at
	// least one is required. Residents see the files of their own
	// submissions without one.
	Roles []string
	// Actor returns who asks; default ActorOf.
	Actor func(*http.Request) workflow.Actor
	// Texts add languages to casework's built-in English and Spanish.
	Texts []Text
}

// maxCaseIDLen bounds the case id a files path names.
const maxCaseIDLen = 256

// errNoCase is the one answer to a case that is unknown, malformed, or
// not the reader's, so that the answer does not tell them apart.
var errNoCase = fmt.Errorf("casework: no such case: %w", adapters.ErrNotFound)

// files is the handler NewFiles returns.
type files struct {
	cfg   FilesConfig
	texts *texts
}

// NewFiles returns the handler of the page that lists a case's files,
// with a link to each clean one, mounted at cfg.Path (see the package
// documentation).
func NewFiles(cfg FilesConfig) (http.Handler, error) {
	var errs []error
	if cfg.Store == nil {
		errs = append(errs, errors.New("casework: files: Store is required"))
	}
	if cfg.Documents == nil {
		errs = append(errs, errors.New("casework: files: Documents is required"))
	}
	if cfg.Pages == nil {
		errs = append(errs, errors.New("casework: files: Pages is required"))
	}
	if !strings.HasPrefix(cfg.Path, "/") || !strings.HasSuffix(cfg.Path, "/") {
		errs = append(errs, fmt.Errorf("casework: files: Path %q must start and end with /", cfg.Path))
	}
	if len(cfg.Roles) == 0 || slices.Contains(cfg.Roles, "") {
		errs = append(errs, errors.New("casework: files: Roles must name at least one role, none empty"))
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
	return &files{cfg: cfg, texts: tx}, nil
}

func (f *files) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := f.texts.pick(requestLocale(r))
	id, ok := strings.CutPrefix(r.URL.Path, f.cfg.Path)
	if !ok {
		fail(w, r, f.cfg.Pages, errNoCase, t, "", "")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	actor := f.cfg.Actor(r)
	if actor.Subject == "" {
		fail(w, r, f.cfg.Pages, unauthenticated{}, t, "", "")
		return
	}
	if !validCaseID(id) {
		fail(w, r, f.cfg.Pages, errNoCase, t, "", "")
		return
	}
	list, err := f.readable(r, actor, id)
	if err != nil {
		fail(w, r, f.cfg.Pages, err, t, "", "")
		return
	}
	if wantsJSON(r) {
		f.listJSON(w, id, list)
		return
	}
	v := filesView{Text: t, Case: id, Files: make([]fileView, 0, len(list))}
	for _, a := range list {
		fv := fileView{Name: a.Name, Kind: forms.FileKind(a.Type), Size: forms.FileSize(a.Size)}
		if fv.Name == "" {
			fv.Name = a.ID
		}
		switch a.Status {
		case adapters.AttachmentClean:
			fv.Download, fv.View = f.cfg.Documents.Link(a, false), f.cfg.Documents.Link(a, true)
		case adapters.AttachmentRejected:
			fv.Removed, fv.Reason = true, a.Reason
		}
		v.Files = append(v.Files, fv)
	}
	page(w, f.cfg.Pages, http.StatusOK, forms.Document{Lang: t.Tag, Title: t.Files}, "files", v)
}

// validCaseID reports whether id can name a case: one path segment of
// printable characters, bounded.
func validCaseID(id string) bool {
	if id == "" || len(id) > maxCaseIDLen || strings.Contains(id, "/") {
		return false
	}
	return !strings.ContainsFunc(id, func(r rune) bool { return !unicode.IsPrint(r) })
}

// readable returns the attachments of case id that actor may see: all of
// them for staff holding one of the roles, those of the actor's own
// submissions for anyone else. A case the actor may not see is errNoCase,
// as an unknown one is.
func (f *files) readable(r *http.Request, actor workflow.Actor, id string) ([]adapters.Attachment, error) {
	ctx := r.Context()
	staff := slices.ContainsFunc(f.cfg.Roles, func(role string) bool { return slices.Contains(actor.Roles, role) })
	var own map[string]bool // submission ids of the actor's, for a resident
	if staff {
		if _, err := f.cfg.Store.GetCase(ctx, id); err != nil {
			return nil, notFoundAsNoCase(err)
		}
	} else {
		subs, err := f.cfg.Store.ListSubmissions(ctx, id)
		if err != nil {
			return nil, notFoundAsNoCase(err)
		}
		own = map[string]bool{}
		for _, s := range subs {
			if s.Submitter != "" && s.SubmitterIssuer != "" && s.Submitter == actor.Subject && s.SubmitterIssuer == actor.Issuer {
				own[s.ID] = true
			}
		}
		if len(own) == 0 {
			return nil, errNoCase
		}
	}
	list, err := f.cfg.Store.ListAttachments(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("casework: files of case %s: %w", id, err)
	}
	if !staff {
		// another person's submission to the same case is theirs
		list = slices.DeleteFunc(list, func(a adapters.Attachment) bool { return !own[a.SubmissionID] })
	}
	return list, nil
}

// notFoundAsNoCase answers errNoCase for a store's not-found (or an id
// it refuses), and passes other errors (unavailable, ...) on.
func notFoundAsNoCase(err error) error {
	if errors.Is(err, adapters.ErrNotFound) || errors.Is(err, adapters.ErrInvalidArgument) {
		return errNoCase
	}
	return fmt.Errorf("casework: files: %w", err)
}

// filesView is the data of the "files" template.
type filesView struct {
	Text  Text
	Case  string
	Files []fileView
}

// fileView is one file of the list.
type fileView struct {
	Name, Kind, Size string
	// Download and View are the links of a clean file, View empty when
	// it has no copy safe to show.
	Download, View string
	// Removed marks a file the scan refused, for Reason.
	Removed bool
	Reason  string
}

// listJSON answers the list of files as JSON.
func (f *files) listJSON(w http.ResponseWriter, id string, list []adapters.Attachment) {
	type file struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Type     string `json:"type"`
		Size     int64  `json:"size"`
		SHA256   string `json:"sha256"`
		Field    string `json:"field"`
		Status   string `json:"status"`
		Reason   string `json:"reason,omitempty"`
		Download string `json:"download,omitempty"`
		View     string `json:"view,omitempty"`
	}
	out := struct {
		Case  string `json:"case"`
		Files []file `json:"files"`
	}{Case: id, Files: make([]file, 0, len(list))}
	for _, a := range list {
		x := file{ID: a.ID, Name: a.Name, Type: a.Type, Size: a.Size, SHA256: a.SHA256, Field: a.Field,
			Status: string(a.Status), Reason: a.Reason}
		if a.Status == adapters.AttachmentClean {
			x.Download, x.View = f.cfg.Documents.Link(a, false), f.cfg.Documents.Link(a, true)
		}
		out.Files = append(out.Files, x)
	}
	body, _ := json.Marshal(out)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
}
