package feedback_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/civickit/civickit/feedback"
)

func TestParseOptWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want feedback.OptWords
	}{
		// CTIA keywords, alone, in any case, with punctuation and spaces.
		{"stop", "STOP", feedback.OptOut},
		{"stop lower", "stop", feedback.OptOut},
		{"stop mixed with punctuation", "  Stop!!! ", feedback.OptOut},
		{"stop quoted", `"STOP."`, feedback.OptOut},
		{"stopall", "STOPALL", feedback.OptOut},
		{"stop all", "stop all", feedback.OptOut},
		{"unsubscribe", "Unsubscribe", feedback.OptOut},
		{"cancel", "CANCEL", feedback.OptOut},
		{"end", "end.", feedback.OptOut},
		{"quit", "Quit", feedback.OptOut},
		{"opt out", "opt out", feedback.OptOut},
		{"optout", "OPTOUT", feedback.OptOut},
		{"stop please", "STOP please", feedback.OptOut},
		{"please stop", "please stop", feedback.OptOut},
		{"stop newline", "\nSTOP\n", feedback.OptOut},
		{"full width", "ＳＴＯＰ", feedback.OptOut},
		// Spanish.
		{"alto", "ALTO", feedback.OptOut},
		{"alto por favor", "alto por favor", feedback.OptOut},
		{"parar", "Parar", feedback.OptOut},
		{"cancelar", "CANCELAR", feedback.OptOut},
		{"detener", "detener", feedback.OptOut},
		// Opt-in.
		{"start", "START", feedback.OptIn},
		{"start please", "Start please", feedback.OptIn},
		{"unstop", "unstop", feedback.OptIn},
		{"si accent", "SÍ", feedback.OptIn},
		{"si lower accent", "sí", feedback.OptIn},
		{"si plain", "si", feedback.OptIn},
		{"si punctuation", " Si! ", feedback.OptIn},
		{"stop and start", "stop start", feedback.OptOut},
		// Help.
		{"help", "HELP", feedback.OptHelp},
		{"help question", "help?", feedback.OptHelp},
		{"ayuda", "Ayuda", feedback.OptHelp},
		// Free text that asks to stop.
		{"stop texting me", "stop texting me", feedback.OptOut},
		{"please stop texting", "Please stop texting me!", feedback.OptOut},
		{"stop sending me messages", "Can you stop sending me messages", feedback.OptOut},
		{"stop sending me", "stop sending me", feedback.OptOut},
		{"stop the texts", "stop the texts", feedback.OptOut},
		{"no more messages", "no more messages", feedback.OptOut},
		{"no more texts please", "No more texts, please.", feedback.OptOut},
		{"unsubscribe me", "unsubscribe me", feedback.OptOut},
		{"unsubscribe me from this", "Unsubscribe me from this list", feedback.OptOut},
		{"how do i unsubscribe", "how do I unsubscribe?", feedback.OptOut},
		{"dont text me", "don't text me", feedback.OptOut},
		{"dont text me curly", "Don’t text me anymore", feedback.OptOut},
		{"do not contact me", "Do not contact me again", feedback.OptOut},
		{"never email me", "never email me", feedback.OptOut},
		{"dont send me messages", "don't send me any messages", feedback.OptOut},
		{"opt me out", "opt me out", feedback.OptOut},
		{"remove me", "remove me from this", feedback.OptOut},
		{"remove my number", "Remove my number", feedback.OptOut},
		{"take me off", "take me off your list", feedback.OptOut},
		{"deja de enviarme mensajes", "deja de enviarme mensajes", feedback.OptOut},
		{"dejen de mandarme", "Dejen de mandarme mensajes por favor", feedback.OptOut},
		{"no mas mensajes accent", "no más mensajes", feedback.OptOut},
		{"no mas mensajes plain", "NO MAS MENSAJES", feedback.OptOut},
		{"no quiero mas mensajes", "no quiero recibir mensajes", feedback.OptOut},
		{"no me envien", "no me envien mas textos", feedback.OptOut},
		// Sentences that merely contain a keyword.
		{"stop sign", "the stop sign is down", feedback.OptNone},
		{"bus stop", "bus stop broken", feedback.OptNone},
		{"cant stop the leak", "can't stop the water leak", feedback.OptNone},
		{"cant stop the leak curly", "I can’t stop the water leak", feedback.OptNone},
		{"water wont stop", "the water won't stop", feedback.OptNone},
		{"stop light", "Stop light at 5th and Main is out", feedback.OptNone},
		{"cancel my request", "cancel my request", feedback.OptNone},
		{"end of street", "pothole at the end of the street", feedback.OptNone},
		{"quit working", "the streetlight quit working", feedback.OptNone},
		{"help sentence", "help my basement is flooding", feedback.OptNone},
		{"start sentence", "when will work start?", feedback.OptNone},
		{"alto sentence", "el volumen es muy alto", feedback.OptNone},
		{"para sentence", "es para mi casa", feedback.OptNone},
		{"deja de llover", "deja de llover", feedback.OptNone},
		{"stop sending crews", "stop sending crews to the wrong address", feedback.OptNone},
		{"dont have a text", "I don't have a text", feedback.OptNone},
		{"no more potholes", "no more potholes please", feedback.OptNone},
		{"si sentence", "si, esta es mi casa", feedback.OptNone},
		{"si por favor", "si por favor", feedback.OptNone},
		// YES confirms conversations and is never an opt-in.
		{"yes", "YES", feedback.OptNone},
		{"yes please", "yes please", feedback.OptNone},
		{"y", "Y", feedback.OptNone},
		// Nothing to read.
		{"empty", "", feedback.OptNone},
		{"spaces", "   \t\n", feedback.OptNone},
		{"punctuation", "?!...", feedback.OptNone},
		{"emoji", "👍", feedback.OptNone},
		{"invalid utf8", "\xff\xfeSTOP", feedback.OptOut},
		{"thanks", "thanks!", feedback.OptNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want.String(), feedback.ParseOptWords(tt.text).String(), "text %q", tt.text)
		})
	}
}

// Only the first MaxOptWordsRunes runes count: a STOP after them is not
// read, however long the text.
func TestParseOptWordsReadsABoundedPrefix(t *testing.T) {
	t.Parallel()
	pad := strings.Repeat("a ", feedback.MaxOptWordsRunes)
	assert.Equal(t, feedback.OptNone, feedback.ParseOptWords("the stop sign "+pad+" stop texting me"))
	assert.Equal(t, feedback.OptOut, feedback.ParseOptWords("stop texting me "+strings.Repeat("é", 1<<20)))
	assert.Equal(t, feedback.OptNone, feedback.ParseOptWords(strings.Repeat("stop sign ", 1<<16)))
}

func TestOptWordsString(t *testing.T) {
	t.Parallel()
	for w, want := range map[feedback.OptWords]string{
		feedback.OptNone: "none", feedback.OptOut: "opt-out", feedback.OptIn: "opt-in", feedback.OptHelp: "help", 42: "none",
	} {
		assert.Equal(t, want, w.String())
	}
}

func FuzzParseOptWords(f *testing.F) {
	for _, s := range []string{"STOP", "sí", "stop texting me", "the stop sign is down", "no más mensajes",
		"don't text me", "\xff", "ＳＴＯＰ", "opt me out", "deja de enviarme mensajes", strings.Repeat("x", 400)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got := feedback.ParseOptWords(text)
		if got < feedback.OptNone || got > feedback.OptHelp {
			t.Fatalf("ParseOptWords(%q) = %d, not a kind", text, got)
		}
		if again := feedback.ParseOptWords(text); again != got {
			t.Fatalf("ParseOptWords(%q) is not deterministic: %v then %v", text, got, again)
		}
		// Only the prefix counts: anything after it changes nothing.
		if utf8.RuneCountInString(text) >= feedback.MaxOptWordsRunes {
			if longer := feedback.ParseOptWords(text + " stop texting me"); longer != got {
				t.Fatalf("text past the first %d runes changed the answer: %v then %v", feedback.MaxOptWordsRunes, got, longer)
			}
		}
	})
}

// ParseOptWords is safe for concurrent use: inbound texts arrive at once.
func TestParseOptWordsConcurrently(t *testing.T) {
	t.Parallel()
	done := make(chan feedback.OptWords)
	for i := range 16 {
		go func() {
			text := "STOP"
			if i%2 == 1 {
				text = "no más mensajes " + strings.Repeat("ñ", 200)
			}
			done <- feedback.ParseOptWords(text)
		}()
	}
	for range 16 {
		assert.Equal(t, feedback.OptOut, <-done)
	}
}
