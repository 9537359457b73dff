package forms

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/civickit/civickit/adapters"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// FieldError is one problem with one submitted field.
type FieldError struct {
	// Pointer is the RFC 6901 pointer of the value ("/applicant/email").
	Pointer string `json:"pointer"`
	// Field is the dotted field path ("applicant.email"), the name of the
	// HTML input.
	Field string `json:"field"`
	// Code is stable across versions and locales: required, type, format,
	// minLength, maxLength, minimum, maximum, exclusiveMinimum,
	// exclusiveMaximum, multipleOf, pattern, enum, const, minItems,
	// maxItems, uniqueItems, additionalProperties, invalid,
	// controlCharacter, bidiControl, for input limits tooLarge, tooDeep,
	// duplicateKey, invalidUTF8, syntax, tooManyFields,
	// unsupportedMediaType, rowIndex (a row of a repeating group that
	// cannot exist), and moreErrors for the entry that counts the
	// problems left out after the first 50.
	Code string `json:"code"`
	// Message is plain language in the requested locale.
	Message string `json:"message"`
	// Params carries the figures the message uses (limit, format,
	// expected, allowed...).
	Params map[string]any `json:"params,omitempty"`
}

// ValidationError reports why a submission was refused: one FieldError
// per field, in form order, at most 50 and then one moreErrors entry. A
// name the form does not declare is clipped to 40 bytes, so an error
// never grows with the input. It unwraps to adapters.ErrInvalidArgument,
// and for input limits also to ErrTooLarge, ErrTooDeep, ErrDuplicateKey,
// ErrInvalidUTF8, ErrSyntax, ErrTooManyFields, ErrUnsupportedMediaType or
// ErrRowIndex.
type ValidationError struct {
	// Form pins the definition the submission was checked against.
	Form Pin
	// Errors lists the problems, one per field.
	Errors []FieldError
	cause  error
}

// Error summarises the codes per field; it never includes submitted
// values, so it is safe to log.
func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "forms: %s@%d: %d invalid field(s):", e.Form.ID, e.Form.Version, len(e.Errors))
	for i, fe := range e.Errors {
		if i == 5 {
			b.WriteString(" ...")
			break
		}
		name := fe.Field
		switch {
		case name == "":
			name = "(submission)"
		case fe.Code == "additionalProperties" || fe.Code == "duplicateKey":
			// the name is a key the client chose, not one of the form's
			name = "(undeclared)"
		}
		fmt.Fprintf(&b, " %q (%s)", name, fe.Code)
	}
	return b.String()
}

// Unwrap returns the input-limit sentinel, if any, and
// adapters.ErrInvalidArgument.
func (e *ValidationError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.cause}
	}
	return []error{adapters.ErrInvalidArgument}
}

// For returns the error of the field with the dotted path.
func (e *ValidationError) For(field string) (FieldError, bool) {
	for _, fe := range e.Errors {
		if fe.Field == field {
			return fe, true
		}
	}
	return FieldError{}, false
}

var inputCodes = map[error]string{ErrTooLarge: "tooLarge", ErrTooDeep: "tooDeep", ErrDuplicateKey: "duplicateKey",
	ErrInvalidUTF8: "invalidUTF8", ErrSyntax: "syntax", ErrTooManyFields: "tooManyFields",
	ErrUnsupportedMediaType: "unsupportedMediaType", ErrRowIndex: "rowIndex"}

// inputFailure turns a reader error into a *ValidationError; f may be
// nil when no form is at hand.
func (f *Form) inputFailure(err error, l *lang) error {
	var ie *inputError
	if !errors.As(err, &ie) {
		return err
	}
	code := inputCodes[ie.kind]
	fe := FieldError{Pointer: clip(ie.pointer), Code: code, Params: map[string]any{}}
	label := ""
	if ie.pointer != "" {
		fl, path := f.fieldAt(splitPointer(ie.pointer))
		fe.Field, label = clip(path), clip(path)
		if fl != nil {
			fe.Field, label = path, fl.labelIn(l)
		}
	}
	if ie.offset >= 0 {
		fe.Params["offset"] = ie.offset
	}
	pin := Pin{}
	if f != nil {
		pin = f.Pin()
		switch ie.kind {
		case ErrTooLarge:
			fe.Params["limit"] = f.limits.maxBody
		case ErrTooDeep:
			fe.Params["limit"] = f.limits.maxDepth
		}
	}
	fe.Message = l.message(code, label, fe.Params)
	return &ValidationError{Form: pin, Errors: []FieldError{fe}, cause: ie}
}

func splitPointer(p string) []string {
	if p == "" {
		return nil
	}
	toks := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, t := range toks {
		if strings.Contains(t, "~") {
			toks[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
		}
	}
	return toks
}

// fieldAt finds the field a value location belongs to, skipping array
// indexes, and returns its dotted path (made from the tokens when the
// field is unknown).
func (f *Form) fieldAt(toks []string) (*Field, string) {
	var cur *Field
	if f != nil {
		cur = f.root
	}
	var names []string
	atRow := false
	for _, t := range toks {
		if cur != nil && cur.Type == "array" && !atRow {
			if cur.Widget == "group" {
				// a row keeps its index: "members.2.dob"
				names, atRow = append(names, t), true
			}
			continue
		}
		atRow = false
		names = append(names, t)
		if cur == nil {
			continue
		}
		cur = cur.names[t]
	}
	if len(names) == 0 {
		return nil, ""
	}
	return cur, strings.Join(names, ".")
}

// problem is one candidate error before the one-per-field choice.
type problem struct {
	toks   []string
	code   string
	params map[string]any
}

// rank orders codes by how useful they are to a resident: first say what
// is missing, then what kind of value is wanted, then finer rules.
var rank = map[string]int{
	"required": 0, "type": 1, "controlCharacter": 2, "bidiControl": 3, "additionalProperties": 4,
	"enum": 5, "const": 6, "format": 7, "minLength": 8, "maxLength": 9, "minimum": 10, "maximum": 11,
	"exclusiveMinimum": 12, "exclusiveMaximum": 13, "multipleOf": 14, "minItems": 15, "maxItems": 16,
	"uniqueItems": 17, "pattern": 18, "invalid": 19,
}

// collect flattens a jsonschema error tree into problems.
func collect(ve *jsonschema.ValidationError, out []problem) []problem {
	loc := ve.InstanceLocation
	at := func(name string) []string { return append(slices.Clone(loc), name) }
	switch k := ve.ErrorKind.(type) {
	case *kind.Required:
		for _, m := range k.Missing {
			out = append(out, problem{toks: at(m), code: "required"})
		}
	case *kind.DependentRequired:
		out = dependentRequired(out, at, k.Prop, k.Missing)
	case *kind.Dependency:
		out = dependentRequired(out, at, k.Prop, k.Missing)
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			out = append(out, problem{toks: at(p), code: "additionalProperties"})
		}
	case *kind.Type:
		want := ""
		for _, w := range k.Want {
			if w != "null" {
				want = w
				break
			}
		}
		out = append(out, problem{toks: loc, code: "type", params: map[string]any{"expected": want}})
	case *kind.Format:
		out = append(out, problem{toks: loc, code: "format", params: map[string]any{"format": k.Want}})
	case *kind.MinLength:
		out = append(out, problem{toks: loc, code: "minLength", params: map[string]any{"limit": k.Want}})
	case *kind.MaxLength:
		out = append(out, problem{toks: loc, code: "maxLength", params: map[string]any{"limit": k.Want}})
	case *kind.Minimum:
		out = append(out, problem{toks: loc, code: "minimum", params: map[string]any{"limit": ratString(k.Want)}})
	case *kind.Maximum:
		out = append(out, problem{toks: loc, code: "maximum", params: map[string]any{"limit": ratString(k.Want)}})
	case *kind.ExclusiveMinimum:
		out = append(out, problem{toks: loc, code: "exclusiveMinimum", params: map[string]any{"limit": ratString(k.Want)}})
	case *kind.ExclusiveMaximum:
		out = append(out, problem{toks: loc, code: "exclusiveMaximum", params: map[string]any{"limit": ratString(k.Want)}})
	case *kind.MultipleOf:
		out = append(out, problem{toks: loc, code: "multipleOf", params: map[string]any{"limit": ratString(k.Want)}})
	case *kind.Pattern:
		out = append(out, problem{toks: loc, code: "pattern", params: map[string]any{"pattern": k.Want}})
	case *kind.Enum:
		out = append(out, problem{toks: loc, code: "enum", params: map[string]any{"allowed": k.Want}})
	case *kind.Const:
		out = append(out, problem{toks: loc, code: "const", params: map[string]any{"value": k.Want}})
	case *kind.MinItems:
		out = append(out, problem{toks: loc, code: "minItems", params: map[string]any{"limit": k.Want}})
	case *kind.MaxItems:
		out = append(out, problem{toks: loc, code: "maxItems", params: map[string]any{"limit": k.Want}})
	case *kind.UniqueItems:
		out = append(out, problem{toks: loc, code: "uniqueItems"})
	default:
		if len(ve.Causes) == 0 {
			out = append(out, problem{toks: loc, code: "invalid"})
		}
	}
	for _, c := range ve.Causes {
		out = collect(c, out)
	}
	return out
}

// dependentRequired reports the fields that prop's presence requires.
func dependentRequired(out []problem, at func(string) []string, prop string, missing []string) []problem {
	for _, m := range missing {
		out = append(out, problem{toks: at(m), code: "required", params: map[string]any{"because": prop}})
	}
	return out
}

func ratString(r *big.Rat) string {
	if r == nil {
		return ""
	}
	if r.IsInt() {
		return r.Num().String()
	}
	return r.FloatString(2)
}

// maxEcho bounds how much of a client-chosen name an error repeats.
const maxEcho = 40

// clip shortens s to at most maxEcho bytes on a rune boundary, marking
// the cut with an ellipsis, so errors never grow with the input.
func clip(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	cut := maxEcho
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// maxFieldErrors bounds the field errors one refusal lists; one more
// entry, code moreErrors, counts the rest.
const maxFieldErrors = 50
