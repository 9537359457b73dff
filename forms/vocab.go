package forms

import (
	_ "embed"
	"fmt"
	"maps"
	"slices"
	"strconv"
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

// The keywords of JSON Schema 2020-12 (core, applicator, validation,
// unevaluated, format-annotation, content and meta-data vocabularies), by
// what their value holds: one subschema, a list of them, a map from
// names to them, or anything else (data, names, numbers).
var (
	oneSchema  = []string{"not", "if", "then", "else", "items", "contains", "additionalProperties", "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema"}
	schemaList = []string{"allOf", "anyOf", "oneOf", "prefixItems"}
	schemaMap  = []string{"properties", "patternProperties", "$defs", "dependentSchemas"}
	otherWords = []string{"$schema", "$id", "$ref", "$anchor", "$dynamicRef", "$dynamicAnchor", "$vocabulary", "$comment",
		"type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
		"maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxContains", "minContains",
		"maxProperties", "minProperties", "required", "dependentRequired", "format", "contentEncoding",
		"contentMediaType", "title", "description", "default", "deprecated", "readOnly", "writeOnly", "examples"}
)

// keywordNames are the names allowed in a schema object, in x-form and in
// one of its steps; the civickit ones come from vocab.schema.json.
var keywordNames struct{ schema, form, step []string }

func mustVocabulary() *jsonschema.Vocabulary {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(vocabSchemaJSON))
	if err != nil {
		panic(fmt.Sprintf("forms: vocabulary schema: %v", err))
	}
	props := func(m any) map[string]any { return m.(map[string]any)["properties"].(map[string]any) }
	xform := props(doc)["x-form"]
	keywordNames.schema = slices.Concat(oneSchema, schemaList, schemaMap, otherWords, slices.Sorted(maps.Keys(props(doc))))
	keywordNames.form = slices.Sorted(maps.Keys(props(xform)))
	keywordNames.step = slices.Sorted(maps.Keys(props(props(xform)["steps"].(map[string]any)["items"])))
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
	// errorName, messages and example are x-errorName, x-messages and
	// x-example.
	errorName localText
	messages  map[string]localText
	example   string
	// accept and maxFileSize are x-accept and x-maxFileSize (0: not
	// given); hasAccept tells an empty x-accept from none.
	accept      []string
	hasAccept   bool
	maxFileSize int64
	// channels is x-channels; hasChannels tells an empty list from none.
	channels    []string
	hasChannels bool
}

// localText is a text in the form's own language with its translations,
// given in a definition as a string or as a map of locales to strings.
type localText struct {
	def string
	m   map[string]string
}

// in returns the text in the locale, empty when there is none.
func (t localText) in(l *lang) string { return l.text(t.def, t.m) }

func localTextOf(v any) (localText, bool) {
	switch x := v.(type) {
	case string:
		return localText{def: x}, true
	case map[string]any:
		return localText{m: localized(x)}, true
	}
	return localText{}, false
}

// Validate implements jsonschema.SchemaExt; the keywords are annotations.
func (*keywords) Validate(*jsonschema.ValidatorContext, any) {}

type formKeyword struct {
	id                 string
	version            int
	allowUnknownFields bool
	maxTotalSize       int64 // 0: not given
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
	if t, ok := localTextOf(obj["x-errorName"]); ok {
		found, k.errorName = true, t
	}
	if v, ok := obj["x-messages"].(map[string]any); ok {
		found = true
		k.messages = make(map[string]localText, len(v))
		for code, text := range v {
			if t, ok := localTextOf(text); ok {
				k.messages[code] = t
			}
		}
	}
	if v, ok := obj["x-example"].(string); ok {
		found, k.example = true, v
	}
	if v, ok := obj["x-accept"].([]any); ok {
		found, k.hasAccept, k.accept = true, true, strings1(v)
	}
	if v, ok := obj["x-channels"].([]any); ok {
		found, k.hasChannels, k.channels = true, true, strings1(v)
	}
	if _, ok := obj["x-maxFileSize"]; ok {
		found, k.maxFileSize = true, int64Of(obj["x-maxFileSize"])
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
	f.maxTotalSize = int64Of(v["maxTotalSize"])
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

// unknownKeyword finds a name in a schema object, at any depth, that is
// no keyword, or a member of x-form or of a step that is not theirs, and
// reports each with its pointer, the name and the names allowed there. Names under
// properties, $defs and the like are the author's, and the values of
// enum, const, default, examples and the civickit keywords are data:
// neither is taken for a keyword.
func unknownKeyword(v any, ptr string, report func(at, name string, known []string)) {
	obj, _ := v.(map[string]any) // not an object: a boolean schema, or a shape the compiler refuses
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		kp, val := ptr+pointerOf([]string{k}), obj[k]
		subs := map[string]any{} // subschemas under k by pointer suffix
		switch {
		case !slices.Contains(keywordNames.schema, k):
			report(kp, k, keywordNames.schema)
		case k == "x-form":
			unknownMember(val, kp, keywordNames.form, report)
			form, _ := val.(map[string]any)
			steps, _ := form["steps"].([]any)
			for i, st := range steps {
				unknownMember(st, kp+"/steps/"+strconv.Itoa(i), keywordNames.step, report)
			}
		case slices.Contains(oneSchema, k):
			subs[""] = val
		case slices.Contains(schemaList, k):
			list, _ := val.([]any)
			for i, e := range list {
				subs["/"+strconv.Itoa(i)] = e
			}
		case slices.Contains(schemaMap, k):
			m, _ := val.(map[string]any)
			for n, e := range m {
				subs[pointerOf([]string{n})] = e
			}
		}
		for _, suffix := range slices.Sorted(maps.Keys(subs)) {
			unknownKeyword(subs[suffix], kp+suffix, report)
		}
	}
}

func unknownMember(v any, ptr string, allowed []string, report func(at, name string, known []string)) {
	m, _ := v.(map[string]any)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(allowed, k) {
			report(ptr+pointerOf([]string{k}), k, allowed)
		}
	}
}

// nearest returns the name in known closest to name by edit distance.
func nearest(name string, known []string) string {
	best, bestDist := "", -1
	for _, k := range known {
		// Levenshtein distance, one row at a time
		row := make([]int, len(k)+1)
		for j := range row {
			row[j] = j
		}
		for i := 1; i <= len(name); i++ {
			prev := row[0]
			row[0] = i
			for j := 1; j <= len(k); j++ {
				cost := 1
				if name[i-1] == k[j-1] {
					cost = 0
				}
				prev, row[j] = row[j], min(row[j]+1, row[j-1]+1, prev+cost)
			}
		}
		if d := row[len(k)]; bestDist < 0 || d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// noLoader refuses every external reference: a definition is one
// self-contained document, and compiling it must never read files or the
// network.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("external reference %q is not allowed", url)
}
