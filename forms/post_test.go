package forms

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// permitPost returns the valid permit as form-post values.
func permitPost(t *testing.T) url.Values {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(validPermit), &m))
	vals := url.Values{}
	flatten("", m, vals)
	return vals
}

func formRequest(vals url.Values) *http.Request {
	req := httptest.NewRequest("POST", "/permit", strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func jsonRequest(body string) *http.Request {
	req := httptest.NewRequest("POST", "/permit", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	return req
}

func TestReadPost(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	tests := []struct {
		name  string
		req   func(t *testing.T) *http.Request
		check func(t *testing.T, p *Post)
	}{
		{
			name: "ValidFormPostGivesCleanValuesAndJSON",
			req:  func(t *testing.T) *http.Request { return formRequest(permitPost(t)) },
			check: func(t *testing.T, p *Post) {
				assert.Nil(t, p.Errors)
				assert.True(t, p.Complete())
				assert.Equal(t, json.Number("45000.5"), p.Values["estimatedCost"])
				var back map[string]any
				require.NoError(t, json.Unmarshal(p.JSON, &back))
				assert.Equal(t, "ana@example.org", back["applicant"].(map[string]any)["email"])
			},
		},
		{
			name: "InvalidFormPostKeepsEnteredValuesWithErrors",
			req: func(t *testing.T) *http.Request {
				vals := permitPost(t)
				vals.Set("estimatedCost", "lots")
				vals.Set("applicant.firstName", "  Ana  ")
				vals.Del("description")
				return formRequest(vals)
			},
			check: func(t *testing.T, p *Post) {
				require.NotNil(t, p.Errors)
				assert.False(t, p.Complete())
				assert.Nil(t, p.JSON)
				assert.Equal(t, "lots", p.Values["estimatedCost"], "the entered text is kept to show again")
				assert.Equal(t, "  Ana  ", p.Values["applicant"].(map[string]any)["firstName"], "entered values are not trimmed")
				_, ok := p.Errors.For("estimatedCost")
				assert.True(t, ok)
				_, ok = p.Errors.For("description")
				assert.True(t, ok)
				assert.Equal(t, 422, ProblemFor(p.Errors, "en").Status)
				page := p.Page()
				assert.Same(t, f, page.Form)
				assert.Equal(t, p.Errors, page.Errors)
			},
		},
		{
			name: "InvalidJSONPostKeepsEnteredValues",
			req:  func(t *testing.T) *http.Request { return jsonRequest(`{"floors": 0, "notes": "x"}`) },
			check: func(t *testing.T, p *Post) {
				require.NotNil(t, p.Errors)
				assert.Equal(t, json.Number("0"), p.Values["floors"])
				assert.Empty(t, p.Step)
			},
		},
		{
			name: "ValidJSONPost",
			req:  func(t *testing.T) *http.Request { return jsonRequest(validPermit) },
			check: func(t *testing.T, p *Post) {
				assert.Nil(t, p.Errors)
				assert.True(t, p.Complete())
				assert.NotEmpty(t, p.JSON)
			},
		},
		{
			name: "ValidStepPostNamesTheNextStep",
			req: func(t *testing.T) *http.Request {
				return formRequest(url.Values{"_step": {"applicant"}, "applicant.firstName": {"Ana"},
					"applicant.lastName": {"G"}, "applicant.email": {"a@example.org"}, "applicantType": {"resident"}})
			},
			check: func(t *testing.T, p *Post) {
				assert.Nil(t, p.Errors, "later steps are not checked yet")
				assert.Equal(t, "applicant", p.Step)
				assert.Equal(t, "site", p.Next)
				assert.False(t, p.Complete())
				assert.Equal(t, "site", p.Page().Step)
			},
		},
		{
			name: "StepPostWithABadCarriedValueGoesBackToItsStep",
			req: func(t *testing.T) *http.Request {
				vals := permitPost(t)
				vals.Set("_step", "work")
				vals.Set("applicant.email", "not an address")
				vals.Set("floors", "0")
				return formRequest(vals)
			},
			check: func(t *testing.T, p *Post) {
				require.NotNil(t, p.Errors)
				assert.Equal(t, "applicant", p.Step)
				assert.Equal(t, "applicant", p.Page().Step)
			},
		},
		{
			name: "LastStepPostChecksTheWholeForm",
			req: func(t *testing.T) *http.Request {
				vals := permitPost(t)
				vals.Set("_step", "work")
				return formRequest(vals)
			},
			check: func(t *testing.T, p *Post) {
				assert.Nil(t, p.Errors)
				assert.True(t, p.Complete())
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := f.ReadPost(tt.req(t), "en")
			require.NoError(t, err)
			tt.check(t, p)
		})
	}
}

func TestReadPostRefusesUnreadableBodies(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	big := strings.Repeat("a", DefaultMaxBodyBytes)
	tests := []struct {
		name   string
		req    *http.Request
		status int
	}{
		{"JSONOverTheLimit", jsonRequest(`{"notes":"` + big + `"}`), http.StatusRequestEntityTooLarge},
		{"FormPostOverTheLimit", formRequest(url.Values{"notes": {big}}), http.StatusRequestEntityTooLarge},
		{"PlainText", func() *http.Request {
			r := jsonRequest("notes=x")
			r.Header.Set("Content-Type", "text/plain")
			return r
		}(), http.StatusUnsupportedMediaType},
		{"MalformedJSON", jsonRequest(`{"notes":`), http.StatusBadRequest},
		{"UnknownStep", formRequest(url.Values{"_step": {"nope"}}), http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := f.ReadPost(tt.req, "en")
			require.Error(t, err)
			assert.Nil(t, p)
			assert.Equal(t, tt.status, ProblemFor(err, "en").Status)
		})
	}
}

func TestReadPostHonoursCancellation(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.ReadPost(jsonRequest(validPermit).WithContext(ctx), "en")
	assert.ErrorIs(t, err, context.Canceled)
}

var (
	hrefRE = regexp.MustCompile(`href="#([^"]*)"`)
	idRE   = regexp.MustCompile(`\sid="([^"]*)"`)
)

// TestErrorSummaryLinksResolve draws error pages and checks that every
// summary link points at an element of the page and that every error is
// said.
func TestErrorSummaryLinksResolve(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	r, err := NewRenderer(nil)
	require.NoError(t, err)
	post := func(vals url.Values) *Post {
		p, err := f.ReadPost(formRequest(vals), "en")
		require.NoError(t, err)
		require.NotNil(t, p.Errors)
		return p
	}
	tests := []struct {
		name string
		page func(t *testing.T) Page
	}{
		{"WholeFormWithUnknownKey", func(t *testing.T) Page {
			vals := permitPost(t)
			vals.Set("bogus", "x")
			vals.Del("site.city")
			return post(vals).Page()
		}},
		{"StepPageWithErrorsOfOtherSteps", func(t *testing.T) Page {
			ve := &ValidationError{Errors: []FieldError{
				{Field: "applicant.email", Code: "format", Message: "email wrong"},
				{Field: "site.city", Code: "required", Message: "city missing"},
				{Field: "floors", Code: "minimum", Message: "floors too few"},
			}}
			return Page{Form: f, Step: "applicant", Errors: ve}
		}},
		{"RootErrors", func(t *testing.T) Page {
			p, err := f.ReadPost(jsonRequest(`[1]`), "en")
			require.NoError(t, err)
			require.NotNil(t, p.Errors)
			return p.Page()
		}},
		{"MissingRequiredGroup", func(t *testing.T) Page {
			p, err := f.ReadPost(jsonRequest(`{"zzz": 1}`), "en")
			require.NoError(t, err)
			require.NotNil(t, p.Errors)
			return p.Page()
		}},
		{"StepPostWithUnknownKey", func(t *testing.T) Page {
			return post(url.Values{"_step": {"site"}, "site.street": {"1 Elm"}, "other.thing": {"x"}}).Page()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			page := tt.page(t)
			var b strings.Builder
			require.NoError(t, r.Render(&b, page))
			html := b.String()
			ids := map[string]bool{}
			for _, m := range idRE.FindAllStringSubmatch(html, -1) {
				ids[m[1]] = true
			}
			links := hrefRE.FindAllStringSubmatch(html, -1)
			require.NotEmpty(t, links)
			for _, m := range links {
				assert.True(t, ids[m[1]], "summary links to #%s, which is not on the page", m[1])
			}
			for _, fe := range page.Errors.Errors {
				assert.Contains(t, html, `">`+escapeText(fe.Message)+`</a>`, "error %q is not in the summary", fe.Code)
			}
		})
	}
}

// escapeText escapes a message as html/template writes text.
func escapeText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func TestErrorOnAHiddenFieldLinksToTheSummary(t *testing.T) {
	t.Parallel()
	reg, err := NewRegistry(nil)
	require.NoError(t, err)
	f, err := reg.Load(context.Background(), "ref.json", []byte(`{"x-form": {"id": "ref", "version": 1}, "type": "object",
		"required": ["ref"], "properties": {"ref": {"type": "string", "x-widget": "hidden"}, "name": {"type": "string"}}}`))
	require.NoError(t, err)
	p, err := f.ReadPost(formRequest(url.Values{"name": {"Ana"}}), "en")
	require.NoError(t, err)
	require.NotNil(t, p.Errors)
	r, err := NewRenderer(nil)
	require.NoError(t, err)
	var b strings.Builder
	require.NoError(t, r.Render(&b, p.Page()))
	assert.Contains(t, b.String(), `<a href="#error-summary">Enter an answer.</a>`, "a hidden input cannot take focus")
	assert.NotContains(t, b.String(), `href="#f-ref"`)
	assert.Contains(t, b.String(), `value="Ana"`, "the entered value is drawn again")
}
