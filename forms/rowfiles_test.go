package forms

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
)

// benefitsForm has an optional ID card photo (JPEG, 1 KB), a group of 1
// to 5 household members each with a sealed proof of income (PDF or
// JPEG, 2,000 bytes), a list of up to two other PDFs, and 4,000 bytes
// for all files together.
const benefitsForm = `{
  "x-form": {"id": "benefits", "version": 1, "maxTotalSize": 4000},
  "type": "object", "title": "Household benefits", "required": ["members"],
  "properties": {
    "idCard": {"type": "string", "title": "Photo of your ID card", "x-widget": "file", "x-accept": ["image/jpeg"], "x-maxFileSize": 1024},
    "members": {"type": "array", "title": "Household members", "minItems": 1, "maxItems": 5,
      "items": {"type": "object", "title": "Household member", "required": ["name"],
        "properties": {
          "name": {"type": "string", "title": "Full name", "maxLength": 100},
          "proof": {"type": "string", "title": "Proof of income", "description": "A pay slip or a benefit letter",
            "x-widget": "file", "x-accept": ["application/pdf", "image/jpeg"], "x-maxFileSize": 2000, "x-pii": "financial"}}}},
    "notes": {"type": "array", "items": {"type": "string"}, "maxItems": 2, "title": "Other documents",
      "x-widget": "file", "x-accept": ["application/pdf"]}
  }
}`

func loadBenefits(t testing.TB, store FileStore) *Form {
	t.Helper()
	f, err := fileRegistry(t, store, RegistryConfig{}).Load(context.Background(), "benefits.json", []byte(benefitsForm))
	require.NoError(t, err)
	return f
}

// asAna is a url-encoded post from the uploader the multipart posts use.
func asAna(vals url.Values) *http.Request {
	r := formRequest(vals)
	return r.WithContext(WithUploader(r.Context(), "ana", "https://id.example.gov"))
}

// rowProof returns the proof of income in row i of a post's values.
func rowProof(t *testing.T, vals map[string]any, i int) any {
	t.Helper()
	rows, ok := vals["members"].([]any)
	require.True(t, ok, "members: %v", vals["members"])
	require.Greater(t, len(rows), i)
	return rows[i].(map[string]any)["proof"]
}

func fieldsOf(refs []adapters.FileRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.Field
	}
	return out
}

func TestFilesInRowsAreStoredUnderTheRowsPath(t *testing.T) {
	t.Parallel()
	store := newMemFiles()
	f := loadBenefits(t, store)
	body := multipartBody(t,
		filePart("notes", "letter.pdf", pdf(300)), // first in the body, last in form order
		textPart("members.0._row", ""), textPart("members.0.name", "Ana"),
		filePart("members.0.proof", "ana-pay.pdf", pdf(1900)),
		textPart("members.1._row", ""), textPart("members.1.name", "Bo"),
		filePart("members.1.proof", "bo-pay.jpg", jpeg(1200)),
		filePart("idCard", "id.jpg", jpeg(500)))
	p, err := f.ReadPost(multipartRequest(body, "ana"), "en")
	require.NoError(t, err)
	require.Nil(t, p.Errors)
	require.True(t, p.Complete())

	assert.Equal(t, []string{"idCard", "members.0.proof", "members.1.proof", "notes"}, fieldsOf(p.Files), "form order, row by row")
	assert.Equal(t, "ana-pay.pdf", p.Files[1].Name)
	assert.Equal(t, p.Files[1].ID, rowProof(t, p.Values, 0))
	assert.Equal(t, p.Files[2].ID, rowProof(t, p.Values, 1))
	assert.Contains(t, string(p.JSON), `"proof":"`+p.Files[2].ID+`"`)

	require.Equal(t, 4, store.putCount())
	up := store.puts[1]
	assert.Equal(t, "members.0.proof", up.Field)
	assert.Equal(t, []string{"application/pdf", "image/jpeg"}, up.Accept)
	assert.Equal(t, int64(2000), up.MaxSize, "the row field's own bound")
	assert.True(t, up.Sealed, "a proof of income is marked x-pii")
	assert.Equal(t, "ana", up.Owner)
	assert.Equal(t, "members.1.proof", store.puts[2].Field)
	assert.Equal(t, int64(4000-300-1900), store.puts[2].MaxSize, "the total counts the files of every row")
	assert.False(t, store.puts[3].Sealed, "the ID card is not marked x-pii")

	sub := f.Submission(p.JSON, p.Files...)
	assert.Equal(t, []string{"idCard", "members.0.proof", "members.1.proof", "notes"}, fieldsOf(sub.Files))
}

func TestFileErrorsInRowsNameTheRow(t *testing.T) {
	t.Parallel()
	store := newMemFiles()
	f := loadBenefits(t, store)
	body := multipartBody(t,
		textPart("members.0._row", ""), textPart("members.0.name", "Ana"), filePart("members.0.proof", "pay.pdf", pdf(1000)),
		textPart("members.1._row", ""), filePart("members.1.proof", "pay.png", append([]byte("\x89PNG\r\n\x1a\n"), 0)),
		textPart("members.2._row", ""), textPart("members.2.name", "Cy"), filePart("members.2.proof", "big.pdf", pdf(1900)),
		textPart("members.3._row", ""), textPart("members.3.name", "Di"), filePart("members.3.proof", "more.pdf", pdf(1900)))
	p, err := f.ReadPost(multipartRequest(body, "ana"), "en")
	require.NoError(t, err)
	require.NotNil(t, p.Errors)
	var got [][3]string
	for _, fe := range p.Errors.Errors {
		got = append(got, [3]string{fe.Field, fe.Pointer, fe.Code})
	}
	assert.Equal(t, [][3]string{
		{"members.1.name", "/members/1/name", "required"},
		{"members.1.proof", "/members/1/proof", "fileType"},
		{"members.3.proof", "/members/3/proof", "filesTooLarge"},
	}, got, "one error per field, in row order; the last file is over what the others left of the total")
	assert.Equal(t, []string{"members.0.proof", "members.2.proof"}, fieldsOf(p.Files), "the files stored are kept for the page")
	assert.Len(t, store.ids(), 2)

	r, err := NewRenderer(nil)
	require.NoError(t, err)
	html := render(t, r, p.Page())
	assert.Contains(t, html, `enctype="multipart/form-data"`)
	assert.Contains(t, html, `<li><a href="#f-members-1-proof">Household member 2: The file must be one of these types: PDF, JPEG.</a></li>`)
	for i := range 4 {
		assert.Contains(t, html, `id="f-members-`+string(rune('0'+i))+`-proof" name="members.`+string(rune('0'+i))+`.proof" type="file" accept="application/pdf,image/jpeg"`, "a file input in row %d", i)
	}
	assert.Contains(t, html, `<li>pay.pdf<input type="hidden" name="_file.members.0.proof" value="`+p.Files[0].ID+`">`)
	assert.Contains(t, html, `<input class="usa-checkbox__input" id="f-members-2-proof-remove-0" name="_drop.members.2.proof" type="checkbox" value="`+p.Files[1].ID+`">`)
	assert.Contains(t, html, `<span class="usa-error-message" id="f-members-1-proof-error" role="alert">The file must be one of these types: PDF, JPEG.</span>`)

	// the next post carries the kept files: nothing is uploaded again
	vals := url.Values{"members.0._row": {""}, "members.0.name": {"Ana"}, "_file.members.0.proof": {p.Files[0].ID},
		"members.1._row": {""}, "members.1.name": {"Cy"}, "_file.members.1.proof": {p.Files[1].ID}}
	next, err := f.ReadPost(asAna(vals), "en")
	require.NoError(t, err)
	require.Nil(t, next.Errors)
	assert.Equal(t, p.Files[1].ID, rowProof(t, next.Values, 1))
	assert.Equal(t, []string{"members.0.proof", "members.1.proof"}, fieldsOf(next.Files))
	assert.Equal(t, 4, store.putCount())
}

func TestFilesInRowsRefuseBadRowIndexes(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, part, carried, dropped string }{
		{name: "LeadingZero", part: "members.01.proof"},
		{name: "Sign", part: "members.-1.proof"},
		{name: "NotDigits", part: "members.x.proof"},
		{name: "TheTemplatesStar", part: "members.*.proof"},
		{name: "AtMaxItems", part: "members.5.proof"},
		{name: "Row100WhenMaxItemsIs5", part: "members.100.proof"},
		{name: "HugeIndex", part: "members.99999999999999999999999.proof"},
		{name: "CarriedToRow100", carried: "members.100.proof"},
		{name: "CarriedWithLeadingZero", carried: "members.00.proof"},
		{name: "DroppedFromRow7", dropped: "members.7.proof"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := newMemFiles()
			f := loadBenefits(t, store)
			parts := []part{textPart("members.0._row", ""), textPart("members.0.name", "Ana"),
				filePart("members.0.proof", "pay.pdf", pdf(100))} // stored, then discarded
			switch {
			case tt.part != "":
				parts = append(parts, filePart(tt.part, "pay.pdf", pdf(100)))
			case tt.carried != "":
				parts = append(parts, textPart("_file."+tt.carried, "some-id"))
			default:
				parts = append(parts, textPart("_drop."+tt.dropped, "some-id"))
			}
			_, err := f.ReadPost(multipartRequest(multipartBody(t, parts...), "ana"), "en")
			require.ErrorIs(t, err, ErrRowIndex)
			assert.Equal(t, 400, ProblemFor(err, "en").Status)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			require.Len(t, ve.Errors, 1)
			assert.Equal(t, "rowIndex", ve.Errors[0].Code)
			assert.GreaterOrEqual(t, store.putCount(), 1)
			assert.Empty(t, store.ids(), "every file the request stored is discarded")
		})
	}
	// a file for a row's marker or for a field the row does not have is
	// no file field at all
	for _, name := range []string{"members.0._row", "members.0.name", "members.0.nope", "members.0"} {
		store := newMemFiles()
		f := loadBenefits(t, store)
		_, err := f.ReadPost(multipartRequest(multipartBody(t, filePart("idCard", "id.jpg", jpeg(10)), filePart(name, "a.pdf", pdf(10))), "ana"), "en")
		require.ErrorIs(t, err, ErrSyntax, name)
		assert.Empty(t, store.ids(), name)
	}
	// two files for a row's single-file field
	store := newMemFiles()
	f := loadBenefits(t, store)
	_, err := f.ReadPost(multipartRequest(multipartBody(t, filePart("members.1.proof", "a.pdf", pdf(10)), filePart("members.1.proof", "b.pdf", pdf(10))), "ana"), "en")
	require.ErrorIs(t, err, ErrSyntax)
	assert.Empty(t, store.ids())
}

// uploadRows posts rows with a proof each (names as given) and returns
// the ids of the proofs stored, in row order; the post is refused for
// the idCard field's wrong type, so nothing is submitted.
func uploadRows(t *testing.T, f *Form, subject string, names ...string) []string {
	t.Helper()
	var parts []part
	for i, n := range names {
		row := "members." + string(rune('0'+i))
		parts = append(parts, textPart(row+"._row", ""), textPart(row+".name", n), filePart(row+".proof", n+".pdf", pdf(100)))
	}
	parts = append(parts, filePart("idCard", "id.pdf", pdf(10)))
	p, err := f.ReadPost(multipartRequest(multipartBody(t, parts...), subject), "en")
	require.NoError(t, err)
	require.NotNil(t, p.Errors)
	require.Len(t, p.Files, len(names))
	ids := make([]string, len(names))
	for i, ref := range p.Files {
		ids[i] = ref.ID
	}
	return ids
}

func TestAddingAndRemovingRowsKeepsTheOtherRowsFiles(t *testing.T) {
	t.Parallel()
	r, err := NewRenderer(nil)
	require.NoError(t, err)

	t.Run("RemoveWhileUploading", func(t *testing.T) {
		t.Parallel()
		store := newMemFiles()
		f := loadBenefits(t, store)
		body := multipartBody(t,
			textPart("members.0._row", ""), textPart("members.0.name", "Ana"), filePart("members.0.proof", "a.pdf", pdf(100)),
			textPart("members.1._row", ""), textPart("members.1.name", "Bo"), filePart("members.1.proof", "b.pdf", pdf(100)),
			textPart("members.2._row", ""), textPart("members.2.name", "Cy"), filePart("members.2.proof", "c.pdf", pdf(100)),
			textPart("_remove", "members.1"))
		p, err := f.ReadPost(multipartRequest(body, "ana"), "en")
		require.NoError(t, err)
		require.Equal(t, &RowEdit{Group: "members", Row: 1, Remove: true}, p.Edit)
		require.Len(t, p.Files, 2)
		assert.Equal(t, []string{"members.0.proof", "members.1.proof"}, fieldsOf(p.Files), "Cy's row moved up")
		assert.Equal(t, []string{"a.pdf", "c.pdf"}, []string{p.Files[0].Name, p.Files[1].Name})
		assert.ElementsMatch(t, []string{p.Files[0].ID, p.Files[1].ID}, store.ids(), "the removed row's file is discarded")
		require.Len(t, store.discards, 1)

		html := render(t, r, p.Page())
		assert.Contains(t, html, `<input type="hidden" name="_file.members.1.proof" value="`+p.Files[1].ID+`">`, "carried under the new index")
		assert.NotContains(t, html, "members.2.")
		assert.NotContains(t, html, "b.pdf")
	})

	t.Run("RemoveACarriedRow", func(t *testing.T) {
		t.Parallel()
		store := newMemFiles()
		f := loadBenefits(t, store)
		ids := uploadRows(t, f, "ana", "Ana", "Bo", "Cy")
		bobs := uploadRows(t, f, "bob", "Bob")[0]
		vals := url.Values{
			"members.0._row": {""}, "members.0.name": {"Ana"}, "_file.members.0.proof": {ids[0]},
			"members.1._row": {""}, "members.1.name": {"Bo"}, "_file.members.1.proof": {ids[1]},
			"members.2._row": {""}, "members.2.name": {"Cy"}, "_file.members.2.proof": {ids[2]},
			"_remove": {"members.0"},
		}
		p, err := f.ReadPost(asAna(vals), "en")
		require.NoError(t, err)
		require.NotNil(t, p.Edit)
		assert.Equal(t, ids[1], rowProof(t, p.Values, 0))
		assert.Equal(t, ids[2], rowProof(t, p.Values, 1))
		assert.Equal(t, []string{"members.0.proof", "members.1.proof"}, fieldsOf(p.Files))
		assert.ElementsMatch(t, []string{ids[1], ids[2], bobs}, store.ids(), "the removed row's own file is discarded")

		// a file also named by a row that stays is kept
		vals.Set("_file.members.2.proof", ids[1])
		vals.Set("_remove", "members.1")
		p, err = f.ReadPost(asAna(vals), "en")
		require.NoError(t, err)
		require.NotNil(t, p.Edit)
		assert.Contains(t, store.ids(), ids[1], "still in another row")

		// someone else's file named in a removed row is never discarded
		vals = url.Values{"members.0._row": {""}, "members.0.name": {"Ana"},
			"members.1._row": {""}, "_file.members.1.proof": {bobs}, "_remove": {"members.1"}}
		p, err = f.ReadPost(asAna(vals), "en")
		require.NoError(t, err)
		require.NotNil(t, p.Edit)
		assert.Contains(t, store.ids(), bobs, "Bob's file is not Ana's to discard")
	})

	t.Run("AddKeepsEveryFile", func(t *testing.T) {
		t.Parallel()
		store := newMemFiles()
		f := loadBenefits(t, store)
		ids := uploadRows(t, f, "ana", "Ana", "Bo")
		body := multipartBody(t,
			textPart("members.0._row", ""), textPart("members.0.name", "Ana"), textPart("_file.members.0.proof", ids[0]),
			textPart("members.1._row", ""), textPart("members.1.name", "Bo"), textPart("_file.members.1.proof", ids[1]),
			textPart("members.2._row", ""), textPart("members.2.name", "Cy"), filePart("members.2.proof", "c.pdf", pdf(100)),
			textPart("_add", "members"))
		p, err := f.ReadPost(multipartRequest(body, "ana"), "en")
		require.NoError(t, err)
		require.Equal(t, &RowEdit{Group: "members", Row: 3}, p.Edit)
		assert.Equal(t, []string{"members.0.proof", "members.1.proof", "members.2.proof"}, fieldsOf(p.Files))
		assert.Len(t, store.ids(), 3)
		html := render(t, r, p.Page())
		assert.Contains(t, html, `name="members.3.proof" type="file"`, "the new row has its file input")
		assert.Contains(t, html, `name="_file.members.2.proof" value="`+p.Files[2].ID+`"`)
	})
}

func TestRemoveCheckboxTakesACarriedFileOut(t *testing.T) {
	t.Parallel()
	newFiles := func(t *testing.T) (*memFiles, *Form, []adapters.FileRef) {
		store := newMemFiles()
		f := loadBenefits(t, store)
		// the notes and the ID card are kept for a page with an error
		p, err := f.ReadPost(multipartRequest(multipartBody(t, filePart("idCard", "old.jpg", jpeg(100)),
			filePart("notes", "n1.pdf", pdf(100)), filePart("notes", "n2.pdf", pdf(100))), "ana"), "en")
		require.NoError(t, err)
		require.NotNil(t, p.Errors)
		require.Len(t, p.Files, 3)
		return store, f, p.Files
	}
	row := url.Values{"members.0._row": {""}, "members.0.name": {"Ana"}}

	t.Run("FromAList", func(t *testing.T) {
		t.Parallel()
		store, f, refs := newFiles(t)
		vals := cloneValues(row)
		vals["_file.notes"] = []string{refs[1].ID, refs[2].ID}
		vals.Set("_drop.notes", refs[1].ID)
		vals.Set("_file.idCard", refs[0].ID)
		p, err := f.ReadPost(asAna(vals), "en")
		require.NoError(t, err)
		require.Nil(t, p.Errors)
		assert.Equal(t, []any{refs[2].ID}, p.Values["notes"])
		assert.Equal(t, []string{"idCard", "notes"}, fieldsOf(p.Files))
		assert.NotContains(t, store.ids(), refs[1].ID, "the file taken out is discarded")
		assert.Contains(t, store.ids(), refs[2].ID)
		assert.Empty(t, p.Hidden, "a ticked box is not a page input")
	})
	t.Run("ANewFileChosenToo", func(t *testing.T) {
		t.Parallel()
		store, f, refs := newFiles(t)
		body := multipartBody(t, textPart("members.0._row", ""), textPart("members.0.name", "Ana"),
			textPart("_file.idCard", refs[0].ID), textPart("_drop.idCard", refs[0].ID), filePart("idCard", "new.jpg", jpeg(200)))
		p, err := f.ReadPost(multipartRequest(body, "ana"), "en")
		require.NoError(t, err)
		require.Nil(t, p.Errors)
		require.Len(t, p.Files, 1)
		assert.Equal(t, "new.jpg", p.Files[0].Name, "the new file is kept")
		assert.Equal(t, p.Files[0].ID, p.Values["idCard"])
		assert.NotContains(t, store.ids(), refs[0].ID)
		assert.Contains(t, store.ids(), p.Files[0].ID)
	})
	t.Run("TheOnlyFileOfARequiredRowField", func(t *testing.T) {
		t.Parallel()
		store := newMemFiles()
		f := loadBenefits(t, store)
		ids := uploadRows(t, f, "ana", "Ana")
		vals := cloneValues(row)
		vals.Set("_file.members.0.proof", ids[0])
		vals.Set("_drop.members.0.proof", ids[0])
		p, err := f.ReadPost(asAna(vals), "en")
		require.NoError(t, err)
		require.Nil(t, p.Errors, "the proof is optional")
		assert.Nil(t, rowProof(t, p.Values, 0))
		assert.Empty(t, p.Files)
		assert.Empty(t, store.ids())
	})
	t.Run("NeverSomeoneElsesFile", func(t *testing.T) {
		t.Parallel()
		store, f, refs := newFiles(t)
		vals := cloneValues(row)
		vals.Set("_file.idCard", refs[0].ID)
		vals.Set("_drop.idCard", refs[0].ID)
		p, err := f.ReadPost(formRequest(vals).WithContext(WithUploader(context.Background(), "bob", "https://id.example.gov")), "en")
		require.NoError(t, err)
		assert.Nil(t, p.Values["idCard"])
		assert.Contains(t, store.ids(), refs[0].ID, "Bob cannot discard Ana's file")
	})
	t.Run("OnlyACarriedFile", func(t *testing.T) {
		t.Parallel()
		store, f, refs := newFiles(t)
		vals := cloneValues(row)
		vals.Set("_drop.notes", refs[1].ID) // not carried: the box of no file on this page
		p, err := f.ReadPost(asAna(vals), "en")
		require.NoError(t, err)
		require.Nil(t, p.Errors)
		assert.Len(t, store.ids(), 3, "nothing is discarded")
	})
	t.Run("NotWhenTheRequestFails", func(t *testing.T) {
		t.Parallel()
		store, f, refs := newFiles(t)
		vals := cloneValues(row)
		vals.Set("_file.idCard", refs[0].ID)
		vals.Set("_drop.idCard", refs[0].ID)
		vals.Set("members.02.name", "x")
		_, err := f.ReadPost(asAna(vals), "en")
		require.ErrorIs(t, err, ErrRowIndex)
		assert.Len(t, store.ids(), 3)
	})
}

func TestFilesInRowsFromJSON(t *testing.T) {
	t.Parallel()
	store := newMemFiles()
	f := loadBenefits(t, store)
	ids := uploadRows(t, f, "ana", "Ana", "Bo")
	bobs := uploadRows(t, f, "bob", "Bob")[0]
	req := jsonRequest(`{"members": [{"name": "Ana", "proof": "` + ids[0] + `"}, {"name": "Bo", "proof": "` + bobs + `"}, {"name": "Cy", "proof": "` + ids[1] + `"}]}`)
	p, err := f.ReadPost(req.WithContext(WithUploader(req.Context(), "ana", "https://id.example.gov")), "en")
	require.NoError(t, err)
	require.NotNil(t, p.Errors)
	fe, ok := p.Errors.For("members.1.proof")
	require.True(t, ok, "%v", p.Errors)
	assert.Equal(t, "fileUnknown", fe.Code)
	assert.Equal(t, "/members/1/proof", fe.Pointer)
	assert.Nil(t, rowProof(t, p.Values, 1), "someone else's id is dropped")
	assert.Equal(t, []string{"members.0.proof", "members.2.proof"}, fieldsOf(p.Files))
}

func TestFilesInRowsCarryAcrossSteps(t *testing.T) {
	t.Parallel()
	def := `{"x-form": {"id": "s", "version": 1, "steps": [{"id": "people", "fields": ["members"]}, {"id": "about", "fields": ["note"]}]},
	  "type": "object", "required": ["note"],
	  "properties": {"note": {"type": "string"},
	    "members": {"type": "array", "maxItems": 3, "items": {"type": "object", "title": "Member",
	      "properties": {"name": {"type": "string"}, "proof": {"type": "string", "x-widget": "file", "x-accept": ["application/pdf"]}}}}}}`
	store := newMemFiles()
	f, err := fileRegistry(t, store, RegistryConfig{}).Load(context.Background(), "s.json", []byte(def))
	require.NoError(t, err)
	p, err := f.ReadPost(multipartRequest(multipartBody(t, textPart("_step", "people"),
		textPart("members.0._row", ""), textPart("members.0.name", "Ana"), filePart("members.0.proof", "a.pdf", pdf(10)),
		textPart("members.1._row", "")), "ana"), "en")
	require.NoError(t, err)
	require.Nil(t, p.Errors)
	require.Equal(t, "about", p.Next)
	id := p.Files[0].ID

	r, err := NewRenderer(nil)
	require.NoError(t, err)
	html := render(t, r, p.Page())
	assert.Contains(t, html, `<input type="hidden" name="members.0._row" value="">
<input type="hidden" name="members.0.name" value="Ana">
<input type="hidden" name="_file.members.0.proof" value="`+id+`">
<input type="hidden" name="members.1._row" value="">`)

	last, err := f.ReadPost(asAna(url.Values{"_step": {"about"}, "note": {"x"}, "members.0._row": {""}, "members.0.name": {"Ana"},
		"_file.members.0.proof": {id}, "members.1._row": {""}}), "en")
	require.NoError(t, err)
	require.Nil(t, last.Errors)
	require.True(t, last.Complete())
	assert.Equal(t, []string{"members.0.proof"}, fieldsOf(last.Files))
	assert.Len(t, last.Values["members"], 2)
}

func TestDraftsResumeWithFileNames(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newMemFiles()
	reg := fileRegistry(t, store, RegistryConfig{})
	f, err := reg.Load(ctx, "benefits.json", []byte(benefitsForm))
	require.NoError(t, err)
	ids := uploadRows(t, f, "ana", "Ana", "Bo")
	p, err := f.ReadPost(multipartRequest(multipartBody(t, filePart("notes", "n1.pdf", pdf(10)), filePart("notes", "n2.pdf", pdf(10))), "ana"), "en")
	require.NoError(t, err)
	notes := []string{p.Files[0].ID, p.Files[1].ID}

	drafts, err := NewDrafts(memory.New(), reg, nil)
	require.NoError(t, err)
	values := map[string]any{"notes": []any{notes[0], notes[1]}, "members": []any{
		map[string]any{"name": "Ana", "proof": ids[0]}, map[string]any{"name": "Bo", "proof": ids[1]}}}
	token, err := drafts.Save(ctx, SaveParams{Form: f, Values: values, Subject: "ana", SubjectIssuer: "https://id.example.gov"})
	require.NoError(t, err)

	back, err := drafts.Resume(ctx, token, "https://id.example.gov", "ana")
	require.NoError(t, err)
	assert.Equal(t, []string{"members.0.proof", "members.1.proof", "notes", "notes"}, fieldsOf(back.Files))
	assert.Equal(t, []string{"Ana.pdf", "Bo.pdf", "n1.pdf", "n2.pdf"}, []string{back.Files[0].Name, back.Files[1].Name, back.Files[2].Name, back.Files[3].Name})
	r, err := NewRenderer(nil)
	require.NoError(t, err)
	html := render(t, r, back.Page())
	assert.Contains(t, html, `<li>Bo.pdf<input type="hidden" name="_file.members.1.proof" value="`+ids[1]+`">`, "listed by name")
	assert.Contains(t, html, `<label class="usa-checkbox__label" for="f-notes-remove-1">Remove n2.pdf</label>`)

	// files gone since the save are dropped, and nothing else fails
	require.NoError(t, store.Discard(ctx, ids[1], notes[0]))
	back, err = drafts.Resume(ctx, token, "https://id.example.gov", "ana")
	require.NoError(t, err)
	assert.Equal(t, []string{"members.0.proof", "notes"}, fieldsOf(back.Files))
	assert.Equal(t, map[string]any{"name": "Bo"}, back.Values["members"].([]any)[1])
	assert.Equal(t, []any{notes[1]}, back.Values["notes"])
	html = render(t, r, back.Page())
	assert.NotContains(t, html, ids[1])

	// an anonymous draft resumes with the anonymous uploader's files only
	anon := uploadRows(t, f, "", "Cy")[0]
	token, err = drafts.Save(ctx, SaveParams{Form: f, Values: map[string]any{"idCard": ids[0],
		"members": []any{map[string]any{"name": "Cy", "proof": anon}}}})
	require.NoError(t, err)
	back, err = drafts.Resume(ctx, token, "", "")
	require.NoError(t, err)
	assert.Equal(t, []string{"members.0.proof"}, fieldsOf(back.Files), "Ana's file is not the anonymous resumer's")
	assert.Nil(t, back.Values["idCard"])
	assert.False(t, slices.ContainsFunc(back.Files, func(r adapters.FileRef) bool { return r.ID == ids[0] }))
}

func TestFileErrorsFollowTheirRowAsRowsCloseUp(t *testing.T) {
	t.Parallel()
	store := newMemFiles()
	f := loadBenefits(t, store)
	body := multipartBody(t,
		textPart("members.0._row", ""), textPart("members.0.name", "Ana"),
		textPart("members.3._row", ""), textPart("members.3.name", "Bo"), filePart("members.3.proof", "a.png", append([]byte("\x89PNG\r\n\x1a\n"), 0)),
		textPart("members.4._row", ""), textPart("members.4.name", "Cy"), filePart("members.4.proof", "c.pdf", pdf(10)))
	p, err := f.ReadPost(multipartRequest(body, "ana"), "en")
	require.NoError(t, err)
	require.NotNil(t, p.Errors)
	require.Len(t, p.Errors.Errors, 1)
	fe := p.Errors.Errors[0]
	assert.Equal(t, [3]string{"members.1.proof", "/members/1/proof", "fileType"}, [3]string{fe.Field, fe.Pointer, fe.Code}, "Bo's row is the second")
	assert.Equal(t, []string{"members.2.proof"}, fieldsOf(p.Files))
	assert.Equal(t, p.Files[0].ID, rowProof(t, p.Values, 2))

	// a problem of a removed row goes with it
	body = multipartBody(t,
		textPart("members.0._row", ""), textPart("members.0.name", "Ana"),
		textPart("members.1._row", ""), filePart("members.1.proof", "a.png", append([]byte("\x89PNG\r\n\x1a\n"), 0)),
		textPart("_remove", "members.1"))
	p, err = f.ReadPost(multipartRequest(body, "ana"), "en")
	require.NoError(t, err)
	require.NotNil(t, p.Edit)
	assert.Nil(t, p.Errors)
	assert.Len(t, p.Values["members"], 1)
}
