package devprovider

import (
	"context"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDemoClientAcceptsAnyLoopbackOrigin: an app on any loopback host and
// port (RFC 8252 section 7.3) signs in through the demo client with the
// registered callback path; other hosts, other paths and userinfo tricks
// are refused without a redirect.
func TestDemoClientAcceptsAnyLoopbackOrigin(t *testing.T) {
	t.Parallel()
	s, err := Start("127.0.0.1:0", nil)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Close(ctx)
	})
	tests := []struct {
		name     string
		redirect string
		ok       bool
	}{
		{name: "registered", redirect: demoRedirectURI, ok: true},
		{name: "another port", redirect: "http://127.0.0.1:3000/auth/callback/resident", ok: true},
		{name: "localhost", redirect: "http://localhost:5173/auth/callback/staff", ok: true},
		{name: "ipv6 loopback", redirect: "http://[::1]:9090/auth/callback/resident", ok: true},
		{name: "other loopback address", redirect: "http://127.0.0.2:8081/auth/callback/resident", ok: true},
		{name: "non-loopback host", redirect: "http://evil.example:8080/auth/callback/resident"},
		{name: "lan address", redirect: "http://192.168.1.20:8080/auth/callback/resident"},
		{name: "userinfo trick", redirect: "http://127.0.0.1:8080@evil.example/auth/callback/resident"},
		{name: "unregistered path", redirect: "http://127.0.0.1:3000/elsewhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			jar, _ := cookiejar.New(nil)
			var final *url.URL
			client := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
				if !strings.HasPrefix(req.URL.String(), s.Issuer()) {
					final = req.URL
					return http.ErrUseLastResponse
				}
				return nil
			}}
			q := url.Values{
				"client_id": {DemoClientID}, "redirect_uri": {tt.redirect}, "response_type": {"code"},
				"scope": {"openid"}, "state": {"st"}, "nonce": {"nn"}, "login_hint": {"staff"},
				"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"},
			}
			resp, err := client.Get(s.Issuer() + "/authorize?" + q.Encode())
			require.NoError(t, err)
			resp.Body.Close()
			if !tt.ok {
				assert.Nil(t, final, "a redirect to %s must be refused, not followed", tt.redirect)
				return
			}
			require.NotNil(t, final, "redirected back to %s", tt.redirect)
			assert.True(t, strings.HasPrefix(final.String(), tt.redirect+"?"), "landed on %s", final)
			assert.NotEmpty(t, final.Query().Get("code"))
		})
	}
}

// TestPackageDocListsDemoAccounts: go doc shows every demo account's
// username, name, roles and assurance.
func TestPackageDocListsDemoAccounts(t *testing.T) {
	t.Parallel()
	f, err := parser.ParseFile(token.NewFileSet(), "provider.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	require.NoError(t, err)
	doc := f.Doc.Text()
	for _, a := range DemoAccounts() {
		assert.Contains(t, doc, a.Username, "package doc lists %s", a.Username)
		assert.Contains(t, doc, a.Name)
		assert.Contains(t, doc, a.ACR)
		for _, r := range a.Roles {
			assert.Contains(t, doc, r)
		}
	}
	assert.Contains(t, doc, DemoClientID)
}
