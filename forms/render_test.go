package forms

import (
	"bytes"
	"context"
	"flag"
	"html"
	"html/template"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/golden")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run %s -update to create the golden file", t.Name())
	assert.Equal(t, string(want), string(got), "rendered HTML differs from %s (go test -update rewrites it)", path)
}

func render(t *testing.T, r *Renderer, p Page) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, r.Render(&buf, p))
	return buf.String()
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	r, err := NewRenderer(nil)
	require.NoError(t, err)
	_, verr := f.ValidateStep(context.Background(), "applicant", map[string]any{
		"applicant": map[string]any{"firstName": "Ana", "email": "not-an-email"}, "applicantType": "business",
	}, "es")
	var ve *ValidationError
	require.ErrorAs(t, verr, &ve)

	tests := []struct {
		name string
		page Page
	}{
		{name: "whole-form-en.html", page: Page{Form: f, Locale: "en", Action: "/permit"}},
		{name: "step-applicant-errors-es.html", page: Page{Form: f, Step: "applicant", Locale: "es", Action: "/permit",
			Values: map[string]any{"applicant": map[string]any{"firstName": "Ana", "email": "not-an-email"}, "applicantType": "business"},
			Errors: ve, Hidden: map[string]string{"_csrf": "tok"}}},
		{name: "step-work-carried-en.html", page: Page{Form: f, Step: "work", Locale: "en-US", Action: "/permit",
			Values: map[string]any{"applicant": map[string]any{"firstName": "Ana"}, "site": map[string]any{"city": "Springfield"},
				"trades": []any{"plumbing"}, "workType": "deck", "agree": true, "floors": "2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			golden(t, tt.name, []byte(render(t, r, tt.page)))
		})
	}
}

var (
	inputTag = regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`)
	attr     = func(tag, name string) string {
		m := regexp.MustCompile(`\b` + name + `="([^"]*)"`).FindStringSubmatch(tag)
		if m == nil {
			return ""
		}
		return html.UnescapeString(m[1])
	}
)

func TestRenderAccessibility(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	r, err := NewRenderer(nil)
	require.NoError(t, err)
	_, verr := f.ValidateJSON(context.Background(), []byte(`{"applicantType":"business","applicant":{"email":"x"}}`), "en")
	var ve *ValidationError
	require.ErrorAs(t, verr, &ve)
	page := render(t, r, Page{Form: f, Locale: "en", Errors: ve})

	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(`\bid="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		assert.False(t, ids[m[1]], "id %s is unique", m[1])
		ids[m[1]] = true
	}
	for _, tag := range inputTag.FindAllString(page, -1) {
		typ := attr(tag, "type")
		if typ == "hidden" {
			continue
		}
		id := attr(tag, "id")
		require.NotEmpty(t, id, "input has an id: %s", tag)
		assert.Contains(t, page, `for="`+id+`"`, "input %s has a <label for>", id)
		for _, ref := range strings.Fields(attr(tag, "aria-describedby")) {
			assert.True(t, ids[ref], "aria-describedby %s points at an element", ref)
		}
	}
	// every field error: summary link to an existing input, aria-invalid,
	// and the message tied to the input
	for _, fe := range ve.Errors {
		id := inputID(fe.Field)
		assert.Contains(t, page, html.EscapeString(fe.Message))
		assert.Contains(t, page, `id="`+id+`-error"`, "error message of %s is in the page", fe.Field)
		m := regexp.MustCompile(`<a href="#([^"]+)">` + regexp.QuoteMeta(html.EscapeString(fe.Message))).FindStringSubmatch(page)
		require.NotNil(t, m, "summary links %s", fe.Field)
		assert.True(t, ids[m[1]], "summary link target %s exists", m[1])
	}
	emailTag := inputTag.FindString(page[strings.Index(page, `id="f-applicant-email"`)-80:])
	assert.Contains(t, emailTag, `aria-invalid="true"`)
	assert.Contains(t, emailTag, `aria-describedby="f-applicant-email-hint f-applicant-email-error"`)
	assert.Contains(t, emailTag, `autocomplete="email"`)
	assert.Contains(t, emailTag, `type="email"`)
	assert.Contains(t, page, `<legend class="usa-legend">You are applying as <span class="usa-hint usa-hint--required">(required)</span></legend>`)
	assert.Contains(t, page, `<legend class="usa-legend usa-legend--large">Site address`)
	assert.Contains(t, page, `class="usa-alert usa-alert--error" role="alert" id="error-summary"`)
}

func TestRenderEscapesEverything(t *testing.T) {
	t.Parallel()
	payloads := []string{
		`<script>alert(1)</script>`,
		`"><img src=x onerror=alert(1)>`,
		`' onmouseover='alert(1)`,
		`javascript:alert(1)`,
		`</textarea><script>alert(1)</script>`,
		`<svg/onload=alert(1)>`,
		"{{.}}",
	}
	for _, p := range payloads {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			def := `{"x-form":{"id":"xss","version":1},"type":"object","title":` + jsonString(p) + `,
			  "properties":{
			    "a":{"type":"string","title":` + jsonString(p) + `,"description":` + jsonString(p) + `,"minLength":500},
			    "b":{"type":"string","x-widget":"textarea","title":"B"},
			    "c":{"enum":[` + jsonString(p) + `,"ok"],"x-options":{"ok":{"en":` + jsonString(p) + `}}}
			  }}`
			reg, err := NewRegistry(nil)
			require.NoError(t, err)
			f, err := reg.Load(context.Background(), "xss.json", []byte(def))
			require.NoError(t, err)
			_, verr := f.ValidateJSON(context.Background(), []byte(`{"a":`+jsonString(p)+`,"b":`+jsonString(p)+`}`), "en")
			var ve *ValidationError
			require.ErrorAs(t, verr, &ve)
			r, err := NewRenderer(nil)
			require.NoError(t, err)
			page := render(t, r, Page{Form: f, Locale: "en", Errors: ve, Action: p,
				Values: map[string]any{"a": p, "b": p, "c": p},
				Hidden: map[string]string{"_x": p}})
			for _, bad := range []string{"<script", "<img", "<svg", "</textarea><"} {
				assert.NotContains(t, strings.ToLower(page), bad, "payload %q survived unescaped", p)
			}
			if strings.ContainsAny(p, `<>"'`) {
				assert.NotContains(t, page, p, "payload appears only escaped")
			}
			assert.NotContains(t, page, `action="javascript:`, "unsafe URLs are neutralised")
		})
	}
}

func TestRenderOverrideTemplates(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	r, err := NewRenderer(&RenderConfig{Templates: fstest.MapFS{
		"label.tmpl": {Data: []byte(`{{define "label-text"}}[{{.Label}}]{{end}}`)},
	}})
	require.NoError(t, err)
	page := render(t, r, Page{Form: f, Step: "site", Locale: "en"})
	assert.Contains(t, page, `for="f-site-city">[City]</label>`)
	assert.Contains(t, page, `class="usa-fieldset"`, "the other templates stay")

	_, err = NewRenderer(&RenderConfig{Templates: fstest.MapFS{"bad.tmpl": {Data: []byte(`{{define "x"}}{{end`)}}})
	assert.Error(t, err)
}

func TestRenderBooleanRadio(t *testing.T) {
	t.Parallel()
	reg, err := NewRegistry(nil)
	require.NoError(t, err)
	f, err := reg.Load(context.Background(), "yn.json", []byte(`{"x-form":{"id":"yn","version":1},"type":"object","required":["pets"],
	  "properties":{"pets":{"type":"boolean","title":"Do you have pets?","x-title":{"es":"¿Tiene mascotas?"},"x-widget":"radio"}}}`))
	require.NoError(t, err)
	r, err := NewRenderer(nil)
	require.NoError(t, err)
	page := render(t, r, Page{Form: f, Locale: "es", Values: map[string]any{"pets": false}})
	assert.Contains(t, page, `<input class="usa-radio__input" id="f-pets-1" name="pets" type="radio" value="false" checked>`)
	assert.Contains(t, page, `for="f-pets-0">Sí</label>`)
	m, err := f.DecodeForm(url.Values{"pets": {"false"}})
	require.NoError(t, err)
	_, err = f.ValidateValue(context.Background(), m, "en")
	assert.NoError(t, err, "No is an answer")
}

func TestRenderOmitsFieldsEarlierAnswersHide(t *testing.T) {
	t.Parallel()
	reg, err := NewRegistry(nil)
	require.NoError(t, err)
	f, err := reg.Load(context.Background(), "pets.json", []byte(`{"x-form":{"id":"pets","version":1,"steps":[
	    {"id":"one","fields":["hasDog"]},{"id":"two","fields":["dogName","notes","sameStep"]}]},
	  "type":"object","properties":{"hasDog":{"type":"boolean"},"notes":{"type":"string"}},
	  "allOf":[
	    {"if":{"properties":{"hasDog":{"const":true}},"required":["hasDog"]},"then":{"properties":{"dogName":{"type":"string"}}}},
	    {"if":{"properties":{"notes":{"const":"x"}},"required":["notes"]},"then":{"properties":{"sameStep":{"type":"string"}}}}
	  ]}`))
	require.NoError(t, err)
	r, err := NewRenderer(nil)
	require.NoError(t, err)
	tests := []struct {
		name    string
		values  map[string]any
		dogName bool
	}{
		{name: "answered yes", values: map[string]any{"hasDog": true}, dogName: true},
		{name: "answered no", values: map[string]any{"hasDog": false}, dogName: false},
		{name: "not answered", values: nil, dogName: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			page := render(t, r, Page{Form: f, Step: "two", Locale: "en", Values: tt.values})
			assert.Equal(t, tt.dogName, strings.Contains(page, `name="dogName"`))
			assert.Contains(t, page, `name="sameStep"`, "a condition on the same page is left to the resident")
		})
	}
}

func TestRenderUnknownStep(t *testing.T) {
	t.Parallel()
	r, err := NewRenderer(nil)
	require.NoError(t, err)
	var buf bytes.Buffer
	err = r.Render(&buf, Page{Form: loadPermit(t), Step: "nope"})
	assert.ErrorIs(t, err, ErrSyntax)
	assert.Zero(t, buf.Len(), "nothing is written")
}

func TestPrefill(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	claims := map[string]any{"given_name": "Ana", "family_name": "García", "email": "ana@example.org", "phone_number": 5551234, "sub": "abc"}
	values := map[string]any{"applicant": map[string]any{"email": "typed@example.org"}}
	got := f.Prefill(values, claims)
	assert.Equal(t, map[string]any{"applicant": map[string]any{
		"firstName": "Ana", "lastName": "García", "email": "typed@example.org",
	}}, got, "entered values win; claims of the wrong type are skipped")
	assert.Equal(t, map[string]any{"email": "typed@example.org"}, values["applicant"], "input not modified")

	r, err := NewRenderer(nil)
	require.NoError(t, err)
	page := render(t, r, Page{Form: f, Step: "applicant", Locale: "en", Values: got})
	tag := inputTag.FindString(page[strings.Index(page, `id="f-applicant-lastName"`)-80:])
	assert.Contains(t, tag, `value="García"`)
	assert.NotContains(t, tag, "readonly", "prefilled PII stays editable")
	assert.NotContains(t, tag, "disabled")
}

func jsonString(s string) string {
	b, _ := appendJSON(nil, s)
	return string(b)
}

func TestRenderMarksFieldsEarlierAnswersMakeRequired(t *testing.T) {
	t.Parallel()
	reg, err := NewRegistry(nil)
	require.NoError(t, err)
	f, err := reg.Load(context.Background(), "dogs.json", []byte(`{"x-form":{"id":"dogs","version":1,"steps":[
	    {"id":"one","fields":["hasDog"]},{"id":"two","fields":["dogName"]}]},
	  "type":"object","properties":{"hasDog":{"type":"boolean","title":"Do you have a dog?"}},
	  "if":{"properties":{"hasDog":{"const":true}},"required":["hasDog"]},
	  "then":{"properties":{"dogName":{"type":"string","title":"Dog's name"}},"required":["dogName"]}}`))
	require.NoError(t, err)
	r, err := NewRenderer(nil)
	require.NoError(t, err)
	page := render(t, r, Page{Form: f, Step: "two", Locale: "en", Values: map[string]any{"hasDog": true}})
	assert.Regexp(t, `<input[^>]*name="dogName"[^>]*required`, page, "the answer on step one makes the name required")
	assert.Contains(t, page, "(required)")

	whole := render(t, r, Page{Form: f, Locale: "en"})
	assert.NotRegexp(t, `<input[^>]*name="dogName"[^>]*required`, whole, "undecided on one page, the field is drawn as declared")
}

// TestTemplateDataHoldsNoTrustedHTML keeps every value the templates
// print a plain string, so html/template escapes each one for its
// context: a template.HTMLAttr or template.HTML built from data would
// skip that.
func TestTemplateDataHoldsNoTrustedHTML(t *testing.T) {
	t.Parallel()
	trusted := []reflect.Type{reflect.TypeFor[template.HTML](), reflect.TypeFor[template.HTMLAttr](),
		reflect.TypeFor[template.JS](), reflect.TypeFor[template.JSStr](), reflect.TypeFor[template.URL](),
		reflect.TypeFor[template.CSS](), reflect.TypeFor[template.Srcset]()}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] {
			return
		}
		seen[typ] = true
		for f := range typ.Fields() {
			assert.NotContains(t, trusted, f.Type, "%s.%s bypasses contextual escaping", typ.Name(), f.Name)
			walk(f.Type)
		}
	}
	walk(reflect.TypeFor[FormView]())
	assert.True(t, seen[reflect.TypeFor[FieldView]()] && seen[reflect.TypeFor[OptionView]()], "the walk reaches fields and options")
}

var attrRE = regexp.MustCompile(`^\s+([a-z-]+)(?:="[^"]*")?`)

// TestRenderEscapesHostileAttributes draws names, values, options and
// actions chosen to break out of attributes, and reads each attribute
// back: the browser sees exactly the text, never markup.
func TestRenderEscapesHostileAttributes(t *testing.T) {
	t.Parallel()
	const name = `n"><script>alert(1)</script>`
	const value = `" onfocus="alert(1)" x="`
	const option = `'><img src=x onerror=alert(1)>`
	def := `{"x-form":{"id":"attrs","version":1},"type":"object","properties":{` +
		jsonString(name) + `:{"type":"string","title":` + jsonString(value) + `,"description":` + jsonString(option) + `},
	  "pick":{"enum":[` + jsonString(option) + `,"b","c","d","e","f"]},
	  "tick":{"type":"array","items":{"enum":[` + jsonString(value) + `]}}}}`
	reg, err := NewRegistry(nil)
	require.NoError(t, err)
	f, err := reg.Load(context.Background(), "attrs.json", []byte(def))
	require.NoError(t, err)
	_, verr := f.ValidateJSON(context.Background(), []byte(`{`+jsonString(name)+`:1}`), "en")
	var ve *ValidationError
	require.ErrorAs(t, verr, &ve)
	r, err := NewRenderer(nil)
	require.NoError(t, err)
	page := render(t, r, Page{Form: f, Locale: "en", Errors: ve, Action: "javascript:alert(1)",
		Values: map[string]any{name: value, "pick": option, "tick": []any{value}},
		Hidden: map[string]string{"_" + value: option}})

	assert.NotContains(t, strings.ToLower(page), "<script")
	assert.NotContains(t, strings.ToLower(page), "<img")
	assert.NotContains(t, page, `action="javascript:`)
	assert.Contains(t, page, `action="#ZgotmplZ"`, "html/template neutralises the unsafe URL")
	names, values := map[string]bool{}, map[string]bool{}
	for _, tag := range regexp.MustCompile(`<(input|select|option|textarea)\b[^>]*>`).FindAllString(page, -1) {
		names[attr(tag, "name")] = true
		values[attr(tag, "value")] = true
		// read the attributes in order: a value that escaped its quotes
		// would show up as an attribute of its own
		rest := strings.TrimSuffix(tag[strings.IndexAny(tag, " >"):], ">")
		for rest != "" {
			m := attrRE.FindStringSubmatch(rest)
			require.NotNil(t, m, "well-formed attributes: %s", tag)
			assert.False(t, strings.HasPrefix(m[1], "on"), "no value escapes its quotes: %s", tag)
			rest = rest[len(m[0]):]
		}
	}
	assert.True(t, names[name], "the hostile field name reads back intact")
	assert.True(t, names["_"+value], "the hidden input's name reads back intact")
	assert.True(t, values[value], "the hostile value reads back intact")
	assert.True(t, values[option], "the hostile option reads back intact")
	assert.Contains(t, page, `>`+html.EscapeString(value)+`</label>`, "labels are text")
}

// TestFieldViewHasOneKind keeps the "field" template's dispatch simple:
// every field view sets exactly one kind, the one its widget asks for.
func TestFieldViewHasOneKind(t *testing.T) {
	t.Parallel()
	v, err := BuildView(Page{Form: loadPermit(t), Locale: "en"})
	require.NoError(t, err)
	kinds := map[string]string{}
	var walk func([]*FieldView)
	walk = func(fields []*FieldView) {
		for _, fv := range fields {
			set := map[string]bool{"input": fv.IsInput, "checkbox": fv.IsCheckbox, "choices": fv.IsChoices,
				"select": fv.IsSelect, "group": fv.IsGroup, "hidden": fv.IsHidden}
			n := 0
			for k, on := range set {
				if on {
					n++
					kinds[fv.Name] = k
				}
			}
			assert.Equal(t, 1, n, "%s sets one kind", fv.Name)
			walk(fv.Fields)
		}
	}
	walk(v.Fields)
	tests := []struct{ name, kind string }{
		{name: "applicant", kind: "group"},
		{name: "applicant.email", kind: "input"},
		{name: "applicantType", kind: "choices"},
		{name: "workType", kind: "select"},
		{name: "description", kind: "input"},
		{name: "ownerConsent", kind: "checkbox"},
		{name: "trades", kind: "choices"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.kind, kinds[tt.name], tt.name)
	}
}
