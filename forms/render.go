package forms

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/civickit/civickit/adapters"
	"golang.org/x/text/language"
)

//go:embed templates/*.tmpl
var defaultTemplates embed.FS

// RenderConfig tunes a Renderer. nil means the built-in templates.
type RenderConfig struct {
	// Templates holds *.tmpl files parsed after the built-in ones, so a
	// vendor redefines any of the named templates ("form", "field",
	// "input", "select", "checkbox", "choices", "group", "rows" (a
	// repeating group), "row-heading", "file", "input-attrs"
	// (the attributes after class, id and name), "label-text",
	// "hint-error") and keeps the rest. Template data is documented on
	// FormView. A "field" of one's own dispatches IsRows to "rows" too.
	Templates fs.FS
	// Site brands the pages RenderPage draws.
	Site Site
	// Languages are page languages beyond the built-in English and
	// Spanish, for pages only; see Language. Pages of a form are also
	// drawn in the languages of its registry (RegistryConfig.Languages),
	// which is where a language with messages belongs: passing the same
	// slice here as well changes nothing, as these are looked at first.
	Languages []Language
}

// Site is what a city brands the page shell with: its name and logo in
// the header, a link home in the header and footer, and the stylesheets.
type Site struct {
	// Name is the city's or service's name, shown in the header and
	// footer and at the end of every title. Empty leaves out the header
	// and footer.
	Name string
	// LogoURL is the logo shown before Name (decorative: Name is its
	// text); HomeURL is where Name links to. Both are optional.
	LogoURL, HomeURL string
	// AssetsPath is the URL path Assets is mounted at, ending in "/";
	// "/assets/" when empty. The shell links the U.S. Web Design System
	// stylesheet below it.
	AssetsPath string
	// Stylesheets, when set, are linked instead of the built-in
	// stylesheets (the design system's, and on right-to-left pages
	// RTLStylesheet after it), so a city can use its own build.
	Stylesheets []string
}

// Renderer draws forms as accessible HTML with html/template: every input
// has a label, choice sets and groups are fieldsets with legends, hints
// and errors are tied to inputs with aria-describedby, invalid inputs
// carry aria-invalid, an error summary links to each invalid field, and
// class names follow the U.S. Web Design System. Safe for concurrent use.
type Renderer struct {
	tmpl        *template.Template
	site        Site
	stylesheets []string
	languages   []*addedLang
	rtlSheets   []string // the built-in stylesheets of a right-to-left page
}

// NewRenderer parses the templates once.
func NewRenderer(cfg *RenderConfig) (*Renderer, error) {
	t, err := template.New("forms").ParseFS(defaultTemplates, "templates/*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("forms: parse templates: %w", err)
	}
	if cfg != nil && cfg.Templates != nil {
		if t, err = t.ParseFS(cfg.Templates, "*.tmpl"); err != nil {
			return nil, fmt.Errorf("forms: parse override templates: %w", err)
		}
	}
	r := &Renderer{tmpl: t}
	if cfg != nil {
		r.site = cfg.Site
		if r.languages, err = addLanguages(cfg.Languages); err != nil {
			return nil, err
		}
	}
	r.stylesheets = r.site.Stylesheets
	if len(r.stylesheets) == 0 {
		base := r.site.AssetsPath
		if base == "" {
			base = "/assets/"
		}
		base = strings.TrimSuffix(base, "/") + "/"
		r.stylesheets = []string{base + USWDSStylesheet}
		r.rtlSheets = []string{base + USWDSStylesheet, base + RTLStylesheet}
	}
	return r, nil
}

// Page is what to render.
type Page struct {
	// Form is the definition.
	Form *Form
	// Step is the id of the step to draw; empty draws every step on one
	// page.
	Step string
	// Values are the current values (from DecodeForm, a draft, Prefill).
	// On a step page, values of the other steps are carried as hidden
	// inputs so the last step submits the whole form.
	Values map[string]any
	// Errors, when set, are shown in the summary and next to each field.
	Errors *ValidationError
	// Locale picks labels and texts (Accept-Language style).
	Locale string
	// Action is the form's action URL.
	Action string
	// Hidden are extra hidden inputs, such as a CSRF token. Their names
	// should start with "_" so DecodeForm skips them.
	Hidden map[string]string
	// BackURL, when set, is drawn by RenderPage as a back link above the
	// form; set it on later steps to the previous step's address.
	BackURL string
	// Languages, when set, are links to this page in other languages,
	// drawn by RenderPage in the header, each marked with its language.
	// A link in the language the page is drawn in is left out, so one
	// list serves the page in every language.
	Languages []LanguageLink
	// Files are the references of files already uploaded (Post.Files),
	// so a file field lists them by name; a file of Values missing here
	// is listed by its id.
	Files []adapters.FileRef
}

// LanguageLink is a link to a page in another language.
type LanguageLink struct {
	// Href is the page's address in that language; Lang its BCP 47 tag;
	// Text the language's name in itself ("Español").
	Href, Lang, Text string
}

// PageView is the data the "page" template receives, and the
// "page-top" and "page-bottom" templates that draw the shell around its
// content.
type PageView struct {
	// Form is the form drawn inside the page; nil on a Document's page.
	Form *FormView
	// Lang is the BCP 47 tag of the language the page is shown in; Title
	// the page's title before the site name (a step's title, then the
	// form's); Errors marks a page reporting a problem, whose title
	// starts with Text.ErrorPrefix.
	Lang, Title string
	Errors      bool
	// Site is the renderer's branding; Stylesheets the stylesheets to
	// link.
	Site        Site
	Stylesheets []string
	// Dir is "rtl" for a language written right to left, else "ltr".
	Dir string
	// BackURL is Page.BackURL; Languages are Page.Languages but the
	// page's own.
	BackURL   string
	Languages []LanguageLink
	// Text holds the shell's fixed texts in the page's language.
	Text ShellText
}

// ShellText holds the fixed texts of the page shell in its language.
type ShellText struct {
	// SkipLink reads "Skip to main content"; Back labels the back link;
	// ErrorPrefix ("Error: ") starts the title of a page with errors.
	SkipLink, Back, ErrorPrefix string
}

// FormView is the data the "form" template receives.
type FormView struct {
	// Lang is the page's BCP 47 tag; Title and Description the form's in
	// that language; Action the URL the form posts to.
	Lang, Title, Description, Action string
	// StepID and StepTitle name the step drawn (empty for a whole form);
	// StepNumber counts from 1 up to StepCount.
	StepID, StepTitle     string
	StepNumber, StepCount int
	// Errors feed the error summary, each linking to its input.
	Errors []ErrorView
	// Fields are the inputs to draw, in form order.
	Fields []*FieldView
	// Hidden are the page's own hidden inputs (step marker, CSRF token);
	// Carried are earlier steps' answers, carried as hidden inputs.
	Hidden, Carried []HiddenView
	// Multipart marks a page with a file field: the form is posted as
	// multipart/form-data.
	Multipart bool
	// Text holds the fixed texts of the page in its language.
	Text PageText
	// RowButtons marks a page drawing a repeating group's "Add another"
	// or "Remove" buttons: the form then starts with a hidden copy of
	// its submit button, so pressing Enter in an input submits the form
	// rather than pressing the first Remove button.
	RowButtons bool
}

// PageText holds the fixed texts of a page in its locale.
type PageText struct {
	// ErrorHeading titles the error summary; Submit labels the button
	// ("Continue" before the last step); StepOf reads "Step 1 of 3".
	ErrorHeading, Submit, StepOf string
}

// ErrorView is one line of the error summary.
type ErrorView struct {
	// Target is the id of the input the line links to.
	Target string
	// Message is the field error's message.
	Message string
}

// HiddenView is one hidden input.
type HiddenView struct {
	// Name and Value are the input's name and value.
	Name, Value string
}

// FieldView is the data the "field" templates receive. It holds text
// only: the templates write every attribute, so html/template escapes
// each value for its context. Fields the templates read most come first,
// as text/template finds a field by scanning the struct.
type FieldView struct {
	// Exactly one kind is set, and picks the template: IsInput (a text
	// input or textarea, "input"), IsCheckbox (one checkbox,
	// "checkbox"), IsChoices (radios or checkboxes, "choices"), IsSelect
	// ("select"), IsGroup (a fieldset of Fields, "group"), IsRows (a
	// repeating group, "rows"), IsFile (a file input, "file") or
	// IsHidden.
	// The most common, IsInput, comes first.
	IsInput bool
	// Error is the field's error message in the page's locale.
	Error string
	// ID is the input's HTML id; Label its text.
	ID, Label string
	// Required marks a required field; RequiredText is "(required)" in
	// the locale.
	Required     bool
	RequiredText string
	// DescribedBy holds the ids of the hint and error, for the input or
	// the fieldset; empty when the field has neither.
	DescribedBy string
	// IsTextarea marks an input drawn as a textarea.
	IsTextarea bool
	// Name is the form-post name (the dotted path); Type the input's
	// type (empty for select and textarea); InputMode its inputmode when
	// set; Value the current value as text.
	Name, Type, InputMode, Value string
	// Autocomplete and MaxLength are the input's attributes when set.
	Autocomplete string
	MaxLength    int
	// Checked marks a ticked checkbox.
	Checked bool
	// The other kinds; see IsInput.
	IsCheckbox, IsChoices, IsSelect, IsGroup, IsHidden bool
	// Hint is the field's description in the page's locale.
	Hint string
	// Multiple marks a choice set of checkboxes rather than radios, or a
	// file input taking several files.
	Multiple bool
	// IsFile marks a file input; Accept is its accept attribute (the
	// media types, comma-separated); Files the files already uploaded.
	IsFile bool
	Accept string
	Files  []FileView
	// Options are a choice field's options.
	Options []OptionView
	// Fields are a group's fields.
	Fields []*FieldView
	// IsRows marks a repeating group; Rows are its rows and Add its "Add
	// another" button, nil when the group is full.
	IsRows bool
	Rows   []RowView
	Add    *ButtonView
	// ChooseText is the empty select option; Widget the x-widget.
	ChooseText, Widget string
	// InputClass is the class list of the input, select or textarea;
	// ChoiceClass "usa-radio" or "usa-checkbox" and ChoiceType the type
	// of a choice set's inputs: radio or checkbox. The built-in
	// templates write these classes themselves; they are here for
	// templates of one's own.
	InputClass, ChoiceClass, ChoiceType string
}

// OptionView is one choice of a select, radio or checkboxes field.
type OptionView struct {
	// ID is the radio or checkbox id, Value the posted value, Label the
	// text in the locale.
	ID, Value, Label string
	// Checked marks the current choice.
	Checked bool
}

// onlyIn keeps of l's translation keys those of its own language, so a
// page marked English shows no French label the request also asked for.
func onlyIn(l *lang) *lang {
	mine := func(k string) bool { return k == l.tag || strings.HasPrefix(k, l.tag+"-") }
	if !slices.ContainsFunc(l.keys, func(k string) bool { return !mine(k) }) {
		return l
	}
	keep := &lang{msg: l.msg, tag: l.tag, msgs: l.msgs, bases: l.bases}
	for _, k := range l.keys {
		if mine(k) {
			keep.keys = append(keep.keys, k)
		}
	}
	return keep
}

// pageTexts are the built-in languages, in messageLocales order.
var pageTexts = []Language{
	{Tag: "en", ErrorHeading: "There is a problem", Submit: "Submit", Continue: "Continue", StepOf: "Step %d of %d",
		Required: "(required)", Choose: "- Select -", Yes: "Yes", No: "No", AddRow: "Add %s", RemoveRow: "Remove %s", RemoveFile: "Remove %s",
		Shell: ShellText{SkipLink: "Skip to main content", Back: "Back", ErrorPrefix: "Error: "}},
	{Tag: "es", ErrorHeading: "Hay un problema", Submit: "Enviar", Continue: "Continuar", StepOf: "Paso %d de %d",
		Required: "(obligatorio)", Choose: "- Seleccione -", Yes: "Sí", No: "No", AddRow: "Añadir %s", RemoveRow: "Quitar %s", RemoveFile: "Quitar %s",
		Shell: ShellText{SkipLink: "Saltar al contenido principal", Back: "Volver", ErrorPrefix: "Error: "}},
}

// pickLanguage returns the language a page of f is drawn in and its texts:
// the first language the request names that the form has texts in, among
// the built-in ones, more (a renderer's) and the form's registry's, else
// the form's own.
func pickLanguage(f *Form, locale string, more []*addedLang) (*lang, Language) {
	l := resolve(locale)
	if a := addedFor(f, l, more); a != nil {
		return a.lang, a.text
	}
	l = onlyIn(shownLang(f, l))
	return l, pageTexts[l.msg]
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Render writes the page. Nothing is written when the page cannot be
// built (unknown step), and the output is buffered so a template error
// never leaves half a page.
func (r *Renderer) Render(w io.Writer, p Page) error {
	v, _, err := buildView(p, r.languages)
	if err != nil {
		return err
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := r.tmpl.ExecuteTemplate(buf, "form", v); err != nil {
		return fmt.Errorf("forms: render %s: %w", p.Form.id, err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// RenderPage writes a whole HTML document around the form: the language
// and direction of the text shown, a title (starting "Error: " when the
// page shows errors), a skip link, the city's header and footer from
// RenderConfig.Site, a back link when Page.BackURL is set, and the form
// inside <main id="main-content">. Like Render, it writes nothing when
// the page cannot be built.
func (r *Renderer) RenderPage(w io.Writer, p Page) error {
	fv, txt, err := buildView(p, r.languages)
	if err != nil {
		return err
	}
	title := fv.Title
	if fv.StepTitle != "" {
		title = fv.StepTitle + " – " + title
	}
	v := r.pageView(fv.Lang, title, len(fv.Errors) > 0, p.BackURL, p.Languages, txt)
	v.Form = fv
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := r.tmpl.ExecuteTemplate(buf, "page", v); err != nil {
		return fmt.Errorf("forms: render page %s: %w", p.Form.id, err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// pageView is the shell's data for a page in the language tag.
func (r *Renderer) pageView(tag, title string, errs bool, back string, langs []LanguageLink, txt Language) *PageView {
	v := &PageView{Lang: tag, Title: title, Errors: errs, Site: r.site, Stylesheets: r.stylesheets, Dir: direction(tag),
		BackURL: back, Languages: otherLanguages(langs, tag), Text: txt.Shell}
	if v.Dir == "rtl" && r.rtlSheets != nil {
		v.Stylesheets = r.rtlSheets
	}
	return v
}

// otherLanguages are links but those in the language tag. Only the
// renderer knows the language a page is drawn in (a form without texts in
// the language asked for is drawn in English), so it is the one to leave
// out the link to the page itself.
func otherLanguages(links []LanguageLink, tag string) []LanguageLink {
	if len(links) == 0 {
		return links
	}
	page := language.Make(tag)
	base, _ := page.Base()
	script, _ := page.Script()
	same := func(l LanguageLink) bool {
		t := language.Make(l.Lang)
		b, _ := t.Base()
		s, _ := t.Script()
		return b == base && s == script
	}
	if !slices.ContainsFunc(links, same) {
		return links
	}
	return slices.DeleteFunc(slices.Clone(links), same)
}

// Document is a page of the shell around content other than a form, such
// as a confirmation, a list of cases or a case's history: see
// RenderDocument.
type Document struct {
	// Lang is the BCP 47 tag of the language the content is written in.
	// The shell's own texts (skip link, back link, error prefix) are those
	// of the built-in Language or the one in RenderConfig.Languages of the
	// same base language, else English.
	Lang string
	// Title is the page's title before the site name, in Lang.
	Title string
	// Errors marks a page that reports a problem: its title starts with
	// "Error: " (ShellText.ErrorPrefix).
	Errors bool
	// BackURL and Languages are drawn as for Page.
	BackURL   string
	Languages []LanguageLink
}

// RenderDocument writes a whole HTML document, with the same shell as
// RenderPage (language and direction, title, skip link, the city's header
// and footer, back link), around the content body writes inside <main
// id="main-content">. What body writes is HTML and goes out as written:
// write it with html/template, which escapes every value. The page is
// buffered, so nothing is written when body or the shell fails.
func (r *Renderer) RenderDocument(w io.Writer, d Document, body func(io.Writer) error) error {
	if _, err := language.Parse(d.Lang); err != nil || d.Lang == "" {
		return fmt.Errorf("forms: render document: language %q is not a BCP 47 tag: %w", d.Lang, adapters.ErrInvalidArgument)
	}
	v := r.pageView(d.Lang, d.Title, d.Errors, d.BackURL, d.Languages, r.shellLanguage(d.Lang))
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := r.tmpl.ExecuteTemplate(buf, "page-top", v); err != nil {
		return fmt.Errorf("forms: render document: %w", err)
	}
	buf.WriteByte('\n')
	if err := body(buf); err != nil {
		return fmt.Errorf("forms: render document: %w", err)
	}
	buf.WriteByte('\n')
	if err := r.tmpl.ExecuteTemplate(buf, "page-bottom", v); err != nil {
		return fmt.Errorf("forms: render document: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// shellLanguage returns the texts of the language of tag: a configured
// language first, then a built-in one, else English.
func (r *Renderer) shellLanguage(tag string) Language {
	base, _ := language.Make(tag).Base()
	for _, lg := range r.languages {
		if lg.base == base.String() {
			return lg.text
		}
	}
	for i, t := range messageLocales {
		if b, _ := t.Base(); b == base {
			return pageTexts[i]
		}
	}
	return pageTexts[0]
}

// BuildView prepares the template data of a page, in the built-in
// languages and those of the form's registry; Render calls it, and a
// vendor with its own templates may too.
func BuildView(p Page) (*FormView, error) {
	v, _, err := buildView(p, nil)
	return v, err
}

// buildView is BuildView with the renderer's added languages; it also
// returns the texts of the language chosen.
func buildView(p Page, more []*addedLang) (*FormView, Language, error) {
	f := p.Form
	l, txt := pickLanguage(f, p.Locale, more)
	v := &FormView{Lang: l.tag, Title: l.text(f.title, f.titles), Description: l.text(f.desc, f.descs), Action: p.Action}
	v.Text = PageText{ErrorHeading: txt.ErrorHeading, Submit: txt.Submit}

	fields := f.root.Fields
	if p.Step != "" {
		st, ok := f.Step(p.Step)
		if !ok {
			return nil, txt, fmt.Errorf("forms: %s has no step %q: %w", f.id, p.Step, ErrSyntax)
		}
		fields = st.Fields
		v.StepID, v.StepTitle = st.ID, l.text(st.title, st.titles)
		v.StepNumber, v.StepCount = st.Index+1, len(f.steps)
		v.Text.StepOf = fmt.Sprintf(txt.StepOf, v.StepNumber, v.StepCount)
		if st.Index < len(f.steps)-1 {
			v.Text.Submit = txt.Continue
		}
		for _, fl := range f.root.Fields {
			if !slices.Contains(fields, fl) {
				if val, ok := p.Values[fl.Name]; ok {
					v.Carried = f.carryField(fl, fl.Path, val, v.Carried)
				}
			}
		}
		v.Hidden = append(v.Hidden, HiddenView{Name: "_step", Value: st.ID})
	}
	keys := make([]string, 0, len(p.Hidden))
	for k := range p.Hidden {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v.Hidden = append(v.Hidden, HiddenView{Name: k, Value: p.Hidden[k]})
	}

	errs := map[string]FieldError{}
	if p.Errors != nil {
		for _, fe := range p.Errors.Errors {
			errs[fe.Field] = fe
		}
	}
	b := viewBuilder{l: l, errs: errs, required: txt.Required, choose: txt.Choose, yes: txt.Yes, no: txt.No,
		addRow: txt.AddRow, removeRow: txt.RemoveRow, removeFile: txt.RemoveFile, level: 2, files: p.Files}
	if b.addRow == "" {
		b.addRow = pageTexts[0].AddRow
	}
	if b.removeRow == "" {
		b.removeRow = pageTexts[0].RemoveRow
	}
	if b.removeFile == "" {
		b.removeFile = pageTexts[0].RemoveFile
	}
	if p.Step != "" {
		b.level = 3 // under the step's h2
	}
	if p.Errors != nil {
		b.targets = make(map[string]string, len(f.byPath)) // the summary links each error to its input
	}
	for _, fl := range fields {
		requiredNow := false
		if p.Step != "" && fl.Conditional {
			decided, shown, required := byEarlierSteps(f, fl, p)
			if decided && !shown {
				continue
			}
			requiredNow = decided && required
		}
		v.Fields = append(v.Fields, b.field(fl, fl.Path, p.Values[fl.Name], requiredNow))
	}
	v.Multipart = b.multipart
	v.RowButtons = b.rowButtons
	if p.Errors != nil {
		for _, fe := range p.Errors.Errors {
			target := b.targets[fe.Field]
			if target == "" {
				continue // a field of another step, or the whole submission
			}
			v.Errors = append(v.Errors, ErrorView{Target: target, Message: b.inRow(fe)})
		}
		// errors not tied to a visible input (the whole submission, a
		// name the form does not declare, a field of another step or a
		// hidden one) still need saying, and link to the summary itself
		for _, fe := range p.Errors.Errors {
			if b.targets[fe.Field] == "" {
				v.Errors = append(v.Errors, ErrorView{Target: "error-summary", Message: fe.Message})
			}
		}
	}
	return v, txt, nil
}

// byEarlierSteps decides a top-level conditional field whose conditions
// read only fields of earlier steps: whether the answers so far show it,
// and whether a branch that shows it also makes it required, so the page
// leaves out what does not apply and says "required" where it now is. A
// condition on a field of the same page cannot be decided without
// script, so such fields are drawn as declared (decided is false).
func byEarlierSteps(f *Form, fl *Field, p Page) (decided, shown, required bool) {
	st, _ := f.Step(p.Step)
	for _, c := range fl.conds {
		if c.reads == nil {
			return false, true, false
		}
		for _, n := range c.reads {
			if f.stepOf(n) >= st.Index || f.root.names[n] == nil {
				return false, true, false
			}
		}
	}
	values := p.Values
	if values == nil {
		values = map[string]any{}
	}
	for _, c := range fl.conds {
		if (c.ifs.Validate(values) == nil) == c.want {
			shown = true
			required = required || c.requires
		}
	}
	return true, shown, required
}

type viewBuilder struct {
	l                *lang
	errs             map[string]FieldError
	targets          map[string]string
	required, choose string
	yes, no          string // the language's labels of a yes-or-no question
	files            []adapters.FileRef
	multipart        bool   // a file field was drawn
	removeFile       string // the pattern of a carried file's "Remove" checkbox
	// repeating groups: the button patterns, the heading level of rows,
	// and whether a button was drawn
	addRow, removeRow string
	level             int
	rowButtons        bool
	rowTitles         map[string]string // a drawn row's title by its path, for the error summary
}

// optionLabel is o's label in the page's language: the form's own, or
// for the Yes and No of a yes-or-no question, the language's.
func (b *viewBuilder) optionLabel(o Option) string {
	if o.yesNo {
		if _, ok := o.label[b.l.tag]; !ok && b.yes != "" {
			if o.Value == true {
				return b.yes
			}
			return b.no
		}
	}
	return o.labelIn(b.l)
}

// field builds the view of fl holding val; path is its name, which in a
// row of a repeating group holds the row's index ("members.2.dob");
// required marks a field that is required now although its declaration
// is conditional.
func (b *viewBuilder) field(fl *Field, path string, val any, required bool) *FieldView {
	id := fl.htmlID
	if path != fl.Path {
		id = inputID(path)
	}
	fv := &FieldView{ID: id, Name: path, Label: fl.labelIn(b.l), Hint: b.l.text(fl.desc, fl.descs),
		Widget: fl.Widget, Required: fl.Required || required, RequiredText: b.required, ChooseText: b.choose}
	if fe, ok := b.errs[path]; ok {
		fv.Error = fe.Message
	}
	switch {
	case fv.Hint != "" && fv.Error != "":
		fv.DescribedBy = fv.ID + "-hint " + fv.ID + "-error"
	case fv.Hint != "":
		fv.DescribedBy = fv.ID + "-hint"
	case fv.Error != "":
		fv.DescribedBy = fv.ID + "-error"
	}
	target := fv.ID
	switch {
	case fl.Widget == "hidden":
		fv.IsHidden, fv.Value = true, text(val)
	case fl.Type == "object" && len(fl.Fields) > 0:
		fv.IsGroup = true
		m, _ := val.(map[string]any)
		for _, c := range fl.Fields {
			cp := c.Path
			if path != fl.Path {
				cp = path + "." + c.Name
			}
			fv.Fields = append(fv.Fields, b.field(c, cp, m[c.Name], false))
		}
		target = fv.Fields[0].ID
	case fl.Widget == "group":
		target = b.rowsView(fv, fl, path, val)
	case len(fl.Options) > 0:
		fv.ChoiceClass, fv.ChoiceType = "usa-radio", "radio"
		if fl.Widget == "checkboxes" {
			fv.ChoiceClass, fv.ChoiceType, fv.Multiple = "usa-checkbox", "checkbox", true
		}
		for i, o := range fl.Options {
			fv.Options = append(fv.Options, OptionView{ID: fv.ID + "-" + strconv.Itoa(i), Value: o.Text, Label: b.optionLabel(o), Checked: chosen(val, o.Text)})
		}
		if fl.Widget == "select" {
			fv.IsSelect = true
			inputAttrs(fv, fl, "usa-select", "")
		} else {
			fv.IsChoices = true
			target = fv.Options[0].ID
		}
	case fl.Widget == "file":
		b.multipart = true
		b.fileView(fv, fl, path, val)
	case fl.Widget == "checkbox":
		fv.IsCheckbox, fv.Checked = true, val == true
		inputAttrs(fv, fl, "usa-checkbox__input", "checkbox")
	default:
		fv.IsInput, fv.Value = true, text(val)
		class, typ := "usa-input", "text"
		switch fl.Widget {
		case "textarea":
			fv.IsTextarea, class, typ = true, "usa-textarea", ""
		case "email", "tel", "date":
			typ = fl.Widget
		}
		inputAttrs(fv, fl, class, typ)
	}
	if b.targets != nil && !fv.IsHidden {
		b.targets[path] = target
	}
	return fv
}

// inputAttrs sets the attributes of an input, select or textarea.
func inputAttrs(fv *FieldView, fl *Field, class, typ string) {
	fv.InputClass, fv.Type, fv.Autocomplete = class, typ, fl.Autocomplete
	if fv.Error != "" {
		fv.InputClass += " usa-input--error"
	}
	switch {
	case fl.Widget == "number" && fl.Type == "integer":
		fv.InputMode = "numeric"
	case fl.Widget == "number":
		fv.InputMode = "decimal"
	}
	if typ == "text" || typ == "" || typ == "email" || typ == "tel" {
		fv.MaxLength = fl.MaxLength
	}
}

// chosen reports whether val (a value or a list) holds the option text.
func chosen(val any, opt string) bool {
	if list, ok := val.([]any); ok {
		for _, e := range list {
			if text(e) == opt {
				return true
			}
		}
		return false
	}
	return val != nil && text(val) == opt
}

// text renders a scalar as an input value.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}

// carry flattens a value into hidden inputs named as DecodeForm reads them.
func carry(name string, v any, out []HiddenView) []HiddenView {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = carry(name+"."+k, x[k], out)
		}
	case []any:
		for i, e := range x {
			if _, ok := e.(map[string]any); ok {
				// a row of a repeating group, named by index
				row := name + "." + strconv.Itoa(i)
				out = append(out, HiddenView{Name: row + "." + rowMarker})
				out = carry(row, e, out)
				continue
			}
			out = carry(name, e, out)
		}
	default:
		out = append(out, HiddenView{Name: name, Value: text(x)})
	}
	return out
}

// inputID makes an HTML id from a field path: letters and digits pass,
// '.' becomes '-', and anything else ('_' included, since escapes start
// with it) is hex-escaped, so distinct paths always get distinct ids.
func inputID(path string) string {
	var b strings.Builder
	b.WriteString("f-")
	for i := 0; i < len(path); i++ {
		c := path[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == '.':
			b.WriteByte('-')
		default:
			fmt.Fprintf(&b, "_%02x", c)
		}
	}
	return b.String()
}
