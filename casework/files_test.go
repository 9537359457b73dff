package casework_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/casework"
	"github.com/civickit/civickit/documents"
	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/identity"
	"github.com/civickit/civickit/workflow"
)

// eicarFile is the antivirus test file, which documents.EICAR rejects.
const eicarFile = `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`

// The people a case's files are shown to, or hidden from.
var (
	neighbour = &identity.Principal{Issuer: "https://id.example", Subject: "res-2", Roles: []string{"resident"},
		Assurance: identity.AssuranceLow}
	// namesake has the resident's subject at another provider: another person.
	namesake = &identity.Principal{Issuer: "https://other-id.example", Subject: "res-1", Roles: []string{"resident"},
		Assurance: identity.AssuranceLow}
)

// docClock is the documents store's clock, moved on by hand.
type docClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *docClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *docClock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// fileWorld is a world with a documents store on a mem:// bucket over
// the same memory store, scanning with documents.EICAR (unavailable while
// down is set).
type fileWorld struct {
	*world
	docs  *documents.Store
	forms *forms.Registry // the registry of the last photoIntake
	clock *docClock
	down  atomic.Bool
}

func newFileWorld(t *testing.T) *fileWorld {
	t.Helper()
	fw := &fileWorld{world: newWorld(t), clock: &docClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}}
	docs, err := documents.Open(context.Background(), documents.Config{
		Bucket:  "mem://",
		Records: fw.store,
		Scanner: documents.ScanFunc(func(ctx context.Context, r io.Reader) (documents.Verdict, error) {
			if fw.down.Load() {
				return documents.Verdict{}, errors.New("clamd: connection refused")
			}
			return documents.EICAR{}.Scan(ctx, r)
		}),
		LinkKey: bytes.Repeat([]byte{0x17}, documents.MinLinkKeyLen),
		Now:     fw.clock.now,
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = docs.Close() })
	fw.docs = docs
	return fw
}

// put uploads a file to field as p, through documents.Store.Put.
func (fw *fileWorld) put(t *testing.T, p *identity.Principal, field, name string, body []byte) adapters.FileRef {
	t.Helper()
	ref, err := fw.docs.Put(context.Background(), forms.Upload{Field: field, Name: name, MaxSize: 1 << 20,
		Accept: []string{"text/plain", "image/png", "application/pdf"}, Owner: p.Subject, OwnerIssuer: p.Issuer,
		Body: bytes.NewReader(body)})
	require.NoError(t, err)
	return ref
}

// report opens a pothole case as p, through workflow.Engine.Open, whose
// submission names the files.
func (fw *fileWorld) report(t *testing.T, p *identity.Principal, files ...adapters.FileRef) adapters.Case {
	t.Helper()
	data := json.RawMessage(`{"location": "12 Elm Street"}`)
	c, err := fw.engine.Open(context.Background(), workflow.OpenParams{Type: "pothole", Actor: workflow.ActorOf(p),
		Submission: &adapters.Submission{FormID: "pothole", FormVersion: 3, Data: data, Files: files}})
	require.NoError(t, err)
	return c
}

// handler returns the files page mounted at /cases/ for staff, as p.
func (fw *fileWorld) handler(t *testing.T, p *identity.Principal) http.Handler {
	t.Helper()
	h, err := casework.NewFiles(casework.FilesConfig{Store: fw.store, Documents: fw.docs, Pages: fw.pages,
		Path: "/cases/", Roles: []string{"staff"}})
	require.NoError(t, err)
	return as(p, h)
}

// pngFile is a small PNG image.
func pngFile(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 6))
	for x := range 8 {
		img.Set(x, 3, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

// caseFiles is a case with one file in each state: an EICAR file the
// late scan rejected, a file still waiting for its scan, a clean text
// file and a clean image.
type caseFiles struct {
	c                              adapters.Case
	rejected, pending, text, photo adapters.FileRef
	textBody, photoBody            []byte
}

func (fw *fileWorld) caseWithFiles(t *testing.T) caseFiles {
	t.Helper()
	var cf caseFiles
	fw.down.Store(true) // the scanner is down for the first two uploads
	cf.rejected = fw.put(t, resident, "evidence", "invoice.txt", []byte(eicarFile))
	fw.clock.add(2 * time.Minute)
	cf.pending = fw.put(t, resident, "evidence", "letter.txt", []byte("Dear city, the hole is deep.\n"))
	fw.down.Store(false)
	fw.clock.add(time.Second)
	cf.textBody = []byte("The pothole is 40 cm wide, next to the bus stop.\n")
	cf.text = fw.put(t, resident, "details", "notes.txt", cf.textBody)
	fw.clock.add(time.Second)
	cf.photoBody = pngFile(t)
	cf.photo = fw.put(t, resident, "photos", "C:\\Users\\ana\\hole.png", cf.photoBody)
	cf.c = fw.report(t, resident, cf.rejected, cf.pending, cf.text, cf.photo)
	// the scanner is back: the late scan takes the upload older than a
	// minute and rejects it; the other waits for a later run
	n, err := fw.docs.ScanPending(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, n, "the late scan decides the EICAR file only")
	return cf
}

// fileLinks are the links of a files page, in order: [href, text].
var fileLinks = regexp.MustCompile(`<a class="usa-link[^"]*" href="([^"]+)">([^<]+)<span class="usa-sr-only"> ([^<]+)</span></a>`)

// row returns the table row of the file named name on a files page.
func row(t *testing.T, page, name string) string {
	t.Helper()
	start := strings.Index(page, `<th scope="row" data-label="File">`+name+`</th>`)
	if start < 0 {
		start = strings.Index(page, `<th scope="row" data-label="Archivo">`+name+`</th>`)
	}
	require.GreaterOrEqual(t, start, 0, "a row for %s in %s", name, page)
	end := strings.Index(page[start:], "</tr>")
	require.Greater(t, end, 0)
	return page[start : start+end]
}

func TestNewFilesRefusesBadConfigs(t *testing.T) {
	t.Parallel()
	fw := newFileWorld(t)
	ok := casework.FilesConfig{Store: fw.store, Documents: fw.docs, Pages: fw.pages, Path: "/cases/", Roles: []string{"staff"}}
	noView := french
	noView.View = ""
	tests := []struct {
		name   string
		change func(*casework.FilesConfig)
		want   []string
	}{
		{name: "no store", change: func(c *casework.FilesConfig) { c.Store = nil }, want: []string{"Store is required"}},
		{name: "no documents", change: func(c *casework.FilesConfig) { c.Documents = nil }, want: []string{"Documents is required"}},
		{name: "no pages", change: func(c *casework.FilesConfig) { c.Pages = nil }, want: []string{"Pages is required"}},
		{name: "path without its slashes", change: func(c *casework.FilesConfig) { c.Path = "cases" },
			want: []string{`Path "cases" must start and end with /`}},
		{name: "no roles", change: func(c *casework.FilesConfig) { c.Roles = nil }, want: []string{"Roles must name at least one role"}},
		{name: "an empty role", change: func(c *casework.FilesConfig) { c.Roles = []string{"staff", ""} },
			want: []string{"Roles must name at least one role, none empty"}},
		{name: "text without a files text", change: func(c *casework.FilesConfig) { c.Texts = []casework.Text{noView} },
			want: []string{`text "fr": View is empty`}},
		{name: "every problem at once", change: func(c *casework.FilesConfig) {
			*c = casework.FilesConfig{Texts: []casework.Text{noView}}
		}, want: []string{"Store is required", "Documents is required", "Pages is required", `Path ""`, "Roles must", "View is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := ok
			tt.change(&cfg)
			h, err := casework.NewFiles(cfg)
			require.Error(t, err)
			assert.Nil(t, h)
			for _, s := range tt.want {
				assert.Contains(t, err.Error(), s)
			}
			assert.Len(t, strings.Split(err.Error(), "\n"), len(tt.want), "one line per problem: %v", err)
		})
	}
	h, err := casework.NewFiles(ok)
	require.NoError(t, err)
	assert.NotNil(t, h)
}

func TestFilesShowsTheSubmitterTheirFiles(t *testing.T) {
	t.Parallel()
	fw := newFileWorld(t)
	cf := fw.caseWithFiles(t)
	h := fw.handler(t, resident)

	r := get(h, "/cases/"+cf.c.ID)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, "text/html; charset=utf-8", r.Header().Get("Content-Type"))
	assert.Equal(t, "no-store", r.Header().Get("Cache-Control"), "the links in the page are short-lived capabilities")
	assert.Equal(t, "en", r.Header().Get("Content-Language"))
	page := r.Body.String()
	assert.Contains(t, page, "<title>Files – City of Testville</title>")
	assert.Contains(t, page, `<p>Case <strong class="text-mono">`+cf.c.ID+`</strong></p>`)
	assert.Contains(t, page, `<th scope="col">File</th><th scope="col">Type</th><th scope="col">Size</th><th scope="col">Status</th>`)

	// in upload order, each with its cleaned name, type and size
	names := regexp.MustCompile(`<th scope="row" data-label="File">([^<]+)</th>`).FindAllStringSubmatch(page, -1)
	require.Len(t, names, 4)
	assert.Equal(t, []string{"invoice.txt", "letter.txt", "notes.txt", "hole.png"},
		[]string{names[0][1], names[1][1], names[2][1], names[3][1]})
	assert.Contains(t, row(t, page, "notes.txt"), `<td data-label="Type">TXT</td>`)
	assert.Contains(t, row(t, page, "notes.txt"), `<td data-label="Size">49 B</td>`)
	assert.Contains(t, row(t, page, "hole.png"), `<td data-label="Type">PNG</td>`)

	rejected := row(t, page, "invoice.txt")
	assert.Contains(t, rejected, `Removed: the virus check refused this file (<span class="text-mono">Eicar-Test-Signature</span>)`)
	assert.NotContains(t, rejected, "<a ", "a removed file has no link")
	pending := row(t, page, "letter.txt")
	assert.Contains(t, pending, `<td data-label="Status">Waiting for the virus check`)
	assert.NotContains(t, pending, "<a ", "a file waiting for its scan has no link")

	text := fileLinks.FindAllStringSubmatch(row(t, page, "notes.txt"), -1)
	require.Len(t, text, 1, "a text file has no copy to view")
	assert.Equal(t, []string{"Download", "notes.txt"}, text[0][2:])
	photo := fileLinks.FindAllStringSubmatch(row(t, page, "hole.png"), -1)
	require.Len(t, photo, 2)
	assert.Equal(t, []string{"Download", "hole.png"}, photo[0][2:])
	assert.Equal(t, []string{"View", "hole.png"}, photo[1][2:])

	// the links work through the documents handler: the original as a
	// download, the image's public copy inline
	files := fw.docs.Handler()
	dl := get(files, htmlUnescape(text[0][1]))
	require.Equal(t, http.StatusOK, dl.Code)
	assert.Equal(t, cf.textBody, dl.Body.Bytes())
	assert.Equal(t, "text/plain", dl.Header().Get("Content-Type"))
	assert.Equal(t, "attachment; filename*=UTF-8''notes.txt", dl.Header().Get("Content-Disposition"))
	assert.Equal(t, "nosniff", dl.Header().Get("X-Content-Type-Options"))

	dl = get(files, htmlUnescape(photo[0][1]))
	require.Equal(t, http.StatusOK, dl.Code)
	assert.Equal(t, cf.photoBody, dl.Body.Bytes(), "staff and the resident download the original")
	view := get(files, htmlUnescape(photo[1][1]))
	require.Equal(t, http.StatusOK, view.Code)
	assert.Equal(t, "inline; filename*=UTF-8''hole.png", view.Header().Get("Content-Disposition"))
	img, err := png.Decode(view.Body)
	require.NoError(t, err, "the view link serves the re-encoded image")
	assert.Equal(t, image.Rect(0, 0, 8, 6), img.Bounds())

	// each page draws new links, which expire with the documents store's TTL
	fw.clock.add(time.Minute)
	again := fileLinks.FindAllStringSubmatch(row(t, get(h, "/cases/"+cf.c.ID).Body.String(), "notes.txt"), -1)
	require.Len(t, again, 1)
	assert.NotEqual(t, text[0][1], again[0][1], "a later page signs a later expiry")
	fw.clock.add(documents.DefaultLinkTTL - 30*time.Second)
	assert.Equal(t, http.StatusNotFound, get(files, htmlUnescape(text[0][1])).Code, "a link from an old page has expired")
	assert.Equal(t, http.StatusOK, get(files, htmlUnescape(again[0][1])).Code, "the later page's link still serves")
}

func TestFilesStaffSeeEveryCase(t *testing.T) {
	t.Parallel()
	fw := newFileWorld(t)
	cf := fw.caseWithFiles(t)

	page := get(fw.handler(t, staff), "/cases/"+cf.c.ID).Body.String()
	assert.Len(t, fileLinks.FindAllStringSubmatch(page, -1), 3, "a download of each clean file and a view of the image")
	assert.Contains(t, page, "Waiting for the virus check")
	assert.Contains(t, page, "Removed: the virus check refused this file")

	// staff see a case with no files; a role not listed gives none of this
	empty := fw.report(t, neighbour)
	assert.Contains(t, get(fw.handler(t, staff), "/cases/"+empty.ID).Body.String(), "<p>This case has no files.</p>")
	assert.Equal(t, http.StatusNotFound, get(fw.handler(t, supervisorOnly()), "/cases/"+cf.c.ID).Code)
}

// supervisorOnly holds a staff role the files handler does not list.
func supervisorOnly() *identity.Principal {
	return &identity.Principal{Issuer: "https://staff.example", Subject: "sup-2", Roles: []string{"supervisor"},
		Assurance: identity.AssuranceSubstantial}
}

func TestFilesHiddenFromOthersAsAnUnknownCase(t *testing.T) {
	t.Parallel()
	fw := newFileWorld(t)
	cf := fw.caseWithFiles(t)

	unknown := get(fw.handler(t, neighbour), "/cases/no-such-case")
	require.Equal(t, http.StatusNotFound, unknown.Code)
	for name, p := range map[string]*identity.Principal{"another resident": neighbour, "the same subject at another provider": namesake} {
		r := get(fw.handler(t, p), "/cases/"+cf.c.ID)
		assert.Equal(t, http.StatusNotFound, r.Code, name)
		assert.Equal(t, unknown.Body.String(), r.Body.String(), "%s: the same page as an unknown case", name)
		assert.Equal(t, unknown.Header(), r.Header(), name)
		assert.NotContains(t, r.Body.String(), "notes.txt", name)

		j := do(fw.handler(t, p), request{method: http.MethodGet, target: "/cases/" + cf.c.ID, header: map[string]string{"Accept": "application/json"}})
		ju := do(fw.handler(t, p), request{method: http.MethodGet, target: "/cases/no-such-case", header: map[string]string{"Accept": "application/json"}})
		assert.Equal(t, http.StatusNotFound, j.Code, name)
		assert.Equal(t, ju.Body.String(), j.Body.String(), name)
		assert.Equal(t, "not-found", problem(t, j).Code, name)
	}
	for _, target := range []string{"/cases/", "/cases/" + cf.c.ID + "/more", "/cases/" + strings.Repeat("x", 300), "/cases/a%00b", "/elsewhere/" + cf.c.ID} {
		r := get(fw.handler(t, resident), target)
		assert.Equal(t, http.StatusNotFound, r.Code, target)
		assert.Equal(t, unknown.Body.String(), r.Body.String(), target)
	}

}

func TestFilesAnonymousMustSignIn(t *testing.T) {
	t.Parallel()
	fw := newFileWorld(t)
	cf := fw.caseWithFiles(t)
	for _, target := range []string{"/cases/" + cf.c.ID, "/cases/no-such-case"} {
		r := get(fw.handler(t, nil), target)
		assert.Equal(t, http.StatusUnauthorized, r.Code, target)
		assert.Equal(t, `Bearer realm="civickit"`, r.Header().Get("WWW-Authenticate"), target)
		assert.NotContains(t, r.Body.String(), "notes.txt")
	}
	r := do(fw.handler(t, resident), request{method: http.MethodPost, target: "/cases/" + cf.c.ID})
	assert.Equal(t, http.StatusMethodNotAllowed, r.Code)
	assert.Equal(t, "GET, HEAD", r.Header().Get("Allow"))
}

func TestFilesInSpanish(t *testing.T) {
	t.Parallel()
	fw := newFileWorld(t)
	cf := fw.caseWithFiles(t)
	h := fw.handler(t, resident)

	for name, r := range map[string]request{
		"lang":            {method: http.MethodGet, target: "/cases/" + cf.c.ID + "?lang=es", header: map[string]string{"Accept": "text/html"}},
		"Accept-Language": {method: http.MethodGet, target: "/cases/" + cf.c.ID, header: map[string]string{"Accept": "text/html", "Accept-Language": "es-MX,es;q=0.9"}},
	} {
		w := do(h, r)
		require.Equal(t, http.StatusOK, w.Code, name)
		page := w.Body.String()
		assert.Contains(t, page, `<html lang="es" dir="ltr">`, name)
		assert.Contains(t, page, "<title>Archivos – City of Testville</title>", name)
		assert.Contains(t, page, `<th scope="col">Archivo</th><th scope="col">Tipo</th><th scope="col">Tamaño</th><th scope="col">Estado</th>`, name)
		assert.Contains(t, row(t, page, "letter.txt"), "Esperando la revisión antivirus", name)
		assert.Contains(t, row(t, page, "invoice.txt"), "Eliminado: la revisión antivirus rechazó este archivo", name)
		photo := fileLinks.FindAllStringSubmatch(row(t, page, "hole.png"), -1)
		require.Len(t, photo, 2, name)
		assert.Equal(t, "Descargar", photo[0][2], name)
		assert.Equal(t, "Ver", photo[1][2], name)
	}
	empty := fw.report(t, resident)
	assert.Contains(t, get(h, "/cases/"+empty.ID+"?lang=es").Body.String(), "<p>Este caso no tiene archivos.</p>")
	assert.Contains(t, get(fw.handler(t, nil), "/cases/"+empty.ID+"?lang=es").Body.String(), "Inicie sesión para continuar",
		"the error page speaks the reader's language too")
}

func TestFilesEscapesNames(t *testing.T) {
	t.Parallel()
	fw := newFileWorld(t)
	ctx := context.Background()
	// documents cleans names of <>" already; a record from any other
	// writer may hold markup, and the page must not run it
	hostile := `<img src=x onerror=alert(1)>"'&.txt`
	require.NoError(t, fw.store.PutAttachment(ctx, adapters.Attachment{
		FileRef: adapters.FileRef{ID: "att-hostile", Field: "photos", Name: hostile, Type: "text/plain", Size: 3,
			SHA256: strings.Repeat("ab", 32)},
		Owner: resident.Subject, OwnerIssuer: resident.Issuer, Status: adapters.AttachmentClean, Key: "original/att-hostile",
		CreatedAt: fw.clock.now()}))
	cleaned := fw.put(t, resident, "details", "Tom & Jerry's <plan>.txt", []byte("a plan\n"))
	c := fw.report(t, resident, adapters.FileRef{ID: "att-hostile", Field: "photos", Name: hostile, Type: "text/plain", Size: 3,
		SHA256: strings.Repeat("ab", 32)}, cleaned)

	page := get(fw.handler(t, resident), "/cases/"+c.ID).Body.String()
	assert.NotContains(t, page, "<img")
	assert.NotContains(t, page, `"'&.txt`)
	escaped := `&lt;img src=x onerror=alert(1)&gt;&#34;&#39;&amp;.txt`
	assert.Contains(t, page, `<th scope="row" data-label="File">`+escaped+`</th>`)
	assert.Contains(t, page, `<span class="usa-sr-only"> `+escaped+`</span>`)
	assert.Contains(t, page, `<th scope="row" data-label="File">Tom &amp; Jerry&#39;s _plan_.txt</th>`)

	// JSON escapes it its own way, and keeps the name as it is
	r := do(fw.handler(t, resident), request{method: http.MethodGet, target: "/cases/" + c.ID, header: map[string]string{"Accept": "application/json"}})
	assert.NotContains(t, r.Body.String(), "<img")
	var out struct{ Files []struct{ Name string } }
	require.NoError(t, json.Unmarshal(r.Body.Bytes(), &out))
	require.Len(t, out.Files, 2)
	assert.ElementsMatch(t, []string{hostile, "Tom & Jerry's _plan_.txt"}, []string{out.Files[0].Name, out.Files[1].Name})
}

func TestFilesJSON(t *testing.T) {
	t.Parallel()
	fw := newFileWorld(t)
	cf := fw.caseWithFiles(t)
	r := do(fw.handler(t, resident), request{method: http.MethodGet, target: "/cases/" + cf.c.ID, header: map[string]string{"Accept": "application/json"}})
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, "application/json", r.Header().Get("Content-Type"))
	assert.Equal(t, "no-store", r.Header().Get("Cache-Control"))

	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(r.Body.Bytes(), &raw))
	assert.ElementsMatch(t, []string{"case", "files"}, keys(raw))
	var out struct {
		Case  string
		Files []map[string]any
	}
	require.NoError(t, json.Unmarshal(r.Body.Bytes(), &out))
	assert.Equal(t, cf.c.ID, out.Case)
	require.Len(t, out.Files, 4)

	rejected, pending, text, photo := out.Files[0], out.Files[1], out.Files[2], out.Files[3]
	assert.Equal(t, map[string]any{"id": cf.rejected.ID, "name": "invoice.txt", "type": "text/plain", "size": float64(len(eicarFile)),
		"sha256": cf.rejected.SHA256, "field": "evidence", "status": "rejected", "reason": "Eicar-Test-Signature"}, rejected)
	assert.Equal(t, map[string]any{"id": cf.pending.ID, "name": "letter.txt", "type": "text/plain", "size": float64(cf.pending.Size),
		"sha256": cf.pending.SHA256, "field": "evidence", "status": "quarantined"}, pending)
	download, _ := text["download"].(string)
	assert.True(t, strings.HasPrefix(download, "/files/"+cf.text.ID+"."), download)
	delete(text, "download")
	assert.Equal(t, map[string]any{"id": cf.text.ID, "name": "notes.txt", "type": "text/plain", "size": float64(len(cf.textBody)),
		"sha256": cf.text.SHA256, "field": "details", "status": "clean"}, text)
	assert.Equal(t, "image/png", photo["type"])
	assert.Equal(t, "photos", photo["field"])
	view, _ := photo["view"].(string)
	dl := get(fw.docs.Handler(), view)
	require.Equal(t, http.StatusOK, dl.Code, "the JSON view link serves the image")
	assert.Equal(t, "image/png", dl.Header().Get("Content-Type"))
	dl = get(fw.docs.Handler(), photo["download"].(string))
	require.Equal(t, http.StatusOK, dl.Code)
	assert.Equal(t, cf.photoBody, dl.Body.Bytes())

	empty := fw.report(t, resident)
	r = do(fw.handler(t, resident), request{method: http.MethodGet, target: "/cases/" + empty.ID, header: map[string]string{"Accept": "application/json"}})
	assert.JSONEq(t, `{"case": "`+empty.ID+`", "files": []}`, r.Body.String())
}

func keys(m map[string]json.RawMessage) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
