package documents_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/civickit/civickit/documents"
	"github.com/civickit/civickit/forms"
	"github.com/ledongthuc/pdf"
)

func ExampleWriteCopy() {
	reg, _ := forms.NewRegistry(nil)
	form, _ := reg.Load(context.Background(), "pothole.json", []byte(`{
	  "x-form": {"id": "pothole", "version": 1},
	  "title": "Report a pothole", "x-title": {"es": "Reportar un bache"},
	  "type": "object", "required": ["where"],
	  "properties": {
	    "where": {"type": "string", "title": "Where is it?", "x-title": {"es": "¿Dónde está?"}},
	    "size": {"type": "string", "enum": ["small", "large"], "title": "Size", "x-title": {"es": "Tamaño"},
	             "x-options": {"small": {"es": "Pequeño"}, "large": {"es": "Grande"}}},
	    "email": {"type": "string", "format": "email", "title": "Email", "x-title": {"es": "Correo electrónico"}, "x-pii": "contact"}
	  }}`))
	clean, _ := form.ValidateJSON(context.Background(),
		[]byte(`{"where": "Calle 5 y Avenida Central", "size": "large", "email": "ana@example.org"}`), "es")
	sub := form.Submission(clean)
	sub.SubmittedAt = time.Date(2025, time.May, 2, 15, 30, 0, 0, time.UTC)

	var copy bytes.Buffer
	err := documents.WriteCopy(&copy, form, sub, documents.CopyOptions{
		Locale:    "es-MX",
		Reference: "BACHE-1042",
		Audience:  documents.Public, // the email is withheld
		TimeZone:  time.FixedZone("CST", -6*3600),
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// the text a reader finds in the PDF
	r, _ := pdf.NewReader(bytes.NewReader(copy.Bytes()), int64(copy.Len()))
	text, _ := r.Page(1).GetPlainText(nil)
	for _, line := range strings.Split(text, "\n") {
		if line != "" {
			fmt.Println(line)
		}
	}
	// Output:
	// Copia de una solicitud
	// Reportar un bache
	// Referencia: BACHE-1042
	// Enviada: 2 de mayo de 2025, 09:30 CST
	// ¿Dónde está?
	// Calle 5 y Avenida Central
	// Tamaño
	// Grande
	// Correo electrónico
	// reservado
	// Referencia: BACHE-1042
	// Página 1 de 1
}
