package documents_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/forms"
)

// reportForm is a pothole report: a photo (one image) and up to three
// documents, as a city would write it.
const reportForm = `{
  "x-form": {"id": "pothole", "version": 1, "maxTotalSize": 3145728},
  "type": "object", "required": ["street", "photo"],
  "properties": {
    "street": {"type": "string", "title": "Street", "maxLength": 100},
    "photo": {"type": "string", "title": "Photo of the pothole", "x-widget": "file",
              "x-accept": ["image/jpeg", "image/png"], "x-maxFileSize": 1048576},
    "papers": {"type": "array", "items": {"type": "string"}, "maxItems": 3, "title": "Other documents",
               "x-widget": "file", "x-accept": ["application/pdf", "text/plain"], "x-maxFileSize": 1048576}
  }
}`

// part is one part of a multipart body; file parts have a file name.
type part struct{ name, file, body string }

func multipartBody(t testing.TB, parts ...part) (*bytes.Buffer, string) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p.file != "" {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, p.name, p.file))
			h.Set("Content-Type", "image/jpeg") // a client's claim, never believed
		} else {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, p.name))
		}
		pw, err := w.CreatePart(h)
		require.NoError(t, err)
		_, err = io.WriteString(pw, p.body)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return &body, w.FormDataContentType()
}

// postForm loads the report form over the fixture's store and reads one
// multipart post as the signed-in resident.
func postForm(t *testing.T, f *fixture, body io.Reader, ctype string) (*forms.Form, *forms.Post, error) {
	t.Helper()
	reg, err := forms.NewRegistry(&forms.RegistryConfig{Files: f.store})
	require.NoError(t, err)
	form, err := reg.Load(context.Background(), "pothole.json", []byte(reportForm))
	require.NoError(t, err)
	r := httptest.NewRequest(http.MethodPost, "/pothole", body)
	r.Header.Set("Content-Type", ctype)
	r = r.WithContext(forms.WithUploader(r.Context(), "resident-1", "https://id.example.gov"))
	post, err := form.ReadPost(r, "en")
	return form, post, err
}

// TestFormPostIntoTheStore posts a form with files through forms'
// one-call post handling into the real store, and opens a case with it.
func TestFormPostIntoTheStore(t *testing.T) {
	for name, su := range buckets(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, su(t))
			photo := testJPEG(t, 32, 24, true)
			body, ctype := multipartBody(t,
				part{name: "street", body: "Elm Street"},
				part{name: "photo", file: "IMG_0001.JPG", body: string(photo)},
				part{name: "papers", file: "letter.txt", body: "Dear city,\n"},
				part{name: "papers", file: "notes.txt", body: "more\n"},
			)
			form, post, err := postForm(t, f, body, ctype)
			require.NoError(t, err)
			require.Nil(t, post.Errors)
			require.True(t, post.Complete())
			require.Len(t, post.Files, 3)
			assert.Equal(t, "photo", post.Files[0].Field)
			assert.Equal(t, "image/jpeg", post.Files[0].Type)
			assert.Equal(t, sha(photo), post.Files[0].SHA256)
			assert.Equal(t, int64(len(photo)), post.Files[0].Size)
			assert.Equal(t, "papers", post.Files[1].Field)
			assert.Equal(t, "text/plain", post.Files[1].Type)
			assert.JSONEq(t, fmt.Sprintf(`{"street":"Elm Street","photo":%q,"papers":[%q,%q]}`,
				post.Files[0].ID, post.Files[1].ID, post.Files[2].ID), string(post.JSON))

			// the photo has a public copy without its GPS position
			a, err := f.records.GetAttachment(context.Background(), post.Files[0].ID)
			require.NoError(t, err)
			assert.Equal(t, adapters.AttachmentClean, a.Status)
			res := f.get(t, f.store.Link(a, true))
			require.Equal(t, http.StatusOK, res.StatusCode)
			pub, _ := io.ReadAll(res.Body)
			assert.NotContains(t, string(pub), "GPS")
			assert.NotContains(t, string(pub), "Exif")

			// the case names the files, and they are linked to it
			sub := form.Submission(post.JSON, post.Files...)
			submit(t, f, "c1", sub.Files...)
			list, err := f.records.ListAttachments(context.Background(), "c1")
			require.NoError(t, err)
			require.Len(t, list, 3)
			for _, a := range list {
				assert.Equal(t, "sub-c1", a.SubmissionID)
			}
		})
	}
}

// TestFormPostBadFiles: each bad file is a field error or a request
// error, and nothing of the post is left in the bucket or the records.
func TestFormPostBadFiles(t *testing.T) {
	jpeg := string(testJPEG(t, 8, 8, false))
	huge := strings.Repeat("a", 1<<20+1)
	fieldErrors := map[string]struct {
		parts []part
		code  string
	}{
		"executable under an image name": {[]part{{name: "photo", file: "cat.jpg", body: "MZ\x90\x00\x03\x00\x00\x00" + strings.Repeat("\x00", 200)}}, "fileType"},
		"polyglot JPEG and HTML":         {[]part{{name: "photo", file: "cat.jpg", body: jpeg + "<html><script>alert(1)</script></html>"}}, "fileType"},
		"SVG as an image":                {[]part{{name: "photo", file: "cat.png", body: `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`}}, "fileType"},
		"HTML as an image":               {[]part{{name: "photo", file: "cat.png", body: "<!DOCTYPE html><html><body>hi</body></html>"}}, "fileType"},
		"too large":                      {[]part{{name: "papers", file: "big.txt", body: huge}}, "fileTooLarge"},
		"virus":                          {[]part{{name: "papers", file: "eicar.txt", body: `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`}}, "fileRejected"},
		"empty":                          {[]part{{name: "papers", file: "empty.txt", body: ""}}, "fileEmpty"},
		"too many files": {[]part{{name: "papers", file: "1.txt", body: "1"}, {name: "papers", file: "2.txt", body: "2"},
			{name: "papers", file: "3.txt", body: "3"}, {name: "papers", file: "4.txt", body: "4"}}, "tooManyFiles"},
	}
	for name, tc := range fieldErrors {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, memSetup(t))
			parts := append([]part{{name: "street", body: "Elm"}}, tc.parts...)
			if tc.parts[0].name != "photo" {
				parts = append(parts, part{name: "photo", file: "p.jpg", body: jpeg})
			}
			body, ctype := multipartBody(t, parts...)
			_, post, err := postForm(t, f, body, ctype)
			require.NoError(t, err)
			require.NotNil(t, post.Errors, "the post must be refused")
			var codes []string
			for _, fe := range post.Errors.Errors {
				codes = append(codes, fe.Code)
			}
			assert.Contains(t, codes, tc.code)
			// a refused file leaves nothing; the good files of a post
			// refused elsewhere are kept for the page drawn again
			refused := tc.parts[len(tc.parts)-1].file
			kept := 0
			for _, a := range f.allRecords(t) {
				assert.NotEqual(t, refused, a.Name, "the refused file must not be kept")
				kept++
				if a.PublicKey != "" {
					kept++
				}
			}
			assert.Len(t, f.keys(t), kept, "the bucket holds only what the records name")
		})
	}

	requestErrors := map[string]func(t *testing.T) (io.Reader, string){
		"truncated body": func(t *testing.T) (io.Reader, string) {
			b, ct := multipartBody(t, part{name: "street", body: "Elm"}, part{name: "photo", file: "p.jpg", body: jpeg},
				part{name: "papers", file: "a.txt", body: strings.Repeat("x", 5000)})
			return bytes.NewReader(b.Bytes()[:b.Len()-100]), ct
		},
		"two parts for a single-file field": func(t *testing.T) (io.Reader, string) {
			return multipartBody(t, part{name: "street", body: "Elm"}, part{name: "photo", file: "a.jpg", body: jpeg},
				part{name: "photo", file: "b.jpg", body: jpeg})
		},
		"a part with no name": func(t *testing.T) (io.Reader, string) {
			b, ct := multipartBody(t, part{name: "photo", file: "a.jpg", body: jpeg})
			raw := strings.Replace(b.String(), `name="photo"; `, ``, 1)
			return strings.NewReader(raw), ct
		},
		"a file name of 10,000 characters": func(t *testing.T) (io.Reader, string) {
			return multipartBody(t, part{name: "photo", file: "a.jpg", body: jpeg},
				part{name: "papers", file: strings.Repeat("n", 10000) + ".txt", body: "x"})
		},
		"a file for a field that takes none": func(t *testing.T) (io.Reader, string) {
			return multipartBody(t, part{name: "photo", file: "a.jpg", body: jpeg}, part{name: "street", file: "s.txt", body: "x"})
		},
	}
	for name, mk := range requestErrors {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, memSetup(t))
			body, ctype := mk(t)
			_, post, err := postForm(t, f, body, ctype)
			require.Error(t, err)
			assert.Nil(t, post)
			assert.Equal(t, http.StatusBadRequest, forms.ProblemFor(err, "en").Status)
			assert.Empty(t, f.keys(t), "nothing may be left in the bucket")
			assert.Empty(t, f.allRecords(t), "no record may be left")
		})
	}
}
