package letter_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/letter"
)

// In development a FolderDrop stands in for the print-and-mail vendor:
// each letter lands in a folder as a PDF with a JSON sidecar, once per
// idempotency key.
func ExampleFolderDrop() {
	dir, err := os.MkdirTemp("", "letters")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	drop, err := letter.NewFolderDrop(dir)
	if err != nil {
		panic(err)
	}
	ch, err := letter.New(letter.Config{
		Printer:          drop,
		SenderName:       "City of Springfield",
		SenderDepartment: "Building Department",
		ReturnAddress:    []string{"100 Main Street", "Springfield, IL 62701"},
		Now:              func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		panic(err)
	}

	m := adapters.Outgoing{MessageID: "c1/2/0", IdempotencyKey: "c1/2/0", CaseID: "BP-2026-0117", Locale: "es",
		To:      "Ana Ruiz Peña\n12 Calle Mayor\nSpringfield, IL 62704",
		Subject: "Su permiso de obra está aprobado",
		Text:    "Estimada Sra. Ruiz:\n\nSu permiso de obra está aprobado."}
	sent, err := ch.Send(context.Background(), m)
	if err != nil {
		panic(err)
	}
	_, _ = ch.Send(context.Background(), m) // a retry after a lost answer: nothing new is printed

	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	fmt.Println(ch.Name(), filepath.Base(sent.ProviderID))
	fmt.Println(len(files), "files")
	// Output:
	// letter c1_2_0-086771019a2b5e5b.pdf
	// 2 files
}
