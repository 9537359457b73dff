package forms

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJSONReaderMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
	}{
		{name: "scalars", doc: `[null, true, false, 0, -1.5e3, "x"]`},
		{name: "escapes", doc: `"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00 <&>"`},
		{name: "nested", doc: ` {"a": {"b": [1, {"c": []}]}, "d": {}} `},
		{name: "separators", doc: `"\u2028\u2029"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := decodeJSON([]byte(tt.doc), 32)
			require.NoError(t, err)
			var want any
			dec := json.NewDecoder(stringsReader(tt.doc))
			dec.UseNumber()
			require.NoError(t, dec.Decode(&want))
			assert.Equal(t, want, got)
			out, err := appendJSON(nil, got)
			require.NoError(t, err)
			std, err := json.Marshal(want)
			require.NoError(t, err)
			assert.Equal(t, string(std), string(out), "the writer agrees with encoding/json")
		})
	}
}

func TestJSONReaderRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		want error
		// stricter marks input encoding/json accepts that is refused on
		// purpose: out-of-bounds numbers, and escapes of no character
		// (RFC 7493)
		stricter bool
	}{
		{name: "empty", doc: ``, want: ErrSyntax},
		{name: "leading zero", doc: `01`, want: ErrSyntax},
		{name: "bare dot", doc: `1.`, want: ErrSyntax},
		{name: "exponent without digits", doc: `1e`, want: ErrSyntax},
		{name: "single quotes", doc: `'a'`, want: ErrSyntax},
		{name: "trailing comma", doc: `[1,]`, want: ErrSyntax},
		{name: "key not string", doc: `{1:2}`, want: ErrSyntax},
		{name: "bad escape", doc: `"\x"`, want: ErrSyntax},
		{name: "short unicode escape", doc: `"\u12"`, want: ErrSyntax},
		{name: "bad literal", doc: `nul`, want: ErrSyntax},
		{name: "duplicate", doc: `{"a":1,"b":2,"a":3}`, want: ErrDuplicateKey},
		{name: "deep arrays", doc: `[[[[[[]]]]]]`, want: ErrTooDeep},
		{name: "overlong encoding", doc: "\"\xc0\xaf\"", want: ErrInvalidUTF8},
		{name: "huge exponent", doc: `1e999999999`, want: ErrSyntax, stricter: true},
		{name: "huge negative exponent", doc: `[1E-4000]`, want: ErrSyntax, stricter: true},
		{name: "overlong number", doc: "1" + strings.Repeat("0", 200), want: ErrSyntax, stricter: true},
		{name: "lone surrogate", doc: `"\ud800x"`, want: ErrSyntax, stricter: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := decodeJSON([]byte(tt.doc), 5)
			require.Error(t, err)
			assert.True(t, errors.Is(err, tt.want), "got %v", err)
			if !tt.stricter {
				assert.False(t, json.Valid([]byte(tt.doc)) && tt.want == ErrSyntax, "encoding/json agrees the input is malformed")
			}
		})
	}
}

// FuzzJSONReader checks the limits reader never panics, accepts only what
// encoding/json accepts, and round-trips through the writer.
func FuzzJSONReader(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `"\ud83d\ude00"`, `{"a":1,"a":2}`, `[[[[]]]]`, "\"\xff\"", `-0.5E+3`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := decodeJSON(data, 8)
		if err != nil {
			var ie *inputError
			if !errors.As(err, &ie) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if !utf8.Valid(data) || !json.Valid(data) {
			t.Fatalf("accepted input encoding/json refuses: %q", data)
		}
		out, err := appendJSON(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		again, err := decodeJSON(out, 8)
		if err != nil {
			t.Fatalf("writer output does not read back: %v", err)
		}
		out2, _ := appendJSON(nil, again)
		if string(out) != string(out2) {
			t.Fatalf("round trip changed %q to %q", out, out2)
		}
	})
}

// TestDecodeSubmissionNames reads a form's names through its shared
// copies, and any other name, escaped or not, as written.
func TestDecodeSubmissionNames(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	tests := []struct {
		name string
		doc  string
		want map[string]any
	}{
		{name: "known", doc: `{"applicantType":"business"}`, want: map[string]any{"applicantType": "business"}},
		{name: "known but escaped", doc: `{"applicant\u0054ype":"business"}`, want: map[string]any{"applicantType": "business"}},
		{name: "escaped quote", doc: `{"a\"b":1}`, want: map[string]any{`a"b`: json.Number("1")}},
		{name: "unknown", doc: `{"zz":{"site":true}}`, want: map[string]any{"zz": map[string]any{"site": true}}},
		{name: "empty", doc: `{"":null}`, want: map[string]any{"": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := f.decodeSubmission([]byte(tt.doc))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := f.decodeSubmission([]byte(`{"site":1,"site":2}`))
	assert.ErrorIs(t, err, ErrDuplicateKey, "names read as raw values are still checked for duplicates")
}

// TestAppendValueInFieldOrder writes a submission in its form's sorted
// field order exactly as the generic writer sorts names, also when some
// names are not fields.
func TestAppendValueInFieldOrder(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	tests := []struct {
		name string
		doc  string
	}{
		{name: "whole permit", doc: validPermit},
		{name: "unknown top-level name", doc: `{"zz":1,"agree":true,"applicant":{"email":"a@b.c"},"AA":[{"b":1,"a":2}]}`},
		{name: "unknown nested name", doc: `{"site":{"city":"X","~":1,"Z":2},"notes":"<&>"}`},
		{name: "object where a field holds text", doc: `{"site":"x","applicant":{"firstName":{"b":1,"a":2}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := decodeJSON([]byte(tt.doc), 32)
			require.NoError(t, err)
			want, err := appendJSON(nil, v)
			require.NoError(t, err)
			got, err := appendValue(nil, v, f.root)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))
		})
	}
}
