package smtp

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/civickit/civickit/adapters"
)

func FuzzParseReply(f *testing.F) {
	f.Add(inGmailReply())
	f.Add(inCRLF("From: a@b.example\nTo: " + inRouting.ReplyAddress("C-1") + "\nSubject: =?ISO-8859-1?Q?caf=E9?=\nContent-Type: text/html; charset=windows-1252\nContent-Transfer-Encoding: quoted-printable\n\n<p>caf=E9 &amp; <b>t=E9</b></p><div class=3Dgmail_quote>old</div>\n"))
	f.Add(inCRLF("From: a@b.example\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: multipart/alternative; boundary=y\n\n--y\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: base64\n\nSG9sYQ==\n--y--\n--x--\n"))
	f.Add(inCRLF("From: <>\nAuto-Submitted: auto-replied\n\nx"))
	f.Add("\x00\xff")
	const maxBytes = 64 << 10
	f.Fuzz(func(t *testing.T, raw string) {
		r, err := ParseReply(strings.NewReader(raw), inRouting, &ParseOptions{MaxBytes: maxBytes, Now: inFixedNow})
		if err != nil {
			if !errors.Is(err, adapters.ErrInvalidArgument) && !errors.Is(err, ErrAutomatic) {
				t.Fatalf("an error neither invalid nor automatic: %v", err)
			}
			return
		}
		if r.Channel != "email" || r.From == "" || r.ProviderID == "" || !r.At.Equal(inNow) {
			t.Fatalf("a parsed reply without its channel, sender, id or time: %+v", r)
		}
		if len(r.Body) > maxBytes || utf8.RuneCountInString(r.Subject) > maxSubjectRunes ||
			len(r.From) > maxAddress || len(r.To) > maxAddress || len(r.ProviderID) > maxMessageID || len(r.InReplyTo) > len("case:")+maxRefID {
			t.Fatalf("unbounded field: body %d, subject %d, from %d, to %d, id %d, ref %d",
				len(r.Body), len(r.Subject), len(r.From), len(r.To), len(r.ProviderID), len(r.InReplyTo))
		}
		if !utf8.ValidString(r.Body) || !utf8.ValidString(r.Subject) {
			t.Fatal("body or subject is not valid UTF-8")
		}
		if strings.ContainsAny(r.Subject, "\r\n") {
			t.Fatal("subject spans lines")
		}
	})
}
