package forms

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// BenchmarkValidate compares civickit's validation of the 25-field permit
// (limits reader, unknown and hidden fields, error mapping, clean JSON
// out) with jsonschema/v6 alone on the same schema and document.
func BenchmarkValidate(b *testing.B) {
	data := []byte(validPermit)
	b.Run("civickit", func(b *testing.B) {
		f := loadPermit(b)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.ValidateJSON(ctx, data, "en"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		def, err := os.ReadFile("testdata/forms/permit.json")
		if err != nil {
			b.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(def))
		if err != nil {
			b.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource("permit.json", doc); err != nil {
			b.Fatal(err)
		}
		sch, err := c.Compile("permit.json")
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
			if err != nil {
				b.Fatal(err)
			}
			if err := sch.Validate(v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkValidateGroup compares civickit's validation of a household
// of 20 rows (each row pruned, its condition decided, its fields
// checked, clean JSON out) with jsonschema/v6 alone on the same schema
// and document.
func BenchmarkValidateGroup(b *testing.B) {
	data := householdOf(20)
	b.Run("civickit", func(b *testing.B) {
		f := loadHousehold(b)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.ValidateJSON(ctx, data, "en"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		sch := rawSchema(b, "testdata/forms/household.json")
		b.ReportAllocs()
		for b.Loop() {
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
			if err != nil {
				b.Fatal(err)
			}
			if err := sch.Validate(v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// householdOf is a valid household submission with n members, every
// fifth of whom has a relationship the form asks to describe.
func householdOf(n int) []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"applicant": "Ana García", "members": [`)
	for i := range n {
		if i > 0 {
			buf.WriteString(",")
		}
		rel, other := "child", ""
		if i%5 == 4 {
			rel, other = "other", `, "relationshipOther": "Cousin"`
		}
		fmt.Fprintf(&buf, `{"name": "Member %d", "dob": "20%02d-0%d-1%d", "relationship": %q, "income": %d%s}`, i, i%25, 1+i%9, i%10, rel, 100*i, other)
	}
	buf.WriteString(`], "vehicles": [{"make": "Ford Focus", "year": 2012}]}`)
	return buf.Bytes()
}

// rawSchema compiles a definition with jsonschema/v6 alone.
func rawSchema(b *testing.B, path string) *jsonschema.Schema {
	def, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(def))
	if err != nil {
		b.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(path, doc); err != nil {
		b.Fatal(err)
	}
	sch, err := c.Compile(path)
	if err != nil {
		b.Fatal(err)
	}
	return sch
}

// BenchmarkLoadRegistry compiles 200 distinct definitions.
func BenchmarkLoadRegistry(b *testing.B) {
	def, err := os.ReadFile("testdata/forms/permit.json")
	if err != nil {
		b.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for i := range 200 {
		d := strings.Replace(string(def), `"id": "permit"`, fmt.Sprintf(`"id": "permit-%d"`, i), 1)
		fsys[fmt.Sprintf("forms/permit-%d.json", i)] = &fstest.MapFile{Data: []byte(d)}
	}
	b.Run("200-forms", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r, err := NewRegistry(nil)
			if err != nil {
				b.Fatal(err)
			}
			if err := r.LoadFS(context.Background(), fsys, "forms"); err != nil {
				b.Fatal(err)
			}
			if len(r.IDs()) != 200 {
				b.Fatalf("loaded %d forms", len(r.IDs()))
			}
		}
	})
}

// BenchmarkRender draws the whole 25-field permit with values and errors.
func BenchmarkRender(b *testing.B) {
	f := loadPermit(b)
	r, err := NewRenderer(nil)
	if err != nil {
		b.Fatal(err)
	}
	values, err := decodeJSON([]byte(validPermit), 32)
	if err != nil {
		b.Fatal(err)
	}
	_, verr := f.ValidateJSON(context.Background(), []byte(`{"applicant":{"email":"x"}}`), "en")
	ve, _ := verr.(*ValidationError)
	page := Page{Form: f, Locale: "en", Action: "/permit", Values: values.(map[string]any), Errors: ve}
	b.Run("permit-25-fields", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := r.Render(io.Discard, page); err != nil {
				b.Fatal(err)
			}
		}
	})
}
