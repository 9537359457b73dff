package forms

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// arabicMessages are the default validation messages in Arabic, as a city
// adding Arabic would give them. Names ({name}) are definite noun phrases
// ("الرمز البريدي"); counts are said as "the number of ... must not be
// less than N", which reads right whatever N is.
var arabicMessages = Messages{
	Named: map[string]string{
		"required":         "أدخل {name}.",
		"required.choice":  "اختر {name}.",
		"type":             "يجب أن تكون قيمة {name} {expected}.",
		"format":           "أدخل {name} بصيغة {format} الصحيحة.",
		"format.example":   "أدخل {name} مثل {example}.",
		"pattern":          "أدخل {name} بالصيغة المطلوبة.",
		"pattern.example":  "أدخل {name} مثل {example}.",
		"minLength":        "يجب ألا يقل عدد أحرف {name} عن {limit}.",
		"maxLength":        "يجب ألا يزيد عدد أحرف {name} على {limit}.",
		"minimum":          "يجب ألا تقل قيمة {name} عن {limit}.",
		"maximum":          "يجب ألا تزيد قيمة {name} على {limit}.",
		"exclusiveMinimum": "يجب أن تكون قيمة {name} أكبر من {limit}.",
		"exclusiveMaximum": "يجب أن تكون قيمة {name} أقل من {limit}.",
		"multipleOf":       "يجب أن تكون قيمة {name} من مضاعفات {limit}.",
		"enum":             "اختر {name} من الخيارات.",
		"const":            "يجب أن تكون قيمة {name} {value}.",
		"minItems":         "يجب ألا يقل عدد الخيارات المحددة في {name} عن {limit}.",
		"maxItems":         "يجب ألا يزيد عدد الخيارات المحددة في {name} على {limit}.",
		"uniqueItems":      "تكرر الخيار نفسه في {name}.",
		"invalid":          "قيمة {name} غير صالحة.",
		"controlCharacter": "يوجد في {name} حرف تحكم غير مسموح به.",
		"bidiControl":      "يوجد في {name} حرف غير مرئي يغيّر اتجاه النص.",
		"required.file":    "ارفع {name}.",
		"fileTooLarge":     "يجب ألا يزيد حجم {name} على {limit}.",
		"fileType":         "يجب أن يكون {name} ملفًا من أحد هذه الأنواع: {accepted}.",
		"fileEmpty":        "{name} ملف فارغ. اختر ملفًا آخر.",
		"fileRejected":     "لم يجتز {name} فحص الأمان. اختر ملفًا آخر.",
		"tooManyFiles":     "يجب ألا يزيد عدد الملفات المرفوعة في {name} على {limit}.",
		"filesTooLarge":    "لا يتسع {name}: يجب ألا يزيد حجم الملفات معًا على {limit}.",
		"fileUnknown":      "لم يعد {name} متاحًا. ارفعه مرة أخرى.",
	},
	Plain: map[string]string{
		"required":         "أدخل إجابة.",
		"required.choice":  "اختر إجابة.",
		"type":             "أدخل {expected}.",
		"format":           "أدخل {format} بصيغة صحيحة.",
		"format.example":   "أدخل إجابة مثل {example}.",
		"pattern":          "أدخل الإجابة بالصيغة المطلوبة.",
		"pattern.example":  "أدخل إجابة مثل {example}.",
		"minLength":        "يجب ألا يقل عدد الأحرف عن {limit}.",
		"maxLength":        "يجب ألا يزيد عدد الأحرف على {limit}.",
		"minimum":          "أدخل رقمًا يساوي {limit} أو أكثر.",
		"maximum":          "أدخل رقمًا يساوي {limit} أو أقل.",
		"exclusiveMinimum": "أدخل رقمًا أكبر من {limit}.",
		"exclusiveMaximum": "أدخل رقمًا أقل من {limit}.",
		"multipleOf":       "أدخل رقمًا من مضاعفات {limit}.",
		"enum":             "اختر أحد الخيارات.",
		"const":            "يجب أن تكون الإجابة {value}.",
		"minItems":         "يجب ألا يقل عدد الخيارات المحددة عن {limit}.",
		"maxItems":         "يجب ألا يزيد عدد الخيارات المحددة على {limit}.",
		"uniqueItems":      "اختر كل خيار مرة واحدة فقط.",
		"invalid":          "راجع هذه الإجابة.",
		"controlCharacter": "احذف حرف التحكم من هذه الإجابة.",
		"bidiControl":      "احذف الحرف غير المرئي الذي يغيّر اتجاه النص.",
		"required.file":    "اختر ملفًا.",
		"fileTooLarge":     "يجب ألا يزيد حجم الملف على {limit}.",
		"fileType":         "يجب أن يكون الملف من أحد هذه الأنواع: {accepted}.",
		"fileEmpty":        "الملف فارغ. اختر ملفًا آخر.",
		"fileRejected":     "لم يجتز الملف فحص الأمان. اختر ملفًا آخر.",
		"tooManyFiles":     "يجب ألا يزيد عدد الملفات على {limit}.",
		"filesTooLarge":    "يجب ألا يزيد حجم الملفات معًا على {limit}.",
		"fileUnknown":      "لم يعد الملف متاحًا. اختره مرة أخرى.",
	},
	Submission: map[string]string{
		"required":             "أدخل «{label}».",
		"type":                 "يجب أن تكون قيمة «{label}» {expected}.",
		"format":               "أدخل «{label}» بصيغة {format} الصحيحة.",
		"minLength":            "يجب ألا يقل عدد أحرف «{label}» عن {limit}.",
		"maxLength":            "يجب ألا يزيد عدد أحرف «{label}» على {limit}.",
		"minimum":              "يجب ألا تقل قيمة «{label}» عن {limit}.",
		"maximum":              "يجب ألا تزيد قيمة «{label}» على {limit}.",
		"exclusiveMinimum":     "يجب أن تكون قيمة «{label}» أكبر من {limit}.",
		"exclusiveMaximum":     "يجب أن تكون قيمة «{label}» أقل من {limit}.",
		"multipleOf":           "يجب أن تكون قيمة «{label}» من مضاعفات {limit}.",
		"pattern":              "قيمة «{label}» ليست بالصيغة المطلوبة.",
		"enum":                 "اختر أحد خيارات «{label}».",
		"const":                "يجب أن تكون قيمة «{label}» {value}.",
		"minItems":             "يجب ألا يقل عدد الخيارات المحددة في «{label}» عن {limit}.",
		"maxItems":             "يجب ألا يزيد عدد الخيارات المحددة في «{label}» على {limit}.",
		"uniqueItems":          "تكرر الخيار نفسه في «{label}».",
		"additionalProperties": "«{label}» ليس حقلًا في هذا النموذج.",
		"invalid":              "قيمة «{label}» غير صالحة.",
		"tooLarge":             "حجم البيانات المرسلة كبير جدًا.",
		"tooDeep":              "مستويات التداخل في البيانات المرسلة كثيرة جدًا.",
		"duplicateKey":         "تذكر البيانات المرسلة «{label}» مرتين.",
		"invalidUTF8":          "تحتوي البيانات المرسلة على أحرف ليست نصًا صالحًا.",
		"syntax":               "تعذرت قراءة البيانات المرسلة.",
		"tooManyFields":        "تحتوي البيانات المرسلة على حقول كثيرة جدًا.",
		"unsupportedMediaType": "يجب إرسال البيانات بصيغة JSON أو من خلال نموذج HTML.",
		"moreErrors":           "عدد المشكلات الأخرى: {count}.",
		"type.root":            "يجب أن تكون البيانات المرسلة كائن JSON.",
		"controlCharacter":     "يوجد في «{label}» حرف تحكم غير مسموح به.",
		"bidiControl":          "يوجد في «{label}» حرف غير مرئي يغيّر اتجاه النص.",
	},
	Words: map[string]string{
		// types follow "أدخل" or "يجب أن تكون": indefinite, accusative
		"string": "نصًا", "number": "رقمًا", "integer": "عددًا صحيحًا",
		"boolean": "نعم أو لا", "array": "قائمة", "object": "مجموعة من الحقول", "null": "قيمة فارغة",
		// formats follow "أدخل" or "بصيغة": definite
		"email": "البريد الإلكتروني", "date": "التاريخ (YYYY-MM-DD)", "date-time": "التاريخ والوقت",
		"time": "الوقت", "uri": "عنوان الويب", "ipv4": "عنوان IPv4", "ipv6": "عنوان IPv6",
		"uuid": "المعرّف", "hostname": "اسم المضيف",
	},
}

// arabicPagesOnly is arabic as languages were given before they could
// carry messages: page texts only.
var arabicPagesOnly = func() Language { lg := arabic; lg.Messages = Messages{}; return lg }()

// arabicPickup is a form translated into Arabic, with a named field with
// an example, plain fields, and one x-messages text of its own.
const arabicPickup = `{
  "x-form": {"id": "pickup-ar", "version": 1},
  "title": "Bulk pickup",
  "x-title": {"ar": "جمع الأغراض الكبيرة"},
  "type": "object",
  "required": ["zip", "spot", "email", "note"],
  "properties": {
    "zip": {"type": "string", "title": "What is your ZIP code?", "x-title": {"ar": "ما رمزك البريدي؟"}, "pattern": "^[0-9]{5}$",
            "x-errorName": {"en": "a ZIP code", "ar": "الرمز البريدي"}, "x-example": "12345"},
    "date": {"type": "string", "format": "date", "title": "When?", "x-title": {"ar": "متى؟"},
             "x-errorName": {"en": "the pickup date", "ar": "تاريخ الجمع"}, "x-example": "2025-05-01"},
    "spot": {"type": "string", "title": "Where will the items be?", "x-title": {"ar": "أين ستكون الأغراض؟"}, "enum": ["curb", "alley"],
             "x-options": {"curb": {"ar": "الرصيف"}, "alley": {"ar": "الزقاق"}}},
    "email": {"type": "string", "format": "email", "title": "What is your email address?", "x-title": {"ar": "ما بريدك الإلكتروني؟"}},
    "note": {"type": "string", "title": "What are the items?", "x-title": {"ar": "ما الأغراض؟"}, "maxLength": 10,
             "x-messages": {"required": {"en": "Tell us what the items are.", "ar": "أخبرنا ما الأغراض."}}},
    "street": {"type": "string", "title": "Street", "x-title": {"ar": "الشارع"}, "maxLength": 5,
               "x-errorName": {"en": "the street", "ar": "اسم الشارع"}}
  }
}`

func arabicRegistry(t *testing.T) *Registry {
	t.Helper()
	reg, err := NewRegistry(&RegistryConfig{Languages: []Language{arabic}})
	require.NoError(t, err)
	return reg
}

func TestAddedLanguageMessages(t *testing.T) {
	t.Parallel()
	f, err := arabicRegistry(t).Load(context.Background(), "pickup-ar.json", []byte(arabicPickup))
	require.NoError(t, err)
	tests := []struct {
		name, body, locale, field, want string
	}{
		{"NamedRequired", `{}`, "ar", "zip", "أدخل الرمز البريدي."},
		{"PlainRequiredChoice", `{}`, "ar", "spot", "اختر إجابة."},
		{"PlainRequired", `{}`, "ar", "email", "أدخل إجابة."},
		{"FormTextWins", `{}`, "ar", "note", "أخبرنا ما الأغراض."},
		{"NamedPatternWithExample", `{"zip": "1234"}`, "ar", "zip", "أدخل الرمز البريدي مثل 12345."},
		{"NamedFormatWithExample", `{"date": "tomorrow"}`, "ar-EG", "date", "أدخل تاريخ الجمع مثل 2025-05-01."},
		{"PlainFormat", `{"email": "nope"}`, "ar", "email", "أدخل البريد الإلكتروني بصيغة صحيحة."},
		{"PlainMaxLength", `{"note": "a very long list"}`, "ar", "note", "يجب ألا يزيد عدد الأحرف على 10."},
		{"NamedMaxLength", `{"street": "Main Street"}`, "ar", "street", "يجب ألا يزيد عدد أحرف اسم الشارع على 5."},
		{"UndeclaredName", `{"colour": "red"}`, "ar", "colour", "«colour» ليس حقلًا في هذا النموذج."},
		{"ArabicAskedAfterFrench", `{}`, "fr, ar;q=0.8, en;q=0.5", "zip", "أدخل الرمز البريدي."},
		{"EnglishStaysEnglish", `{}`, "en", "zip", "Enter a ZIP code."},
		{"EnglishAskedFirst", `{}`, "en, ar;q=0.8", "zip", "Enter a ZIP code."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := f.ValidateJSON(context.Background(), []byte(tt.body), tt.locale)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			fe, ok := ve.For(tt.field)
			require.True(t, ok, "no error on %s in %v", tt.field, ve.Errors)
			assert.Equal(t, tt.want, fe.Message)
		})
	}
}

// TestAddedLanguageEveryReader checks that every way in to validation
// answers in the added language, submission-level problems included.
func TestAddedLanguageEveryReader(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, err := arabicRegistry(t).Load(ctx, "pickup-ar.json", []byte(arabicPickup))
	require.NoError(t, err)
	message := func(t *testing.T, err error, field string) string {
		t.Helper()
		var ve *ValidationError
		require.ErrorAs(t, err, &ve)
		fe, ok := ve.For(field)
		require.True(t, ok, "no error on %q in %v", field, ve.Errors)
		return fe.Message
	}

	_, err = f.ValidateValue(ctx, map[string]any{"zip": "1"}, "ar")
	assert.Equal(t, "أدخل الرمز البريدي مثل 12345.", message(t, err, "zip"), "ValidateValue")

	_, err = f.ValidateJSON(ctx, []byte(`{"zip": `), "ar")
	assert.Equal(t, "تعذرت قراءة البيانات المرسلة.", message(t, err, ""), "ValidateJSON, a syntax error")

	_, err = f.ValidateJSON(ctx, []byte(`[]`), "ar")
	assert.Equal(t, "يجب أن تكون البيانات المرسلة كائن JSON.", message(t, err, ""), "ValidateJSON, not an object")

	post := func(body string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	_, err = f.ValidateRequest(ctx, post("zip=12345&spot=curb&email=nope&note=sofa"), "ar")
	assert.Equal(t, "أدخل البريد الإلكتروني بصيغة صحيحة.", message(t, err, "email"), "ValidateRequest")

	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("zip=1"))
	r.Header.Set("Content-Type", "text/plain")
	_, err = f.ValidateRequest(ctx, r, "ar")
	assert.Equal(t, "يجب إرسال البيانات بصيغة JSON أو من خلال نموذج HTML.", message(t, err, ""), "ValidateRequest, another type")

	p, err := f.ReadPost(post("zip=12345&spot=curb&email=a%40example.org&note="), "ar")
	require.NoError(t, err)
	require.NotNil(t, p.Errors)
	assert.Equal(t, "أخبرنا ما الأغراض.", message(t, p.Errors, "note"), "ReadPost")

	_, err = f.DecodeForm(url.Values{"zip": {"1"}, "zip.x": {"2"}})
	require.Error(t, err)
	prob := ProblemFor(err, "ar")
	require.Len(t, prob.InvalidParams, 1)
	assert.Equal(t, "تعذرت قراءة البيانات المرسلة.", prob.InvalidParams[0].Reason, "DecodeForm through ProblemFor")
}

// TestAddedLanguageErrorPage draws the page answering an Arabic post, by a
// renderer given the language and by one given nothing: the registry's
// languages are enough.
func TestAddedLanguageErrorPage(t *testing.T) {
	t.Parallel()
	f, err := arabicRegistry(t).Load(context.Background(), "pickup-ar.json", []byte(arabicPickup))
	require.NoError(t, err)
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("zip=1234&email=nope"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	p, err := f.ReadPost(r, "ar")
	require.NoError(t, err)
	require.NotNil(t, p.Errors)
	page := p.Page()
	page.Locale = "ar"

	plain, err := NewRenderer(nil)
	require.NoError(t, err)
	same, err := NewRenderer(&RenderConfig{Languages: []Language{arabic}})
	require.NoError(t, err)
	for name, rd := range map[string]*Renderer{"renderer given nothing": plain, "renderer given the same language": same} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			out := renderPage(t, rd, page)
			assert.True(t, strings.HasPrefix(out, `<!doctype html>`+"\n"+`<html lang="ar" dir="rtl">`), out[:60])
			summary := out[strings.Index(out, `id="error-summary"`):]
			summary = summary[:strings.Index(summary, "</ul>")]
			for _, want := range []string{"هناك مشكلة", "أدخل الرمز البريدي مثل 12345.", "اختر إجابة.", "أدخل البريد الإلكتروني بصيغة صحيحة.", "أخبرنا ما الأغراض."} {
				assert.Contains(t, summary, want, "the summary says it in Arabic")
			}
			assert.Contains(t, out, `<span class="usa-error-message" id="f-zip-error" role="alert">أدخل الرمز البريدي مثل 12345.</span>`)
			assert.Contains(t, out, "<title>خطأ: جمع الأغراض الكبيرة</title>")
			for _, english := range []string{"Enter", "Select", "There is a problem"} {
				assert.NotContains(t, out, english, "no English on an Arabic page")
			}
		})
	}
}

func TestLanguageMessagesValidated(t *testing.T) {
	t.Parallel()
	without := func(key string) Language {
		lg := arabic
		lg.Messages = arabic.Messages.clone()
		delete(lg.Messages.Named, key)
		return lg
	}
	changed := func(edit func(m *Messages)) Language {
		lg := arabic
		lg.Messages = arabic.Messages.clone()
		edit(&lg.Messages)
		return lg
	}
	tests := []struct {
		name  string
		langs []Language
		want  []string
	}{
		{name: "a missing code is named", langs: []Language{without("maxLength")},
			want: []string{`language "ar": Messages.Named lacks "maxLength"`}},
		{name: "missing words are named", langs: []Language{changed(func(m *Messages) { delete(m.Words, "email"); delete(m.Words, "uuid") })},
			want: []string{`Messages.Words lacks "email", "uuid"`}},
		{name: "a set left out is named key by key", langs: []Language{changed(func(m *Messages) { m.Submission = nil })},
			want: []string{`Messages.Submission lacks "additionalProperties", "bidiControl"`}},
		{name: "an unknown key", langs: []Language{changed(func(m *Messages) { m.Plain["requird"] = "أدخل إجابة." })},
			want: []string{`Messages.Plain has unknown keys "requird"`}},
		{name: "an empty text", langs: []Language{changed(func(m *Messages) { m.Plain["required"] = " " })},
			want: []string{`Messages.Plain has empty texts for "required"`}},
		{name: "a placeholder with nothing to fill it", langs: []Language{changed(func(m *Messages) { m.Plain["required"] = "أدخل {name}." })},
			want: []string{`Messages.Plain has placeholders the English text lacks: "required" uses {name}`}},
		{name: "a built-in language", langs: []Language{{Tag: "es-MX", ErrorHeading: "x", Submit: "x", Continue: "x", StepOf: "%d %d",
			Required: "x", Choose: "x", Yes: "x", No: "x", Shell: ShellText{SkipLink: "x", Back: "x", ErrorPrefix: "x"}}},
			want: []string{`language "es-MX": base language "es" is already built in`}},
		{name: "two languages of one base", langs: []Language{arabic, func() Language { lg := arabic; lg.Tag = "ar-EG"; return lg }()},
			want: []string{`language "ar-EG": base language "ar" is already given as "ar"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewRegistry(&RegistryConfig{Languages: tt.langs})
			require.Error(t, err, "NewRegistry")
			_, rerr := NewRenderer(&RenderConfig{Languages: tt.langs})
			require.Error(t, rerr, "NewRenderer")
			for _, want := range tt.want {
				assert.Contains(t, err.Error(), want)
				assert.Contains(t, rerr.Error(), want)
			}
		})
	}
	for _, lg := range []Language{arabic, arabicPagesOnly} {
		_, err := NewRegistry(&RegistryConfig{Languages: []Language{lg}})
		assert.NoError(t, err, "complete messages, or none, are accepted")
	}
}

// TestBuiltInMessagesMatch holds the built-in Spanish to the rule added
// languages keep, and checks DefaultMessages hands out copies.
func TestBuiltInMessagesMatch(t *testing.T) {
	t.Parallel()
	es, ok := DefaultMessages("es")
	require.True(t, ok)
	assert.NoError(t, es.check("es"))
	_, ok = DefaultMessages("ar")
	assert.False(t, ok, "only built-in languages have defaults")
	en, ok := DefaultMessages("en")
	require.True(t, ok)
	en.Plain["required"] = "changed"
	again, _ := DefaultMessages("en")
	assert.Equal(t, "Enter an answer.", again.Plain["required"], "DefaultMessages returns a copy")
}

// TestAddedLanguageKeepsItsCopy checks that a registry keeps the messages
// it was given, whatever the caller does with its maps afterwards.
func TestAddedLanguageKeepsItsCopy(t *testing.T) {
	t.Parallel()
	lg := arabic
	lg.Messages = arabic.Messages.clone()
	reg, err := NewRegistry(&RegistryConfig{Languages: []Language{lg}})
	require.NoError(t, err)
	lg.Messages.Named["required"] = "changed {name}"
	f, err := reg.Load(context.Background(), "pickup-ar.json", []byte(arabicPickup))
	require.NoError(t, err)
	_, err = f.ValidateJSON(context.Background(), []byte(`{}`), "ar")
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	fe, _ := ve.For("zip")
	assert.Equal(t, "أدخل الرمز البريدي.", fe.Message)
}

// TestAddedLanguageNeedsTheFormsTexts checks that messages follow the
// language the page is drawn in: a form with no Arabic text, in a
// registry with Arabic, keeps English messages, so no Arabic sentence
// names a field in English; and a form in Arabic in a registry without
// the language validates in English, as before languages had messages.
func TestAddedLanguageNeedsTheFormsTexts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	english, err := arabicRegistry(t).Load(ctx, "pickup.json", []byte(pickupForm))
	require.NoError(t, err)
	_, err = english.ValidateJSON(ctx, []byte(`{}`), "ar")
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	fe, _ := ve.For("zip")
	assert.Equal(t, "Enter a ZIP code.", fe.Message, "a form without Arabic text")

	reg, err := NewRegistry(nil)
	require.NoError(t, err)
	translated, err := reg.Load(ctx, "pickup-ar.json", []byte(arabicPickup))
	require.NoError(t, err)
	_, err = translated.ValidateJSON(ctx, []byte(`{}`), "ar")
	require.ErrorAs(t, err, &ve)
	fe, _ = ve.For("email")
	assert.Equal(t, "Enter an answer.", fe.Message, "a form in Arabic, no language configured: English defaults, as before")

	r, err := NewRenderer(&RenderConfig{Languages: []Language{arabicPagesOnly}})
	require.NoError(t, err)
	out := renderPage(t, r, Page{Form: translated, Locale: "ar", Errors: ve})
	assert.Contains(t, out, `<html lang="ar" dir="rtl">`, "a page-only language still draws the page")
	assert.Contains(t, out, "Enter an answer.", "with the messages validation gave")
}

// TestYesNoInAnAddedLanguage: the Yes and No of a yes-or-no question come
// from the page's language unless the form labels them itself in it.
func TestYesNoInAnAddedLanguage(t *testing.T) {
	t.Parallel()
	reg := arabicRegistry(t)
	f, err := reg.Load(context.Background(), "lit.json", []byte(`{"type": "object", "x-form": {"id": "lit", "version": 1},
		"title": "Streetlight", "x-title": {"ar": "إنارة الشارع", "es": "Farola"},
		"properties": {
			"dark": {"type": "boolean", "x-widget": "radio", "title": "Is it dark?", "x-title": {"ar": "هل هو مطفأ؟", "es": "¿Está apagada?"}},
			"safe": {"type": "boolean", "x-widget": "radio", "title": "Is it safe?", "x-title": {"ar": "هل هو آمن؟", "es": "¿Es seguro?"},
				"x-options": {"true": {"en": "Safe", "ar": "آمن"}, "false": {"en": "Unsafe", "ar": "غير آمن"}}}}}`))
	require.NoError(t, err)
	r, err := NewRenderer(nil)
	require.NoError(t, err)
	draw := func(locale string) string {
		var b strings.Builder
		require.NoError(t, r.Render(&b, Page{Form: f, Locale: locale, Action: "/"}))
		return b.String()
	}
	ar := draw("ar")
	assert.Contains(t, ar, `for="f-dark-0">نعم</label>`)
	assert.Contains(t, ar, `for="f-dark-1">لا</label>`)
	assert.Contains(t, ar, `for="f-safe-0">آمن</label>`, "the form's own label wins")
	assert.NotContains(t, ar, ">Yes<")
	es := draw("es")
	assert.Contains(t, es, `for="f-dark-0">Sí</label>`)
	assert.Contains(t, es, `for="f-safe-0">Sí</label>`, "a form label only in English does not mix into a Spanish page")
	en := draw("en")
	assert.Contains(t, en, `for="f-dark-0">Yes</label>`)
	assert.Contains(t, en, `for="f-safe-0">Safe</label>`)
}
