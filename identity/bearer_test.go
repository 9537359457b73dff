package identity

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const apiAudience = "https://api.city.example"

func TestBearerTokens(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{method: ClientSecretBasic, extraAudience: []string{apiAudience}})
	var access, idToken string
	h.resident.setHooks(nil, func(m map[string]any) {
		access, _ = m["access_token"].(string)
		idToken, _ = m["id_token"].(string)
	})
	// Several audiences with azp naming this client: accepted.
	assert.Contains(t, h.login("resident-substantial"), "|substantial|")
	require.NotEmpty(t, access)
	c := claimsOf(t, idToken)
	assert.Equal(t, "city-portal", c["azp"])

	bv, err := NewBearerVerifier(t.Context(), h.resident.srv.URL, apiAudience, &BearerConfig{HTTPClient: h.resident.srv.Client()})
	require.NoError(t, err)
	p, err := bv.Verify(t.Context(), access)
	require.NoError(t, err)
	assert.Equal(t, "resident-substantial-0002", p.Subject)
	assert.ElementsMatch(t, []string{"openid", "email", "profile", "phone"}, p.Scopes)

	strict, err := NewBearerVerifier(t.Context(), h.resident.srv.URL, "city-portal", &BearerConfig{HTTPClient: h.resident.srv.Client(), RequireJWTAccessTokenType: true})
	require.NoError(t, err)
	_, err = strict.Verify(t.Context(), idToken)
	requireAuthErr(t, err, ErrClaims) // an ID token never passes as an access token
	atJWT := signJWTWithType(t, h.resident, claimsOf(t, access), "at+jwt")
	p, err = strict.Verify(t.Context(), atJWT)
	require.NoError(t, err)
	assert.Equal(t, "resident-substantial-0002", p.Subject)

	other, err := NewBearerVerifier(t.Context(), h.resident.srv.URL, "https://api.other.example", &BearerConfig{HTTPClient: h.resident.srv.Client()})
	require.NoError(t, err)
	_, err = other.Verify(t.Context(), access)
	requireAuthErr(t, err, ErrTokenAudience)

	staffBV, err := NewBearerVerifier(t.Context(), h.staff.srv.URL, apiAudience, &BearerConfig{HTTPClient: h.resident.srv.Client()})
	require.NoError(t, err)
	_, err = staffBV.Verify(t.Context(), access)
	requireAuthErr(t, err, ErrTokenSignature) // a token for one provider presented to another

	expired := h.resident.sign(t, func() map[string]any {
		m := claimsOf(t, access)
		m["exp"] = time.Now().Add(-time.Hour).Unix()
		return m
	}())
	_, err = bv.Verify(t.Context(), expired)
	requireAuthErr(t, err, ErrTokenExpired)

	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		_, _ = w.Write([]byte(p.Subject))
	})
	tests := []struct {
		name      string
		auth      string
		scopes    []string
		status    int
		challenge string
	}{
		{name: "valid", auth: "Bearer " + access, scopes: []string{"email"}, status: http.StatusOK},
		{name: "lowercase scheme", auth: "bearer " + access, status: http.StatusOK},
		{name: "missing", auth: "", status: http.StatusUnauthorized, challenge: `Bearer realm="civickit"`},
		{name: "basic scheme", auth: "Basic Zm9vOmJhcg==", status: http.StatusUnauthorized, challenge: `Bearer realm="civickit"`},
		{name: "garbage", auth: "Bearer not-a-jwt", status: http.StatusUnauthorized, challenge: `error="invalid_token"`},
		{name: "expired", auth: "Bearer " + expired, status: http.StatusUnauthorized, challenge: `error="invalid_token"`},
		{name: "scope missing", auth: "Bearer " + access, scopes: []string{"cases:write"}, status: http.StatusForbidden, challenge: `error="insufficient_scope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodGet, "/api/cases", nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			bv.Middleware(tt.scopes...)(ok).ServeHTTP(rec, req)
			assert.Equal(t, tt.status, rec.Code)
			if tt.challenge != "" {
				assert.Contains(t, rec.Header().Get("WWW-Authenticate"), tt.challenge)
			} else {
				assert.Equal(t, "resident-substantial-0002", rec.Body.String())
			}
		})
	}
}

func TestBearerConfigValidate(t *testing.T) {
	t.Parallel()
	_, err := NewBearerVerifier(t.Context(), "", "", &BearerConfig{SigningAlgs: []string{"HS256", "none"}, Realm: `a"b`, KeyRefreshInterval: -1})
	require.Error(t, err)
	for _, want := range []string{"issuer is required", "audience is required", `"HS256"`, `"none"`, "realm", "key refresh interval"} {
		assert.ErrorContains(t, err, want)
	}
}

func TestBackChannelLogout(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{method: ClientSecretBasic, store: true})
	h.login("resident-low")
	require.Contains(t, body(t, h.get("/")), "resident-low-0001")

	logoutToken := func(mut func(map[string]any)) string {
		c := map[string]any{
			"iss": h.resident.srv.URL, "aud": "city-portal", "iat": time.Now().Unix(), "exp": time.Now().Add(2 * time.Minute).Unix(),
			"jti": newID(), "sub": "resident-low-0001",
			"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
		}
		mut(c)
		return h.resident.sign(t, c)
	}
	post := func(provider, tok string) int {
		resp, err := h.resident.srv.Client().PostForm(h.app.URL+"/auth/backchannel-logout/"+provider, url.Values{"logout_token": {tok}})
		require.NoError(t, err)
		_ = body(t, resp)
		return resp.StatusCode
	}
	tests := []struct {
		name     string
		provider string
		tok      string
	}{
		{name: "nonce present", provider: "resident", tok: logoutToken(func(c map[string]any) { c["nonce"] = "n" })},
		{name: "events missing", provider: "resident", tok: logoutToken(func(c map[string]any) { delete(c, "events") })},
		{name: "wrong audience", provider: "resident", tok: logoutToken(func(c map[string]any) { c["aud"] = "other" })},
		{name: "other provider", provider: "staff", tok: logoutToken(func(map[string]any) {})},
		{name: "forged signature", provider: "resident", tok: signJWT(t, "RS256", strangerKey, "resident-key", claimsOf(t, logoutToken(func(map[string]any) {})))},
		{name: "empty", provider: "resident", tok: ""},
	}
	for _, tt := range tests {
		assert.Equal(t, http.StatusBadRequest, post(tt.provider, tt.tok), tt.name)
		assert.Contains(t, body(t, h.get("/")), "resident-low-0001", "session survives a refused logout token: %s", tt.name)
	}
	assert.Equal(t, http.StatusOK, post("resident", logoutToken(func(map[string]any) {})))
	assert.Equal(t, "anonymous", body(t, h.get("/")))
	assert.Nil(t, h.sessionCookie())
	assert.False(t, strings.Contains(body(t, h.get("/")), "resident-low"))
}

func signJWTWithType(t *testing.T, o *opServer, claims map[string]any, typ string) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: o.key, KeyID: o.kid}}, (&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
	require.NoError(t, err)
	payload, err := json.Marshal(claims)
	require.NoError(t, err)
	jws, err := signer.Sign(payload)
	require.NoError(t, err)
	out, err := jws.CompactSerialize()
	require.NoError(t, err)
	return out
}
