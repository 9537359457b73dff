package letter_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/letter"
)

// refusePrinter fails the test when anything reaches it.
type refusePrinter struct{ t testing.TB }

func (p refusePrinter) Print(context.Context, letter.Job) (string, error) {
	p.t.Error("nothing reaches the printer")
	return "", errors.New("unexpected print")
}

var dec1 = time.Date(2026, 12, 1, 15, 4, 5, 0, time.UTC)

func config(t testing.TB) letter.Config {
	return letter.Config{Printer: refusePrinter{t}, SenderName: "City of Springfield", SenderDepartment: "Public Works",
		ReturnAddress: []string{"100 Main Street", "Springfield, IL 62701"}}
}

func newChannel(t testing.TB, cfg letter.Config) *letter.Channel {
	t.Helper()
	ch, err := letter.New(cfg)
	require.NoError(t, err)
	return ch
}

func render(t testing.TB, cfg letter.Config, m adapters.Outgoing, at time.Time) []page {
	t.Helper()
	doc, err := newChannel(t, cfg).Render(m, at)
	require.NoError(t, err)
	return read(t, doc)
}

var english = adapters.Outgoing{MessageID: "m-1", IdempotencyKey: "k-1", CaseID: "PW-2026-0042", Locale: "en-US",
	To:      "Ana Ruiz\nApartment 4B\n12 Calle Mayor\nSpringfield, IL 62704",
	Subject: "Your pothole report is closed",
	Text:    "Dear Ana,\n\nThe crew filled the pothole on Calle Mayor today.\nThank you for reporting it.\n\nThe Public Works team"}

// inWindow asserts that r's glyphs lie inside the envelope's window.
func inWindow(t *testing.T, env letter.Envelope, r run) {
	t.Helper()
	assert.GreaterOrEqual(t, r.X, env.Left, "%v starts inside the window's left edge", r)
	assert.LessOrEqual(t, r.X+r.width(t), env.Left+env.Width, "%v ends inside the window's right edge", r)
	assert.GreaterOrEqual(t, r.top(), env.Top, "%v stays below the window's top edge", r)
	assert.LessOrEqual(t, r.bottom(), env.Top+env.Height, "%v stays above the window's bottom edge", r)
}

func TestEnglishLetterPlacesEveryPart(t *testing.T) {
	t.Parallel()
	pages := render(t, config(t), english, dec1)
	require.Len(t, pages, 1)
	pg := pages[0]
	assert.InDelta(t, 215.9, pg.W, 0.1, "Letter paper is 8 1/2 inches wide")
	assert.InDelta(t, 279.4, pg.H, 0.1, "Letter paper is 11 inches high")
	env := letter.EnvelopeUS10

	var prev run
	for i, l := range []string{"Ana Ruiz", "Apartment 4B", "12 Calle Mayor", "Springfield, IL 62704"} {
		r := find(t, pg, l)
		inWindow(t, env, r)
		assert.Equal(t, 10.0, r.Size, "the address is in 10 pt type")
		if i > 0 {
			assert.Greater(t, r.Y, prev.Y, "address line %d is under line %d", i+1, i)
			assert.Equal(t, prev.X, r.X, "the address lines are aligned left")
		}
		prev = r
	}

	for i, l := range []string{"City of Springfield", "Public Works", "100 Main Street", "Springfield, IL 62701"} {
		r := find(t, pg, l)
		assert.Less(t, r.X, 30.0, "%v is at the left of the page", r)
		assert.Less(t, r.bottom(), env.Top, "%v is above the window, so the window shows only the recipient", r)
		if i == 0 {
			assert.InDelta(t, 12.7, r.top(), 2, "the return address starts 1/2 inch from the top of the page: %v", r)
			assert.Equal(t, "Helvetica-Bold", r.Font, "the sender's name is bold")
		} else {
			assert.Greater(t, r.Y, prev.Y, "return address line %d is under line %d", i+1, i)
		}
		prev = r
	}

	date := find(t, pg, "December 1, 2026")
	ref := find(t, pg, "Reference: PW-2026-0042")
	subject := find(t, pg, "Your pothole report is closed")
	body := []run{find(t, pg, "Dear Ana,"), find(t, pg, "The crew filled the pothole on Calle Mayor today."),
		find(t, pg, "Thank you for reporting it."), find(t, pg, "The Public Works team")}
	assert.Greater(t, date.top(), env.Top+env.Height, "the date is below the window")
	assert.Greater(t, ref.Y, date.Y, "the reference is under the date")
	assert.Greater(t, subject.Y, ref.Y, "the subject is under the reference")
	assert.Equal(t, "Helvetica-Bold", subject.Font, "the subject is bold")
	prev = subject
	for _, r := range body {
		assert.Greater(t, r.Y, prev.Y, "%v comes after %v", r, prev)
		assert.Equal(t, "Helvetica", r.Font)
		assert.LessOrEqual(t, r.X+r.width(t), pg.W-20, "%v stays inside the right margin", r)
		prev = r
	}
	assert.Greater(t, body[2].Y-body[1].Y, 4.0, "a line break in a paragraph is a new line")
	assert.Greater(t, body[1].Y-body[0].Y, body[2].Y-body[1].Y, "a blank line starts a paragraph with space above it")

	footer := find(t, pg, "Page 1 of 1")
	assert.Greater(t, footer.Y, pg.H-20, "the page number is in the footer")
	assert.Greater(t, footer.X, pg.W/2, "the page number is at the right")
	assert.Len(t, pg.Runs, 4+4+3+4+1, "nothing else is drawn:\n%s", dump(pg))
}

func TestSpanishLetterRoundTripsAccentsAndTellsTheDateInSpanish(t *testing.T) {
	t.Parallel()
	cfg := config(t)
	chicago, err := time.LoadLocation("America/Chicago")
	require.NoError(t, err)
	cfg.TimeZone = chicago
	m := adapters.Outgoing{MessageID: "m-2", CaseID: "PW-7", Locale: "es-MX",
		To:      "José Núñez Peña\nCalle Año Nuevo 5\nSpringfield, IL 62704",
		Subject: "¿Recibió su permiso?",
		Text:    "Estimado señor Núñez:\n\n¡Su permiso está aprobado! Pingüino, acción, corazón."}
	// 03:00 on December 2 in UTC is still December 1 in Chicago
	pages := render(t, cfg, m, time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC))
	require.Len(t, pages, 1)
	pg := pages[0]
	for _, l := range []string{"José Núñez Peña", "Calle Año Nuevo 5"} {
		inWindow(t, letter.EnvelopeUS10, find(t, pg, l))
	}
	date := find(t, pg, "1 de diciembre de 2026")
	ref := find(t, pg, "Referencia: PW-7")
	subject := find(t, pg, "¿Recibió su permiso?")
	body := find(t, pg, "¡Su permiso está aprobado! Pingüino, acción, corazón.")
	find(t, pg, "Estimado señor Núñez:")
	assert.Less(t, date.Y, ref.Y)
	assert.Less(t, ref.Y, subject.Y)
	assert.Less(t, subject.Y, body.Y)
	footer := find(t, pg, "Página 1 de 1")
	assert.Greater(t, footer.Y, pg.H-20, "the page number is in the footer")
}

func TestDatesInEveryMonth(t *testing.T) {
	t.Parallel()
	ch := newChannel(t, config(t))
	en := []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	es := []string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"}
	for i := range 12 {
		at := time.Date(2027, time.Month(i+1), 9, 12, 0, 0, 0, time.UTC)
		for _, c := range []struct{ locale, want string }{
			{"en", en[i] + " 9, 2027"}, {"es", "9 de " + es[i] + " de 2027"}, {"fr-CA", en[i] + " 9, 2027"},
		} {
			m := english
			m.Locale = c.locale
			doc, err := ch.Render(m, at)
			require.NoError(t, err)
			find(t, read(t, doc)[0], c.want)
		}
	}
}

func TestLongLetterBreaksAcrossPagesWithPageNumbers(t *testing.T) {
	t.Parallel()
	var paras []string
	for i := range 60 {
		paras = append(paras, fmt.Sprintf("Paragraph %02d. The council met and the crew worked on the road while the residents waited for the report to come out in the mail.", i))
	}
	m := english
	m.Text = strings.Join(paras, "\n\n")
	for _, locale := range []string{"en", "es"} {
		m.Locale = locale
		pages := render(t, config(t), m, dec1)
		require.GreaterOrEqual(t, len(pages), 3, "sixty paragraphs fill more than two pages")
		all := ""
		for i, pg := range pages {
			want := fmt.Sprintf("Page %d of %d", i+1, len(pages))
			if locale == "es" {
				want = fmt.Sprintf("Página %d de %d", i+1, len(pages))
			}
			footer := find(t, pg, want)
			assert.Greater(t, footer.Y, pg.H-20, "page %d's number is in its footer", i+1)
			for _, r := range pg.Runs {
				if r == footer {
					continue
				}
				assert.Less(t, r.bottom(), footer.top()-5, "%v stays above the footer", r)
				assert.GreaterOrEqual(t, r.top(), 10.0, "%v stays inside the top margin", r)
				assert.LessOrEqual(t, r.X+r.width(t), pg.W-20, "%v stays inside the right margin", r)
				all += r.Text + " "
			}
			if i > 0 {
				assert.Less(t, pg.Runs[0].top(), 30.0, "page %d's text starts at its top: %v", i+1, pg.Runs[0])
			}
		}
		last := -1
		for i := range 60 {
			at := strings.Index(all, fmt.Sprintf("Paragraph %02d.", i))
			require.Greater(t, at, last, "paragraph %d is printed, after paragraph %d", i, i-1)
			assert.Equal(t, 1, strings.Count(all, fmt.Sprintf("Paragraph %02d.", i)), "paragraph %d is printed once", i)
			last = at
		}
	}
}

func TestA4LetterUsesTheDLWindow(t *testing.T) {
	t.Parallel()
	cfg := config(t)
	cfg.Paper = letter.A4
	pages := render(t, cfg, english, dec1)
	require.Len(t, pages, 1)
	pg := pages[0]
	assert.InDelta(t, 210, pg.W, 0.1, "A4 is 210 mm wide")
	assert.InDelta(t, 297, pg.H, 0.1, "A4 is 297 mm high")
	for _, l := range []string{"Ana Ruiz", "Apartment 4B", "12 Calle Mayor", "Springfield, IL 62704"} {
		r := find(t, pg, l)
		inWindow(t, letter.EnvelopeDL, r)
		assert.InDelta(t, 22, r.X, 0.5, "the address starts 2 mm inside the DIN 5008 address field, 20 mm from the left edge")
	}
	assert.Greater(t, find(t, pg, "December 1, 2026").top(), 90.0, "the date is below the DIN 5008 address field")
}

func TestSixLineAddressAndWidestLineFitTheWindow(t *testing.T) {
	t.Parallel()
	for _, cfg := range []letter.Config{config(t), func() letter.Config { c := config(t); c.Paper = letter.A4; return c }()} {
		env := letter.EnvelopeUS10
		if cfg.Paper == letter.A4 {
			env = letter.EnvelopeDL
		}
		lines := []string{"Attn: Records", "Ana Ruiz", "Springfield Housing Co-op", "Apartment 4B", "12 Calle Mayor", "Springfield, IL 62704-1234"}
		m := english
		m.To = strings.Join(lines, "\n")
		pg := render(t, cfg, m, dec1)[0]
		for _, l := range lines {
			inWindow(t, env, find(t, pg, l))
		}
	}
}

func TestCharactersOutsideWindows1252AreReplaced(t *testing.T) {
	t.Parallel()
	m := english
	m.To = "Zoë Łukasz Győr\r\nRoad\t5"
	m.Subject = "Caf\u0065\u0301 \u202eevil\u202c \u6f22\u5b57"
	m.Text = "Bad \xff byte, \u0007bell, \u200bzero width, soft\u00adhyphen, \u2014 dash, \u20ac euro."
	pg := render(t, config(t), m, dec1)[0]
	inWindow(t, letter.EnvelopeUS10, find(t, pg, "Zoë ?ukasz Gyor"))
	inWindow(t, letter.EnvelopeUS10, find(t, pg, "Road 5"))
	find(t, pg, "Café evil ??")
	find(t, pg, "Bad ? byte, bell, zero width, softhyphen, — dash, € euro.")
}

func TestSameMessageAndTimeGiveTheSameBytes(t *testing.T) {
	t.Parallel()
	ch := newChannel(t, config(t))
	a, err := ch.Render(english, dec1)
	require.NoError(t, err)
	b, err := ch.Render(english, dec1)
	require.NoError(t, err)
	assert.Equal(t, a, b)
	c, err := ch.Render(english, dec1.Add(24*time.Hour))
	require.NoError(t, err)
	assert.NotEqual(t, a, c, "another day is another letter")
}

func TestInvalidMessagesAreRefusedPermanently(t *testing.T) {
	t.Parallel()
	var long []string
	for range 40 {
		long = append(long, strings.Repeat("word ", 60))
	}
	cases := []struct {
		name string
		edit func(*adapters.Outgoing)
		cfg  func(*letter.Config)
		want string
	}{
		{name: "EmptyAddress", edit: func(m *adapters.Outgoing) { m.To = "" }, want: "no postal address"},
		{name: "BlankAddress", edit: func(m *adapters.Outgoing) { m.To = " \n\t\n\u200b" }, want: "no postal address"},
		{name: "SevenLines", edit: func(m *adapters.Outgoing) { m.To = "1\n2\n3\n4\n5\n6\n7" }, want: "7 lines, at most 6"},
		{name: "LineOfManyCharacters", edit: func(m *adapters.Outgoing) { m.To = "Ana\n" + strings.Repeat("a", 61) }, want: "address line 2 has 61 characters"},
		{name: "LineWiderThanTheWindow", edit: func(m *adapters.Outgoing) { m.To = strings.Repeat("W", 40) }, want: "address line 1 is"},
		{name: "LineWiderThanTheDLWindow", edit: func(m *adapters.Outgoing) { m.To = strings.Repeat("M", 30) },
			cfg: func(c *letter.Config) { c.Paper = letter.A4 }, want: "DL (DIN 5008 form B) window"},
		{name: "BodyOverTheBound", edit: func(m *adapters.Outgoing) { m.Text = strings.Repeat("a", letter.MaxBody+1) }, want: "bytes, at most"},
		{name: "SubjectOverTheBound", edit: func(m *adapters.Outgoing) { m.Subject = strings.Repeat("s", letter.MaxSubject+1) }, want: "subject"},
		{name: "CaseIDOverTheBound", edit: func(m *adapters.Outgoing) { m.CaseID = strings.Repeat("c", letter.MaxCaseID+1) }, want: "case id"},
		{name: "MorePagesThanAllowed", edit: func(m *adapters.Outgoing) { m.Text = strings.Join(long, "\n\n") },
			cfg: func(c *letter.Config) { c.MaxPages = 2 }, want: "longer than 2 pages"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg := config(t)
			if c.cfg != nil {
				c.cfg(&cfg)
			}
			ch := newChannel(t, cfg)
			m := english
			c.edit(&m)
			doc, err := ch.Render(m, dec1)
			require.Error(t, err)
			assert.Nil(t, doc)
			assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
			assert.True(t, adapters.IsPermanent(err), "a message that cannot be laid out is not retried: %v", err)
			assert.Contains(t, err.Error(), c.want)
			assert.Contains(t, err.Error(), `"m-1"`, "the error names the message")
			assert.NotContains(t, err.Error(), "Ruiz", "the error does not hold the address")

			_, err = ch.Send(context.Background(), m) // refusePrinter fails the test if reached
			assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
			assert.True(t, adapters.IsPermanent(err))
		})
	}
}

func TestConfigValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := letter.New(letter.Config{})
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "no Printer")
	assert.Contains(t, err.Error(), "no ReturnAddress")

	cfg := config(t)
	cfg.ReturnAddress = []string{"1", "2", "3", "4", "5", "6"}
	cfg.MaxPages = letter.MaxMaxPages + 1
	cfg.Paper = letter.Paper(7)
	cfg.SenderName = strings.Repeat("n", letter.MaxAddressLine+1)
	err = cfg.Validate()
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	for _, want := range []string{"ReturnAddress has 6 lines", "MaxPages 51", "unknown paper Paper(7)", "return address line 1 has 61 characters"} {
		assert.Contains(t, err.Error(), want)
	}

	cfg = config(t)
	cfg.ReturnAddress = []string{"1", "2", "3", "4", "5"}
	cfg.Envelope = letter.Envelope{Name: "high", Left: 20, Top: 35, Width: 100, Height: 30}
	err = cfg.Validate()
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "the return address's 7 lines do not fit above the envelope window")

	for _, env := range []letter.Envelope{
		{Name: "tiny", Left: 20, Top: 50, Width: 40, Height: 10},
		{Name: "off the page", Left: 150, Top: 50, Width: 114, Height: 30},
		{Name: "too low", Left: 20, Top: 200, Width: 100, Height: 30},
	} {
		cfg := config(t)
		cfg.Envelope = env
		err := cfg.Validate()
		require.ErrorIs(t, err, adapters.ErrInvalidArgument, "envelope %q", env.Name)
		assert.Contains(t, err.Error(), env.Name)
	}

	cfg = config(t)
	cfg.Envelope = letter.Envelope{Name: "custom", Left: 25, Top: 55, Width: 100, Height: 30}
	require.NoError(t, cfg.Validate(), "a window that holds six lines inside the page is accepted")
}

func TestErrorsCutALongMessageID(t *testing.T) {
	t.Parallel()
	m := english
	m.MessageID, m.To = strings.Repeat("é", 1000), ""
	_, err := newChannel(t, config(t)).Render(m, dec1)
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	assert.Less(t, len(err.Error()), 300, "an error names the message by its id's first bytes: %v", err)
	assert.Contains(t, err.Error(), "…")
}
