package smtp

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
)

// inCRLF turns a sample written with "\n" into wire form.
func inCRLF(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func parseIn(t *testing.T, raw string, opts *ParseOptions) (adapters.Reply, error) {
	t.Helper()
	if opts == nil {
		opts = &ParseOptions{}
	}
	if opts.Now == nil {
		opts.Now = inFixedNow
	}
	return ParseReply(strings.NewReader(raw), inRouting, opts)
}

// inGmailReply is a reply as Gmail sends it: multipart/alternative,
// quoted-printable, the attribution wrapped over two lines, the HTML part
// with its gmail_quote.
func inGmailReply() string {
	return inCRLF(`MIME-Version: 1.0
Date: Tue, 1 Dec 2026 10:02:11 +0100
Message-ID: <CAF=q8x1Yy2n@mail.gmail.com>
Subject: =?UTF-8?B?UmU6IFlvdXIgcmVwb3J0IOKAlCBwb3Rob2xl?=
From: =?UTF-8?Q?Ana_P=C3=A9rez?= <Ana.Perez@GMail.COM>
To: City of Example <` + inRouting.ReplyAddress("C-17") + `>
Content-Type: multipart/alternative; boundary="000000000000a1b2c3"

--000000000000a1b2c3
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

Thanks, the pothole on Elm St is still there and it=E2=80=99s getting worse=
 after the rain.

Ana

On Mon, Dec 1, 2026 at 9:00 AM City of Example <replies+C-17.abc@city.exa=
mple>
wrote:

> Your report C-17 was received.
> We will look at it this week.
>

--000000000000a1b2c3
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr">Thanks, the pothole on Elm St is still there</div><br><div=
 class=3D"gmail_quote"><div dir=3D"ltr" class=3D"gmail_attr">On Mon, Dec 1,=
 2026 wrote:<br></div><blockquote class=3D"gmail_quote">Your report</blockq=
uote></div>

--000000000000a1b2c3--
`)
}

func TestParseReplyGmail(t *testing.T) {
	r, err := parseIn(t, inGmailReply(), nil)
	require.NoError(t, err)
	assert.Equal(t, adapters.Reply{
		Channel:    "email",
		From:       "Ana.Perez@gmail.com",
		To:         inRouting.ReplyAddress("C-17"),
		Subject:    "Re: Your report — pothole",
		Body:       "Thanks, the pothole on Elm St is still there and it’s getting worse after the rain.\n\nAna",
		InReplyTo:  "case:C-17",
		ProviderID: "CAF=q8x1Yy2n@mail.gmail.com",
		At:         inNow,
	}, r)
}

func TestParseReplyOutlookWindows1252RoutedBySubject(t *testing.T) {
	raw := inCRLF(`From: "Brown, Carl" <carl.brown@Contoso.example>
To: "City of Example" <replies@city.example>
Subject: RE: Streetlight out ` + inRouting.SubjectReference("C-9") + `
Date: Tue, 1 Dec 2026 09:15:00 +0000
Message-ID: <DM6PR01MB1234.namprd01.prod.outlook.com>
Content-Type: text/plain; charset="windows-1252"
Content-Transfer-Encoding: quoted-printable
MIME-Version: 1.0

The light at 5th & Main is still out, it=92s been a week.

Carl

________________________________
From: City of Example <replies@city.example>
Sent: Monday, December 1, 2026 9:00 AM
To: Brown, Carl <carl.brown@contoso.example>
Subject: Streetlight out

Your report C-9 was received.
`)
	r, err := parseIn(t, raw, nil)
	require.NoError(t, err)
	assert.Equal(t, "case:C-9", r.InReplyTo)
	assert.Equal(t, "replies@city.example", r.To)
	assert.Equal(t, "carl.brown@contoso.example", r.From)
	assert.Equal(t, "The light at 5th & Main is still out, it’s been a week.\n\nCarl", r.Body)
	assert.Equal(t, "DM6PR01MB1234.namprd01.prod.outlook.com", r.ProviderID)
}

func TestParseReplySpanishISO88591Base64(t *testing.T) {
	// "La farola sigue apagada. ¿Cuándo vienen?" and the rest in
	// ISO-8859-1, base64: as Thunderbird and older webmails send it.
	latin1 := []byte("La farola sigue apagada. \xbfCu\xe1ndo vienen?\r\n\r\nEnviado desde mi Android\r\n\r\nEl lun, 1 dic 2026 a las 9:00, Ciudad <replies@city.example> escribi\xf3:\r\n> Recibimos su solicitud.\r\n")
	var b64 bytes.Buffer
	enc := make([]byte, 4*((len(latin1)+2)/3))
	base64.StdEncoding.Encode(enc, latin1)
	for len(enc) > 76 {
		b64.Write(enc[:76])
		b64.WriteString("\r\n")
		enc = enc[76:]
	}
	b64.Write(enc)
	raw := inCRLF(`From: =?ISO-8859-1?Q?Jos=E9_Mu=F1oz?= <jose@correo.example>
To: <`+inRouting.ReplyAddress("C-3")+`>
Subject: =?ISO-8859-1?Q?Re:_Sobre_su_solicitud_de_alumbrado_p=FAblico?=
Message-ID: <1a2b3c@correo.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: base64

`) + b64.String() + "\r\n"
	r, err := parseIn(t, raw, nil)
	require.NoError(t, err)
	assert.Equal(t, "Re: Sobre su solicitud de alumbrado público", r.Subject)
	assert.Equal(t, "La farola sigue apagada. ¿Cuándo vienen?", r.Body)
	assert.Equal(t, "case:C-3", r.InReplyTo)
}

func TestParseReplyHTMLOnly(t *testing.T) {
	raw := inCRLF(`From: someone@example.org
To: ` + inRouting.ReplyAddress("C-4") + `
Subject: Re: hi
Message-ID: <h1@example.org>
Content-Type: text/html; charset=utf-8

<html><head><title>x</title><style>p{color:red}</style></head><body>
<p>Fish &amp; chips &lt;script&gt; are   fine.</p><script>alert(1)</script>
<p>Second<br>line</p>
<div class="gmail_quote">On Mon wrote:<blockquote>old text</blockquote></div>
</body></html>
`)
	r, err := parseIn(t, raw, nil)
	require.NoError(t, err)
	assert.Equal(t, "Fish & chips <script> are fine.\nSecond\nline", r.Body)
}

func TestParseReplyRoutesByEnvelopeAndHeaders(t *testing.T) {
	addr := inRouting.ReplyAddress("C-5")
	base := "From: p@example.org\r\nSubject: hello\r\nMessage-ID: <r@x>\r\n"
	body := "\r\nA reply.\r\n"
	cases := []struct {
		name, headers string
		rcpts         []string
		wantTo        string
		wantRef       string
	}{
		{"To", "To: a@b.example, " + addr + "\r\n", nil, addr, "case:C-5"},
		{"Cc", "To: a@b.example\r\nCc: <" + addr + ">\r\n", nil, addr, "case:C-5"},
		{"Delivered-To", "To: undisclosed-recipients:;\r\nDelivered-To: " + addr + "\r\n", nil, addr, "case:C-5"},
		{"X-Original-To", "To: replies@city.example\r\nX-Original-To: " + addr + "\r\n", nil, addr, "case:C-5"},
		{"envelope first", "To: " + inRouting.ReplyAddress("C-6") + "\r\n", []string{addr}, addr, "case:C-5"},
		{"forged tag", "To: replies+C-5.aaaaaaaaaa@city.example\r\n", nil, "replies+C-5.aaaaaaaaaa@city.example", ""},
		{"none", "To: Replies <replies@City.Example>\r\n", nil, "replies@city.example", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := parseIn(t, base+c.headers+body, &ParseOptions{Recipients: c.rcpts})
			require.NoError(t, err)
			assert.Equal(t, c.wantTo, r.To)
			assert.Equal(t, c.wantRef, r.InReplyTo)
			assert.Equal(t, "A reply.", r.Body)
		})
	}
}

func TestParseReplyMixedSkipsAttachments(t *testing.T) {
	raw := inCRLF(`From: p@example.org
To: replies@city.example
Message-ID: <m@x>
Content-Type: multipart/mixed; boundary=outer

--outer
Content-Type: text/plain; name="notes.txt"
Content-Disposition: attachment; filename="notes.txt"

attached notes, not the reply
--outer
Content-Type: multipart/alternative; boundary=inner

--inner
Content-Type: text/plain; charset=utf-8

The reply itself.
--inner--
--outer--
`)
	r, err := parseIn(t, raw, nil)
	require.NoError(t, err)
	assert.Equal(t, "The reply itself.", r.Body)
}

func TestParseReplyProviderIDWithoutMessageID(t *testing.T) {
	raw := "From: p@example.org\r\nTo: replies@city.example\r\n\r\nHi\r\n"
	a, err := parseIn(t, raw, nil)
	require.NoError(t, err)
	b, err := parseIn(t, raw, nil)
	require.NoError(t, err)
	c, err := parseIn(t, raw+"again\r\n", nil)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(a.ProviderID, "sha256:"), a.ProviderID)
	assert.Equal(t, a.ProviderID, b.ProviderID, "one message, one id")
	assert.NotEqual(t, a.ProviderID, c.ProviderID)

	long := "From: p@example.org\r\nMessage-ID: <" + strings.Repeat("x", 300) + "@y>\r\n\r\nHi\r\n"
	d, err := parseIn(t, long, nil)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(d.ProviderID, "sha256:"), "an overlong Message-ID is replaced by a hash")
}

func TestParseReplyAutomatic(t *testing.T) {
	cases := []struct {
		name, headers string
		null          bool
		automatic     bool
	}{
		{"auto-submitted", "From: a@b.example\r\nAuto-Submitted: auto-replied\r\n", false, true},
		{"auto-submitted no", "From: a@b.example\r\nAuto-Submitted: no\r\n", false, false},
		{"precedence bulk", "From: a@b.example\r\nPrecedence: bulk\r\n", false, true},
		{"precedence auto_reply", "From: a@b.example\r\nPrecedence: auto_reply\r\n", false, true},
		{"precedence list", "From: a@b.example\r\nPrecedence: List\r\n", false, true},
		{"x-autoreply", "From: a@b.example\r\nX-Autoreply: yes\r\n", false, true},
		{"mailer-daemon", "From: Mail Delivery System <MAILER-DAEMON@mx.example>\r\n", false, true},
		{"null sender", "From: a@b.example\r\n", true, true},
		{"report", "From: a@b.example\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=x\r\n", false, true},
		{"person", "From: a@b.example\r\n", false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := c.headers + "To: replies@city.example\r\nMessage-ID: <auto-1@b.example>\r\n\r\nI am out of the office.\r\n"
			r, err := parseIn(t, raw, &ParseOptions{NullSender: c.null})
			if !c.automatic {
				require.NoError(t, err)
				assert.Equal(t, "I am out of the office.", r.Body)
				return
			}
			require.ErrorIs(t, err, ErrAutomatic)
			assert.NotErrorIs(t, err, adapters.ErrInvalidArgument)
			assert.Equal(t, adapters.Reply{Channel: "email", ProviderID: "auto-1@b.example"}, r, "only what a log line needs")
		})
	}
}

func TestParseReplyBounds(t *testing.T) {
	nested := "From: a@b.example\r\n"
	for i := 0; i < 12; i++ {
		nested += fmt.Sprintf("Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i)
	}
	nested += "\r\nhi\r\n"
	manyParts := "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		strings.Repeat("--b\r\nContent-Type: text/plain\r\n\r\npart\r\n", 70) + "--b--\r\n"
	manyHeaders := "From: a@b.example\r\n" + strings.Repeat("X-Trace: 1\r\n", 300) + "\r\nhi\r\n"
	cases := []struct {
		name, raw string
		opts      *ParseOptions
		want      string
	}{
		{"too large", "From: a@b.example\r\n\r\n" + strings.Repeat("x", 2000), &ParseOptions{MaxBytes: 1000}, "larger than 1000 bytes"},
		{"too deep", nested, nil, "nest deeper than 8"},
		{"too many parts", manyParts, nil, "more than 64 MIME parts"},
		{"too many headers", manyHeaders, nil, "301 header fields"},
		{"no from", "To: replies@city.example\r\n\r\nhi\r\n", nil, "no From"},
		{"from not an address", "From: nobody\r\n\r\nhi\r\n", nil, "From is not an address"},
		{"not a message", "\x00\x01\x02 garbage without a header", nil, "header unreadable"},
		{"bad limit", "From: a@b.example\r\n\r\nhi", &ParseOptions{MaxParts: -1}, "MaxParts -1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseIn(t, c.raw, c.opts)
			require.ErrorIs(t, err, adapters.ErrInvalidArgument)
			assert.ErrorContains(t, err, c.want)
		})
	}
	_, err := ParseReply(strings.NewReader("From: a@b.example\r\n\r\nhi"), Routing{ReplyTo: "x"}, nil)
	require.ErrorIs(t, err, adapters.ErrInvalidArgument, "an unusable routing")

	// Within the bounds they are read.
	_, err = parseIn(t, "From: a@b.example\r\n\r\n"+strings.Repeat("x", 900), &ParseOptions{MaxBytes: 1000})
	require.NoError(t, err)
}

type inFailingReader struct{}

func (inFailingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestParseReplyReadError(t *testing.T) {
	_, err := ParseReply(inFailingReader{}, inRouting, nil)
	require.Error(t, err)
	assert.NotErrorIs(t, err, adapters.ErrInvalidArgument, "a read failure is not the message's fault")
}

func TestParseReplyBlankPlainFallsBackToHTML(t *testing.T) {
	raw := inCRLF(`From: p@example.org
Message-ID: <b@x>
Content-Type: multipart/alternative; boundary=a

--a
Content-Type: text/plain; charset=utf-8


--a
Content-Type: text/html; charset=utf-8

<p>Only in HTML.</p>
--a--
`)
	r, err := parseIn(t, raw, nil)
	require.NoError(t, err)
	assert.Equal(t, "Only in HTML.", r.Body)
}
