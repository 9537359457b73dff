package forms

import (
	"bytes"
	"html/template"
)

// The built-in templates are the definition of the markup; writePage
// writes the same bytes directly, because text/template's reflection
// costs ten times the budget of a 25-field page. TestFastPathMatchesTemplates
// holds the two to byte equality, and any override of the templates
// switches the renderer to the templates.

func writePage(b *bytes.Buffer, v *FormView) {
	b.WriteString(`<form class="usa-form usa-form--large" method="post" action="`)
	writeURL(b, v.Action)
	b.WriteString(`" novalidate lang="`)
	escapeHTML(b, v.Lang)
	b.WriteString(`">`)
	if len(v.Errors) > 0 {
		b.WriteString("\n" + `<div class="usa-alert usa-alert--error" role="alert" id="error-summary" tabindex="-1" aria-labelledby="error-summary-heading">` +
			"\n" + `<div class="usa-alert__body">` + "\n" + `<h2 class="usa-alert__heading" id="error-summary-heading">`)
		escapeHTML(b, v.Text.ErrorHeading)
		b.WriteString("</h2>\n" + `<ul class="usa-list">`)
		for _, e := range v.Errors {
			b.WriteString("\n" + `<li><a href="#`)
			if plainURL(e.Target) {
				b.WriteString(e.Target)
			} else {
				b.WriteString(urlAttr("#" + e.Target)[len("#"):])
			}
			b.WriteString(`">`)
			escapeHTML(b, e.Message)
			b.WriteString("</a></li>")
		}
		b.WriteString("\n</ul>\n</div>\n</div>")
	}
	b.WriteString("\n<h1>")
	escapeHTML(b, v.Title)
	b.WriteString("</h1>")
	if v.StepCount != 0 {
		b.WriteString("\n" + `<p class="usa-step-indicator__heading-counter">`)
		escapeHTML(b, v.Text.StepOf)
		b.WriteString("</p>\n" + `<h2 class="usa-step-indicator__heading-text">`)
		escapeHTML(b, v.StepTitle)
		b.WriteString("</h2>")
	} else if v.Description != "" {
		b.WriteString("\n" + `<p class="usa-intro">`)
		escapeHTML(b, v.Description)
		b.WriteString("</p>")
	}
	for _, list := range [][]HiddenView{v.Hidden, v.Carried} {
		for _, h := range list {
			b.WriteString("\n" + `<input type="hidden" name="`)
			escapeHTML(b, h.Name)
			b.WriteString(`" value="`)
			escapeHTML(b, h.Value)
			b.WriteString(`">`)
		}
	}
	for _, f := range v.Fields {
		b.WriteByte('\n')
		writeField(b, f)
	}
	b.WriteString("\n" + `<button class="usa-button" type="submit">`)
	escapeHTML(b, v.Text.Submit)
	b.WriteString("</button>\n</form>\n")
}

func writeField(b *bytes.Buffer, f *FieldView) {
	switch {
	case f.IsHidden:
		b.WriteString("<input")
		b.WriteString(string(f.InputAttrs))
		b.WriteByte('>')
	case len(f.Fields) > 0:
		b.WriteString("<fieldset")
		b.WriteString(string(f.FieldsetAttrs))
		b.WriteString(">\n" + `<legend class="usa-legend usa-legend--large">`)
		writeLabelText(b, f)
		b.WriteString("</legend>")
		writeHintError(b, f)
		for _, c := range f.Fields {
			b.WriteByte('\n')
			writeField(b, c)
		}
		b.WriteString("\n</fieldset>")
	case len(f.Options) > 0 && !f.IsSelect:
		b.WriteString("<div")
		b.WriteString(string(f.GroupAttrs))
		b.WriteString(">\n<fieldset")
		b.WriteString(string(f.FieldsetAttrs))
		b.WriteString(">\n" + `<legend class="usa-legend`)
		if f.Error != "" {
			b.WriteString(" usa-label--error")
		}
		b.WriteString(`">`)
		writeLabelText(b, f)
		b.WriteString("</legend>")
		writeHintError(b, f)
		for _, o := range f.Options {
			b.WriteString("\n" + `<div class="`)
			escapeHTML(b, f.ChoiceClass)
			b.WriteString("\">\n<input")
			b.WriteString(string(o.InputAttrs))
			b.WriteString(">\n" + `<label class="`)
			escapeHTML(b, f.ChoiceClass)
			b.WriteString(`__label" for="`)
			escapeHTML(b, o.ID)
			b.WriteString(`">`)
			escapeHTML(b, o.Label)
			b.WriteString("</label>\n</div>")
		}
		b.WriteString("\n</fieldset>\n</div>")
	case f.IsCheckbox && len(f.Options) == 0:
		b.WriteString("<div")
		b.WriteString(string(f.GroupAttrs))
		b.WriteString(">")
		writeHintError(b, f)
		b.WriteString("\n" + `<div class="usa-checkbox">` + "\n<input")
		b.WriteString(string(f.InputAttrs))
		b.WriteString(">\n" + `<label class="usa-checkbox__label" for="`)
		escapeHTML(b, f.ID)
		b.WriteString(`">`)
		writeLabelText(b, f)
		b.WriteString("</label>\n</div>\n</div>")
	default:
		b.WriteString("<div")
		b.WriteString(string(f.GroupAttrs))
		b.WriteString(">\n<label")
		b.WriteString(string(f.LabelAttrs))
		b.WriteByte('>')
		writeLabelText(b, f)
		b.WriteString("</label>")
		writeHintError(b, f)
		switch {
		case f.IsTextarea:
			b.WriteString("\n<textarea")
			b.WriteString(string(f.InputAttrs))
			b.WriteByte('>')
			escapeHTML(b, f.Value)
			b.WriteString("</textarea>")
		case f.IsSelect:
			b.WriteString("\n<select")
			b.WriteString(string(f.InputAttrs))
			b.WriteString(">\n" + `<option value="">`)
			escapeHTML(b, f.ChooseText)
			b.WriteString("</option>")
			for _, o := range f.Options {
				b.WriteString("\n<option")
				b.WriteString(string(o.InputAttrs))
				b.WriteByte('>')
				escapeHTML(b, o.Label)
				b.WriteString("</option>")
			}
			b.WriteString("\n</select>")
		default:
			b.WriteString("\n<input")
			b.WriteString(string(f.InputAttrs))
			b.WriteByte('>')
		}
		b.WriteString("\n</div>")
	}
}

func writeLabelText(b *bytes.Buffer, f *FieldView) {
	escapeHTML(b, f.Label)
	if f.Required {
		b.WriteString(` <span class="usa-hint usa-hint--required">`)
		escapeHTML(b, f.RequiredText)
		b.WriteString("</span>")
	}
}

func writeHintError(b *bytes.Buffer, f *FieldView) {
	if f.Hint != "" {
		b.WriteString("\n" + `<div class="usa-hint" id="`)
		escapeHTML(b, f.ID)
		b.WriteString(`-hint">`)
		escapeHTML(b, f.Hint)
		b.WriteString("</div>")
	}
	if f.Error != "" {
		b.WriteString("\n" + `<span class="usa-error-message" id="`)
		escapeHTML(b, f.ID)
		b.WriteString(`-error" role="alert">`)
		escapeHTML(b, f.Error)
		b.WriteString("</span>")
	}
}

// escapeHTML escapes text and quoted attribute values exactly as
// html/template does.
func escapeHTML(b *bytes.Buffer, s string) {
	start := 0
	for i := 0; i < len(s); i++ {
		var repl string
		switch s[i] {
		case 0:
			repl = "\uFFFD"
		case '"':
			repl = "&#34;"
		case '&':
			repl = "&amp;"
		case '\'':
			repl = "&#39;"
		case '+':
			repl = "&#43;"
		case '<':
			repl = "&lt;"
		case '>':
			repl = "&gt;"
		default:
			continue
		}
		b.WriteString(s[start:i])
		b.WriteString(repl)
		start = i + 1
	}
	b.WriteString(s[start:])
}

// writeURL writes a URL attribute value as html/template would: plain
// relative paths are unchanged by its filter and escaper, anything else
// goes through it.
func writeURL(b *bytes.Buffer, u string) {
	if plainURL(u) {
		b.WriteString(u)
		return
	}
	b.WriteString(urlAttr(u))
}

// plainURL reports a URL of letters, digits and "/._~-" only: no scheme,
// nothing to escape.
func plainURL(u string) bool {
	for i := 0; i < len(u); i++ {
		c := u[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/' || c == '.' || c == '_' || c == '~' || c == '-') {
			return false
		}
	}
	return true
}

// urlAttr renders a URL attribute value the way html/template does, by
// asking it: actions are rare and short, and URL filtering and
// normalisation rules are not worth copying.
func urlAttr(u string) string {
	var b bytes.Buffer
	_ = urlTmpl.Execute(&b, u)
	s := b.String()
	return s[len(`<a href="`) : len(s)-len(`">`)]
}

var urlTmpl = template.Must(template.New("url").Parse(`<a href="{{.}}">`))
