package feedback

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeFlat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"flat strings", ` { "a" : "b" , "c":"d é" } `, true},
		{"empty object", `{}`, true},
		{"duplicate key keeps the last", `{"a":"1","a":"2"}`, true},
		{"escape declines", `{"a":"\n"}`, false},
		{"number declines", `{"a":1}`, false},
		{"null declines", `{"a":null}`, false},
		{"nested declines", `{"a":{}}`, false},
		{"control character declines", "{\"a\":\"\x01\"}", false},
		{"invalid UTF-8 declines", "{\"a\":\"\xff\"}", false},
		{"trailing data declines", `{"a":"b"} x`, false},
		{"trailing comma declines", `{"a":"b",}`, false},
		{"array declines", `["a"]`, false},
		{"unterminated declines", `{"a":"b`, false},
		{"empty declines", ``, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := decodeFlat([]byte(tt.in))
			require.Equal(t, tt.ok, ok)
			if ok {
				var want map[string]any
				require.NoError(t, json.Unmarshal([]byte(tt.in), &want))
				assert.Equal(t, want, got)
			}
		})
	}
}

// FuzzDecodeFlat proves the fast path equal to encoding/json wherever
// it accepts the input.
func FuzzDecodeFlat(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{}`, ` {"a" :"b","c":"\u00e9"}`, `{"a":"é"}`, "{\"a\":\"\xff\"}", `{"a":"b",}`, `{"a":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := decodeFlat(b)
		if !ok {
			return
		}
		var want map[string]any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("decodeFlat accepted %q, which encoding/json refuses: %v", b, err)
		}
		if _, err := dec.Token(); err == nil {
			t.Fatalf("decodeFlat accepted %q, which has trailing data", b)
		}
		assert.Equal(t, want, got)
	})
}
