package forms

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/civickit/civickit/adapters"
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// The input limit errors. Each wraps adapters.ErrInvalidArgument, and the
// *ValidationError reporting one unwraps to it, so callers can test with
// errors.Is.
var (
	// ErrTooLarge reports a body larger than RegistryConfig.MaxBodyBytes.
	ErrTooLarge = fmt.Errorf("forms: body too large: %w", adapters.ErrInvalidArgument)
	// ErrTooDeep reports values nested deeper than RegistryConfig.MaxDepth.
	ErrTooDeep = fmt.Errorf("forms: nesting too deep: %w", adapters.ErrInvalidArgument)
	// ErrDuplicateKey reports an object with the same key twice.
	ErrDuplicateKey = fmt.Errorf("forms: duplicate key: %w", adapters.ErrInvalidArgument)
	// ErrInvalidUTF8 reports input that is not valid UTF-8.
	ErrInvalidUTF8 = fmt.Errorf("forms: invalid UTF-8: %w", adapters.ErrInvalidArgument)
	// ErrSyntax reports input that is not well-formed JSON or form data.
	ErrSyntax = fmt.Errorf("forms: malformed input: %w", adapters.ErrInvalidArgument)
	// ErrTooManyFields reports a form post with more than 1,000 values.
	ErrTooManyFields = fmt.Errorf("forms: too many fields: %w", adapters.ErrInvalidArgument)
	// ErrUnsupportedMediaType reports a request body that is neither
	// application/json nor application/x-www-form-urlencoded.
	ErrUnsupportedMediaType = fmt.Errorf("forms: unsupported media type: %w", adapters.ErrInvalidArgument)
)

// inputError is a limit or syntax failure with where it happened.
type inputError struct {
	kind    error
	offset  int
	pointer string
	detail  string
	form    *Form // the form that read a form post, for its languages
}

func (e *inputError) Error() string {
	var b strings.Builder
	b.WriteString(e.kind.Error())
	// A duplicated key is the client's text, so the error (which callers
	// may log) gives only its byte offset; other pointers are clipped.
	if e.pointer != "" && e.kind != ErrDuplicateKey {
		fmt.Fprintf(&b, " at %s", clip(e.pointer))
	}
	if e.offset >= 0 {
		fmt.Fprintf(&b, " (byte %d)", e.offset)
	}
	if e.detail != "" {
		b.WriteString(": ")
		b.WriteString(clip(e.detail))
	}
	return b.String()
}

func (e *inputError) Unwrap() error { return e.kind }

// jsonReader decodes one JSON document with jsontext into nil, bool,
// json.Number, string, []any and map[string]any. jsontext refuses
// duplicate names and invalid UTF-8, which encoding/json lets through
// (it keeps the last duplicate silently, so two parties could read
// different values from one submission); the reader adds the depth and
// number bounds.
type jsonReader struct {
	dec      *jsontext.Decoder
	maxDepth int
	// keyOrder, when set, receives each object's names in document order
	// with the object's JSON pointer. Definitions use it to keep the
	// author's field order.
	keyOrder func(pointer string, keys []string)
	path     []string
	// names, when set, holds the names a form knows, so an object's
	// names are shared strings instead of one copy per submission, and
	// rootSize the number of top-level fields, so the top object is
	// made once at its size.
	names    map[string]string
	rootSize int
}

var decoders = sync.Pool{New: func() any { return jsontext.NewDecoder(bytes.NewReader(nil)) }}

func decodeJSON(data []byte, maxDepth int) (any, error) {
	return readJSON(data, jsonReader{maxDepth: maxDepth})
}

// decodeSubmission decodes a submission to f.
func (f *Form) decodeSubmission(data []byte) (any, error) {
	return readJSON(data, jsonReader{maxDepth: f.limits.maxDepth, names: f.names, rootSize: len(f.root.Fields)})
}

func readJSON(data []byte, r jsonReader) (any, error) {
	if !utf8.Valid(data) {
		off := 0
		for r, size := utf8.DecodeRune(data); r != utf8.RuneError || size > 1; r, size = utf8.DecodeRune(data[off:]) {
			off += size
		}
		return nil, &inputError{kind: ErrInvalidUTF8, offset: off}
	}
	dec := decoders.Get().(*jsontext.Decoder)
	defer func() {
		dec.Reset(bytes.NewReader(nil)) // keep no reference to data
		decoders.Put(dec)
	}()
	dec.Reset(bytes.NewBuffer(data))
	r.dec = dec
	v, err := r.value()
	if err != nil {
		return nil, err
	}
	if _, err := r.dec.ReadToken(); err != io.EOF {
		return nil, &inputError{kind: ErrSyntax, offset: int(r.dec.InputOffset()), detail: "data after the top-level value"}
	}
	return v, nil
}

// fail turns a jsontext error into an inputError.
func (r *jsonReader) fail(err error) error {
	var se *jsontext.SyntacticError
	switch {
	case errors.As(err, &se) && errors.Is(se.Err, jsontext.ErrDuplicateName):
		return &inputError{kind: ErrDuplicateKey, offset: int(se.ByteOffset), pointer: string(se.JSONPointer)}
	case errors.As(err, &se):
		return &inputError{kind: ErrSyntax, offset: int(se.ByteOffset), detail: se.Err.Error()}
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return &inputError{kind: ErrSyntax, offset: int(r.dec.InputOffset()), detail: "unexpected end of input"}
	}
	return &inputError{kind: ErrSyntax, offset: int(r.dec.InputOffset()), detail: err.Error()}
}

func (r *jsonReader) value() (any, error) {
	tok, err := r.dec.ReadToken()
	if err != nil {
		return nil, r.fail(err)
	}
	switch tok.Kind() {
	case 'n':
		return nil, nil
	case 't', 'f':
		return tok.Bool(), nil
	case '"':
		return tok.String(), nil
	case '0':
		n := tok.String()
		if !boundedNumber(n) {
			return nil, &inputError{kind: ErrSyntax, offset: int(r.dec.InputOffset()) - len(n),
				pointer: string(r.dec.StackPointer()), detail: "number out of range"}
		}
		return stdjson.Number(n), nil
	}
	if d := r.dec.StackDepth(); d > r.maxDepth {
		return nil, &inputError{kind: ErrTooDeep, offset: int(r.dec.InputOffset()) - 1,
			pointer: string(r.dec.StackPointer()), detail: fmt.Sprintf("more than %d levels", r.maxDepth)}
	}
	if tok.Kind() == '[' {
		a := []any{}
		for r.dec.PeekKind() != ']' {
			if r.keyOrder != nil {
				r.path = append(r.path, strconv.Itoa(len(a)))
			}
			v, err := r.value()
			if err != nil {
				return nil, err
			}
			if r.keyOrder != nil {
				r.path = r.path[:len(r.path)-1]
			}
			a = append(a, v)
		}
		_, err := r.dec.ReadToken()
		return a, err
	}
	size := 0
	if r.dec.StackDepth() == 1 {
		size = r.rootSize
	}
	m := make(map[string]any, size)
	var keys []string
	for {
		if r.dec.PeekKind() == '}' {
			if _, err := r.dec.ReadToken(); err != nil {
				return nil, r.fail(err)
			}
			break
		}
		k, err := r.name()
		if err != nil {
			return nil, err
		}
		if r.keyOrder != nil {
			r.path = append(r.path, k)
			keys = append(keys, k)
		}
		v, err := r.value()
		if err != nil {
			return nil, err
		}
		if r.keyOrder != nil {
			r.path = r.path[:len(r.path)-1]
		}
		m[k] = v
	}
	if r.keyOrder != nil {
		r.keyOrder(pointerOf(r.path), keys)
	}
	return m, nil
}

// name reads an object's name, reusing the form's copy of a known one.
func (r *jsonReader) name() (string, error) {
	raw, err := r.dec.ReadValue()
	if err != nil {
		return "", r.fail(err)
	}
	if k, ok := r.names[string(raw[1:len(raw)-1])]; ok && bytes.IndexByte(raw, '\\') < 0 {
		return k, nil
	}
	k, err := jsontext.AppendUnquote(nil, raw)
	return string(k), err
}

// Numbers are bounded: exact decimal arithmetic on 1e999999999 costs
// unbounded memory, and jsonschema/v6 fails on exponents math/big
// refuses. Any figure a form needs fits well inside these.
const (
	maxExponent  = 400
	maxNumberLen = 100
)

var numberSyntax = regexp.MustCompile(`^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$`)

// boundedNumber reports whether s, known to be a JSON number, is within
// the bounds.
func boundedNumber(s string) bool {
	if len(s) > maxNumberLen {
		return false
	}
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return true
	}
	exp, err := strconv.Atoi(strings.TrimLeft(s[i+1:], "+-"))
	return err == nil && exp <= maxExponent
}

// isNumber reports whether s is one JSON number within the bounds.
func isNumber(s string) bool { return numberSyntax.MatchString(s) && boundedNumber(s) }

// encoders write like encoding/json: names sorted, and <, >, &, U+2028
// and U+2029 escaped so the output is safe inside HTML script blocks.
// Numbers keep their text.
var (
	writeOptions = json.JoinOptions(jsontext.EscapeForHTML(true), jsontext.EscapeForJS(true), jsontext.AllowDuplicateNames(true))
	encoders     = sync.Pool{New: func() any { return jsontext.NewEncoder(io.Discard) }}
)

// appendJSON encodes a value of the JSON data model (as the reader makes
// them); other values go through json.Marshal.
func appendJSON(b []byte, v any) ([]byte, error) { return appendValue(b, v, nil) }

// appendValue is appendJSON for a value of field fl (nil when unknown):
// an object whose names are all fields of fl is written in fl's sorted
// field order, so no names are sorted per value.
func appendValue(b []byte, v any, fl *Field) ([]byte, error) {
	buf := bytes.NewBuffer(b)
	enc := encoders.Get().(*jsontext.Encoder)
	defer encoders.Put(enc)
	enc.Reset(buf, writeOptions)
	if err := writeJSON(enc, v, fl); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func writeJSON(enc *jsontext.Encoder, v any, fl *Field) error {
	switch x := v.(type) {
	case nil:
		return enc.WriteToken(jsontext.Null)
	case bool:
		return enc.WriteToken(jsontext.Bool(x))
	case string:
		return enc.WriteToken(jsontext.String(x))
	case stdjson.Number:
		if x == "" {
			x = "0"
		}
		return enc.WriteValue(jsontext.Value(x))
	case []any:
		if err := enc.WriteToken(jsontext.BeginArray); err != nil {
			return err
		}
		var row *Field // a repeating group's rows are objects of its fields
		if fl != nil && fl.Widget == "group" {
			row = fl
		}
		for _, e := range x {
			if err := writeJSON(enc, e, row); err != nil {
				return err
			}
		}
		return enc.WriteToken(jsontext.EndArray)
	case map[string]any:
		if err := enc.WriteToken(jsontext.BeginObject); err != nil {
			return err
		}
		if fl != nil && allFieldsOf(fl, x) {
			for _, c := range fl.byName {
				if e, ok := x[c.Name]; ok {
					if err := enc.WriteToken(jsontext.String(c.Name)); err != nil {
						return err
					}
					if err := writeJSON(enc, e, c); err != nil {
						return err
					}
				}
			}
			return enc.WriteToken(jsontext.EndObject)
		}
		var buf [32]string
		keys := buf[:0]
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := enc.WriteToken(jsontext.String(k)); err != nil {
				return err
			}
			if err := writeJSON(enc, x[k], nil); err != nil {
				return err
			}
		}
		return enc.WriteToken(jsontext.EndObject)
	}
	return json.MarshalEncode(enc, v)
}

// allFieldsOf reports whether every name of obj is a field of fl.
func allFieldsOf(fl *Field, obj map[string]any) bool {
	if len(obj) > len(fl.byName) {
		return false
	}
	n := 0
	for _, c := range fl.byName {
		if _, ok := obj[c.Name]; ok {
			n++
		}
	}
	return n == len(obj)
}

// pointerOf renders path tokens as an RFC 6901 JSON pointer.
func pointerOf(path []string) string {
	var b strings.Builder
	for _, tok := range path {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

// isInputError reports whether err is a limit or syntax failure.
func isInputError(err error) bool {
	var ie *inputError
	return errors.As(err, &ie)
}
