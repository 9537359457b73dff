package forms_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/keyring"
)

const dogLicence = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "x-form": {"id": "dog-licence", "version": 1},
  "title": "Dog licence",
  "x-title": {"es": "Licencia para perros"},
  "type": "object",
  "required": ["owner", "dogName", "vaccinated"],
  "properties": {
    "owner": {"type": "string", "title": "Your full name", "x-title": {"es": "Su nombre completo"},
              "minLength": 2, "x-autocomplete": "name", "x-prefill": "name", "x-pii": "identity"},
    "dogName": {"type": "string", "title": "Dog's name", "x-title": {"es": "Nombre del perro"}, "maxLength": 40,
                "x-errorName": {"en": "your dog's name", "es": "el nombre de su perro"}},
    "age": {"type": "integer", "title": "Dog's age in years", "x-title": {"es": "Edad del perro en años"}, "minimum": 0, "maximum": 30,
            "x-messages": {"maximum": {"en": "A dog's age must be {limit} years or less.", "es": "La edad del perro debe ser de {limit} años o menos."}}},
    "vaccinated": {"type": "boolean", "title": "Rabies vaccine is up to date", "x-title": {"es": "La vacuna antirrábica está al día"}}
  }
}`

func ExampleRegistry_Load() {
	reg, _ := forms.NewRegistry(nil)
	_, err := reg.Load(context.Background(), "forms/dog.json", []byte(
		`{"x-form": {"id": "dog", "version": 1}, "type": "object",
		  "properties": {"notes": {"type": "string", "x-widget": "textaera"}}}`))
	var de *forms.DefinitionError
	if errors.As(err, &de) {
		fmt.Println(de.File, de.Pointer)
	}
	// Output:
	// forms/dog.json /properties/notes/x-widget
}

func ExampleForm_ValidateJSON() {
	reg, _ := forms.NewRegistry(nil)
	form, _ := reg.Load(context.Background(), "dog-licence.json", []byte(dogLicence))

	_, err := form.ValidateJSON(context.Background(), []byte(`{"owner": "Ana Ruiz", "age": 31, "vaccinated": true}`), "es-MX")
	var ve *forms.ValidationError
	if errors.As(err, &ve) {
		for _, fe := range ve.Errors {
			fmt.Printf("%s %s: %s\n", fe.Field, fe.Code, fe.Message)
		}
	}

	clean, _ := form.ValidateJSON(context.Background(), []byte(`{"owner": "Ana Ruiz", "dogName": "Rex", "vaccinated": true}`), "en")
	fmt.Println(string(clean))
	// Output:
	// dogName required: Indique el nombre de su perro.
	// age maximum: La edad del perro debe ser de 30 años o menos.
	// {"dogName":"Rex","owner":"Ana Ruiz","vaccinated":true}
}

func ExampleForm_DecodeForm() {
	reg, _ := forms.NewRegistry(nil)
	form, _ := reg.Load(context.Background(), "dog-licence.json", []byte(dogLicence))
	post, _ := url.ParseQuery("owner=Ana+Ruiz&dogName=Rex&age=4&vaccinated=on&_csrf=abc")
	values, _ := form.DecodeForm(post)
	clean, err := form.ValidateValue(context.Background(), values, "en")
	fmt.Println(clean["age"], clean["vaccinated"], err)
	// Output:
	// 4 true <nil>
}

func ExampleForm_ReadPost() {
	reg, _ := forms.NewRegistry(nil)
	form, _ := reg.Load(context.Background(), "dog-licence.json", []byte(dogLicence))
	renderer, _ := forms.NewRenderer(nil)

	handler := func(w http.ResponseWriter, r *http.Request) {
		post, err := form.ReadPost(r, "en")
		if err != nil { // too large, unreadable, not JSON or a form post
			forms.WriteProblem(w, err, "en")
			return
		}
		if post.Errors != nil { // draw the form again with what was entered
			w.WriteHeader(http.StatusUnprocessableEntity)
			page := post.Page()
			page.Locale, page.Action = "en", "/licence"
			_ = renderer.Render(w, page)
			return
		}
		fmt.Fprintln(w, string(post.JSON)) // or form.Submission(post.Values)
	}

	r := httptest.NewRequest(http.MethodPost, "/licence", strings.NewReader("owner=Ana+Ruiz&age=31"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	handler(w, r)
	fmt.Println(w.Code, strings.Contains(w.Body.String(), `value="31"`))
	// Output:
	// 422 true
}

// A city adds Arabic without changing civickit: page texts and default
// messages in a Language, given to the registry; the form carries its own
// Arabic texts.
func ExampleLanguage() {
	ctx := context.Background()
	// A translator starts from a copy of the English defaults and
	// replaces every text; for brevity this example translates only the
	// message it shows, but NewRegistry would refuse a Language missing
	// any key, so no message mixes two languages.
	msgs, _ := forms.DefaultMessages("en")
	msgs.Plain["required"] = "أدخل إجابة."
	arabic := forms.Language{Tag: "ar", ErrorHeading: "هناك مشكلة", Submit: "إرسال", Continue: "متابعة",
		StepOf: "الخطوة %d من %d", Required: "(مطلوب)", Choose: "- اختر -", Yes: "نعم", No: "لا",
		Shell:    forms.ShellText{SkipLink: "انتقل إلى المحتوى الرئيسي", Back: "رجوع", ErrorPrefix: "خطأ: "},
		Messages: msgs}
	reg, err := forms.NewRegistry(&forms.RegistryConfig{Languages: []forms.Language{arabic}})
	if err != nil {
		fmt.Println(err)
		return
	}
	form, _ := reg.Load(ctx, "pothole.json", []byte(`{"x-form": {"id": "pothole", "version": 1},
	  "title": "Report a pothole", "x-title": {"ar": "الإبلاغ عن حفرة"}, "type": "object", "required": ["where"],
	  "properties": {"where": {"type": "string", "title": "Where is it?", "x-title": {"ar": "أين تقع؟"}}}}`))

	_, err = form.ValidateJSON(ctx, []byte(`{}`), "ar-EG")
	var ve *forms.ValidationError
	if errors.As(err, &ve) {
		fmt.Println(ve.Errors[0].Message)
	}

	// Any renderer draws the registry's languages, right to left here.
	r, _ := forms.NewRenderer(nil)
	var page strings.Builder
	_ = r.RenderPage(&page, forms.Page{Form: form, Locale: "ar-EG", Errors: ve})
	for _, line := range strings.Split(page.String(), "\n") {
		if strings.HasPrefix(line, "<html") || strings.HasPrefix(line, "<li>") {
			fmt.Println(line)
		}
	}
	// Output:
	// أدخل إجابة.
	// <html lang="ar" dir="rtl">
	// <li><a href="#f-where">أدخل إجابة.</a></li>
}

func ExampleForm_Redact() {
	reg, _ := forms.NewRegistry(nil)
	form, _ := reg.Load(context.Background(), "dog-licence.json", []byte(dogLicence))
	fmt.Println(form.Redact(map[string]any{"owner": "Ana Ruiz", "dogName": "Rex"}))
	// Output:
	// map[dogName:Rex owner:[redacted:identity]]
}

func ExampleDrafts() {
	ctx := context.Background()
	reg, _ := forms.NewRegistry(nil)
	form, _ := reg.Load(ctx, "dog-licence.json", []byte(dogLicence))
	// Load real keys from a secret store; retired keys keep opening old drafts.
	ring, _ := keyring.New(keyring.Key{ID: "2026-01", Secret: make([]byte, 32)}, nil, &keyring.Config{Grace: keyring.GraceForever})
	drafts, _ := forms.NewDrafts(memory.New(), reg, &forms.DraftsConfig{Ring: ring})

	token, _ := drafts.Save(ctx, forms.SaveParams{Form: form, Values: map[string]any{"owner": "Ana Ruiz"}})
	back, _ := drafts.Resume(ctx, token, "", "")
	fmt.Println(back.Form.ID(), back.Values["owner"])
	// Output:
	// dog-licence Ana Ruiz
}

func ExampleRenderer_Render() {
	reg, _ := forms.NewRegistry(nil)
	form, _ := reg.Load(context.Background(), "dog-licence.json", []byte(dogLicence))
	r, _ := forms.NewRenderer(nil)
	values := form.Prefill(nil, map[string]any{"name": "Ana Ruiz"})
	_ = r.Render(os.Stdout, forms.Page{Form: form, Locale: "en", Action: "/dog", Values: values,
		Hidden: map[string]string{"_csrf": "token"}})
	// Output:
	// <form class="usa-form usa-form--large" method="post" action="/dog" novalidate lang="en">
	// <h1>Dog licence</h1>
	// <input type="hidden" name="_csrf" value="token">
	// <div class="usa-form-group">
	// <label class="usa-label" for="f-owner">Your full name <span class="usa-hint usa-hint--required">(required)</span></label>
	// <input class="usa-input" id="f-owner" name="owner" type="text" value="Ana Ruiz" required autocomplete="name">
	// </div>
	// <div class="usa-form-group">
	// <label class="usa-label" for="f-dogName">Dog&#39;s name <span class="usa-hint usa-hint--required">(required)</span></label>
	// <input class="usa-input" id="f-dogName" name="dogName" type="text" value="" required maxlength="40">
	// </div>
	// <div class="usa-form-group">
	// <label class="usa-label" for="f-age">Dog&#39;s age in years</label>
	// <input class="usa-input" id="f-age" name="age" type="text" inputmode="numeric" value="">
	// </div>
	// <div class="usa-form-group">
	// <div class="usa-checkbox">
	// <input class="usa-checkbox__input" id="f-vaccinated" name="vaccinated" type="checkbox" value="true" required>
	// <label class="usa-checkbox__label" for="f-vaccinated">Rabies vaccine is up to date <span class="usa-hint usa-hint--required">(required)</span></label>
	// </div>
	// </div>
	// <button class="usa-button" type="submit">Submit</button>
	// </form>
}

func ExampleWriteProblem() {
	// Any handler answers any civickit error the same way.
	for _, err := range []error{
		fmt.Errorf("fire approve on case c1: %w", adapters.ErrConflict),
		fmt.Errorf("store: %w", adapters.ErrUnavailable),
		errors.New("connection string with a password"),
	} {
		rec := httptest.NewRecorder()
		forms.WriteProblem(rec, err, "en")
		fmt.Println(rec.Code, rec.Header().Get("Retry-After"), rec.Body.String())
	}
	// Output:
	// 409  {"type":"https://civickit.dev/problems/conflict","title":"The record was changed by someone else","status":409,"code":"conflict"}
	// 503 2 {"type":"https://civickit.dev/problems/unavailable","title":"The service is busy, try again shortly","status":503,"code":"unavailable"}
	// 500  {"type":"about:blank","title":"Something went wrong","status":500,"code":"internal"}
}

const household = `{
  "x-form": {"id": "household", "version": 1},
  "title": "Household", "x-title": {"es": "Hogar"},
  "type": "object",
  "properties": {
    "members": {"type": "array", "title": "Household members", "x-title": {"es": "Miembros del hogar"}, "minItems": 1, "maxItems": 6,
      "items": {"type": "object", "title": "Household member", "x-title": {"es": "Miembro del hogar"},
        "required": ["name", "dob"],
        "properties": {
          "name": {"type": "string", "title": "Full name", "x-title": {"es": "Nombre completo"}, "x-pii": "identity"},
          "dob": {"type": "string", "format": "date", "title": "Date of birth", "x-title": {"es": "Fecha de nacimiento"}, "x-pii": "identity"}}}}
  }
}`

// A repeating group posted from its page: the "Add" button asks for the
// page again with one row more, and a submission reports an error inside
// the row that holds it.
func ExampleForm_ReadPost_repeatingGroup() {
	reg, _ := forms.NewRegistry(nil)
	form, _ := reg.Load(context.Background(), "household.json", []byte(household))
	post := func(vals url.Values) *forms.Post {
		req := httptest.NewRequest(http.MethodPost, "/household", strings.NewReader(vals.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		p, err := form.ReadPost(req, "en")
		if err != nil {
			panic(err)
		}
		return p
	}

	// the resident typed one member and pressed "Add Household member 2"
	p := post(url.Values{"members.0._row": {""}, "members.0.name": {"Ana Ruiz"}, "members.0.dob": {"1990-04-01"}, "_add": {"members"}})
	fmt.Println(p.Edit.Group, p.Edit.Row, p.Complete(), p.Errors == nil, len(p.Values["members"].([]any)))

	// then filled in the second row and submitted
	p = post(url.Values{"members.0._row": {""}, "members.0.name": {"Ana Ruiz"}, "members.0.dob": {"1990-04-01"},
		"members.1._row": {""}, "members.1.name": {"Leo Ruiz"}, "members.1.dob": {"April 2015"}})
	for _, fe := range p.Errors.Errors {
		fmt.Println(fe.Pointer, fe.Field, fe.Code)
	}
	members, _ := form.Field("members")
	dob, _ := form.Field("members.1.dob")
	fmt.Println(members.RowTitle("es", 2), dob.Path)
	// Output:
	// members 1 false true 2
	// /members/1/dob members.1.dob format
	// Miembro del hogar 2 members.*.dob
}
