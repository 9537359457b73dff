package forms

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"golang.org/x/text/language"
)

// Language holds everything civickit writes in one language that it does
// not ship (English and Spanish are built in): a page's fixed texts and,
// optionally, the default validation messages. Give it to
// RegistryConfig.Languages, and the registry's forms validate in it and
// every Renderer draws their pages in it; RenderConfig.Languages also
// takes languages, for pages only. The form's own texts (x-title and
// friends keyed by Tag) are translated in the definition: a form is
// shown, and its messages written, in an added language only when it
// has texts in it.
type Language struct {
	// Tag is the language's BCP 47 tag ("ar", "vi", "zh-Hant"); pages in
	// it are marked with it, and right to left when its script is. A
	// request matches it by its base language ("ar-EG" matches "ar"), so
	// two languages of one list may not share a base language, nor share
	// one with the built-in English and Spanish.
	Tag string
	// ErrorHeading titles the error summary; Submit and Continue label
	// the button on the last and the other steps; StepOf is a pattern
	// with two %d ("Step %d of %d"); Required follows a required label;
	// Choose is a select's empty option.
	ErrorHeading, Submit, Continue, StepOf, Required, Choose string
	// Yes and No label the two radio buttons of a yes-or-no question (a
	// boolean drawn as radio buttons) whose form gives no x-options
	// label in the language.
	Yes, No string
	// AddRow and RemoveRow label a repeating group's buttons, each a
	// pattern with one %s, the row's title ("Add %s" draws "Add
	// Household member 3"). Either left empty is drawn in English.
	AddRow, RemoveRow string
	// RemoveFile labels the checkbox beside a file already uploaded, a
	// pattern with one %s, the file's name ("Remove %s" draws "Remove
	// fence.jpg"). Left empty, it is drawn in English.
	RemoveFile string
	// Shell holds the page shell's texts.
	Shell ShellText
	// Messages are the default validation messages in the language.
	// Left empty (all four maps nil), the language is for pages only and
	// messages not given by the form stay in English, as an added
	// language's did before messages could be added. Given, they must
	// cover every key of DefaultMessages("en"), so no message mixes two
	// languages; NewRegistry and NewRenderer refuse them otherwise,
	// naming the keys missing. The keys of repeating groups,
	// "minItems.group", "maxItems.group" (Named and Plain) and "rowIndex"
	// (Submission), and of file fields, "required.file", "fileTooLarge",
	// "fileType", "fileEmpty", "fileRejected", "tooManyFiles",
	// "filesTooLarge" and "fileUnknown" (Named and Plain), came later and
	// may be left out: "minItems.group", "maxItems.group" and
	// "required.file" then fall back to "minItems", "maxItems" and
	// "required", the others to "invalid", so a language written before
	// them still loads (give them for pages with such fields).
	Messages Messages
}

// Messages are the default validation messages of one language, each a
// text keyed by FieldError.Code. A text may use only the placeholders
// the English text of its key uses (see DefaultMessages("en")):
//
//   - {name}: the field's x-errorName in the language, a noun phrase
//     ("your street address");
//   - {label}: a name the form does not declare, as sent, or the field's
//     label;
//   - {example}: the field's x-example ("12345");
//   - {limit}: the bound broken (a length, a number, a count of choices
//     or files, a file size in units such as "10 MB");
//   - {expected}: the JSON type wanted, {format} the format wanted,
//     each written with Words;
//   - {value}: the value a const field must have;
//   - {accepted}: the kinds of file a file field takes ("JPEG, PNG");
//   - {count}: the number of problems left out (moreErrors).
type Messages struct {
	// Named are the messages of a problem on a field that has an
	// x-errorName, which they give as {name}. Keys are codes, and
	// "format.example" and "pattern.example" for a field with an
	// x-example, "required.choice" for a field answered by choosing,
	// "required.file" for a file field.
	Named map[string]string
	// Plain are the messages of a problem on a field without an
	// x-errorName, with the keys of Named; they do not name the field,
	// and read well on their own next to it ("Enter an answer.").
	Plain map[string]string
	// Submission are the messages of a problem on the whole submission
	// (tooLarge, syntax, moreErrors, "type.root" for a body that is not a
	// JSON object, ...) or on a name the form does not declare
	// (additionalProperties, and the field codes with {label}).
	Submission map[string]string
	// Words name the JSON types ("string", "integer", ...) and formats
	// ("email", "date", ...) for {expected} and {format}.
	Words map[string]string
}

// empty reports whether no message is given at all.
func (m Messages) empty() bool {
	return len(m.Named) == 0 && len(m.Plain) == 0 && len(m.Submission) == 0 && len(m.Words) == 0
}

// clone copies the maps, so a caller changing its own maps later changes
// nothing a registry uses.
func (m Messages) clone() Messages {
	return Messages{Named: maps.Clone(m.Named), Plain: maps.Clone(m.Plain),
		Submission: maps.Clone(m.Submission), Words: maps.Clone(m.Words)}
}

// sets names the four maps, for errors and for checks that treat them
// alike.
func (m Messages) sets() []struct {
	name string
	m    map[string]string
} {
	return []struct {
		name string
		m    map[string]string
	}{{"Named", m.Named}, {"Plain", m.Plain}, {"Submission", m.Submission}, {"Words", m.Words}}
}

// DefaultMessages returns a copy of the default messages civickit ships
// in a built-in language, "en" or "es": the keys an added Language's
// Messages must cover, and a start for translating them. ok is false for
// any other tag.
func DefaultMessages(tag string) (m Messages, ok bool) {
	for i, t := range messageLocales {
		if t.String() == tag {
			return builtinMessages[i].clone(), true
		}
	}
	return Messages{}, false
}

// validate reports every empty text, a tag that does not parse, and
// messages that do not match the English ones key for key.
func (lg Language) validate() error {
	var errs []error
	if _, err := language.Parse(lg.Tag); err != nil || lg.Tag == "" {
		errs = append(errs, fmt.Errorf("forms: language %q: tag is not BCP 47", lg.Tag))
	}
	for name, v := range map[string]string{"ErrorHeading": lg.ErrorHeading, "Submit": lg.Submit, "Continue": lg.Continue,
		"Required": lg.Required, "Choose": lg.Choose, "Yes": lg.Yes, "No": lg.No, "Shell.SkipLink": lg.Shell.SkipLink, "Shell.Back": lg.Shell.Back,
		"Shell.ErrorPrefix": lg.Shell.ErrorPrefix} {
		if v == "" {
			errs = append(errs, fmt.Errorf("forms: language %q: %s is empty", lg.Tag, name))
		}
	}
	if strings.Count(lg.StepOf, "%d") != 2 || strings.Count(lg.StepOf, "%") != 2 {
		errs = append(errs, fmt.Errorf("forms: language %q: StepOf must hold exactly two %%d", lg.Tag))
	}
	for name, v := range map[string]string{"AddRow": lg.AddRow, "RemoveRow": lg.RemoveRow, "RemoveFile": lg.RemoveFile} {
		if v != "" && (strings.Count(v, "%s") != 1 || strings.Count(v, "%") != 1) {
			errs = append(errs, fmt.Errorf("forms: language %q: %s must hold exactly one %%s", lg.Tag, name))
		}
	}
	if !lg.Messages.empty() {
		errs = append(errs, lg.Messages.check(lg.Tag))
	}
	return errors.Join(errs...)
}

// check compares the messages with the English ones: every key given,
// no other key, no empty text, no placeholder the English text of the
// key lacks (the value it names would not be there to fill it).
func (m Messages) check(tag string) error {
	var errs []error
	en := builtinMessages[0].sets()
	for i, set := range m.sets() {
		want := en[i].m
		var missing, unknown, empty, badPlace []string
		for k := range want {
			if _, ok := set.m[k]; !ok && !optionalKeys[k] {
				missing = append(missing, fmt.Sprintf("%q", k))
			}
		}
		for k, v := range set.m {
			ref, ok := want[k]
			switch {
			case !ok:
				unknown = append(unknown, fmt.Sprintf("%q", k))
			case strings.TrimSpace(v) == "":
				empty = append(empty, fmt.Sprintf("%q", k))
			default:
				allowed := placeholders(ref)
				for _, p := range placeholders(v) {
					if !slices.Contains(allowed, p) {
						badPlace = append(badPlace, fmt.Sprintf("%q uses {%s}", k, p))
					}
				}
			}
		}
		for _, c := range []struct {
			what string
			keys []string
		}{{"lacks", missing}, {"has unknown keys", unknown}, {"has empty texts for", empty},
			{"has placeholders the English text lacks:", badPlace}} {
			if len(c.keys) > 0 {
				slices.Sort(c.keys)
				errs = append(errs, fmt.Errorf("forms: language %q: Messages.%s %s %s", tag, set.name, c.what, strings.Join(c.keys, ", ")))
			}
		}
	}
	return errors.Join(errs...)
}

// optionalKeys are message keys added after languages could first be
// added, so a language written before them stays valid: a missing
// "minItems.group", "maxItems.group" or "required.file" falls back to the
// message of the code alone, a missing "rowIndex" or file error to
// "invalid".
var optionalKeys = map[string]bool{"minItems.group": true, "maxItems.group": true, "rowIndex": true,
	"required.file": true, "fileTooLarge": true, "fileType": true, "fileEmpty": true, "fileRejected": true,
	"tooManyFiles": true, "filesTooLarge": true, "fileUnknown": true}

// placeholders lists the {names} of a message text, as fill reads them.
func placeholders(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return out
		}
		out = append(out, s[i+1:i+j])
		s = s[i+j+1:]
	}
}

// addedLang is a Language ready for use: its messages copied, and the
// resolved locale its pages and messages are written in.
type addedLang struct {
	text Language
	base string // the base language requests match it by
	lang *lang
}

// addLanguages validates languages and prepares them; nil when there
// are none.
func addLanguages(langs []Language) ([]*addedLang, error) {
	var errs []error
	var out []*addedLang
	seen := map[string]string{}
	for _, t := range messageLocales {
		seen[t.String()] = "built in"
	}
	for _, lg := range langs {
		if err := lg.validate(); err != nil {
			errs = append(errs, err)
			continue
		}
		b, _ := language.Make(lg.Tag).Base()
		base := b.String()
		if other, ok := seen[base]; ok {
			errs = append(errs, fmt.Errorf("forms: language %q: base language %q is already %s; requests match a language by its base", lg.Tag, base, other))
			continue
		}
		seen[base] = fmt.Sprintf("given as %q", lg.Tag)
		a := &addedLang{text: lg, base: base}
		a.text.Messages = lg.Messages.clone()
		// labels the form lacks in the language fall back to the
		// language definitions are written in
		keys := appendNew(appendNew([]string{strings.ToLower(lg.Tag)}, base), messageLocales[0].String())
		a.lang = &lang{keys: keys, tag: lg.Tag, msgs: builtinMessages[0]}
		if !lg.Messages.empty() {
			a.lang.msgs = &a.text.Messages
		}
		out = append(out, a)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// addedFor returns the added language a page or message of f is written in
// for the request l: the first language the request names, before the
// built-in one f would be shown in, that f has texts in, from the form's
// registry or from more (a renderer's); nil when there is none.
func addedFor(f *Form, l *lang, more []*addedLang) *addedLang {
	if len(f.added) == 0 && len(more) == 0 {
		return nil
	}
	shown := shownLang(f, l).tag
	for _, b := range l.bases {
		if b == shown {
			break // a built-in language asked for first
		}
		for _, a := range more {
			if a.base == b && f.hasTexts(b) {
				return a
			}
		}
		for _, a := range f.added {
			if a.base == b {
				return a
			}
		}
	}
	return nil
}

// lang resolves the locale of a validation of f: a language of its
// registry when the request asks for one f is written in, else the
// built-in language the request matches. Forms of a registry without
// added languages take the shared cache alone.
func (f *Form) lang(locale string) *lang {
	l := resolve(locale)
	if f.added != nil {
		if a := addedFor(f, l, nil); a != nil {
			return a.lang
		}
	}
	return l
}
