package forms

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/civickit/civickit/adapters"
)

// The input limit errors. Each wraps adapters.ErrInvalidArgument, and the
// *ValidationError reporting one unwraps to it, so callers can test with
// errors.Is.
var (
	// ErrTooLarge reports a body larger than Config.MaxBodyBytes.
	ErrTooLarge = fmt.Errorf("forms: body too large: %w", adapters.ErrInvalidArgument)
	// ErrTooDeep reports values nested deeper than Config.MaxDepth.
	ErrTooDeep = fmt.Errorf("forms: nesting too deep: %w", adapters.ErrInvalidArgument)
	// ErrDuplicateKey reports an object with the same key twice.
	ErrDuplicateKey = fmt.Errorf("forms: duplicate key: %w", adapters.ErrInvalidArgument)
	// ErrInvalidUTF8 reports input that is not valid UTF-8.
	ErrInvalidUTF8 = fmt.Errorf("forms: invalid UTF-8: %w", adapters.ErrInvalidArgument)
	// ErrSyntax reports input that is not well-formed JSON or form data.
	ErrSyntax = fmt.Errorf("forms: malformed input: %w", adapters.ErrInvalidArgument)
)

// inputError is a limit or syntax failure with where it happened.
type inputError struct {
	kind    error
	offset  int
	pointer string
	detail  string
}

func (e *inputError) Error() string {
	var b strings.Builder
	b.WriteString(e.kind.Error())
	// A duplicated key is the client's text, so the error (which callers
	// may log) gives only its byte offset.
	if e.pointer != "" && e.kind != ErrDuplicateKey {
		fmt.Fprintf(&b, " at %s", e.pointer)
	}
	if e.offset >= 0 {
		fmt.Fprintf(&b, " (byte %d)", e.offset)
	}
	if e.detail != "" {
		b.WriteString(": ")
		b.WriteString(e.detail)
	}
	return b.String()
}

func (e *inputError) Unwrap() error { return e.kind }

// jsonReader decodes one JSON document into nil, bool, json.Number,
// string, []any and map[string]any, refusing what encoding/json lets
// through: duplicate keys, invalid UTF-8, and unbounded nesting. The
// standard decoder keeps the last duplicate silently, which lets two
// parties read different values from one submission.
type jsonReader struct {
	data     []byte
	pos      int
	depth    int
	maxDepth int
	// keyOrder, when set, receives each object's keys in document order
	// with the object's JSON pointer. Definitions use it to keep the
	// author's field order.
	keyOrder func(pointer string, keys []string)
	path     []string
}

func decodeJSON(data []byte, maxDepth int) (any, error) {
	r := jsonReader{data: data, maxDepth: maxDepth}
	return r.document()
}

func (r *jsonReader) document() (any, error) {
	if !utf8.Valid(r.data) {
		off := 0
		for off < len(r.data) {
			c, size := utf8.DecodeRune(r.data[off:])
			if c == utf8.RuneError && size <= 1 {
				break
			}
			off += size
		}
		return nil, &inputError{kind: ErrInvalidUTF8, offset: off}
	}
	r.skipSpace()
	v, err := r.value()
	if err != nil {
		return nil, err
	}
	r.skipSpace()
	if r.pos != len(r.data) {
		return nil, r.syntax("data after the top-level value")
	}
	return v, nil
}

func (r *jsonReader) syntax(detail string) error {
	return &inputError{kind: ErrSyntax, offset: r.pos, detail: detail}
}

func (r *jsonReader) skipSpace() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

func (r *jsonReader) value() (any, error) {
	if r.pos >= len(r.data) {
		return nil, r.syntax("unexpected end of input")
	}
	switch c := r.data[r.pos]; {
	case c == '{':
		return r.object()
	case c == '[':
		return r.array()
	case c == '"':
		return r.string()
	case c == 't':
		return true, r.literal("true")
	case c == 'f':
		return false, r.literal("false")
	case c == 'n':
		return nil, r.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return r.number()
	default:
		return nil, r.syntax(fmt.Sprintf("unexpected character %q", c))
	}
}

func (r *jsonReader) literal(word string) error {
	if len(r.data)-r.pos < len(word) || string(r.data[r.pos:r.pos+len(word)]) != word {
		return r.syntax("invalid literal")
	}
	r.pos += len(word)
	return nil
}

func (r *jsonReader) enter() error {
	r.depth++
	if r.depth > r.maxDepth {
		return &inputError{kind: ErrTooDeep, offset: r.pos, pointer: pointerOf(r.path),
			detail: fmt.Sprintf("more than %d levels", r.maxDepth)}
	}
	return nil
}

func (r *jsonReader) object() (any, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer func() { r.depth-- }()
	r.pos++ // '{'
	m := make(map[string]any)
	var keys []string
	r.skipSpace()
	if r.pos < len(r.data) && r.data[r.pos] == '}' {
		r.pos++
		r.reportKeys(keys)
		return m, nil
	}
	for {
		r.skipSpace()
		if r.pos >= len(r.data) || r.data[r.pos] != '"' {
			return nil, r.syntax("expected a string key")
		}
		keyAt := r.pos
		k, err := r.string()
		if err != nil {
			return nil, err
		}
		key := k.(string)
		if _, dup := m[key]; dup {
			return nil, &inputError{kind: ErrDuplicateKey, offset: keyAt,
				pointer: pointerOf(append(r.path, key))}
		}
		r.skipSpace()
		if r.pos >= len(r.data) || r.data[r.pos] != ':' {
			return nil, r.syntax("expected ':' after a key")
		}
		r.pos++
		r.skipSpace()
		r.path = append(r.path, key)
		v, err := r.value()
		r.path = r.path[:len(r.path)-1]
		if err != nil {
			return nil, err
		}
		m[key] = v
		if r.keyOrder != nil {
			keys = append(keys, key)
		}
		r.skipSpace()
		if r.pos >= len(r.data) {
			return nil, r.syntax("unexpected end of input in an object")
		}
		switch r.data[r.pos] {
		case ',':
			r.pos++
		case '}':
			r.pos++
			r.reportKeys(keys)
			return m, nil
		default:
			return nil, r.syntax("expected ',' or '}' in an object")
		}
	}
}

func (r *jsonReader) reportKeys(keys []string) {
	if r.keyOrder != nil {
		r.keyOrder(pointerOf(r.path), keys)
	}
}

func (r *jsonReader) array() (any, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer func() { r.depth-- }()
	r.pos++ // '['
	a := []any{}
	r.skipSpace()
	if r.pos < len(r.data) && r.data[r.pos] == ']' {
		r.pos++
		return a, nil
	}
	for {
		r.skipSpace()
		if r.keyOrder != nil {
			r.path = append(r.path, strconv.Itoa(len(a)))
		}
		v, err := r.value()
		if r.keyOrder != nil {
			r.path = r.path[:len(r.path)-1]
		}
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		r.skipSpace()
		if r.pos >= len(r.data) {
			return nil, r.syntax("unexpected end of input in an array")
		}
		switch r.data[r.pos] {
		case ',':
			r.pos++
		case ']':
			r.pos++
			return a, nil
		default:
			return nil, r.syntax("expected ',' or ']' in an array")
		}
	}
}

func (r *jsonReader) string() (any, error) {
	r.pos++ // opening quote
	start := r.pos
	for r.pos < len(r.data) {
		c := r.data[r.pos]
		switch {
		case c == '"':
			s := string(r.data[start:r.pos])
			r.pos++
			return s, nil
		case c == '\\':
			return r.escapedString(start)
		case c < 0x20:
			return nil, r.syntax("control character in a string")
		}
		r.pos++
	}
	return nil, r.syntax("unterminated string")
}

func (r *jsonReader) escapedString(start int) (any, error) {
	b := make([]byte, 0, r.pos-start+16)
	b = append(b, r.data[start:r.pos]...)
	for r.pos < len(r.data) {
		c := r.data[r.pos]
		switch {
		case c == '"':
			r.pos++
			return string(b), nil
		case c < 0x20:
			return nil, r.syntax("control character in a string")
		case c != '\\':
			b = append(b, c)
			r.pos++
			continue
		}
		r.pos++
		if r.pos >= len(r.data) {
			break
		}
		e := r.data[r.pos]
		r.pos++
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			c1, ok := r.hex4()
			if !ok {
				return nil, r.syntax("invalid \\u escape")
			}
			if utf16.IsSurrogate(c1) {
				save := r.pos
				if r.pos+1 < len(r.data) && r.data[r.pos] == '\\' && r.data[r.pos+1] == 'u' {
					r.pos += 2
					if c2, ok := r.hex4(); ok {
						if d := utf16.DecodeRune(c1, c2); d != utf8.RuneError {
							b = utf8.AppendRune(b, d)
							continue
						}
					}
				}
				r.pos = save
				c1 = utf8.RuneError
			}
			b = utf8.AppendRune(b, c1)
		default:
			return nil, r.syntax("invalid escape")
		}
	}
	return nil, r.syntax("unterminated string")
}

func (r *jsonReader) hex4() (rune, bool) {
	if len(r.data)-r.pos < 4 {
		return 0, false
	}
	var v rune
	for _, c := range r.data[r.pos : r.pos+4] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	r.pos += 4
	return v, true
}

func (r *jsonReader) number() (any, error) {
	start := r.pos
	if r.data[r.pos] == '-' {
		r.pos++
	}
	switch {
	case r.pos < len(r.data) && r.data[r.pos] == '0':
		r.pos++
	case r.pos < len(r.data) && r.data[r.pos] >= '1' && r.data[r.pos] <= '9':
		r.digits()
	default:
		return nil, r.syntax("invalid number")
	}
	if r.pos < len(r.data) && r.data[r.pos] == '.' {
		r.pos++
		if r.digits() == 0 {
			return nil, r.syntax("invalid number")
		}
	}
	if r.pos < len(r.data) && (r.data[r.pos] == 'e' || r.data[r.pos] == 'E') {
		r.pos++
		if r.pos < len(r.data) && (r.data[r.pos] == '+' || r.data[r.pos] == '-') {
			r.pos++
		}
		expAt := r.pos
		if r.digits() == 0 {
			return nil, r.syntax("invalid number")
		}
		if exp, err := strconv.Atoi(string(r.data[expAt:r.pos])); err != nil || exp > maxExponent {
			return nil, &inputError{kind: ErrSyntax, offset: start, pointer: pointerOf(r.path), detail: "number out of range"}
		}
	}
	if r.pos-start > maxNumberLen {
		return nil, &inputError{kind: ErrSyntax, offset: start, pointer: pointerOf(r.path), detail: "number too long"}
	}
	return json.Number(r.data[start:r.pos]), nil
}

// Numbers are bounded: exact decimal arithmetic on 1e999999999 costs
// unbounded memory, and jsonschema/v6 fails on exponents math/big
// refuses. Any figure a form needs fits well inside these.
const (
	maxExponent  = 400
	maxNumberLen = 100
)

func (r *jsonReader) digits() int {
	n := 0
	for r.pos < len(r.data) && r.data[r.pos] >= '0' && r.data[r.pos] <= '9' {
		r.pos++
		n++
	}
	return n
}

// pointerOf renders path tokens as an RFC 6901 JSON pointer.
func pointerOf(path []string) string {
	if len(path) == 0 {
		return ""
	}
	var b strings.Builder
	for _, tok := range path {
		b.WriteByte('/')
		if strings.ContainsAny(tok, "~/") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
		}
		b.WriteString(tok)
	}
	return b.String()
}

// isInputError reports whether err is a limit or syntax failure.
func isInputError(err error) bool {
	var ie *inputError
	return errors.As(err, &ie)
}

// isNumber reports whether r's data is exactly one JSON number.
func isNumber(r jsonReader) bool {
	if len(r.data) == 0 || (r.data[0] != '-' && (r.data[0] < '0' || r.data[0] > '9')) {
		return false
	}
	_, err := r.number()
	return err == nil && r.pos == len(r.data)
}

func jsonNumber(s string) json.Number { return json.Number(s) }
