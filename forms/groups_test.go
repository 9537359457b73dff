package forms

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/keyring"
)

// loadHousehold returns the household form: a group of 1 to 20 members
// with a condition inside each row, and a group of vehicles with no
// maxItems.
func loadHousehold(tb testing.TB) *Form {
	tb.Helper()
	data, err := os.ReadFile("testdata/forms/household.json")
	require.NoError(tb, err)
	r, err := NewRegistry(nil)
	require.NoError(tb, err)
	f, err := r.Load(context.Background(), "household.json", data)
	require.NoError(tb, err)
	return f
}

// loadDef compiles a definition given inline.
func loadDef(tb testing.TB, def string) (*Form, error) {
	tb.Helper()
	r, err := NewRegistry(nil)
	require.NoError(tb, err)
	return r.Load(context.Background(), "inline.json", []byte(def))
}

func member(name, dob, rel string) map[string]any {
	return map[string]any{"name": name, "dob": dob, "relationship": rel}
}

func TestGroupIsModelledAsRowTemplate(t *testing.T) {
	t.Parallel()
	f := loadHousehold(t)
	members, ok := f.Field("members")
	require.True(t, ok)
	assert.Equal(t, "array", members.Type)
	assert.Equal(t, "object", members.ItemType)
	assert.Equal(t, "group", members.Widget)
	assert.Equal(t, 1, members.MinItems)
	assert.Equal(t, 20, members.MaxItems)
	var paths, pointers []string
	for _, c := range members.Fields {
		paths, pointers = append(paths, c.Path), append(pointers, c.Pointer)
	}
	assert.Equal(t, []string{"members.*.name", "members.*.dob", "members.*.relationship", "members.*.income", "members.*.relationshipOther"}, paths)
	assert.Equal(t, "/members/*/dob", pointers[1])

	tmpl, ok := f.Field("members.*.dob")
	require.True(t, ok)
	row, ok := f.Field("members.2.dob")
	require.True(t, ok)
	assert.Same(t, tmpl, row, "a row's field is the template's")
	assert.True(t, tmpl.Required)
	other, ok := f.Field("members.19.relationshipOther")
	require.True(t, ok)
	assert.True(t, other.Conditional, "an if/then inside items shows the field")
	for _, bad := range []string{"members.20.dob", "members.02.dob", "members.-1.dob", "members.x.dob", "members.2", "members.2.nope", "applicant.2"} {
		_, ok := f.Field(bad)
		assert.False(t, ok, "%s names no field", bad)
	}

	assert.Equal(t, "Household member 2", members.RowTitle("en", 2))
	assert.Equal(t, "Miembro del hogar 3", members.RowTitle("es-MX", 3))
	assert.Empty(t, tmpl.RowTitle("en", 1), "a field that is not a group has no rows")
	vehicles, _ := f.Field("vehicles")
	assert.Equal(t, 0, vehicles.MaxItems, "no maxItems: DefaultMaxRows applies")
}

func TestGroupDefinitionProblems(t *testing.T) {
	t.Parallel()
	wrap := func(props string) string {
		return `{"x-form": {"id": "g", "version": 1}, "type": "object", "properties": {` + props + `}}`
	}
	tests := []struct {
		name, def, reason string
	}{
		{"StarInPropertyName", wrap(`"a*b": {"type": "string"}`), `property "a*b" may not contain '*'`},
		{"StarInRowPropertyName", wrap(`"m": {"type": "array", "items": {"type": "object", "title": "M", "properties": {"*": {"type": "string"}}}}`), `property "*" may not contain '*'`},
		{"RowWithoutTitle", wrap(`"m": {"type": "array", "items": {"type": "object", "properties": {"a": {"type": "string"}}}}`), `the items of repeating group "m" need a title`},
		{"OtherWidget", wrap(`"m": {"type": "array", "x-widget": "text", "items": {"type": "object", "title": "M", "properties": {"a": {"type": "string"}}}}`), `it is a repeating group`},
		{"GroupWidgetOnText", wrap(`"a": {"type": "string", "x-widget": "group"}`), `x-widget "group" needs an array whose items are objects`},
		{"RequiredRowFieldNeverShown", wrap(`"m": {"type": "array", "items": {"type": "object", "title": "M", "required": ["b"], "properties": {"a": {"type": "string"}}}}`), `required field "b" is never shown`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadDef(t, tt.def)
			var de *DefinitionError
			require.ErrorAs(t, err, &de)
			assert.Contains(t, de.Error(), tt.reason)
		})
	}
}

func TestGroupValidation(t *testing.T) {
	t.Parallel()
	f := loadHousehold(t)
	ctx := context.Background()

	t.Run("ErrorsPointIntoRowsInRowOrder", func(t *testing.T) {
		t.Parallel()
		doc := map[string]any{"applicant": "Ana", "members": []any{
			member("Ana", "1990-01-01", "spouse"),
			map[string]any{"name": "Bo", "relationship": "other"},
			map[string]any{"dob": "x", "relationship": "child", "bogus": 1},
		}}
		_, err := f.ValidateValue(ctx, doc, "en")
		var ve *ValidationError
		require.ErrorAs(t, err, &ve)
		var got []string
		for _, fe := range ve.Errors {
			got = append(got, fe.Pointer+" "+fe.Field+" "+fe.Code)
		}
		assert.Equal(t, []string{
			"/members/1/dob members.1.dob required",
			"/members/1/relationshipOther members.1.relationshipOther required",
			"/members/2/name members.2.name required",
			"/members/2/dob members.2.dob format",
			"/members/2/bogus members.2.bogus additionalProperties",
		}, got)
	})
	t.Run("ConditionHidesRowFieldPerRow", func(t *testing.T) {
		t.Parallel()
		doc := map[string]any{"applicant": "Ana", "members": []any{
			map[string]any{"name": "A", "dob": "1990-01-01", "relationship": "child", "relationshipOther": "dropped"},
			map[string]any{"name": "B", "dob": "1991-01-01", "relationship": "other", "relationshipOther": "cousin"},
		}}
		clean, err := f.ValidateValue(ctx, doc, "en")
		require.NoError(t, err)
		rows := clean["members"].([]any)
		assert.NotContains(t, rows[0], "relationshipOther")
		assert.Equal(t, "cousin", rows[1].(map[string]any)["relationshipOther"])
	})
	t.Run("MinAndMaxItemsMessages", func(t *testing.T) {
		t.Parallel()
		for _, c := range []struct {
			locale string
			rows   int
			code   string
			msg    string
		}{
			{"en", 0, "minItems", "Add at least 1."},
			{"es", 0, "minItems", "Añada al menos 1."},
			{"en", 21, "maxItems", "Remove some: at most 20 are allowed."},
			{"es", 21, "maxItems", "Quite algunos: se admiten como máximo 20."},
		} {
			rows := make([]any, c.rows)
			for i := range rows {
				rows[i] = member(fmt.Sprint("M", i), "2000-01-01", "child")
			}
			_, err := f.ValidateValue(ctx, map[string]any{"applicant": "Ana", "members": rows}, c.locale)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			fe, ok := ve.For("members")
			require.True(t, ok, "%v", ve)
			assert.Equal(t, c.code, fe.Code)
			assert.Equal(t, c.msg, fe.Message)
		}
	})
	t.Run("NamedGroupMessage", func(t *testing.T) {
		t.Parallel()
		g, err := loadDef(t, `{"x-form": {"id": "g", "version": 1}, "type": "object", "properties": {
			"kids": {"type": "array", "minItems": 2, "x-errorName": "your children", "items": {"type": "object", "title": "Child", "properties": {"n": {"type": "string"}}}}}}`)
		require.NoError(t, err)
		_, err = g.ValidateJSON(ctx, []byte(`{"kids": [{"n": "a"}]}`), "en")
		var ve *ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, "Add at least 2 to your children.", ve.Errors[0].Message)
	})
	t.Run("RowsWithoutMaxItemsStopAtDefaultMaxRows", func(t *testing.T) {
		t.Parallel()
		rows := make([]any, DefaultMaxRows+1)
		for i := range rows {
			rows[i] = map[string]any{"make": "Ford"}
		}
		doc := map[string]any{"applicant": "Ana", "members": []any{member("A", "1990-01-01", "spouse")}, "vehicles": rows}
		_, err := f.ValidateValue(ctx, doc, "en")
		var ve *ValidationError
		require.ErrorAs(t, err, &ve)
		fe, ok := ve.For("vehicles")
		require.True(t, ok)
		assert.Equal(t, "maxItems", fe.Code)
		assert.Equal(t, DefaultMaxRows, fe.Params["limit"])
		doc["vehicles"] = rows[:DefaultMaxRows]
		_, err = f.ValidateValue(ctx, doc, "en")
		assert.NoError(t, err)
	})
	t.Run("CleanJSONKeepsRowsInOrder", func(t *testing.T) {
		t.Parallel()
		out, err := f.ValidateJSON(ctx, []byte(`{"members":[{"relationship":"child","name":" Bo ","dob":"2010-05-05"},{"name":"Cy","dob":"2012-01-01","relationship":"child"}],"applicant":"Ana"}`), "en")
		require.NoError(t, err)
		assert.Equal(t, `{"applicant":"Ana","members":[{"dob":"2010-05-05","name":"Bo","relationship":"child"},{"dob":"2012-01-01","name":"Cy","relationship":"child"}]}`, string(out))
	})
}

func TestGroupFormPostDecodesRows(t *testing.T) {
	t.Parallel()
	f := loadHousehold(t)
	m, err := f.DecodeForm(url.Values{
		"applicant":            {"Ana"},
		"members.0._row":       {""},
		"members.0.name":       {"Ana"},
		"members.0.income":     {"1200.50"},
		"members.1._row":       {""}, // a row with every input blank stays a row
		"members.10.name":      {"Tenth"},
		"members.2.name":       {"Second"},
		"members.2.dob":        {""},
		"members.2.Upper":      {"x"},
		"vehicles.0.year":      {"2004"},
		"vehicles.0.make":      {"Ford"},
		"notAField.3.whatever": {"y"},
	})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"applicant": "Ana",
		"members": []any{
			map[string]any{"name": "Ana", "income": jsonNumber("1200.50")},
			map[string]any{},
			map[string]any{"name": "Second", "Upper": "x"},
			map[string]any{"name": "Tenth"}, // index order, not text order; gaps close
		},
		"vehicles":  []any{map[string]any{"make": "Ford", "year": jsonNumber("2004")}},
		"notAField": map[string]any{"3": map[string]any{"whatever": "y"}},
	}, m)
}

// TestGroupRefusesBadRowNames holds every malformed or impossible row
// name and button of a form post to a clear error that names it, with
// nothing decoded.
func TestGroupRefusesBadRowNames(t *testing.T) {
	t.Parallel()
	f := loadHousehold(t)
	full := url.Values{"applicant": {"Ana"}}
	for i := range 20 {
		full.Set(fmt.Sprintf("members.%d._row", i), "")
	}
	full.Set("_add", "members")
	tests := []struct {
		name    string
		vals    url.Values
		kind    error
		pointer string
	}{
		{"HugeIndex", url.Values{"members.1000000000.dob": {"2000-01-01"}}, ErrRowIndex, "/members/1000000000"},
		{"HugerThanAnInt", url.Values{"members.99999999999999999999999.dob": {"x"}}, ErrRowIndex, "/members/99999999999999999999999"},
		{"LongIndexIsClipped", url.Values{"members." + strings.Repeat("7", 10000) + ".dob": {"x"}}, ErrRowIndex, clip("/members/" + strings.Repeat("7", 40))},
		{"LongRemoveIsClipped", url.Values{"_remove": {"members." + strings.Repeat("x", 10000)}}, ErrRowIndex, clip("/members/" + strings.Repeat("x", 40))},
		{"PastMaxItems", url.Values{"members.20.dob": {"2000-01-01"}}, ErrRowIndex, "/members/20"},
		{"PastDefaultMaxRows", url.Values{"vehicles.100.make": {"Ford"}}, ErrRowIndex, "/vehicles/100"},
		{"Negative", url.Values{"members.-1.dob": {"2000-01-01"}}, ErrRowIndex, "/members/-1"},
		{"NotANumber", url.Values{"members.x.dob": {"2000-01-01"}}, ErrRowIndex, "/members/x"},
		{"LeadingZero", url.Values{"members.01.dob": {"2000-01-01"}}, ErrRowIndex, "/members/01"},
		{"Star", url.Values{"members.*.dob": {"2000-01-01"}}, ErrRowIndex, "/members/*"},
		{"Plus", url.Values{"members.+1.dob": {"2000-01-01"}}, ErrRowIndex, "/members/+1"},
		{"EmptyIndex", url.Values{"members..dob": {"2000-01-01"}}, ErrRowIndex, "/members/"},
		{"MarkerPastMax", url.Values{"members.25._row": {""}}, ErrRowIndex, "/members/25"},
		{"RemoveRowNotPosted", url.Values{"members.0.name": {"A"}, "_remove": {"members.3"}}, ErrRowIndex, "/members/3"},
		{"RemoveHugeRow", url.Values{"_remove": {"members.1000000000"}}, ErrRowIndex, "/members/1000000000"},
		{"RemoveNonNumeric", url.Values{"_remove": {"members.first"}}, ErrRowIndex, "/members/first"},
		{"RemoveGroup", url.Values{"_remove": {"members"}}, ErrRowIndex, "/members"},
		{"AddNotAGroup", url.Values{"_add": {"applicant"}}, ErrRowIndex, "/applicant"},
		{"AddUnknown", url.Values{"_add": {"nothing"}}, ErrRowIndex, "/nothing"},
		{"AddPastMaxItems", full, ErrRowIndex, "/members/20"},
		{"TwoButtons", url.Values{"_add": {"members"}, "_remove": {"members.0"}}, ErrSyntax, ""},
		{"ValueAndRows", url.Values{"members": {"x"}, "members.0.name": {"A"}}, ErrSyntax, "/members"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := f.ReadPost(formRequest(tt.vals), "es")
			assert.Nil(t, p, "nothing is kept of a post that names a row that cannot exist")
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.ErrorIs(t, err, tt.kind)
			assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
			require.Len(t, ve.Errors, 1)
			fe := ve.Errors[0]
			assert.Equal(t, tt.pointer, fe.Pointer)
			assert.NotEmpty(t, fe.Message)
			assert.LessOrEqual(t, len(fe.Field)+len(fe.Message), 200, "an error never grows with the input")
			if tt.kind == ErrRowIndex {
				assert.Equal(t, "rowIndex", fe.Code)
				assert.Contains(t, fe.Message, "no tiene esa fila")
			}
			pr := ProblemFor(err, "es")
			assert.Equal(t, http.StatusBadRequest, pr.Status)
		})
	}
	t.Run("MessageNamesTheGroup", func(t *testing.T) {
		t.Parallel()
		_, err := f.ReadPost(formRequest(url.Values{"members.1000000000.dob": {"2000-01-01"}}), "en")
		var ve *ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, "Household members has no such row.", ve.Errors[0].Message)
		assert.Equal(t, "members.1000000000", ve.Errors[0].Field)
	})
}

func TestGroupAddAndRemoveRows(t *testing.T) {
	t.Parallel()
	f := loadHousehold(t)
	r, err := NewRenderer(nil)
	require.NoError(t, err)
	posted := url.Values{
		"_csrf":          {"tok"},
		"applicant":      {"Ana "},
		"members.0._row": {""}, "members.0.name": {"Ana"}, "members.0.dob": {"1990-01-01"}, "members.0.relationship": {"spouse"},
		"members.1._row": {""}, "members.1.name": {"Bo"}, "members.1.dob": {"not a date"},
		"members.2._row": {""}, "members.2.name": {"Cy"}, "members.2.relationship": {"other"}, "members.2.relationshipOther": {"cousin"},
	}

	t.Run("AddKeepsEveryValueAndDrawsABlankRow", func(t *testing.T) {
		t.Parallel()
		vals := cloneValues(posted)
		vals.Set("_add", "members")
		p, err := f.ReadPost(formRequest(vals), "en")
		require.NoError(t, err)
		require.NotNil(t, p.Edit)
		assert.Equal(t, RowEdit{Group: "members", Row: 3}, *p.Edit)
		assert.False(t, p.Complete(), "an edit is not a submission")
		assert.Nil(t, p.Errors)
		assert.Equal(t, map[string]string{"_csrf": "tok"}, p.Hidden, "the button pressed is not carried to the next page")
		rows := p.Values["members"].([]any)
		require.Len(t, rows, 4)
		assert.Equal(t, map[string]any{}, rows[3])
		assert.Equal(t, "not a date", rows[1].(map[string]any)["dob"], "values are kept as typed")
		assert.Equal(t, "Ana ", p.Values["applicant"])

		html := render(t, r, p.Page())
		assert.Contains(t, html, "Household member 4</h2>")
		assert.Contains(t, html, `name="members.1.dob" type="date" value="not a date"`)
		assert.Contains(t, html, `name="members.2.relationshipOther" type="text" value="cousin"`)
		assert.Contains(t, html, `name="members.3._row"`)
		assert.Contains(t, html, `>Add Household member 5</button>`)
		assert.NotContains(t, html, "usa-error-message", "an edit shows no errors yet")
	})
	t.Run("RemoveRenumbersTheRowsAfter", func(t *testing.T) {
		t.Parallel()
		vals := cloneValues(posted)
		vals.Set("_remove", "members.1")
		p, err := f.ReadPost(formRequest(vals), "es")
		require.NoError(t, err)
		require.NotNil(t, p.Edit)
		assert.Equal(t, RowEdit{Group: "members", Row: 1, Remove: true}, *p.Edit)
		assert.False(t, p.Complete())
		assert.Nil(t, p.Errors)
		rows := p.Values["members"].([]any)
		require.Len(t, rows, 2)
		assert.Equal(t, "Cy", rows[1].(map[string]any)["name"])

		page := p.Page()
		page.Locale = "es"
		html := render(t, r, page)
		assert.Contains(t, html, `<h2 class="margin-0">Miembro del hogar 2</h2>`)
		assert.Contains(t, html, `name="members.1.name" type="text" value="Cy"`)
		assert.NotContains(t, html, "Bo")
		assert.NotContains(t, html, "members.2.")
		assert.Contains(t, html, `name="_remove" value="members.1">Quitar Miembro del hogar 2</button>`)
	})
	t.Run("RemoveABlankRow", func(t *testing.T) {
		t.Parallel()
		vals := cloneValues(posted)
		vals.Set("members.3._row", "")
		vals.Set("_remove", "members.3")
		p, err := f.ReadPost(formRequest(vals), "en")
		require.NoError(t, err)
		assert.Len(t, p.Values["members"], 3)
	})
	t.Run("RemoveTheLastRowThenAddOne", func(t *testing.T) {
		t.Parallel()
		p, err := f.ReadPost(formRequest(url.Values{"members.0._row": {""}, "members.0.name": {"A"}, "_remove": {"members.0"}}), "en")
		require.NoError(t, err)
		assert.Equal(t, []any{}, p.Values["members"])
		html := render(t, r, p.Page())
		assert.NotContains(t, html, "Household member 1</h2>", "no row is drawn after the last is removed")
		p, err = f.ReadPost(formRequest(url.Values{"_add": {"members"}}), "en")
		require.NoError(t, err)
		assert.Equal(t, []any{map[string]any{}}, p.Values["members"])
	})
	t.Run("SubmitValidatesEveryRow", func(t *testing.T) {
		t.Parallel()
		p, err := f.ReadPost(formRequest(posted), "en")
		require.NoError(t, err)
		assert.Nil(t, p.Edit)
		require.NotNil(t, p.Errors)
		fe, ok := p.Errors.For("members.1.dob")
		require.True(t, ok, "%v", p.Errors)
		assert.Equal(t, "/members/1/dob", fe.Pointer)
		html := render(t, r, p.Page())
		assert.Contains(t, html, `<li><a href="#f-members-1-dob">Household member 2: `+escapeText(fe.Message)+`</a></li>`)
		assert.Contains(t, html, `id="f-members-1-dob-error"`)
	})
	t.Run("ValidSubmitIsComplete", func(t *testing.T) {
		t.Parallel()
		vals := cloneValues(posted)
		vals.Set("members.1.dob", "1992-02-02")
		vals.Set("members.1.relationship", "child")
		vals.Set("members.2.dob", "1993-03-03")
		p, err := f.ReadPost(formRequest(vals), "en")
		require.NoError(t, err)
		require.Nil(t, p.Errors)
		assert.True(t, p.Complete())
		assert.Contains(t, string(p.JSON), `{"dob":"1992-02-02","name":"Bo","relationship":"child"}`)
	})
	t.Run("SubmitWithEveryRowRemoved", func(t *testing.T) {
		t.Parallel()
		p, err := f.ReadPost(formRequest(url.Values{"applicant": {"Ana"}}), "es")
		require.NoError(t, err)
		require.NotNil(t, p.Errors)
		fe, ok := p.Errors.For("members")
		require.True(t, ok)
		assert.Equal(t, "required", fe.Code)
		assert.Equal(t, "Añada al menos 1.", fe.Message, "a group is filled by adding rows")
		html := render(t, r, p.Page())
		assert.Contains(t, html, `<li><a href="#f-members_row-add">`, "the summary leads to the Add button")
	})
	t.Run("AnEditIsNoSubmissionForValidateRequest", func(t *testing.T) {
		t.Parallel()
		vals := cloneValues(posted)
		vals.Set("_add", "members")
		_, err := f.ValidateRequest(context.Background(), formRequest(vals), "en")
		assert.ErrorIs(t, err, ErrSyntax)
	})
}

func TestGroupRendering(t *testing.T) {
	t.Parallel()
	f := loadHousehold(t)
	r, err := NewRenderer(nil)
	require.NoError(t, err)

	html := render(t, r, Page{Form: f, Locale: "en"})
	assert.Contains(t, html, `<h2 class="margin-0">Household member 1</h2>`, "a group never answered starts with minItems rows")
	assert.NotContains(t, html, "Household member 2</h2>")
	assert.NotContains(t, html, "Vehicle 1</h2>", "a group without minItems starts empty")
	assert.Contains(t, html, `>Add Vehicle 1</button>`)
	enter := strings.Index(html, `<button class="usa-sr-only" type="submit"`)
	remove := strings.Index(html, `name="_remove"`)
	require.True(t, enter > 0 && remove > enter, "Enter in an input presses the hidden submit button, which comes first")

	full := make([]any, 20)
	for i := range full {
		full[i] = member("M", "2000-01-01", "child")
	}
	html = render(t, r, Page{Form: f, Locale: "en", Values: map[string]any{"members": full}})
	assert.Contains(t, html, "Household member 20</h2>")
	assert.NotContains(t, html, `value="members">Add`, "a full group has no Add button")

	plain := render(t, r, Page{Form: loadPermit(t), Locale: "en"})
	assert.NotContains(t, plain, "usa-sr-only", "a form without groups has no hidden submit button")
}

func TestGroupStepsCarryRows(t *testing.T) {
	t.Parallel()
	f, err := loadDef(t, `{"x-form": {"id": "s", "version": 1, "steps": [
		{"id": "people", "title": "People", "fields": ["members"]}, {"id": "end", "title": "End", "fields": ["notes"]}]},
		"type": "object", "properties": {
		"members": {"type": "array", "title": "Members", "items": {"type": "object", "title": "Member", "properties": {
			"name": {"type": "string", "title": "Name"}, "age": {"type": "integer", "title": "Age"}}}},
		"notes": {"type": "string", "title": "Notes"}}}`)
	require.NoError(t, err)
	r, err := NewRenderer(nil)
	require.NoError(t, err)

	p, err := f.ReadPost(formRequest(url.Values{"_step": {"people"}, "members.0._row": {""}, "members.0.name": {"A"},
		"members.0.age": {"7"}, "members.1._row": {""}, "_add": {"members"}}), "en")
	require.NoError(t, err)
	require.NotNil(t, p.Edit)
	assert.Equal(t, "people", p.Page().Step, "an edit draws the same step again")
	html := render(t, r, p.Page())
	assert.Contains(t, html, `<h3 class="margin-0">Member 3</h3>`, "rows are headed under the step's h2")

	p, err = f.ReadPost(formRequest(url.Values{"_step": {"people"}, "members.0._row": {""}, "members.0.name": {"A"},
		"members.0.age": {"7"}, "members.1._row": {""}, "members.1.name": {"B"}}), "en")
	require.NoError(t, err)
	require.Nil(t, p.Errors)
	require.Equal(t, "end", p.Next)
	page := p.Page()
	view, err := BuildView(page)
	require.NoError(t, err)
	carried := url.Values{}
	for _, h := range view.Carried {
		carried.Add(h.Name, h.Value)
	}
	assert.Equal(t, url.Values{"members.0._row": {""}, "members.0.name": {"A"}, "members.0.age": {"7"},
		"members.1._row": {""}, "members.1.name": {"B"}}, carried)
	carried.Set("_step", "end")
	carried.Set("notes", "n")
	last, err := f.ReadPost(formRequest(carried), "en")
	require.NoError(t, err)
	require.Nil(t, last.Errors)
	assert.True(t, last.Complete())
	assert.JSONEq(t, `{"members":[{"name":"A","age":7},{"name":"B"}],"notes":"n"}`, string(last.JSON))
}

func TestGroupInsideARow(t *testing.T) {
	t.Parallel()
	f, err := loadDef(t, `{"x-form": {"id": "n", "version": 1}, "type": "object", "properties": {
		"members": {"type": "array", "title": "Members", "items": {"type": "object", "title": "Member", "properties": {
			"name": {"type": "string", "title": "Name"},
			"pets": {"type": "array", "title": "Pets", "maxItems": 2, "items": {"type": "object", "title": "Pet", "required": ["kind"],
				"properties": {"kind": {"type": "string", "title": "Kind"}}}}}}}}}`)
	require.NoError(t, err)
	kind, ok := f.Field("members.3.pets.1.kind")
	require.True(t, ok)
	assert.Equal(t, "/members/*/pets/*/kind", kind.Pointer)

	p, err := f.ReadPost(formRequest(url.Values{"members.0._row": {""}, "members.0.pets.0.kind": {"cat"},
		"members.1._row": {""}, "_add": {"members.0.pets"}}), "en")
	require.NoError(t, err)
	require.NotNil(t, p.Edit)
	assert.Equal(t, RowEdit{Group: "members.0.pets", Row: 1}, *p.Edit)
	assert.Equal(t, []any{map[string]any{"pets": []any{map[string]any{"kind": "cat"}, map[string]any{}}}, map[string]any{}}, p.Values["members"])

	r, err := NewRenderer(nil)
	require.NoError(t, err)
	html := render(t, r, p.Page())
	assert.Contains(t, html, `<h3 class="margin-0">Pet 2</h3>`)
	assert.Contains(t, html, `name="members.0.pets.1._row"`)
	assert.Contains(t, html, `value="members.1.pets">Add Pet 1</button>`)
	assert.NotContains(t, html, `value="members.0.pets">Add`, "two pets fill the group")

	_, err = f.ReadPost(formRequest(url.Values{"members.0.pets.2.kind": {"dog"}}), "en")
	assert.ErrorIs(t, err, ErrRowIndex)
	_, err = f.ReadPost(formRequest(url.Values{"_add": {"members.4.pets"}}), "en")
	assert.ErrorIs(t, err, ErrRowIndex, "a row above the group that was not posted")

	p, err = f.ReadPost(formRequest(url.Values{"members.0._row": {""}, "members.0.pets.0._row": {""}}), "en")
	require.NoError(t, err)
	require.NotNil(t, p.Errors)
	fe, ok := p.Errors.For("members.0.pets.0.kind")
	require.True(t, ok, "%v", p.Errors)
	assert.Equal(t, "/members/0/pets/0/kind", fe.Pointer)
}

func TestGroupDraftsKeepRowsSealed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	data, err := os.ReadFile("testdata/forms/household.json")
	require.NoError(t, err)
	reg, err := NewRegistry(nil)
	require.NoError(t, err)
	f, err := reg.Load(ctx, "household.json", data)
	require.NoError(t, err)
	ring, err := keyring.New(keyring.Key{ID: "k1", Secret: make([]byte, 32)}, nil, nil)
	require.NoError(t, err)
	store := memory.New()
	drafts, err := NewDrafts(store, reg, &DraftsConfig{Ring: ring})
	require.NoError(t, err)

	values := map[string]any{"applicant": "Ana", "members": []any{
		map[string]any{"name": "Zed Secretname", "dob": "1990-01-01", "undeclared": "dropped"},
		map[string]any{},
		map[string]any{"name": "Cy", "income": "12"},
	}}
	token, err := drafts.Save(ctx, SaveParams{Form: f, Values: values})
	require.NoError(t, err)
	rec, err := store.GetDraft(ctx, hashToken(token), timeNow())
	require.NoError(t, err)
	assert.NotContains(t, string(rec.Data), "Secretname", "a PII field in a row is sealed at rest")
	assert.NotContains(t, string(rec.Data), "1990-01-01")
	assert.NotContains(t, string(rec.Data), "undeclared")

	back, err := drafts.Resume(ctx, token, "", "")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"applicant": "Ana", "members": []any{
		map[string]any{"name": "Zed Secretname", "dob": "1990-01-01"},
		map[string]any{},
		map[string]any{"name": "Cy", "income": "12"},
	}}, back.Values)
}

func TestGroupRedactAndSealRows(t *testing.T) {
	t.Parallel()
	f := loadHousehold(t)
	values := map[string]any{"applicant": "Ana", "members": []any{
		member("Ana", "1990-01-01", "spouse"), member("Bo", "2010-01-01", "child")}}
	assert.Equal(t, map[string]any{"applicant": "[redacted:identity]", "members": []any{
		map[string]any{"name": "[redacted:identity]", "dob": "[redacted:identity]", "relationship": "spouse"},
		map[string]any{"name": "[redacted:identity]", "dob": "[redacted:identity]", "relationship": "child"},
	}}, f.Redact(values))

	ring, err := keyring.New(keyring.Key{ID: "k1", Secret: make([]byte, 32)}, nil, nil)
	require.NoError(t, err)
	sealed, err := f.Seal(values, ring)
	require.NoError(t, err)
	rows := sealed["members"].([]any)
	assert.Equal(t, "spouse", rows[0].(map[string]any)["relationship"])
	assert.Contains(t, rows[0].(map[string]any)["name"], sealedKey)
	opened, err := f.Open(sealed, ring)
	require.NoError(t, err)
	assert.Equal(t, values, opened)

	// a ciphertext moved to another row does not open
	swapped := map[string]any{"members": []any{rows[1], rows[0]}}
	_, err = f.Open(swapped, ring)
	assert.ErrorIs(t, err, keyring.ErrInvalidSealed)
}

func TestGroupMessagesOfAnAddedLanguage(t *testing.T) {
	t.Parallel()
	en, _ := DefaultMessages("en")
	// a language written before repeating groups lacks their keys
	for _, set := range []map[string]string{en.Named, en.Plain} {
		delete(set, "minItems.group")
		delete(set, "maxItems.group")
	}
	delete(en.Submission, "rowIndex")
	fr := Language{Tag: "fr", ErrorHeading: "Il y a un problème", Submit: "Envoyer", Continue: "Continuer", StepOf: "Étape %d sur %d",
		Required: "(obligatoire)", Choose: "- Choisir -", Yes: "Oui", No: "Non",
		Shell: ShellText{SkipLink: "Aller au contenu", Back: "Retour", ErrorPrefix: "Erreur : "}, Messages: en}
	en.Plain["minItems"] = "Au moins {limit}."
	reg, err := NewRegistry(&RegistryConfig{Languages: []Language{fr}})
	require.NoError(t, err, "the keys of repeating groups may be left out")
	f, err := reg.Load(context.Background(), "g.json", []byte(`{"x-form": {"id": "g", "version": 1}, "type": "object", "title": "G", "x-title": {"fr": "G"},
		"properties": {"m": {"type": "array", "title": "M", "x-title": {"fr": "M"}, "minItems": 1, "items": {"type": "object", "title": "R", "x-title": {"fr": "R"},
		"properties": {"a": {"type": "string", "title": "A", "x-title": {"fr": "A"}}}}}}}`))
	require.NoError(t, err)
	_, err = f.ValidateJSON(context.Background(), []byte(`{"m": []}`), "fr")
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "Au moins 1.", ve.Errors[0].Message, "falls back to the message of the code")

	r, err := NewRenderer(&RenderConfig{Languages: []Language{fr}})
	require.NoError(t, err)
	html := render(t, r, Page{Form: f, Locale: "fr"})
	assert.Contains(t, html, ">Add R 2</button>", "a language without AddRow draws it in English")

	fr.AddRow = "Ajouter"
	_, err = NewRegistry(&RegistryConfig{Languages: []Language{fr}})
	assert.ErrorContains(t, err, "AddRow must hold exactly one %s")
}

func TestParseRowIndex(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in    string
		limit int
		n     int
		ok    bool
	}{
		{"0", 1, 0, true}, {"19", 20, 19, true}, {"20", 20, 0, false}, {"99", 100, 99, true}, {"100", 100, 0, false},
		{"", 20, 0, false}, {"00", 20, 0, false}, {"01", 20, 0, false}, {"-1", 20, 0, false}, {"+1", 20, 0, false},
		{"1e3", 2000, 0, false}, {" 1", 20, 0, false}, {"1000000000", 100, 0, false}, {"١", 20, 0, false},
		{"9223372036854775808", 1 << 62, 0, false},
	} {
		n, ok := parseRowIndex(c.in, c.limit)
		assert.Equal(t, c.ok, ok, "%q below %d", c.in, c.limit)
		if ok {
			assert.Equal(t, c.n, n, "%q", c.in)
		}
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func jsonNumber(s string) json.Number { return json.Number(s) }

func timeNow() time.Time { return time.Now() }

func TestGroupRowWithAnObject(t *testing.T) {
	t.Parallel()
	f, err := loadDef(t, `{"x-form": {"id": "o", "version": 1}, "type": "object", "properties": {
		"members": {"type": "array", "title": "Members", "items": {"type": "object", "title": "Member", "required": ["addr"], "properties": {
			"name": {"type": "string", "title": "Name"},
			"addr": {"type": "object", "title": "Address", "required": ["city"], "properties": {
				"city": {"type": "string", "title": "City", "x-pii": "location"}}}}}}}}`)
	require.NoError(t, err)
	city, ok := f.Field("members.1.addr.city")
	require.True(t, ok)
	assert.Equal(t, "/members/*/addr/city", city.Pointer)

	p, err := f.ReadPost(formRequest(url.Values{"members.0._row": {""}, "members.0.addr.city": {"Austin"},
		"members.1._row": {""}, "members.1.name": {"Bo"}, "members.1.addr.city": {" "}}), "en")
	require.NoError(t, err)
	require.NotNil(t, p.Errors)
	require.Len(t, p.Errors.Errors, 1)
	fe, ok := p.Errors.For("members.1.addr")
	require.True(t, ok, "a blank city leaves the row without its address: %v", p.Errors)
	assert.Equal(t, "required", fe.Code)
	assert.Equal(t, "/members/1/addr", fe.Pointer)

	r, err := NewRenderer(nil)
	require.NoError(t, err)
	html := render(t, r, p.Page())
	assert.Contains(t, html, `name="members.0.addr.city" type="text" value="Austin"`)
	assert.Contains(t, html, `href="#f-members-1-addr-city"`, "the summary leads into the row's object")

	ring, err := keyring.New(keyring.Key{ID: "k1", Secret: make([]byte, 32)}, nil, nil)
	require.NoError(t, err)
	values := map[string]any{"members": []any{
		map[string]any{"addr": map[string]any{"city": "Austin"}}, map[string]any{"addr": map[string]any{"city": "Boston"}}}}
	sealed, err := f.Seal(values, ring)
	require.NoError(t, err)
	rows := sealed["members"].([]any)
	opened, err := f.Open(sealed, ring)
	require.NoError(t, err)
	assert.Equal(t, values, opened)
	_, err = f.Open(map[string]any{"members": []any{rows[1], rows[0]}}, ring)
	assert.ErrorIs(t, err, keyring.ErrInvalidSealed, "bound to /members/0/addr/city, it does not open in row 1")
	assert.Equal(t, map[string]any{"members": []any{
		map[string]any{"addr": map[string]any{"city": "[redacted:location]"}}, map[string]any{"addr": map[string]any{"city": "[redacted:location]"}}}},
		f.Redact(values))
}

func TestFileMessagesOfAnAddedLanguage(t *testing.T) {
	t.Parallel()
	en, _ := DefaultMessages("en")
	// a language written before file fields lacks their keys
	for _, set := range []map[string]string{en.Named, en.Plain} {
		for _, k := range []string{"required.file", "fileTooLarge", "fileType", "fileEmpty", "fileRejected", "tooManyFiles", "filesTooLarge", "fileUnknown"} {
			delete(set, k)
		}
		set["invalid"] = "Réponse non valable."
		set["required"] = "Répondez."
	}
	fr := Language{Tag: "fr", ErrorHeading: "Il y a un problème", Submit: "Envoyer", Continue: "Continuer", StepOf: "Étape %d sur %d",
		Required: "(obligatoire)", Choose: "- Choisir -", Yes: "Oui", No: "Non",
		Shell: ShellText{SkipLink: "Aller au contenu", Back: "Retour", ErrorPrefix: "Erreur : "}, Messages: en}
	store := newMemFiles()
	reg, err := NewRegistry(&RegistryConfig{Languages: []Language{fr}, Files: store})
	require.NoError(t, err, "the keys of file fields may be left out")
	f, err := reg.Load(context.Background(), "p.json", []byte(`{"x-form": {"id": "p", "version": 1}, "type": "object", "title": "P", "x-title": {"fr": "P"},
		"required": ["photo"], "properties": {"photo": {"type": "string", "title": "Photo", "x-title": {"fr": "Photo"},
		"x-widget": "file", "x-accept": ["image/png"]}}}`))
	require.NoError(t, err)
	_, err = f.ValidateJSON(context.Background(), []byte(`{}`), "fr")
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "Répondez.", ve.Errors[0].Message, "a missing file falls back to the message of required")
	r := httptest.NewRequest(http.MethodPost, "/p", strings.NewReader(`{"photo": "someone-elses-file"}`))
	r.Header.Set("Content-Type", "application/json")
	p, err := f.ReadPost(r.WithContext(WithUploader(r.Context(), "ana", "https://id.example")), "fr")
	require.NoError(t, err)
	require.NotNil(t, p.Errors)
	assert.Equal(t, "Réponse non valable.", p.Errors.Errors[0].Message, "a file error falls back to invalid, in the language")
}
