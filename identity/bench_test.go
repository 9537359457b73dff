package identity

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/civickit/civickit/identity/devprovider"
	"github.com/civickit/civickit/keyring"
	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"
)

func BenchmarkSessionMiddleware(b *testing.B) {
	clock := newClock()
	s, _ := newTestSessions(b, clock, nil)
	// A principal as a real login produces it, claims included.
	p := testPrincipal()
	p.Claims = map[string]any{
		"iss": "https://id.example", "sub": "user-123", "aud": "city-portal", "azp": "city-portal",
		"exp": 1.7e9, "iat": 1.7e9, "auth_time": 1.7e9, "acr": "urn:acr.login.gov:verified", "amr": []any{"pwd", "otp"},
		"email": "ada@example.org", "email_verified": true, "name": "Ada Lovelace", "preferred_username": "ada",
		"phone_number": "+15555550100", "roles": []any{"staff", "inspector"}, "groups": []any{"staff", "inspector"}, "vot": "Cl.Cm.P2",
	}
	rec := httptest.NewRecorder()
	_, err := s.Issue(b.Context(), rec, p, strings.Repeat("x", 900), "sid-1")
	require.NoError(b, err)
	c := rec.Result().Cookies()[0]
	var seen *Principal
	h := s.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = PrincipalFrom(r.Context())
	}))
	req := httptest.NewRequest(http.MethodGet, "/cases", nil)
	req.AddCookie(c)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
	require.NotNil(b, seen)
	require.Empty(b, w.Header().Values("Set-Cookie"), "no refresh inside the benchmark")
}

// BenchmarkVerifyIDToken compares the relying party's full ID token check
// with go-oidc's IDTokenVerifier.Verify on the same token, both with the
// provider's keys already cached.
func BenchmarkVerifyIDToken(b *testing.B) {
	testKeys()
	op := &opServer{key: opKeyA, kid: "resident-key"}
	op.srv = httptest.NewUnstartedServer(op)
	op.srv.StartTLS()
	b.Cleanup(op.srv.Close)
	p, err := devprovider.New(op.srv.URL, &devprovider.Config{SigningKey: opKeyA, KeyID: "resident-key"})
	require.NoError(b, err)
	op.op = p

	ctx := context.Background()
	keys, err := keyring.New(keyring.GenerateKey("k"), nil, nil)
	require.NoError(b, err)
	sessions, err := NewSessions(keys, nil)
	require.NoError(b, err)
	rp, err := NewRelyingParty(ctx, []ProviderConfig{{
		Name: "resident", Issuer: op.srv.URL, ClientID: devprovider.DemoClientID, ClientSecret: devprovider.DemoSecret,
		RedirectURL: "https://app.example/auth/callback/resident", RolesClaim: "roles", Assurance: loginGovAssurance(),
	}}, sessions, &RelyingPartyConfig{HTTPClient: op.srv.Client()})
	require.NoError(b, err)

	now := time.Now()
	raw := signJWT(b, jose.RS256, opKeyA, "resident-key", map[string]any{
		"iss": op.srv.URL, "sub": "resident-substantial-0002", "aud": devprovider.DemoClientID,
		"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "auth_time": now.Unix(), "nonce": "n-0123456789",
		"acr": devprovider.ACRVerified, "amr": []string{"pwd", "otp"}, "email": "sam.substantial@example.org",
		"email_verified": true, "name": "Sam Substantial", "phone_number": "+15555550102", "vot": "Cl.Cm.P2",
	})
	goOIDCProvider, err := oidc.NewProvider(oidc.ClientContext(ctx, op.srv.Client()), op.srv.URL)
	require.NoError(b, err)
	goVerifier := goOIDCProvider.Verifier(&oidc.Config{ClientID: devprovider.DemoClientID})

	// Warm both key caches.
	pr, err := rp.VerifyIDToken(ctx, "resident", raw, "n-0123456789", "")
	require.NoError(b, err)
	require.Equal(b, AssuranceSubstantial, pr.Assurance)
	_, err = goVerifier.Verify(oidc.ClientContext(ctx, op.srv.Client()), raw)
	require.NoError(b, err)

	b.Run("civickit", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := rp.VerifyIDToken(ctx, "resident", raw, "n-0123456789", ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-oidc", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := goVerifier.Verify(ctx, raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}
