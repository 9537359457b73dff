package twilio_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/twilio"
)

// Twilio's published example ("Webhooks security"): auth token 12345.
var (
	docToken  = "12345"
	docURL    = "https://mycompany.com/myapp.php?foo=1&bar=2"
	docParams = url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"},
		"From": {"+12349013030"}, "To": {"+18005551212"}}
	docSignature = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
)

// signFor is Twilio's algorithm written out plainly, to sign test
// requests independently of the code under test.
func signFor(token, u string, params url.Values) string {
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(u)
	for _, k := range names {
		vs := append([]string(nil), params[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			b.WriteString(k + v)
		}
	}
	m := hmac.New(sha1.New, []byte(token))
	m.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func TestValidateSignatureReproducesTwilioExample(t *testing.T) {
	t.Parallel()
	assert.Equal(t, docSignature, signFor(docToken, docURL, docParams), "the test's signer agrees with Twilio's docs")
	assert.True(t, twilio.ValidateSignature(docToken, docURL, docParams, docSignature))
	assert.Equal(t, docSignature, twilio.Sign(docToken, docURL, docParams), "Sign makes Twilio's published signature")
	many := url.Values{"B": {"2", "1"}, "A": {"x"}}
	assert.Equal(t, signFor(docToken, docURL, many), twilio.Sign(docToken, docURL, many), "repeated names are signed value by sorted value")
}

func TestValidateSignatureRefusesTampering(t *testing.T) {
	t.Parallel()
	changed := func(edit func(v url.Values)) url.Values {
		v := url.Values{}
		for k, vs := range docParams {
			v[k] = append([]string(nil), vs...)
		}
		edit(v)
		return v
	}
	tests := []struct {
		name, token, url, sig string
		params                url.Values
	}{
		{"OtherToken", "54321", docURL, docSignature, docParams},
		{"EmptyToken", "", docURL, docSignature, docParams},
		{"OtherURL", docToken, "https://mycompany.com/myapp.php?foo=1&bar=3", docSignature, docParams},
		{"OtherScheme", docToken, "http://mycompany.com/myapp.php?foo=1&bar=2", docSignature, docParams},
		{"ChangedValue", docToken, docURL, docSignature, changed(func(v url.Values) { v.Set("Digits", "1235") })},
		{"AddedParam", docToken, docURL, docSignature, changed(func(v url.Values) { v.Set("Body", "STOP") })},
		{"RemovedParam", docToken, docURL, docSignature, changed(func(v url.Values) { v.Del("To") })},
		{"MissingHeader", docToken, docURL, "", docParams},
		{"NotBase64", docToken, docURL, "not a signature at all!!!!!", docParams},
		{"Truncated", docToken, docURL, docSignature[:len(docSignature)-2], docParams},
		{"FlippedBit", docToken, docURL, "1/KCTR6DLpKmkAf8muzZqo1nDgQ=", docParams},
		{"UnpaddedOfTheSameLength", docToken, docURL, "0000000000000000000000000000", docParams},
		{"PaddingBitsSet", docToken, docURL, "0/KCTR6DLpKmkAf8muzZqo1nDgR=", docParams},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.False(t, twilio.ValidateSignature(tc.token, tc.url, tc.params, tc.sig))
		})
	}
}

func TestValidateSignatureTriesTheURLWithAndWithoutItsDefaultPort(t *testing.T) {
	t.Parallel()
	p := url.Values{"MessageSid": {"SM" + strings.Repeat("0", 32)}, "Body": {"hola"}}
	tests := []struct{ signed, checked string }{
		{"https://city.example.org:443/twilio/sms?x=1", "https://city.example.org/twilio/sms?x=1"},
		{"https://city.example.org/twilio/sms", "https://city.example.org:443/twilio/sms"},
		{"http://city.example.org:80/sms", "http://city.example.org/sms"},
		{"http://city.example.org/sms", "http://city.example.org:80/sms"},
		{"https://user:pw@city.example.org:443/sms", "https://user:pw@city.example.org/sms"},
		{"https://[2001:db8::1]:443/sms", "https://[2001:db8::1]/sms"},
		{"https://[2001:db8::1]/sms", "https://[2001:db8::1]:443/sms"},
	}
	for _, tc := range tests {
		assert.True(t, twilio.ValidateSignature("tok", tc.checked, p, signFor("tok", tc.signed, p)), "signed %s, checked %s", tc.signed, tc.checked)
	}
	assert.False(t, twilio.ValidateSignature("tok", "https://city.example.org/sms", p, signFor("tok", "https://city.example.org:8443/sms", p)),
		"another port is another URL")
	assert.False(t, twilio.ValidateSignature("tok", "https://city.example.org:443/sms", p, signFor("tok", "http://city.example.org:80/sms", p)),
		"the scheme's default port only")
}

func TestValidateSignatureSortsRepeatedValues(t *testing.T) {
	t.Parallel()
	p := url.Values{"MediaUrl": {"b", "a"}, "Body": {"x"}}
	sig := signFor("tok", "https://h/x", p)
	assert.True(t, twilio.ValidateSignature("tok", "https://h/x", p, sig))
	assert.True(t, twilio.ValidateSignature("tok", "https://h/x", url.Values{"MediaUrl": {"a", "b"}, "Body": {"x"}}, sig))
	assert.Equal(t, []string{"b", "a"}, p["MediaUrl"], "the caller's values are not reordered")
}

func TestValidateBodySignature(t *testing.T) {
	t.Parallel()
	body := []byte(`{"MessageSid":"SM` + strings.Repeat("1", 32) + `","MessageStatus":"delivered"}`)
	sum := sha256.Sum256(body)
	u := "https://city.example.org/twilio/status?bodySHA256=" + hex.EncodeToString(sum[:])
	sig := signFor("tok", u, nil)
	assert.True(t, twilio.ValidateBodySignature("tok", u, body, sig))
	assert.True(t, twilio.ValidateBodySignature("tok", strings.Replace(u, ".org/", ".org:443/", 1), body, sig), "port forms apply too")
	assert.False(t, twilio.ValidateBodySignature("tok", u, append(body, ' '), sig), "the body must hash to bodySHA256")
	assert.False(t, twilio.ValidateBodySignature("other", u, body, sig))
	plain := "https://city.example.org/twilio/status"
	assert.False(t, twilio.ValidateBodySignature("tok", plain, body, signFor("tok", plain, nil)), "a JSON body needs bodySHA256")
	bad := "https://city.example.org/twilio/status?bodySHA256=zz"
	assert.False(t, twilio.ValidateBodySignature("tok", bad, body, signFor("tok", bad, nil)))
}

func TestValidatorAcceptsEveryConfiguredToken(t *testing.T) {
	t.Parallel()
	v, err := twilio.NewValidator("new-token", docToken)
	require.NoError(t, err)
	assert.True(t, v.Valid(docURL, docParams, docSignature), "the secondary token still validates during a rotation")
	assert.True(t, v.Valid(docURL, docParams, signFor("new-token", docURL, docParams)))
	assert.False(t, v.Valid(docURL, docParams, signFor("retired", docURL, docParams)))

	for _, tokens := range [][]string{nil, {""}, {"a", ""}, {"a", "b", "c", "d", "e"}} {
		_, err := twilio.NewValidator(tokens...)
		assert.ErrorIs(t, err, adapters.ErrInvalidArgument, "%q", tokens)
	}
}

func FuzzValidateSignature(f *testing.F) {
	f.Add(docToken, docURL, "CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030&To=%2B18005551212", docSignature)
	f.Add("t", "https://[::1]:443/x?bodySHA256=00", "a=1&a=2", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	f.Add("t", "http://:80", "", "")
	f.Add("t", "://@:", "=&=", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
	f.Fuzz(func(t *testing.T, token, u, form, sig string) {
		params, err := url.ParseQuery(form)
		if err != nil {
			return
		}
		got := twilio.ValidateSignature(token, u, params, sig)
		if token != "" && got != (sig == signFor(token, u, params) || sig == signFor(token, otherForm(u), params)) {
			t.Fatalf("ValidateSignature(%q, %q, %q, %q) = %v, disagreeing with the plain algorithm", token, u, form, sig, got)
		}
		if want := signFor(token, u, params); token != "" && !twilio.ValidateSignature(token, u, params, want) {
			t.Fatalf("a signature made as Twilio does is refused: %q %q %q", token, u, form)
		}
		_ = twilio.ValidateBodySignature(token, u, []byte(form), sig)
	})
}

// otherForm is the URL with its default port toggled, "" when it has
// none, for the fuzz target's reference; it may disagree only where
// ValidateSignature accepts nothing more than the URL as given.
func otherForm(u string) string {
	for _, d := range []struct{ scheme, port string }{{"https://", "443"}, {"http://", "80"}} {
		if !strings.HasPrefix(strings.ToLower(u), d.scheme) {
			continue
		}
		rest := u[len(d.scheme):]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		auth := rest[:end]
		at := strings.LastIndex(auth, "@") + 1
		hp := auth[at:]
		if hp == "" {
			return ""
		}
		if c := strings.LastIndex(hp, ":"); c >= 0 && !strings.Contains(hp[c:], "]") {
			if hp[c+1:] != d.port {
				return ""
			}
			return u[:len(d.scheme)] + auth[:at] + hp[:c] + rest[end:]
		}
		return u[:len(d.scheme)] + auth[:at] + hp + ":" + d.port + rest[end:]
	}
	return ""
}

// BenchmarkVerifyTwilioSignature checks the signature of a webhook whose
// parameters total about 1 KiB, as an incoming text with a long body.
func BenchmarkVerifyTwilioSignature(b *testing.B) {
	params := url.Values{
		"ToCountry": {"US"}, "ToState": {"DC"}, "SmsMessageSid": {"SM" + strings.Repeat("a", 32)},
		"NumMedia": {"0"}, "ToCity": {"WASHINGTON"}, "FromZip": {"20001"}, "SmsSid": {"SM" + strings.Repeat("a", 32)},
		"FromState": {"DC"}, "SmsStatus": {"received"}, "FromCity": {"WASHINGTON"}, "FromCountry": {"US"},
		"To": {"+12025550100"}, "ToZip": {"20001"}, "NumSegments": {"5"}, "MessageSid": {"SM" + strings.Repeat("a", 32)},
		"AccountSid": {testAccount}, "From": {"+12025550142"}, "ApiVersion": {"2010-04-01"},
	}
	size := 0
	for k, vs := range params {
		size += len(k) + len(vs[0])
	}
	params.Set("Body", strings.Repeat("x", 1024-size-len("Body")))
	total := 0
	for k, vs := range params {
		total += len(k) + len(vs[0])
	}
	if total != 1024 {
		b.Fatalf("params total %d bytes, want 1024", total)
	}
	v, err := twilio.NewValidator("token-of-the-account")
	require.NoError(b, err)
	u := "https://city.example.org/twilio/sms"
	sig := signFor("token-of-the-account", u, params)
	b.SetBytes(int64(total))
	b.ReportAllocs()
	for b.Loop() {
		if !v.Valid(u, params, sig) {
			b.Fatal("a valid signature is refused")
		}
	}
}

func ExampleValidateSignature() {
	params := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"},
		"From": {"+12349013030"}, "To": {"+18005551212"}}
	fmt.Println(twilio.ValidateSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="))
	fmt.Println(twilio.ValidateSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params, "0/KCTR6DLpKmkAf8muzZqo1nDgR="))
	// Output:
	// true
	// false
}
