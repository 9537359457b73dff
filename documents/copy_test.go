package documents_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/documents"
	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/keyring"
	"github.com/ledongthuc/pdf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dogLicence has a field of every kind a copy writes: personal answers,
// choices with translated labels, a yes-or-no question, a checkbox,
// checkboxes, a date, a group, a long text and file ids.
const dogLicence = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "x-form": {"id": "dog-licence", "version": 1},
  "title": "Dog licence",
  "x-title": {"es": "Licencia para perros"},
  "type": "object",
  "required": ["owner", "dogName", "vaccinated"],
  "properties": {
    "owner": {"type": "string", "title": "Your full name", "x-title": {"es": "Su nombre completo"}, "x-pii": "identity"},
    "email": {"type": "string", "format": "email", "title": "Email", "x-title": {"es": "Correo electrónico"}, "x-pii": "contact"},
    "dogName": {"type": "string", "title": "Dog's name", "x-title": {"es": "Nombre del perro"}, "maxLength": 40},
    "nickname": {"type": "string", "title": "Dog's nickname", "x-title": {"es": "Apodo del perro"}},
    "age": {"type": "integer", "title": "Dog's age in years", "x-title": {"es": "Edad del perro en años"}},
    "size": {"type": "string", "enum": ["small", "large"], "title": "Size", "x-title": {"es": "Tamaño"},
             "x-options": {"small": {"en": "Small", "es": "Pequeño"}, "large": {"en": "Large", "es": "Grande"}}},
    "neutered": {"type": "boolean", "x-widget": "radio", "title": "Neutered", "x-title": {"es": "Castrado"}},
    "vaccinated": {"type": "boolean", "title": "Rabies vaccine is up to date", "x-title": {"es": "La vacuna antirrábica está al día"}},
    "colours": {"type": "array", "items": {"enum": ["black", "brown", "white"]}, "title": "Colours", "x-title": {"es": "Colores"},
                "x-options": {"black": {"es": "negro"}, "brown": {"es": "marrón"}, "white": {"es": "blanco"}}},
    "born": {"type": "string", "format": "date", "title": "Date of birth", "x-title": {"es": "Fecha de nacimiento"}},
    "home": {"type": "object", "title": "Home address", "x-title": {"es": "Domicilio"}, "x-pii": "location",
             "properties": {
               "street": {"type": "string", "title": "Street", "x-title": {"es": "Calle"}},
               "city": {"type": "string", "title": "City", "x-title": {"es": "Ciudad"}}}},
    "vet": {"type": "object", "title": "Veterinarian", "x-title": {"es": "Veterinario"},
            "properties": {
              "clinic": {"type": "string", "title": "Clinic", "x-title": {"es": "Clínica"}},
              "phone": {"type": "string", "title": "Clinic phone", "x-title": {"es": "Teléfono de la clínica"}}}},
    "notes": {"type": "string", "maxLength": 20000, "title": "Anything else", "x-title": {"es": "Algo más"}},
    "photo": {"type": "string", "title": "Photo of the dog", "x-title": {"es": "Foto del perro"},
              "x-widget": "file", "x-accept": ["image/jpeg"]},
    "papers": {"type": "array", "items": {"type": "string"}, "maxItems": 3, "title": "Papers", "x-title": {"es": "Documentos"}, "x-pii": "identity",
               "x-widget": "file", "x-accept": ["application/pdf"]}
  }
}`

const answers = `{
  "owner": "Ana Ruiz Peña", "email": "ana@example.org", "dogName": "Toño", "age": 4, "size": "small",
  "neutered": true, "vaccinated": false, "colours": ["black", "brown"], "born": "2021-03-05",
  "home": {"street": "12 Calle Mayor", "city": "Springfield"},
  "vet": {"clinic": "Clínica Norte"},
  "notes": "Barks at the mail carrier.",
  "photo": "file-photo", "papers": ["file-papers"]
}`

var (
	submitted = time.Date(2025, time.March, 4, 19, 5, 0, 0, time.UTC)
	photo     = adapters.FileRef{ID: "file-photo", Field: "photo", Name: "toño.jpg", Type: "image/jpeg", Size: 123456,
		SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}
	papers = adapters.FileRef{ID: "file-papers", Field: "papers", Name: "pedigree.pdf", Type: "application/pdf", Size: 2048,
		SHA256: "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"}
)

func load(t *testing.T, def string) *forms.Form {
	t.Helper()
	reg, err := forms.NewRegistry(nil)
	require.NoError(t, err)
	f, err := reg.Load(context.Background(), "form.json", []byte(def))
	require.NoError(t, err)
	return f
}

// submission validates data against f, as an intake would, and returns
// the record a store keeps.
func submission(t *testing.T, f *forms.Form, data string, files ...adapters.FileRef) adapters.Submission {
	t.Helper()
	clean, err := f.ValidateJSON(context.Background(), []byte(data), "en")
	require.NoError(t, err)
	sub := f.Submission(clean)
	sub.ID, sub.SubmittedAt, sub.Files = "sub-1", submitted, files
	return sub
}

func write(t *testing.T, f *forms.Form, sub adapters.Submission, opts documents.CopyOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, documents.WriteCopy(&buf, f, sub, opts))
	return buf.Bytes()
}

// pages extracts the text of each page with a PDF reader, one line per
// drawn line.
func pages(t *testing.T, doc []byte) []string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	require.NoError(t, err, "the copy must be a PDF a reader opens")
	out := make([]string, r.NumPage())
	for i := range out {
		s, err := r.Page(i + 1).GetPlainText(nil)
		require.NoError(t, err)
		out[i] = s
	}
	return out
}

// inOrder asserts that each of want occurs in text after the previous.
func inOrder(t *testing.T, text string, want ...string) {
	t.Helper()
	rest := text
	for _, w := range want {
		i := strings.Index(rest, w)
		if !assert.GreaterOrEqual(t, i, 0, "%q is missing, or out of order, in the copy:\n%s", w, text) {
			return
		}
		rest = rest[i+len(w):]
	}
}

func TestCopyInEnglishHasEveryAnswerInFormOrder(t *testing.T) {
	t.Parallel()
	f := load(t, dogLicence)
	sub := submission(t, f, answers, photo, papers)
	doc := write(t, f, sub, documents.CopyOptions{Locale: "en-US", Reference: "DOG-2025-0042", Audience: documents.Resident,
		TimeZone: mustZone(t, "America/New_York")})
	ps := pages(t, doc)
	text := body(ps)
	inOrder(t, text,
		"Copy of your submission", "Dog licence", "Reference: DOG-2025-0042", "Submitted: March 4, 2025, 2:05 PM EST",
		"Your full name", "Ana Ruiz Peña",
		"Email", "ana@example.org",
		"Dog's name", "Toño",
		"Dog's age in years", "4",
		"Size", "Small",
		"Neutered", "Yes",
		"Rabies vaccine is up to date", "No",
		"Colours", "black, brown", // no English labels: the values
		"Date of birth", "March 5, 2021",
		"Home address", "Street", "12 Calle Mayor", "City", "Springfield",
		"Veterinarian", "Clinic", "Clínica Norte",
		"Anything else", "Barks at the mail carrier.",
		"Photo of the dog", "toño.jpg (123,456 bytes, image/jpeg)", "SHA-256: "+photo.SHA256,
		"Papers", "pedigree.pdf (2,048 bytes, application/pdf)", "SHA-256: "+papers.SHA256)
	for i, p := range ps {
		assert.Contains(t, p, "Reference: DOG-2025-0042\nPage "+itoa(i+1)+" of "+itoa(len(ps)), "page %d's footer", i+1)
	}
	for i, p := range ps[:len(ps)-1] {
		last := lastLine(body([]string{p}))
		for _, q := range []string{"Papers", "Photo of the dog", "Veterinarian", "Home address", "Anything else"} {
			assert.NotEqual(t, q, last, "page %d ends on a question whose answer is on the next page", i+1)
		}
	}
	assert.NotContains(t, text, "nickname", "an unanswered field is left out")
	assert.NotContains(t, text, "Clinic phone", "an unanswered field of a group is left out")
	assert.NotContains(t, text, "Files", "every file is shown at its field, so none is listed apart")
}

func TestCopyInSpanishKeepsAccents(t *testing.T) {
	t.Parallel()
	f := load(t, dogLicence)
	sub := submission(t, f, answers, photo, papers)
	doc := write(t, f, sub, documents.CopyOptions{Locale: "es-MX, en;q=0.5", Reference: "DOG-2025-0042", Audience: documents.Resident,
		TimeZone: mustZone(t, "America/Mexico_City")})
	ps := pages(t, doc)
	inOrder(t, strings.Join(ps, "\n"),
		"Copia de su solicitud", "Licencia para perros", "Referencia: DOG-2025-0042", "Enviada: 4 de marzo de 2025, 13:05 CST",
		"Su nombre completo", "Ana Ruiz Peña",
		"Correo electrónico", "ana@example.org",
		"Nombre del perro", "Toño",
		"Edad del perro en años", "4",
		"Tamaño", "Pequeño",
		"Castrado", "Sí",
		"La vacuna antirrábica está al día", "No",
		"Colores", "negro, marrón",
		"Fecha de nacimiento", "5 de marzo de 2021",
		"Domicilio", "Calle", "12 Calle Mayor",
		"Veterinario", "Clínica", "Clínica Norte",
		"Foto del perro", "toño.jpg (123.456 bytes, image/jpeg)", "SHA-256: "+photo.SHA256,
		"Página "+itoa(len(ps))+" de "+itoa(len(ps)))
}

func TestCopyForThePublicWithholdsPersonalAnswers(t *testing.T) {
	t.Parallel()
	f := load(t, dogLicence)
	sub := submission(t, f, answers, photo, papers)
	for _, tc := range []struct {
		name     string
		locale   string
		withheld string
	}{{"English", "en", "withheld"}, {"Spanish", "es", "reservado"}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc := write(t, f, sub, documents.CopyOptions{Locale: tc.locale, Reference: "DOG-2025-0042"})
			text := strings.Join(pages(t, doc), "\n")
			for _, pii := range []string{"Ana Ruiz", "ana@example.org", "12 Calle Mayor", "Springfield", "pedigree.pdf", papers.SHA256} {
				assert.NotContains(t, text, pii, "a public copy shows no personal answer")
			}
			assert.Equal(t, 4, strings.Count(text, tc.withheld), "owner, email, home and papers are each withheld once:\n%s", text)
			assert.NotContains(t, text, "[redacted", "the redaction mask is replaced by the language's word")
			// what is not personal is still there
			inOrder(t, text, "DOG-2025-0042", "Toño", "Clínica Norte", "toño.jpg", photo.SHA256)
			assert.NotContains(t, text, "Copy of your submission")
		})
	}
}

func TestCopyForStaffShowsPersonalAnswers(t *testing.T) {
	t.Parallel()
	f := load(t, dogLicence)
	sub := submission(t, f, answers, photo, papers)
	text := strings.Join(pages(t, write(t, f, sub, documents.CopyOptions{Audience: documents.Staff})), "\n")
	inOrder(t, text, "Copy of a submission", "Ana Ruiz Peña", "ana@example.org", "12 Calle Mayor", "pedigree.pdf", papers.SHA256)
	assert.NotContains(t, text, "withheld")
	assert.NotContains(t, text, "Reference", "no reference given, none shown")
}

func TestCopyIsTheSameForTheSameSubmission(t *testing.T) {
	t.Parallel()
	f := load(t, dogLicence)
	sub := submission(t, f, answers, photo, papers)
	opts := documents.CopyOptions{Locale: "es", Reference: "DOG-1", Audience: documents.Resident}
	first := write(t, f, sub, opts)
	time.Sleep(1100 * time.Millisecond) // a clock read anywhere would now differ
	assert.Equal(t, first, write(t, f, sub, opts), "the same input must give the same bytes")
	assert.Contains(t, string(first), "/CreationDate (D:20250304190500", "the creation date is the submitted time")

	other := sub
	other.SubmittedAt = submitted.Add(time.Hour)
	assert.NotEqual(t, first, write(t, f, other, opts))
}

func TestCopyListsFilesNoAnswerHolds(t *testing.T) {
	t.Parallel()
	f := load(t, dogLicence)
	sub := submission(t, f, `{"owner": "Ana", "dogName": "Rex", "vaccinated": true}`, photo, papers)
	text := pages(t, write(t, f, sub, documents.CopyOptions{Audience: documents.Resident}))[0]
	inOrder(t, text, "Rabies vaccine is up to date", "Yes", "Files",
		"Papers", "pedigree.pdf", papers.SHA256, "Photo of the dog", "toño.jpg", photo.SHA256)

	public := pages(t, write(t, f, sub, documents.CopyOptions{}))[0]
	inOrder(t, public, "Files", "Papers", "withheld", "Photo of the dog", "toño.jpg", photo.SHA256)
	assert.NotContains(t, public, "pedigree.pdf", "a personal field's file is withheld in a public copy")
}

func TestCopyNumbersThePagesOfALongCopy(t *testing.T) {
	t.Parallel()
	f := load(t, dogLicence)
	long := strings.Repeat("The dog is friendly and calm around children and other dogs. ", 320)
	data, err := json.Marshal(map[string]any{"owner": "Ana", "dogName": "Rex", "vaccinated": true, "notes": long[:19000]})
	require.NoError(t, err)
	sub := submission(t, f, string(data))
	ps := pages(t, write(t, f, sub, documents.CopyOptions{Reference: "DOG-7", Audience: documents.Resident}))
	require.Greater(t, len(ps), 2, "19,000 characters take several pages")
	for i, p := range ps {
		assert.Contains(t, p, "Reference: DOG-7", "page %d has the reference in its footer", i+1)
		assert.Contains(t, p, "Page "+itoa(i+1)+" of "+itoa(len(ps)), "page %d is numbered", i+1)
	}
	assert.Equal(t, squeeze(long[:19000]), squeeze(between(body(ps), "Anything else", "\x00")),
		"a long answer wraps and runs on across pages whole, each page's footer aside")
}

func TestCopyOfAHostileAnswer(t *testing.T) {
	t.Parallel()
	f := load(t, dogLicence)
	word := strings.Repeat("W", 10000)
	hostile := "start\x00\x07\x1b[31m\u202eevil\u202c {nb} \x01pages\x01 (unbalanced \\ paren " + word + "\r\nend"
	data, err := json.Marshal(map[string]any{"owner": "Ana", "dogName": "Rex", "vaccinated": true, "notes": hostile, "age": 3})
	require.NoError(t, err)
	// stored data is not checked again, whatever wrote it
	sub := f.Submission(data)
	ps := pages(t, write(t, f, sub, documents.CopyOptions{Audience: documents.Resident}))
	require.GreaterOrEqual(t, len(ps), 2, "a 10,000-character word wraps over pages")
	all := strings.Join(ps, "\n")
	for _, bad := range []string{"\x00", "\x07", "\x1b", "\u202e", "\x01", "\r"} {
		assert.NotContains(t, all, bad, "control characters are removed")
	}
	got := squeeze(between(all, "Anything else", "Page 1 of"))
	assert.True(t, strings.HasPrefix(got, squeeze("start[31mevil {nb} pages (unbalanced \\ paren ")),
		"the text around the control characters is kept, and {nb} is not taken for the page count: %.200q", got)
	assert.Equal(t, 10000, strings.Count(all, "W"), "the long word is broken across lines, not cut")
	inOrder(t, all, "W\n", "end", "Page "+itoa(len(ps))+" of "+itoa(len(ps)))
	for i, p := range ps {
		for _, line := range strings.Split(p, "\n") {
			assert.LessOrEqual(t, len(line), 120, "page %d: a line stays within the page", i+1)
		}
	}
}

func TestCopyOfASealedSubmission(t *testing.T) {
	t.Parallel()
	f := load(t, dogLicence)
	ring, err := keyring.New(keyring.Key{ID: "k1", Secret: bytes.Repeat([]byte{7}, 32)}, nil, nil)
	require.NoError(t, err)
	var values map[string]any
	require.NoError(t, json.Unmarshal([]byte(answers), &values))
	sealed, err := f.Seal(values, ring)
	require.NoError(t, err)
	data, err := json.Marshal(sealed)
	require.NoError(t, err)
	sub := f.Submission(data)
	sub.SubmittedAt = submitted

	var buf bytes.Buffer
	err = documents.WriteCopy(&buf, f, sub, documents.CopyOptions{Audience: documents.Resident})
	require.ErrorIs(t, err, adapters.ErrInvalidArgument, "a resident's copy cannot show a sealed answer")
	assert.Contains(t, err.Error(), "owner")

	text := pages(t, write(t, f, sub, documents.CopyOptions{}))[0]
	inOrder(t, text, "Your full name", "withheld", "Toño")
	assert.NotContains(t, text, "sealed")
}

func TestCopyInAnAddedLanguage(t *testing.T) {
	t.Parallel()
	f := load(t, dogLicence)
	sub := submission(t, f, answers, photo, papers)
	fr := documents.Text{Tag: "fr", YourCopy: "Copie de votre demande", Copy: "Copie d'une demande",
		Reference: "Référence", Submitted: "Envoyée", PageOf: "Page {page} sur {pages}", Withheld: "masqué",
		Yes: "Oui", No: "Non", Files: "Fichiers", Bytes: "octets",
		Months: [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		Date:   "2 January 2006", DateTime: "2 January 2006 à 15:04 MST"}
	text := strings.Join(pages(t, write(t, f, sub, documents.CopyOptions{Locale: "fr-CA", Texts: []documents.Text{fr},
		TimeZone: mustZone(t, "Europe/Paris")})), "\n")
	// the form has no French: its own texts fall back to English
	inOrder(t, text, "Copie d'une demande", "Dog licence", "Envoyée: 4 mars 2025 à 20:05 CET",
		"Your full name", "masqué", "Neutered", "Oui", "Rabies vaccine is up to date", "Non", "Date of birth", "5 mars 2021",
		"toño.jpg (123\u00a0456 octets, image/jpeg)", "Page 1 sur ")

	bad := fr
	bad.PageOf, bad.Yes = "Page {page}", ""
	err := documents.WriteCopy(&bytes.Buffer{}, f, sub, documents.CopyOptions{Texts: []documents.Text{bad}})
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "Yes is empty")
	assert.Contains(t, err.Error(), "PageOf")
}

func TestCopyRefusesBadInput(t *testing.T) {
	t.Parallel()
	f := load(t, dogLicence)
	for _, tc := range []struct {
		name string
		form *forms.Form
		data string
	}{
		{"NoForm", nil, `{}`},
		{"DataNotJSON", f, `{"owner": `},
		{"DataNotAnObject", f, `[1, 2]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			err := documents.WriteCopy(&buf, tc.form, adapters.Submission{Data: []byte(tc.data)}, documents.CopyOptions{})
			require.ErrorIs(t, err, adapters.ErrInvalidArgument)
			assert.Zero(t, buf.Len(), "nothing is written on an error")
		})
	}
}

func TestCopyPassesOnTheWritersError(t *testing.T) {
	t.Parallel()
	f := load(t, dogLicence)
	sub := submission(t, f, answers)
	boom := errors.New("disk full")
	err := documents.WriteCopy(failingWriter{boom}, f, sub, documents.CopyOptions{})
	require.ErrorIs(t, err, boom)
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func itoa(n int) string { return strconv.Itoa(n) }

// body joins the pages without their footers (the reference and the
// page number, drawn last on each page).
func body(ps []string) string {
	var b strings.Builder
	for _, p := range ps {
		lines := strings.Split(strings.TrimRight(p, "\n"), "\n")
		if n := len(lines); n > 0 && strings.HasPrefix(lines[n-1], "Page ") {
			lines = lines[:n-1]
		}
		if n := len(lines); n > 0 && strings.HasPrefix(lines[n-1], "Reference: ") {
			lines = lines[:n-1]
		}
		b.WriteString(strings.Join(lines, "\n") + "\n")
	}
	return b.String()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// squeeze drops all white space, since wrapping turns a space into a
// line break and drops the space it broke at.
func squeeze(s string) string { return strings.Join(strings.Fields(s), "") }

// between returns the text after the first from, up to the next to.
func between(s, from, to string) string {
	_, after, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	before, _, _ := strings.Cut(after, to)
	return before
}

// household has a repeating group: an array of objects, each row a
// household member.
const household = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "x-form": {"id": "benefits", "version": 1},
  "title": "Benefits application", "x-title": {"es": "Solicitud de beneficios"},
  "type": "object", "required": ["applicant"],
  "properties": {
    "applicant": {"type": "string", "title": "Applicant", "x-title": {"es": "Solicitante"}, "x-pii": "identity"},
    "members": {"type": "array", "title": "Household members", "x-title": {"es": "Miembros del hogar"},
      "items": {"type": "object", "title": "Household member", "x-title": {"es": "Miembro del hogar"},
        "required": ["name"],
        "properties": {
          "name": {"type": "string", "title": "Name", "x-title": {"es": "Nombre"}},
          "dob": {"type": "string", "format": "date", "title": "Date of birth", "x-title": {"es": "Fecha de nacimiento"}, "x-pii": "demographic"},
          "student": {"type": "boolean", "title": "Student", "x-title": {"es": "Estudiante"}},
          "proof": {"type": "string", "title": "Proof of income", "x-title": {"es": "Comprobante de ingresos"},
                    "x-widget": "file", "x-accept": ["application/pdf"]}}}},
    "signed": {"type": "boolean", "title": "I confirm this is true", "x-title": {"es": "Confirmo que es verdad"}}
  }
}`

func TestCopyOfARepeatingGroupHasEachRow(t *testing.T) {
	t.Parallel()
	f := load(t, household)
	members, ok := f.Field("members")
	require.True(t, ok)
	require.NotEmpty(t, members.Fields, "an array of objects is a repeating group of the row's fields")
	rt, ok := any(members).(interface{ RowTitle(string, int) string })
	require.True(t, ok, "a repeating group names its rows")
	proof := adapters.FileRef{ID: "file-proof", Field: "members.1.proof", Name: "payslip.pdf", Type: "application/pdf", Size: 999,
		SHA256: "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"}
	sub := submission(t, f, `{"applicant": "Ana Ruiz", "signed": true, "members": [
		{"name": "Luis Ruiz", "dob": "1990-07-14", "student": false},
		{"name": "Sofía Ruiz", "dob": "2008-01-30", "student": true, "proof": "file-proof"}]}`, proof)

	es := strings.Join(pages(t, write(t, f, sub, documents.CopyOptions{Locale: "es", Audience: documents.Resident})), "\n")
	inOrder(t, es, "Solicitante", "Ana Ruiz", "Miembros del hogar",
		rt.RowTitle("es", 1), "Nombre", "Luis Ruiz", "Fecha de nacimiento", "14 de julio de 1990", "Estudiante", "No",
		rt.RowTitle("es", 2), "Nombre", "Sofía Ruiz", "Fecha de nacimiento", "30 de enero de 2008", "Estudiante", "Sí",
		"Comprobante de ingresos", "payslip.pdf (999 bytes, application/pdf)", "SHA-256: "+proof.SHA256,
		"Confirmo que es verdad", "Sí")
	assert.NotEqual(t, rt.RowTitle("es", 1), rt.RowTitle("es", 2))

	public := strings.Join(pages(t, write(t, f, sub, documents.CopyOptions{Locale: "en"})), "\n")
	inOrder(t, public, "Applicant", "withheld", rt.RowTitle("en", 1), "Luis Ruiz", "Date of birth", "withheld",
		rt.RowTitle("en", 2), "Sofía Ruiz", "Date of birth", "withheld", "payslip.pdf")
	for _, pii := range []string{"Ana Ruiz", "1990", "2008"} {
		assert.NotContains(t, public, pii, "a personal answer inside a row is withheld in a public copy")
	}

	staff := strings.Join(pages(t, write(t, f, sub, documents.CopyOptions{Audience: documents.Staff})), "\n")
	inOrder(t, staff, "Ana Ruiz", rt.RowTitle("en", 1), "Luis Ruiz", "July 14, 1990",
		rt.RowTitle("en", 2), "Sofía Ruiz", "January 30, 2008", "payslip.pdf", proof.SHA256)
	assert.NotContains(t, staff, "Files", "the row's file is drawn in its row, not listed apart")
}
