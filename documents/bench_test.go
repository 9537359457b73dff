package documents_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"testing"

	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/documents"
	"github.com/civickit/civickit/forms"
)

// BenchmarkUpload posts a form with a 10 MiB document through forms'
// post handling into a file:// bucket, scanned, as a resident's browser
// would send it. The body is streamed: allocations per operation stay
// far below the file's size.
func BenchmarkUpload(b *testing.B) {
	ctx := context.Background()
	records := memory.New()
	store, err := documents.Open(ctx, documents.Config{
		Bucket:  "file://" + b.TempDir(),
		Records: records,
		Scanner: documents.EICAR{},
		LinkKey: bytes.Repeat([]byte{1}, 32),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	reg, err := forms.NewRegistry(&forms.RegistryConfig{Files: store, MaxUploadBytes: 16 << 20})
	if err != nil {
		b.Fatal(err)
	}
	form, err := reg.Load(ctx, "permit.json", []byte(`{
	  "x-form": {"id": "permit", "version": 1},
	  "type": "object", "required": ["address", "plan"],
	  "properties": {
	    "address": {"type": "string", "title": "Site address"},
	    "plan": {"type": "string", "title": "Site plan", "x-widget": "file",
	             "x-accept": ["application/pdf"], "x-maxFileSize": 12582912}}}`))
	if err != nil {
		b.Fatal(err)
	}

	const size = 10 << 20
	doc := make([]byte, size)
	_, _ = rand.Read(doc)
	copy(doc, "%PDF-1.7\n")
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("address", "12 Elm Street")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="plan"; filename="site-plan.pdf"`)
	h.Set("Content-Type", "application/pdf")
	pw, _ := w.CreatePart(h)
	_, _ = pw.Write(doc)
	_ = w.Close()
	raw, ctype := body.Bytes(), w.FormDataContentType()

	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/permit", bytes.NewReader(raw))
		r.Header.Set("Content-Type", ctype)
		r = r.WithContext(forms.WithUploader(ctx, "resident-1", "https://id.example.gov"))
		post, err := form.ReadPost(r, "en")
		if err != nil || post.Errors != nil || len(post.Files) != 1 {
			b.Fatalf("post: %v %v", err, post)
		}
		b.StopTimer()
		if err := store.Discard(ctx, post.Files[0].ID); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
