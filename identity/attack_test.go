package identity

import (
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/civickit/civickit/keyring"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// forgeIDToken makes the resident provider's token endpoint return a
// hostile ID token built from the genuine one.
func forgeIDToken(t *testing.T, h *harness, forge func(c map[string]any) string) {
	h.resident.setHooks(nil, func(m map[string]any) {
		raw, _ := m["id_token"].(string)
		m["id_token"] = forge(claimsOf(t, raw))
	})
}

// resign mutates the claims and signs them with the provider's real key.
func resign(t *testing.T, h *harness, mutate func(c map[string]any)) {
	forgeIDToken(t, h, func(c map[string]any) string {
		mutate(c)
		return h.resident.sign(t, c)
	})
}

// callbackErr completes a resident login as resident-low and returns the
// error the relying party refused it with.
func callbackErr(t *testing.T, h *harness, edit func(cb *url.URL)) error {
	cb, err := url.Parse(h.begin("/auth/login?provider=resident&return_to=/", "resident-low"))
	require.NoError(t, err)
	if edit != nil {
		edit(cb)
	}
	resp, b := h.finish(cb.String())
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, b)
	return h.takeErr()
}

func setQuery(cb *url.URL, key, value string) {
	q := cb.Query()
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	cb.RawQuery = q.Encode()
}

func deleteCookie(h *harness, name string) {
	u, _ := url.Parse(h.app.URL)
	h.jar.SetCookies(u, []*http.Cookie{{Name: name, Value: "", Path: "/", MaxAge: -1, Secure: true}})
}

// sessionErr logs in, lets tamper change the session cookie, and returns
// why the session was refused; it also checks that the application then
// treats the request as anonymous and deletes the cookie.
func sessionErr(t *testing.T, h *harness, tamper func(v string) string) error {
	h.login("resident-low")
	c := h.sessionCookie()
	require.NotNil(t, c)
	bad := tamper(c.Value)
	h.setCookie(c.Name, bad)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, h.app.URL, nil)
	require.NoError(t, err)
	req.AddCookie(&http.Cookie{Name: c.Name, Value: bad})
	_, loadErr := h.rp.Sessions().Load(req)
	resp := h.get("/")
	assert.Equal(t, "anonymous", body(t, resp))
	return loadErr
}

func TestAttacksAreRejected(t *testing.T) {
	t.Parallel()
	pubPEM := func() []byte {
		der, err := x509.MarshalPKIXPublicKey(&opKeyA.PublicKey)
		if err != nil {
			panic(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	tests := []struct {
		name   string
		want   error
		attack func(t *testing.T, h *harness) error
	}{
		{name: "alg none", want: ErrTokenSignature, attack: func(t *testing.T, h *harness) error {
			forgeIDToken(t, h, unsignedJWT)
			return callbackErr(t, h, nil)
		}},
		{name: "HS256 signed with the provider's public key", want: ErrTokenSignature, attack: func(t *testing.T, h *harness) error {
			forgeIDToken(t, h, func(c map[string]any) string { return signJWT(t, jose.HS256, pubPEM(), "resident-key", c) })
			return callbackErr(t, h, nil)
		}},
		{name: "unknown kid", want: ErrTokenSignature, attack: func(t *testing.T, h *harness) error {
			forgeIDToken(t, h, func(c map[string]any) string { return signJWT(t, jose.RS256, strangerKey, "no-such-kid", c) })
			return callbackErr(t, h, nil)
		}},
		{name: "known kid signed by another key", want: ErrTokenSignature, attack: func(t *testing.T, h *harness) error {
			forgeIDToken(t, h, func(c map[string]any) string { return signJWT(t, jose.RS256, strangerKey, "resident-key", c) })
			return callbackErr(t, h, nil)
		}},
		{name: "wrong issuer", want: ErrTokenIssuer, attack: func(t *testing.T, h *harness) error {
			resign(t, h, func(c map[string]any) { c["iss"] = "https://evil.example" })
			return callbackErr(t, h, nil)
		}},
		{name: "wrong audience", want: ErrTokenAudience, attack: func(t *testing.T, h *harness) error {
			resign(t, h, func(c map[string]any) { c["aud"] = "someone-else"; delete(c, "azp") })
			return callbackErr(t, h, nil)
		}},
		{name: "several audiences without azp", want: ErrTokenAudience, attack: func(t *testing.T, h *harness) error {
			resign(t, h, func(c map[string]any) { c["aud"] = []any{"city-portal", "other-app"}; delete(c, "azp") })
			return callbackErr(t, h, nil)
		}},
		{name: "azp naming another client", want: ErrTokenAudience, attack: func(t *testing.T, h *harness) error {
			resign(t, h, func(c map[string]any) { c["aud"] = []any{"city-portal", "other-app"}; c["azp"] = "other-app" })
			return callbackErr(t, h, nil)
		}},
		{name: "expired", want: ErrTokenExpired, attack: func(t *testing.T, h *harness) error {
			resign(t, h, func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() })
			return callbackErr(t, h, nil)
		}},
		{name: "issued in the future", want: ErrTokenNotYetValid, attack: func(t *testing.T, h *harness) error {
			resign(t, h, func(c map[string]any) { c["iat"] = time.Now().Add(time.Hour).Unix() })
			return callbackErr(t, h, nil)
		}},
		{name: "nonce missing", want: ErrNonce, attack: func(t *testing.T, h *harness) error {
			resign(t, h, func(c map[string]any) { delete(c, "nonce") })
			return callbackErr(t, h, nil)
		}},
		{name: "nonce wrong", want: ErrNonce, attack: func(t *testing.T, h *harness) error {
			resign(t, h, func(c map[string]any) { c["nonce"] = "attacker-nonce" })
			return callbackErr(t, h, nil)
		}},
		{name: "at_hash mismatch", want: ErrAccessTokenHash, attack: func(t *testing.T, h *harness) error {
			resign(t, h, func(c map[string]any) { c["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA" })
			return callbackErr(t, h, nil)
		}},
		{name: "token of the other provider", want: ErrTokenSignature, attack: func(t *testing.T, h *harness) error {
			forgeIDToken(t, h, func(c map[string]any) string { c["iss"] = h.staff.srv.URL; return h.staff.sign(t, c) })
			return callbackErr(t, h, nil)
		}},
		{name: "state missing", want: ErrState, attack: func(t *testing.T, h *harness) error {
			return callbackErr(t, h, func(cb *url.URL) { setQuery(cb, "state", "") })
		}},
		{name: "state wrong", want: ErrState, attack: func(t *testing.T, h *harness) error {
			return callbackErr(t, h, func(cb *url.URL) { setQuery(cb, "state", "forged-state") })
		}},
		{name: "flow cookie missing", want: ErrFlowCookie, attack: func(t *testing.T, h *harness) error {
			return callbackErr(t, h, func(*url.URL) {
				for _, c := range flowCookies(h) {
					deleteCookie(h, c.Name)
				}
			})
		}},
		{name: "flow cookie expired", want: ErrFlowCookie, attack: func(t *testing.T, h *harness) error {
			return callbackErr(t, h, func(*url.URL) { h.clock.Advance(11 * time.Minute) })
		}},
		{name: "authorization code replayed", want: ErrFlowReplayed, attack: func(t *testing.T, h *harness) error {
			cb := h.begin("/auth/login?provider=resident&return_to=/", "resident-low")
			flows := flowCookies(h)
			require.Len(t, flows, 1)
			resp, b := h.finish(cb)
			require.Equal(t, http.StatusOK, resp.StatusCode, b)
			deleteCookie(h, h.rp.Sessions().CookieName())
			h.setCookie(flows[0].Name, flows[0].Value) // even with the flow cookie restored
			resp, b = h.finish(cb)
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, b)
			return h.takeErr()
		}},
		{name: "PKCE verifier wrong", want: ErrCodeExchange, attack: func(t *testing.T, h *harness) error {
			h.resident.setHooks(func(f url.Values) { f.Set("code_verifier", strings.Repeat("x", 43)) }, nil)
			return callbackErr(t, h, nil)
		}},
		{name: "iss parameter mismatch (mix-up)", want: ErrIssuerParameter, attack: func(t *testing.T, h *harness) error {
			return callbackErr(t, h, func(cb *url.URL) { setQuery(cb, "iss", h.staff.srv.URL) })
		}},
		{name: "iss parameter missing though advertised", want: ErrIssuerParameter, attack: func(t *testing.T, h *harness) error {
			return callbackErr(t, h, func(cb *url.URL) { setQuery(cb, "iss", "") })
		}},
		{name: "callback delivered to another provider", want: ErrProviderMismatch, attack: func(t *testing.T, h *harness) error {
			return callbackErr(t, h, func(cb *url.URL) { cb.Path = "/auth/callback/staff" })
		}},
		{name: "assurance below what the login needs", want: ErrInsufficientAssurance, attack: func(t *testing.T, h *harness) error {
			cb := h.begin("/auth/login?provider=resident&return_to=/&assurance=substantial", "resident-low")
			resp, b := h.finish(cb)
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, b)
			return h.takeErr()
		}},
		{name: "session cookie tampered", want: ErrSession, attack: func(t *testing.T, h *harness) error {
			return sessionErr(t, h, func(v string) string { return flipChar(v, len(v)-5) })
		}},
		{name: "session cookie truncated", want: ErrSession, attack: func(t *testing.T, h *harness) error {
			return sessionErr(t, h, func(v string) string { return v[:len(v)/2] })
		}},
		{name: "session cookie expired", want: ErrSessionExpired, attack: func(t *testing.T, h *harness) error {
			return sessionErr(t, h, func(v string) string { h.clock.Advance(13 * time.Hour); return v })
		}},
		{name: "session cookie sealed with a key retired past its grace", want: ErrKeyRetired, attack: func(t *testing.T, h *harness) error {
			return sessionErr(t, h, func(v string) string {
				require.NoError(t, h.keys.Rotate(keyring.GenerateKey("k2")))
				h.clock.Advance(61 * time.Minute)
				return v
			})
		}},
	}
	for _, p := range []string{"//evil.example", "https://evil.example", `/\evil.example`} {
		tests = append(tests, struct {
			name   string
			want   error
			attack func(t *testing.T, h *harness) error
		}{name: "open redirect " + p, want: ErrReturnPath, attack: func(t *testing.T, h *harness) error {
			h.browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			resp := h.get("/auth/login?provider=resident&return_to=" + url.QueryEscape(p))
			_ = body(t, resp)
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Empty(t, resp.Header.Get("Location"))
			assert.Empty(t, flowCookies(h), "no login flow started")
			return h.takeErr()
		}})
	}
	require.GreaterOrEqual(t, len(tests), 20)
	testKeys()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{method: ClientSecretBasic})
			err := tt.attack(t, h)
			requireAuthErr(t, err, tt.want)
			assert.Nil(t, h.sessionCookie(), "no session after a refused attempt")
			assert.NotContains(t, err.Error(), "eyJ", "errors never carry tokens")
		})
	}
}

func TestVerifyIDTokenDirect(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{method: ClientSecretBasic})
	var raw, access string
	h.resident.setHooks(nil, func(m map[string]any) { raw, _ = m["id_token"].(string); access, _ = m["access_token"].(string) })
	h.login("resident-high")
	require.NotEmpty(t, raw)
	nonce, _ := claimsOf(t, raw)["nonce"].(string)

	_, err := h.rp.VerifyIDToken(t.Context(), "resident", raw, nonce, "")
	requireAuthErr(t, err, ErrAccessTokenHash) // at_hash present, access token withheld
	p, err := h.rp.VerifyIDToken(t.Context(), "resident", raw, nonce, access)
	require.NoError(t, err)
	assert.Equal(t, AssuranceHigh, p.Assurance)
	assert.Equal(t, "resident-high-0003", p.Subject)

	_, err = h.rp.VerifyIDToken(t.Context(), "staff", raw, nonce, access)
	requireAuthErr(t, err, ErrTokenSignature) // resident's token presented to the staff provider
	_, err = h.rp.VerifyIDToken(t.Context(), "nobody", raw, nonce, "")
	requireAuthErr(t, err, ErrUnknownProvider)
}

// TestResignedTokenControl proves the forging path itself works, so each
// attack above fails because of its mutation and not because of re-signing.
func TestResignedTokenControl(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{method: ClientSecretBasic})
	resign(t, h, func(map[string]any) {})
	assert.Contains(t, h.login("resident-low"), "resident-low-0001|low|")
	assert.NotNil(t, h.sessionCookie())
}
