package smtp

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzTrimReply(f *testing.F) {
	f.Add("Thanks!\n\nOn Mon, Dec 1, 2026 at 9:00 AM City <r@c.example> wrote:\n> old\n")
	f.Add("Gracias\r\n\r\nEl lun, 1 dic 2026 a las 9:00, Ciudad\r\n(<r@c.example>) escribió:\r\n> viejo\r\n")
	f.Add("Hi\n\n-----Original Message-----\nFrom: a\nSent: b\n\nold")
	f.Add("Hi\n________________________________\nDe: a\nEnviado el: b\n")
	f.Add("> a\nb\n> c\n-- \nsig")
	f.Add("Sent from my iPhone")
	f.Fuzz(func(t *testing.T, in string) {
		out := TrimReply(in)
		if len(out) > len(in) {
			t.Fatalf("output longer than input: %d > %d", len(out), len(in))
		}
		if strings.Contains(out, "\r") {
			t.Fatal("a carriage return remains")
		}
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Fatal("valid input gave invalid output")
		}
		if strings.TrimRight(out, " \t\n") != out {
			t.Fatalf("trailing space kept: %q", out)
		}
	})
}
