package webhook_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/webhook"
)

// The example the Standard Webhooks reference libraries (Go, JavaScript,
// Python) all test their signing against.
const (
	specSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = 1614265330
	specPayload   = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

var specTime = time.Unix(specTimestamp, 0)

func specHeaders(id string, ts int64, sig string) http.Header {
	h := http.Header{}
	h.Set(webhook.HeaderID, id)
	h.Set(webhook.HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(webhook.HeaderSignature, sig)
	return h
}

func verifierAt(t testing.TB, now time.Time, secrets ...string) *webhook.Verifier {
	t.Helper()
	v, err := webhook.NewVerifier(secrets...)
	require.NoError(t, err)
	v.Now = func() time.Time { return now }
	return v
}

func mustSecret(t testing.TB, s string) webhook.Secret {
	t.Helper()
	sec, err := webhook.ParseSecret(s)
	require.NoError(t, err)
	return sec
}

func TestSignMatchesTheSpecificationsExample(t *testing.T) {
	t.Parallel()
	sig := webhook.Sign(mustSecret(t, specSecret), specID, specTime, []byte(specPayload))
	assert.Equal(t, specSignature, sig)
	assert.Equal(t, specSignature, webhook.Sign(mustSecret(t, specSecret), specID, specTime.Add(999*time.Millisecond), []byte(specPayload)),
		"the timestamp is signed in whole seconds")
}

func TestVerifyAcceptsTheSpecificationsExample(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{specSecret, strings.TrimPrefix(specSecret, webhook.SecretPrefix)} {
		v := verifierAt(t, specTime, secret)
		require.NoError(t, v.Verify(specHeaders(specID, specTimestamp, specSignature), []byte(specPayload)), "secret %q", secret)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	body := []byte(specPayload)
	valid := specSignature
	bad := "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
	tol := webhook.DefaultTolerance
	tests := []struct {
		name    string
		headers http.Header
		body    []byte
		now     time.Time
		want    error
	}{
		{name: "valid", headers: specHeaders(specID, specTimestamp, valid), body: body},
		{name: "tampered body", headers: specHeaders(specID, specTimestamp, valid), body: []byte(`{"test": 2432232315}`), want: webhook.ErrSignature},
		{name: "body with a trailing newline", headers: specHeaders(specID, specTimestamp, valid), body: []byte(specPayload + "\n"), want: webhook.ErrSignature},
		{name: "tampered id", headers: specHeaders(specID+"x", specTimestamp, valid), body: body, want: webhook.ErrSignature},
		{name: "tampered timestamp within tolerance", headers: specHeaders(specID, specTimestamp+1, valid), body: body, want: webhook.ErrSignature},
		{name: "id and timestamp boundary moved", headers: specHeaders(specID+".1614265330", specTimestamp, valid), body: body, want: webhook.ErrSignature},
		{name: "old timestamp", headers: specHeaders(specID, specTimestamp, valid), body: body, now: specTime.Add(tol + time.Second), want: webhook.ErrTimestamp},
		{name: "future timestamp", headers: specHeaders(specID, specTimestamp, valid), body: body, now: specTime.Add(-tol - time.Second), want: webhook.ErrTimestamp},
		{name: "old timestamp at the tolerance", headers: specHeaders(specID, specTimestamp, valid), body: body, now: specTime.Add(tol)},
		{name: "future timestamp at the tolerance", headers: specHeaders(specID, specTimestamp, valid), body: body, now: specTime.Add(-tol)},
		{name: "valid among several", headers: specHeaders(specID, specTimestamp, strings.Join([]string{bad, "v2," + bad[3:], valid, bad}, " ")), body: body},
		{name: "valid among several with extra spaces", headers: specHeaders(specID, specTimestamp, "  "+bad+"   "+valid+" "), body: body},
		{name: "valid in a second header line", headers: func() http.Header {
			h := specHeaders(specID, specTimestamp, bad)
			h.Add(webhook.HeaderSignature, valid)
			return h
		}(), body: body},
		{name: "only unknown versions", headers: specHeaders(specID, specTimestamp, "v1a,"+valid[3:]+" v2,"+valid[3:]), body: body, want: webhook.ErrSignature},
		{name: "wrong signature", headers: specHeaders(specID, specTimestamp, bad), body: body, want: webhook.ErrSignature},
		{name: "valid signature in the wrong version", headers: specHeaders(specID, specTimestamp, "v2"+valid[2:]), body: body, want: webhook.ErrSignature},
		{name: "empty signature", headers: specHeaders(specID, specTimestamp, "v1,"), body: body, want: webhook.ErrSignature},
		{name: "short signature", headers: specHeaders(specID, specTimestamp, "v1,dawfeoifkpqwoekfpqoekf"), body: body, want: webhook.ErrSignature},
		{name: "truncated signature", headers: specHeaders(specID, specTimestamp, valid[:8]), body: body, want: webhook.ErrSignature},
		{name: "signature without version", headers: specHeaders(specID, specTimestamp, valid[3:]), body: body, want: webhook.ErrSignature},
		{name: "signature not base64", headers: specHeaders(specID, specTimestamp, "v1,"+strings.Repeat("!", 44)), body: body, want: webhook.ErrSignature},
		{name: "signature header too long", headers: specHeaders(specID, specTimestamp, strings.Repeat(bad+" ", 100)+valid), body: body, want: webhook.ErrSignature},
		{name: "timestamp not a number", headers: func() http.Header {
			h := specHeaders(specID, specTimestamp, valid)
			h.Set(webhook.HeaderTimestamp, "hello")
			return h
		}(), body: body, want: webhook.ErrTimestamp},
		{name: "timestamp with a sign", headers: func() http.Header {
			h := specHeaders(specID, specTimestamp, valid)
			h.Set(webhook.HeaderTimestamp, "+1614265330")
			return h
		}(), body: body, want: webhook.ErrTimestamp},
		{name: "timestamp in milliseconds", headers: specHeaders(specID, specTimestamp*1000, valid), body: body, want: webhook.ErrTimestamp},
		{name: "timestamp overflows", headers: func() http.Header {
			h := specHeaders(specID, specTimestamp, valid)
			h.Set(webhook.HeaderTimestamp, "9999999999999999999")
			return h
		}(), body: body, want: webhook.ErrTimestamp},
		{name: "missing id", headers: func() http.Header {
			h := specHeaders(specID, specTimestamp, valid)
			h.Del(webhook.HeaderID)
			return h
		}(), body: body, want: webhook.ErrMissingHeaders},
		{name: "missing timestamp", headers: func() http.Header {
			h := specHeaders(specID, specTimestamp, valid)
			h.Del(webhook.HeaderTimestamp)
			return h
		}(), body: body, want: webhook.ErrMissingHeaders},
		{name: "missing signature", headers: func() http.Header {
			h := specHeaders(specID, specTimestamp, valid)
			h.Del(webhook.HeaderSignature)
			return h
		}(), body: body, want: webhook.ErrMissingHeaders},
		{name: "id too long", headers: specHeaders(strings.Repeat("a", webhook.MaxIDLen+1), specTimestamp, valid), body: body, want: webhook.ErrMissingHeaders},
		{name: "no headers", headers: http.Header{}, body: body, want: webhook.ErrMissingHeaders},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			now := tc.now
			if now.IsZero() {
				now = specTime
			}
			err := verifierAt(t, now, specSecret).Verify(tc.headers, tc.body)
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.want)
		})
	}
}

func TestVerifyHonoursAConfiguredTolerance(t *testing.T) {
	t.Parallel()
	h := specHeaders(specID, specTimestamp, specSignature)
	v := verifierAt(t, specTime.Add(90*time.Second), specSecret)
	require.NoError(t, v.Verify(h, []byte(specPayload)), "within the default 5 minutes")
	v.Tolerance = time.Minute
	require.ErrorIs(t, v.Verify(h, []byte(specPayload)), webhook.ErrTimestamp, "outside a tolerance of one minute")
}

func TestVerifyDuringARotation(t *testing.T) {
	t.Parallel()
	oldS, newS, other := webhook.NewSecret(), webhook.NewSecret(), webhook.NewSecret()
	body := []byte(`{"type":"civickit.message"}`)
	both := webhook.Sign(newS, "k1", specTime, body) + " " + webhook.Sign(oldS, "k1", specTime, body)
	onlyOld := webhook.Sign(oldS, "k1", specTime, body)
	tests := []struct {
		name     string
		secrets  []string
		sig      string
		verifies bool
	}{
		{"receiver still on the old secret", []string{oldS.Text()}, both, true},
		{"receiver already on the new secret", []string{newS.Text()}, both, true},
		{"receiver holding both, sender still on the old", []string{newS.Text(), oldS.Text()}, onlyOld, true},
		{"receiver on the new secret, sender on the old", []string{newS.Text()}, onlyOld, false},
		{"receiver with an unrelated secret", []string{other.Text()}, both, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := verifierAt(t, specTime, tc.secrets...).Verify(specHeaders("k1", specTimestamp, tc.sig), body)
			if tc.verifies {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, webhook.ErrSignature)
			}
		})
	}
}

func TestParseSecret(t *testing.T) {
	t.Parallel()
	b64 := func(n int) string { return webhook.SecretPrefix + strings.Repeat("QUJD", n/3) } // "ABC" per 4 characters
	tests := []struct {
		name, secret string
		ok           bool
	}{
		{"spec example", specSecret, true},
		{"without prefix", strings.TrimPrefix(specSecret, webhook.SecretPrefix), true},
		{"24 bytes", b64(24), true},
		{"63 bytes", b64(63), true},
		{"21 bytes", b64(21), false},
		{"66 bytes", b64(66), false},
		{"empty", "", false},
		{"prefix only", webhook.SecretPrefix, false},
		{"not base64", webhook.SecretPrefix + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!", false},
		{"url-safe base64", webhook.SecretPrefix + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa_-", false},
		{"huge", webhook.SecretPrefix + strings.Repeat("A", 1<<20), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := webhook.ParseSecret(tc.secret)
			if tc.ok {
				require.NoError(t, err)
				assert.Equal(t, webhook.SecretPrefix+strings.TrimPrefix(tc.secret, webhook.SecretPrefix), s.Text())
				return
			}
			require.ErrorIs(t, err, adapters.ErrInvalidArgument)
			if len(tc.secret) > len(webhook.SecretPrefix)+4 {
				assert.NotContains(t, err.Error(), tc.secret[len(webhook.SecretPrefix):], "an error never repeats the secret")
			}
		})
	}
}

func TestNewSecretRoundTripsAndPrintsRedacted(t *testing.T) {
	t.Parallel()
	s := webhook.NewSecret()
	text := s.Text()
	require.True(t, strings.HasPrefix(text, webhook.SecretPrefix))
	back, err := webhook.ParseSecret(text)
	require.NoError(t, err)
	assert.Equal(t, text, back.Text())
	assert.NotEqual(t, text, webhook.NewSecret().Text(), "secrets are random")
	for _, f := range []string{"%v", "%s", "%+v", "%#v"} {
		out := fmt.Sprintf(f, s)
		assert.NotContains(t, out, text[len(webhook.SecretPrefix):], "format %s", f)
		assert.Contains(t, out, "redacted", "format %s", f)
	}
}

func TestNewVerifierRefusesBadSecrets(t *testing.T) {
	t.Parallel()
	_, err := webhook.NewVerifier()
	require.ErrorIs(t, err, adapters.ErrInvalidArgument, "no secret")
	_, err = webhook.NewVerifier(specSecret, "whsec_short")
	require.ErrorIs(t, err, adapters.ErrInvalidArgument, "one bad secret")
	assert.Contains(t, err.Error(), "secret 1")
	many := make([]string, webhook.MaxSecrets+1)
	for i := range many {
		many[i] = specSecret
	}
	_, err = webhook.NewVerifier(many...)
	require.ErrorIs(t, err, adapters.ErrInvalidArgument, "too many secrets")
}

func TestMiddleware(t *testing.T) {
	t.Parallel()
	var got []byte
	calls := 0
	v := verifierAt(t, specTime, specSecret)
	v.MaxBody = 64
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		got, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	post := func(hdr http.Header, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(body))
		for k, vs := range hdr {
			r.Header[k] = vs
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	w := post(specHeaders(specID, specTimestamp, specSignature), specPayload)
	assert.Equal(t, http.StatusNoContent, w.Code)
	assert.Equal(t, specPayload, string(got), "the handler reads the verified body")

	w = post(specHeaders(specID, specTimestamp, specSignature), `{"test": 1}`)
	assert.Equal(t, http.StatusUnauthorized, w.Code, "a body that does not verify")
	w = post(http.Header{}, specPayload)
	assert.Equal(t, http.StatusUnauthorized, w.Code, "no headers")
	w = post(specHeaders(specID, specTimestamp, specSignature), strings.Repeat("x", 65))
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code, "a body over MaxBody")
	assert.Equal(t, 1, calls, "only the verified request reaches the handler")
}

func FuzzVerify(f *testing.F) {
	f.Add(specID, strconv.Itoa(specTimestamp), specSignature, []byte(specPayload))
	f.Add(specID, strconv.Itoa(specTimestamp), "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= "+specSignature, []byte(specPayload))
	f.Add("", "", "", []byte{})
	f.Add(specID, "hello", "v1,", []byte("{}"))
	f.Add(specID, "-1", "v1a,abc v2,"+specSignature[3:], []byte(nil))
	f.Add(specID+".1", "99999999999999999999", ",,, v1,=", []byte("\x00"))
	secret := mustSecret(f, specSecret)
	v := verifierAt(f, specTime, specSecret)
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		h := http.Header{}
		h[http.CanonicalHeaderKey(webhook.HeaderID)] = []string{id}
		h[http.CanonicalHeaderKey(webhook.HeaderTimestamp)] = []string{ts}
		h[http.CanonicalHeaderKey(webhook.HeaderSignature)] = []string{sig}
		if err := v.Verify(h, body); err == nil {
			// Whatever verifies carries the signature this secret makes.
			sec, perr := strconv.ParseInt(ts, 10, 64)
			if perr != nil || !strings.Contains(sig, webhook.Sign(secret, id, time.Unix(sec, 0), body)) {
				t.Fatalf("verified a request without a valid signature: id %q ts %q sig %q", id, ts, sig)
			}
		}
	})
}

func BenchmarkVerifyWebhook(b *testing.B) {
	body := bytes.Repeat([]byte("a"), 1024)
	now := time.Unix(specTimestamp, 0)
	h := specHeaders(specID, specTimestamp, webhook.Sign(mustSecret(b, specSecret), specID, now, body))
	v := verifierAt(b, now, specSecret)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Verify(h, body); err != nil {
			b.Fatal(err)
		}
	}
}
