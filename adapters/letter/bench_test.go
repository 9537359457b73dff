package letter_test

import (
	"testing"
)

// BenchmarkRenderLetter lays out a one-page letter: return address,
// window address, date, reference, subject and three paragraphs.
func BenchmarkRenderLetter(b *testing.B) {
	ch := newChannel(b, config(b))
	m := english
	m.Text += "\n\nThe crew will come back within two weeks to seal the edges of the patch, and will leave a notice on your door the day before. " +
		"If the patch sinks or cracks before then, reply to this letter or call 311 and give the reference above."
	doc, err := ch.Render(m, dec1)
	if err != nil {
		b.Fatal(err)
	}
	if n := len(read(b, doc)); n != 1 {
		b.Fatalf("the benchmark letter has one page, not %d", n)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ch.Render(m, dec1); err != nil {
			b.Fatal(err)
		}
	}
}
