package letter

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"

	"github.com/civickit/civickit/adapters"
)

// The page's measures, in millimetres.
const (
	minMargin      = 10   // the least distance of the window from the page's edges
	minWindowWidth = 60   // the narrowest window an address is laid out in
	windowPad      = 1    // the space between the window's edge and the address's cell
	cellMargin     = 1    // fpdf's space inside a cell, before its text
	addressLeading = 4.2  // one address line, 10 pt type
	returnTop      = 12.7 // the return address's first line
	returnLeading  = 4    // one return address line, 9 pt type
	bodyLeading    = 5    // one body line, 11 pt type
	belowWindow    = 10   // from the window's bottom to the date
	nextPageTop    = 20   // where the text starts on pages after the first
	bottomMargin   = 25   // the body stops this far above the page's foot
	footerFromFoot = 15   // the page number's line
	maxLocale      = 64   // a locale longer than this is cut before parsing
	pagesAlias     = "{nb}"
)

var spanish = language.MustParseBase("es")

// texts are the fixed words of a letter in one language.
type texts struct {
	lang              string // the PDF's language
	reference, pageOf string // pageOf holds %d for the page and the alias for the count
	date              func(time.Time) string
}

var (
	english = texts{lang: "en", reference: "Reference", pageOf: "Page %d of " + pagesAlias, date: func(t time.Time) string {
		return t.Format("January 2, 2006")
	}}
	spanishTexts = texts{lang: "es", reference: "Referencia", pageOf: "Página %d de " + pagesAlias, date: func(t time.Time) string {
		return strconv.Itoa(t.Day()) + " de " + meses[t.Month()-1] + " de " + strconv.Itoa(t.Year())
	}}
	meses = [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
		"septiembre", "octubre", "noviembre", "diciembre"}
)

func textsFor(locale string) texts {
	if len(locale) > maxLocale {
		locale = locale[:maxLocale]
	}
	if base, _ := language.Make(locale).Base(); base == spanish {
		return spanishTexts
	}
	return english
}

// rendered is one laid-out letter.
type rendered struct {
	pdf     []byte
	address []string // the recipient's lines as printed
	pages   int
}

// Render lays m out as a letter dated at (told in Config.TimeZone) and
// returns the PDF. The same message and time give the same bytes. A
// message that cannot be laid out fails with a permanent
// *adapters.SendError wrapping adapters.ErrInvalidArgument.
func (c *Channel) Render(m adapters.Outgoing, at time.Time) ([]byte, error) {
	r, err := c.render(m, at)
	if err != nil {
		return nil, err
	}
	return r.pdf, nil
}

func (c *Channel) render(m adapters.Outgoing, at time.Time) (rendered, error) {
	invalid := func(format string, args ...any) (rendered, error) {
		err := fmt.Errorf("letter: message %q: "+format+": %w", append(append([]any{short(m.MessageID)}, args...), adapters.ErrInvalidArgument)...)
		return rendered{}, adapters.Permanent("", err)
	}
	if len(m.Text) > MaxBody {
		return invalid("the text has %d bytes, at most %d", len(m.Text), MaxBody)
	}
	if n := utf8.RuneCountInString(m.Subject); n > MaxSubject {
		return invalid("the subject has %d characters, at most %d", n, MaxSubject)
	}
	if n := utf8.RuneCountInString(m.CaseID); n > MaxCaseID {
		return invalid("the case id has %d characters, at most %d", n, MaxCaseID)
	}
	if len(m.To) > MaxAddressLines*MaxAddressLine*utf8.UTFMax*2 {
		return invalid("the postal address has %d bytes", len(m.To))
	}
	var address []string
	for l := range strings.Lines(strings.ReplaceAll(strings.ReplaceAll(m.To, "\r\n", "\n"), "\r", "\n")) {
		if l = oneLine(l); l != "" {
			address = append(address, l)
		}
	}
	switch {
	case len(address) == 0:
		return invalid("no postal address")
	case len(address) > MaxAddressLines:
		return invalid("the postal address has %d lines, at most %d", len(address), MaxAddressLines)
	}
	for i, l := range address {
		if n := utf8.RuneCountInString(l); n > MaxAddressLine {
			return invalid("address line %d has %d characters, at most %d", i+1, n, MaxAddressLine)
		}
	}

	words := textsFor(m.Locale)
	pw, ph := c.cfg.Paper.size()
	left := c.env.Left + windowPad
	pdf := fpdf.New("P", "mm", c.cfg.Paper.String(), "")
	tr := pdf.UnicodeTranslatorFromDescriptor("") // Windows-1252, the core fonts' encoding
	pdf.SetCreationDate(at.UTC())
	pdf.SetModificationDate(at.UTC())
	pdf.SetCatalogSort(true)
	pdf.SetCreator("civickit", false)
	pdf.SetLang(words.lang)
	pdf.SetMargins(left, nextPageTop, left)
	pdf.SetAutoPageBreak(true, bottomMargin)
	pdf.AliasNbPages(pagesAlias)
	pdf.SetFooterFunc(func() {
		pdf.SetXY(left, ph-footerFromFoot)
		pdf.SetFont("Helvetica", "", 9)
		pdf.CellFormat(0, 5, tr(fmt.Sprintf(words.pageOf, pdf.PageNo())), "", 0, "R", false, 0, "")
	})
	full := false
	pdf.SetAcceptPageBreakFunc(func() bool {
		full = pdf.PageCount() >= c.maxPages
		return !full
	})

	// the recipient first: an address the window cannot hold is refused
	// before anything else is drawn
	pdf.SetFont("Helvetica", "", 10)
	inner := c.env.Width - 2*windowPad
	for i, l := range address {
		if w := pdf.GetStringWidth(tr(l)); w > inner-2*cellMargin {
			return invalid("address line %d is %.0f mm wide; the %s window holds %.0f mm", i+1, w, c.env.Name, inner-2*cellMargin)
		}
	}
	pdf.AddPage()
	for i, l := range address {
		pdf.SetXY(left, c.env.Top+windowPad+float64(i)*addressLeading)
		pdf.CellFormat(inner, addressLeading, tr(l), "", 0, "L", false, 0, "")
	}

	pdf.SetFont("Helvetica", "", 9)
	for i, l := range c.sender {
		if i == 0 && oneLine(c.cfg.SenderName) != "" {
			pdf.SetFont("Helvetica", "B", 9)
		} else {
			pdf.SetFont("Helvetica", "", 9)
		}
		pdf.SetXY(left, returnTop+float64(i)*returnLeading)
		pdf.CellFormat(pw-2*left, returnLeading, tr(l), "", 0, "L", false, 0, "")
	}

	pdf.SetFont("Helvetica", "", 11)
	pdf.SetXY(left, c.env.Top+c.env.Height+belowWindow)
	pdf.CellFormat(0, bodyLeading, tr(words.date(at.In(c.tz))), "", 1, "L", false, 0, "")
	if id := oneLine(m.CaseID); id != "" {
		pdf.CellFormat(0, bodyLeading, tr(words.reference+": "+id), "", 1, "L", false, 0, "")
	}
	pdf.Ln(bodyLeading)
	if subject := oneLine(m.Subject); subject != "" {
		pdf.SetFont("Helvetica", "B", 11)
		pdf.MultiCell(0, bodyLeading, tr(subject), "", "L", false)
		pdf.SetFont("Helvetica", "", 11)
		pdf.Ln(bodyLeading / 2)
	}
	for _, p := range paragraphs(clean(m.Text)) {
		pdf.MultiCell(0, bodyLeading, tr(p), "", "L", false)
		if full {
			break
		}
		pdf.Ln(bodyLeading / 2)
	}
	if full {
		return invalid("the letter is longer than %d pages", c.maxPages)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return rendered{}, adapters.Permanent("", fmt.Errorf("letter: message %q: %w", short(m.MessageID), err))
	}
	return rendered{pdf: buf.Bytes(), address: address, pages: pdf.PageCount()}, nil
}

// short cuts an id for an error message.
func short(id string) string {
	const maxID = 128
	if len(id) <= maxID {
		return id
	}
	for i := maxID; i > 0; i-- {
		if utf8.RuneStart(id[i]) {
			return id[:i] + "…"
		}
	}
	return ""
}

// paragraphs splits text at blank lines; the lines of one paragraph stay
// apart.
func paragraphs(text string) []string {
	var out []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.Join(cur, "\n"))
			cur = cur[:0]
		}
	}
	for l := range strings.SplitSeq(text, "\n") {
		l = strings.TrimRightFunc(l, unicode.IsSpace)
		if l == "" {
			flush()
			continue
		}
		cur = append(cur, l)
	}
	flush()
	return out
}

// oneLine cleans s and joins its lines with spaces.
func oneLine(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(clean(s), "\n", " "))
}

// clean makes text printable in Windows-1252 as the package doc says:
// composed form, line breaks kept ("\r\n" and "\r" become "\n"), tabs as
// spaces, control and format characters removed, and
// characters Windows-1252 lacks as their base letter or "?".
func clean(s string) string {
	if printableASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	// invalid UTF-8 first, so normalizing sees only runes
	for i, r := range s {
		switch {
		case r == utf8.RuneError: // invalid UTF-8, or U+FFFD, which Windows-1252 lacks too
			b.WriteByte('?')
		case r == '\r':
			if !strings.HasPrefix(s[i+1:], "\n") {
				b.WriteByte('\n')
			}
		case r == '\n':
			b.WriteByte('\n')
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == '\u2028', r == '\u2029':
			// Cf holds the bidirectional controls, zero-width characters
			// and the soft hyphen, which would print as a visible hyphen
			continue
		default:
			b.WriteRune(r)
		}
	}
	composed := norm.NFC.String(b.String())
	b.Reset()
	for _, r := range composed {
		if _, ok := charmap.Windows1252.EncodeRune(r); r == '\n' || ok && !unicode.IsControl(r) {
			b.WriteRune(r)
			continue
		}
		b.WriteRune(fallback(r))
	}
	return b.String()
}

// fallback is what prints for a rune Windows-1252 lacks: its base letter
// when it decomposes to one, otherwise "?".
func fallback(r rune) rune {
	d := norm.NFD.String(string(r))
	base, n := utf8.DecodeRuneInString(d)
	if n > 0 && n < len(d) && !unicode.Is(unicode.Mn, base) {
		if _, ok := charmap.Windows1252.EncodeRune(base); ok && !unicode.IsControl(base) {
			return base
		}
	}
	if unicode.IsSpace(r) {
		return ' '
	}
	return '?'
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\n') || c > '~' {
			return false
		}
	}
	return true
}
