package documents_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"

	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/documents"
	"github.com/civickit/civickit/forms"
)

func Example() {
	ctx := context.Background()
	records := memory.New()
	linkKey := make([]byte, 32)
	_, _ = rand.Read(linkKey)
	store, err := documents.Open(ctx, documents.Config{
		Bucket:  "mem://", // "file:///var/lib/cityhall/files?create_dir=1" on a server
		Records: records,
		Scanner: documents.EICAR{}, // the city's antivirus in production
		LinkKey: linkKey,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()

	// forms calls Put for each file part of a post.
	ref, err := store.Put(ctx, forms.Upload{
		Field:   "lease",
		Name:    `C:\Users\ana\Documents\lease.txt`,
		Accept:  []string{"text/plain", "application/pdf"},
		MaxSize: 10 << 20,
		Owner:   "resident-1", OwnerIssuer: "https://id.example.gov",
		Body: strings.NewReader("12 Elm Street, from June 1\n"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ref.Name, ref.Type, ref.Size)

	// A page for someone allowed to see the file links to it.
	a, err := records.GetAttachment(ctx, ref.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := httptest.NewRecorder()
	store.Handler().ServeHTTP(rec, httptest.NewRequest("GET", store.Link(a, false), nil))
	body, _ := io.ReadAll(rec.Body)
	fmt.Print(rec.Code, " ", rec.Header().Get("Content-Disposition"), "\n", string(body))

	// A file the scanner rejects is refused, and nothing of it is kept.
	_, err = store.Put(ctx, forms.Upload{
		Field: "lease", Name: "eicar.txt", Accept: []string{"text/plain"}, MaxSize: 1024,
		Body: strings.NewReader(`X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`),
	})
	fmt.Println(err)
	// Output:
	// lease.txt text/plain 27
	// 200 attachment; filename*=UTF-8''lease.txt
	// 12 Elm Street, from June 1
	// forms: file refused: rejected (text/plain)
}
