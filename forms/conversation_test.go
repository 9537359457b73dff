package forms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/civickit/civickit/adapters"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loadStreetIssue returns the 311 street-problem form: a choice, a
// question shown only for a broken streetlight, a location (PII allowed
// over sms), an optional description, a yes-or-no question, a list of
// choices, a date, an email (PII allowed over sms), a phone (PII not
// allowed) and a photo.
func loadStreetIssue(tb testing.TB) *Form {
	tb.Helper()
	data, err := os.ReadFile("testdata/conversation/streetissue.json")
	require.NoError(tb, err)
	r, err := NewRegistry(nil)
	require.NoError(tb, err)
	f, err := r.Load(context.Background(), "streetissue.json", data)
	require.NoError(tb, err)
	return f
}

func streetConversation(tb testing.TB) *Conversation {
	tb.Helper()
	c, err := NewConversation(loadStreetIssue(tb), nil)
	require.NoError(tb, err)
	return c
}

// restart stores a state as the caller would (JSON) and reads it back
// with encoding/json's defaults, as after a restart of the process.
func restart(t testing.TB, s ChatState) ChatState {
	t.Helper()
	data, err := json.Marshal(s)
	require.NoError(t, err)
	var out ChatState
	require.NoError(t, json.Unmarshal(data, &out))
	return out
}

// exchange is one incoming message and what the reply must hold.
type exchange struct {
	say     string
	want    []string // substrings of the reply, in any order
	invalid bool
	stop    bool
	submit  bool
	at      string // the question asked next; "" to skip the check
}

// talk runs a script, storing and reloading the state between every
// message, and returns the last state.
func talk(t *testing.T, c *Conversation, locale string, start []string, script []exchange) ChatState {
	t.Helper()
	s, turn := c.Start(locale)
	for _, w := range start {
		require.Contains(t, turn.Text, w, "first message")
	}
	for i, x := range script {
		s, turn = c.Step(restart(t, s), x.say)
		for _, w := range x.want {
			require.Contains(t, turn.Text, w, "reply %d to %q", i, x.say)
		}
		require.Equal(t, x.invalid, turn.Invalid, "Invalid of reply %d to %q: %s", i, x.say, turn.Text)
		require.Equal(t, x.stop, turn.Stop, "Stop of reply %d to %q", i, x.say)
		require.Equal(t, x.submit, turn.Submit, "Submit of reply %d to %q", i, x.say)
		if x.at != "" {
			require.Equal(t, x.at, s.At, "question after reply %d to %q", i, x.say)
		}
	}
	return restart(t, s)
}

// webValues validates answers as the web path does.
func webValues(t *testing.T, f *Form, answers string) map[string]any {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(answers), &v))
	clean, err := f.ValidateValue(context.Background(), v, "en")
	require.NoError(t, err)
	return clean
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return string(data)
}

func TestConversationWholeDialogs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		locale string
		start  []string
		script []exchange
		values string // what the web path yields for the same answers
	}{
		{
			name:   "EnglishStreetlightAsksThePoleNumber",
			locale: "en-US",
			start: []string{"Report a street problem", "Not asked by text (use the web form for these): Phone, Photo.",
				"Reply HELP", "What is the problem?\n1. Pothole\n2. Streetlight out\n3. Graffiti\n4. Something else"},
			script: []exchange{
				{say: "2", want: []string{"Pole number\nOn a tag on the pole."}, at: "poleNumber"},
				{say: " 04521 ", want: []string{"Where is it?\nA street address or the nearest intersection."}, at: "location"},
				{say: "Main St & 3rd Ave", want: []string{"Describe the problem\n(optional, reply SKIP)"}, at: "description"},
				{say: "Dark since Friday.", want: []string{"Is it a danger to traffic?\n1. Yes\n2. No"}, at: "hazard"},
				{say: "Y", want: []string{"Who does it affect?\n1. Drivers\n2. Cyclists\n3. Pedestrians\nReply with all the numbers that apply, like 1,3.\n(optional, reply SKIP)"}, at: "affects"},
				{say: "1,pedestrians", at: "noticed"},
				{say: "2026-11-30", want: []string{"Email for updates\n(optional, reply SKIP)"}, at: "email"},
				{say: "ana@example.org", want: []string{"Please check your answers:\n1. What is the problem? Streetlight out\n2. Pole number: 04521\n" +
					"3. Where is it? Main St & 3rd Ave\n4. Describe the problem: Dark since Friday.\n5. Is it a danger to traffic? Yes\n" +
					"6. Who does it affect? Drivers, Pedestrians\n7. When did you notice it? 2026-11-30\n8. Email for updates: ana@example.org\n" +
					"Reply YES to submit, BACK to change the last answer, or RESTART."}},
				{say: "YES", want: []string{"Thank you."}, submit: true},
			},
			values: `{"category":"streetlight","poleNumber":"04521","location":"Main St & 3rd Ave","description":"Dark since Friday.",
				"hazard":true,"affects":["drivers","pedestrians"],"noticed":"2026-11-30","email":"ana@example.org"}`,
		},
		{
			name:   "EnglishPotholeSkipsThePoleNumberAndOptionalQuestions",
			locale: "en",
			script: []exchange{
				{say: "pothole", at: "location"},
				{say: "12 Elm Street", at: "description"},
				{say: "SKIP", at: "hazard"},
				{say: "no", at: "affects"},
				{say: "skip", at: "noticed"},
				{say: "12/31/2026", at: "email"},
				{say: "Skip.", want: []string{"1. What is the problem? Pothole\n2. Where is it? 12 Elm Street\n3. Is it a danger to traffic? No\n4. When did you notice it? 2026-12-31\nReply YES"}},
				{say: "yes", submit: true},
			},
			values: `{"category":"pothole","location":"12 Elm Street","hazard":false,"noticed":"2026-12-31"}`,
		},
		{
			name:   "SpanishByLabelsWithoutAccents",
			locale: "es-MX,es;q=0.9",
			start: []string{"Reportar un problema en la calle", "No se pregunta por mensaje de texto (use el formulario web para esto): Teléfono, Foto.",
				"Responda AYUDA", "¿Cuál es el problema?\n1. Bache\n2. Farola apagada\n3. Grafiti\n4. Otra cosa"},
			script: []exchange{
				{say: "farola APAGADA", want: []string{"Número del poste\nEn una etiqueta del poste."}, at: "poleNumber"},
				{say: "12", want: []string{"Indique los 4 a 6 dígitos de la etiqueta del poste.\n\nNúmero del poste"}, invalid: true, at: "poleNumber"},
				{say: "123456", want: []string{"¿Dónde está?"}, at: "location"},
				{say: "Calle Mayor 5", want: []string{"Describa el problema\n(opcional, responda OMITIR)"}, at: "description"},
				{say: "omitir", want: []string{"¿Es un peligro para el tráfico?\n1. Sí\n2. No"}, at: "hazard"},
				{say: "si", at: "affects"},
				{say: "peatones, ciclistas", at: "noticed"},
				{say: "31/12/2026", at: "email"},
				{say: "ana@", want: []string{"Indique su correo electrónico, por ejemplo name@example.com."}, invalid: true, at: "email"},
				{say: "ana@example.org", want: []string{"Revise sus respuestas:\n1. ¿Cuál es el problema? Farola apagada\n", "5. ¿A quién afecta? Peatones, Ciclistas\n",
					"Responda SÍ para enviar, ATRÁS para cambiar la última respuesta o REINICIAR."}},
				{say: "¡Sí!", want: []string{"Gracias."}, submit: true},
			},
			values: `{"category":"streetlight","poleNumber":"123456","location":"Calle Mayor 5","hazard":true,
				"affects":["pedestrians","cyclists"],"noticed":"2026-12-31","email":"ana@example.org"}`,
		},
		{
			name:   "SpanishCommandsAndHelp",
			locale: "es",
			script: []exchange{
				{say: "1", at: "location"},
				{say: "AYUDA", want: []string{"¿Dónde está?\nResponda con su respuesta en un solo mensaje.\nResponda ATRÁS"}, at: "location"},
				{say: "ATRÁS", want: []string{"¿Cuál es el problema?"}, at: "category"},
				{say: "atras", want: []string{"Esta es la primera pregunta.\n\n¿Cuál es el problema?"}, at: "category"},
				{say: "3", at: "location"},
				{say: "omitir", want: []string{"Indique el lugar.\n\n¿Dónde está?"}, invalid: true, at: "location"},
				{say: "Plaza Mayor", at: "description"},
				{say: "Pintadas en la pared", at: "hazard"},
				{say: "quizás", want: []string{"¿Es un peligro para el tráfico?"}, invalid: true, at: "hazard"},
				{say: "2", at: "affects"},
				{say: "omitir", at: "noticed"},
				{say: "omitir", at: "email"},
				{say: "omitir", want: []string{"Revise sus respuestas:"}},
				{say: "tal vez", want: []string{"Responda SÍ para enviar sus respuestas"}, invalid: true},
				{say: "ayuda", want: []string{"Responda SÍ para enviar estas respuestas"}},
				{say: "sí", submit: true},
			},
			values: `{"category":"graffiti","location":"Plaza Mayor","description":"Pintadas en la pared","hazard":false}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := streetConversation(t)
			s := talk(t, c, tc.locale, tc.start, tc.script)
			assert.True(t, s.Done)
			got, err := c.Values(s)
			require.NoError(t, err)
			assert.JSONEq(t, jsonOf(t, webValues(t, c.Form(), tc.values)), jsonOf(t, got), "the conversation yields what the web form yields")
		})
	}
}

// webMessage returns the message the web form shows for one value of a
// field, among otherwise valid answers.
func webMessage(t *testing.T, f *Form, field string, value any, locale string) string {
	t.Helper()
	v := map[string]any{"category": "pothole", "location": "12 Elm Street", "hazard": true}
	v[field] = value
	_, err := f.ValidateValue(context.Background(), v, locale)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	for _, fe := range ve.Errors {
		if fe.Field == field {
			return fe.Message
		}
	}
	t.Fatalf("no error on %s", field)
	return ""
}

func TestConversationRefusesInvalidAnswersWithTheWebMessage(t *testing.T) {
	t.Parallel()
	c := streetConversation(t)
	f := c.Form()
	for _, tc := range []struct {
		name, at, say string
		web           any // the same answer on the web
		locale        string
	}{
		{name: "ChoiceOutOfRange", at: "category", say: "9", web: "9", locale: "en"},
		{name: "ChoiceUnknownLabel", at: "category", say: "flood", web: "flood", locale: "es"},
		{name: "TooShort", at: "location", say: "Elm", web: "Elm", locale: "en"},
		{name: "TooShortSpanish", at: "location", say: "Elm", web: "Elm", locale: "es"},
		{name: "ControlCharacter", at: "location", say: "12 Elm\x07 Street", web: "12 Elm\x07 Street", locale: "en"},
		{name: "LineBreakInAOneLineField", at: "location", say: "12 Elm Street\nSpringfield", web: "12 Elm Street\nSpringfield", locale: "en"},
		{name: "BidiControl", at: "location", say: "12 Elm \u202eStreet", web: "12 Elm \u202eStreet", locale: "es"},
		{name: "NotYesOrNo", at: "hazard", say: "maybe", web: "maybe", locale: "en"},
		{name: "AmbiguousDate", at: "noticed", say: "03/04/2026", web: "03/04/2026", locale: "en"},
		{name: "ImpossibleDate", at: "noticed", say: "2026-02-30", web: "2026-02-30", locale: "en"},
		{name: "BadEmail", at: "email", say: "ana@", web: "ana@", locale: "en"},
		{name: "UnknownChoiceInList", at: "affects", say: "1, buses", web: []any{"drivers", "buses"}, locale: "en"},
		{name: "SameChoiceTwice", at: "affects", say: "1 1", web: []any{"drivers", "drivers"}, locale: "es"},
		{name: "DescriptionTooLong", at: "description", say: strings.Repeat("x", 501), web: strings.Repeat("x", 501), locale: "en"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, _ := c.Start(tc.locale)
			s.Values = map[string]any{"category": "pothole"}
			s.At = tc.at
			if tc.at == "category" {
				s.Values = map[string]any{}
			}
			before := jsonOf(t, s)
			next, turn := c.Step(restart(t, s), tc.say)
			assert.True(t, turn.Invalid)
			want := webMessage(t, f, tc.at, tc.web, tc.locale)
			assert.True(t, strings.HasPrefix(turn.Text, want+"\n\n"), "reply %q starts with the web message %q", turn.Text, want)
			q := c.questions[c.index[tc.at]]
			assert.Contains(t, turn.Text, q.label(c.lang(tc.locale)), "the question is asked again")
			assert.Equal(t, tc.at, next.At)
			assert.JSONEq(t, before, jsonOf(t, next), "a refused answer changes nothing")
		})
	}
}

func TestConversationBoundsInput(t *testing.T) {
	t.Parallel()
	c, err := NewConversation(loadStreetIssue(t), &ConversationConfig{MaxAnswerBytes: 20})
	require.NoError(t, err)
	s, _ := c.Start("en")
	next, turn := c.Step(s, strings.Repeat("a", 21))
	assert.True(t, turn.Invalid)
	assert.Contains(t, turn.Text, "That message is too long: reply with at most 20 characters.\n\nWhat is the problem?")
	assert.Equal(t, jsonOf(t, s), jsonOf(t, next))
	_, turn = c.Step(s, "\xffpothole")
	assert.True(t, turn.Invalid)
	assert.Contains(t, turn.Text, "That message could not be read.")
	s.Locale = "es"
	_, turn = c.Step(s, strings.Repeat("a", 21))
	assert.Contains(t, turn.Text, "Ese mensaje es demasiado largo: responda con 20 caracteres como máximo.")
	_, turn = c.Step(s, strings.Repeat("a", 20))
	assert.True(t, turn.Invalid)
	assert.Contains(t, turn.Text, "Elija una de las opciones.", "20 bytes pass the bound and reach the form's rules")
}

func TestConversationCommands(t *testing.T) {
	t.Parallel()
	c := streetConversation(t)
	t.Run("BackRemovesThePreviousAnswer", func(t *testing.T) {
		t.Parallel()
		s := talk(t, c, "en", nil, []exchange{{say: "1", at: "location"}, {say: "12 Elm Street", at: "description"}})
		s, turn := c.Step(s, "back")
		assert.Equal(t, "location", s.At)
		assert.Contains(t, turn.Text, "Where is it?")
		assert.NotContains(t, s.Values, "location")
		assert.Equal(t, "pothole", s.Values["category"])
	})
	t.Run("BackPastAConditionalQuestionThatNoLongerApplies", func(t *testing.T) {
		t.Parallel()
		s := talk(t, c, "en", nil, []exchange{{say: "2", at: "poleNumber"}, {say: "1234", at: "location"},
			{say: "back", at: "poleNumber"}, {say: "back", at: "category"}, {say: "1", at: "location"}})
		assert.NotContains(t, s.Values, "poleNumber")
		s = talk(t, c, "en", nil, []exchange{{say: "2", at: "poleNumber"}, {say: "1234", at: "location"},
			{say: "back", at: "poleNumber"}, {say: "4321", at: "location"}, {say: "back", at: "poleNumber"}, {say: "back", at: "category"}})
		s, _ = c.Step(s, "graffiti")
		assert.Equal(t, "location", s.At)
		assert.Equal(t, map[string]any{"category": "graffiti"}, s.Values, "the hidden question's answer is gone")
	})
	t.Run("BackFromTheSummaryChangesTheLastAnswer", func(t *testing.T) {
		t.Parallel()
		s := talk(t, c, "en", nil, []exchange{{say: "1"}, {say: "12 Elm Street"}, {say: "skip"}, {say: "yes"}, {say: "skip"},
			{say: "skip"}, {say: "skip", want: []string{"Please check your answers"}}, {say: "BACK", want: []string{"Email for updates"}, at: "email"},
			{say: "back", at: "noticed"}, {say: "2026-01-02"}, {say: "x@example.org"}})
		assert.True(t, s.Confirming)
		assert.Equal(t, "2026-01-02", s.Values["noticed"])
	})
	t.Run("StopWordsEndTheConversation", func(t *testing.T) {
		t.Parallel()
		for _, w := range []string{"STOP", "stop.", "Cancel", "ALTO", "parar", "Cancelar", "unsubscribe"} {
			s, _ := c.Start("en")
			s, turn := c.Step(s, w)
			assert.True(t, turn.Stop, w)
			assert.True(t, s.Done, w)
			assert.Equal(t, "You will get no more messages about this. Your answers were not sent.", turn.Text)
			s, turn = c.Step(restart(t, s), "pothole")
			assert.False(t, turn.Stop || turn.Submit || turn.Invalid)
			assert.Contains(t, turn.Text, "This conversation is over.")
			assert.True(t, s.Done)
		}
		s, _ := c.Start("es")
		_, turn := c.Step(s, "Alto")
		assert.True(t, turn.Stop)
		assert.Contains(t, turn.Text, "No recibirá más mensajes")
	})
	t.Run("StopWhileConfirmingSubmitsNothing", func(t *testing.T) {
		t.Parallel()
		s := talk(t, c, "en", nil, []exchange{{say: "1"}, {say: "12 Elm Street"}, {say: "skip"}, {say: "yes"}, {say: "skip"}, {say: "skip"}, {say: "skip"}})
		require.True(t, s.Confirming)
		_, turn := c.Step(s, "stop")
		assert.True(t, turn.Stop)
		assert.False(t, turn.Submit)
	})
	t.Run("RestartStartsOver", func(t *testing.T) {
		t.Parallel()
		s := talk(t, c, "es", nil, []exchange{{say: "1"}, {say: "12 Elm Street"}})
		s, turn := c.Step(s, "Reiniciar")
		assert.Equal(t, ChatState{Locale: "es", Values: map[string]any{}, At: "category"}, s)
		assert.Contains(t, turn.Text, "Reportar un problema en la calle")
		s.Done = true
		s, _ = c.Step(s, "restart")
		assert.False(t, s.Done, "RESTART opens a new conversation after the end")
	})
	t.Run("HelpExplainsTheQuestion", func(t *testing.T) {
		t.Parallel()
		for at, want := range map[string]string{
			"category":    "What is the problem?\nReply with the number of your answer, or its name.\nReply BACK",
			"hazard":      "Reply YES or NO.",
			"affects":     "Reply with the numbers of all that apply, separated by commas, like 1,3.\nReply SKIP to leave this one out.",
			"noticed":     "Reply with a date like 2026-12-31 (year-month-day).",
			"email":       "Reply with your answer in one message. For example: name@example.com\nReply SKIP",
			"description": "Reply SKIP to leave this one out.\nReply BACK for the previous question, RESTART to start over, or STOP to end.",
		} {
			s := ChatState{Locale: "en", Values: map[string]any{"category": "pothole"}, At: at}
			next, turn := c.Step(s, "HELP")
			assert.Contains(t, turn.Text, want, at)
			assert.False(t, turn.Invalid, at)
			assert.Equal(t, s, next, "help changes nothing")
		}
		s := ChatState{Locale: "en", Values: map[string]any{"category": "pothole"}, At: "location"}
		_, turn := c.Step(s, "help")
		assert.NotContains(t, turn.Text, "SKIP", "a required question cannot be skipped")
	})
	t.Run("SkipOnARequiredQuestionIsRefused", func(t *testing.T) {
		t.Parallel()
		s, _ := c.Start("en")
		next, turn := c.Step(s, "skip")
		assert.True(t, turn.Invalid)
		assert.True(t, strings.HasPrefix(turn.Text, "Select an answer.\n\nWhat is the problem?"), turn.Text)
		assert.Equal(t, "category", next.At)
		s = ChatState{Locale: "en", Values: map[string]any{"category": "streetlight"}, At: "poleNumber"}
		_, turn = c.Step(s, "skip")
		assert.True(t, turn.Invalid, "the branch that shows the pole number requires it")
		_, turn = c.Step(s, "   ")
		assert.True(t, turn.Invalid, "a blank answer is no answer")
		assert.True(t, strings.HasPrefix(turn.Text, "Enter an answer.\n\nPole number"), turn.Text)
	})
}

func TestConversationYesGoesToTheFirstFailingQuestion(t *testing.T) {
	t.Parallel()
	c := streetConversation(t)
	// a state stored before the location was required, say
	s := ChatState{Locale: "en", Values: map[string]any{"category": "pothole", "hazard": true}, Confirming: true}
	s, turn := c.Step(restart(t, s), "yes")
	assert.False(t, turn.Submit)
	assert.True(t, turn.Invalid)
	assert.True(t, strings.HasPrefix(turn.Text, "Enter the location.\n\nWhere is it?"), turn.Text)
	assert.Equal(t, "location", s.At)
	assert.False(t, s.Confirming)
	_, err := c.Values(s)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
	assert.Equal(t, "location", ve.Errors[0].Field)
}

func TestConversationStateMovesToAnUnansweredQuestion(t *testing.T) {
	t.Parallel()
	c := streetConversation(t)
	// At names a question this conversation does not ask (phone, not
	// allowed over sms): the first unanswered question is asked instead
	s := ChatState{Locale: "en", Values: map[string]any{"category": "pothole"}, At: "phone"}
	turn := c.Resume(s)
	assert.Contains(t, turn.Text, "Welcome back to Report a street problem. Let's continue.\n\nWhere is it?")
	s, turn = c.Step(s, "12 Elm Street")
	assert.False(t, turn.Invalid)
	assert.Equal(t, "12 Elm Street", s.Values["location"])
	assert.Equal(t, "description", s.At)
}

func TestConversationResume(t *testing.T) {
	t.Parallel()
	c := streetConversation(t)
	s := talk(t, c, "es", nil, []exchange{{say: "1"}})
	assert.Equal(t, "Bienvenido de nuevo a Reportar un problema en la calle. Sigamos.\n\n¿Dónde está?\nUna dirección o el cruce más cercano.", c.Resume(s).Text)
	s.Confirming, s.At = true, ""
	assert.Contains(t, c.Resume(s).Text, "Revise sus respuestas:\n1. ¿Cuál es el problema? Bache")
	s.Done = true
	assert.Equal(t, "Esta conversación terminó. Responda REINICIAR para empezar de nuevo.", c.Resume(s).Text)
	assert.Contains(t, c.Resume(ChatState{}).Text, "Welcome back", "a state never started greets in English")
}

func TestConversationZeroStateStarts(t *testing.T) {
	t.Parallel()
	c := streetConversation(t)
	s, turn := c.Step(ChatState{}, "hello")
	assert.Contains(t, turn.Text, "What is the problem?")
	assert.False(t, turn.Invalid)
	assert.Equal(t, "category", s.At)
}

func TestConversationLocaleFallsBackToEnglish(t *testing.T) {
	t.Parallel()
	c := streetConversation(t)
	s, turn := c.Start("fr-CA")
	assert.Equal(t, "en", s.Locale)
	assert.Contains(t, turn.Text, "Report a street problem")
	// a form with no Spanish texts speaks English to a Spanish speaker
	f, err := loadDef(t, `{"x-form": {"id": "one", "version": 1}, "title": "One", "type": "object",
		"required": ["n"], "properties": {"n": {"type": "integer", "title": "How many?", "minimum": 1}}}`)
	require.NoError(t, err)
	c2, err := NewConversation(f, nil)
	require.NoError(t, err)
	s, turn = c2.Start("es")
	assert.Equal(t, "en", s.Locale)
	assert.Equal(t, "One\nReply HELP for help or STOP to end.\n\nHow many?", turn.Text)
	s, turn = c2.Step(s, "0")
	assert.True(t, turn.Invalid)
	assert.True(t, strings.HasPrefix(turn.Text, "Enter a number that is 1 or more."), turn.Text)
	s, turn = c2.Step(s, "two")
	assert.True(t, turn.Invalid)
	assert.True(t, strings.HasPrefix(turn.Text, "Enter a whole number."), turn.Text)
	s, turn = c2.Step(s, "3")
	assert.Equal(t, "Please check your answers:\n1. How many? 3\nReply YES to submit, BACK to change the last answer, or RESTART.", turn.Text)
	s, turn = c2.Step(restart(t, s), "yes")
	assert.True(t, turn.Submit)
	v, err := c2.Values(s)
	require.NoError(t, err)
	assert.Equal(t, `{"n":3}`, jsonOf(t, v))
}

const groupedDef = `{
  "x-form": {"id": "grouped", "version": 1, "steps": [
    {"id": "where", "fields": ["site", "mailing"]}, {"id": "what", "fields": ["count", "kind", "contact", "ok", "files"]}]},
  "title": "Grouped", "type": "object",
  "required": ["site", "count", "ok"],
  "properties": {
    "contact": {"type": "object", "title": "Contact", "x-pii": "contact", "x-channels": ["sms", "voice"],
      "properties": {"name": {"type": "string", "title": "Name"}}},
    "count": {"type": "integer", "title": "How many", "maximum": 10},
    "kind": {"type": "string", "title": "Kind", "enum": ["a", "b"]},
    "site": {"type": "object", "title": "Site", "required": ["street"],
      "properties": {"street": {"type": "string", "title": "Street", "minLength": 3}, "unit": {"type": "string", "title": "Unit"}}},
    "mailing": {"type": "object", "title": "Mailing address", "required": ["street"],
      "properties": {"street": {"type": "string", "title": "Street"}, "zip": {"type": "string", "title": "ZIP", "pattern": "^[0-9]{5}$"}}},
    "ok": {"const": true, "type": "boolean", "title": "I agree",
      "x-messages": {"const": "You must agree to continue."}},
    "files": {"type": "array", "title": "Papers", "x-widget": "file", "maxItems": 2, "items": {"type": "string"}, "x-accept": ["application/pdf"]}
  },
  "dependentRequired": {"kind": ["count"]}
}`

func TestConversationNestedFieldsAndSteps(t *testing.T) {
	t.Parallel()
	f, err := loadDef(t, groupedDef)
	require.NoError(t, err)
	c, err := NewConversation(f, nil)
	require.NoError(t, err)
	_, turn := c.Start("en")
	assert.Contains(t, turn.Text, "Not asked by text (use the web form for these): Papers.")
	assert.True(t, strings.HasSuffix(turn.Text, "\n\nSite: Street"), "a required group's required field is required: %q", turn.Text)
	s := talk(t, c, "en", nil, []exchange{
		{say: "12", want: []string{"Enter 3 characters or more.\n\nSite: Street"}, invalid: true, at: "site.street"},
		{say: "12 Elm", want: []string{"Site: Unit\n(optional, reply SKIP)"}, at: "site.unit"},
		{say: "skip", want: []string{"Mailing address: Street\n(optional, reply SKIP)"}, at: "mailing.street"},
		{say: "skip", want: []string{"Mailing address: ZIP\n(optional, reply SKIP)"}, at: "mailing.zip"},
		{say: "123", invalid: true, at: "mailing.zip"},
		{say: "12345", want: []string{"How many"}, at: "count"},
		{say: "1e1", at: "kind"},
		{say: "2", want: []string{"Contact: Name\n(optional, reply SKIP)"}, at: "contact.name"},
		{say: "Ana", want: []string{"I agree\n1. Yes\n2. No"}, at: "ok"},
		{say: "no", want: []string{"You must agree to continue.\n\nI agree"}, invalid: true, at: "ok"},
		{say: "1", want: []string{"1. Site: Street: 12 Elm\n2. Mailing address: ZIP: 12345\n3. How many: 10\n4. Kind: b\n5. Contact: Name: Ana\n6. I agree: Yes"}},
		// the mailing address has a ZIP but no street, which it requires
		{say: "yes", want: []string{"Enter an answer.\n\nMailing address: Street"}, invalid: true, at: "mailing.street"},
		{say: "skip", want: []string{"Enter an answer."}, invalid: true, at: "mailing.street"},
		{say: "1 Oak Rd"},
		{say: "yes", submit: true},
	})
	v, err := c.Values(s)
	require.NoError(t, err)
	assert.JSONEq(t, `{"site":{"street":"12 Elm"},"mailing":{"street":"1 Oak Rd","zip":"12345"},"count":10,"kind":"b","contact":{"name":"Ana"},"ok":true}`,
		jsonOf(t, v))
	assert.Equal(t, jsonOf(t, webValues(t, f, jsonOf(t, s.Values))), jsonOf(t, v))
}

func TestConversationRequiredGroupOfOptionalFields(t *testing.T) {
	t.Parallel()
	f, err := loadDef(t, `{"x-form": {"id": "g", "version": 1}, "type": "object", "required": ["site"],
		"properties": {"site": {"type": "object", "title": "Site", "properties": {"unit": {"type": "string", "title": "Unit"}}}}}`)
	require.NoError(t, err)
	c, err := NewConversation(f, nil)
	require.NoError(t, err)
	s := talk(t, c, "en", []string{"Site: Unit\n(optional, reply SKIP)"}, []exchange{{say: "skip", want: []string{"(no answers)"}}, {say: "yes", submit: true}})
	v, err := c.Values(s)
	require.NoError(t, err)
	assert.Equal(t, `{"site":{}}`, jsonOf(t, v))
	s = talk(t, c, "en", nil, []exchange{{say: "4B"}, {say: "back", at: "site.unit"}, {say: "skip"}, {say: "yes", submit: true}})
	v, err = c.Values(s)
	require.NoError(t, err)
	assert.Equal(t, `{"site":{}}`, jsonOf(t, v))
}

func TestConversationDependentRequired(t *testing.T) {
	t.Parallel()
	f, err := loadDef(t, `{"x-form": {"id": "dep", "version": 1}, "type": "object",
		"properties": {"kind": {"type": "string", "title": "Kind"}, "count": {"type": "integer", "title": "Count"}},
		"dependentRequired": {"kind": ["count"]}}`)
	require.NoError(t, err)
	c, err := NewConversation(f, nil)
	require.NoError(t, err)
	s := talk(t, c, "en", nil, []exchange{{say: "a", want: []string{"Count"}, at: "count"}})
	_, turn := c.Step(s, "skip")
	assert.True(t, turn.Invalid, "a kind makes the count required")
	s = talk(t, c, "en", nil, []exchange{{say: "skip", want: []string{"Count\n(optional, reply SKIP)"}, at: "count"}, {say: "skip", want: []string{"(no answers)"}}, {say: "yes", submit: true}})
	v, err := c.Values(s)
	require.NoError(t, err)
	assert.Empty(t, v)
}

func TestNewConversationRefusesWhatCannotBeAskedByText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, def string
		cfg       *ConversationConfig
		want      []string
	}{
		{name: "RequiredPIIWithoutChannels", def: "testdata/forms/permit.json",
			want: []string{`field "applicant.firstName" is required but is personal data (x-pii "identity") that its x-channels does not allow over "sms"`,
				`field "applicant.lastName"`, `field "applicant.email"`, `field "site.street" is required but is personal data (x-pii "location")`}},
		{name: "RequiredGroup", def: "testdata/forms/household.json",
			want: []string{`field "members" is required but is a repeating group`, `field "applicant" is required but is personal data`}},
		{name: "ChannelNotListed", def: "testdata/conversation/streetissue.json", cfg: &ConversationConfig{Channel: "voice"},
			want: []string{`forms: street-issue cannot run over voice: field "location" is required but is personal data (x-pii "location") that its x-channels does not allow over "voice"`}},
		{name: "RequiredFile", def: `{"x-form": {"id": "f", "version": 1}, "type": "object", "required": ["p"],
			"properties": {"p": {"type": "string", "x-widget": "file", "x-accept": ["image/png"]}}}`,
			want: []string{`field "p" is required but takes files, which a text message cannot carry`}},
		{name: "RequiredInABranch", def: `{"x-form": {"id": "f", "version": 1}, "type": "object",
			"properties": {"a": {"type": "boolean"}},
			"if": {"properties": {"a": {"const": true}}, "required": ["a"]},
			"then": {"required": ["p"], "properties": {"p": {"type": "string", "x-widget": "hidden"}}}}`,
			want: []string{`field "p" is required but is hidden`}},
		{name: "BadConfig", def: "testdata/conversation/streetissue.json", cfg: &ConversationConfig{Channel: "SMS!", MaxAnswerBytes: -1},
			want: []string{`channel "SMS!"`, "MaxAnswerBytes -1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			def := tc.def
			if data, err := os.ReadFile(def); err == nil {
				def = string(data)
			}
			f, err := loadDef(t, def)
			require.NoError(t, err)
			_, err = NewConversation(f, tc.cfg)
			require.Error(t, err)
			assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
	_, err := NewConversation(nil, nil)
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
}

func TestNewConversationLeavesOutOptionalFieldsItCannotAsk(t *testing.T) {
	t.Parallel()
	f, err := loadDef(t, `{"x-form": {"id": "f", "version": 1}, "type": "object", "x-channels": ["sms"],
		"required": ["name"],
		"properties": {
			"name": {"type": "string", "title": "Name", "x-pii": "identity"},
			"ssn": {"type": "string", "title": "SSN", "x-pii": "identity", "x-channels": []},
			"pets": {"type": "array", "title": "Pets", "items": {"type": "object", "title": "Pet", "properties": {"kind": {"type": "string"}}}},
			"photo": {"type": "string", "title": "Photo", "x-widget": "file", "x-accept": ["image/png"]}
		}}`)
	require.NoError(t, err)
	fl, _ := f.Field("name")
	assert.Equal(t, []string{"sms"}, fl.Channels, "a field inherits the form's x-channels")
	fl, _ = f.Field("ssn")
	assert.Empty(t, fl.Channels, "a field's own x-channels replaces the form's")
	c, err := NewConversation(f, nil)
	require.NoError(t, err)
	var left []string
	for _, fl := range c.NotAsked() {
		left = append(left, fl.Path)
	}
	assert.Equal(t, []string{"ssn", "pets", "photo"}, left)
	assert.Equal(t, "sms", c.Channel())
	_, turn := c.Start("en")
	assert.Contains(t, turn.Text, "Not asked by text (use the web form for these): SSN, Pets, Photo.")
	// another channel may not ask the name, which is required
	_, err = NewConversation(f, &ConversationConfig{Channel: "voice"})
	assert.ErrorContains(t, err, `field "name" is required`)
}

func TestXChannelsIsChecked(t *testing.T) {
	t.Parallel()
	_, err := loadDef(t, `{"x-form": {"id": "f", "version": 1}, "type": "object",
		"properties": {"a": {"type": "string", "x-channels": ["SMS"]}}}`)
	var de *DefinitionError
	require.ErrorAs(t, err, &de)
	assert.Contains(t, err.Error(), "x-channels")
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"2026-12-31": "2026-12-31", "12/31/2026": "2026-12-31", "31/12/2026": "2026-12-31", "31.12.2026": "2026-12-31",
		"4/4/2026": "2026-04-04", "03/04/2026": "03/04/2026", "02/30/2026": "02/30/2026", "13/13/2026": "13/13/2026",
		"tomorrow": "tomorrow", "1/15/26": "1/15/26",
	} {
		assert.Equal(t, want, parseDate(in), in)
	}
}

func TestFold(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"  ATRÁS ": "atras", "¡Sí!": "si", "Farola   Apagada.": "farola apagada", "Ñandú": "nandu", "": ""} {
		assert.Equal(t, want, Fold(in), in)
	}
}

func TestConversationIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	c := streetConversation(t)
	var wg sync.WaitGroup
	results := make([]string, 8)
	for i := range results {
		wg.Go(func() {
			s, _ := c.Start([]string{"en", "es"}[i%2])
			for _, a := range []string{"2", "1234", "12 Elm Street", "skip", "yes", "1,2", "skip", "skip", "yes"} {
				s, _ = c.Step(s, a)
			}
			v, err := c.Values(s)
			if err == nil {
				results[i] = jsonOf(t, v)
			}
		})
	}
	wg.Wait()
	for _, r := range results {
		assert.JSONEq(t, `{"category":"streetlight","poleNumber":"1234","location":"12 Elm Street","hazard":true,"affects":["drivers","cyclists"]}`, r)
	}
}

// FuzzConversationAnswer feeds random messages through the street form:
// no panic, the state always survives a JSON round trip (the next reply
// is the same from the stored state), and Values succeeds only when
// the form's own validation accepts the values.
func FuzzConversationAnswer(f *testing.F) {
	c := streetConversation(f)
	for _, s := range []string{"2|1234|12 Elm Street|skip|yes|1,3|12/31/2026|a@b.co|yes", "back|back|skip|stop", "1|help|x|restart|3",
		"4|\x00|\u202e|9999999999999999999|" + strings.Repeat("é", 900), "sí|ATRÁS|omitir|1 1|31/02/2026|\xff", "2|abc|back|1|Main Street|skip|no|skip|skip|skip|no|back|yes"} {
		f.Add("es", s)
		f.Add("en", s)
	}
	f.Fuzz(func(t *testing.T, locale, script string) {
		s, _ := c.Start(locale)
		answers := strings.Split(script, "|")
		if len(answers) > 40 {
			answers = answers[:40]
		}
		for _, a := range answers {
			data, err := json.Marshal(s)
			if err != nil {
				t.Fatalf("state does not marshal: %v", err)
			}
			var stored ChatState
			if err := json.Unmarshal(data, &stored); err != nil {
				t.Fatalf("state does not unmarshal: %v", err)
			}
			again, err := json.Marshal(stored)
			if err != nil || !bytes.Equal(data, again) {
				t.Fatalf("state changes in a round trip: %s != %s", data, again)
			}
			next, turn := c.Step(s, a)
			next2, turn2 := c.Step(stored, a)
			if turn != turn2 || jsonOf(t, next) != jsonOf(t, next2) {
				t.Fatalf("a stored state answers otherwise: %+v vs %+v", turn, turn2)
			}
			if turn.Submit {
				if _, err := c.Values(next); err != nil {
					t.Fatalf("submitted values do not validate: %v", err)
				}
			}
			s = next
		}
		v, err := c.Values(s)
		_, webErr := c.Form().ValidateValue(context.Background(), s.Values, "en")
		if (err == nil) != (webErr == nil) {
			t.Fatalf("Values and the form disagree: %v vs %v", err, webErr)
		}
		if err == nil {
			if _, err := c.Form().ValidateValue(context.Background(), v, "en"); err != nil {
				t.Fatalf("clean values do not validate again: %v", err)
			}
		} else if !errors.Is(err, adapters.ErrInvalidArgument) {
			t.Fatalf("Values error is not an invalid argument: %v", err)
		}
	})
}

// BenchmarkConversationEngineStep measures one Step with a valid answer
// on the 10-field street form: the answer checked by the form's rules,
// the next question found and written.
func BenchmarkConversationEngineStep(b *testing.B) {
	c := streetConversation(b)
	s := ChatState{Locale: "en", Values: map[string]any{"category": "streetlight", "poleNumber": "1234"}, At: "location"}
	b.ReportAllocs()
	for b.Loop() {
		next, turn := c.Step(s, "12 Elm Street")
		if turn.Invalid || next.At != "description" {
			b.Fatalf("step: %+v", turn)
		}
	}
}
