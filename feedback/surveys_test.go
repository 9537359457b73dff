package feedback_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/feedback"
	"github.com/civickit/civickit/workflow"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// surveyFixture is an engine whose closings send surveys.
type surveyFixture struct {
	store   adapters.Store
	clock   *clock
	surveys *feedback.Surveys
	engine  *workflow.Engine
}

func newSurveyFixture(t testing.TB, store adapters.Store) *surveyFixture {
	t.Helper()
	f := &surveyFixture{store: store, clock: newClock(t0)}
	var err error
	f.surveys, err = feedback.NewSurveys(newRing(t, f.clock.Now), store, &feedback.SurveysConfig{
		BaseURL: "https://city.example.gov/survey", Now: f.clock.Now, LinkMaxAge: 14 * 24 * time.Hour,
	})
	require.NoError(t, err)
	f.engine, err = workflow.New(store, &workflow.EngineConfig{Now: f.clock.Now, OnClose: f.surveys.OnClose})
	require.NoError(t, err)
	require.NoError(t, f.engine.Register(potholes(t)))
	return f
}

// closedCase opens a pothole case for the resident and repairs it.
func (f *surveyFixture) closedCase(t *testing.T) adapters.Case {
	t.Helper()
	ctx := context.Background()
	c, err := f.engine.Open(ctx, workflow.OpenParams{Type: "pothole", Actor: resident})
	require.NoError(t, err)
	r, err := f.engine.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "repair", Actor: crew})
	require.NoError(t, err)
	return r.Case
}

// surveyToken reads the token out of the case's one survey message.
func (f *surveyFixture) surveyToken(t *testing.T, caseID string) string {
	t.Helper()
	msgs, err := f.store.ListMessages(context.Background(), caseID)
	require.NoError(t, err)
	var surveys []adapters.Message
	for _, m := range msgs {
		if m.Template == feedback.SurveyTemplate {
			surveys = append(surveys, m)
		}
	}
	require.Len(t, surveys, 1, "closing a case writes exactly one survey message")
	var data map[string]string
	require.NoError(t, json.Unmarshal(surveys[0].Data, &data))
	link, err := url.Parse(data["link"])
	require.NoError(t, err)
	return link.Query().Get("t")
}

func TestClosingACaseSendsOneSurveyThatRecordsOneAnswer(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, store adapters.Store) {
		ctx := context.Background()
		f := newSurveyFixture(t, store)
		c := f.closedCase(t)

		msgs, err := store.ListMessages(ctx, c.ID)
		require.NoError(t, err)
		require.Len(t, msgs, 1)
		m := msgs[0]
		assert.Equal(t, "survey/"+c.ID, m.ID)
		assert.Equal(t, "r-1", m.Recipient, "the survey goes to the submitter")
		var data map[string]string
		require.NoError(t, json.Unmarshal(m.Data, &data))
		for _, field := range feedback.SurveyTemplateFields {
			assert.NotEmpty(t, data[field], "the message data has %s", field)
		}
		assert.Equal(t, c.ID, data["caseId"])
		assert.Equal(t, "pothole", data["type"])
		assert.True(t, strings.HasPrefix(data["link"], "https://city.example.gov/survey?t="))

		token := f.surveyToken(t, c.ID)
		f.clock.Add(time.Hour)
		require.NoError(t, f.surveys.Respond(ctx, token, feedback.Answer{Rating: 4, Resolved: ptr(true), Comment: "  Quick work.  "}))
		got, err := store.GetSurveyResponse(ctx, c.ID)
		require.NoError(t, err)
		assert.Equal(t, adapters.SurveyResponse{
			CaseID: c.ID, CaseType: "pothole", Rating: 4, Resolved: ptr(true), Comment: "Quick work.",
			Respondent: "r-1", RespondentIssuer: "https://login.example.gov", RespondedAt: t0.Add(time.Hour),
		}, got)

		err = f.surveys.Respond(ctx, token, feedback.Answer{Rating: 1})
		require.ErrorIs(t, err, feedback.ErrAlreadyAnswered)
		require.ErrorIs(t, err, adapters.ErrDuplicate)
		got, err = store.GetSurveyResponse(ctx, c.ID)
		require.NoError(t, err)
		assert.Equal(t, 4, got.Rating, "a second answer changes nothing")
	})
}

func ptr[T any](v T) *T { return &v }

func TestRespondRefusesBadAnswersAndTokensAndWritesNothing(t *testing.T) {
	t.Parallel()
	f := newSurveyFixture(t, storeImpls[0].open(t))
	ctx := context.Background()
	c := f.closedCase(t)
	token := f.surveyToken(t, c.ID)
	other := newRing(t, f.clock.Now).Seal("civickit/feedback/survey", []byte(`{"c":"`+c.ID+`","t":"pothole","at":1}`))

	tests := []struct {
		name   string
		token  string
		answer feedback.Answer
		want   error
		field  string
	}{
		{name: "rating zero", token: token, answer: feedback.Answer{Rating: 0}, want: adapters.ErrInvalidArgument, field: "rating"},
		{name: "rating six", token: token, answer: feedback.Answer{Rating: 6}, want: adapters.ErrInvalidArgument, field: "rating"},
		{name: "rating negative", token: token, answer: feedback.Answer{Rating: -1}, want: adapters.ErrInvalidArgument, field: "rating"},
		{name: "comment too long", token: token, answer: feedback.Answer{Rating: 3, Comment: strings.Repeat("é", adapters.MaxSurveyCommentBytes)}, want: adapters.ErrInvalidArgument, field: "comment"},
		{name: "empty token", token: "", answer: feedback.Answer{Rating: 3}, want: feedback.ErrInvalidToken},
		{name: "tampered token", token: token[:len(token)-2] + "AA", answer: feedback.Answer{Rating: 3}, want: feedback.ErrInvalidToken},
		{name: "another ring's token", token: other, answer: feedback.Answer{Rating: 3}, want: feedback.ErrInvalidToken},
		{name: "garbage", token: "not a token", answer: feedback.Answer{Rating: 3}, want: feedback.ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.surveys.Respond(ctx, tt.token, tt.answer)
			require.ErrorIs(t, err, tt.want)
			if tt.field != "" {
				var ae *feedback.AnswerError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, tt.field, ae.Field)
			}
			_, err = f.store.GetSurveyResponse(ctx, c.ID)
			require.ErrorIs(t, err, adapters.ErrNotFound, "a refused answer writes nothing")
		})
	}

	// A link older than LinkMaxAge no longer works.
	f.clock.Add(15 * 24 * time.Hour)
	require.ErrorIs(t, f.surveys.Respond(ctx, token, feedback.Answer{Rating: 3}), feedback.ErrInvalidToken)
	_, err := f.store.GetSurveyResponse(ctx, c.ID)
	require.ErrorIs(t, err, adapters.ErrNotFound)
}

func TestConcurrentAnswersToOneSurveyStoreOne(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, store adapters.Store) {
		f := newSurveyFixture(t, store)
		c := f.closedCase(t)
		token := f.surveyToken(t, c.ID)
		const n = 32
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				errs[i] = f.surveys.Respond(context.Background(), token, feedback.Answer{Rating: 1 + i%5})
			})
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else {
				require.ErrorIs(t, err, feedback.ErrAlreadyAnswered)
			}
		}
		assert.Equal(t, 1, ok, "exactly one of 32 concurrent answers is recorded")
		tallies, err := store.SurveyStats(context.Background(), adapters.SurveyQuery{})
		require.NoError(t, err)
		require.Len(t, tallies, 1)
		assert.Equal(t, int64(1), tallies[0].Count)
	})
}

func TestOnCloseSkipsWithdrawalsAnonymousCasesAndIdeas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := storeImpls[0].open(t)
	f := newSurveyFixture(t, store)

	// The resident withdraws: no survey.
	c, err := f.engine.Open(ctx, workflow.OpenParams{Type: "pothole", Actor: resident})
	require.NoError(t, err)
	_, err = f.engine.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "withdraw", Actor: resident})
	require.NoError(t, err)
	msgs, err := store.ListMessages(ctx, c.ID)
	require.NoError(t, err)
	assert.Empty(t, msgs, "a case the resident withdrew gets no survey")

	// An anonymous report: no one to ask.
	c, err = f.engine.Open(ctx, workflow.OpenParams{Type: "pothole", Actor: crew, OnBehalf: true, Channel: "phone"})
	require.NoError(t, err)
	_, err = f.engine.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "repair", Actor: crew})
	require.NoError(t, err)
	msgs, err = store.ListMessages(ctx, c.ID)
	require.NoError(t, err)
	assert.Empty(t, msgs, "an anonymous case gets no survey")

	// Ideas are not surveyed by default.
	assert.Empty(t, f.surveys.OnClose(&workflow.Change{Case: &adapters.Case{ID: "i-1", Type: feedback.IdeaType, Submitter: "r-2"}, Actor: crew}))
	assert.Len(t, f.surveys.OnClose(&workflow.Change{Case: &adapters.Case{ID: "p-1", Type: "pothole", Submitter: "r-2"}, Actor: crew}), 1)

	_, err = f.surveys.SurveyMessage(adapters.Case{ID: "x", Type: "pothole"})
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
}

func TestSurveysConfigIsValidated(t *testing.T) {
	t.Parallel()
	ring := newRing(t, time.Now)
	store := storeImpls[0].open(t)
	for _, tt := range []struct {
		name string
		cfg  *feedback.SurveysConfig
	}{
		{"nil config has no base URL", nil},
		{"relative URL", &feedback.SurveysConfig{BaseURL: "/survey"}},
		{"URL with a query", &feedback.SurveysConfig{BaseURL: "https://city.example.gov/survey?x=1"}},
		{"negative age", &feedback.SurveysConfig{BaseURL: "https://city.example.gov/survey", LinkMaxAge: -time.Second}},
	} {
		_, err := feedback.NewSurveys(ring, store, tt.cfg)
		assert.Error(t, err, tt.name)
	}
	_, err := feedback.NewSurveys(nil, store, &feedback.SurveysConfig{BaseURL: "https://city.example.gov/survey"})
	assert.Error(t, err, "a nil ring")
}

func FuzzRespondToken(f *testing.F) {
	fx := newSurveyFixture(f, storeImpls[0].open(f))
	link, err := fx.surveys.Link(adapters.Case{ID: "c-1", Type: "pothole", Submitter: "r-1"})
	if err != nil {
		f.Fatal(err)
	}
	u, _ := url.Parse(link)
	valid := u.Query().Get("t")
	for _, seed := range []string{"", "v2.k1.", "v1.k1.AAAA", "AQJrMQ", valid[:len(valid)/2], "v2.k1." + strings.Repeat("A", 80)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		err := fx.surveys.Respond(context.Background(), token, feedback.Answer{Rating: 3})
		if err == nil && token != valid {
			t.Fatalf("a token never issued was accepted: %q", token)
		}
		if err != nil && !errors.Is(err, feedback.ErrInvalidToken) && !errors.Is(err, feedback.ErrAlreadyAnswered) {
			t.Fatalf("a bad token is ErrInvalidToken, got %v", err)
		}
	})
}
