package letter_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/go-pdf/fpdf"
	"github.com/ledongthuc/pdf"
	"github.com/stretchr/testify/require"
)

// run is one string drawn on a page, placed in millimetres from the
// page's top-left corner: X where it starts, Y its baseline.
type run struct {
	Page int
	X, Y float64
	Size float64 // points
	Font string
	Text string
}

func (r run) String() string {
	return fmt.Sprintf("page %d (%.1f, %.1f) %s %.0fpt %q", r.Page, r.X, r.Y, r.Font, r.Size, r.Text)
}

// width is the run's width in millimetres, measured with the same font
// metrics the letter was laid out with.
func (r run) width(t testing.TB) float64 {
	t.Helper()
	measure.Lock()
	defer measure.Unlock()
	if measure.pdf == nil {
		measure.pdf = fpdf.New("P", "mm", "Letter", "")
		measure.tr = measure.pdf.UnicodeTranslatorFromDescriptor("")
	}
	style := ""
	if strings.HasSuffix(r.Font, "-Bold") {
		style = "B"
	}
	measure.pdf.SetFont("Helvetica", style, r.Size)
	w := measure.pdf.GetStringWidth(measure.tr(r.Text))
	require.NoError(t, measure.pdf.Error())
	return w
}

// measure is one document the tests measure strings with.
var measure struct {
	sync.Mutex
	pdf *fpdf.Fpdf
	tr  func(string) string
}

// top and bottom are how far the run's glyphs reach above and below the
// baseline: Helvetica's ascender and descender.
func (r run) top() float64    { return r.Y - 0.718*r.Size*ptToMM }
func (r run) bottom() float64 { return r.Y + 0.207*r.Size*ptToMM }

const ptToMM = 25.4 / 72

// page is one page as a reader sees it.
type page struct {
	W, H float64 // millimetres
	Runs []run
}

// read opens doc with a PDF reader and returns every string drawn on
// every page. The core fonts carry no widths, so the reader places each
// glyph of one string at the string's start: consecutive glyphs at one
// point are one run.
func read(t testing.TB, doc []byte) []page {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	require.NoError(t, err, "the letter is a PDF a reader opens")
	out := make([]page, r.NumPage())
	for p := range out {
		pg := r.Page(p + 1)
		box := pg.V.Key("MediaBox")
		if box.Len() != 4 {
			box = pg.V.Key("Parent").Key("MediaBox") // inherited from the page tree
		}
		require.Equal(t, 4, box.Len(), "page %d has a media box", p+1)
		out[p].W, out[p].H = box.Index(2).Float64()*ptToMM, box.Index(3).Float64()*ptToMM
		var cur *run
		for _, g := range pg.Content().Text {
			x, y := g.X*ptToMM, out[p].H-g.Y*ptToMM
			if cur != nil && cur.X == x && cur.Y == y && cur.Font == g.Font {
				cur.Text += g.S
				continue
			}
			out[p].Runs = append(out[p].Runs, run{Page: p + 1, X: x, Y: y, Size: g.FontSize, Font: g.Font, Text: g.S})
			cur = &out[p].Runs[len(out[p].Runs)-1]
		}
	}
	return out
}

// find returns the run on pg whose text is s, failing the test when
// there is none or more than one.
func find(t testing.TB, pg page, s string) run {
	t.Helper()
	var found []run
	for _, r := range pg.Runs {
		if r.Text == s {
			found = append(found, r)
		}
	}
	require.Len(t, found, 1, "%q is drawn once on the page; the page holds:\n%s", s, dump(pg))
	return found[0]
}

func dump(pg page) string {
	var b strings.Builder
	for _, r := range pg.Runs {
		b.WriteString(r.String() + "\n")
	}
	return b.String()
}
