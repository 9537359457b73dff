package letter_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/letter"
)

// FuzzRender checks that any message either renders to a PDF a reader
// opens, whose every page has its page number, or is refused as a
// permanent invalid argument; never a panic.
func FuzzRender(f *testing.F) {
	f.Add("Ana Ruiz\n12 Calle Mayor\nSpringfield, IL 62704", "en", "PW-1", "Your request", "We fixed it.\n\nThanks.")
	f.Add("José Núñez\r\nCalle Año 5", "es-MX", "", "¿Recibió?", "¡Sí! ñ é ü")
	f.Add("", "", "", "", "")
	f.Add("1\n2\n3\n4\n5\n6\n7", "xx-invalid-", "c", "s", "t")
	f.Add("\xff\xfe\u202e\u200b", "es", "\x00", "\t", strings.Repeat("long words without spaces ", 40)+strings.Repeat("x", 900))
	f.Add("Zoë 漢字 \u0065\u0301", "zh-Hant", "id", "\u2028", "\r\r\n\n\n\u0007")
	ch, err := letter.New(letter.Config{Printer: refusePrinter{f}, SenderName: "City", ReturnAddress: []string{"1 Main St"}, MaxPages: 3})
	require.NoError(f, err)
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, to, locale, caseID, subject, text string) {
		doc, err := ch.Render(adapters.Outgoing{MessageID: "m", To: to, Locale: locale, CaseID: caseID, Subject: subject, Text: text}, at)
		if err != nil {
			if !errors.Is(err, adapters.ErrInvalidArgument) || !adapters.IsPermanent(err) {
				t.Fatalf("a refused message is a permanent invalid argument: %v", err)
			}
			return
		}
		pages := read(t, doc)
		if len(pages) < 1 || len(pages) > 3 {
			t.Fatalf("a letter has between 1 and MaxPages pages: %d", len(pages))
		}
		for i, pg := range pages {
			found := false
			for _, r := range pg.Runs {
				found = found || strings.HasSuffix(r.Text, " of "+strconv.Itoa(len(pages))) || strings.HasSuffix(r.Text, " de "+strconv.Itoa(len(pages)))
			}
			if !found {
				t.Fatalf("page %d has its page number:\n%s", i+1, dump(pg))
			}
		}
	})
}
