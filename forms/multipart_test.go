package forms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/civickit/civickit/adapters"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMultipartPostStoresFilesAndNamesThem(t *testing.T) {
	t.Parallel()
	store := newMemFiles()
	f := loadDamage(t, store)
	body := multipartBody(t,
		textPart("description", "A tree fell on the fence."),
		filePart("photo", "C:\\Users\\ana\\fence.jpg", jpeg(900)),
		filePart("documents", "quote.pdf", pdf(1000)),
		filePart("documents", "invoice.pdf", pdf(800)),
		textPart("_key", "k1"))
	p, err := f.ReadPost(multipartRequest(body, "ana"), "en")
	require.NoError(t, err)
	require.Nil(t, p.Errors)
	require.True(t, p.Complete())

	require.Len(t, p.Files, 3, "every file stored is named")
	assert.Equal(t, []string{"photo", "documents", "documents"}, []string{p.Files[0].Field, p.Files[1].Field, p.Files[2].Field})
	assert.Equal(t, "fence.jpg", p.Files[0].Name, "the store's cleaned name")
	assert.Equal(t, "image/jpeg", p.Files[0].Type)
	assert.Equal(t, int64(900), p.Files[0].Size)
	assert.Equal(t, p.Files[0].ID, p.Values["photo"], "the value is the file id")
	assert.Equal(t, []any{p.Files[1].ID, p.Files[2].ID}, p.Values["documents"])
	assert.Equal(t, "k1", p.Hidden["_key"])

	var data map[string]any
	require.NoError(t, json.Unmarshal(p.JSON, &data))
	assert.Equal(t, p.Files[0].ID, data["photo"])
	assert.ElementsMatch(t, []string{p.Files[0].ID, p.Files[1].ID, p.Files[2].ID}, store.ids())

	require.Equal(t, 3, store.putCount())
	up := store.puts[0]
	assert.Equal(t, "photo", up.Field)
	assert.Equal(t, "ana", up.Owner)
	assert.Equal(t, "https://id.example.gov", up.OwnerIssuer)
	assert.Equal(t, []string{"image/jpeg", "image/png"}, up.Accept)
	assert.Equal(t, int64(1024), up.MaxSize)
	assert.Equal(t, int64(2000), store.puts[1].MaxSize, "the documents' own bound, within the total left")
	assert.Equal(t, int64(3000-900-1000), store.puts[2].MaxSize, "what the total leaves")

	sub := f.Submission(p.JSON, p.Files...)
	assert.Equal(t, p.Files, sub.Files)
	p.Files[0].Name = "changed"
	assert.Equal(t, "fence.jpg", sub.Files[0].Name, "the submission keeps its own copy")
}

func TestMultipartFieldErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		parts    []part
		field    string
		code     string
		message  string // in Spanish
		params   map[string]any
		keptFile string // a field whose file is stored and kept
	}{
		{name: "FileTooLarge", parts: []part{filePart("photo", "big.jpg", jpeg(1025))},
			field: "photo", code: "fileTooLarge", message: "El archivo debe ocupar 1 KB o menos.",
			params: map[string]any{"limit": "1 KB", "limitBytes": int64(1024)}},
		{name: "WrongType", parts: []part{filePart("photo", "doc.pdf", pdf(100))},
			field: "photo", code: "fileType", message: "El archivo debe ser de uno de estos tipos: JPEG, PNG."},
		{name: "EmptyFile", parts: []part{filePart("photo", "empty.jpg", nil)},
			field: "photo", code: "fileEmpty", message: "El archivo está vacío. Elija otro archivo."},
		{name: "RejectedByTheScan", parts: []part{filePart("photo", "x.jpg", append(jpeg(20), eicar...))},
			field: "photo", code: "fileRejected", message: "El archivo no pasó el control de seguridad. Elija otro archivo."},
		{name: "NoFileChosenForARequiredField", parts: []part{filePart("photo", "", nil)},
			field: "photo", code: "required", message: "Elija un archivo."},
		{name: "TooManyFiles", parts: []part{filePart("photo", "a.jpg", jpeg(10)),
			filePart("documents", "1.pdf", pdf(10)), filePart("documents", "2.pdf", pdf(10)), filePart("documents", "3.pdf", pdf(10))},
			field: "documents", code: "tooManyFiles", message: "Elija como máximo 2 archivos.", keptFile: "documents"},
		{name: "TotalTooLarge", parts: []part{filePart("photo", "a.jpg", jpeg(1000)),
			filePart("documents", "1.pdf", pdf(1500)), filePart("documents", "2.pdf", pdf(1000))},
			field: "documents", code: "filesTooLarge", message: "Los archivos juntos deben ocupar 3000 B o menos.", keptFile: "photo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := newMemFiles()
			f := loadDamage(t, store)
			parts := append([]part{textPart("description", "Fence")}, tt.parts...)
			p, err := f.ReadPost(multipartRequest(multipartBody(t, parts...), "ana"), "es")
			require.NoError(t, err, "a refused file is a field error, not a failed request")
			require.NotNil(t, p.Errors)
			fe, ok := p.Errors.For(tt.field)
			require.True(t, ok, "errors: %v", p.Errors)
			assert.Equal(t, tt.code, fe.Code)
			assert.Equal(t, tt.message, fe.Message)
			if tt.params != nil {
				assert.Equal(t, tt.params, fe.Params)
			}
			assert.Len(t, p.Errors.Errors, 1, "one error per field, none elsewhere: %v", p.Errors)
			assert.Equal(t, 422, ProblemFor(p.Errors, "es").Status)
			assert.Equal(t, "Fence", p.Values["description"], "entered values are kept")
			// every file still stored is one the page carries
			var carried []string
			for _, ref := range p.Files {
				carried = append(carried, ref.ID)
			}
			assert.ElementsMatch(t, store.ids(), carried)
			if tt.keptFile != "" {
				assert.NotEmpty(t, p.Values[tt.keptFile], "files stored before the problem are kept")
			}
		})
	}
}

func TestFileMessagesNameTheField(t *testing.T) {
	t.Parallel()
	def := strings.Replace(damageForm, `"x-maxFileSize": 1024}`,
		`"x-maxFileSize": 1024, "x-errorName": {"en": "a photo of the damage", "es": "una foto de los daños"}}`, 1)
	f, err := fileRegistry(t, newMemFiles(), RegistryConfig{}).Load(context.Background(), "d.json", []byte(def))
	require.NoError(t, err)
	for locale, want := range map[string][2]string{
		"en": {"A photo of the damage must be 1 KB or smaller.", "Upload a photo of the damage."},
		"es": {"Una foto de los daños debe ocupar 1 KB o menos.", "Suba una foto de los daños."},
	} {
		p, err := f.ReadPost(multipartRequest(multipartBody(t, textPart("description", "x"), filePart("photo", "a.jpg", jpeg(2000))), "ana"), locale)
		require.NoError(t, err)
		fe, _ := p.Errors.For("photo")
		assert.Equal(t, want[0], fe.Message, locale)
		p, err = f.ReadPost(multipartRequest(multipartBody(t, textPart("description", "x")), "ana"), locale)
		require.NoError(t, err)
		fe, _ = p.Errors.For("photo")
		assert.Equal(t, want[1], fe.Message, locale)
	}
}

func TestCarriedFilesAreNotUploadedAgain(t *testing.T) {
	t.Parallel()
	store := newMemFiles()
	f := loadDamage(t, store)
	r, err := NewRenderer(nil)
	require.NoError(t, err)

	// the description is missing: the photo is kept for the page drawn again
	first, err := f.ReadPost(multipartRequest(multipartBody(t,
		filePart("photo", `<img src=x onerror=1>.jpg`, jpeg(100))), "ana"), "en")
	require.NoError(t, err)
	require.NotNil(t, first.Errors)
	_, ok := first.Errors.For("description")
	require.True(t, ok)
	require.Len(t, first.Files, 1)
	id := first.Files[0].ID
	assert.Equal(t, id, first.Values["photo"])

	var page bytes.Buffer
	require.NoError(t, r.Render(&page, first.Page()))
	html := page.String()
	assert.Contains(t, html, `enctype="multipart/form-data"`)
	assert.Contains(t, html, `<li>&lt;img src=x onerror=1&gt;.jpg<input type="hidden" name="_file.photo" value="`+id+`">`,
		"the file is listed by its escaped name and carried")
	assert.Contains(t, html, `<input class="usa-checkbox__input" id="f-photo-remove-0" name="_drop.photo" type="checkbox" value="`+id+`">
<label class="usa-checkbox__label" for="f-photo-remove-0">Remove &lt;img src=x onerror=1&gt;.jpg</label>`, "with a box that takes it out")
	assert.NotContains(t, html, "<img src=x")

	// the next post carries the id and no file
	second, err := f.ReadPost(multipartRequest(multipartBody(t,
		textPart("description", "Fence"), textPart("_file.photo", id), filePart("photo", "", nil)), "ana"), "en")
	require.NoError(t, err)
	require.Nil(t, second.Errors)
	assert.Equal(t, id, second.Values["photo"])
	require.Len(t, second.Files, 1)
	assert.Equal(t, first.Files[0], second.Files[0])
	assert.Equal(t, 1, store.putCount(), "nothing uploaded twice")
	assert.Empty(t, second.Hidden, "carried files are not page inputs")

	// an url-encoded post may carry it too, and a new file replaces it
	vals := url.Values{"description": {"Fence"}, "_file.photo": {id}}
	third, err := f.ReadPost(formRequest(vals).WithContext(WithUploader(context.Background(), "ana", "https://id.example.gov")), "en")
	require.NoError(t, err)
	require.Nil(t, third.Errors)
	assert.Equal(t, id, third.Values["photo"])
	fourth, err := f.ReadPost(multipartRequest(multipartBody(t,
		textPart("description", "Fence"), textPart("_file.photo", id), filePart("photo", "new.png", append([]byte("\x89PNG\r\n\x1a\n"), 0))), "ana"), "en")
	require.NoError(t, err)
	require.Nil(t, fourth.Errors)
	require.Len(t, fourth.Files, 1)
	assert.Equal(t, "new.png", fourth.Files[0].Name)
}

func TestAnotherOwnersFileIsRefused(t *testing.T) {
	t.Parallel()
	store := newMemFiles()
	f := loadDamage(t, store)
	mine, err := f.ReadPost(multipartRequest(multipartBody(t, filePart("photo", "a.jpg", jpeg(50))), "ana"), "en")
	require.NoError(t, err)
	id := mine.Files[0].ID

	for name, req := range map[string]*http.Request{
		"AnotherResident": multipartRequest(multipartBody(t, textPart("description", "x"), textPart("_file.photo", id)), "bob"),
		"Anonymous":       multipartRequest(multipartBody(t, textPart("description", "x"), textPart("_file.photo", id)), ""),
		"AsAPlainValue":   multipartRequest(multipartBody(t, textPart("description", "x"), textPart("photo", id)), "bob"),
		"InJSON": func() *http.Request {
			r := jsonRequest(`{"description":"x","photo":"` + id + `"}`)
			return r.WithContext(WithUploader(r.Context(), "bob", "https://id.example.gov"))
		}(),
		"UnknownID": multipartRequest(multipartBody(t, textPart("description", "x"), textPart("_file.photo", "no-such-file")), "ana"),
	} {
		t.Run(name, func(t *testing.T) {
			p, err := f.ReadPost(req, "es")
			require.NoError(t, err)
			require.NotNil(t, p.Errors)
			fe, ok := p.Errors.For("photo")
			require.True(t, ok)
			assert.Equal(t, "fileUnknown", fe.Code)
			assert.Equal(t, "El archivo ya no está disponible. Elíjalo de nuevo.", fe.Message)
			assert.Nil(t, p.Values["photo"], "the id is not kept")
			assert.Empty(t, p.Files)
		})
	}
	assert.Equal(t, []string{id}, store.ids(), "the owner's file is untouched")

	// the owner's own JSON post may name it
	r := jsonRequest(`{"description":"x","photo":"` + id + `"}`)
	p, err := f.ReadPost(r.WithContext(WithUploader(r.Context(), "ana", "https://id.example.gov")), "en")
	require.NoError(t, err)
	require.Nil(t, p.Errors)
	require.Len(t, p.Files, 1)
	assert.Equal(t, id, p.Files[0].ID)
}

func TestMultipartBadInputFailsWholeAndLeavesNothing(t *testing.T) {
	t.Parallel()
	photo := filePart("photo", "a.jpg", jpeg(100)) // stored first, then discarded
	valid := multipartBody(t, textPart("description", "x"), photo)
	manyParts := []part{photo}
	for range maxFormValues {
		manyParts = append(manyParts, textPart("d", ""))
	}
	tests := []struct {
		name   string
		body   func(t *testing.T) []byte
		ctype  string
		status int
		sent   error
	}{
		{name: "TruncatedInAFile", status: 400, sent: ErrSyntax, body: func(t *testing.T) []byte {
			return multipartBody(t, photo, filePart("documents", "a.pdf", pdf(1500)))[:len(valid)+200]
		}},
		{name: "TruncatedBeforeTheClosingBoundary", status: 400, sent: ErrSyntax, body: func(t *testing.T) []byte {
			return bytes.TrimSuffix(valid, []byte("--"+testBoundary+"--\r\n"))
		}},
		{name: "EmptyBody", status: 400, sent: ErrSyntax, body: func(t *testing.T) []byte { return nil }},
		{name: "PartWithoutName", status: 400, sent: ErrSyntax, body: func(t *testing.T) []byte {
			return multipartBody(t, photo, part{header: map[string]string{"Content-Disposition": `form-data; filename="a.jpg"`}, isFile: true, file: jpeg(10)})
		}},
		{name: "PartNotFormData", status: 400, sent: ErrSyntax, body: func(t *testing.T) []byte {
			return multipartBody(t, photo, part{header: map[string]string{"Content-Disposition": `attachment; name="description"`}, value: "x"})
		}},
		{name: "FileForAnUnknownField", status: 400, sent: ErrSyntax, body: func(t *testing.T) []byte {
			return multipartBody(t, photo, filePart("evidence", "a.pdf", pdf(10)))
		}},
		{name: "FileForAHiddenName", status: 400, sent: ErrSyntax, body: func(t *testing.T) []byte {
			return multipartBody(t, photo, filePart("_file.photo", "a.jpg", jpeg(10)))
		}},
		{name: "TwoFilesForASingleFileField", status: 400, sent: ErrSyntax, body: func(t *testing.T) []byte {
			return multipartBody(t, photo, filePart("photo", "b.jpg", jpeg(10)))
		}},
		{name: "FileForAFieldTakingText", status: 400, sent: ErrSyntax, body: func(t *testing.T) []byte {
			return multipartBody(t, photo, filePart("description", "a.txt", []byte("text")))
		}},
		{name: "FileNameOf10000Characters", status: 400, sent: ErrSyntax, body: func(t *testing.T) []byte {
			return multipartBody(t, photo, filePart("documents", strings.Repeat("n", 10000)+".pdf", pdf(10)))
		}},
		{name: "HeaderOf1MiB", status: 400, sent: ErrSyntax, body: func(t *testing.T) []byte {
			return multipartBody(t, photo, part{header: map[string]string{"Content-Disposition": `form-data; name="description"`, "X-Pad": strings.Repeat("p", 1<<20)}, value: "x"})
		}},
		{name: "TooManyParts", status: 400, sent: ErrTooManyFields, body: func(t *testing.T) []byte { return multipartBody(t, manyParts...) }},
		{name: "InvalidUTF8Name", status: 400, sent: ErrInvalidUTF8, body: func(t *testing.T) []byte {
			return multipartBody(t, photo, part{header: map[string]string{"Content-Disposition": "form-data; name=\"descr\xffiption\""}, value: "x"})
		}},
		{name: "TextOverMaxBodyBytes", status: 413, sent: ErrTooLarge, body: func(t *testing.T) []byte {
			return multipartBody(t, photo, textPart("description", strings.Repeat("x", 5000)))
		}},
		{name: "BodyOverMaxUploadBytes", status: 413, sent: ErrTooLarge, body: func(t *testing.T) []byte {
			return multipartBody(t, photo, filePart("documents", "big.pdf", pdf(300<<10)))
		}},
		{name: "NoBoundary", status: 400, sent: ErrSyntax, ctype: "multipart/form-data", body: func(t *testing.T) []byte { return valid }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := newMemFiles()
			f := loadDamage(t, store)
			req := multipartRequest(tt.body(t), "ana")
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			p, err := f.ReadPost(req, "en")
			require.Error(t, err, "post %+v", p)
			assert.ErrorIs(t, err, tt.sent)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.status, ProblemFor(err, "en").Status)
			assert.Empty(t, store.ids(), "every file the request stored is discarded")
			assert.NotContains(t, err.Error(), strings.Repeat("n", 100), "the error does not echo the input")
		})
	}
}

func TestMultipartWithoutAFileStoreIs415(t *testing.T) {
	t.Parallel()
	f := loadDamage(t, nil)
	_, err := f.ReadPost(multipartRequest(multipartBody(t, textPart("description", "x")), "ana"), "es")
	require.ErrorIs(t, err, ErrUnsupportedMediaType)
	assert.Equal(t, 415, ProblemFor(err, "es").Status)

	// an id can be checked by no store
	p, err := f.ReadPost(formRequest(url.Values{"description": {"x"}, "_file.photo": {"abc"}}), "en")
	require.NoError(t, err)
	fe, ok := p.Errors.For("photo")
	require.True(t, ok)
	assert.Equal(t, "fileUnknown", fe.Code)
}

func TestStoreFailureFailsTheRequestAndDiscards(t *testing.T) {
	t.Parallel()
	store := newMemFiles()
	// the photo is stored, then the store fails on the document
	f, err := fileRegistry(t, &failAfter{memFiles: store, ok: 1}, RegistryConfig{}).Load(context.Background(), "damage.json", []byte(damageForm))
	require.NoError(t, err)
	body := multipartBody(t, filePart("photo", "a.jpg", jpeg(10)), filePart("documents", "a.pdf", pdf(10)))
	_, err = f.ReadPost(multipartRequest(body, "ana"), "en")
	require.ErrorIs(t, err, adapters.ErrUnavailable)
	assert.Equal(t, 503, ProblemFor(err, "en").Status)
	assert.Equal(t, 1, store.putCount())
	assert.Empty(t, store.ids(), "the photo stored before the failure is discarded")
}

// failAfter fails every Put after the first ok ones with ErrUnavailable.
type failAfter struct {
	*memFiles
	ok int
}

func (s *failAfter) Put(ctx context.Context, up Upload) (adapters.FileRef, error) {
	if s.ok == 0 {
		return adapters.FileRef{}, fmt.Errorf("blob: %w", adapters.ErrUnavailable)
	}
	s.ok--
	return s.memFiles.Put(ctx, up)
}

func TestFileFieldsOfHiddenBranchesAreDiscarded(t *testing.T) {
	t.Parallel()
	def := `{"x-form": {"id": "c", "version": 1}, "type": "object",
	  "properties": {"hasProof": {"type": "boolean"}},
	  "if": {"properties": {"hasProof": {"const": true}}, "required": ["hasProof"]},
	  "then": {"properties": {"proof": {"type": "string", "x-widget": "file", "x-accept": ["application/pdf"]}}}}`
	store := newMemFiles()
	f, err := fileRegistry(t, store, RegistryConfig{}).Load(context.Background(), "c.json", []byte(def))
	require.NoError(t, err)
	p, err := f.ReadPost(multipartRequest(multipartBody(t, filePart("proof", "a.pdf", pdf(10))), "ana"), "en")
	require.NoError(t, err)
	require.Nil(t, p.Errors)
	assert.Nil(t, p.Values["proof"])
	assert.Empty(t, p.Files)
	assert.Empty(t, store.ids(), "a file the answers hide is not kept")
	assert.Equal(t, int64(256<<10), store.puts[0].MaxSize, "the default bound, within MaxUploadBytes")
}

func TestFileFieldDefinitionErrors(t *testing.T) {
	t.Parallel()
	field := func(s string) string {
		return `{"x-form": {"id": "d", "version": 1}, "type": "object", "properties": {"f": ` + s + `}}`
	}
	tests := []struct{ name, def, pointer, reason string }{
		{"FileOnANumber", field(`{"type": "number", "x-widget": "file", "x-accept": ["image/png"]}`), "/properties/f/x-widget", "needs a string (one file) or an array of strings"},
		{"FileOnAnObject", field(`{"type": "object", "properties": {"a": {"type": "string"}}, "x-widget": "file", "x-accept": ["image/png"]}`), "/properties/f/x-widget", "an object is a group of fields"},
		{"NoAccept", field(`{"type": "string", "x-widget": "file"}`), "/properties/f", "needs x-accept"},
		{"MalformedType", field(`{"type": "string", "x-widget": "file", "x-accept": ["image"]}`), "/properties/f/x-accept/0", "is not a media type"},
		{"Wildcard", field(`{"type": "string", "x-widget": "file", "x-accept": ["image/*"]}`), "/properties/f/x-accept/0", "is not a media type"},
		{"Parameters", field(`{"type": "string", "x-widget": "file", "x-accept": ["text/plain; charset=utf-8"]}`), "/properties/f/x-accept/0", "is not a media type"},
		{"HTMLIsUnsafe", field(`{"type": "string", "x-widget": "file", "x-accept": ["image/png", "text/html"]}`), "/properties/f/x-accept/1", "a browser would run the file"},
		{"SVGIsUnsafe", field(`{"type": "string", "x-widget": "file", "x-accept": ["image/svg+xml"]}`), "/properties/f/x-accept/0", "a browser would run the file"},
		{"AcceptOnText", field(`{"type": "string", "x-accept": ["image/png"]}`), "/properties/f/x-accept", "x-accept belongs to a file field"},
		{"MaxFileSizeOnText", field(`{"type": "string", "x-maxFileSize": 10}`), "/properties/f/x-maxFileSize", "belongs to a file field"},
		{"ListWithoutMaxItems", field(`{"type": "array", "items": {"type": "string"}, "x-widget": "file", "x-accept": ["image/png"]}`), "/properties/f", "needs maxItems"},
		{"ListOfNumbers", field(`{"type": "array", "items": {"type": "integer"}, "maxItems": 2, "x-widget": "file", "x-accept": ["image/png"]}`), "/properties/f/x-widget", "needs a string"},
		{"MaxFileSizeOverTheUploadLimit", field(`{"type": "string", "x-widget": "file", "x-accept": ["image/png"], "x-maxFileSize": 1000000000}`), "/properties/f/x-maxFileSize", "more than the registry's MaxUploadBytes"},
		{"ZeroMaxFileSize", field(`{"type": "string", "x-widget": "file", "x-accept": ["image/png"], "x-maxFileSize": 0}`), "/properties/f/x-maxFileSize", ""},
		{"MaxTotalOverTheUploadLimit", `{"x-form": {"id": "d", "version": 1, "maxTotalSize": 1000000000}, "type": "object", "properties": {"f": {"type": "string", "x-widget": "file", "x-accept": ["image/png"]}}}`, "/x-form/maxTotalSize", "more than the registry's MaxUploadBytes"},
		{"MaxTotalWithoutFiles", `{"x-form": {"id": "d", "version": 1, "maxTotalSize": 100}, "type": "object", "properties": {"f": {"type": "string"}}}`, "/x-form/maxTotalSize", "no file field"},
		{"UnknownFileMessageCode", field(`{"type": "string", "x-widget": "file", "x-accept": ["image/png"], "x-messages": {"fileHuge": "x"}}`), "", "value must be one of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := fileRegistry(t, nil, RegistryConfig{}).Load(context.Background(), "d.json", []byte(tt.def))
			var de *DefinitionError
			require.ErrorAs(t, err, &de)
			found := false
			for _, p := range de.Problems {
				if strings.HasPrefix(p.Pointer, tt.pointer) && strings.Contains(p.Reason, tt.reason) {
					found = true
				}
			}
			assert.True(t, found, "want %s: %q in %v", tt.pointer, tt.reason, de.Problems)
		})
	}
	// a form's own message for a file code is taken
	f, err := fileRegistry(t, newMemFiles(), RegistryConfig{}).Load(context.Background(), "d.json",
		[]byte(field(`{"type": "string", "x-widget": "file", "x-accept": ["image/png"], "x-maxFileSize": 10, "x-messages": {"fileTooLarge": "Photos up to {limit}, please."}}`)))
	require.NoError(t, err)
	p, err := f.ReadPost(multipartRequest(multipartBody(t, filePart("f", "a.png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 20)...))), "ana"), "en")
	require.NoError(t, err)
	fe, _ := p.Errors.For("f")
	assert.Equal(t, "Photos up to 10 B, please.", fe.Message)
}

func TestRenderFileField(t *testing.T) {
	t.Parallel()
	f := loadDamage(t, newMemFiles())
	r, err := NewRenderer(nil)
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, r.Render(&b, Page{Form: f, Locale: "es", Action: "/damage",
		Values: map[string]any{"documents": []any{"id-1", "id-2"}},
		Files:  []adapters.FileRef{{ID: "id-1", Name: "presupuesto.pdf"}}}))
	html := b.String()
	assert.Contains(t, html, `<form class="usa-form usa-form--large" method="post" enctype="multipart/form-data" action="/damage"`)
	assert.Contains(t, html, `<input class="usa-file-input" id="f-photo" name="photo" type="file" accept="image/jpeg,image/png" required aria-describedby="f-photo-hint">`)
	assert.Contains(t, html, `<label class="usa-label" for="f-photo">Foto <span class="usa-hint usa-hint--required">(obligatorio)</span></label>`)
	assert.Contains(t, html, `<input class="usa-file-input" id="f-documents" name="documents" type="file" accept="application/pdf" multiple>`)
	assert.Contains(t, html, `<li>presupuesto.pdf<input type="hidden" name="_file.documents" value="id-1">`)
	assert.Contains(t, html, `<label class="usa-checkbox__label" for="f-documents-remove-0">Quitar presupuesto.pdf</label>`)
	assert.Contains(t, html, `<li>id-2<input type="hidden" name="_file.documents" value="id-2">`, "a file without its reference is listed by id")
	assert.Contains(t, html, `<input class="usa-checkbox__input" id="f-documents-remove-1" name="_drop.documents" type="checkbox" value="id-2">`)

	// a form without file fields keeps its url-encoded form
	b.Reset()
	require.NoError(t, r.Render(&b, Page{Form: loadPermit(t), Action: "/permit"}))
	assert.NotContains(t, b.String(), "enctype")
}

func TestFileFieldOnAStepPage(t *testing.T) {
	t.Parallel()
	def := `{"x-form": {"id": "s", "version": 1, "steps": [{"id": "upload", "fields": ["photo"]}, {"id": "about", "fields": ["name"]}]},
	  "type": "object", "required": ["photo", "name"],
	  "properties": {"photo": {"type": "string", "x-widget": "file", "x-accept": ["image/jpeg"]}, "name": {"type": "string"}}}`
	store := newMemFiles()
	f, err := fileRegistry(t, store, RegistryConfig{}).Load(context.Background(), "s.json", []byte(def))
	require.NoError(t, err)
	p, err := f.ReadPost(multipartRequest(multipartBody(t, textPart("_step", "upload"), filePart("photo", "a.jpg", jpeg(10))), "ana"), "en")
	require.NoError(t, err)
	require.Nil(t, p.Errors)
	require.Equal(t, "about", p.Next)
	id := p.Values["photo"].(string)

	r, err := NewRenderer(nil)
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, r.Render(&b, p.Page()))
	assert.Contains(t, b.String(), `<input type="hidden" name="_file.photo" value="`+id+`">`)
	assert.NotContains(t, b.String(), "enctype", "the second page has no file input")

	last, err := f.ReadPost(formRequest(url.Values{"_step": {"about"}, "name": {"Ana"}, "_file.photo": {id}}).
		WithContext(WithUploader(context.Background(), "ana", "https://id.example.gov")), "en")
	require.NoError(t, err)
	require.Nil(t, last.Errors)
	assert.True(t, last.Complete())
	require.Len(t, last.Files, 1)
	assert.Equal(t, id, last.Files[0].ID)
}

func TestHumanSize(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{1: "1 B", 1023: "1023 B", 1024: "1 KB", 1536: "1536 B", 3000: "3000 B", 10 << 20: "10 MB",
		(5 << 20) + (512 << 10): "5632 KB", 10_000_000: "9765 KB", 2 << 30: "2 GB"} {
		assert.Equal(t, want, FileSize(n), "%d bytes", n)
	}
	assert.Equal(t, "JPEG, PNG, PDF, Word, AVIF, MS-POWERPOINT", acceptedKinds([]string{"image/jpeg", "image/png", "application/pdf",
		"application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "image/avif", "application/vnd.ms-powerpoint"}))
}

func TestRegistryRefusesNegativeUploadLimit(t *testing.T) {
	t.Parallel()
	_, err := NewRegistry(&RegistryConfig{MaxUploadBytes: -1})
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	assert.True(t, errors.Is(err, adapters.ErrInvalidArgument))
}

func TestValidateRequestDiscardsTheFilesOfARefusedPost(t *testing.T) {
	t.Parallel()
	store := newMemFiles()
	f := loadDamage(t, store)
	_, err := f.ValidateRequest(context.Background(), multipartRequest(multipartBody(t, filePart("photo", "a.jpg", jpeg(10))), "ana"), "en")
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	_, ok := ve.For("description")
	assert.True(t, ok)
	assert.Equal(t, 1, store.putCount())
	assert.Empty(t, store.ids(), "no page carries the files of a refused ValidateRequest")

	v, err := f.ValidateRequest(context.Background(), multipartRequest(multipartBody(t, textPart("description", "x"), filePart("photo", "a.jpg", jpeg(10))), "ana"), "en")
	require.NoError(t, err)
	assert.Equal(t, store.ids(), []string{v["photo"].(string)})
}

func TestAFileListWithAnythingButIDsIsRefused(t *testing.T) {
	t.Parallel()
	store := newMemFiles()
	f := loadDamage(t, store)
	mine, err := f.ReadPost(multipartRequest(multipartBody(t, filePart("photo", "a.jpg", jpeg(10))), "ana"), "en")
	require.NoError(t, err)
	r := jsonRequest(`{"description": "x", "photo": "` + mine.Files[0].ID + `", "documents": ["someone-elses", 5]}`)
	p, err := f.ReadPost(r.WithContext(WithUploader(r.Context(), "ana", "https://id.example.gov")), "en")
	require.NoError(t, err)
	require.NotNil(t, p.Errors)
	fe, ok := p.Errors.For("documents")
	require.True(t, ok)
	assert.Equal(t, "type", fe.Code)
	for _, ref := range p.Files {
		assert.NotEqual(t, "someone-elses", ref.ID)
	}
}
