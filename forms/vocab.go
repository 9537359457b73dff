package forms

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// VocabularyURL identifies the civickit form vocabulary. A definition may
// list it under "$vocabulary"; the keywords are checked whether or not it
// does.
const VocabularyURL = "https://civickit.dev/vocab/form/v1"

//go:embed vocab.schema.json
var vocabSchemaJSON string

// vocabulary is compiled once; every definition compiler shares it, which
// is safe because a compiled *jsonschema.Schema is read-only.
var vocabulary = mustVocabulary()

func mustVocabulary() *jsonschema.Vocabulary {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(vocabSchemaJSON))
	if err != nil {
		panic(fmt.Sprintf("forms: vocabulary schema: %v", err))
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{})
	if err := c.AddResource(VocabularyURL, doc); err != nil {
		panic(fmt.Sprintf("forms: vocabulary schema: %v", err))
	}
	sch, err := c.Compile(VocabularyURL)
	if err != nil {
		panic(fmt.Sprintf("forms: vocabulary schema: %v", err))
	}
	return &jsonschema.Vocabulary{URL: VocabularyURL, Schema: sch, Compile: compileKeywords}
}

// keywords is the compiled form of the civickit keywords on one schema
// object. It carries annotations only, so Validate adds nothing.
type keywords struct {
	form         *formKeyword
	titles       map[string]string
	descriptions map[string]string
	order        []string
	widget       string
	autocomplete string
	prefill      string
	pii          string
	options      map[string]map[string]string
	// keepSpace and allowControls are x-trim: false and
	// x-allowControls: true.
	keepSpace, allowControls bool
}

// Validate implements jsonschema.SchemaExt; the keywords are annotations.
func (*keywords) Validate(*jsonschema.ValidatorContext, any) {}

type formKeyword struct {
	id                 string
	version            int
	allowUnknownFields bool
	steps              []stepKeyword
}

type stepKeyword struct {
	id     string
	title  string
	titles map[string]string
	fields []string
}

// compileKeywords runs after the vocabulary schema accepted obj, so the
// shapes are known to be right.
func compileKeywords(_ *jsonschema.CompilerContext, obj map[string]any) (jsonschema.SchemaExt, error) {
	var k keywords
	found := false
	if v, ok := obj["x-form"].(map[string]any); ok {
		found = true
		k.form = compileFormKeyword(v)
	}
	if v, ok := obj["x-title"].(map[string]any); ok {
		found = true
		k.titles = localized(v)
	}
	if v, ok := obj["x-description"].(map[string]any); ok {
		found = true
		k.descriptions = localized(v)
	}
	if v, ok := obj["x-order"].([]any); ok {
		found = true
		k.order = strings1(v)
	}
	for name, dst := range map[string]*string{
		"x-widget": &k.widget, "x-autocomplete": &k.autocomplete,
		"x-prefill": &k.prefill, "x-pii": &k.pii,
	} {
		if v, ok := obj[name].(string); ok {
			found = true
			*dst = v
		}
	}
	if v, ok := obj["x-trim"].(bool); ok {
		found, k.keepSpace = true, !v
	}
	if v, ok := obj["x-allowControls"].(bool); ok {
		found, k.allowControls = true, v
	}
	if v, ok := obj["x-options"].(map[string]any); ok {
		found = true
		k.options = make(map[string]map[string]string, len(v))
		for value, labels := range v {
			if m, ok := labels.(map[string]any); ok {
				k.options[value] = localized(m)
			}
		}
	}
	if !found {
		return nil, nil
	}
	return &k, nil
}

func compileFormKeyword(v map[string]any) *formKeyword {
	f := &formKeyword{}
	f.id, _ = v["id"].(string)
	f.version = intOf(v["version"])
	f.allowUnknownFields, _ = v["allowUnknownFields"].(bool)
	steps, _ := v["steps"].([]any)
	for _, s := range steps {
		m, _ := s.(map[string]any)
		var st stepKeyword
		st.id, _ = m["id"].(string)
		st.title, _ = m["title"].(string)
		if t, ok := m["x-title"].(map[string]any); ok {
			st.titles = localized(t)
		}
		fields, _ := m["fields"].([]any)
		st.fields = strings1(fields)
		f.steps = append(f.steps, st)
	}
	return f
}

func localized(m map[string]any) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[strings.ToLower(k)] = s
		}
	}
	return out
}

func strings1(v []any) []string {
	out := make([]string, 0, len(v))
	for _, s := range v {
		if s, ok := s.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func intOf(v any) int {
	switch n := v.(type) {
	case float64:
		return int(n)
	case interface{ Int64() (int64, error) }:
		i, _ := n.Int64()
		return int(i)
	}
	return 0
}

// noLoader refuses every external reference: a definition is one
// self-contained document, and compiling it must never read files or the
// network.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("external reference %q is not allowed", url)
}
