package forms

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/civickit/civickit/adapters"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// permitWith returns validPermit with top-level fields replaced (a nil
// value removes the field).
func permitWith(t *testing.T, changes map[string]any) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(validPermit), &m))
	for k, v := range changes {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

func TestValidateJSONAcceptsValidPermit(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	out, err := f.ValidateJSON(context.Background(), []byte(validPermit), "en")
	require.NoError(t, err)
	var got, want map[string]any
	require.NoError(t, json.Unmarshal(out, &got))
	require.NoError(t, json.Unmarshal([]byte(validPermit), &want))
	assert.Equal(t, want, got)
	assert.Contains(t, string(out), `"estimatedCost":45000.50`, "numbers keep their exact text")
}

func TestValidateJSONFieldErrors(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	tests := []struct {
		name    string
		changes map[string]any
		locale  string
		field   string
		code    string
		message string
		params  map[string]any
	}{
		{name: "missing required", changes: map[string]any{"description": nil}, locale: "en",
			field: "description", code: "required", message: "Enter a description of the work."},
		{name: "missing required in Spanish", changes: map[string]any{"description": nil}, locale: "es-MX",
			field: "description", code: "required", message: "Indique una descripción de la obra."},
		{name: "unsupported locale falls back to English", changes: map[string]any{"description": nil}, locale: "fr-FR",
			field: "description", code: "required", message: "Enter a description of the work."},
		{name: "accept-language list", changes: map[string]any{"description": nil}, locale: "fr-CA, es;q=0.8",
			field: "description", code: "required", message: "Indique una descripción de la obra."},
		{name: "wrong type", changes: map[string]any{"floors": "two"}, locale: "en",
			field: "floors", code: "type", message: "The number of floors must be a whole number.", params: map[string]any{"expected": "integer"}},
		{name: "format", changes: map[string]any{"startDate": "March 1"}, locale: "en",
			field: "startDate", code: "format", message: "Enter a valid date (YYYY-MM-DD).", params: map[string]any{"format": "date"}},
		{name: "email format in Spanish", changes: map[string]any{"applicant": map[string]any{"firstName": "A", "lastName": "B", "email": "nope"}}, locale: "es",
			field: "applicant.email", code: "format", message: "Indique su correo electrónico, por ejemplo name@example.com.", params: map[string]any{"format": "email"}},
		{name: "minLength", changes: map[string]any{"description": "short"}, locale: "en",
			field: "description", code: "minLength", message: "A description of the work must be 10 characters or more.", params: map[string]any{"limit": 10}},
		{name: "maxLength", changes: map[string]any{"notes": strings.Repeat("x", 2001)}, locale: "en",
			field: "notes", code: "maxLength", params: map[string]any{"limit": 2000}},
		{name: "minimum", changes: map[string]any{"estimatedCost": -1}, locale: "en",
			field: "estimatedCost", code: "minimum", message: "Enter a number that is 0 or more.", params: map[string]any{"limit": "0"}},
		{name: "maximum", changes: map[string]any{"floors": 101}, locale: "es",
			field: "floors", code: "maximum", message: "El número de plantas debe ser 100 o menos.", params: map[string]any{"limit": "100"}},
		{name: "exclusiveMinimum", changes: map[string]any{"areaSqFt": 0}, locale: "en",
			field: "areaSqFt", code: "exclusiveMinimum", params: map[string]any{"limit": "0"}},
		{name: "pattern", changes: map[string]any{"parcelNumber": "12"}, locale: "en",
			field: "parcelNumber", code: "pattern", message: "Enter the parcel number like 123-456-789."},
		{name: "enum", changes: map[string]any{"workType": "castle"}, locale: "en",
			field: "workType", code: "enum", message: "Select the type of work from the options."},
		{name: "const", changes: map[string]any{"agree": false}, locale: "en",
			field: "agree", code: "const"},
		{name: "unique items", changes: map[string]any{"trades": []string{"plumbing", "plumbing"}}, locale: "en",
			field: "trades", code: "uniqueItems"},
		{name: "unknown field", changes: map[string]any{"favouriteColour": "blue"}, locale: "en",
			field: "favouriteColour", code: "additionalProperties", message: "FavouriteColour is not a field of this form."},
		{name: "dependent required", changes: map[string]any{"contractorName": nil}, locale: "en",
			field: "contractorName", code: "required", params: map[string]any{"because": "contractorUsed"}},
		{name: "conditional field required when shown", changes: map[string]any{"licenseNumber": nil}, locale: "en",
			field: "licenseNumber", code: "required"},
		{name: "type wins over finer rules", changes: map[string]any{"description": 12}, locale: "en",
			field: "description", code: "type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := f.ValidateJSON(context.Background(), permitWith(t, tt.changes), tt.locale)
			require.Error(t, err)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
			require.Len(t, ve.Errors, 1, "one error per field, and only the broken field: %+v", ve.Errors)
			fe := ve.Errors[0]
			assert.Equal(t, tt.field, fe.Field)
			assert.Equal(t, "/"+strings.ReplaceAll(tt.field, ".", "/"), fe.Pointer)
			assert.Equal(t, tt.code, fe.Code)
			if tt.message != "" {
				assert.Equal(t, tt.message, fe.Message)
			}
			for k, v := range tt.params {
				assert.EqualValues(t, v, fe.Params[k], "param %s", k)
			}
			assert.Equal(t, f.Pin(), ve.Form)
		})
	}
}

func TestValidateErrorsInFormOrder(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	_, err := f.ValidateJSON(context.Background(), []byte(`{"agree": true, "applicantType": "business", "description": "SECRET"}`), "en")
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	var fields []string
	for _, fe := range ve.Errors {
		fields = append(fields, fe.Field)
	}
	assert.Equal(t, []string{"applicant", "businessName", "licenseNumber", "site", "workType",
		"description", "startDate", "estimatedCost"}, fields)
	assert.NotContains(t, ve.Error(), "SECRET", "error text carries no submitted values")
	assert.NotContains(t, ve.Errors[5].Message, "SECRET")
}

func TestValidateDropsHiddenFields(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	data := permitWith(t, map[string]any{"applicantType": "resident", "demolition": false})
	out, err := f.ValidateJSON(context.Background(), data, "en")
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(out, &got))
	assert.NotContains(t, got, "businessName", "hidden when applying as a resident")
	assert.NotContains(t, got, "licenseNumber")
	assert.NotContains(t, got, "asbestos", "hidden when nothing is demolished")
	assert.Equal(t, "resident", got["applicantType"])

	// a hidden field's invalid value is not an error: it is dropped
	data = permitWith(t, map[string]any{"applicantType": "resident", "licenseNumber": 12})
	_, err = f.ValidateJSON(context.Background(), data, "en")
	require.NoError(t, err)
}

func TestAllowUnknownFields(t *testing.T) {
	t.Parallel()
	r, err := NewRegistry(nil)
	require.NoError(t, err)
	f, err := r.Load(context.Background(), "open.json", []byte(`{"x-form":{"id":"open","version":1,"allowUnknownFields":true},"type":"object","properties":{"a":{"type":"string"}}}`))
	require.NoError(t, err)
	out, err := f.ValidateJSON(context.Background(), []byte(`{"a":"x","extra":{"n":1}}`), "en")
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":"x","extra":{"n":1}}`, string(out))
}

func TestValidateInputLimits(t *testing.T) {
	t.Parallel()
	r, err := NewRegistry(&RegistryConfig{MaxBodyBytes: 512, MaxDepth: 4})
	require.NoError(t, err)
	f, err := r.Load(context.Background(), "open.json", []byte(`{"x-form":{"id":"open","version":1,"allowUnknownFields":true},"type":"object","properties":{"a":{"type":"string"}}}`))
	require.NoError(t, err)
	tests := []struct {
		name     string
		body     []byte
		sentinel error
		code     string
		pointer  string
	}{
		{name: "too large", body: []byte(`{"a":"` + strings.Repeat("x", 600) + `"}`), sentinel: ErrTooLarge, code: "tooLarge"},
		{name: "too deep", body: []byte(`{"b":{"c":{"d":{"e":{}}}}}`), sentinel: ErrTooDeep, code: "tooDeep", pointer: "/b/c/d/e"},
		{name: "duplicate key", body: []byte(`{"a":"x","a":"y"}`), sentinel: ErrDuplicateKey, code: "duplicateKey", pointer: "/a"},
		{name: "nested duplicate key", body: []byte(`{"b":{"k":1,"k":2}}`), sentinel: ErrDuplicateKey, code: "duplicateKey", pointer: "/b/k"},
		{name: "invalid UTF-8", body: []byte("{\"a\":\"\xff\"}"), sentinel: ErrInvalidUTF8, code: "invalidUTF8"},
		{name: "trailing data", body: []byte(`{"a":"x"} {}`), sentinel: ErrSyntax, code: "syntax"},
		{name: "truncated", body: []byte(`{"a":`), sentinel: ErrSyntax, code: "syntax"},
		{name: "bad number", body: []byte(`{"a":01}`), sentinel: ErrSyntax, code: "syntax"},
		{name: "control character", body: []byte("{\"a\":\"\x01\"}"), sentinel: ErrSyntax, code: "syntax"},
		{name: "number out of range", body: []byte(`{"n":1e999999999}`), sentinel: ErrSyntax, code: "syntax", pointer: "/n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := f.ValidateJSON(context.Background(), tt.body, "es")
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.sentinel)
			assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			require.Len(t, ve.Errors, 1)
			assert.Equal(t, tt.code, ve.Errors[0].Code)
			assert.Equal(t, tt.pointer, ve.Errors[0].Pointer)
			assert.NotEmpty(t, ve.Errors[0].Message)
		})
	}
	out, err := f.ValidateJSON(context.Background(), []byte(`{"b":{"c":{"d":{"e":1}}}, "s":"\u00e9\ud83d\ude00"}`), "en")
	require.NoError(t, err, "four levels are allowed")
	assert.Contains(t, string(out), "é😀")
}

func TestValidateValueDoesNotTouchInput(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	var m map[string]any
	require.NoError(t, json.Unmarshal(permitWith(t, map[string]any{"applicantType": "resident"}), &m))
	clean, err := f.ValidateValue(context.Background(), m, "en")
	require.NoError(t, err)
	assert.NotContains(t, clean, "businessName")
	assert.Contains(t, m, "businessName", "the caller's map is not modified")

	_, err = f.ValidateValue(context.Background(), map[string]any{"floors": json.Number("1e999999999")}, "en")
	assert.ErrorIs(t, err, ErrSyntax, "numbers given as json.Number are bounded too")

	type applicant struct {
		FirstName string `json:"firstName"`
	}
	_, err = f.ValidateValue(context.Background(), map[string]any{"applicant": applicant{FirstName: "A"}}, "en")
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	_, ok := ve.For("applicant.lastName")
	assert.True(t, ok, "Go structs are validated through their JSON form")
}

func TestValidateStep(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	first := map[string]any{"applicant": map[string]any{"firstName": "Ana", "lastName": "G", "email": "ana@example.org"}, "applicantType": "resident"}
	_, err := f.ValidateStep(context.Background(), "applicant", first, "en")
	require.NoError(t, err, "later steps' required fields do not fail the first step")

	second := map[string]any{"applicant": first["applicant"], "applicantType": "resident", "site": map[string]any{"street": "1"}}
	_, err = f.ValidateStep(context.Background(), "site", second, "en")
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	var fields []string
	for _, fe := range ve.Errors {
		fields = append(fields, fe.Field)
	}
	assert.Equal(t, []string{"site.street", "site.city", "site.postalCode"}, fields)

	_, err = f.ValidateStep(context.Background(), "nope", first, "en")
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
}

func TestDecodeForm(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	vals := url.Values{
		"applicant.firstName": {"Ana"},
		"applicant.email":     {"ana@example.org"},
		"floors":              {"2"},
		"estimatedCost":       {" 1200.50 "},
		"areaSqFt":            {"lots"},
		"ownerConsent":        {"on"},
		"demolition":          {"false"},
		"trades":              {"electrical", "", "plumbing"},
		"notes":               {""},
		"_step":               {"work"},
		"_csrf":               {"token"},
	}
	m, err := f.DecodeForm(vals)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"applicant":     map[string]any{"firstName": "Ana", "email": "ana@example.org"},
		"floors":        json.Number("2"),
		"estimatedCost": json.Number("1200.50"),
		"areaSqFt":      "lots",
		"ownerConsent":  true,
		"demolition":    false,
		"trades":        []any{"electrical", "plumbing"},
	}, m)

	_, err = f.DecodeForm(url.Values{"a": {"x"}, "a.b": {"y"}})
	assert.ErrorIs(t, err, ErrSyntax)
	_, err = f.DecodeForm(url.Values{strings.Repeat("a.", 40) + "b": {"y"}})
	assert.ErrorIs(t, err, ErrTooDeep)
	_, err = f.DecodeForm(url.Values{"notes": {"\xff"}})
	assert.ErrorIs(t, err, ErrInvalidUTF8)
}

func TestValidateRequest(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	form := url.Values{}
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(validPermit), &m))
	flatten("", m, form)
	req := httptest.NewRequest("POST", "/permit", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	clean, err := f.ValidateRequest(context.Background(), req, "en")
	require.NoError(t, err)
	assert.Equal(t, json.Number("45000.5"), clean["estimatedCost"])
	assert.Equal(t, true, clean["agree"])

	req = httptest.NewRequest("POST", "/permit", strings.NewReader(validPermit))
	req.Header.Set("Content-Type", "application/json")
	_, err = f.ValidateRequest(context.Background(), req, "en")
	require.NoError(t, err)

	req = httptest.NewRequest("POST", "/permit", strings.NewReader(strings.Repeat(" ", DefaultMaxBodyBytes+1)))
	req.Header.Set("Content-Type", "application/json")
	_, err = f.ValidateRequest(context.Background(), req, "en")
	assert.ErrorIs(t, err, ErrTooLarge)
}

// flatten writes a JSON object as form-post names.
func flatten(prefix string, v any, out url.Values) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			name := k
			if prefix != "" {
				name = prefix + "." + k
			}
			flatten(name, e, out)
		}
	case []any:
		for _, e := range x {
			flatten(prefix, e, out)
		}
	default:
		b, _ := json.Marshal(x)
		s := string(b)
		if str, ok := x.(string); ok {
			s = str
		}
		out.Add(prefix, s)
	}
}

func TestFormConcurrentUse(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	r, err := NewRenderer(nil)
	require.NoError(t, err)
	done := make(chan error, 16)
	for i := range 16 {
		go func() {
			locale := []string{"en", "es", "es-MX", "fr"}[i%4]
			_, err := f.ValidateJSON(context.Background(), []byte(validPermit), locale)
			if err == nil {
				_, verr := f.ValidateJSON(context.Background(), []byte(`{"floors":"x"}`), locale)
				ve, _ := verr.(*ValidationError)
				var sb strings.Builder
				err = r.Render(&sb, Page{Form: f, Locale: locale, Errors: ve})
			}
			done <- err
		}()
	}
	for range 16 {
		assert.NoError(t, <-done)
	}
}
