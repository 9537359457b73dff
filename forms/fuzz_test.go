package forms

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzValidate feeds any bytes to ValidateJSON: the answer is clean JSON
// or a *ValidationError, never a panic or another error.
func FuzzValidate(f *testing.F) {
	form := loadPermit(f)
	for _, s := range []string{validPermit, `{}`, `[]`, `{"applicant":{"email":1}}`, `{"a":1,"a":2}`, `{"floors":1e999}`, `{"floors":1e999999999,"estimatedCost":-1E-99999}`, "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := form.ValidateJSON(context.Background(), data, "es")
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Errors) == 0 {
				t.Fatalf("error is not a *ValidationError with field errors: %v", err)
			}
			for _, fe := range ve.Errors {
				if fe.Code == "" || fe.Message == "" {
					t.Fatalf("incomplete field error %+v", fe)
				}
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("clean values are not JSON: %q", out)
		}
		if _, err := form.ValidateJSON(context.Background(), out, "en"); err != nil {
			t.Fatalf("clean values do not validate again: %v", err)
		}
	})
}

// FuzzFormPost feeds any urlencoded body to DecodeForm and validation.
func FuzzFormPost(f *testing.F) {
	form := loadPermit(f)
	for _, s := range []string{"applicant.email=a%40b.org&floors=2&trades=plumbing&trades=electrical",
		"a=1&a.b=2", "floors=x&agree=on", "%zz", "_step=work&workType=deck", "a.b.c.d.e.f=1", "floors=1e999999999&estimatedCost=9e-9999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		vals, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		m, err := form.DecodeForm(vals)
		if err != nil {
			if !isInputError(err) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		_, err = form.ValidateValue(context.Background(), m, "en")
		var ve *ValidationError
		if err != nil && !errors.As(err, &ve) {
			t.Fatalf("error is not a *ValidationError: %v", err)
		}
	})
}

// FuzzLoadDefinition compiles any bytes as a definition: a Form or a
// *DefinitionError, never a panic.
func FuzzLoadDefinition(f *testing.F) {
	permit, err := os.ReadFile("testdata/forms/permit.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(permit)
	for _, s := range []string{
		`{"x-form":{"id":"a","version":1},"type":"object","properties":{"a":{"type":"string","x-widget":"textaera"}}}`,
		`{"x-form":{"id":"a","version":1},"type":"object","properties":{"k":{"type":"boolean"}},"if":{"properties":{"k":{"const":true}}},"then":{"properties":{"b":{"type":"string"}}}}`,
		`{"x-form":{"id":"a","version":1},"$defs":{"x":{"$ref":"#/$defs/x"}},"properties":{"a":{"$ref":"#/$defs/x"}}}`,
		`{"x-form":{"id":"a","version":1},"properties":{"a":{"$ref":"#"}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewRegistry(nil)
		if err != nil {
			t.Fatal(err)
		}
		form, err := r.Load(context.Background(), "fuzz.json", data)
		if err != nil {
			var de *DefinitionError
			if !errors.As(err, &de) {
				t.Fatalf("error is not a *DefinitionError: %v", err)
			}
			return
		}
		if form.ID() == "" || form.Version() < 1 {
			t.Fatalf("loaded form without id or version")
		}
		_, _ = form.ValidateJSON(context.Background(), []byte(`{}`), "en")
	})
}

// FuzzSubmissionReader holds the form's reader and writer to the generic
// ones: shared names and sorted field order change nothing read or
// written.
func FuzzSubmissionReader(f *testing.F) {
	form := loadPermit(f)
	for _, s := range []string{validPermit, `{"applicant\u0054ype":"x","applicantType":"y"}`, `{"site":{"city":1,"Z":2},"zz":[{"b":1,"a":2}]}`, `{"a\"":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := form.decodeSubmission(data)
		want, wantErr := decodeJSON(data, form.limits.maxDepth)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("decodeSubmission error %v, decodeJSON error %v", err, wantErr)
		}
		if err != nil {
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeSubmission read %#v, decodeJSON %#v", got, want)
		}
		a, err := appendValue(nil, got, form.root)
		if err != nil {
			t.Fatal(err)
		}
		b, err := appendJSON(nil, want)
		if err != nil {
			t.Fatal(err)
		}
		if string(a) != string(b) {
			t.Fatalf("field order wrote %s, sorted names %s", a, b)
		}
	})
}

// FuzzMultipartPost feeds any multipart body to ReadPost with a file
// store double: the answer is a post or a *ValidationError (or the
// store's error), never a panic; a failed request leaves no file stored,
// and every file a post leaves stored is one it names.
func FuzzMultipartPost(f *testing.F) {
	seed := func(parts ...part) []byte { return multipartBody(f, parts...) }
	f.Add(seed(textPart("description", "x"), filePart("photo", "a.jpg", jpeg(100))))
	f.Add(seed(filePart("photo", "a.jpg", jpeg(100)), filePart("documents", "a.pdf", pdf(100)), filePart("documents", "b.pdf", pdf(100))))
	f.Add(seed(filePart("photo", "a.jpg", jpeg(2000)), textPart("_file.documents", "x")))
	f.Add(seed(filePart("photo", "", nil), textPart("_step", "main")))
	f.Add(seed(filePart("photo", "a.jpg", jpeg(10)), filePart("photo", "b.jpg", jpeg(10))))
	f.Add([]byte("--" + testBoundary + "\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a\"\r\n\r\n\xff\xd8\xff"))
	f.Fuzz(func(t *testing.T, body []byte) {
		store := newMemFiles()
		form := loadDamage(t, store)
		p, err := form.ReadPost(multipartRequest(body, "ana"), "es")
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Errors) == 0 {
				t.Fatalf("error is not a *ValidationError with field errors: %v", err)
			}
			if ids := store.ids(); len(ids) > 0 {
				t.Fatalf("a failed request left files %v", ids)
			}
			return
		}
		named := map[string]bool{}
		for _, ref := range p.Files {
			named[ref.ID] = true
		}
		for _, id := range store.ids() {
			if !named[id] {
				t.Fatalf("file %s is stored but the post does not name it", id)
			}
		}
		if p.Errors == nil && !json.Valid(p.JSON) {
			t.Fatalf("clean values are not JSON: %q", p.JSON)
		}
	})
}

// FuzzRowIndex feeds any text to the row index reader and to a form post
// naming a row by it: an index is read only when the renderer could have
// written it (its own decimal form, below the limit), and a post naming
// any other is refused with ErrRowIndex, never a panic or an allocation
// sized by the index.
func FuzzRowIndex(f *testing.F) {
	form := loadHousehold(f)
	for _, s := range []string{"0", "7", "19", "20", "1000000000", "-1", "01", "00", "x", "", "+3", "1e3", "9223372036854775808", "٣"} {
		f.Add(s, 20)
	}
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if limit < 1 {
			limit = 1
		}
		n, ok := parseRowIndex(s, limit)
		if ok != (n >= 0 && n < limit && strconv.Itoa(n) == s) {
			t.Fatalf("parseRowIndex(%q, %d) = %d, %v", s, limit, n, ok)
		}
		if ok && n < 1000 {
			if m, ok2 := parseRowIndex(strconv.Itoa(n), limit); !ok2 || m != n {
				t.Fatalf("index %d does not read back", n)
			}
		}
		if strings.Contains(s, ".") || !utf8.ValidString(s) {
			return
		}
		_, want := parseRowIndex(s, 20)
		m, err := form.DecodeForm(url.Values{"members." + s + ".name": {"Ana"}})
		if want {
			if err != nil || len(m["members"].([]any)) != 1 {
				t.Fatalf("row %q: %v %v", s, m, err)
			}
			return
		}
		if !errors.Is(err, ErrRowIndex) {
			t.Fatalf("row %q: error %v, want ErrRowIndex", s, err)
		}
		p, err := form.ReadPost(formRequest(url.Values{"_remove": {"members." + s}}), "en")
		if p != nil || !errors.Is(err, ErrRowIndex) {
			t.Fatalf("remove row %q: %v %v", s, p, err)
		}
	})
}
