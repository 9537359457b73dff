package feedback

import (
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	texttemplate "text/template"
	"time"

	"golang.org/x/text/language"

	"github.com/civickit/civickit/adapters"
)

// The limits LoadTemplates and Render apply when TemplatesConfig leaves
// them zero.
const (
	// DefaultMaxTemplateFileBytes bounds each template file.
	DefaultMaxTemplateFileBytes = 64 << 10
	// DefaultMaxTemplateFiles bounds the files of a template set.
	DefaultMaxTemplateFiles = 4096
	// DefaultMaxDataBytes bounds the JSON data of one message.
	DefaultMaxDataBytes = 64 << 10
	// DefaultMaxRenderedBytes bounds each rendered part (subject, text,
	// HTML) of one message.
	DefaultMaxRenderedBytes = 256 << 10
)

// RedactedMark is what a personal data value renders as on a channel not
// allowed to carry it.
const RedactedMark = "[redacted]"

// PIISource lists the dotted paths of personal data fields
// ("applicant.email", "members.*.dob"). *forms.Form satisfies it with
// its x-pii marks, so a form's marks feed TemplatesConfig.PIIFrom without
// feedback importing forms.
type PIISource interface {
	PIIPaths() []string
}

// TemplatesConfig configures LoadTemplates. The zero value (or nil)
// declares only the shipped templates' fields, takes English as the
// default locale and redacts nothing.
type TemplatesConfig struct {
	// Fields maps a template name to the fields its messages' data
	// supplies: top-level keys ("title"), or dotted paths ("site.city")
	// for nested values a template may show. A template may use only
	// the fields declared for it. The shipped templates' fields
	// (OptOutTemplateFields, ...) are declared unless Fields names them.
	Fields map[string][]string
	// OtherFields are the fields of every template that neither Fields
	// nor the shipped set names; set it to workflow.MessageFields for a
	// set of workflow notifications. When nil, such a template is a load
	// error.
	OtherFields []string
	// DefaultLocale is the BCP 47 tag every template must have a version
	// in, and the last fallback when rendering. Default "en".
	DefaultLocale string
	// PII lists the dotted paths of personal data in messages' data; a
	// "*" segment stands for every element of an array (or value of an
	// object): "members.*.dob".
	PII []string
	// PIIFrom adds the paths each source lists; pass the *forms.Form
	// whose data messages carry.
	PIIFrom []PIISource
	// PIIChannels are the channels allowed to carry personal data. On
	// any other channel a PII value (every value inside it, when it is
	// an object or array) renders as RedactedMark. Default none.
	PIIChannels []string
	// TemplatePIIChannels replaces PIIChannels for the templates it
	// names.
	TemplatePIIChannels map[string][]string
	// Location is the time zone the date and datetime functions show
	// times in. Default UTC.
	Location *time.Location
	// FormatDate, when set, formats every date and datetime for the
	// locale of the version being rendered (withTime for datetime),
	// replacing the built-in English, Spanish and ISO 8601 formats.
	FormatDate func(t time.Time, locale string, withTime bool) string
	// MaxFileBytes bounds each file (default DefaultMaxTemplateFileBytes),
	// MaxFiles the files of the set (DefaultMaxTemplateFiles),
	// MaxDataBytes a message's data (DefaultMaxDataBytes) and
	// MaxRenderedBytes each rendered part (DefaultMaxRenderedBytes).
	MaxFileBytes, MaxFiles, MaxDataBytes, MaxRenderedBytes int
}

// Validate reports every problem of the configuration, joined; each
// wraps adapters.ErrInvalidArgument.
func (c *TemplatesConfig) Validate() error {
	if c == nil {
		return nil
	}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("feedback: templates config: "+format+": %w", append(args, adapters.ErrInvalidArgument)...))
	}
	if c.DefaultLocale != "" {
		if _, err := parseLocale(c.DefaultLocale); err != nil {
			bad("DefaultLocale %q is not a BCP 47 tag", c.DefaultLocale)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.Fields)) {
		if !validName(name) {
			bad("Fields: template name %q: use letters, digits, '-' and '_'", name)
		}
		if len(c.Fields[name]) == 0 {
			bad("Fields[%q] declares no field", name)
		}
		for _, f := range c.Fields[name] {
			if !validFieldPath(f) {
				bad("Fields[%q]: field %q is not a dotted path of identifiers", name, f)
			}
		}
	}
	for _, f := range c.OtherFields {
		if !validFieldPath(f) {
			bad("OtherFields: field %q is not a dotted path of identifiers", f)
		}
	}
	for _, p := range c.PII {
		if !validPIIPath(p) {
			bad("PII: %q is not a dotted path", p)
		}
	}
	for i, s := range c.PIIFrom {
		if s == nil {
			bad("PIIFrom[%d] is nil", i)
		}
	}
	for _, ch := range c.PIIChannels {
		if !validName(ch) {
			bad("PIIChannels: %q is not a channel name", ch)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.TemplatePIIChannels)) {
		for _, ch := range c.TemplatePIIChannels[name] {
			if !validName(ch) {
				bad("TemplatePIIChannels[%q]: %q is not a channel name", name, ch)
			}
		}
	}
	for _, l := range []struct {
		name string
		v    int
	}{{"MaxFileBytes", c.MaxFileBytes}, {"MaxFiles", c.MaxFiles}, {"MaxDataBytes", c.MaxDataBytes}, {"MaxRenderedBytes", c.MaxRenderedBytes}} {
		if l.v < 0 {
			bad("%s is negative", l.name)
		}
	}
	return errors.Join(errs...)
}

// TemplateError is a problem of one template file found by LoadTemplates.
// It wraps adapters.ErrInvalidArgument.
type TemplateError struct {
	// File is the file's path in the loaded file system
	// ("survey/email.es.txt").
	File string
	// Line is the 1-based line of the problem; 0 when it concerns the
	// whole file.
	Line int
	// Placeholder is the placeholder at fault (".caseID"), if any.
	Placeholder string
	// Reason says what is wrong and, for an unknown field, names the
	// nearest declared one.
	Reason string
}

// Error returns "feedback: template <file>:<line>: <reason>".
func (e *TemplateError) Error() string {
	if e.Line > 0 {
		return "feedback: template " + e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Reason
	}
	return "feedback: template " + e.File + ": " + e.Reason
}

// Unwrap returns adapters.ErrInvalidArgument.
func (e *TemplateError) Unwrap() error { return adapters.ErrInvalidArgument }

// Templates is a checked set of notification templates; it implements
// Renderer. It is immutable and safe for concurrent use.
type Templates struct {
	byName  map[string]*templateSet
	maxData int
	maxOut  int
}

var _ Renderer = (*Templates)(nil)

// templateSet is one template: its versions by channel.
type templateSet struct {
	fields   [][]string // declared field paths, split
	redact   [][]string // PII paths that reach the declared fields
	channels map[string]*versions
}

// versions are one template's versions for one channel, by locale.
type versions struct {
	byLocale map[string]*version // canonical tag
	tags     []language.Tag      // the default first
	matcher  language.Matcher
	def      *version
	pii      bool // the channel may carry personal data

	chosen  sync.Map // asked locale -> *version
	nchosen atomic.Int32
}

// maxChosen bounds the locales each versions remembers choices for, so
// callers passing arbitrary locales cannot grow it.
const maxChosen = 64

// maxLocaleLen bounds the asked locales remembered: longer tags are rare
// and are matched each time.
const maxLocaleLen = 35

// version is a template for one channel in one locale.
type version struct {
	locale  string
	subject *texttemplate.Template // nil: no subject
	text    *texttemplate.Template
	html    *htmltemplate.Template // nil: no HTML part
	sms     bool
}

// Render renders m's template (m.Template) for the channel in the
// locale, falling back from the exact tag to the closest one of its
// language ("es-MX" to "es") and then to the default locale;
// Rendered.Locale says which version was used. m.Data must be a JSON
// object (or empty). A declared field missing from the data, or null,
// renders as empty text. Personal data (TemplatesConfig.PII) renders as
// RedactedMark unless the channel may carry it. The subject is one line
// (line breaks in values become spaces); an sms body is trimmed of
// surrounding white space.
//
// A template unknown to the set, or without a version for the channel,
// returns an error wrapping ErrNoTemplate. Data that is not a JSON
// object, is larger than the limit, or that the template's functions
// cannot format (a date that is not a date), and output larger than the
// limit, return an error wrapping adapters.ErrInvalidArgument.
func (t *Templates) Render(m adapters.Message, channel, locale string) (Rendered, error) {
	set := t.byName[m.Template]
	if set == nil {
		return Rendered{}, fmt.Errorf("feedback: render message %s: no template named %q: %w", m.ID, m.Template, ErrNoTemplate)
	}
	vs := set.channels[channel]
	if vs == nil {
		return Rendered{}, fmt.Errorf("feedback: render message %s: template %q has no %s version: %w", m.ID, m.Template, channel, ErrNoTemplate)
	}
	v := vs.pick(locale)
	data, err := t.data(m, set, !vs.pii)
	if err != nil {
		return Rendered{}, err
	}
	out := Rendered{Locale: v.locale}
	buf := getBuffer(t.maxOut)
	defer putBuffer(buf)
	fail := func(part string, err error) (Rendered, error) {
		return Rendered{}, fmt.Errorf("feedback: render message %s: %s/%s.%s %s: %v: %w", m.ID, m.Template, channel, v.locale, part, err, adapters.ErrInvalidArgument)
	}
	if v.subject != nil {
		if err := v.subject.Execute(buf, data); err != nil {
			return fail("subject", err)
		}
		out.Subject = oneLine(buf.b)
		buf.reset()
	}
	if err := v.text.Execute(buf, data); err != nil {
		return fail("text", err)
	}
	if v.sms {
		out.Text = strings.TrimSpace(string(buf.b))
	} else {
		out.Text = string(buf.b)
	}
	if v.html != nil {
		buf.reset()
		if err := v.html.Execute(buf, data); err != nil {
			return fail("html", err)
		}
		out.HTML = string(buf.b)
	}
	return out, nil
}

// Names returns the names of the set's templates, sorted.
func (t *Templates) Names() []string { return slices.Sorted(maps.Keys(t.byName)) }

// Channels returns the channels the named template has versions for,
// sorted; nil for a template the set does not hold.
func (t *Templates) Channels(name string) []string {
	set := t.byName[name]
	if set == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(set.channels))
}

// pick chooses the version for an asked locale: exact, then the closest
// of its language, then the default.
func (vs *versions) pick(locale string) *version {
	if v := vs.byLocale[locale]; v != nil {
		return v
	}
	if v, ok := vs.chosen.Load(locale); ok {
		return v.(*version)
	}
	v := vs.def
	if tag, err := language.Parse(locale); err == nil {
		if exact := vs.byLocale[tag.String()]; exact != nil {
			v = exact
		} else if _, i, conf := vs.matcher.Match(tag); conf >= language.High {
			v = vs.byLocale[vs.tags[i].String()]
		}
	}
	if len(locale) <= maxLocaleLen && vs.nchosen.Add(1) <= maxChosen {
		vs.chosen.Store(locale, v)
	}
	return v
}

// oneLine joins the words of a rendered subject with single spaces, so
// no value can add a header line.
func oneLine(b []byte) string {
	s := string(b)
	if !strings.ContainsAny(s, "\r\n\t\v\f") && strings.TrimSpace(s) == s && !strings.Contains(s, "  ") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// buffer is an output buffer that refuses to grow past its limit.
type buffer struct {
	b   []byte
	max int
}

var errTooLong = errors.New("output longer than the limit")

func (w *buffer) Write(p []byte) (int, error) {
	if len(w.b)+len(p) > w.max {
		return 0, errTooLong
	}
	w.b = append(w.b, p...)
	return len(p), nil
}

func (w *buffer) reset() { w.b = w.b[:0] }

var buffers = sync.Pool{New: func() any { return &buffer{b: make([]byte, 0, 2048)} }}

func getBuffer(limit int) *buffer {
	b := buffers.Get().(*buffer)
	b.max = limit
	return b
}

func putBuffer(b *buffer) {
	if cap(b.b) > 64<<10 {
		return // let a rare large message's buffer go
	}
	b.reset()
	buffers.Put(b)
}

var _ io.Writer = (*buffer)(nil)

// loader gathers what LoadTemplates reads and the problems it finds.
type loader struct {
	cfg      TemplatesConfig
	fields   map[string][]string
	pii      [][]string
	loc      *time.Location
	defTag   language.Tag
	defLang  string
	problems []error
	// files maps "<template>/<channel>.<locale>" to the sources found.
	files map[string]*sources
}

// sources are the files of one version.
type sources struct {
	template, channel, locale string
	txt, html                 string // file paths; "" when absent
	txtSrc, htmlSrc           string
}

// maxProblems bounds the problems one load reports.
const maxProblems = 50

func (l *loader) fail(file string, line int, placeholder, format string, args ...any) {
	if len(l.problems) == maxProblems {
		l.problems = append(l.problems, fmt.Errorf("feedback: templates: more problems not shown: %w", adapters.ErrInvalidArgument))
	}
	if len(l.problems) > maxProblems {
		return
	}
	l.problems = append(l.problems, &TemplateError{File: file, Line: line, Placeholder: placeholder, Reason: fmt.Sprintf(format, args...)})
}

// LoadTemplates reads and checks every template in fsys and returns the
// set (see the package documentation for the layout). A nil cfg means
// the defaults of TemplatesConfig.
//
// Every problem is reported, joined, each a *TemplateError naming the
// file (and the line and placeholder where there is one): a file outside
// the layout, empty, or larger than the limit; a template that does not
// parse, uses a placeholder that is not among its declared fields, a
// function outside the fixed set, or a construct the set does not allow
// (range, with, variables, define, block, template, a bare {{.}}); an
// email or letter without a subject; an HTML part without its text, with
// a script element, or that html/template cannot escape safely; a
// channel without a version in the default locale; a template with no
// declared fields. An invalid cfg returns its Validate error. All wrap
// adapters.ErrInvalidArgument.
func LoadTemplates(fsys fs.FS, cfg *TemplatesConfig) (*Templates, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if fsys == nil {
		return nil, fmt.Errorf("feedback: templates: nil file system: %w", adapters.ErrInvalidArgument)
	}
	l := &loader{files: map[string]*sources{}, fields: map[string][]string{}}
	if cfg != nil {
		l.cfg = *cfg
	}
	c := &l.cfg
	if c.DefaultLocale == "" {
		c.DefaultLocale = "en"
	}
	l.defTag, _ = parseLocale(c.DefaultLocale)
	c.DefaultLocale = l.defTag.String()
	base, _ := l.defTag.Base()
	l.defLang = base.String()
	l.loc = c.Location
	if l.loc == nil {
		l.loc = time.UTC
	}
	c.MaxFileBytes = orDefault(c.MaxFileBytes, DefaultMaxTemplateFileBytes)
	c.MaxFiles = orDefault(c.MaxFiles, DefaultMaxTemplateFiles)
	c.MaxDataBytes = orDefault(c.MaxDataBytes, DefaultMaxDataBytes)
	c.MaxRenderedBytes = orDefault(c.MaxRenderedBytes, DefaultMaxRenderedBytes)
	maps.Copy(l.fields, shippedFields)
	maps.Copy(l.fields, c.Fields)
	pii := slices.Clone(c.PII)
	for i, s := range c.PIIFrom {
		for _, p := range s.PIIPaths() {
			if !validPIIPath(p) {
				return nil, fmt.Errorf("feedback: templates config: PIIFrom[%d]: %q is not a dotted path: %w", i, p, adapters.ErrInvalidArgument)
			}
			pii = append(pii, p)
		}
	}
	slices.Sort(pii)
	for _, p := range slices.Compact(pii) {
		l.pii = append(l.pii, strings.Split(p, "."))
	}

	if err := l.read(fsys); err != nil {
		return nil, err
	}
	t := &Templates{byName: map[string]*templateSet{}, maxData: c.MaxDataBytes, maxOut: c.MaxRenderedBytes}
	for _, key := range slices.Sorted(maps.Keys(l.files)) {
		l.build(t, l.files[key])
	}
	for _, name := range slices.Sorted(maps.Keys(t.byName)) {
		set := t.byName[name]
		for _, ch := range slices.Sorted(maps.Keys(set.channels)) {
			vs := set.channels[ch]
			if vs.def == nil {
				if l.files[name+"/"+ch+"."+c.DefaultLocale] != nil {
					continue // the default version failed, and says why
				}
				l.fail(name+"/"+ch+"."+c.DefaultLocale+".txt", 0, "", "missing: the %s version of %q in the default locale %s, which every other locale falls back to", ch, name, c.DefaultLocale)
				continue
			}
			tags := []language.Tag{l.defTag}
			for _, loc := range slices.Sorted(maps.Keys(vs.byLocale)) {
				if loc != c.DefaultLocale {
					tag, _ := parseLocale(loc)
					tags = append(tags, tag)
				}
			}
			vs.tags, vs.matcher = tags, language.NewMatcher(tags)
		}
	}
	if len(l.problems) > 0 {
		return nil, errors.Join(l.problems...)
	}
	return t, nil
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// read walks fsys: "<template>/<channel>.<locale>.txt|html", skipping
// dot files and Markdown notes.
func (l *loader) read(fsys fs.FS) error {
	n := 0
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		name := d.Name()
		if strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		depth := strings.Count(p, "/")
		if d.IsDir() {
			if depth > 0 {
				l.fail(p, 0, "", "a folder inside a template folder: the layout is <template>/<channel>.<locale>.txt")
				return fs.SkipDir
			}
			if !validName(name) {
				l.fail(p, 0, "", "template name %q: use letters, digits, '-' and '_'", name)
				return fs.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, ".md") {
			return nil
		}
		if depth == 0 {
			l.fail(p, 0, "", "a file outside a template folder: the layout is <template>/<channel>.<locale>.txt")
			return nil
		}
		if n++; n > l.cfg.MaxFiles {
			return fmt.Errorf("feedback: templates: more than %d files: %w", l.cfg.MaxFiles, adapters.ErrInvalidArgument)
		}
		l.file(fsys, p)
		return nil
	})
	if err != nil {
		if errors.Is(err, adapters.ErrInvalidArgument) {
			return err
		}
		return fmt.Errorf("feedback: templates: read: %v: %w", err, adapters.ErrInvalidArgument)
	}
	return nil
}

// file reads one template file into l.files.
func (l *loader) file(fsys fs.FS, p string) {
	tmpl, base := path.Split(p)
	tmpl = strings.TrimSuffix(tmpl, "/")
	parts := strings.Split(base, ".")
	if len(parts) != 3 || (parts[2] != "txt" && parts[2] != "html") {
		l.fail(p, 0, "", "not a template file: name it <channel>.<locale>.txt, or <channel>.<locale>.html for an HTML part")
		return
	}
	channel, ext := parts[0], parts[2]
	if !validName(channel) {
		l.fail(p, 0, "", "channel name %q: use letters, digits, '-' and '_'", channel)
		return
	}
	tag, err := parseLocale(parts[1])
	if err != nil {
		l.fail(p, 0, "", "%q is not a BCP 47 language tag", parts[1])
		return
	}
	src, err := readBounded(fsys, p, l.cfg.MaxFileBytes)
	if err != nil {
		l.fail(p, 0, "", "%v", err)
		return
	}
	if strings.TrimSpace(src) == "" {
		l.fail(p, 0, "", "the file is empty")
		return
	}
	locale := tag.String()
	key := tmpl + "/" + channel + "." + locale
	s := l.files[key]
	if s == nil {
		s = &sources{template: tmpl, channel: channel, locale: locale}
		l.files[key] = s
	}
	prev := &s.txt
	if ext == "html" {
		prev = &s.html
	}
	if *prev != "" {
		l.fail(p, 0, "", "the same version as %s (locale tags are compared in canonical form)", *prev)
		return
	}
	*prev = p
	if ext == "html" {
		s.htmlSrc = src
	} else {
		s.txtSrc = src
	}
}

func readBounded(fsys fs.FS, p string, limit int) (string, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return "", err
	}
	if len(b) > limit {
		return "", fmt.Errorf("larger than the limit of %d bytes", limit)
	}
	return string(b), nil
}

// build checks and parses one version and adds it to t.
func (l *loader) build(t *Templates, s *sources) {
	fields, declared := l.fields[s.template]
	if !declared {
		fields = l.cfg.OtherFields
	}
	file := s.txt
	if file == "" {
		file = s.html
	}
	if len(fields) == 0 {
		l.fail(file, 0, "", "template %q has no declared fields: add it to TemplatesConfig.Fields (or set OtherFields)", s.template)
		return
	}
	if s.txt == "" {
		l.fail(s.html, 0, "", "an HTML part needs its text version %s/%s.%s.txt", s.template, s.channel, s.locale)
		return
	}
	set := t.byName[s.template]
	if set == nil {
		set = &templateSet{channels: map[string]*versions{}}
		for _, f := range fields {
			set.fields = append(set.fields, strings.Split(f, "."))
		}
		// deeper paths first, so that filling "a.b" makes the object "a"
		// before "a" alone would be filled with ""
		slices.SortStableFunc(set.fields, func(a, b []string) int { return len(b) - len(a) })
		set.redact = reaching(l.pii, set.fields)
		t.byName[s.template] = set
	}
	ck := &checker{l: l, template: s.template, fields: fields, funcs: l.funcs(s.locale)}
	v := &version{locale: s.locale, sms: s.channel == "sms"}
	subject, body, subjectLine := splitSubject(s.txtSrc)
	if subjectLine {
		if strings.TrimSpace(subject) == "" {
			l.fail(s.txt, 1, "", "the Subject: line is empty")
			return
		}
		v.subject = ck.text(s.txt, 1, subject)
	} else if s.channel == "email" || s.channel == "letter" {
		l.fail(s.txt, 1, "", "an %s needs a subject: start the file with a line \"Subject: ...\" and a blank line", s.channel)
		return
	}
	if strings.TrimSpace(body) == "" {
		l.fail(s.txt, 0, "", "the body is empty")
		return
	}
	first := 1
	if subjectLine {
		first = 1 + strings.Count(s.txtSrc[:len(s.txtSrc)-len(body)], "\n")
	}
	v.text = ck.text(s.txt, first, body)
	if s.htmlSrc != "" {
		v.html = ck.html(s.html, s.htmlSrc)
	}
	if v.text == nil || (subjectLine && v.subject == nil) || (s.htmlSrc != "" && v.html == nil) {
		return // the checker reported why
	}
	vs := set.channels[s.channel]
	if vs == nil {
		allowed := l.cfg.PIIChannels
		if per, ok := l.cfg.TemplatePIIChannels[s.template]; ok {
			allowed = per
		}
		vs = &versions{byLocale: map[string]*version{}, pii: slices.Contains(allowed, s.channel)}
		set.channels[s.channel] = vs
	}
	vs.byLocale[s.locale] = v
	if s.locale == l.cfg.DefaultLocale {
		vs.def = v
	}
}

// splitSubject splits a text file into its "Subject: " line and the body
// after it (and after the blank lines that follow it).
func splitSubject(src string) (subject, body string, ok bool) {
	line, rest, _ := strings.Cut(src, "\n")
	s, ok := strings.CutPrefix(strings.TrimSuffix(line, "\r"), "Subject:")
	if !ok {
		return "", src, false
	}
	return s, strings.TrimLeft(rest, "\r\n"), true
}

// parseLocale parses a BCP 47 tag, refusing "und".
func parseLocale(s string) (language.Tag, error) {
	tag, err := language.Parse(s)
	if err == nil && tag == language.Und {
		err = errors.New("undetermined language")
	}
	return tag, err
}

func validName(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// validFieldPath reports whether s is a dotted path of template
// identifiers ("site.city").
func validFieldPath(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for seg := range strings.SplitSeq(s, ".") {
		if !validIdent(seg) {
			return false
		}
	}
	return true
}

func validIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// validPIIPath reports whether s is a dotted path whose segments are
// names, indexes or "*".
func validPIIPath(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for seg := range strings.SplitSeq(s, ".") {
		if seg == "" {
			return false
		}
	}
	return true
}
