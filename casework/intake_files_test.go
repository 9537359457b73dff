package casework_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"regexp"
	"testing"

	"github.com/ledongthuc/pdf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/casework"
	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/identity"
)

// photoForm is the pothole report with a photo, as a city asks for one.
const photoForm = `{"type": "object", "x-form": {"id": "pothole", "version": 4},
  "title": "Report a pothole", "required": ["location", "photo"],
  "properties": {
    "location": {"type": "string", "minLength": 3, "maxLength": 200, "title": "Where is the pothole?"},
    "photo": {"type": "string", "title": "A photo of the pothole", "x-widget": "file",
      "x-accept": ["image/png", "image/jpeg"], "x-maxFileSize": 1048576}}}`

// photoIntake is an intake of photoForm whose files go to the world's
// documents store, as p.
func (fw *fileWorld) photoIntake(t *testing.T, p *identity.Principal) http.Handler {
	t.Helper()
	reg, err := forms.NewRegistry(&forms.RegistryConfig{Files: fw.docs})
	require.NoError(t, err)
	fw.forms = reg
	form, err := reg.Load(context.Background(), "pothole.json", []byte(photoForm))
	require.NoError(t, err)
	h, err := casework.NewIntake(casework.IntakeConfig{Form: form, Engine: fw.engine, Pages: fw.pages, Type: "pothole"})
	require.NoError(t, err)
	return as(p, h)
}

// filePart is a part of a multipart post: a file when file is set.
type filePart struct {
	name, file string
	body       []byte
}

// postMultipart is a browser's post of a page with a file input.
func postMultipart(t *testing.T, h http.Handler, parts ...filePart) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range parts {
		hd := textproto.MIMEHeader{}
		if p.file != "" {
			hd.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, p.name, p.file))
			hd.Set("Content-Type", "application/octet-stream")
		} else {
			hd.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, p.name))
		}
		w, err := mw.CreatePart(hd)
		require.NoError(t, err)
		_, err = w.Write(p.body)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	r := httptest.NewRequest(http.MethodPost, "http://city.example/report", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("Accept", "text/html")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

var carriedPhoto = regexp.MustCompile(`name="_file\.photo" value="([^"]+)"`)

// TestIntakeWithAFile: a resident's photo goes to the documents store with
// the post, is kept when the post is refused for another answer, and is
// linked to the case the corrected post opens; nobody else can claim it.
func TestIntakeWithAFile(t *testing.T) {
	fw := newFileWorld(t)
	h := fw.photoIntake(t, resident)
	page := get(h, "/report")
	require.Equal(t, http.StatusOK, page.Code)
	assert.Contains(t, page.Body.String(), `enctype="multipart/form-data"`)
	assert.Regexp(t, `<input[^>]*type="file"[^>]*accept="image/png,image/jpeg"`, page.Body.String())

	// the photo is stored, but the location is missing: the page comes
	// back with the photo kept and the error on the location
	photo := pngFile(t)
	res := postMultipart(t, h, filePart{name: "location", body: []byte("x")}, filePart{name: "photo", file: "../../IMG_1.png", body: photo})
	require.Equal(t, http.StatusUnprocessableEntity, res.Code, res.Body.String())
	m := carriedPhoto.FindStringSubmatch(res.Body.String())
	require.NotNil(t, m, "the stored photo must be carried by the page drawn again")
	id := m[1]
	assert.Contains(t, res.Body.String(), "IMG_1.png")
	assert.NotContains(t, res.Body.String(), "../")
	assert.Empty(t, fw.cases(t))

	// a neighbour who learnt the id cannot submit the resident's photo
	other := postMultipart(t, fw.photoIntake(t, neighbour), filePart{name: "location", body: []byte("12 Elm Street")},
		filePart{name: "_file.photo", body: []byte(id)})
	require.Equal(t, http.StatusUnprocessableEntity, other.Code)
	assert.NotContains(t, other.Body.String(), id)
	assert.Empty(t, fw.cases(t))

	// the corrected post opens the case, which names the photo
	res = postMultipart(t, h, filePart{name: "location", body: []byte("12 Elm Street")}, filePart{name: "_file.photo", body: []byte(id)})
	require.Equal(t, http.StatusCreated, res.Code, res.Body.String())
	cases := fw.cases(t)
	require.Len(t, cases, 1)
	subs, err := fw.store.ListSubmissions(context.Background(), cases[0].ID)
	require.NoError(t, err)
	require.Len(t, subs, 1)
	require.Len(t, subs[0].Files, 1)
	assert.Equal(t, id, subs[0].Files[0].ID)
	assert.Equal(t, "photo", subs[0].Files[0].Field)
	assert.Equal(t, "image/png", subs[0].Files[0].Type)
	assert.Equal(t, int64(len(photo)), subs[0].Files[0].Size)
	atts, err := fw.store.ListAttachments(context.Background(), cases[0].ID)
	require.NoError(t, err)
	require.Len(t, atts, 1)
	assert.Equal(t, adapters.AttachmentClean, atts[0].Status)
	assert.Equal(t, resident.Subject, atts[0].Owner)

	// the resident sees it on the case's files page and can fetch it
	list := get(fw.handler(t, resident), "/cases/"+cases[0].ID)
	require.Equal(t, http.StatusOK, list.Code)
	link := regexp.MustCompile(`href="(/files/[^"]+)"`).FindStringSubmatch(list.Body.String())
	require.NotNil(t, link)
	file := httptest.NewRecorder()
	fw.docs.Handler().ServeHTTP(file, httptest.NewRequest(http.MethodGet, htmlUnescape(link[1]), nil))
	require.Equal(t, http.StatusOK, file.Code)
	got, _ := io.ReadAll(file.Body)
	assert.Equal(t, photo, got)

	// and a PDF copy of what they sent, in their language
	withCopies, err := casework.NewFiles(casework.FilesConfig{Store: fw.store, Documents: fw.docs, Pages: fw.pages,
		Path: "/cases/", Roles: []string{"staff"}, Forms: fw.forms})
	require.NoError(t, err)
	list = get(as(resident, withCopies), "/cases/"+cases[0].ID+"?lang=es")
	require.Equal(t, http.StatusOK, list.Code)
	copyLink := regexp.MustCompile(`href="([^"]+/copy/[^"]+)">Copia de la solicitud \(PDF\)</a>`).FindStringSubmatch(list.Body.String())
	require.NotNil(t, copyLink, list.Body.String())
	res = get(as(resident, withCopies), htmlUnescape(copyLink[1]))
	require.Equal(t, http.StatusOK, res.Code)
	assert.Equal(t, "application/pdf", res.Header().Get("Content-Type"))
	assert.Equal(t, "nosniff", res.Header().Get("X-Content-Type-Options"))
	doc := res.Body.Bytes()
	r, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	require.NoError(t, err)
	text, err := r.Page(1).GetPlainText(nil)
	require.NoError(t, err)
	for _, want := range []string{"Report a pothole", cases[0].ID, "12 Elm Street", "IMG_1.png", subs[0].Files[0].SHA256[:16]} {
		assert.Contains(t, text, want)
	}
	// nobody else gets it, nor a copy of a submission the case lacks
	assert.Equal(t, http.StatusNotFound, get(as(neighbour, withCopies), htmlUnescape(copyLink[1])).Code)
	assert.Equal(t, http.StatusNotFound, get(as(resident, withCopies), "/cases/"+cases[0].ID+"/copy/nope").Code)
	assert.Equal(t, http.StatusNotFound, get(fw.handler(t, resident), htmlUnescape(copyLink[1])).Code, "no copies without Forms")
}

// TestIntakeRefusesAVirus: the scan refuses the file at once, the resident
// is told on the field, and nothing is kept.
func TestIntakeRefusesAVirus(t *testing.T) {
	fw := newFileWorld(t)
	h := fw.photoIntake(t, resident)
	res := postMultipart(t, h, filePart{name: "location", body: []byte("12 Elm Street")},
		filePart{name: "photo", file: "photo.png", body: append(pngFile(t), eicarFile...)})
	require.Equal(t, http.StatusUnprocessableEntity, res.Code)
	assert.Contains(t, res.Body.String(), `id="f-photo-error" role="alert">The file did not pass the security check.`)
	assert.Empty(t, carriedPhoto.FindStringSubmatch(res.Body.String()))
	assert.Empty(t, fw.cases(t))
	for _, st := range []adapters.AttachmentStatus{adapters.AttachmentQuarantined, adapters.AttachmentClean, adapters.AttachmentRejected} {
		left, err := fw.store.ListAttachmentsByStatus(context.Background(), st, 10)
		require.NoError(t, err)
		assert.Empty(t, left, st)
	}
}
