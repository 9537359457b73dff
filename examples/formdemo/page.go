package main

import (
	"bytes"
	"html/template"
	"net/http"

	"github.com/civickit/civickit/forms"
	"golang.org/x/text/language"
)

// pageTmpl draws a confirmation or a message; the form's own pages come
// from the forms Renderer's page shell. Every value is escaped by
// html/template.
var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<link rel="stylesheet" href="{{.Stylesheet}}">
</head>
<body>
<main class="usa-section" id="main-content">
<div class="grid-container">
{{- if .Heading}}
<h1>{{.Heading}}</h1>
<p class="usa-intro">{{.Lead}}</p>
{{- end}}
{{- if .Data}}
<pre class="submission bg-base-lightest padding-2 overflow-x-auto">{{.Data}}</pre>
{{- end}}
{{- if .Again}}
<p><a class="usa-link" href="{{.Again.Href}}">{{.Again.Text}}</a></p>
{{- end}}
</div>
</main>
</body>
</html>
`))

type link struct{ Href, Lang, Text string }

type pageData struct {
	Lang, Title, Stylesheet string
	Again                   *link
	Heading, Lead           string
	Data                    string
}

// texts are the program's own words, English first.
type texts struct {
	errorPrefix, received, receivedLead, again, other, otherLang, otherHref string
	unreadable, failed                                                      string
}

var catalogue = []texts{
	{
		errorPrefix: "Error: ", received: "Request received",
		receivedLead: "We will email you the pickup date. This is what we received; personal details are hidden.",
		again:        "Request another pickup",
		other:        "Español", otherLang: "es", otherHref: "/?lang=es",
		unreadable: "The form could not be read. Please start again.",
		failed:     "Something went wrong on our side. Please try again later.",
	},
	{
		errorPrefix: "Error: ", received: "Solicitud recibida",
		receivedLead: "Le enviaremos por correo la fecha de recogida. Esto es lo que recibimos; los datos personales están ocultos.",
		again:        "Solicitar otra recogida",
		other:        "English", otherLang: "en", otherHref: "/?lang=en",
		unreadable: "No se pudo leer el formulario. Vuelva a empezar.",
		failed:     "Algo salió mal de nuestra parte. Inténtelo más tarde.",
	},
}

var (
	pageLocales = []language.Tag{language.English, language.Spanish}
	matcher     = language.NewMatcher(pageLocales)
)

// textsFor picks the program's words and the page's lang attribute for
// an Accept-Language style locale, as the forms package picks its own.
func textsFor(loc string) (texts, string) {
	if len(loc) > 256 {
		loc = loc[:256]
	}
	i := 0
	if tags, _, err := language.ParseAcceptLanguage(loc); err == nil && len(tags) > 0 {
		if _, idx, conf := matcher.Match(tags...); conf != language.No {
			i = idx
		}
	}
	return catalogue[i], pageLocales[i].String()
}

// message names what a message page says.
type message int

const (
	unreadable message = iota
	failed
)

// page draws one step of the form in the forms package's page shell,
// offering the other language on the first step.
func (s *server) page(w http.ResponseWriter, status int, p forms.Page, offerSwitch bool) {
	if offerSwitch {
		txt, _ := textsFor(p.Locale)
		p.Languages = []forms.LanguageLink{{Href: txt.otherHref, Lang: txt.otherLang, Text: txt.other}}
	}
	var body bytes.Buffer
	if err := s.render.RenderPage(&body, p); err != nil {
		s.log.Error("render", "form", s.form.ID(), "step", p.Step, "err", err)
		s.message(w, http.StatusInternalServerError, p.Locale, failed)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body.Bytes())
}

// confirm shows what was received, personal fields redacted.
func (s *server) confirm(w http.ResponseWriter, loc, action string, clean map[string]any) {
	txt, lang := textsFor(loc)
	data, err := encode(s.form.Redact(clean), "  ")
	if err != nil {
		s.message(w, http.StatusInternalServerError, loc, failed)
		return
	}
	s.write(w, http.StatusOK, pageData{Lang: lang, Title: txt.received + " – " + s.form.Title(loc),
		Heading: txt.received, Lead: txt.receivedLead, Data: string(data),
		Again: &link{Href: action, Text: txt.again}})
}

// message shows a short page for a request the form cannot take.
func (s *server) message(w http.ResponseWriter, status int, loc string, m message) {
	txt, lang := textsFor(loc)
	lead := txt.unreadable
	if m == failed {
		lead = txt.failed
	}
	s.write(w, status, pageData{Lang: lang, Title: txt.errorPrefix + s.form.Title(loc),
		Heading: s.form.Title(loc), Lead: lead, Again: &link{Href: "/?lang=" + lang, Text: txt.again}})
}

func (s *server) write(w http.ResponseWriter, status int, d pageData) {
	d.Stylesheet = site.AssetsPath + forms.USWDSStylesheet
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, d); err != nil {
		s.log.Error("page", "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
