package twilio_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/adaptertest"
	"github.com/civickit/civickit/adapters/twilio"
)

var _ adapters.Channel = (*twilio.Channel)(nil)

// newChannel returns a channel sending through a new fake Twilio, with
// cfg's fields (if any) over the defaults.
func newChannel(t *testing.T, edit func(c *twilio.Config, f *fakeTwilio)) (*twilio.Channel, *fakeTwilio) {
	t.Helper()
	f := newFakeTwilio(t)
	cfg := &twilio.Config{AccountSID: testAccount, AuthToken: testToken, MessagingServiceSID: testService,
		BaseURL: f.srv.URL, DefaultRegion: "US"}
	if edit != nil {
		edit(cfg, f)
	}
	ch, err := twilio.New(cfg)
	require.NoError(t, err)
	return ch, f
}

func TestChannelConformance(t *testing.T) {
	var fakes sync.Map // *twilio.Channel → *fakeTwilio
	fake := func(ch adapters.Channel) *fakeTwilio {
		f, _ := fakes.Load(ch)
		return f.(*fakeTwilio)
	}
	adaptertest.RunChannelTests(t, func(t *testing.T) adapters.Channel {
		ch, f := newChannel(t, nil)
		fakes.Store(ch, f)
		return ch
	}, adaptertest.ChannelFeatures{
		Outgoing: func(i int) adapters.Outgoing {
			id := fmt.Sprintf("msg-%d", i)
			return adapters.Outgoing{MessageID: id, IdempotencyKey: "key-" + id, CaseID: "case-1",
				To: fmt.Sprintf("+1202555%04d", 1000+i), Locale: "en", Text: "We fixed the pothole you reported."}
		},
		Deliveries: func(t *testing.T, ch adapters.Channel) int { return len(fake(ch).messages()) },
		Dedupes:    true,
		Keys:       func(t *testing.T, ch adapters.Channel) []string { return fake(ch).seenKeys() },
		Fail: func(t *testing.T, ch adapters.Channel, permanent bool) func() {
			if permanent {
				return fake(ch).set(twilioError(400, 21211, "Invalid 'To' Phone Number"))
			}
			return fake(ch).set(twilioError(503, 20503, "Service Unavailable"))
		},
		Hang: func(t *testing.T, ch adapters.Channel) func() { return fake(ch).set(fakeMode{hang: true}) },
	})
}

func TestSendRequestIsWhatTwilioExpects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(c *twilio.Config, f *fakeTwilio)
	}{
		{"MessagingServiceAndAuthToken", nil},
		{"FromNumberWithStatusCallback", func(c *twilio.Config, f *fakeTwilio) {
			c.MessagingServiceSID, c.From = "", "+12025550100"
			c.StatusCallback = "https://city.example.org/twilio/status"
			f.service, f.from, f.statusCallback = "", "+12025550100", c.StatusCallback
		}},
		{"APIKey", func(c *twilio.Config, f *fakeTwilio) {
			c.AuthToken, c.APIKeySID, c.APIKeySecret = "", testKeySID, testSecret
			f.user, f.pass = testKeySID, testSecret
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ch, f := newChannel(t, tc.edit)
			text := "Ya arreglamos el bache 🚧 en la calle Peña & 5ª: gracias. ¿Preguntas? Responde aquí."
			sent, err := ch.Send(context.Background(), adapters.Outgoing{MessageID: "m1", IdempotencyKey: "k-1",
				To: "(202) 555-0143", Text: text})
			require.NoError(t, err)
			got := f.messages()
			require.Len(t, got, 1, "one message reaches Twilio")
			assert.Equal(t, "+12025550143", got[0].To, "a national number is sent in E.164 form")
			assert.Equal(t, text, got[0].Body, "a non-ASCII text arrives byte for byte")
			assert.Equal(t, "k-1", got[0].Key, "the idempotency key travels in Twilio's header")
			assert.Equal(t, got[0].SID, sent.ProviderID, "the provider id is Twilio's sid")
			assert.Regexp(t, sidPattern, sent.ProviderID)
			assert.False(t, sent.Delivered, "delivery is learnt later from a status callback")
		})
	}
}

func TestSendClassifiesTwilioAnswers(t *testing.T) {
	t.Parallel()
	const (
		temporary = iota
		permanent
		optedOut
	)
	tests := []struct {
		name string
		mode fakeMode
		want int
		code string
	}{
		{"UnsubscribedRecipientIsOptedOut", twilioError(400, 21610, "Attempt to send to unsubscribed recipient"), optedOut, "21610"},
		{"InvalidToNumberIsPermanent", twilioError(400, 21211, "Invalid 'To' Phone Number"), permanent, "21211"},
		{"NotAMobileNumberIsPermanent", twilioError(400, 21614, "'To' number is not a valid mobile number"), permanent, "21614"},
		{"RegionNotEnabledIsPermanent", twilioError(400, 21408, "Permission to send an SMS has not been enabled for the region"), permanent, "21408"},
		{"OtherClientErrorIsPermanentWithItsCode", twilioError(400, 21602, "Message body is required"), permanent, "21602"},
		{"NotFoundIsPermanent", twilioError(404, 20404, "The requested resource was not found"), permanent, "20404"},
		{"TooManyRequestsIsTemporary", twilioError(429, 20429, "Too Many Requests"), temporary, "20429"},
		{"ServerErrorIsTemporary", twilioError(500, 20500, "Internal Server Error"), temporary, "20500"},
		{"UnavailableIsTemporary", twilioError(503, 20503, "Service Unavailable"), temporary, "20503"},
		{"RefusedCredentialIsTemporary", twilioError(401, 20003, "Authenticate"), temporary, "20003"},
		{"ForbiddenIsTemporary", fakeMode{status: 403, body: `{"code": 20403, "message": "Forbidden", "status": 403}`}, temporary, "20403"},
		{"BadGatewayPageIsTemporary", fakeMode{status: 502, body: "<html><body>502 Bad Gateway</body></html>"}, temporary, ""},
		{"GarbageClientErrorIsPermanentWithTheStatus", fakeMode{status: 400, body: "{not json"}, permanent, "400"},
		{"GarbageSuccessIsTemporary", fakeMode{status: 201, body: "{\"sid\": "}, temporary, ""},
		{"SuccessWithoutSidIsTemporary", fakeMode{status: 201, body: `{"status": "queued"}`}, temporary, ""},
		{"FailedAtOnceIsClassifiedByItsCode", fakeMode{status: 201, body: `{"sid": "SM` + strings.Repeat("0", 32) + `", "status": "failed", "error_code": 21610}`}, optedOut, "21610"},
		{"ConnectionClosedIsTemporary", fakeMode{close: true}, temporary, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ch, f := newChannel(t, nil)
			f.set(tc.mode)
			_, err := ch.Send(context.Background(), adapters.Outgoing{MessageID: "m1", IdempotencyKey: "k1", To: "+12025550142", Text: "Hello"})
			require.Error(t, err)
			assert.Equal(t, tc.want == optedOut, adapters.IsOptedOut(err), "opted out: %v", err)
			assert.Equal(t, tc.want != temporary, adapters.IsPermanent(err), "permanent: %v", err)
			var se *adapters.SendError
			if tc.code != "" {
				require.ErrorAs(t, err, &se)
				assert.Equal(t, tc.code, se.Code)
			}
			assert.Empty(t, f.messages(), "nothing is delivered")
			assert.NotContains(t, err.Error(), "5550142", "errors do not carry the number")
		})
	}
}

func TestSendGivesUpWhenTwilioNeverAnswers(t *testing.T) {
	t.Parallel()
	ch, f := newChannel(t, nil)
	defer f.set(fakeMode{hang: true})()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := ch.Send(ctx, adapters.Outgoing{MessageID: "m1", IdempotencyKey: "k1", To: "+12025550142", Text: "Hello"})
	require.Error(t, err)
	assert.False(t, adapters.IsPermanent(err), "a timeout is temporary")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestSendRefusesBeforeCallingTwilio(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, to, text string
	}{
		{"NotANumber", "call me", "Hello"},
		{"TooShort", "12", "Hello"},
		{"UnassignedAreaCode", "+15555550142", "Hello"},
		{"NationalNumberOfAnotherRegion", "020 7946 0000", "Hello"},
		{"EmptyText", "+12025550142", "  "},
		{"InvalidUTF8", "+12025550142", "caf\xe9"},
		{"ElevenGSMSegments", "+12025550142", strings.Repeat("a", 153*10+1)},
		{"ElevenUCS2Segments", "+12025550142", strings.Repeat("ñ", 10) + strings.Repeat("日", 67*10-9)},
		{"AboveTwilioLimit", "+12025550142", strings.Repeat("a", 1601)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ch, f := newChannel(t, nil)
			_, err := ch.Send(context.Background(), adapters.Outgoing{MessageID: "m1", IdempotencyKey: "k1", To: tc.to, Text: tc.text})
			require.Error(t, err)
			assert.True(t, adapters.IsPermanent(err), "refused input is permanent: %v", err)
			assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
			assert.Zero(t, f.requestCount(), "Twilio is not called")
		})
	}
}

func TestSendAcceptsUpToMaxSegments(t *testing.T) {
	t.Parallel()
	ch, f := newChannel(t, func(c *twilio.Config, _ *fakeTwilio) { c.MaxSegments = 2 })
	ctx := context.Background()
	_, err := ch.Send(ctx, adapters.Outgoing{MessageID: "m1", IdempotencyKey: "k1", To: "+12025550142", Text: strings.Repeat("a", 306)})
	require.NoError(t, err, "two full segments are allowed")
	_, err = ch.Send(ctx, adapters.Outgoing{MessageID: "m2", IdempotencyKey: "k2", To: "+12025550142", Text: strings.Repeat("a", 307)})
	assert.True(t, adapters.IsPermanent(err), "a third segment is refused")
	assert.Len(t, f.messages(), 1)
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	valid := func() twilio.Config {
		return twilio.Config{AccountSID: testAccount, AuthToken: testToken, MessagingServiceSID: testService}
	}
	tests := []struct {
		name string
		edit func(c *twilio.Config)
		want string // "" for valid
	}{
		{"Valid", func(c *twilio.Config) {}, ""},
		{"ValidWithAPIKeyAndFrom", func(c *twilio.Config) {
			c.AuthToken, c.APIKeySID, c.APIKeySecret, c.MessagingServiceSID, c.From = "", testKeySID, testSecret, "", "CityHall"
		}, ""},
		{"BadAccount", func(c *twilio.Config) { c.AccountSID = "AC123" }, "AccountSID"},
		{"NoCredential", func(c *twilio.Config) { c.AuthToken = "" }, "no credential"},
		{"BothCredentials", func(c *twilio.Config) { c.APIKeySID, c.APIKeySecret = testKeySID, testSecret }, "not both"},
		{"BadKeySID", func(c *twilio.Config) { c.AuthToken, c.APIKeySID, c.APIKeySecret = "", "SK1", testSecret }, "APIKeySID"},
		{"KeyWithoutSecret", func(c *twilio.Config) { c.AuthToken, c.APIKeySID = "", testKeySID }, "APIKeySecret"},
		{"NoSender", func(c *twilio.Config) { c.MessagingServiceSID = "" }, "exactly one"},
		{"TwoSenders", func(c *twilio.Config) { c.From = "+12025550100" }, "exactly one"},
		{"BadService", func(c *twilio.Config) { c.MessagingServiceSID = "MGxyz" }, "MessagingServiceSID"},
		{"BadFrom", func(c *twilio.Config) { c.MessagingServiceSID, c.From = "", "City Hall Services" }, "From"},
		{"RelativeCallback", func(c *twilio.Config) { c.StatusCallback = "/twilio/status" }, "StatusCallback"},
		{"BadBaseURL", func(c *twilio.Config) { c.BaseURL = "ftp://api.twilio.com" }, "BaseURL"},
		{"UnknownRegion", func(c *twilio.Config) { c.DefaultRegion = "XX" }, "DefaultRegion"},
		{"TooManySegments", func(c *twilio.Config) { c.MaxSegments = 25 }, "MaxSegments"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := valid()
			tc.edit(&c)
			err := c.Validate()
			if tc.want == "" {
				require.NoError(t, err)
				_, err = twilio.New(&c)
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, adapters.ErrInvalidArgument)
			assert.ErrorContains(t, err, tc.want)
			_, err = twilio.New(&c)
			assert.Error(t, err, "New refuses what Validate refuses")
		})
	}
	var nilCfg *twilio.Config
	assert.ErrorIs(t, nilCfg.Validate(), adapters.ErrInvalidArgument)
	err := (&twilio.Config{}).Validate()
	assert.GreaterOrEqual(t, strings.Count(err.Error(), "\n"), 2, "every problem is reported at once: %v", err)
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	ch, _ := newChannel(t, nil)
	for in, want := range map[string]string{
		"+1 202-555-0142": "+12025550142", "(202) 555-0142": "+12025550142", "+44 20 7946 0000": "+442079460000",
	} {
		got, err := ch.Normalize(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := ch.Normalize(strings.Repeat("1", 65))
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
	assert.False(t, errors.Is(err, adapters.ErrNotFound))
}
