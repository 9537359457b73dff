package smtp

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Lines that start quoted history or a signature, as mail clients write
// them in English and Spanish.
var (
	// attribution is the line a client writes above the text it quotes:
	// "On Mon, 1 Dec 2026 at 09:00, Ana <ana@example.org> wrote:" (Gmail,
	// Apple Mail, Thunderbird) or "El lun, 1 dic 2026 a las 9:00, Ana
	// (<ana@example.org>) escribió:". Clients wrap long ones, so up to
	// three lines are joined before matching.
	attribution = regexp.MustCompile(`(?i)^\s*(?:on|el)\s.{1,400}\s(?:wrote|escribi[óo])\s*:\s*$`)
	// attributionStart is how an attribution's first line begins.
	attributionStart = regexp.MustCompile(`(?i)^\s*(?:on|el)\s`)
	// originalMessage is Outlook's separator above a quoted message.
	originalMessage = regexp.MustCompile(`(?i)^\s*-{2,}\s*(?:original message|mensaje original)\s*-{2,}\s*$`)
	// headerFrom and headerSent are the first lines of the header block
	// Outlook writes above a quoted message: "From: ..." then "Sent: ..."
	// (or "De: ..." then "Enviado: ..." / "Enviado el: ...").
	headerFrom = regexp.MustCompile(`(?i)^\s*\*?(?:from|de)\s*:\*?\s`)
	headerSent = regexp.MustCompile(`(?i)^\s*\*?(?:sent|date|enviado|enviado el|fecha)\s*:\*?\s`)
	// underscores is the rule Outlook draws above its header block.
	underscores = regexp.MustCompile(`^\s*_{8,}\s*$`)
	// mobileSignature is the line phones and Outlook append.
	mobileSignature = regexp.MustCompile(`(?i)^\s*(?:sent from my\s|sent from outlook|sent from mail for windows|sent from yahoo mail|get outlook for\s|enviado desde mi\s|enviado desde outlook|obtener outlook para\s).{0,80}$`)
)

// TrimReply returns the text a person wrote in a reply, without the
// history their client quoted or their signature: lines quoted with ">"
// and the attribution line above them ("On ... wrote:", "El ...
// escribió:"); everything from Outlook's "-----Original Message-----" or
// "From: ... Sent: ..." header block on; everything from a signature
// delimiter ("-- ") or a phone's "Sent from my iPhone" / "Enviado desde
// mi ..." on. Text written between quotes (an inline reply) is kept.
// Line ends become "\n", trailing spaces and blank lines at either end go.
// When nothing would remain, the whole text is returned, trimmed of
// spaces only, so that a reply is never emptied by a wrong guess.
func TrimReply(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	lines := strings.Split(text, "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " \t\u00a0")
	}

	// Find where the quoted history or the signature begins.
	cut := len(lines)
	drop := make(map[int]bool) // attribution lines to leave out
	for i := 0; i < len(lines) && i < cut; i++ {
		l := lines[i]
		switch {
		case l == "--" || l == "-- " || originalMessage.MatchString(l) || mobileSignature.MatchString(l):
			cut = i
		case headerFrom.MatchString(l) && outlookBlock(lines[i+1:]):
			cut = i
			if j := prevNonBlank(lines, i); j >= 0 && (underscores.MatchString(lines[j]) || strings.Trim(lines[j], "- ") == "") {
				cut = j
			}
		case attributionStart.MatchString(l):
			n := attributionLines(lines[i:])
			if n == 0 {
				continue
			}
			if next := nextNonBlank(lines, i+n-1); next >= 0 && !strings.HasPrefix(strings.TrimSpace(lines[next]), ">") {
				// The history below is not marked with '>': it runs
				// to the end.
				cut = i
				continue
			}
			for k := i; k < i+n; k++ {
				drop[k] = true
			}
			i += n - 1
		}
	}

	var kept []string
	for i, l := range lines[:cut] {
		if drop[i] || strings.HasPrefix(strings.TrimSpace(l), ">") {
			continue
		}
		kept = append(kept, l)
	}
	out := collapseBlank(kept)
	if out == "" {
		return strings.TrimSpace(strings.Join(lines, "\n"))
	}
	return out
}

// attributionLines returns how many lines (1..3) from the start of
// lines make an attribution, or 0 when they make none.
func attributionLines(lines []string) int {
	joined := ""
	for n := 1; n <= 3 && n <= len(lines); n++ {
		if n > 1 && strings.TrimSpace(lines[n-1]) == "" {
			return 0
		}
		joined = strings.TrimSpace(joined + " " + strings.TrimSpace(lines[n-1]))
		if len(joined) > 500 {
			return 0
		}
		if attribution.MatchString(joined) && strings.ContainsAny(joined, "0123456789@") {
			// A real one names a date or an address; "On the form I
			// wrote:" does not.
			return n
		}
	}
	return 0
}

// outlookBlock reports whether the lines after a "From:" line carry the
// rest of Outlook's header block: a "Sent:" line among the next four.
func outlookBlock(rest []string) bool {
	for i := 0; i < len(rest) && i < 4; i++ {
		if headerSent.MatchString(rest[i]) {
			return true
		}
	}
	return false
}

func prevNonBlank(lines []string, i int) int {
	for j := i - 1; j >= 0; j-- {
		if strings.TrimSpace(lines[j]) != "" {
			return j
		}
	}
	return -1
}

func nextNonBlank(lines []string, i int) int {
	for j := i + 1; j < len(lines); j++ {
		if strings.TrimSpace(lines[j]) != "" {
			return j
		}
	}
	return -1
}

// collapseBlank joins lines, dropping blank lines at both ends and
// keeping at most one blank line in a row.
func collapseBlank(lines []string) string {
	var b strings.Builder
	blank := false
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			blank = b.Len() > 0
			continue
		}
		if blank {
			b.WriteString("\n")
			blank = false
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(l)
	}
	return b.String()
}

// htmlToText turns an HTML body into plain text, crudely and safely: tags
// go, entities are decoded, blocks become lines, and what is not the
// person's own text is left out: scripts, styles, the head, quoted
// history (<blockquote>, Gmail's gmail_quote, Yahoo's yahoo_quoted,
// Thunderbird's moz-cite-prefix and signature) and everything from
// Outlook's divRplyFwdMsg / appendonsend markers on. The result is text,
// not HTML: whoever shows it escapes it.
func htmlToText(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	var b strings.Builder
	skip := 0          // depth inside an element left out
	var skipTag []byte // the element being left out
	pre := 0
	newline := func() {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if skip > 0 {
				continue
			}
			t := string(z.Text())
			if pre == 0 {
				t = collapseSpace(t)
				if endsLine(&b) {
					t = strings.TrimLeft(t, " ")
				}
			}
			b.WriteString(t)
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			if skip > 0 {
				if tt == html.StartTagToken && string(name) == string(skipTag) {
					skip++
				} else if tt == html.EndTagToken && string(name) == string(skipTag) {
					skip--
				}
				continue
			}
			var class, id string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "class":
					class = string(v)
				case "id":
					id = string(v)
				}
			}
			if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
				if id == "divRplyFwdMsg" || id == "appendonsend" || strings.Contains(class, "OutlookMessageHeader") {
					return b.String()
				}
			}
			if tt == html.StartTagToken {
				quoted := a == atom.Blockquote
				for _, c := range strings.Fields(class) {
					switch c {
					case "gmail_quote", "gmail_quote_container", "yahoo_quoted", "moz-cite-prefix", "moz-signature", "gmail_signature":
						quoted = true
					}
				}
				switch a {
				case atom.Script, atom.Style, atom.Head, atom.Title, atom.Template, atom.Noscript:
					quoted = true
				}
				if quoted {
					skip, skipTag = 1, append(skipTag[:0], name...)
					continue
				}
			}
			switch a {
			case atom.Br:
				b.WriteString("\n")
			case atom.P, atom.Div, atom.Tr, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
				atom.Table, atom.Ul, atom.Ol, atom.Hr, atom.Section, atom.Article, atom.Header, atom.Footer:
				if !endsLine(&b) {
					newline()
				}
			case atom.Li:
				if tt == html.StartTagToken {
					if !endsLine(&b) {
						newline()
					}
					b.WriteString("- ")
				}
			case atom.Td, atom.Th:
				if tt == html.StartTagToken && !endsLine(&b) {
					b.WriteString(" ")
				}
			case atom.Pre:
				if tt == html.StartTagToken {
					pre++
				} else if pre > 0 {
					pre--
				}
				if !endsLine(&b) {
					newline()
				}
			}
		}
	}
}

func endsLine(b *strings.Builder) bool {
	s := b.String()
	return len(s) == 0 || s[len(s)-1] == '\n'
}

// collapseSpace replaces each run of HTML white space in t with one space.
func collapseSpace(t string) string {
	var b strings.Builder
	sp := false
	for i := 0; i < len(t); i++ {
		if isHTMLSpace(t[i]) {
			sp = true
			continue
		}
		if sp {
			b.WriteByte(' ')
			sp = false
		}
		b.WriteByte(t[i])
	}
	if sp {
		b.WriteByte(' ')
	}
	return b.String()
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}
