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
	"strings"
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
	// token, an idempotency key, the "_step" marker. Nil for JSON.
	Hidden map[string]string
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
	return Page{Form: p.form, Step: step, Values: p.Values, Errors: p.Errors}
}

// ReadPost reads and validates an HTTP submission in one call, the way
// ValidateRequest does (JSON or an HTML form post, at most
// RegistryConfig.MaxBodyBytes, 415 for any other Content-Type), but keeps
// what the resident entered when validation fails. An HTML form post
// carrying a "_step" input, as the Renderer draws one on each step page,
// is checked up to that step (see ValidateStep). The error is nil for
// every post that could be read, valid or not; it is a *ValidationError
// only for a body that cannot be read (too large, malformed, unsupported
// type), which ProblemFor answers with 413, 400 or 415, or the context's
// error.
func (f *Form) ReadPost(r *http.Request, locale string) (*Post, error) {
	return f.readPost(r.Context(), r, locale, true)
}

// readPost is the one reader behind ReadPost and ValidateRequest. With
// page set it answers for a page: a "_step" input limits validation to
// the steps up to it, and the entered values and the clean JSON are
// kept; without, the whole form is checked and only the clean values
// returned.
func (f *Form) readPost(ctx context.Context, r *http.Request, locale string, page bool) (*Post, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l := f.lang(locale)
	// text/plain and the other types a cross-site page may post without
	// a preflight never reach validation
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" && mt != "application/x-www-form-urlencoded" {
		return nil, f.inputFailure(&inputError{kind: ErrUnsupportedMediaType, offset: -1}, l)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, f.limits.maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("forms: read body: %w", err)
	}
	if int64(len(body)) > f.limits.maxBody {
		return nil, f.inputFailure(&inputError{kind: ErrTooLarge, offset: -1}, l)
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
		if bytes.Count(body, []byte("&")) >= maxFormValues {
			return nil, f.inputFailure(&inputError{kind: ErrTooManyFields, offset: -1}, l)
		}
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, f.inputFailure(&inputError{kind: ErrSyntax, offset: -1, detail: "malformed form data"}, l)
		}
		m, e, err := f.decodePost(vals)
		if err != nil {
			return nil, f.inputFailure(err, l)
		}
		entered, edit = m, e
		for k, v := range vals {
			// the buttons pressed belong to this post only
			if strings.HasPrefix(k, "_") && len(v) > 0 && k != addName && k != removeName {
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
	if edit != nil {
		if !page {
			return nil, f.inputFailure(&inputError{kind: ErrSyntax, offset: -1, detail: "adding or removing a row is not a submission"}, l)
		}
		return &Post{Values: entered.(map[string]any), Step: step, Hidden: hidden, Edit: edit, form: f}, nil
	}
	var kept map[string]any
	if m, ok := entered.(map[string]any); ok && page {
		kept = deepCopy(m).(map[string]any) // validation trims and prunes its own copy
	}
	clean, err := f.validate(entered, l, upTo)
	var ve *ValidationError
	if errors.As(err, &ve) {
		return &Post{Values: kept, Errors: ve, Step: f.stepToFix(ve, step), Hidden: hidden, form: f}, nil
	}
	if err != nil {
		return nil, err
	}
	if !page {
		return &Post{Values: clean, form: f}, nil
	}
	raw, err := appendValue(make([]byte, 0, len(body)), clean, f.root)
	if err != nil {
		return nil, fmt.Errorf("forms: encode %s: %w", f.id, err)
	}
	p := &Post{Values: clean, JSON: raw, Step: step, Hidden: hidden, form: f}
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
