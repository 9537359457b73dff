package forms

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFastPathMatchesTemplates holds the direct writer to the built-in
// templates, byte for byte, on every kind of field, with errors, hints,
// carried values and hostile text.
func TestFastPathMatchesTemplates(t *testing.T) {
	t.Parallel()
	fast, err := NewRenderer(nil)
	require.NoError(t, err)
	require.True(t, fast.fast)
	slow := &Renderer{tmpl: fast.tmpl}

	permit := loadPermit(t)
	hostile := "a+b <i>\"x\" & 'y'\x00 \xff javascript:alert(1) é"
	reg, err := NewRegistry(nil)
	require.NoError(t, err)
	odd, err := reg.Load(context.Background(), "odd.json", []byte(`{"x-form":{"id":"odd","version":1},"type":"object",
	  "title": "T+<x>", "description": "D & 'q'",
	  "required": ["s"],
	  "properties": {
	    "s": {"type":"string","title":"S+\"","description":"hint <b>","maxLength":5},
	    "h": {"type":"string","x-widget":"hidden"},
	    "n": {"type":"number"},
	    "sel": {"enum":["a","b","c","d","e","f"],"x-options":{"a":{"en":"A+<"}}},
	    "box": {"type":"array","items":{"enum":["x","y"]}},
	    "ok": {"type":"boolean","description":"tick"},
	    "t": {"type":"string","x-widget":"textarea"},
	    "g": {"type":"object","title":"G","properties":{"inner":{"type":"string","x-autocomplete":"email"}}}
	  }}`))
	require.NoError(t, err)
	_, oddErr := odd.ValidateJSON(context.Background(), []byte(`{"s":"toolong","n":"x","sel":"z","box":["q"],"ok":1,"g":{"inner":3},"zz":1}`), "en")
	var oddVE *ValidationError
	require.ErrorAs(t, oddErr, &oddVE)
	_, permitErr := permit.ValidateJSON(context.Background(), []byte(`{"applicant":{"email":"x"},"floors":"x"}`), "es")
	var permitVE *ValidationError
	require.ErrorAs(t, permitErr, &permitVE)

	pages := map[string]Page{
		"permit whole":        {Form: permit, Locale: "en", Action: "/p?a=1&b=2"},
		"permit errors es":    {Form: permit, Locale: "es", Errors: permitVE, Values: map[string]any{"applicant": map[string]any{"email": hostile}}},
		"permit step carried": {Form: permit, Step: "site", Locale: "en", Values: map[string]any{"applicant": map[string]any{"firstName": hostile}, "trades": []any{"plumbing", hostile}}, Hidden: map[string]string{"_csrf": hostile}},
		"odd":                 {Form: odd, Locale: "en", Action: "javascript:alert(1)", Errors: oddVE, Values: map[string]any{"s": hostile, "h": hostile, "n": hostile, "sel": "a", "box": []any{"y"}, "ok": true, "t": hostile, "g": map[string]any{"inner": hostile}}},
		"odd empty":           {Form: odd, Locale: "fr"},
		"relative action":     {Form: odd, Locale: "en", Action: "../submit/odd-1_a.b~c"},
		"action with query":   {Form: odd, Locale: "en", Action: "/s?x=<1>&y=\"2\""},
	}
	for name, p := range pages {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var a, b bytes.Buffer
			require.NoError(t, fast.Render(&a, p))
			require.NoError(t, slow.Render(&b, p))
			assert.Equal(t, b.String(), a.String())
		})
	}
}
