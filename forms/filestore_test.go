package forms

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/civickit/civickit/adapters"
	"github.com/stretchr/testify/require"
)

// memFiles is a FileStore double that keeps the contract strictly: Put
// reads the body only up to MaxSize+1 bytes, sniffs the type from the
// content, refuses with a *FileError and stores nothing then; Ref hands
// out only the owner's own files; ids are random.
type memFiles struct {
	mu       sync.Mutex
	files    map[string]memFile
	puts     []Upload // Body left out
	discards []string
	putErr   error // a failure of the store itself
}

type memFile struct {
	ref           adapters.FileRef
	owner, issuer string
	data          []byte
}

var _ FileStore = (*memFiles)(nil)

func newMemFiles() *memFiles { return &memFiles{files: map[string]memFile{}} }

// eicar marks content the double's scan rejects.
const eicar = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE"

func (s *memFiles) Put(ctx context.Context, up Upload) (adapters.FileRef, error) {
	if err := ctx.Err(); err != nil {
		return adapters.FileRef{}, err
	}
	if up.MaxSize <= 0 || len(up.Accept) == 0 || up.Field == "" {
		return adapters.FileRef{}, fmt.Errorf("memfiles: upload without limits: %w", adapters.ErrInvalidArgument)
	}
	rec := up
	rec.Body = nil
	s.mu.Lock()
	s.puts = append(s.puts, rec)
	putErr := s.putErr
	s.mu.Unlock()
	data, err := io.ReadAll(io.LimitReader(up.Body, up.MaxSize+1))
	if err != nil {
		return adapters.FileRef{}, err
	}
	if putErr != nil {
		return adapters.FileRef{}, putErr
	}
	switch {
	case int64(len(data)) > up.MaxSize:
		return adapters.FileRef{}, &FileError{Kind: FileTooLarge}
	case len(data) == 0:
		return adapters.FileRef{}, &FileError{Kind: FileEmpty}
	}
	typ, _, _ := strings.Cut(http.DetectContentType(data), ";")
	if !slices.Contains(up.Accept, typ) {
		return adapters.FileRef{}, &FileError{Kind: FileType, Type: typ}
	}
	if bytes.Contains(data, []byte(eicar)) {
		return adapters.FileRef{}, &FileError{Kind: FileRejected}
	}
	sum := sha256.Sum256(data)
	ref := adapters.FileRef{ID: rand.Text(), Field: up.Field, Name: cleanName(up.Name), Type: typ,
		Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[ref.ID] = memFile{ref: ref, owner: up.Owner, issuer: up.OwnerIssuer, data: data}
	return ref, nil
}

func cleanName(n string) string {
	n = path.Base(strings.ReplaceAll(n, `\`, "/"))
	if len(n) > 100 {
		n = n[:100]
	}
	return n
}

func (s *memFiles) Ref(ctx context.Context, id, owner, issuer string) (adapters.FileRef, error) {
	if err := ctx.Err(); err != nil {
		return adapters.FileRef{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[id]
	if !ok || f.owner != owner || f.issuer != issuer {
		return adapters.FileRef{}, fmt.Errorf("memfiles: file %q: %w", id, adapters.ErrNotFound)
	}
	return f.ref, nil
}

func (s *memFiles) Discard(_ context.Context, ids ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		delete(s.files, id)
		s.discards = append(s.discards, id)
	}
	return nil
}

// ids returns the ids of the files stored, sorted.
func (s *memFiles) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.files))
	for id := range s.files {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func (s *memFiles) putCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.puts)
}

// damageForm has a required photo (JPEG or PNG, 1 KB), a list of up to
// two PDFs (2 KB each), and 3,000 bytes for all files together.
const damageForm = `{
  "x-form": {"id": "damage", "version": 1, "maxTotalSize": 3000},
  "type": "object",
  "title": "Report damage", "x-title": {"es": "Informe de daños"},
  "required": ["description", "photo"],
  "properties": {
    "description": {"type": "string", "title": "What happened", "x-title": {"es": "Qué pasó"}, "maxLength": 200},
    "photo": {"type": "string", "title": "Photo", "x-title": {"es": "Foto"}, "description": "A photo of the damage",
      "x-widget": "file", "x-accept": ["image/jpeg", "image/png"], "x-maxFileSize": 1024},
    "documents": {"type": "array", "items": {"type": "string"}, "maxItems": 2, "title": "Documents", "x-title": {"es": "Documentos"},
      "x-widget": "file", "x-accept": ["application/pdf"], "x-maxFileSize": 2000}
  }
}`

// fileRegistry returns a registry storing files in store (none when nil)
// with small limits.
func fileRegistry(t testing.TB, store FileStore, cfg RegistryConfig) *Registry {
	t.Helper()
	if store != nil {
		cfg.Files = store
	}
	if cfg.MaxUploadBytes == 0 {
		cfg.MaxUploadBytes = 256 << 10
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 4096
	}
	r, err := NewRegistry(&cfg)
	require.NoError(t, err)
	return r
}

func loadDamage(t testing.TB, store FileStore) *Form {
	t.Helper()
	f, err := fileRegistry(t, store, RegistryConfig{}).Load(context.Background(), "damage.json", []byte(damageForm))
	require.NoError(t, err)
	return f
}

// Content the double sniffs as each type.
var (
	jpeg = func(n int) []byte { return pad([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), n) }
	pdf  = func(n int) []byte { return pad([]byte("%PDF-1.7\n"), n) }
)

func pad(head []byte, n int) []byte {
	if n < len(head) {
		return head[:n]
	}
	return append(head, bytes.Repeat([]byte{'a'}, n-len(head))...)
}

// part is one part of a multipart body: a file when file is set (with
// name fileName), else a text value.
type part struct {
	name, value string
	fileName    string
	file        []byte
	isFile      bool
	header      map[string]string // raw headers instead of the usual ones
}

func textPart(name, value string) part { return part{name: name, value: value} }

func filePart(name, fileName string, data []byte) part {
	return part{name: name, fileName: fileName, file: data, isFile: true}
}

const testBoundary = "civickit-test-boundary"

// multipartBody writes the parts with multipart.Writer.
func multipartBody(t testing.TB, parts ...part) []byte {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	require.NoError(t, w.SetBoundary(testBoundary))
	for _, p := range parts {
		h := map[string][]string{}
		switch {
		case p.header != nil:
			for k, v := range p.header {
				h[k] = []string{v}
			}
		case p.isFile:
			h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name=%q; filename=%q`, p.name, p.fileName)}
			h["Content-Type"] = []string{"application/octet-stream"}
		default:
			h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name=%q`, p.name)}
		}
		pw, err := w.CreatePart(h)
		require.NoError(t, err)
		if p.isFile {
			_, err = pw.Write(p.file)
		} else {
			_, err = io.WriteString(pw, p.value)
		}
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return b.Bytes()
}

// multipartRequest posts body as multipart/form-data from the uploader
// ("" for anonymous).
func multipartRequest(body []byte, subject string) *http.Request {
	req := httptest.NewRequest("POST", "/damage", bytes.NewReader(body))
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+testBoundary)
	if subject != "" {
		req = req.WithContext(WithUploader(req.Context(), subject, "https://id.example.gov"))
	}
	return req
}
