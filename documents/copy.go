package documents

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/forms"
	"github.com/go-json-experiment/json"
	"github.com/go-pdf/fpdf"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Audience is who a copy is made for; it decides whether personal
// answers (fields marked x-pii) are shown.
type Audience int

// The audiences of a copy. The zero value is Public, so a copy made
// without saying for whom shows no personal answer.
const (
	// Public copies (a records request, a copy posted with a case)
	// show Text.Withheld in place of every personal answer and of the
	// files of personal fields.
	Public Audience = iota
	// Resident copies are handed to the resident who submitted.
	Resident
	// Staff copies are for city staff who may see personal answers.
	Staff
)

// CopyOptions say how WriteCopy writes a copy.
type CopyOptions struct {
	// Locale is an Accept-Language style locale ("es-MX", "fr, es;q=0.8"):
	// the form's texts and the copy's own texts are written in the best
	// match. Empty means English.
	Locale string
	// Reference is the case reference shown under the title and in
	// every page's footer; empty leaves it out.
	Reference string
	// Audience decides whether personal answers are shown.
	Audience Audience
	// TimeZone is where the submitted time (and date-time answers) are
	// told; nil means UTC.
	TimeZone *time.Location
	// Texts are languages beyond the built-in English and Spanish.
	Texts []Text
}

// Text holds the fixed texts of a copy in one language. English and
// Spanish are built in; give others in CopyOptions.Texts.
//
// A copy is drawn with the PDF core fonts, which hold the characters of
// Windows-1252 (Western European languages: English, Spanish, French,
// Portuguese, German, ...). Any other character, in an answer or a
// text, is drawn as ".". A language in another script needs an embedded
// font, which this package does not ship.
type Text struct {
	// Tag is the language's BCP 47 tag ("fr", "pt-BR").
	Tag string
	// YourCopy titles a resident's copy ("Copy of your submission");
	// Copy titles a staff or public copy ("Copy of a submission").
	YourCopy, Copy string
	// Reference introduces the case reference; Submitted the time the
	// submission was received.
	Reference, Submitted string
	// PageOf numbers the pages in the footer; it holds {page} and
	// {pages} once each ("Page {page} of {pages}").
	PageOf string
	// Withheld stands in for a personal answer in a public copy.
	Withheld string
	// Yes and No answer a checkbox (a boolean not drawn as a yes-or-no
	// question, whose own options say yes and no).
	Yes, No string
	// Files heads the files the submission names that no answer holds;
	// Bytes follows a file's size ("12,345 bytes").
	Files, Bytes string
	// Months are the names of the months, January first.
	Months [12]string
	// Date is the Go time layout of a date answer, with the month
	// written as "January" ("January 2, 2006", "2 de January de 2006"),
	// which is replaced by its name in Months. DateTime is the layout of
	// a moment: the submitted time and date-time answers.
	Date, DateTime string
}

// validate reports a bad tag, every empty text, and a page number
// pattern without its two places.
func (t Text) validate() error {
	var errs []error
	if _, err := language.Parse(t.Tag); err != nil || t.Tag == "" {
		errs = append(errs, fmt.Errorf("documents: text %q: tag is not BCP 47", t.Tag))
	}
	v := reflect.ValueOf(t)
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.String && f.String() == "" {
			errs = append(errs, fmt.Errorf("documents: text %q: %s is empty", t.Tag, v.Type().Field(i).Name))
		}
	}
	for i, m := range t.Months {
		if m == "" {
			errs = append(errs, fmt.Errorf("documents: text %q: Months[%d] is empty", t.Tag, i))
		}
	}
	if strings.Count(t.PageOf, "{page}") != 1 || strings.Count(t.PageOf, "{pages}") != 1 {
		errs = append(errs, fmt.Errorf("documents: text %q: PageOf must hold {page} and {pages} once each", t.Tag))
	}
	return errors.Join(errs...)
}

// builtinTexts are the built-in languages; the first is the fallback.
var builtinTexts = []Text{
	{Tag: "en", YourCopy: "Copy of your submission", Copy: "Copy of a submission",
		Reference: "Reference", Submitted: "Submitted", PageOf: "Page {page} of {pages}",
		Withheld: "withheld", Yes: "Yes", No: "No", Files: "Files", Bytes: "bytes",
		Months: [12]string{"January", "February", "March", "April", "May", "June",
			"July", "August", "September", "October", "November", "December"},
		Date: "January 2, 2006", DateTime: "January 2, 2006, 3:04 PM MST"},
	{Tag: "es", YourCopy: "Copia de su solicitud", Copy: "Copia de una solicitud",
		Reference: "Referencia", Submitted: "Enviada", PageOf: "Página {page} de {pages}",
		Withheld: "reservado", Yes: "Sí", No: "No", Files: "Archivos", Bytes: "bytes",
		Months: [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio",
			"julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
		Date: "2 de January de 2006", DateTime: "2 de January de 2006, 15:04 MST"},
}

// maxLocale bounds the locale string parsed.
const maxLocale = 256

// pickText returns the texts for the locale among the built-in and
// extra languages.
func pickText(locale string, extra []Text) (Text, error) {
	var errs []error
	for _, t := range extra {
		errs = append(errs, t.validate())
	}
	if err := errors.Join(errs...); err != nil {
		return Text{}, fmt.Errorf("%w: %w", adapters.ErrInvalidArgument, err)
	}
	all := append(slices.Clone(builtinTexts), extra...)
	if len(locale) > maxLocale {
		locale = locale[:maxLocale]
	}
	tags, _, err := language.ParseAcceptLanguage(locale)
	if err != nil || len(tags) == 0 {
		return all[0], nil
	}
	supported := make([]language.Tag, len(all))
	for i, t := range all {
		supported[i] = language.Make(t.Tag)
	}
	_, i, conf := language.NewMatcher(supported).Match(tags...)
	if conf == language.No {
		return all[0], nil
	}
	return all[i], nil
}

// format writes t with a layout of Text.Date or Text.DateTime, naming
// the month in the language.
func (t Text) format(layout string, tm time.Time) string {
	parts := strings.Split(layout, "January")
	for i, p := range parts {
		parts[i] = tm.Format(p)
	}
	return strings.Join(parts, t.Months[tm.Month()-1])
}

// Page layout, in millimetres on US Letter paper.
const (
	pageWidth  = 215.9 // US Letter
	pageHeight = 279.4
	margin     = 20.0
	lineHeight = 5.5
	indentStep = 6.0
	maxIndent  = 4 // levels of groups indented; deeper ones line up with the fourth
)

// maxAnswer bounds the characters of one answer drawn; the rest is cut
// and marked with an ellipsis, so no stored value can make a copy of
// unbounded length.
const maxAnswer = 20000

// pagesAlias stands for the number of pages until the copy is closed. It
// holds control characters, which clean removes from every text drawn,
// so no answer can spell it.
const pagesAlias = "\x01pages\x01"

// WriteCopy writes a PDF copy of the submission sub of form f to w: the
// form's title, the case reference, the time received, then every answer
// with its question in the form's order (step by step), the fields of a
// group under the group's label, each row of a repeating group under its
// row title ("Household member 2"), and each file a file field holds with
// its name, size, media type and SHA-256. Unanswered fields are left
// out. Choices are written with their labels, booleans with yes and no,
// dates in the language's layout, all in the language Locale matches.
// Files of sub.Files that no answer holds are listed at the end.
//
// sub.Data must be in clear: a value sealed with forms.Form.Seal is an
// error unless the copy is Public (open it first with forms.Form.Open).
// For a Public copy the data first goes through forms.Form.Redact, and
// every personal field (x-pii, or inside a group with x-pii) shows
// Text.Withheld instead of its answer or files.
//
// The output depends only on the arguments: the PDF's creation date is
// sub.SubmittedAt, so the same submission gives the same bytes. Control
// and bidirectional formatting characters are removed from every text;
// an answer longer than 20,000 characters is cut. Errors wrap
// adapters.ErrInvalidArgument for bad data or options; others come from
// w.
func WriteCopy(w io.Writer, f *forms.Form, sub adapters.Submission, opts CopyOptions) error {
	if f == nil {
		return fmt.Errorf("documents: copy: no form: %w", adapters.ErrInvalidArgument)
	}
	text, err := pickText(opts.Locale, opts.Texts)
	if err != nil {
		return fmt.Errorf("documents: copy: %w", err)
	}
	var values map[string]any
	if len(sub.Data) > 0 {
		if err := json.Unmarshal(sub.Data, &values); err != nil {
			return fmt.Errorf("documents: copy of submission %s: data: %v: %w", sub.ID, err, adapters.ErrInvalidArgument)
		}
	}
	if opts.Audience == Public {
		values = f.Redact(values)
	}
	tz := opts.TimeZone
	if tz == nil {
		tz = time.UTC
	}
	locale := opts.Locale
	if len(locale) > maxLocale {
		locale = locale[:maxLocale]
	}

	pdf := fpdf.New("P", "mm", "Letter", "")
	c := &copyWriter{
		pdf: pdf, tr: pdf.UnicodeTranslatorFromDescriptor("cp1252"), text: text, locale: locale, form: f,
		tz: tz, public: opts.Audience == Public, files: map[string]adapters.FileRef{}, shown: map[string]bool{},
		printer: message.NewPrinter(language.Make(text.Tag)),
	}
	for _, fr := range sub.Files {
		c.files[fr.ID] = fr
	}
	// the same input gives the same bytes
	created := sub.SubmittedAt.UTC()
	if created.IsZero() {
		created = time.Unix(0, 0).UTC()
	}
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetCatalogSort(true)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, margin)
	pdf.SetTitle(clean(f.Title(locale)), true)
	pdf.SetLang(text.Tag)
	pdf.SetCreator("civickit", false)
	pdf.AliasNbPages(pagesAlias)
	reference := clean(opts.Reference)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-margin + 5)
		pdf.SetFont("Helvetica", "", 8)
		if reference != "" {
			pdf.CellFormat(0, 5, c.tr(text.Reference+": "+reference), "", 0, "L", false, 0, "")
			pdf.SetX(margin)
		}
		page := strings.NewReplacer("{page}", strconv.Itoa(pdf.PageNo()), "{pages}", pagesAlias).Replace(clean(text.PageOf))
		pdf.CellFormat(0, 5, c.tr(page), "", 0, "R", false, 0, "")
	})
	pdf.AddPage()

	title := text.Copy
	if opts.Audience == Resident {
		title = text.YourCopy
	}
	pdf.SetFont("Helvetica", "", 10)
	c.line(0, title)
	pdf.SetFont("Helvetica", "B", 16)
	c.block(0, 8, f.Title(locale))
	pdf.Ln(2)
	pdf.SetFont("Helvetica", "", 10)
	if reference != "" {
		c.line(0, text.Reference+": "+reference)
	}
	if !sub.SubmittedAt.IsZero() {
		c.line(0, text.Submitted+": "+text.format(text.DateTime, sub.SubmittedAt.In(tz)))
	}
	pdf.Ln(4)

	steps := f.Steps()
	for _, st := range steps {
		if len(steps) > 1 && c.answered(st.Fields, values) {
			c.heading(0, st.Title(locale), 13)
		}
		c.fields(st.Fields, values, 0, false)
	}
	c.otherFiles(f)
	if c.err != nil {
		return c.err
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("documents: copy of submission %s: %w", sub.ID, err)
	}
	return nil
}

// copyWriter draws one copy.
type copyWriter struct {
	pdf     *fpdf.Fpdf
	tr      func(string) string // UTF-8 to the core fonts' Windows-1252
	text    Text
	locale  string
	tz      *time.Location
	public  bool
	form    *forms.Form
	files   map[string]adapters.FileRef // by id
	shown   map[string]bool             // file ids drawn under their field
	printer *message.Printer
	err     error
}

// answered reports whether any of the fields has an answer in values.
func (c *copyWriter) answered(fields []*forms.Field, values map[string]any) bool {
	for _, fl := range fields {
		if v, ok := values[fl.Name]; ok && !empty(v) {
			return true
		}
	}
	return false
}

// fields draws the answered fields in order; personal says an enclosing
// group is personal.
func (c *copyWriter) fields(fields []*forms.Field, values map[string]any, depth int, personal bool) {
	for _, fl := range fields {
		v, ok := values[fl.Name]
		if !ok || empty(v) || c.err != nil {
			continue
		}
		c.field(fl, v, depth, personal || fl.PII != "")
	}
}

func (c *copyWriter) field(fl *forms.Field, v any, depth int, personal bool) {
	withhold := personal && c.public
	if !withhold && forms.Sealed(v) {
		c.err = fmt.Errorf("documents: copy: field %s is sealed; open the data with forms.Form.Open first: %w", fl.Path, adapters.ErrInvalidArgument)
		return
	}
	if withhold {
		c.hide(fl.Path)
	}
	switch {
	case fl.Type == "object":
		c.heading(depth, fl.Label(c.locale), 12)
		if withhold {
			c.answer(depth+1, c.text.Withheld)
			return
		}
		m, _ := v.(map[string]any)
		c.fields(fl.Fields, m, depth+1, personal)
	case fl.Type == "array" && fl.ItemType == "object":
		c.heading(depth, fl.Label(c.locale), 12)
		if withhold {
			c.answer(depth+1, c.text.Withheld)
			return
		}
		rows, _ := v.([]any)
		for i, row := range rows {
			m, _ := row.(map[string]any)
			if forms.Sealed(m) {
				c.err = fmt.Errorf("documents: copy: a row of %s is sealed; open the data with forms.Form.Open first: %w", fl.Path, adapters.ErrInvalidArgument)
				return
			}
			c.heading(depth+1, fl.RowTitle(c.locale, i+1), 11)
			c.fields(fl.Fields, m, depth+2, personal)
		}
	case fl.Widget == "file":
		c.question(depth, fl.Label(c.locale))
		if withhold {
			c.answer(depth, c.text.Withheld)
			return
		}
		for _, id := range ids(v) {
			c.file(depth, id)
		}
	default:
		c.question(depth, fl.Label(c.locale))
		if withhold {
			c.answer(depth, c.text.Withheld)
			return
		}
		c.answer(depth, c.value(fl, v))
	}
	c.pdf.Ln(1.5)
}

// hide marks the files of the field at path, and of the fields inside
// it, as drawn: a withheld answer withholds its files, and they are not
// listed apart either.
func (c *copyWriter) hide(path string) {
	for id, fr := range c.files {
		if tf, ok := c.form.Field(fr.Field); ok && (tf.Path == path || strings.HasPrefix(tf.Path, path+".")) {
			c.shown[id] = true
		}
	}
}

// ids returns the file ids a file field's value holds: one id or a list.
func ids(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				return nil
			}
			out = append(out, s)
		}
		return out
	}
	return nil
}

// file draws one file by id: its name, size and type, then its hash.
func (c *copyWriter) file(depth int, id string) {
	fr, ok := c.files[id]
	if !ok {
		c.answer(depth, id)
		return
	}
	c.shown[id] = true
	c.describe(depth, fr)
}

func (c *copyWriter) describe(depth int, fr adapters.FileRef) {
	desc := fr.Name + " (" + c.printer.Sprintf("%d", fr.Size) + " " + c.text.Bytes
	if fr.Type != "" {
		desc += ", " + fr.Type
	}
	c.answer(depth, desc+")")
	c.pdf.SetFont("Courier", "", 8)
	c.block(depth, lineHeight-1, "SHA-256: "+fr.SHA256)
	c.pdf.SetFont("Helvetica", "", 10)
}

// otherFiles lists the submission's files that no answer held.
func (c *copyWriter) otherFiles(f *forms.Form) {
	var rest []adapters.FileRef
	for id, fr := range c.files {
		if !c.shown[id] {
			rest = append(rest, fr)
		}
	}
	if len(rest) == 0 || c.err != nil {
		return
	}
	slices.SortFunc(rest, func(a, b adapters.FileRef) int {
		return strings.Compare(a.Field+"\x00"+a.ID, b.Field+"\x00"+b.ID)
	})
	c.pdf.Ln(2)
	c.heading(0, c.text.Files, 12)
	for _, fr := range rest {
		fl, ok := f.Field(fr.Field)
		label := fr.Field
		if ok {
			label = fl.Label(c.locale)
		}
		c.question(0, label)
		if c.public && (!ok || personalPath(f, fr.Field)) {
			c.answer(0, c.text.Withheld)
		} else {
			c.describe(0, fr)
		}
		c.pdf.Ln(1.5)
	}
}

// personalPath reports whether the field at path, or a group around it,
// is personal.
func personalPath(f *forms.Form, path string) bool {
	parts := strings.Split(path, ".")
	for i := range parts {
		// Field finds a row's fields by the row's path ("members.2.dob");
		// a row itself ("members.2") is no field
		if fl, ok := f.Field(strings.Join(parts[:i+1], ".")); ok && fl.PII != "" {
			return true
		}
	}
	return false
}

// value writes an answer for reading.
func (c *copyWriter) value(fl *forms.Field, v any) string {
	switch v := v.(type) {
	case []any:
		parts := make([]string, 0, len(v))
		for _, x := range v {
			parts = append(parts, c.scalar(fl, x))
		}
		return strings.Join(parts, ", ")
	default:
		return c.scalar(fl, v)
	}
}

func (c *copyWriter) scalar(fl *forms.Field, v any) string {
	var label string
	for _, o := range fl.Options {
		if o.Text == textOf(v) {
			label = o.Label(c.locale)
			break
		}
	}
	switch v := v.(type) {
	case bool:
		// a yes-or-no question's built-in options are in English and
		// Spanish only; the form's own labels ("Safe") win
		if v && label != "" && label != "Yes" {
			return label
		}
		if !v && label != "" && label != "No" {
			return label
		}
		if v {
			return c.text.Yes
		}
		return c.text.No
	}
	if label != "" {
		return label
	}
	switch v := v.(type) {
	case string:
		switch fl.Format {
		case "date":
			if t, err := time.Parse(time.DateOnly, v); err == nil {
				return c.text.format(c.text.Date, t)
			}
		case "date-time":
			if t, err := time.Parse(time.RFC3339, v); err == nil {
				return c.text.format(c.text.DateTime, t.In(c.tz))
			}
		}
		return v
	case nil:
		return ""
	}
	return textOf(v)
}

// textOf writes a JSON value as text, as Option.Text holds it.
func textOf(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool, nil:
		return fmt.Sprint(v)
	}
	b, err := json.Marshal(v, json.Deterministic(true))
	if err != nil {
		return ""
	}
	return string(b)
}

// empty reports an answer with nothing to show.
func empty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}

func indent(depth int) float64 {
	return margin + float64(min(depth, maxIndent))*indentStep
}

// block draws text wrapped within the page at the depth's indent.
func (c *copyWriter) block(depth int, h float64, s string) {
	x := indent(depth)
	c.pdf.SetX(x)
	c.pdf.MultiCell(pageWidth-margin-x, h, c.tr(clean(s)), "", "L", false)
}

func (c *copyWriter) line(depth int, s string) { c.block(depth, lineHeight, s) }

// keep starts a new page unless h millimetres are left on this one, so
// a question or heading is not left alone at the foot of a page.
func (c *copyWriter) keep(h float64) {
	if c.pdf.GetY()+h > pageHeight-margin {
		c.pdf.AddPage()
	}
}

func (c *copyWriter) heading(depth int, s string, size float64) {
	c.keep(3 * lineHeight)
	c.pdf.Ln(1)
	c.pdf.SetFont("Helvetica", "B", size)
	c.block(depth, size*0.5, s)
	c.pdf.SetFont("Helvetica", "", 10)
	c.pdf.Ln(1)
}

func (c *copyWriter) question(depth int, s string) {
	c.keep(2 * lineHeight)
	c.pdf.SetFont("Helvetica", "B", 10)
	c.block(depth, lineHeight, s)
	c.pdf.SetFont("Helvetica", "", 10)
}

func (c *copyWriter) answer(depth int, s string) { c.block(depth, lineHeight, s) }

// clean makes text safe to draw: invalid UTF-8 becomes U+FFFD, tabs
// become spaces, other control characters and bidirectional formatting
// characters are removed (keeping line breaks), and the text is cut at
// maxAnswer characters.
func clean(s string) string {
	var b strings.Builder
	b.Grow(min(len(s), maxAnswer*4))
	n := 0
	for i, r := range s {
		if n == maxAnswer {
			if i < len(s) {
				b.WriteString("…")
			}
			break
		}
		switch {
		case r == utf8.RuneError:
			b.WriteRune(utf8.RuneError)
		case r == '\n':
			b.WriteByte('\n')
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r), r == '\u2028', r == '\u2029':
			continue
		default:
			b.WriteRune(r)
		}
		n++
	}
	return b.String()
}
