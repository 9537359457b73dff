package casework_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/casework"
	"github.com/civickit/civickit/feedback"
	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/keyring"
)

// phone is the resident's number in the texting tests.
const phone = "+15550001111"

// benchT0 is when the texting tests and benchmarks start.
var benchT0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// texter is a Texting under test with the store it writes to and a clock
// the test moves.
type texter struct {
	*world
	db    adapters.Store // the store the Texting writes to
	tx    *casework.Texting
	prefs *feedback.Preferences
	mu    sync.Mutex
	now   time.Time
	seq   int
	seen  map[string]bool // messages already read by said
}

func newTexter(t *testing.T) *texter {
	t.Helper()
	w := newWorld(t)
	tt := &texter{world: w, db: w.store, now: benchT0}
	tt.tx = tt.texting(t)
	return tt
}

// texting builds a Texting over the texter's store, as a process
// starting afresh would.
func (tt *texter) texting(t testing.TB) *casework.Texting {
	t.Helper()
	prefs, err := feedback.NewPreferences(tt.db, nil)
	require.NoError(t, err)
	comments, err := feedback.NewComments(tt.db, nil)
	require.NoError(t, err)
	inbound, err := feedback.NewInbound(tt.db, prefs, comments, nil)
	require.NoError(t, err)
	tt.prefs = prefs
	tx, err := casework.NewTexting(casework.TextingConfig{
		Services: []casework.TextService{{Keywords: map[string]string{"POTHOLE": "en", "BACHE": "es"}, Form: tt.report, Type: "pothole"}},
		Store:    tt.db, Engine: tt.engine, Consent: prefs, Next: inbound, QuietPeriod: time.Hour,
		Now: tt.clock,
	})
	require.NoError(t, err)
	return tx
}

func (tt *texter) clock() time.Time {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	return tt.now
}

func (tt *texter) advance(d time.Duration) {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	tt.now = tt.now.Add(d)
}

// text sends body from the resident's phone, as an inbound channel does.
func (tt *texter) text(t *testing.T, body string) error {
	t.Helper()
	tt.mu.Lock()
	tt.seq++
	id := fmt.Sprintf("SM%032d", tt.seq)
	tt.mu.Unlock()
	return tt.tx.HandleReply(context.Background(), adapters.Reply{Channel: "sms", From: phone, To: "+15559990000", Body: body,
		ProviderID: id, At: tt.clock()})
}

// said returns the texts sent back to the resident since the last call.
func (tt *texter) said(t *testing.T) []string {
	t.Helper()
	msgs, err := tt.store.ClaimMessages(context.Background(), adapters.ClaimParams{Owner: "test", Now: tt.clock().Add(time.Hour),
		Lease: time.Hour, Limit: adapters.MaxClaim})
	require.NoError(t, err)
	var out []string
	for _, m := range msgs {
		if m.Recipient != "sms:"+phone || m.Template != feedback.ConversationTemplate || tt.seen[m.ID] {
			continue
		}
		if tt.seen == nil {
			tt.seen = map[string]bool{}
		}
		tt.seen[m.ID] = true
		var d struct{ Text string }
		require.NoError(t, json.Unmarshal(m.Data, &d))
		out = append(out, d.Text)
	}
	return out
}

func TestTextingAnswersAFormAndOpensACaseAsTheWebFormWould(t *testing.T) {
	t.Parallel()
	tt := newTexter(t)
	require.NoError(t, tt.text(t, "pothole"))
	said := tt.said(t)
	require.Len(t, said, 1, "the keyword is answered with the first question")
	assert.Contains(t, said[0], "Where is the pothole?")
	reach, err := tt.store.Reach(context.Background(), "sms", []string{phone})
	require.NoError(t, err)
	assert.True(t, reach[phone].Consented, "texting a keyword records consent to the conversation's replies")

	require.NoError(t, tt.text(t, "x"), "an invalid answer is not an error of the handler")
	said = tt.said(t)
	require.Len(t, said, 1)
	assert.Contains(t, said[0], "Where is the pothole?", "an invalid answer gets the same question again")

	// A new process continues the stored conversation.
	tt.tx = tt.texting(t)
	require.NoError(t, tt.text(t, "Main St and 3rd Ave"))
	said = tt.said(t)
	require.Len(t, said, 1)
	assert.Contains(t, said[0], "Anything else?")
	require.NoError(t, tt.text(t, "It is deep"))
	said = tt.said(t)
	require.Len(t, said, 1)
	assert.Contains(t, said[0], "Main St and 3rd Ave", "the summary shows the answers")
	assert.Empty(t, tt.cases(t), "nothing is submitted before YES")

	require.NoError(t, tt.text(t, "YES"))
	cases := tt.cases(t)
	require.Len(t, cases, 1, "YES opens one case")
	c := cases[0]
	assert.Equal(t, "sms", c.Channel)
	assert.Equal(t, "sms:"+phone, c.Submitter, "the case's notifications come back by text")
	var data map[string]any
	require.NoError(t, json.Unmarshal(c.Data, &data))
	assert.Equal(t, map[string]any{"location": "Main St and 3rd Ave", "details": "It is deep"}, data)
	subs, err := tt.store.ListSubmissions(context.Background(), c.ID)
	require.NoError(t, err)
	require.Len(t, subs, 1)
	assert.Equal(t, "pothole", subs[0].FormID)
	assert.Equal(t, "sms", subs[0].Channel)
	said = tt.said(t)
	require.Len(t, said, 1)
	assert.Contains(t, said[0], c.ID, "the resident gets the case reference")

	_, err = tt.store.GetConversation(context.Background(), "sms", phone, tt.clock())
	assert.ErrorIs(t, err, adapters.ErrNotFound, "a submitted conversation is over")
	err = tt.text(t, "thanks!")
	assert.ErrorIs(t, err, feedback.ErrUnrouted, "a later text is no answer: it goes to the next handler")
	assert.Len(t, tt.cases(t), 1)
}

func TestTextingInSpanish(t *testing.T) {
	t.Parallel()
	tt := newTexter(t)
	require.NoError(t, tt.text(t, "Bache"))
	said := tt.said(t)
	require.Len(t, said, 1)
	assert.Contains(t, said[0], "¿Dónde está el bache?")
}

func TestTextingTakesARedeliveredMessageOnce(t *testing.T) {
	t.Parallel()
	tt := newTexter(t)
	require.NoError(t, tt.text(t, "POTHOLE"))
	r := adapters.Reply{Channel: "sms", From: phone, Body: "Elm St by the school", ProviderID: "SM-retry", At: tt.clock()}
	require.NoError(t, tt.tx.HandleReply(context.Background(), r))
	before, err := tt.store.GetConversation(context.Background(), "sms", phone, tt.clock())
	require.NoError(t, err)
	r.Body = "Another answer"
	require.NoError(t, tt.tx.HandleReply(context.Background(), r))
	after, err := tt.store.GetConversation(context.Background(), "sms", phone, tt.clock())
	require.NoError(t, err)
	assert.Equal(t, before.Version, after.Version, "the same provider id changes nothing")
	assert.Equal(t, string(before.State), string(after.State))
}

func TestTextingStopEndsTheConversationAndOptsOut(t *testing.T) {
	t.Parallel()
	tt := newTexter(t)
	require.NoError(t, tt.text(t, "POTHOLE"))
	tt.said(t)
	require.NoError(t, tt.text(t, "STOP"))
	_, err := tt.store.GetConversation(context.Background(), "sms", phone, tt.clock())
	assert.ErrorIs(t, err, adapters.ErrNotFound, "STOP ends the conversation")
	reach, err := tt.store.Reach(context.Background(), "sms", []string{phone})
	require.NoError(t, err)
	assert.True(t, reach[phone].OptedOut, "STOP is recorded as an opt-out")
	assert.Empty(t, tt.cases(t))
}

func TestTextingRemindsAQuietConversationOnce(t *testing.T) {
	t.Parallel()
	tt := newTexter(t)
	require.NoError(t, tt.text(t, "POTHOLE"))
	tt.said(t)
	n, err := tt.tx.Remind(context.Background(), 10)
	require.NoError(t, err)
	assert.Zero(t, n, "nothing is quiet yet")
	tt.advance(2 * time.Hour)
	n, err = tt.tx.Remind(context.Background(), 10)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	said := tt.said(t)
	require.Len(t, said, 1)
	assert.Contains(t, said[0], "Where is the pothole?", "the resume message repeats the question")
	n, err = tt.tx.Remind(context.Background(), 10)
	require.NoError(t, err)
	assert.Zero(t, n, "a conversation is reminded once")
	require.NoError(t, tt.text(t, "Oak Ave"), "an answer after the reminder is taken")
	said = tt.said(t)
	require.Len(t, said, 1)
	assert.Contains(t, said[0], "Anything else?")
}

func TestTextingLosesNoAnswerWhenMessagesRace(t *testing.T) {
	t.Parallel()
	tt := newTexter(t)
	require.NoError(t, tt.text(t, "POTHOLE"))
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, body := range []string{"Cedar Rd", "SKIP"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- tt.text(t, body)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	c, err := tt.store.GetConversation(context.Background(), "sms", phone, tt.clock())
	require.NoError(t, err)
	assert.Equal(t, int64(3), c.Version, "both answers were taken, one after the other")
}

func TestTextingPassesOtherMessagesOn(t *testing.T) {
	t.Parallel()
	tt := newTexter(t)
	err := tt.text(t, "hello?")
	assert.ErrorIs(t, err, feedback.ErrUnrouted, "a text that starts nothing is the next handler's")
	err = tt.tx.HandleReply(context.Background(), adapters.Reply{Channel: "email", From: "a@example.org", Body: "POTHOLE", At: tt.clock()})
	assert.True(t, errors.Is(err, feedback.ErrUnrouted), "another channel's reply is the next handler's: %v", err)
	_, err = tt.store.GetConversation(context.Background(), "email", "a@example.org", tt.clock())
	assert.ErrorIs(t, err, adapters.ErrNotFound)
}

func TestNewTextingRefusesABadConfiguration(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, err := casework.NewTexting(casework.TextingConfig{})
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	for _, want := range []string{"Store", "Engine", "Consent", "Next", "Services"} {
		assert.Contains(t, err.Error(), want)
	}
	prefs, err := feedback.NewPreferences(w.store, nil)
	require.NoError(t, err)
	svc := casework.TextService{Keywords: map[string]string{"POTHOLE": "en"}, Form: w.report, Type: "pothole"}
	_, err = casework.NewTexting(casework.TextingConfig{Store: w.store, Engine: w.engine, Consent: prefs, Next: nopHandler{},
		Services: []casework.TextService{svc, {Keywords: map[string]string{"pothole!": "en"}, Form: w.report, Type: "other"}}})
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "names both")
	_, err = casework.NewTexting(casework.TextingConfig{Store: w.store, Engine: w.engine, Consent: prefs, Next: nopHandler{},
		Services: []casework.TextService{{Keywords: map[string]string{"two words": "en"}, Form: w.report, Type: "pothole"}}})
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	assert.True(t, strings.Contains(err.Error(), "not one word"), err.Error())
}

type nopHandler struct{}

func (nopHandler) HandleReply(context.Context, adapters.Reply) error { return nil }

// piiForm asks for a contact email, personal data allowed over sms.
const piiForm = `{"type": "object", "x-form": {"id": "callback", "version": 1}, "title": "Ask for a call back",
  "required": ["email"],
  "properties": {"email": {"type": "string", "format": "email", "maxLength": 100, "title": "Your email", "x-pii": "contact", "x-channels": ["sms"]}}}`

func TestTextingSealsPersonalDataWhileStored(t *testing.T) {
	t.Parallel()
	tt := newTexter(t)
	ctx := context.Background()
	reg, err := forms.NewRegistry(nil)
	require.NoError(t, err)
	form, err := reg.Load(ctx, "callback.json", []byte(piiForm))
	require.NoError(t, err)
	ring, err := keyring.New(keyring.GenerateKey("texting"), nil, nil)
	require.NoError(t, err)
	prefs, err := feedback.NewPreferences(tt.db, nil)
	require.NoError(t, err)
	tt.tx, err = casework.NewTexting(casework.TextingConfig{
		Services: []casework.TextService{{Keywords: map[string]string{"CALL": "en"}, Form: form, Type: "pothole"}},
		Store:    tt.db, Engine: tt.engine, Consent: prefs, Next: nopHandler{}, Ring: ring, Now: tt.clock})
	require.NoError(t, err)
	require.NoError(t, tt.text(t, "CALL"))
	require.NoError(t, tt.text(t, "ana@example.org"))
	c, err := tt.store.GetConversation(ctx, "sms", phone, tt.clock())
	require.NoError(t, err)
	assert.NotContains(t, string(c.State), "ana@example.org", "personal data is sealed at rest")
	said := tt.said(t)
	require.Len(t, said, 2)
	assert.Contains(t, said[1], "ana@example.org", "the summary, opened again, shows the person their own answer")
	require.NoError(t, tt.text(t, "YES"))
	cases := tt.cases(t)
	require.Len(t, cases, 1)
	assert.NotContains(t, string(cases[0].Data), "ana@example.org", "the case keeps it sealed too")
	vals, err := form.Open(mustMap(t, cases[0].Data), ring)
	require.NoError(t, err)
	assert.Equal(t, "ana@example.org", vals["email"])
}

func mustMap(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m
}
