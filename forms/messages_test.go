package forms

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const pickupForm = `{
  "x-form": {"id": "pickup", "version": 1},
  "title": "Bulk pickup",
  "type": "object",
  "required": ["street", "zip", "spot", "email", "note"],
  "properties": {
    "street": {"type": "string", "title": "Where should we collect the items?",
               "x-messages": {"required": {"en": "Enter the street address where we collect the items", "es": "Indique la calle donde recogemos los objetos"}}},
    "zip": {"type": "string", "title": "What is your ZIP code?", "pattern": "^[0-9]{5}$",
            "x-errorName": {"en": "a ZIP code", "es": "un código postal"}, "x-example": "12345"},
    "spot": {"type": "string", "title": "Where will the items be?", "enum": ["curb", "alley"]},
    "email": {"type": "string", "format": "email", "title": "What is your email address?"},
    "note": {"type": "string", "title": "What is wrong with it?", "minLength": 3,
             "x-messages": {"minLength": "Tell us a little more: at least {limit} characters.", "required": {"es": "Cuéntenos qué pasa"}}},
    "count": {"type": "integer", "title": "How many items?", "maximum": 10, "x-errorName": "the number of items"}
  }
}`

func TestErrorMessagesReadWell(t *testing.T) {
	t.Parallel()
	reg, err := NewRegistry(nil)
	require.NoError(t, err)
	f, err := reg.Load(context.Background(), "pickup.json", []byte(pickupForm))
	require.NoError(t, err)
	tests := []struct {
		name, body, locale, field, want string
	}{
		{"FormTextForTheCode", `{}`, "en", "street", "Enter the street address where we collect the items"},
		{"FormTextTranslated", `{}`, "es", "street", "Indique la calle donde recogemos los objetos"},
		{"NamedFormatGivesTheExample", `{"zip": "1234"}`, "en", "zip", "Enter a ZIP code like 12345."},
		{"NamedFormatGivesTheExampleInSpanish", `{"zip": "1234"}`, "es", "zip", "Indique un código postal, por ejemplo 12345."},
		{"NamedRequired", `{}`, "en", "zip", "Enter a ZIP code."},
		{"PlainRequiredChoice", `{}`, "en", "spot", "Select an answer."},
		{"PlainRequiredChoiceInSpanish", `{}`, "es", "spot", "Elija una respuesta."},
		{"PlainFormat", `{"email": "nope"}`, "en", "email", "Enter a valid email address."},
		{"PlainFormatInSpanish", `{"email": "nope"}`, "es", "email", "Indique un correo electrónico en un formato válido."},
		{"PlainRequiredNeverQuotesTheQuestion", `{}`, "en", "email", "Enter an answer."},
		{"FormTextWithPlaceholder", `{"note": "ab"}`, "en", "note", "Tell us a little more: at least 3 characters."},
		{"TranslationOnlyFallsBackToTheDefault", `{}`, "en", "note", "Enter an answer."},
		{"TranslationOnlyUsedInItsLocale", `{}`, "es", "note", "Cuéntenos qué pasa"},
		{"NameGivenAsAStringStartsTheSentence", `{"count": 11}`, "en", "count", "The number of items must be 10 or less."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := f.ValidateJSON(context.Background(), []byte(tt.body), tt.locale)
			ve, ok := err.(*ValidationError)
			require.True(t, ok, "want a *ValidationError, got %v", err)
			fe, ok := ve.For(tt.field)
			require.True(t, ok, "no error on %s", tt.field)
			assert.Equal(t, tt.want, fe.Message)
			for _, e := range ve.Errors {
				assert.NotContains(t, e.Message, "?", "a message pastes the question: %q", e.Message)
			}
		})
	}
}

func TestMessageKeywordsAreChecked(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, prop string }{
		{"UnknownCode", `{"type": "string", "x-messages": {"requird": "Enter it"}}`},
		{"EmptyText", `{"type": "string", "x-messages": {"required": ""}}`},
		{"BadLocale", `{"type": "string", "x-errorName": {"e n": "it"}}`},
		{"ExampleNotText", `{"type": "string", "x-example": 12345}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg, err := NewRegistry(nil)
			require.NoError(t, err)
			_, err = reg.Load(context.Background(), "bad.json",
				[]byte(`{"x-form": {"id": "bad", "version": 1}, "type": "object", "properties": {"a": `+tt.prop+`}}`))
			var de *DefinitionError
			require.ErrorAs(t, err, &de)
		})
	}
}

func TestTranslatedFormsTranslateTheirMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, prop string
		ok         bool
		missing    string
	}{
		{"NameInEveryLanguage", `{"type": "string", "x-title": {"es": "A"}, "x-errorName": {"en": "a", "es": "una a"}}`, true, ""},
		{"NameAsPlainText", `{"type": "string", "x-title": {"es": "A"}, "x-errorName": "an a"}`, false, "[es]"},
		{"NameMissingALanguage", `{"type": "string", "x-title": {"es": "A"}, "x-errorName": {"en": "an a"}}`, false, "[es]"},
		{"MessageMissingALanguage", `{"type": "string", "x-title": {"es": "A"}, "x-messages": {"required": {"en": "Enter an a."}}}`, false, "[es]"},
		{"MessagesInEveryLanguage", `{"type": "string", "x-title": {"es": "A"}, "x-messages": {"required": {"en": "Enter an a.", "es": "Indique una a."}}}`, true, ""},
		// an added language is a language of the form like the built-in ones
		{"NameMissingAnAddedLanguage", `{"type": "string", "x-title": {"ar": "أ"}, "x-errorName": {"en": "an a"}}`, false, "[ar]"},
		{"NameInAnAddedLanguage", `{"type": "string", "x-title": {"ar": "أ"}, "x-errorName": {"ar": "الحرف أ"}}`, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg, err := NewRegistry(nil)
			require.NoError(t, err)
			_, err = reg.Load(context.Background(), "f.json",
				[]byte(`{"x-form": {"id": "f", "version": 1}, "type": "object", "properties": {"a": `+tt.prop+`}}`))
			if tt.ok {
				require.NoError(t, err)
				return
			}
			var de *DefinitionError
			require.ErrorAs(t, err, &de)
			assert.Contains(t, de.Reason, tt.missing)
			assert.Contains(t, de.Pointer, "/properties/a/x-")
		})
	}
}
