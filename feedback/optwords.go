package feedback

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// OptWords is what an inbound text asks of the messages an address gets.
type OptWords int

// The kinds of inbound text ParseOptWords tells apart.
const (
	// OptNone is any other text: a reply for a conversation, a comment.
	OptNone OptWords = iota
	// OptOut asks for no more messages: STOP and its kin, or a sentence
	// that plainly says so.
	OptOut
	// OptIn asks for messages again: START or UNSTOP.
	OptIn
	// OptHelp asks what the messages are and how to stop them: HELP or
	// AYUDA.
	OptHelp
)

// String names the kind, for logs.
func (w OptWords) String() string {
	switch w {
	case OptOut:
		return "opt-out"
	case OptIn:
		return "opt-in"
	case OptHelp:
		return "help"
	}
	return "none"
}

// MaxOptWordsRunes is how much of a text ParseOptWords reads: an opt-out
// is said in the first words, and a long text costs no more than this.
const MaxOptWordsRunes = 320

// The keywords, folded: lower case without accents.
var (
	// outKeywords are the CTIA opt-out words and their Spanish kin.
	outKeywords = set("stop", "stopall", "unsubscribe", "cancel", "end", "quit",
		"alto", "parar", "cancelar", "detener", "detente", "optout")
	// inKeywords opt in again. YES is left out on purpose: conversations
	// use it to confirm a submission.
	inKeywords = set("start", "unstop")
	// helpKeywords ask for help.
	helpKeywords = set("help", "ayuda", "info")
	// filler may ride along with a keyword without making it a sentence:
	// "STOP please", "stop all", "alto por favor".
	filler = set("please", "pls", "plz", "now", "thanks", "thank", "you", "thx", "ty", "all", "me", "it",
		"asap", "ok", "okay", "por", "favor", "ya", "gracias", "todo", "todos")
	// messaging words name the messages themselves, in English and
	// Spanish.
	messaging = set("text", "texts", "texting", "txt", "txts", "txting", "message", "messages", "messaging",
		"msg", "msgs", "sms", "email", "emails", "emailing", "notification", "notifications", "alert",
		"alerts", "spam", "spamming", "contacting", "updates",
		"mensaje", "mensajes", "texto", "textos", "correo", "correos", "notificacion", "notificaciones",
		"alertas", "avisos")
	// negations before "stop" make it a sentence about something else:
	// "can't stop the water leak".
	negations = set("cant", "cannot", "wont", "doesnt", "didnt", "couldnt", "wouldnt", "not", "never", "dont", "isnt")
	// dontVerbs after "don't", "do not" or "never" ask for no messages:
	// "don't text me".
	dontVerbs = set("text", "txt", "message", "msg", "email", "contact", "sms", "spam")
	// spanishVerbs are the Spanish ways of saying "send me messages".
	spanishVerbs = set("enviarme", "mandarme", "escribirme", "textearme", "contactarme", "enviar", "mandar",
		"envien", "manden", "envies", "mandes", "escriban", "contacten", "envian", "mandan")
	// contactWords are what "remove my ..." removes.
	contactWords = set("number", "phone", "email", "address")
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// fold returns a transformer that compatibility-decomposes text and
// drops its accents, so that "SÍ", "sí" and "ＳＩ" all read "si". A chain
// keeps state, so each call gets its own.
func fold() transform.Transformer {
	return transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}

// words splits the first MaxOptWordsRunes runes of text into folded,
// lower-case words; apostrophes join
// ("don't" is "dont") and everything else that is not a letter or a digit
// separates.
func words(text string) []string {
	count := 0
	for i := range text {
		if count == MaxOptWordsRunes {
			text = text[:i]
			break
		}
		count++
	}
	folded, _, err := transform.String(fold(), text)
	if err != nil {
		folded = text
	}
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for _, r := range folded {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		case r == '\'' || r == '’' || r == '`' || r == 'ʼ':
		default:
			flush()
		}
	}
	flush()
	return out
}

// ParseOptWords says whether an inbound text asks to opt out, to opt in
// again or for help. Matching ignores case, accents and the punctuation
// and spaces around words, and reads only the first MaxOptWordsRunes
// runes.
//
// A keyword counts when it is the whole text, alone or with polite filler
// ("STOP", "Stop please!", "alto por favor"): STOP, STOPALL, UNSUBSCRIBE,
// CANCEL, END, QUIT, ALTO, PARAR, CANCELAR and DETENER opt out; START and
// UNSTOP opt in, as do SÍ and SI sent alone; HELP and AYUDA ask for help.
// YES is never an opt-in: conversations use it to confirm.
//
// A sentence opts out when it plainly asks for no more messages: "please
// stop texting me", "unsubscribe me", "no more messages", "don't text
// me", "deja de enviarme mensajes", "no más mensajes". A sentence that
// merely contains one of the words ("the stop sign is down", "can't stop
// the water leak", "cancel my request") is OptNone. When in doubt between
// an opt-out and anything else, a sentence is an opt-out only if it names
// the messages.
func ParseOptWords(text string) OptWords {
	w, _ := parseOptWords(text)
	return w
}

// parseOptWords is ParseOptWords, also saying whether a keyword (rather
// than a sentence) was sent.
func parseOptWords(text string) (OptWords, bool) {
	ws := words(text)
	if len(ws) == 0 {
		return OptNone, false
	}
	if len(ws) == 1 && ws[0] == "si" {
		return OptIn, true
	}
	if k := keywordOnly(ws); k != OptNone {
		return k, true
	}
	if asksToStop(ws) {
		return OptOut, false
	}
	return OptNone, false
}

// keywordOnly reads a text of keywords and filler. Opt-out wins over
// everything: a text that says both STOP and START is not worth a message
// the person may not want.
func keywordOnly(ws []string) OptWords {
	var out, in, help bool
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		switch {
		case outKeywords[w]:
			out = true
		case w == "opt" && i+1 < len(ws) && ws[i+1] == "out":
			out = true
			i++
		case inKeywords[w]:
			in = true
		case helpKeywords[w]:
			help = true
		case filler[w]:
		default:
			return OptNone
		}
	}
	switch {
	case out:
		return OptOut
	case in:
		return OptIn
	case help:
		return OptHelp
	}
	return OptNone
}

// within reports whether one of the n words after i is in the set.
func within(ws []string, i, n int, in map[string]bool) bool {
	for j := i + 1; j < len(ws) && j <= i+n; j++ {
		if in[ws[j]] {
			return true
		}
	}
	return false
}

// asksToStop finds the sentences that ask for no more messages.
func asksToStop(ws []string) bool {
	for i, w := range ws {
		negated := i > 0 && negations[ws[i-1]]
		next := ""
		if i+1 < len(ws) {
			next = ws[i+1]
		}
		switch {
		// "stop texting me", "please stop sending me messages", "stop
		// sending me".
		case (w == "stop" || w == "quit") && !negated &&
			(within(ws, i, 4, messaging) || next == "sending" && i+2 < len(ws) && ws[i+2] == "me"):
			return true
		// "unsubscribe me", "how do I unsubscribe", "opt me out".
		case (w == "unsubscribe" || w == "optout") && !negated:
			return true
		case w == "opt" && !negated && (next == "out" || next == "me" && i+2 < len(ws) && ws[i+2] == "out"):
			return true
		// "no more messages", "no más mensajes", "no quiero mas
		// mensajes", "no me envien mas mensajes".
		case w == "no" && (next == "more" || next == "mas" || next == "quiero" || next == "me") &&
			(within(ws, i+1, 3, messaging) || within(ws, i+1, 2, spanishVerbs)):
			return true
		// "don't text me", "do not contact me", "never email me",
		// "don't send me messages".
		case (w == "dont" || w == "never" || w == "not" && i > 0 && ws[i-1] == "do") &&
			(dontVerbs[next] || next == "send" && within(ws, i+1, 3, messaging)):
			return true
		// "deja de enviarme mensajes", "dejen de mandarme", "para de
		// escribirme".
		case (w == "deja" || w == "dejen" || w == "dejar" || w == "para" || w == "paren" || w == "basta") &&
			next == "de" && (within(ws, i+1, 2, spanishVerbs) || within(ws, i+1, 3, messaging)):
			return true
		// "remove me from this list", "remove my number", "take me off".
		case w == "remove" && (next == "me" || next == "my" && within(ws, i+1, 2, contactWords)):
			return true
		case w == "take" && next == "me" && i+2 < len(ws) && ws[i+2] == "off":
			return true
		}
	}
	return false
}
