package forms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/civickit/civickit/adapters"
)

// Post is a read and validated HTTP submission, ready either to store or
// to show again. Exactly one of two cases holds: Errors is nil and Values
// and JSON are the clean values, or Errors says what is wrong and Values
// are the values as the resident entered them, so Page draws the form
// again with both.
type Post struct {
	// Values are the clean values when Errors is nil, else the entered
	// ones (untrimmed, unconverted strings kept).
	Values map[string]any
	// JSON is the clean values as JSON in form order; nil when Errors is
	// set.
	JSON json.RawMessage
	// Errors is the refusal, with messages in the locale read with; nil
	// when the post is valid.
	Errors *ValidationError
	// Step is the id of the step to draw again: the step the post came
	// from (its "_step" input), or, when a value of an earlier step is
	// refused, the first step holding an error. Empty for a JSON post and
	// for a form drawn on one page.
	Step string
	// Next is the id of the step after Step when a step before the last
	// was posted and is valid; empty when the post completes the form.
	Next string
	// Hidden are the inputs of an HTML form post whose names start with
	// "_" (the first value of each), which DecodeForm skips: a CSRF
	// token, an idempotency key, the "_step" marker; not the "_file."
	// inputs that carry files nor the "_drop." boxes that take them out.
	// Nil for JSON.
	Hidden map[string]string
	// Files are the references of the files Values names (the ids of
	// file fields), in form order and row by row, each Field the path
	// with its row indexes ("members.2.proof"): the files this post
	// stored and those carried from an earlier post. Pass them to
	// Form.Submission. On a
	// post with errors they are the files kept for the page drawn again.
	Files []adapters.FileRef
	// Edit is set when the post pressed a repeating group's "Add
	// another" or "Remove" button: not a submission but a request for
	// the same step again, Values the entered values with the row added
	// or removed (rows after a removed one move up), Errors nil.
	Edit *RowEdit
	form *Form
}

// Complete reports whether the post is valid and holds the whole form,
// so the values may be stored (Form.Submission). A row edit is never
// complete.
func (p *Post) Complete() bool { return p.Errors == nil && p.Next == "" && p.Edit == nil }

// Page returns the page that answers the post: the same step with the
// entered values and their errors, or the next step with the values so
// far. Set its Locale, Action and Hidden before rendering. A complete
// post has no next page; Page then returns the last page drawn, valid.
func (p *Post) Page() Page {
	step := p.Step
	if p.Errors == nil && p.Next != "" {
		step = p.Next
	}
	return Page{Form: p.form, Step: step, Values: p.Values, Errors: p.Errors, Files: p.Files}
}

// ReadPost reads and validates an HTTP submission in one call, the way
// ValidateRequest does (JSON or an HTML form post, at most
// RegistryConfig.MaxBodyBytes, 415 for any other Content-Type), but keeps
// what the resident entered when validation fails. An HTML form post
// carrying a "_step" input, as the Renderer draws one on each step page,
// is checked up to that step (see ValidateStep). The error is nil for
// every post that could be read, valid or not; it is a *ValidationError
// only for a body that cannot be read (too large, malformed, unsupported
// type, a row of a repeating group that cannot be), which ProblemFor
// answers with 413, 400 or 415, or the context's error. A post that
// pressed a repeating group's "Add" or "Remove" button is no submission:
// it returns a Post with Edit set (see Post.Edit).
//
// A multipart/form-data post (a page with a file field) is streamed: each
// file part goes to RegistryConfig.Files as it arrives, under the field's
// limits, owned by the uploader WithUploader put on the request's
// context; see "File fields" in the package documentation.
func (f *Form) ReadPost(r *http.Request, locale string) (*Post, error) {
	return f.readPost(r.Context(), r, locale, true)
}

// readPost is the one reader behind ReadPost and ValidateRequest. With
// page set it answers for a page: a "_step" input limits validation to
// the steps up to it, and the entered values and the clean JSON are
// kept; without, the whole form is checked and only the clean values
// returned.
func (f *Form) readPost(ctx context.Context, r *http.Request, locale string, page bool) (_ *Post, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l := f.lang(locale)
	// text/plain and the other types a cross-site page may post without
	// a preflight never reach validation
	mt, mtParams, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	multi := err == nil && mt == "multipart/form-data" && f.limits.files != nil
	if err != nil || mt != "application/json" && mt != "application/x-www-form-urlencoded" && !multi {
		return nil, f.inputFailure(&inputError{kind: ErrUnsupportedMediaType, offset: -1}, l)
	}
	files := f.newFileSet(ctx)
	defer func() {
		if err != nil { // a request failing as a whole keeps none of its files
			files.discard(ctx, files.stored...)
		}
	}()
	var body []byte
	var vals url.Values
	if multi {
		if vals, err = f.readMultipart(ctx, r.Body, mtParams, files); err != nil {
			return nil, f.inputFailure(err, l)
		}
	} else {
		body, err = io.ReadAll(io.LimitReader(r.Body, f.limits.maxBody+1))
		if err != nil {
			return nil, fmt.Errorf("forms: read body: %w", err)
		}
		if int64(len(body)) > f.limits.maxBody {
			return nil, f.inputFailure(&inputError{kind: ErrTooLarge, offset: -1}, l)
		}
	}
	var entered any
	var hidden map[string]string
	var edit *RowEdit
	upTo, step := -1, ""
	if mt == "application/json" {
		if entered, err = f.decodeSubmission(body); err != nil {
			return nil, f.inputFailure(err, l)
		}
	} else {
		if !multi && bytes.Count(body, []byte("&")) >= maxFormValues {
			return nil, f.inputFailure(&inputError{kind: ErrTooManyFields, offset: -1}, l)
		}
		if !multi {
			if vals, err = url.ParseQuery(string(body)); err != nil {
				return nil, f.inputFailure(&inputError{kind: ErrSyntax, offset: -1, detail: "malformed form data"}, l)
			}
		}
		if err := f.formFiles(vals, files); err != nil {
			return nil, f.inputFailure(err, l)
		}
		var moved map[string]string
		if f.groups && len(f.files) > 0 {
			moved = map[string]string{}
		}
		m, e, err := f.decodePost(vals, moved)
		if err != nil {
			return nil, f.inputFailure(err, l)
		}
		entered, edit = m, e
		f.removedFiles(vals, edit, files)
		files.renumber(moved)
		for k, v := range vals {
			// the buttons pressed belong to this post only; carried
			// and dropped files are the post's values, not hidden inputs
			if strings.HasPrefix(k, "_") && len(v) > 0 && k != addName && k != removeName &&
				!strings.HasPrefix(k, carriedPrefix) && !strings.HasPrefix(k, dropPrefix) {
				if hidden == nil {
					hidden = map[string]string{}
				}
				hidden[k] = v[0]
			}
		}
		if id := vals.Get("_step"); page && id != "" {
			st, ok := f.Step(id)
			if !ok {
				return nil, f.inputFailure(&inputError{kind: ErrSyntax, offset: -1, detail: "unknown step"}, l)
			}
			step = st.ID
			if st.Index < len(f.steps)-1 {
				upTo = st.Index
			}
		}
	}
	if err := f.attachFiles(ctx, entered, files); err != nil {
		return nil, err
	}
	if edit != nil {
		if !page {
			files.discard(ctx, files.stored...)
			return nil, f.inputFailure(&inputError{kind: ErrSyntax, offset: -1, detail: "adding or removing a row is not a submission"}, l)
		}
		// the files stored are kept, for the page drawn again to carry
		m := entered.(map[string]any)
		f.settle(ctx, m, files)
		return &Post{Values: m, Step: step, Hidden: hidden, Edit: edit, Files: f.refsIn(m, files.refs), form: f}, nil
	}
	if m, ok := entered.(map[string]any); ok {
		f.settle(ctx, m, files)
	}
	var kept map[string]any
	if m, ok := entered.(map[string]any); ok && page {
		kept = deepCopy(m).(map[string]any) // validation trims and prunes its own copy
	}
	clean, err := f.validate(entered, l, upTo)
	var ve *ValidationError
	errors.As(err, &ve)
	if ve = f.withFileErrors(ve, files, l, upTo); ve != nil {
		if !page { // no page will carry them
			files.discard(ctx, files.stored...)
		}
		// the files stored are kept, for the page drawn again to carry
		return &Post{Values: kept, Errors: ve, Step: f.stepToFix(ve, step), Hidden: hidden, Files: f.refsIn(kept, files.refs), form: f}, nil
	}
	if err != nil {
		return nil, err
	}
	// files of fields the answers hide are not submitted
	used := f.refsIn(clean, files.refs)
	files.discard(ctx, slices.DeleteFunc(slices.Clone(files.stored), func(id string) bool {
		return slices.ContainsFunc(used, func(ref adapters.FileRef) bool { return ref.ID == id })
	})...)
	if !page {
		return &Post{Values: clean, Files: used, form: f}, nil
	}
	raw, err := appendValue(make([]byte, 0, len(body)), clean, f.root)
	if err != nil {
		return nil, fmt.Errorf("forms: encode %s: %w", f.id, err)
	}
	p := &Post{Values: clean, JSON: raw, Step: step, Hidden: hidden, Files: used, form: f}
	if upTo >= 0 {
		p.Next = f.steps[upTo+1].ID
	}
	return p, nil
}

// stepToFix returns the first step, not after the posted one, holding a
// field with an error; errors on names the form does not declare stay on
// the posted step.
func (f *Form) stepToFix(ve *ValidationError, posted string) string {
	if posted == "" {
		return ""
	}
	st, _ := f.Step(posted)
	best := st.Index
	for _, fe := range ve.Errors {
		top, _, _ := strings.Cut(fe.Field, ".")
		if fe.Field == "" || f.root.names[top] == nil {
			continue
		}
		best = min(best, f.stepOf(top))
	}
	return f.steps[best].ID
}
