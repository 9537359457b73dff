package twilio

import "unicode/utf16"

// The encodings Segments names.
const (
	// EncodingGSM7 is the GSM 03.38 7-bit default alphabet: 160
	// characters in one segment, 153 per segment of a longer text.
	EncodingGSM7 = "GSM-7"
	// EncodingUCS2 is UCS-2 (UTF-16 on today's phones), used as soon as
	// one character is outside GSM-7: 70 code units in one segment, 67
	// per segment of a longer text.
	EncodingUCS2 = "UCS-2"
)

// Segment sizes: a text longer than one segment carries a 6-byte header in
// each, which costs 7 septets or 3 UTF-16 code units.
const (
	gsmSingle, gsmMulti   = 160, 153
	ucs2Single, ucs2Multi = 70, 67
)

// gsmBasic is the GSM 03.38 default alphabet (one septet each), without
// the escape character itself.
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExtension is the GSM 03.38 extension table: an escape and the
// character, two septets each.
const gsmExtension = "\f^{}\\[~]|€"

// gsmSeptets maps each GSM-7 character to its size in septets.
var gsmSeptets = func() map[rune]int {
	m := make(map[rune]int, 140)
	for _, r := range gsmBasic {
		m[r] = 1
	}
	for _, r := range gsmExtension {
		m[r] = 2
	}
	return m
}()

// Segments returns how many SMS segments text takes and the encoding it
// is sent in. A text of GSM-7 characters only is counted in septets (an
// extension-table character such as € or [ counts two); any other
// character makes the whole text UCS-2, counted in UTF-16 code units (an
// emoji outside the Basic Multilingual Plane counts two). A character is
// never split across two segments, as phones and Twilio do not split an
// escape sequence or a surrogate pair. An empty text is 0 segments.
func Segments(text string) (n int, encoding string) {
	if text == "" {
		return 0, EncodingGSM7
	}
	units := make([]int, 0, len(text))
	gsm := true
	for _, r := range text {
		s, ok := gsmSeptets[r]
		if !ok {
			gsm = false
			break
		}
		units = append(units, s)
	}
	single, multi := gsmSingle, gsmMulti
	encoding = EncodingGSM7
	if !gsm {
		units = units[:0]
		for _, r := range text {
			units = append(units, utf16.RuneLen(r))
		}
		single, multi, encoding = ucs2Single, ucs2Multi, EncodingUCS2
	}
	total := 0
	for _, u := range units {
		total += u
	}
	if total <= single {
		return 1, encoding
	}
	n, used := 1, 0
	for _, u := range units {
		if used+u > multi {
			n++
			used = 0
		}
		used += u
	}
	return n, encoding
}
