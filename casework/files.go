package casework

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/documents"
	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/keyring"
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
	// Forms, when set, offers a PDF copy of each submission the reader
	// may see (documents.WriteCopy), at Path{case id}/copy/{submission
	// id}: in the reader's language, PII shown, since only the submitter
	// and staff reach it. It finds the submission's form version.
	Forms *forms.Registry
	// Ring opens the PII a program sealed in its submissions
	// (forms.Form.Seal) for the copy; nil when nothing is sealed.
	Ring *keyring.KeyRing
	// TimeZone is the zone of the copy's times; default UTC.
	TimeZone *time.Location
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
	errs = append(errs, checkMount("files", cfg.Path, cfg.Roles)...)
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
	id, copyOf, isCopy := strings.Cut(id, "/copy/")
	if !validCaseID(id) || isCopy && (f.cfg.Forms == nil || !validCaseID(copyOf)) {
		fail(w, r, f.cfg.Pages, errNoCase, t, "", "")
		return
	}
	subs, list, staff, err := f.readable(r, actor, id)
	if err != nil {
		fail(w, r, f.cfg.Pages, err, t, "", "")
		return
	}
	if isCopy {
		f.copy(w, r, t, id, copyOf, subs, staff)
		return
	}
	if wantsJSON(r) {
		f.listJSON(w, id, list)
		return
	}
	v := filesView{Text: t, Case: id, Files: make([]fileView, 0, len(list))}
	if f.cfg.Forms != nil {
		for _, s := range subs {
			u := url.URL{Path: f.cfg.Path + id + "/copy/" + s.ID, RawQuery: langQuery(r)}
			v.Copies = append(v.Copies, u.String())
		}
	}
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

// readable returns the submissions and attachments of case id that actor
// may see: all of them for staff holding one of the roles (staff true),
// those of the actor's own submissions for anyone else. A case the actor
// may not see is errNoCase, as an unknown one is.
func (f *files) readable(r *http.Request, actor workflow.Actor, id string) ([]adapters.Submission, []adapters.Attachment, bool, error) {
	ctx := r.Context()
	staff := slices.ContainsFunc(f.cfg.Roles, func(role string) bool { return slices.Contains(actor.Roles, role) })
	if staff {
		if _, err := f.cfg.Store.GetCase(ctx, id); err != nil {
			return nil, nil, false, notFoundAsNoCase(err)
		}
	}
	subs, err := f.cfg.Store.ListSubmissions(ctx, id)
	if err != nil {
		return nil, nil, false, notFoundAsNoCase(err)
	}
	if !staff {
		// another person's submission to the same case is theirs
		subs = slices.DeleteFunc(subs, func(s adapters.Submission) bool {
			return s.Submitter == "" || s.SubmitterIssuer == "" || s.Submitter != actor.Subject || s.SubmitterIssuer != actor.Issuer
		})
		if len(subs) == 0 {
			return nil, nil, false, errNoCase
		}
	}
	list, err := f.cfg.Store.ListAttachments(ctx, id)
	if err != nil {
		return nil, nil, false, fmt.Errorf("casework: files of case %s: %w", id, err)
	}
	if !staff {
		list = slices.DeleteFunc(list, func(a adapters.Attachment) bool {
			return !slices.ContainsFunc(subs, func(s adapters.Submission) bool { return s.ID == a.SubmissionID })
		})
	}
	return subs, list, staff, nil
}

// copy answers the PDF copy of submission subID of case id, one of subs
// (those the reader may see), in the reader's language.
func (f *files) copy(w http.ResponseWriter, r *http.Request, t Text, id, subID string, subs []adapters.Submission, staff bool) {
	i := slices.IndexFunc(subs, func(s adapters.Submission) bool { return s.ID == subID })
	if i < 0 {
		fail(w, r, f.cfg.Pages, errNoCase, t, "", "")
		return
	}
	sub := subs[i]
	form, err := f.cfg.Forms.Get(sub.FormID, sub.FormVersion)
	if err != nil {
		fail(w, r, f.cfg.Pages, fmt.Errorf("casework: copy of %s: %w", sub.ID, err), t, "", "")
		return
	}
	if f.cfg.Ring != nil {
		var values map[string]any
		if err := json.Unmarshal(sub.Data, &values); err != nil {
			fail(w, r, f.cfg.Pages, fmt.Errorf("casework: copy of %s: %w", sub.ID, err), t, "", "")
			return
		}
		opened, err := form.Open(values, f.cfg.Ring)
		if err == nil {
			sub.Data, err = json.Marshal(opened)
		}
		if err != nil {
			fail(w, r, f.cfg.Pages, fmt.Errorf("casework: copy of %s: %w", sub.ID, err), t, "", "")
			return
		}
	}
	audience := documents.Resident
	if staff {
		audience = documents.Staff
	}
	var pdf bytes.Buffer
	err = documents.WriteCopy(&pdf, form, sub, documents.CopyOptions{Locale: t.Tag, Reference: id,
		Audience: audience, TimeZone: f.cfg.TimeZone})
	if err != nil {
		fail(w, r, f.cfg.Pages, fmt.Errorf("casework: copy of %s: %w", sub.ID, err), t, "", "")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `attachment; filename="`+safeFileName(form.ID()+"-"+id)+`.pdf"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(pdf.Bytes())
}

// safeFileName keeps the letters, digits, '-' and '_' of s, for a
// Content-Disposition file name that needs no quoting.
func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_') {
			return r
		}
		return '_'
	}, s)
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
	// Copies link to the PDF copy of each submission shown.
	Copies []string
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
