package forms

import (
	"strings"

	"golang.org/x/text/language"
)

// shownLang is the language a page of f is shown in for the resolved
// request l: l itself when the form has texts in l's message language (or
// that language is the one forms are written in), else the language the
// form's own texts are written in, so a page whose form has no Spanish
// text is neither marked Spanish nor mixes Spanish buttons into English
// questions.
func shownLang(f *Form, l *lang) *lang {
	if l.msg == 0 || f.hasTexts(l.tag) {
		return l
	}
	return resolve(messageLocales[0].String())
}

// hasTexts reports whether the form has a title, step title or field
// label translated into the base language.
func (f *Form) hasTexts(base string) bool { return f.texts[base] }

// textBases lists the base languages of the form's translated titles,
// descriptions, step titles and field labels, for hasTexts.
func (f *Form) textBases() map[string]bool {
	out := map[string]bool{}
	add := func(m map[string]string) {
		for k := range m {
			base, _, _ := strings.Cut(k, "-")
			out[base] = true
		}
	}
	add(f.titles)
	add(f.descs)
	for _, st := range f.steps {
		add(st.titles)
	}
	for _, fl := range f.byPath {
		add(fl.titles)
	}
	return out
}

// rtlScripts are the scripts written right to left that CLDR names.
var rtlScripts = map[string]bool{"Arab": true, "Hebr": true, "Syrc": true, "Thaa": true, "Nkoo": true,
	"Adlm": true, "Rohg": true, "Mand": true, "Samr": true, "Mend": true, "Yezi": true}

// direction is "rtl" for a BCP 47 tag whose (likely) script is written
// right to left, such as ar, he, fa or ur, and "ltr" otherwise.
func direction(tag string) string {
	t, err := language.Parse(tag)
	if err != nil {
		return "ltr"
	}
	if s, conf := t.Script(); conf != language.No && rtlScripts[s.String()] {
		return "rtl"
	}
	return "ltr"
}
