package forms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ValidateJSON validates a JSON submission and returns the clean values as
// JSON: unknown fields refused (unless the form allows them), values of
// fields a condition hides dropped. A refused submission returns a
// *ValidationError with messages in the locale (an Accept-Language
// string; English when nothing matches).
//
// A file field's value is checked here as the string its schema asks
// for, not as a file: only ReadPost and ValidateRequest confirm each file
// id with the RegistryConfig.Files store as the uploader's own and return
// the references a submission needs (Post.Files). Use those for a form
// with file fields.
func (f *Form) ValidateJSON(ctx context.Context, data []byte, locale string) (json.RawMessage, error) {
	v, err := f.validateBytes(ctx, data, locale, -1)
	if err != nil {
		return nil, err
	}
	return appendValue(make([]byte, 0, len(data)), v, f.root)
}

func (f *Form) validateBytes(ctx context.Context, data []byte, locale string, upTo int) (map[string]any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l := f.lang(locale)
	if int64(len(data)) > f.limits.maxBody {
		return nil, f.inputFailure(&inputError{kind: ErrTooLarge, offset: -1}, l)
	}
	v, err := f.decodeSubmission(data)
	if err != nil {
		return nil, f.inputFailure(err, l)
	}
	return f.validate(v, l, upTo)
}

// ValidateValue validates an already decoded value (as from
// encoding/json, or a map built by DecodeForm) and returns a clean copy.
func (f *Form) ValidateValue(ctx context.Context, v any, locale string) (map[string]any, error) {
	return f.validateValue(ctx, v, locale, -1)
}

// ValidateStep validates the fields of the named step and of the steps
// before it, ignoring problems of later steps, so a multi-step form can
// check each page and carry the earlier pages' values.
func (f *Form) ValidateStep(ctx context.Context, step string, v any, locale string) (map[string]any, error) {
	st, ok := f.Step(step)
	if !ok {
		return nil, fmt.Errorf("forms: %s has no step %q: %w", f.id, step, ErrSyntax)
	}
	return f.validateValue(ctx, v, locale, st.Index)
}

func (f *Form) validateValue(ctx context.Context, v any, locale string, upTo int) (map[string]any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l := f.lang(locale)
	clean, err := f.normalize(v)
	if err != nil {
		return nil, f.inputFailure(err, l)
	}
	return f.validate(clean, l, upTo)
}

// normalize deep-copies v into the JSON data model, so validation never
// mutates the caller's value.
func (f *Form) normalize(v any) (any, error) {
	if m, ok := v.(map[string]any); ok && plain(m, 0, f.limits.maxDepth) {
		return deepCopy(m), nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, &inputError{kind: ErrSyntax, offset: -1, detail: err.Error()}
	}
	if int64(len(data)) > f.limits.maxBody {
		return nil, &inputError{kind: ErrTooLarge, offset: -1}
	}
	return decodeJSON(data, f.limits.maxDepth)
}

// plain reports whether m holds only JSON data model values.
func plain(v any, depth, max int) bool {
	switch x := v.(type) {
	case nil, bool, string:
		return true
	case json.Number:
		return isNumber(string(x))
	case map[string]any:
		if depth >= max {
			return false
		}
		for _, e := range x {
			if !plain(e, depth+1, max) {
				return false
			}
		}
		return true
	case []any:
		if depth >= max {
			return false
		}
		for _, e := range x {
			if !plain(e, depth+1, max) {
				return false
			}
		}
		return true
	}
	return false
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = deepCopy(e)
		}
		return a
	}
	return v
}

// validate checks a fresh value it may modify. upTo < 0 checks every step.
func (f *Form) validate(v any, l *lang, upTo int) (map[string]any, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		fe := FieldError{Code: "type", Params: map[string]any{"expected": "object"}}
		fe.Message = l.message("type.root", "", fe.Params)
		return nil, &ValidationError{Form: f.Pin(), Errors: []FieldError{fe}}
	}
	var probs []problem
	probs = f.prune(f.root, obj, nil, probs)
	if err := f.schema.Validate(obj); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return nil, fmt.Errorf("forms: validate %s: %w", f.id, err)
		}
		probs = collect(ve, probs)
	}
	if len(probs) == 0 {
		return obj, nil
	}
	errs := f.fieldErrors(probs, l, upTo)
	if len(errs) == 0 {
		return obj, nil
	}
	return nil, &ValidationError{Form: f.Pin(), Errors: errs}
}

// prune drops the values of hidden fields and reports unknown ones.
// Text is trimmed first, so conditions see what validation will.
func (f *Form) prune(parent *Field, obj map[string]any, path []string, probs []problem) []problem {
	for _, fl := range parent.Fields {
		if fl.keepSpace {
			continue
		}
		switch v := obj[fl.Name].(type) {
		case string:
			if t := strings.TrimSpace(v); t == "" {
				delete(obj, fl.Name) // a blank answer is no answer
			} else if len(t) != len(v) {
				obj[fl.Name] = t
			}
		case []any:
			for i, e := range v {
				if s, ok := e.(string); ok && fl.Type == "array" {
					v[i] = strings.TrimSpace(s)
				}
			}
		}
	}
	var verdicts []verdict
	known := 0
	for _, fl := range parent.Fields {
		v, present := obj[fl.Name]
		if len(fl.conds) > 0 && present && !visible(fl, obj, &verdicts) {
			delete(obj, fl.Name)
			continue
		}
		if present {
			known++
		}
		if code := fl.refuse(v); code != "" {
			probs = append(probs, problem{toks: append(slices.Clone(path), fl.Name), code: code})
		}
		if fl.Type == "object" {
			if child, ok := obj[fl.Name].(map[string]any); ok {
				probs = f.prune(fl, child, append(path, fl.Name), probs)
			}
		} else if fl.Widget == "group" {
			probs = f.pruneRows(fl, obj[fl.Name], append(path, fl.Name), probs)
		}
	}
	if f.allow || known == len(obj) {
		return probs
	}
	for k := range obj {
		if parent.names[k] == nil {
			probs = append(probs, problem{toks: append(slices.Clone(path), k), code: "additionalProperties"})
		}
	}
	return probs
}

// refuse returns the code of the first character a text value may not
// hold: C0 and C1 controls and DEL (tab and line breaks pass in a
// textarea), which hide text or break the screens that show it, and the
// bidirectional embeddings, overrides and isolates, which make a screen
// show text in another order than it was sent.
func (fl *Field) refuse(v any) string {
	if fl.allowControls {
		return ""
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if code := fl.refuse(e); code != "" {
				return code
			}
		}
	case string:
		for _, r := range x {
			switch {
			case (r == '\t' || r == '\n' || r == '\r') && fl.Widget == "textarea":
			case r < 0x20 || r >= 0x7f && r <= 0x9f:
				return "controlCharacter"
			case r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
				return "bidiControl"
			}
		}
	}
	return ""
}

// verdict caches one if-schema's result on one object: fields of a
// branch share its condition.
type verdict struct {
	ifs  *jsonschema.Schema
	pass bool
}

// visible reports whether one of the field's conditions holds on obj.
func visible(fl *Field, obj map[string]any, cache *[]verdict) bool {
	for _, c := range fl.conds {
		pass, known := false, false
		for _, v := range *cache {
			if v.ifs == c.ifs {
				pass, known = v.pass, true
				break
			}
		}
		if !known {
			pass = c.ifs.Validate(obj) == nil
			*cache = append(*cache, verdict{ifs: c.ifs, pass: pass})
		}
		if pass == c.want {
			return true
		}
	}
	return false
}

// fieldErrors keeps the most useful problem per field, in form order,
// skipping fields of steps after upTo.
func (f *Form) fieldErrors(probs []problem, l *lang, upTo int) []FieldError {
	type best struct {
		p     problem
		field *Field
		path  string
	}
	byPtr := map[string]*best{}
	for _, p := range probs {
		ptr := pointerOf(p.toks)
		fl, path := f.fieldAt(p.toks)
		if upTo >= 0 && len(p.toks) > 0 && f.stepOf(p.toks[0]) > upTo {
			continue
		}
		// the form's type rules come from its fields; a problem on an
		// unknown name is always about the name
		if b, ok := byPtr[ptr]; !ok || rank[p.code] < rank[b.p.code] {
			byPtr[ptr] = &best{p: p, field: fl, path: path}
		}
	}
	// a field with its own problem hides its parent group's "invalid"
	out := make([]FieldError, 0, len(byPtr))
	keys := make([]string, 0, len(byPtr))
	for k := range byPtr {
		keys = append(keys, k)
	}
	order := func(k string) int {
		if b := byPtr[k]; b.field != nil {
			return b.field.order
		}
		return len(f.ordered)
	}
	var rows map[string][]int
	if f.groups {
		// rows share their fields: order by row, then field
		rows = make(map[string][]int, len(keys))
		for _, k := range keys {
			rows[k] = f.errorRank(byPtr[k].p.toks)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if rows != nil {
			if c := slices.Compare(rows[keys[i]], rows[keys[j]]); c != 0 {
				return c < 0
			}
			return keys[i] < keys[j]
		}
		oi, oj := order(keys[i]), order(keys[j])
		if oi != oj {
			return oi < oj
		}
		return keys[i] < keys[j]
	})
	more := 0
	for _, k := range keys {
		b := byPtr[k]
		if b.p.code == "invalid" && hasChildError(byPtr, k) {
			continue
		}
		if len(out) == maxFieldErrors {
			more++
			continue
		}
		fe := FieldError{Pointer: k, Field: b.path, Code: b.p.code, Params: b.p.params}
		if b.field != nil {
			fe.Message = l.fieldMessage(b.field, b.p.code, b.p.params)
		} else {
			// a name the form does not declare is the client's text
			fe.Pointer, fe.Field = clip(k), clip(b.path)
			fe.Message = l.message(b.p.code, fe.Field, b.p.params)
		}
		out = append(out, fe)
	}
	if more > 0 {
		params := map[string]any{"count": more}
		out = append(out, FieldError{Code: "moreErrors", Message: l.message("moreErrors", "", params), Params: params})
	}
	return out
}

func hasChildError[T any](m map[string]T, ptr string) bool {
	for k := range m {
		if len(k) > len(ptr) && strings.HasPrefix(k, ptr+"/") {
			return true
		}
	}
	return false
}

// stepOf returns the index of the step holding a top-level field.
func (f *Form) stepOf(name string) int {
	for _, st := range f.steps {
		for _, fl := range st.Fields {
			if fl.Name == name {
				return st.Index
			}
		}
	}
	return 0
}

// ValidateRequest reads and validates an HTTP submission: a JSON body
// (application/json) or an HTML form post
// (application/x-www-form-urlencoded, at most 1,000 values), at most
// RegistryConfig.MaxBodyBytes, or, with a file store, a
// multipart/form-data post with files (see ReadPost). Any other
// Content-Type, or none, is refused with ErrUnsupportedMediaType before
// the body is read. It always checks the
// whole form; ReadPost reads the same posts and also keeps the entered
// values for drawing the form again, and names the files of a post with
// files (Post.Files), which a submission needs; a refused post's files
// are discarded here, as no page will carry them.
func (f *Form) ValidateRequest(ctx context.Context, r *http.Request, locale string) (map[string]any, error) {
	p, err := f.readPost(ctx, r, locale, false)
	if err != nil {
		return nil, err
	}
	if p.Errors != nil {
		return nil, p.Errors
	}
	return p.Values, nil
}
