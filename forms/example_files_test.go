package forms_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/forms"
)

// exampleFiles is a FileStore kept in memory, as small as the contract
// allows: the documents package is the one to use.
type exampleFiles struct {
	refs  map[string]adapters.FileRef
	owner map[string]string
}

func (s *exampleFiles) Put(_ context.Context, up forms.Upload) (adapters.FileRef, error) {
	data, err := io.ReadAll(io.LimitReader(up.Body, up.MaxSize+1))
	if err != nil {
		return adapters.FileRef{}, err
	}
	typ, _, _ := strings.Cut(http.DetectContentType(data), ";")
	switch {
	case int64(len(data)) > up.MaxSize:
		return adapters.FileRef{}, &forms.FileError{Kind: forms.FileTooLarge}
	case len(data) == 0:
		return adapters.FileRef{}, &forms.FileError{Kind: forms.FileEmpty}
	case !slices.Contains(up.Accept, typ):
		return adapters.FileRef{}, &forms.FileError{Kind: forms.FileType, Type: typ}
	}
	ref := adapters.FileRef{ID: "file-" + strconv.Itoa(len(s.refs)+1), Field: up.Field, Name: up.Name, Type: typ, Size: int64(len(data))}
	s.refs[ref.ID], s.owner[ref.ID] = ref, up.OwnerIssuer+" "+up.Owner
	return ref, nil
}

func (s *exampleFiles) Ref(_ context.Context, id, owner, issuer string) (adapters.FileRef, error) {
	if ref, ok := s.refs[id]; ok && s.owner[id] == issuer+" "+owner {
		return ref, nil
	}
	return adapters.FileRef{}, adapters.ErrNotFound
}

func (s *exampleFiles) Discard(_ context.Context, ids ...string) error {
	for _, id := range ids {
		delete(s.refs, id)
	}
	return nil
}

// A file field takes a photo; the post streams it to the file store, and
// the submission names it.
func ExampleForm_ReadPost_files() {
	store := &exampleFiles{refs: map[string]adapters.FileRef{}, owner: map[string]string{}}
	reg, _ := forms.NewRegistry(&forms.RegistryConfig{Files: store})
	form, err := reg.Load(context.Background(), "pothole.json", []byte(`{
	  "x-form": {"id": "pothole", "version": 1},
	  "type": "object", "required": ["street", "photo"],
	  "properties": {
	    "street": {"type": "string", "title": "Street"},
	    "photo": {"type": "string", "title": "Photo of the pothole", "x-widget": "file",
	              "x-accept": ["image/jpeg", "image/png"], "x-maxFileSize": 5242880}}}`))
	if err != nil {
		fmt.Println(err)
		return
	}

	// what a browser posts from the page the Renderer draws
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("street", "Elm Street")
	fw, _ := w.CreateFormFile("photo", "pothole.png")
	_, _ = fw.Write([]byte("\x89PNG\r\n\x1a\n..."))
	_ = w.Close()
	r := httptest.NewRequest("POST", "/pothole", &body)
	r.Header.Set("Content-Type", w.FormDataContentType())
	// the signed-in resident owns the files they upload
	r = r.WithContext(forms.WithUploader(r.Context(), "resident-42", "https://login.example.gov"))

	post, err := form.ReadPost(r, "en")
	if err != nil {
		fmt.Println(err)
		return
	}
	sub := form.Submission(post.JSON, post.Files...)
	fmt.Println(string(sub.Data))
	fmt.Println(sub.Files[0].Field, sub.Files[0].Name, sub.Files[0].Type)
	// Output:
	// {"photo":"file-1","street":"Elm Street"}
	// photo pothole.png image/png
}
