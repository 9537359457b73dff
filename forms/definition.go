package forms

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/civickit/civickit/adapters"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Form is one compiled version of a form definition. It is immutable and
// safe for concurrent use.
type Form struct {
	id      string
	version int
	hash    string
	file    string
	schema  *jsonschema.Schema
	root    *Field
	byPath  map[string]*Field
	steps   []*Step
	allow   bool
	limits  limits
	title   string
	titles  map[string]string
	desc    string
	descs   map[string]string
	ordered []*Field          // every field, in form order
	names   map[string]string // every field name, shared by decoded submissions
	added   []*addedLang      // the registry's added languages the form has texts in
	texts   map[string]bool   // base languages the form has texts in

	// files are the file fields, in form order; maxTotal bounds their
	// files together (x-form.maxTotalSize, else MaxUploadBytes).
	files    []*Field
	fileTops []*Field // the top-level fields holding file fields, in form order
	maxTotal int64
	groups   bool // the form has a repeating group
}

// Pin identifies exactly one definition: a submission records the pin of
// the form it was validated against.
type Pin struct {
	// ID and Version name the definition.
	ID      string `json:"id"`
	Version int    `json:"version"`
	// Hash is the hex SHA-256 of the definition file's bytes.
	Hash string `json:"hash"`
}

// String renders the pin as id@version#hash.
func (p Pin) String() string { return fmt.Sprintf("%s@%d#%s", p.ID, p.Version, p.Hash) }

// ID returns the form id from x-form.
func (f *Form) ID() string { return f.id }

// Version returns the form version from x-form.
func (f *Form) Version() int { return f.version }

// Hash returns the hex SHA-256 of the definition bytes.
func (f *Form) Hash() string { return f.hash }

// Pin returns the (id, version, hash) triple of this definition.
func (f *Form) Pin() Pin { return Pin{ID: f.id, Version: f.version, Hash: f.hash} }

// Submission returns the submission record of clean data, pinned to this
// form: pass the output of ValidateJSON (or of Seal, where PII is sealed
// at rest) and hand the record to workflow.OpenParams.Submission, which
// fills in its ID, submitter, channel and time and, when OpenParams.Data
// is empty, opens the case with the same data. files are the files the
// data names (Post.Files), kept as Submission.Files. The record keeps its
// own copy of clean and of files.
func (f *Form) Submission(clean json.RawMessage, files ...adapters.FileRef) adapters.Submission {
	return adapters.Submission{FormID: f.id, FormVersion: f.version, FormHash: f.hash, Data: slices.Clone(clean),
		Files: slices.Clone(files)}
}

// Title returns the form title in the best matching locale.
func (f *Form) Title(locale string) string { return pick(f.title, f.titles, locale) }

// Description returns the form description in the best matching locale.
func (f *Form) Description(locale string) string { return pick(f.desc, f.descs, locale) }

// Fields returns the top-level fields in form order.
func (f *Form) Fields() []*Field { return slices.Clone(f.root.Fields) }

// Field returns the field with the dotted path ("applicant.email"). A
// field of a repeating group's rows is found by its template path
// ("members.*.dob") or by the path of any row ("members.2.dob"); both
// return the row template's field.
func (f *Form) Field(path string) (*Field, bool) {
	fl, ok := f.byPath[path]
	if !ok && f.groups {
		fl = f.rowField(path)
		ok = fl != nil
	}
	return fl, ok
}

// Steps returns the form's steps in order. A form without x-form.steps has
// one step, "main", holding every top-level field.
func (f *Form) Steps() []*Step { return slices.Clone(f.steps) }

// Step returns the step with the id.
func (f *Form) Step(id string) (*Step, bool) {
	for _, s := range f.steps {
		if s.ID == id {
			return s, true
		}
	}
	return nil, false
}

// Step is one page of a multi-step form.
type Step struct {
	// ID names the step in URLs and drafts.
	ID string
	// Index is the step's position, from 0.
	Index  int
	title  string
	titles map[string]string
	// Fields are the step's top-level fields in order.
	Fields []*Field
}

// Title returns the step title in the best matching locale.
func (s *Step) Title(locale string) string { return pick(s.title, s.titles, locale) }

// Field is one input, or a group of inputs (an object), of a form.
type Field struct {
	// Name is the property name; Path joins the names from the root with
	// dots ("applicant.email"), as HTML form posts name inputs; Pointer is
	// the RFC 6901 pointer of the value ("/applicant/email").
	Name, Path, Pointer string
	// Type is the JSON type: string, number, integer, boolean, array or
	// object.
	Type string
	// Format is the JSON Schema format ("email", "date"), if any.
	Format string
	// Widget is the x-widget hint, or one chosen from the type and format.
	Widget string
	// Autocomplete is the x-autocomplete token.
	Autocomplete string
	// Prefill is the x-prefill identity claim name.
	Prefill string
	// PII is the x-pii category; empty when the field is not personal.
	PII string
	// Required reports that the field's object always requires it.
	Required bool
	// Conditional reports that an if/then/else branch shows the field.
	Conditional bool
	// Options are the allowed values of select, radio and checkboxes
	// fields, from enum (or items.enum for arrays).
	Options []Option
	// ItemType is the JSON type of an array's items.
	ItemType string
	// Fields are an object's fields in order.
	Fields []*Field
	// MinLength and MaxLength are the string length bounds (0: none).
	MinLength, MaxLength int
	// Accept lists the media types a file field (Widget "file") takes,
	// from x-accept; MaxFileSize bounds each file in bytes
	// (x-maxFileSize, default DefaultMaxFileSize); MaxFiles is how many
	// files it holds: 1 for a string, maxItems for an array.
	Accept      []string
	MaxFileSize int64
	MaxFiles    int
	// Channels are the channels other than the web page that may ask
	// for and show the field's personal data (x-pii), from x-channels on
	// the field or else on the nearest enclosing object or the form's
	// root; empty, a field with x-pii is asked on the web only (see
	// Conversation). It says nothing of a field without x-pii.
	Channels []string
	// MinItems and MaxItems are an array's minItems and maxItems (0:
	// none). A repeating group without maxItems still holds at most
	// DefaultMaxRows rows.
	MinItems, MaxItems int

	title, desc   string
	titles, descs map[string]string
	conds         []condition
	names         map[string]*Field // an object's fields by name
	byName        []*Field          // an object's fields sorted by name, the order clean JSON writes them in
	htmlID        string            // the input's id in rendered pages
	keepSpace     bool              // x-trim: false
	allowControls bool              // x-allowControls: true
	errName       localText         // x-errorName: the field's name in messages
	messages      map[string]localText
	example       string    // x-example, or the first string of examples
	row           localText // a repeating group's row title: items' title and x-titles
	holdsFiles    bool      // a file field, or an object or group with one among its fields
	schema        *jsonschema.Schema
	order         int
}

// Option is one allowed value of a choice field.
type Option struct {
	// Value is the JSON value; Text is its string form used in HTML.
	Value any
	Text  string
	label map[string]string
	def   string // label when no translation matches; Text when empty
	yesNo bool   // one of the built-in Yes and No of a yes-or-no question
}

// Label returns the option label in the best matching locale, falling
// back to the value itself.
func (o Option) Label(locale string) string { return o.labelIn(resolve(locale)) }

func (o Option) labelIn(l *lang) string {
	def := o.def
	if def == "" {
		def = o.Text
	}
	return l.text(def, o.label)
}

// yesNo are the options of a boolean drawn as radio buttons.
var yesNo = []Option{
	{Value: true, Text: "true", def: "Yes", label: map[string]string{"en": "Yes", "es": "Sí"}, yesNo: true},
	{Value: false, Text: "false", def: "No", label: map[string]string{"en": "No", "es": "No"}, yesNo: true},
}

// Label returns the field title in the best matching locale, falling back
// to the property name.
func (fl *Field) Label(locale string) string { return fl.labelIn(resolve(locale)) }

func (fl *Field) labelIn(l *lang) string {
	if t := l.text(fl.title, fl.titles); t != "" {
		return t
	}
	return fl.Name
}

// Hint returns the field description in the best matching locale.
func (fl *Field) Hint(locale string) string { return pick(fl.desc, fl.descs, locale) }

// condition shows a field when the if-schema's verdict on the enclosing
// object equals want.
type condition struct {
	ifs  *jsonschema.Schema
	want bool
	// reads names the sibling properties the if-schema looks at, when it
	// looks only at named properties (nil otherwise).
	reads []string
	// requires says the branch also makes the field required.
	requires bool
}

// readsOf lists the properties an if-schema tests, or nil when it tests
// anything beyond "properties" and "required".
func readsOf(s *jsonschema.Schema) []string {
	if s.Bool != nil || s.Ref != nil || s.Not != nil || len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) > 0 ||
		s.If != nil || s.PatternProperties != nil || s.AdditionalProperties != nil || s.DependentRequired != nil ||
		s.DependentSchemas != nil || s.PropertyNames != nil || s.MinProperties != nil || s.MaxProperties != nil ||
		s.Const != nil || s.Enum != nil || s.UnevaluatedProperties != nil || s.DynamicRef != nil {
		return nil
	}
	var names []string
	for n := range s.Properties {
		names = append(names, n)
	}
	for _, n := range s.Required {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

// DefinitionProblem is one thing wrong with a definition.
type DefinitionProblem struct {
	// Pointer locates the offending value inside the file.
	Pointer string
	// Reason says what is wrong.
	Reason string
}

// DefinitionError reports why a definition failed to load: every problem
// found, so an author fixes them in one pass. A document that cannot be
// read as a JSON Schema object stops at the first problem.
type DefinitionError struct {
	// File is the definition's name in the file system.
	File string
	// Pointer and Reason are the first problem, Problems[0].
	Pointer string
	Reason  string
	// Problems lists every problem found, in document order within each
	// kind of check; it holds at least the first.
	Problems []DefinitionProblem
}

// maxProblemsInText bounds how many problems DefinitionError.Error lists,
// so a generated or hostile definition cannot grow a log line without
// limit; Problems keeps them all.
const maxProblemsInText = 50

// Error implements error. It lists the first 50 problems and counts the
// rest.
func (e *DefinitionError) Error() string {
	if len(e.Problems) <= 1 {
		return fmt.Sprintf("forms: %s#%s: %s", e.File, e.Pointer, e.Reason)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "forms: %s: %d problems:", e.File, len(e.Problems))
	for i, p := range e.Problems {
		if i == maxProblemsInText {
			fmt.Fprintf(&b, " and %d more", len(e.Problems)-i)
			break
		}
		fmt.Fprintf(&b, " #%s: %s;", p.Pointer, p.Reason)
	}
	return strings.TrimSuffix(b.String(), ";")
}

// definitionError gathers problems into one DefinitionError, nil when
// there are none.
func definitionError(file string, problems []DefinitionProblem) error {
	if len(problems) == 0 {
		return nil
	}
	return &DefinitionError{File: file, Pointer: problems[0].Pointer, Reason: problems[0].Reason, Problems: problems}
}

// fail records a problem; the builder carries on so that one load reports
// every problem.
func (b *builder) fail(pointer, reason string) {
	b.problems = append(b.problems, DefinitionProblem{Pointer: pointer, Reason: reason})
}

// Unwrap lets errors.Is match adapters.ErrInvalidArgument.
func (e *DefinitionError) Unwrap() error { return adapters.ErrInvalidArgument }

// compile turns one definition file into a Form.
func compile(file string, data []byte, lim limits) (*Form, error) {
	order := map[string][]string{}
	doc, err := readJSON(data, jsonReader{maxDepth: 128, keyOrder: func(ptr string, keys []string) {
		if strings.HasSuffix(ptr, "/properties") {
			order[ptr] = slices.Clone(keys)
		}
	}})
	if err != nil {
		var ie *inputError
		errors.As(err, &ie)
		return nil, &DefinitionError{File: file, Pointer: ie.pointer, Reason: ie.Error()}
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, &DefinitionError{File: file, Reason: "a definition must be a JSON object"}
	}
	var pre []DefinitionProblem
	if _, ok := obj["x-form"]; !ok {
		pre = append(pre, DefinitionProblem{Pointer: "/x-form", Reason: "missing x-form (id and version)"})
	}
	if s, ok := obj["$schema"]; ok && s != "https://json-schema.org/draft/2020-12/schema" {
		pre = append(pre, DefinitionProblem{Pointer: "/$schema", Reason: "only JSON Schema 2020-12 is supported"})
	}
	// the compiler ignores names it does not know, so a typo would drop
	// its rule without a word
	unknownKeyword(obj, "", func(at, name string, known []string) {
		pre = append(pre, DefinitionProblem{Pointer: at, Reason: fmt.Sprintf("unknown keyword %q; did you mean %q?", name, nearest(name, known))})
	})
	if err := definitionError(file, pre); err != nil {
		return nil, err
	}

	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.AssertVocabs()
	c.RegisterVocabulary(vocabulary)
	c.UseLoader(noLoader{})
	loc := "civickit-form:///" + strings.TrimPrefix(file, "/")
	delete(obj, "$id") // the file name is the identity; $id could alias another form
	if err := c.AddResource(loc, obj); err != nil {
		return nil, &DefinitionError{File: file, Reason: err.Error()}
	}
	sch, err := c.Compile(loc)
	if err != nil {
		return nil, schemaError(file, err)
	}

	f := &Form{file: file, schema: sch, limits: lim, byPath: map[string]*Field{}, names: map[string]string{}}
	sum := sha256.Sum256(data)
	f.hash = hex.EncodeToString(sum[:])
	kw := keywordsOf(sch)
	f.id, f.version, f.allow = kw.form.id, kw.form.version, kw.form.allowUnknownFields
	f.title, f.titles, f.desc, f.descs = sch.Title, kw.titles, sch.Description, kw.descriptions

	b := builder{form: f, order: order, file: file}
	f.root = &Field{Name: "", Type: "object", schema: sch, Channels: keywordsOf(deref(sch)).channels}
	if err := b.object(f.root, sch, "", ""); err != nil {
		// a problem the builder cannot carry on past ends the load,
		// listed after those found before it
		var de *DefinitionError
		if errors.As(err, &de) {
			return nil, definitionError(file, append(b.problems, DefinitionProblem{Pointer: de.Pointer, Reason: de.Reason}))
		}
		return nil, err
	}
	if err := b.steps(kw.form.steps); err != nil {
		return nil, err
	}
	b.fileLimits(kw.form.maxTotalSize)
	b.check()
	if err := definitionError(file, b.problems); err != nil {
		return nil, err
	}
	f.texts = f.textBases()
	return f, nil
}

// schemaError turns a compile failure into a DefinitionError naming the
// most specific place the meta-schema or vocabulary rejected.
func schemaError(file string, err error) error {
	var sve *jsonschema.SchemaValidationError
	var ve *jsonschema.ValidationError
	if errors.As(err, &sve) && errors.As(sve.Err, &ve) {
		leaf := deepest(ve)
		return &DefinitionError{File: file, Pointer: pointerOf(leaf.InstanceLocation),
			Reason: leaf.ErrorKind.LocalizedString(englishPrinter)}
	}
	return &DefinitionError{File: file, Reason: err.Error()}
}

// deepest returns the cause with the longest instance location; the first
// such in document order when several tie.
func deepest(ve *jsonschema.ValidationError) *jsonschema.ValidationError {
	best := ve
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 && len(e.InstanceLocation) > len(best.InstanceLocation) ||
			len(best.Causes) > 0 && len(e.Causes) == 0 && len(e.InstanceLocation) == len(best.InstanceLocation) {
			best = e
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return best
}

func keywordsOf(s *jsonschema.Schema) *keywords {
	for _, e := range s.Extensions {
		if k, ok := e.(*keywords); ok {
			return k
		}
	}
	return &keywords{}
}

// deref follows a schema that is only a $ref.
func deref(s *jsonschema.Schema) *jsonschema.Schema {
	for i := 0; s.Ref != nil && s.Types == nil && len(s.Properties) == 0 && i < 32; i++ {
		s = s.Ref
	}
	return s
}

type builder struct {
	form  *Form
	order map[string][]string
	file  string
	n     int
	open  []*jsonschema.Schema // objects being built, to refuse recursion
	// problems the builder records and carries on past
	problems []DefinitionProblem
}

// maxGroupDepth bounds how deeply groups of fields nest.
const maxGroupDepth = 16

func fragment(s *jsonschema.Schema) string {
	_, frag, _ := strings.Cut(s.Location, "#")
	return frag
}

// object collects the fields of an object schema: its own properties
// always show, those of then/else branches (also inside allOf) show when
// their condition holds.
func (b *builder) object(parent *Field, s *jsonschema.Schema, path, ptr string) error {
	s = deref(s)
	if slices.Contains(b.open, s) || len(b.open) >= maxGroupDepth {
		return &DefinitionError{File: b.file, Pointer: fragment(s),
			Reason: fmt.Sprintf("field %q nests groups recursively or more than %d deep; a form is a finite set of fields", path, maxGroupDepth)}
	}
	b.open = append(b.open, s)
	defer func() { b.open = b.open[:len(b.open)-1] }()
	type decl struct {
		sch  *jsonschema.Schema
		cond *condition
		src  *jsonschema.Schema
	}
	byName := map[string][]decl{}
	var names []string
	add := func(owner *jsonschema.Schema, cond *condition) {
		if owner == nil {
			return
		}
		keys := b.order[fragment(owner)+"/properties"]
		// map order is random: fall back to sorted names for anything the
		// document order missed
		rest := make([]string, 0, len(owner.Properties))
		for n := range owner.Properties {
			if !slices.Contains(keys, n) {
				rest = append(rest, n)
			}
		}
		sort.Strings(rest)
		for _, n := range append(slices.Clone(keys), rest...) {
			ps, ok := owner.Properties[n]
			if !ok {
				continue
			}
			if _, seen := byName[n]; !seen {
				names = append(names, n)
			}
			byName[n] = append(byName[n], decl{sch: ps, cond: cond, src: owner})
		}
	}
	add(s, nil)
	branches := append([]*jsonschema.Schema{s}, s.AllOf...)
	for _, br := range branches {
		br = deref(br)
		if br.If == nil {
			continue
		}
		if br.Then != nil {
			add(deref(br.Then), &condition{ifs: br.If, want: true, reads: readsOf(br.If)})
		}
		if br.Else != nil {
			add(deref(br.Else), &condition{ifs: br.If, want: false, reads: readsOf(br.If)})
		}
	}
	if kw := keywordsOf(s); kw.order != nil {
		sound := true
		for _, n := range kw.order {
			if _, ok := byName[n]; !ok {
				b.fail(fragment(s)+"/x-order", fmt.Sprintf("x-order names %q, which is not a property", n))
				sound = false
			}
		}
		if sound {
			rest := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return slices.Contains(kw.order, n) })
			names = append(slices.Clone(kw.order), rest...)
		}
	}

	for _, n := range names {
		// Form posts name fields by dotted path and skip names that start
		// with '_' (CSRF tokens, the step marker), so such a property
		// could never be filled in.
		if strings.Contains(n, ".") || strings.HasPrefix(n, "_") {
			b.fail(ptr+pointerOf([]string{n}), fmt.Sprintf("property %q may not contain '.' or start with '_': form posts could not name it", n))
			continue
		}
		if strings.Contains(n, "*") {
			b.fail(ptr+pointerOf([]string{n}), fmt.Sprintf("property %q may not contain '*': it stands for any row in the paths of a repeating group's fields", n))
			continue
		}
		ds := byName[n]
		fl := &Field{Name: n, Path: joinPath(path, n), Pointer: ptr + pointerOf([]string{n})}
		// the unconditional declaration, when there is one, describes the
		// field; branch declarations only add constraints
		main := ds[0]
		always := false
		for _, d := range ds {
			if d.cond == nil {
				always, main = true, d
				break
			}
		}
		if !always {
			fl.Conditional = true
			for _, d := range ds {
				c := *d.cond
				c.requires = slices.Contains(d.src.Required, n)
				fl.conds = append(fl.conds, c)
			}
		}
		fl.Required = slices.Contains(s.Required, n)
		fl.Channels = parent.Channels // the field's own x-channels replace these
		if err := b.field(fl, main.sch); err != nil {
			return err
		}
		parent.Fields = append(parent.Fields, fl)
		if parent.names == nil {
			parent.names = map[string]*Field{}
		}
		parent.names[n] = fl
	}
	parent.byName = slices.SortedFunc(slices.Values(parent.Fields), func(a, b *Field) int { return strings.Compare(a.Name, b.Name) })
	return nil
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func (b *builder) field(fl *Field, s *jsonschema.Schema) error {
	kw := keywordsOf(s)
	if kw.form != nil {
		return &DefinitionError{File: b.file, Pointer: fragment(s) + "/x-form", Reason: "x-form belongs at the top level only"}
	}
	s = deref(s)
	if s.Ref != nil && s.Types == nil && len(s.Properties) == 0 {
		return &DefinitionError{File: b.file, Pointer: fragment(s), Reason: fmt.Sprintf("field %q is a cycle of references", fl.Path)}
	}
	if k2 := keywordsOf(s); kw.widget == "" && kw.titles == nil && k2 != nil {
		kw = k2
	}
	fl.schema = s
	fl.order = b.n
	b.n++
	b.form.byPath[fl.Path] = fl
	b.form.names[fl.Name] = fl.Name
	fl.htmlID = inputID(fl.Path)
	b.form.ordered = append(b.form.ordered, fl)
	fl.title, fl.titles, fl.desc, fl.descs = s.Title, kw.titles, s.Description, kw.descriptions
	fl.Autocomplete, fl.Prefill, fl.PII = kw.autocomplete, kw.prefill, kw.pii
	fl.keepSpace, fl.allowControls = kw.keepSpace, kw.allowControls
	fl.errName, fl.messages, fl.example = kw.errorName, kw.messages, kw.example
	if kw.hasChannels {
		fl.Channels = kw.channels
	}
	if fl.example == "" && len(s.Examples) > 0 {
		fl.example, _ = s.Examples[0].(string)
	}
	fl.Type = typeName(s)
	if s.Format != nil {
		fl.Format = s.Format.Name
	}
	if s.MinLength != nil {
		fl.MinLength = *s.MinLength
	}
	if s.MaxLength != nil {
		fl.MaxLength = *s.MaxLength
	}
	enum := s.Enum
	if s.MinItems != nil {
		fl.MinItems = *s.MinItems
	}
	if s.MaxItems != nil {
		fl.MaxItems = *s.MaxItems
	}
	if fl.Type == "array" {
		if it, ok := s.Items2020, s.Items2020 != nil; ok {
			it = deref(it)
			fl.ItemType = typeName(it)
			enum = it.Enum
			if ik := keywordsOf(it); kw.options == nil {
				kw.options = ik.options
			}
		}
	}
	if enum != nil {
		for _, v := range enum.Values {
			text := fmt.Sprint(v)
			fl.Options = append(fl.Options, Option{Value: v, Text: text, label: kw.options[text]})
		}
	}
	fl.Widget = kw.widget
	if fl.Type == "boolean" && fl.Widget == "radio" && len(fl.Options) == 0 {
		fl.Options = slices.Clone(yesNo)
		for i := range fl.Options {
			if l, ok := kw.options[fl.Options[i].Text]; ok {
				fl.Options[i].label = l
			}
		}
	}
	if fl.Widget == "" {
		fl.Widget = defaultWidget(fl)
	}
	if fl.Type == "array" && fl.ItemType == "object" {
		return b.group(fl, s, kw)
	}
	b.checkWidget(fl, s)
	b.fileField(fl, s, kw)
	if fl.Type == "object" {
		return b.object(fl, s, fl.Path, fl.Pointer)
	}
	return nil
}

func typeName(s *jsonschema.Schema) string {
	if s.Types != nil {
		ts := s.Types.ToStrings()
		for _, t := range ts {
			if t != "null" {
				return t
			}
		}
	}
	switch {
	case len(s.Properties) > 0:
		return "object"
	case s.Items2020 != nil:
		return "array"
	}
	if s.Enum != nil && len(s.Enum.Values) > 0 {
		switch s.Enum.Values[0].(type) {
		case bool:
			return "boolean"
		case string:
			return "string"
		default:
			return "number"
		}
	}
	return "string"
}

func defaultWidget(fl *Field) string {
	switch fl.Type {
	case "boolean":
		return "checkbox"
	case "number", "integer":
		return "number"
	case "object":
		return "address"
	case "array":
		if fl.ItemType == "object" {
			return "group"
		}
		if len(fl.Options) > 0 {
			return "checkboxes"
		}
		return "text"
	}
	if len(fl.Options) > 0 {
		if len(fl.Options) <= 5 {
			return "radio"
		}
		return "select"
	}
	switch fl.Format {
	case "email":
		return "email"
	case "date":
		return "date"
	}
	if fl.MaxLength > 200 {
		return "textarea"
	}
	return "text"
}

// checkWidget records hints the field's type cannot honour.
func (b *builder) checkWidget(fl *Field, s *jsonschema.Schema) {
	bad := ""
	switch fl.Widget {
	case "select", "radio":
		if len(fl.Options) == 0 {
			bad = "needs an enum (or, for radio, a boolean)"
		}
	case "checkboxes":
		if fl.Type != "array" || len(fl.Options) == 0 {
			bad = "needs an array with items.enum"
		}
	case "checkbox":
		if fl.Type != "boolean" {
			bad = "needs a boolean"
		}
	case "address":
		if fl.Type != "object" {
			bad = "needs an object"
		}
	case "group":
		bad = "needs an array whose items are objects with properties"
	case "number":
		if fl.Type != "number" && fl.Type != "integer" {
			bad = "needs a number or integer"
		}
	}
	if fl.Type == "object" && fl.Widget != "address" {
		bad = "an object is a group of fields and takes x-widget \"address\" or none"
	}
	if bad != "" {
		b.fail(fragment(s)+"/x-widget", fmt.Sprintf("x-widget %q %s", fl.Widget, bad))
	}
}

// deadBranch finds a top-level then/else that declares name but that the
// compiler dropped because its if is a constant; it returns its pointer.
func (b *builder) deadBranch(name string) string {
	for _, ptr := range slices.Sorted(maps.Keys(b.order)) {
		if (strings.HasSuffix(ptr, "/then/properties") || strings.HasSuffix(ptr, "/else/properties")) &&
			strings.Count(ptr, "/properties") == 1 && slices.Contains(b.order[ptr], name) {
			return ptr + "/" + name
		}
	}
	return ""
}

func (b *builder) steps(ks []stepKeyword) error {
	f := b.form
	if len(ks) == 0 {
		f.steps = []*Step{{ID: "main", title: f.title, titles: f.titles, Fields: f.root.Fields}}
		return nil
	}
	placed := map[string]string{}
	for i, k := range ks {
		st := &Step{ID: k.id, Index: i, title: k.title, titles: k.titles}
		for j, n := range k.fields {
			ptr := fmt.Sprintf("/x-form/steps/%d/fields/%d", i, j)
			fl, ok := f.byPath[n]
			if !ok {
				if at := b.deadBranch(n); at != "" {
					b.fail(at, fmt.Sprintf("field %q is hidden by every branch: its condition can never hold, so step %q can never be reached", n, k.id))
					continue
				}
			}
			if !ok || strings.Contains(n, ".") {
				b.fail(ptr, fmt.Sprintf("step %q lists %q, which is not a top-level property", k.id, n))
				continue
			}
			if prev, dup := placed[n]; dup {
				b.fail(ptr, fmt.Sprintf("field %q is in steps %q and %q", n, prev, k.id))
				continue
			}
			placed[n] = k.id
			st.Fields = append(st.Fields, fl)
		}
		if slices.ContainsFunc(f.steps, func(s *Step) bool { return s.ID == k.id }) {
			b.fail(fmt.Sprintf("/x-form/steps/%d/id", i), fmt.Sprintf("duplicate step id %q", k.id))
			continue
		}
		f.steps = append(f.steps, st)
	}
	for _, fl := range f.root.Fields {
		if _, ok := placed[fl.Name]; !ok {
			b.fail("/x-form/steps", fmt.Sprintf("field %q is in no step", fl.Name))
		}
	}
	// form order follows the pages, so errors list as a resident meets them
	f.ordered = f.ordered[:0]
	var number func(fl *Field)
	number = func(fl *Field) {
		fl.order = len(f.ordered)
		f.ordered = append(f.ordered, fl)
		for _, c := range fl.Fields {
			number(c)
		}
	}
	for _, st := range f.steps {
		for _, fl := range st.Fields {
			number(fl)
		}
	}
	return nil
}
