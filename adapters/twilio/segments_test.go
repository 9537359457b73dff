package twilio_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/civickit/civickit/adapters/twilio"
)

func TestSegments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		n          int
		enc        string
	}{
		{"Empty", "", 0, twilio.EncodingGSM7},
		{"OneChar", "a", 1, twilio.EncodingGSM7},
		{"FullGSMSegment", strings.Repeat("a", 160), 1, twilio.EncodingGSM7},
		{"OneOverGSMSegment", strings.Repeat("a", 161), 2, twilio.EncodingGSM7},
		{"TwoFullGSMParts", strings.Repeat("a", 306), 2, twilio.EncodingGSM7},
		{"ThreeGSMParts", strings.Repeat("a", 307), 3, twilio.EncodingGSM7},
		{"GSMAccentsAreOneSeptet", strings.Repeat("é", 160), 1, twilio.EncodingGSM7},
		{"ExtensionCountsDouble", strings.Repeat("€", 80), 1, twilio.EncodingGSM7},
		{"ExtensionOverflows", strings.Repeat("€", 80) + "a", 2, twilio.EncodingGSM7},
		{"ExtensionIsNotSplit", strings.Repeat("a", 152) + "[" + strings.Repeat("a", 152), 3, twilio.EncodingGSM7},
		{"AllExtensionChars", "^{}\\[~]|€\f", 1, twilio.EncodingGSM7},
		{"NonGSMMakesUCS2", "á", 1, twilio.EncodingUCS2},
		{"FullUCS2Segment", strings.Repeat("日", 70), 1, twilio.EncodingUCS2},
		{"OneOverUCS2Segment", strings.Repeat("日", 71), 2, twilio.EncodingUCS2},
		{"TwoFullUCS2Parts", strings.Repeat("日", 134), 2, twilio.EncodingUCS2},
		{"ThreeUCS2Parts", strings.Repeat("日", 135), 3, twilio.EncodingUCS2},
		{"EmojiIsTwoUnits", strings.Repeat("🚧", 35), 1, twilio.EncodingUCS2},
		{"EmojiOverflows", strings.Repeat("🚧", 35) + "a", 2, twilio.EncodingUCS2},
		{"SurrogatePairIsNotSplit", strings.Repeat("a", 66) + "🚧" + strings.Repeat("a", 66), 3, twilio.EncodingUCS2},
		{"OneNonGSMCharTurnsAllToUCS2", strings.Repeat("a", 100) + "ç", 2, twilio.EncodingUCS2},
		{"GSMCedillaIsUpperOnly", "Ç", 1, twilio.EncodingGSM7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n, enc := twilio.Segments(tc.text)
			assert.Equal(t, tc.n, n, "segments")
			assert.Equal(t, tc.enc, enc, "encoding")
		})
	}
}

func ExampleSegments() {
	fmt.Println(twilio.Segments("Your permit is approved."))
	fmt.Println(twilio.Segments(strings.Repeat("Your permit is approved. ", 7)))
	fmt.Println(twilio.Segments("Su permiso está aprobado 👍"))
	// Output:
	// 1 GSM-7
	// 2 GSM-7
	// 1 UCS-2
}
