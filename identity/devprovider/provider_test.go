package devprovider

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRefusesNonLoopback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		issuer string
		force  bool
		ok     bool
	}{
		{name: "ipv4 loopback", issuer: "http://127.0.0.1:9000", ok: true},
		{name: "ipv6 loopback", issuer: "http://[::1]:9000", ok: true},
		{name: "localhost", issuer: "https://localhost:9000", ok: true},
		{name: "public name", issuer: "https://id.city.example"},
		{name: "private address", issuer: "http://10.0.0.5:9000"},
		{name: "any address", issuer: "http://0.0.0.0:9000"},
		{name: "forced", issuer: "https://id.city.example", force: true, ok: true},
		{name: "not a URL", issuer: "127.0.0.1:9000", force: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.issuer, &Config{InsecureAllowNonLoopback: tt.force})
			if tt.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
	_, err := Start("0.0.0.0:0", nil)
	assert.ErrorContains(t, err, "non-loopback")
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	_, err := New("http://127.0.0.1:1", &Config{
		Accounts: []Account{{ID: "a", Username: "x"}, {ID: "a", Username: "y"}, {}},
		Clients:  []Client{{ID: "c"}, {ID: "d", RedirectURIs: []string{"http://x"}, AuthMethod: "private_key_jwt"}, {ID: "e", RedirectURIs: []string{"http://x"}, AuthMethod: "magic"}},
	})
	require.Error(t, err)
	for _, want := range []string{"duplicate account", "needs an ID and a Username", "redirect URIs", "public key", "unknown auth method"} {
		assert.ErrorContains(t, err, want)
	}
}

// TestStartServesDiscoveryAndLogin drives the demo client through the
// provider by hand with golang's HTTP client: discovery advertises RFC 9207,
// login_hint signs in without a form, and the redirect carries iss.
func TestStartServesDiscoveryAndLogin(t *testing.T) {
	t.Parallel()
	s, err := Start("127.0.0.1:0", nil)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Close(ctx)
	})
	resp, err := http.Get(s.Issuer() + "/.well-known/openid-configuration")
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&doc))
	resp.Body.Close()
	assert.Equal(t, s.Issuer(), doc["issuer"])
	assert.Equal(t, true, doc["authorization_response_iss_parameter_supported"])
	assert.NotEmpty(t, doc["end_session_endpoint"])

	jar, _ := cookiejar.New(nil)
	var final *url.URL
	client := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), demoRedirectURI) {
			final = req.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
	q := url.Values{
		"client_id": {DemoClientID}, "redirect_uri": {demoRedirectURI}, "response_type": {"code"},
		"scope": {"openid email"}, "state": {"st"}, "nonce": {"nn"}, "login_hint": {"inspector"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"},
	}
	resp, err = client.Get(doc["authorization_endpoint"].(string) + "?" + q.Encode())
	require.NoError(t, err)
	resp.Body.Close()
	require.NotNil(t, final, "redirected back to the client")
	assert.Equal(t, "st", final.Query().Get("state"))
	assert.NotEmpty(t, final.Query().Get("code"))
	assert.Equal(t, s.Issuer(), final.Query().Get("iss"))

	// The login page lists every demo account, escaped.
	page, err := http.Get(s.Issuer() + "/login?id=x")
	require.NoError(t, err)
	defer page.Body.Close()
	assert.Equal(t, http.StatusOK, page.StatusCode)
	b, err := io.ReadAll(page.Body)
	require.NoError(t, err)
	assert.Contains(t, string(b), "Not for production")
	for _, a := range DemoAccounts() {
		assert.Contains(t, string(b), `value="`+a.Username+`"`)
	}
}

func TestDemoAccountsCoverEveryRole(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, a := range DemoAccounts() {
		seen[a.Username] = true
	}
	for _, u := range []string{"resident-low", "resident-substantial", "resident-high", "staff", "inspector", "moderator"} {
		assert.True(t, seen[u], u)
	}
}
