package forms

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loadSmall returns a one-field form, so a page's size is mostly its
// errors.
func loadSmall(tb testing.TB) *Form {
	tb.Helper()
	r, err := NewRegistry(nil)
	require.NoError(tb, err)
	f, err := r.Load(context.Background(), "small.json", []byte(`{"x-form":{"id":"small","version":1},"type":"object",
	  "required":["name"],"properties":{"name":{"type":"string","title":"Name","minLength":2},
	  "notes":{"type":"string","x-widget":"textarea"}}}`))
	require.NoError(tb, err)
	return f
}

// unknownKeys builds a body just under 1 MiB of made-up names, each
// keyLen bytes long, as JSON or as a form post.
func unknownKeys(keyLen int, asJSON bool) []byte {
	var b bytes.Buffer
	if asJSON {
		b.WriteByte('{')
	}
	for i := 0; ; i++ {
		key := fmt.Sprintf("k%d-", i)
		key += strings.Repeat("é", (keyLen-len(key))/2)
		entry := url.QueryEscape(key) + "=1"
		if asJSON {
			entry = fmt.Sprintf("%q:1", key)
		}
		if b.Len()+len(entry)+2 > DefaultMaxBodyBytes {
			break
		}
		if i > 0 {
			b.WriteString(map[bool]string{true: ",", false: "&"}[asJSON])
		}
		b.WriteString(entry)
	}
	if asJSON {
		b.WriteByte('}')
	}
	return b.Bytes()
}

func TestErrorsNeverAmplifyInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		contentType string
		keyLen      int
	}{
		{name: "JSON short names", contentType: "application/json", keyLen: 8},
		{name: "JSON long names", contentType: "application/json", keyLen: 4000},
		{name: "form post short names", contentType: "application/x-www-form-urlencoded", keyLen: 8},
		{name: "form post long names", contentType: "application/x-www-form-urlencoded", keyLen: 1200},
	}
	f := loadSmall(t)
	r, err := NewRenderer(nil)
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := unknownKeys(tt.keyLen, tt.contentType == "application/json")
			require.Greater(t, len(body), DefaultMaxBodyBytes-10000, "about 1 MiB")
			req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
			req.Header.Set("Content-Type", tt.contentType)
			_, err := f.ValidateRequest(context.Background(), req, "es")
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.LessOrEqual(t, len(ve.Errors), maxFieldErrors+1, "field errors are capped")
			assert.Less(t, len(err.Error()), 1024, "the error text stays small for logs")

			rec := httptest.NewRecorder()
			WriteProblem(rec, err, "es")
			assert.Less(t, rec.Body.Len(), 16<<10, "problem+json stays under 16 KiB")
			var p Problem
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
			require.NotEmpty(t, p.InvalidParams)

			var page bytes.Buffer
			require.NoError(t, r.Render(&page, Page{Form: f, Locale: "es", Errors: ve}))
			assert.Less(t, page.Len(), 16<<10, "the HTML error page stays under 16 KiB")
			for _, fe := range ve.Errors {
				assert.LessOrEqual(t, len(fe.Field), maxEcho+len("…"), "a client-chosen name is clipped")
				assert.LessOrEqual(t, len(fe.Pointer), maxEcho+len("…"), "a client-chosen pointer is clipped")
			}
		})
	}
}

func TestFieldErrorsSayHowManyMore(t *testing.T) {
	t.Parallel()
	f := loadSmall(t)
	var b strings.Builder
	b.WriteString(`{"name":"Ana"`)
	for i := range 80 {
		fmt.Fprintf(&b, `,"x%02d":1`, i)
	}
	b.WriteString("}")
	_, err := f.ValidateJSON(context.Background(), []byte(b.String()), "en")
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	require.Len(t, ve.Errors, maxFieldErrors+1)
	last := ve.Errors[maxFieldErrors]
	assert.Equal(t, "moreErrors", last.Code)
	assert.Equal(t, 30, last.Params["count"])
	assert.Equal(t, "There are 30 more problems.", last.Message)
	assert.Equal(t, "x00", ve.Errors[0].Field, "the first problems are kept in order")

	_, err = f.ValidateJSON(context.Background(), []byte(b.String()), "es")
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "Hay 30 problemas más.", ve.Errors[maxFieldErrors].Message)
}

func TestClipKeepsRunesWhole(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{name: "short", in: "name", want: "name"},
		{name: "exactly the limit", in: strings.Repeat("a", maxEcho), want: strings.Repeat("a", maxEcho)},
		{name: "ascii", in: strings.Repeat("a", 100), want: strings.Repeat("a", maxEcho) + "…"},
		{name: "two-byte runes", in: "a" + strings.Repeat("é", 50), want: "a" + strings.Repeat("é", (maxEcho-1)/2) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, clip(tt.in))
		})
	}
}

func TestValidateRequestAcceptsOnlyFormContentTypes(t *testing.T) {
	t.Parallel()
	f := loadSmall(t)
	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
		code        string
	}{
		{name: "JSON", contentType: "application/json", body: `{"name":"Ana"}`},
		{name: "JSON with charset", contentType: "application/json; charset=utf-8", body: `{"name":"Ana"}`},
		{name: "JSON in capitals", contentType: "Application/JSON", body: `{"name":"Ana"}`},
		{name: "form post", contentType: "application/x-www-form-urlencoded", body: `name=Ana`},
		{name: "form post with charset", contentType: "application/x-www-form-urlencoded; charset=UTF-8", body: `name=Ana`},
		{name: "missing", contentType: "", body: `{"name":"Ana"}`, status: 415, code: "unsupportedMediaType"},
		{name: "text/plain", contentType: "text/plain", body: `{"name":"Ana"}`, status: 415, code: "unsupportedMediaType"},
		{name: "multipart", contentType: "multipart/form-data; boundary=x", body: "--x--", status: 415, code: "unsupportedMediaType"},
		{name: "unparsable", contentType: "application/json; charset", body: `{"name":"Ana"}`, status: 415, code: "unsupportedMediaType"},
		{name: "JSON lookalike", contentType: "application/jsonp", body: `{"name":"Ana"}`, status: 415, code: "unsupportedMediaType"},
		{name: "form post with invalid UTF-8", contentType: "application/x-www-form-urlencoded", body: "name=%FF", status: 400, code: "invalidUTF8"},
		{name: "form post nested too deep", contentType: "application/x-www-form-urlencoded", body: strings.Repeat("a.", 40) + "b=1", status: 400, code: "tooDeep"},
		{name: "form post malformed", contentType: "application/x-www-form-urlencoded", body: "name=%zz", status: 400, code: "syntax"},
		{name: "form post with too many fields", contentType: "application/x-www-form-urlencoded", body: strings.Repeat("a=1&", maxFormValues) + "a=1", status: 400, code: "tooManyFields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			clean, err := f.ValidateRequest(context.Background(), req, "en")
			if tt.status == 0 {
				require.NoError(t, err)
				assert.Equal(t, "Ana", clean["name"])
				return
			}
			rec := httptest.NewRecorder()
			WriteProblem(rec, err, "en")
			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
			var p Problem
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
			require.Len(t, p.InvalidParams, 1)
			assert.Equal(t, tt.code, p.InvalidParams[0].Code)
			assert.NotEmpty(t, p.InvalidParams[0].Reason)
		})
	}
}

func TestProblemForDecodeFormErrors(t *testing.T) {
	t.Parallel()
	f := loadSmall(t)
	_, err := f.DecodeForm(url.Values{"name": {"\xff"}})
	require.Error(t, err)
	p := ProblemFor(err, "es")
	assert.Equal(t, 400, p.Status)
	require.Len(t, p.InvalidParams, 1, "a post that cannot be decoded says why, with a stable code")
	assert.Equal(t, "invalidUTF8", p.InvalidParams[0].Code)
	assert.Equal(t, "El envío contiene caracteres que no son texto válido.", p.InvalidParams[0].Reason)
}

func loadText(tb testing.TB) *Form {
	tb.Helper()
	r, err := NewRegistry(nil)
	require.NoError(tb, err)
	f, err := r.Load(context.Background(), "text.json", []byte(`{"x-form":{"id":"text","version":1},"type":"object",
	  "required":["name"],
	  "properties":{
	    "name":{"type":"string","title":"Name","minLength":2},
	    "notes":{"type":"string","x-widget":"textarea"},
	    "code":{"type":"string","x-trim":false,"minLength":3},
	    "raw":{"type":"string","x-widget":"textarea","x-allowControls":true},
	    "tags":{"type":"array","items":{"type":"string"}}
	  }}`))
	require.NoError(tb, err)
	return f
}

func TestTextRefusesControlAndBidiCharacters(t *testing.T) {
	t.Parallel()
	f := loadText(t)
	tests := []struct {
		name  string
		field string
		value any
		code  string // empty: accepted
	}{
		{name: "plain", field: "notes", value: "fine text, é ñ 😀"},
		{name: "NUL", field: "name", value: "An\x00a", code: "controlCharacter"},
		{name: "escape", field: "notes", value: "a\x1b[31mred", code: "controlCharacter"},
		{name: "DEL", field: "name", value: "An\x7fa", code: "controlCharacter"},
		{name: "C1 control", field: "notes", value: "a\u0085b", code: "controlCharacter"},
		{name: "tab in a text input", field: "name", value: "A\tna", code: "controlCharacter"},
		{name: "newline in a text input", field: "name", value: "A\nna", code: "controlCharacter"},
		{name: "tab and newlines in a textarea", field: "notes", value: "line 1\r\nline\t2\n"},
		{name: "right-to-left override", field: "name", value: "invoice\u202Efdp.exe", code: "bidiControl"},
		{name: "left-to-right embedding", field: "notes", value: "a\u202Ab", code: "bidiControl"},
		{name: "isolate", field: "name", value: "\u2066Ana\u2069", code: "bidiControl"},
		{name: "first strong isolate", field: "notes", value: "a\u2068b", code: "bidiControl"},
		{name: "in a list", field: "tags", value: []any{"ok", "b\u202Ed"}, code: "bidiControl"},
		{name: "opted out", field: "raw", value: "\x00\x1b\u202E\u2066"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			values := map[string]any{"name": "Ana"}
			values[tt.field] = tt.value
			for _, via := range []string{"value", "JSON"} {
				var err error
				if via == "value" {
					_, err = f.ValidateValue(context.Background(), values, "es")
				} else {
					data, jerr := json.Marshal(values)
					require.NoError(t, jerr)
					_, err = f.ValidateJSON(context.Background(), data, "es")
				}
				if tt.code == "" {
					assert.NoError(t, err, via)
					continue
				}
				var ve *ValidationError
				require.ErrorAs(t, err, &ve, via)
				fe, ok := ve.For(tt.field)
				require.True(t, ok, "%s: error on %s: %v", via, tt.field, ve)
				assert.Equal(t, tt.code, fe.Code, via)
				assert.NotContains(t, fe.Message, "{", via)
				assert.NotContains(t, fe.Message, tt.value, "the message never repeats the value")
			}
		})
	}
	m, err := f.DecodeForm(url.Values{"name": {"Ana"}, "notes": {"x\u202Ey"}})
	require.NoError(t, err)
	_, err = f.ValidateValue(context.Background(), m, "en")
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	fe, _ := ve.For("notes")
	assert.Equal(t, "bidiControl", fe.Code, "form posts are checked too")
	assert.Equal(t, "Remove the invisible character that changes the direction of the text.", fe.Message)
}

func TestTextIsTrimmedBeforeValidation(t *testing.T) {
	t.Parallel()
	f := loadText(t)
	tests := []struct {
		name   string
		values map[string]any
		want   map[string]any // clean values, or nil when refused
		field  string
		code   string
	}{
		{name: "trimmed", values: map[string]any{"name": "  Ana \n", "notes": "\tnote  ", "tags": []any{" a ", "b"}},
			want: map[string]any{"name": "Ana", "notes": "note", "tags": []any{"a", "b"}}},
		{name: "blank required answer", values: map[string]any{"name": " \u00a0\t "}, field: "name", code: "required"},
		{name: "empty required answer", values: map[string]any{"name": ""}, field: "name", code: "required"},
		{name: "blank optional answer is no answer", values: map[string]any{"name": "Ana", "notes": "   "},
			want: map[string]any{"name": "Ana"}},
		{name: "minLength counts real characters", values: map[string]any{"name": "  A  "}, field: "name", code: "minLength"},
		{name: "opted out keeps spaces", values: map[string]any{"name": "Ana", "code": " a "},
			want: map[string]any{"name": "Ana", "code": " a "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clean, err := f.ValidateValue(context.Background(), tt.values, "en")
			if tt.want != nil {
				require.NoError(t, err)
				assert.Equal(t, tt.want, clean)
				return
			}
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			fe, ok := ve.For(tt.field)
			require.True(t, ok, "error on %s: %v", tt.field, ve)
			assert.Equal(t, tt.code, fe.Code)
		})
	}
}

func TestInputErrorsClipWhatTheyRepeat(t *testing.T) {
	t.Parallel()
	f := loadSmall(t)
	long := strings.Repeat("é", 5000)
	var b strings.Builder
	for range DefaultMaxDepth + 1 {
		b.WriteString(`{"` + long + `":`)
	}
	b.WriteString("1" + strings.Repeat("}", DefaultMaxDepth+1))
	_, err := f.ValidateJSON(context.Background(), []byte(b.String()), "en")
	require.ErrorIs(t, err, ErrTooDeep)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Less(t, len(err.Error()), 512, "the error a caller logs stays small")
	var ie *inputError
	require.ErrorAs(t, err, &ie)
	assert.Less(t, len(ie.Error()), 512, "the input error stays small")
	assert.LessOrEqual(t, len(ve.Errors[0].Pointer), maxEcho+len("…"))
	assert.LessOrEqual(t, len(ve.Errors[0].Field), maxEcho+len("…"))
	assert.True(t, utf8.ValidString(ve.Errors[0].Pointer), "clipped on a rune boundary")
}
