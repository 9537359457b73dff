package smtp

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTrimReply(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"gmail top-posted", `Yes, the bin was collected this morning. Thank you!

On Mon, Dec 1, 2026 at 9:00 AM City of Example <replies+C-1.abcdefghij@city.example> wrote:

> Your request C-1 is scheduled for Tuesday.
>
> -- City of Example
`, "Yes, the bin was collected this morning. Thank you!"},
		{"gmail attribution wrapped", `Still broken.

On Mon, Dec 1, 2026 at 9:00 AM City of Example <
replies+C-1.abcdefghij@city.example> wrote:
> Scheduled.
`, "Still broken."},
		{"apple mail with phone signature", `Fixed now, thanks

Sent from my iPhone

> On 1 Dec 2026, at 09:00, City of Example <replies@city.example> wrote:
>
> Scheduled.
`, "Fixed now, thanks"},
		{"outlook desktop", "The light is out again.\r\n\r\nRegards,\r\nCarl\r\n\r\n-----Original Message-----\r\nFrom: City of Example <replies@city.example>\r\nSent: Monday, December 1, 2026 9:00 AM\r\nTo: Carl\r\nSubject: Streetlight\r\n\r\nFixed.\r\n",
			"The light is out again.\n\nRegards,\nCarl"},
		{"outlook web header block", `Please call me.

________________________________
From: City of Example <replies@city.example>
Sent: Monday, December 1, 2026 09:00
To: Carl Brown
Subject: Your report

We need more details.
`, "Please call me."},
		{"outlook spanish header block", `Gracias por avisar.

De: Ciudad de Ejemplo <replies@city.example>
Enviado el: lunes, 1 de diciembre de 2026 9:00
Para: José
Asunto: Su solicitud

Hemos recibido su solicitud.
`, "Gracias por avisar."},
		{"spanish gmail", `Sí, sigue igual.

El lun, 1 dic 2026 a las 9:00, Ciudad de Ejemplo (<replies@city.example>)
escribió:

> Hemos recibido su solicitud.
`, "Sí, sigue igual."},
		{"spanish mobile signature", `Ya está arreglado.

Enviado desde mi Samsung Galaxy

El 1/12/2026 9:00, Ciudad escribió:
> Recibido.
`, "Ya está arreglado."},
		{"signature delimiter", "Thanks.\n-- \nAna Pérez\nFriends of Elm Park\n", "Thanks."},
		{"signature delimiter without its space", "Thanks.\n--\nAna\n", "Thanks."},
		{"bottom-posted keeps the reply", `On Mon, Dec 1, 2026 at 9:00 AM City <replies@city.example> wrote:
> Is the hydrant still leaking?

Yes, still leaking.
`, "Yes, still leaking."},
		{"inline answers keep each answer", `> When did you first see it?
Last Tuesday.

> Is it blocking the road?
Only one lane.
`, "Last Tuesday.\n\nOnly one lane."},
		{"unmarked history after an attribution", `Agreed.

On Mon, Dec 1, 2026, City wrote:
Your request is scheduled.
`, "Agreed."},
		{"a line ending in wrote: without a date or address stays", "On the form I wrote:\nthe wrong street.\n", "On the form I wrote:\nthe wrong street."},
		{"reply text mentioning wrote stays", "On Monday I wrote to the council.\nThey wrote back.\n", "On Monday I wrote to the council.\nThey wrote back."},
		{"a From: line in the text stays", "From: my kitchen window I can see it.\nStill there.\n", "From: my kitchen window I can see it.\nStill there."},
		{"trailing spaces and blank lines", "\n\n  Line one   \n\n\n\nLine two\t\n\n", "  Line one\n\nLine two"},
		{"only quoted text is kept whole", "> just a quote\n", "> just a quote"},
		{"empty", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, TrimReply(c.in))
		})
	}
}

func TestHTMLToText(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"gmail", `<div dir="ltr">It is fixed, thanks!<div><br></div><div>Ana</div></div><br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">On Mon, Dec 1, 2026 at 9:00 AM City wrote:<br></div><blockquote class="gmail_quote" style="margin:0px">Scheduled.</blockquote></div>`,
			"It is fixed, thanks!\n\nAna"},
		{"apple mail", `<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body dir="auto">Still there.<br><br><div dir="ltr">Sent from my iPhone</div><div dir="ltr"><br><blockquote type="cite">On 1 Dec 2026, at 09:00, City wrote:<br><br></blockquote></div><blockquote type="cite"><div dir="ltr">Scheduled.</div></blockquote></body></html>`,
			"Still there."},
		{"outlook web", `<div style="font-family: Calibri">Please call me.</div><div id="appendonsend"></div><hr style="display:inline-block"><div id="divRplyFwdMsg"><b>From:</b> City</div><div>We need details.</div>`,
			"Please call me."},
		{"entities and scripts", `<p>a &lt;b&gt; &amp; c</p><script>document.write("x")</script><style>.x{}</style><p>d</p>`, "a <b> & c\nd"},
		{"list and pre", "<ul><li>one</li><li>two</li></ul><pre>  keep\n  this</pre>", "- one\n- two\n  keep\n  this"},
		{"unclosed", "<div>text <b>bold", "text bold"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, TrimReply(htmlToText(c.in)))
		})
	}
}
