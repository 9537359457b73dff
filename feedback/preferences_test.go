package feedback_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/feedback"
)

var at = time.Date(2026, 5, 1, 14, 30, 0, 0, time.UTC)

const number = "+15555550100"

func newPreferences(t *testing.T, cfg *feedback.PreferencesConfig) (*feedback.Preferences, *memory.Store) {
	t.Helper()
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	if cfg == nil {
		cfg = &feedback.PreferencesConfig{}
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return at }
	}
	p, err := feedback.NewPreferences(store, cfg)
	require.NoError(t, err)
	return p, store
}

func reach(t *testing.T, store adapters.PeopleStore, channel, address string) adapters.Reach {
	t.Helper()
	r, err := store.Reach(context.Background(), channel, []string{address})
	require.NoError(t, err)
	return r[address]
}

func TestNewPreferencesRefusesBadArguments(t *testing.T) {
	t.Parallel()
	_, err := feedback.NewPreferences(nil, nil)
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	_, err = feedback.NewPreferences(memory.New(), &feedback.PreferencesConfig{SkipConfirmation: []string{"SMS!"}})
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
}

func TestHandleWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		text        string
		want        feedback.OptWords
		changed     bool
		out         bool
		via         string
		template    string
		startOptOut bool
	}{
		{name: "stop keyword", text: "STOP", want: feedback.OptOut, changed: true, out: true, via: feedback.ViaKeyword, template: feedback.OptOutTemplate},
		{name: "free text", text: "please stop texting me", want: feedback.OptOut, changed: true, out: true, via: feedback.ViaReply, template: feedback.OptOutTemplate},
		{name: "repeated stop", text: "stop", want: feedback.OptOut, out: true, startOptOut: true},
		{name: "start after stop", text: "START", want: feedback.OptIn, changed: true, via: feedback.ViaKeyword, template: feedback.OptInTemplate, startOptOut: true},
		{name: "start when not out", text: "START", want: feedback.OptIn},
		{name: "help", text: "HELP", want: feedback.OptHelp},
		{name: "help when out", text: "AYUDA", want: feedback.OptHelp, out: true, startOptOut: true},
		{name: "yes", text: "YES", want: feedback.OptNone},
		{name: "sentence", text: "the stop sign is down", want: feedback.OptNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, store := newPreferences(t, nil)
			ctx := context.Background()
			if tt.startOptOut {
				_, err := p.OptOut(ctx, feedback.OptRequest{Channel: "sms", Address: number, At: at.Add(-time.Hour)})
				require.NoError(t, err)
			}
			before, err := store.ListOptOutChanges(ctx, "sms", number)
			require.NoError(t, err)
			got, changed, err := p.HandleWords(ctx, "sms", number, tt.text, at)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.changed, changed)
			assert.Equal(t, tt.out, reach(t, store, "sms", number).OptedOut)
			hist, err := store.ListOptOutChanges(ctx, "sms", number)
			require.NoError(t, err)
			if !tt.changed {
				assert.Len(t, hist, len(before), "nothing is recorded")
				return
			}
			require.Len(t, hist, len(before)+1)
			last := hist[len(hist)-1]
			assert.Equal(t, tt.via, last.Via)
			assert.Equal(t, tt.text, last.Words)
			m, err := store.GetMessage(ctx, last.Confirmation.ID)
			require.NoError(t, err, "the change wrote its confirmation")
			assert.Equal(t, tt.template, m.Template)
			assert.Equal(t, "sms:"+number, m.Recipient, "the confirmation goes to the address itself")
			assert.Equal(t, "sms", m.Channel)
			var data feedback.OptChangeData
			require.NoError(t, json.Unmarshal(m.Data, &data))
			assert.Equal(t, feedback.OptChangeData{Channel: "sms", Out: tt.out, Via: tt.via}, data)
			if tt.out {
				assert.Equal(t, m.ID, reach(t, store, "sms", number).ConfirmationID)
			}
		})
	}
}

func TestHandleWordsRefusesABadNumber(t *testing.T) {
	t.Parallel()
	p, store := newPreferences(t, nil)
	got, changed, err := p.HandleWords(context.Background(), "sms", "555-0100", "STOP", at)
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	assert.Equal(t, feedback.OptOut, got)
	assert.False(t, changed)
	assert.NotContains(t, err.Error(), "555-0100", "errors never quote an address")
	assert.False(t, reach(t, store, "sms", "555-0100").OptedOut)
}

func TestOptOutConfirmationIsIdempotentAndLocalized(t *testing.T) {
	t.Parallel()
	p, store := newPreferences(t, nil)
	ctx := context.Background()
	require.NoError(t, p.SavePreferences(ctx, adapters.Person{ID: "r1", Locale: "es", Addresses: map[string]string{"sms": number}}))
	changed, err := p.OptOut(ctx, feedback.OptRequest{Channel: "sms", Address: number})
	require.NoError(t, err)
	assert.True(t, changed)
	r := reach(t, store, "sms", number)
	assert.Equal(t, at, r.OptedOutAt, "a zero time means now")
	m, err := store.GetMessage(ctx, r.ConfirmationID)
	require.NoError(t, err)
	assert.Equal(t, "es", m.Locale, "the confirmation speaks the person's language")
	assert.NotContains(t, m.IdempotencyKey, number, "the key does not carry the address")
	hist, err := store.ListOptOutChanges(ctx, "sms", number)
	require.NoError(t, err)
	require.Len(t, hist, 1)
	assert.Equal(t, feedback.ViaAPI, hist[0].Via)

	changed, err = p.OptOut(ctx, feedback.OptRequest{Channel: "sms", Address: number, At: at.Add(time.Minute)})
	require.NoError(t, err)
	assert.False(t, changed, "a second opt-out changes nothing")
}

func TestSkipConfirmation(t *testing.T) {
	t.Parallel()
	p, store := newPreferences(t, &feedback.PreferencesConfig{SkipConfirmation: []string{"email"}})
	changed, err := p.OptOut(context.Background(), feedback.OptRequest{Channel: "email", Address: "r@example.org", Via: feedback.ViaLink})
	require.NoError(t, err)
	assert.True(t, changed)
	r := reach(t, store, "email", "r@example.org")
	assert.True(t, r.OptedOut)
	assert.Empty(t, r.ConfirmationID, "a skipped channel gets no confirmation")
}

func TestRecordConsent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		consent adapters.Consent
		ok      bool
	}{
		{"sms with words", adapters.Consent{Channel: "sms", Address: number, Via: "web", Words: "Text me updates. Reply STOP to stop."}, true},
		{"sms without words", adapters.Consent{Channel: "sms", Address: number, Via: "web", Words: "  "}, false},
		{"sms not e164", adapters.Consent{Channel: "sms", Address: "5555550100", Via: "web", Words: "ok"}, false},
		{"email without words", adapters.Consent{Channel: "email", Address: "r@example.org", Via: "web"}, true},
		{"email with a name", adapters.Consent{Channel: "email", Address: "R <r@example.org>", Via: "web"}, false},
		{"no via", adapters.Consent{Channel: "email", Address: "r@example.org"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, store := newPreferences(t, nil)
			err := p.RecordConsent(context.Background(), tt.consent)
			if !tt.ok {
				require.ErrorIs(t, err, adapters.ErrInvalidArgument)
				assert.False(t, reach(t, store, tt.consent.Channel, tt.consent.Address).Consented, "nothing is written")
				return
			}
			require.NoError(t, err)
			assert.True(t, reach(t, store, tt.consent.Channel, tt.consent.Address).Consented)
		})
	}
}

func TestSavePreferences(t *testing.T) {
	t.Parallel()
	good := func() adapters.Person {
		return adapters.Person{
			ID: "r1", Locale: "es-us", TimeZone: "America/Chicago", Channels: []string{"sms", "email"},
			Addresses: map[string]string{"sms": number, "email": "r@example.org"}, QuietStart: 21 * 60, QuietEnd: 8 * 60,
		}
	}
	tests := []struct {
		name   string
		change func(p *adapters.Person)
		ok     bool
	}{
		{"good", func(*adapters.Person) {}, true},
		{"no preferences", func(p *adapters.Person) { *p = adapters.Person{ID: "r1"} }, true},
		{"vendor channel", func(p *adapters.Person) { p.Channels = append(p.Channels, "push-app") }, true},
		{"repeated channel", func(p *adapters.Person) { p.Channels = []string{"sms", "sms"} }, false},
		{"empty channel", func(p *adapters.Person) { p.Channels = []string{""} }, false},
		{"channel with spaces", func(p *adapters.Person) { p.Channels = []string{"s m s"} }, false},
		{"bad time zone", func(p *adapters.Person) { p.TimeZone = "Mars/Olympus" }, false},
		{"path time zone", func(p *adapters.Person) { p.TimeZone = "../../etc/passwd" }, false},
		{"local time zone", func(p *adapters.Person) { p.TimeZone = "Local" }, false},
		{"bad locale", func(p *adapters.Person) { p.Locale = "not a tag!" }, false},
		{"bad number", func(p *adapters.Person) { p.Addresses["sms"] = "555" }, false},
		{"bad email", func(p *adapters.Person) { p.Addresses["email"] = "nobody" }, false},
		{"quiet hours out of range", func(p *adapters.Person) { p.QuietEnd = 1440 }, false},
		{"no id", func(p *adapters.Person) { p.ID = "" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, store := newPreferences(t, nil)
			ctx := context.Background()
			person := good()
			tt.change(&person)
			err := p.SavePreferences(ctx, person)
			got, gerr := store.GetPeople(ctx, []string{"r1"})
			require.NoError(t, gerr)
			if !tt.ok {
				require.ErrorIs(t, err, adapters.ErrInvalidArgument)
				assert.Empty(t, got, "nothing is written")
				return
			}
			require.NoError(t, err)
			require.Contains(t, got, "r1")
			assert.Equal(t, at, got["r1"].UpdatedAt, "a zero UpdatedAt means now")
			if person.Locale != "" {
				assert.Equal(t, "es-US", got["r1"].Locale, "the locale is stored canonical")
			}
		})
	}
}
