package casework

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"

	"golang.org/x/text/language"
)

// Text holds the fixed texts of the pages casework draws, in one
// language. English and Spanish are built in; give others in
// IntakeConfig.Texts, QueueConfig.Texts or FilesConfig.Texts (and the
// forms.Language of the page shell in forms.RenderConfig.Languages).
type Text struct {
	// Tag is the language's BCP 47 tag ("ar", "vi").
	Tag string
	// Received titles the confirmation page; Reference introduces the
	// case reference on it ("Your reference is").
	Received, Reference string
	// Queue titles the queue page; Case, State, Opened, Due and Actions
	// head its columns; Empty says the queue has no cases; Next links to
	// the next page; None marks a case with no action for the reader.
	Queue, Case, State, Opened, Due, Actions, Empty, Next, None string
	// BackToQueue links from an error page back to the queue.
	BackToQueue string
	// Files titles the page of a case's files; File, FileType, FileSize
	// and FileStatus head its columns; NoFiles says the case has none.
	Files, File, FileType, FileSize, FileStatus, NoFiles string
	// Scanning marks a file waiting for its virus check, Removed one the
	// check refused; Download links to a clean file, View to the copy of
	// an image that is safe to show.
	Scanning, Removed, Download, View string
	// Copy links to the PDF copy of a submission (FilesConfig.Forms).
	Copy string
}

// validate reports a bad tag and every empty text.
func (t Text) validate() error {
	var errs []error
	if _, err := language.Parse(t.Tag); err != nil || t.Tag == "" {
		errs = append(errs, fmt.Errorf("casework: text %q: tag is not BCP 47", t.Tag))
	}
	v := reflect.ValueOf(t)
	for i := range v.NumField() {
		if v.Field(i).String() == "" {
			errs = append(errs, fmt.Errorf("casework: text %q: %s is empty", t.Tag, v.Type().Field(i).Name))
		}
	}
	return errors.Join(errs...)
}

// builtinTexts are the built-in languages; the first is the fallback.
var builtinTexts = []Text{
	{Tag: "en", Received: "Report received", Reference: "Your reference is",
		Queue: "Work queue", Case: "Case", State: "State", Opened: "Opened", Due: "Due", Actions: "Actions",
		Empty: "There are no cases in this queue.", Next: "Next page", None: "None for you now",
		BackToQueue: "Back to the work queue", Files: "Files", File: "File", FileType: "Type", FileSize: "Size", FileStatus: "Status",
		NoFiles: "This case has no files.", Scanning: "Waiting for the virus check",
		Removed: "Removed: the virus check refused this file", Download: "Download", View: "View",
		Copy: "Copy of the submission (PDF)"},
	{Tag: "es", Received: "Solicitud recibida", Reference: "Su número de referencia es",
		Queue: "Cola de trabajo", Case: "Caso", State: "Estado", Opened: "Abierto", Due: "Vence", Actions: "Acciones",
		Empty: "No hay casos en esta cola.", Next: "Página siguiente", None: "Ninguna por ahora",
		BackToQueue: "Volver a la cola de trabajo", Files: "Archivos", File: "Archivo", FileType: "Tipo", FileSize: "Tamaño", FileStatus: "Estado",
		NoFiles: "Este caso no tiene archivos.", Scanning: "Esperando la revisión antivirus",
		Removed: "Eliminado: la revisión antivirus rechazó este archivo", Download: "Descargar", View: "Ver",
		Copy: "Copia de la solicitud (PDF)"},
}

// texts picks among the built-in and extra languages.
type texts struct {
	all     []Text
	matcher language.Matcher
}

func newTexts(extra []Text) (*texts, error) {
	var errs []error
	for _, t := range extra {
		errs = append(errs, t.validate())
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	all := append(append([]Text(nil), builtinTexts...), extra...)
	tags := make([]language.Tag, len(all))
	for i, t := range all {
		tags[i] = language.Make(t.Tag)
	}
	return &texts{all: all, matcher: language.NewMatcher(tags)}, nil
}

// maxLocale bounds the locale string parsed from a request.
const maxLocale = 256

// pick returns the texts for an Accept-Language style locale.
func (t *texts) pick(locale string) Text {
	if len(locale) > maxLocale {
		locale = locale[:maxLocale]
	}
	tags, _, err := language.ParseAcceptLanguage(locale)
	if err != nil || len(tags) == 0 {
		return t.all[0]
	}
	_, i, conf := t.matcher.Match(tags...)
	if conf == language.No {
		return t.all[0]
	}
	return t.all[i]
}

// maxLangParam bounds the "lang" parameter; a longer one is ignored.
const maxLangParam = 35

// langParam is the request's "lang" query parameter, or "".
func langParam(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); len(l) <= maxLangParam {
		return l
	}
	return ""
}

// langQuery is the request's "lang" parameter as a query string, to keep
// on the links and redirects a page makes, or "".
func langQuery(r *http.Request) string {
	if l := langParam(r); l != "" {
		return "lang=" + url.QueryEscape(l)
	}
	return ""
}

// requestLocale is the language a request asks for: its "lang" query
// parameter, else its Accept-Language header.
func requestLocale(r *http.Request) string {
	if l := langParam(r); l != "" {
		return l
	}
	return r.Header.Get("Accept-Language")
}
