package identity

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/civickit/civickit/identity/devprovider"
	"github.com/civickit/civickit/keyring"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoginFlowEachClientAuthMethod(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts harnessOptions
	}{
		{name: "client_secret_basic", opts: harnessOptions{method: ClientSecretBasic}},
		{name: "client_secret_post", opts: harnessOptions{method: ClientSecretPost}},
		{name: "private_key_jwt RS256", opts: harnessOptions{method: PrivateKeyJWT}},
		{name: "private_key_jwt ES256", opts: harnessOptions{method: PrivateKeyJWT, ecKey: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tt.opts)
			callback := h.begin("/auth/login?provider=resident&return_to=/account%3Ftab%3D2", "resident-substantial")
			cb, err := url.Parse(callback)
			require.NoError(t, err)
			assert.Equal(t, h.resident.srv.URL, cb.Query().Get("iss"), "provider sends the RFC 9207 iss parameter")
			resp, b := h.finish(callback)
			require.Equal(t, http.StatusOK, resp.StatusCode, b)
			assert.Equal(t, 1, h.resident.userinfoCalls(), "userinfo fetched when configured")
			form, basic := h.resident.lastTokenRequest()
			assert.NotEmpty(t, form.Get("code_verifier"), "PKCE verifier sent")
			switch tt.opts.method {
			case ClientSecretBasic:
				assert.True(t, basic)
				assert.Empty(t, form.Get("client_secret"))
			case ClientSecretPost:
				assert.False(t, basic)
				assert.Equal(t, "portal-secret", form.Get("client_secret"))
			case PrivateKeyJWT:
				assert.False(t, basic)
				assert.Empty(t, form.Get("client_secret"))
				assert.Equal(t, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", form.Get("client_assertion_type"))
				hdr := strings.SplitN(form.Get("client_assertion"), ".", 2)[0]
				want := "RS256"
				if tt.opts.ecKey {
					want = "ES256"
				}
				assert.Contains(t, decodeSegment(t, hdr), want)
			}
			assert.Equal(t, "/account", resp.Request.URL.Path, "lands on the return path")
			assert.Equal(t, "tab=2", resp.Request.URL.RawQuery)
			assert.Equal(t, "resident|resident-substantial-0002|substantial||sam.substantial@example.org", b)
			c := h.sessionCookie()
			require.NotNil(t, c)
			assert.Empty(t, flowCookies(h), "flow cookie is single-use")

			sess, err := h.rp.Sessions().Decode(c.Value)
			require.NoError(t, err)
			p := sess.Principal
			assert.Equal(t, h.resident.srv.URL, p.Issuer)
			assert.True(t, p.EmailVerified)
			assert.Equal(t, "Sam Substantial", p.Name)
			assert.Equal(t, "+15555550102", p.Phone)
			assert.Equal(t, "Cl.Cm.P2", p.Claims["vot"])
			assert.False(t, p.AuthTime.IsZero())
			assert.NotNil(t, h.cookie(h.rp.Sessions().CookieName()+"_hint"), "id token hint kept for logout")
			_, hasNonce := p.Claims["nonce"]
			assert.False(t, hasNonce, "token-only claims are not kept in the session")
			assert.Equal(t, []any{"city-portal"}, p.Claims["aud"])
		})
	}
}

func TestLoginFlowStaffRolesAndNewSessionEachLogin(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{method: ClientSecretBasic, store: true})
	var authorize *url.URL
	h.browser.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if strings.HasSuffix(req.URL.Path, "/authorize") {
			authorize = req.URL
		}
		return nil
	}
	resp := h.get("/auth/login?provider=staff&return_to=/inspections&assurance=substantial")
	_ = body(t, resp)
	require.NotNil(t, authorize)
	assert.Equal(t, `["Cl.Cm"]`, authorize.Query().Get("vtr"), "vectors of trust requested")
	assert.Empty(t, authorize.Query().Get("acr_values"))

	resp, b := h.finish(h.begin("/auth/login?provider=staff&return_to=/inspections", "inspector"))
	require.Equal(t, http.StatusOK, resp.StatusCode, b)
	assert.Zero(t, h.staff.userinfoCalls(), "userinfo not fetched unless configured")
	assert.Equal(t, "staff|inspector-0005|substantial|staff,inspector|ines.inspector@city.example", b)
	first := h.sessionCookie().Value
	firstSess, err := h.rp.Sessions().Decode(first)
	require.NoError(t, err)

	// A plain staff member is refused the inspector route.
	resp, b = h.finish(h.begin("/auth/login?provider=staff&return_to=/inspections", "staff"))
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, b)
	second, err := h.rp.Sessions().Decode(h.sessionCookie().Value)
	require.NoError(t, err)
	assert.NotEqual(t, firstSess.ID, second.ID, "every login gets a new session id")
	active, err := h.store.SessionActive(t.Context(), firstSess.ID, h.clock.Now())
	require.NoError(t, err)
	assert.False(t, active, "the replaced session is revoked")
}

func TestRequireLoginRedirectsBrowsersAndRefusesAPIs(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{method: ClientSecretBasic})
	h.browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp := h.get("/account?x=1", "Accept", "text/html")
	_ = body(t, resp)
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "/auth/login", loc.Path)
	assert.Equal(t, "/account?x=1", loc.Query().Get("return_to"))
	assert.Equal(t, "resident", loc.Query().Get("provider"))

	resp = h.get("/account", "Accept", "application/json")
	_ = body(t, resp)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("WWW-Authenticate"), "Bearer")
}

func TestStepUpAssurance(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{method: ClientSecretBasic})
	assert.Contains(t, h.login("resident-low"), "|low|")

	// API: 401 naming what to ask for (RFC 9470).
	resp := h.get("/permit/high", "Accept", "application/json")
	_ = body(t, resp)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("WWW-Authenticate"), `error="insufficient_user_authentication"`)
	assert.Contains(t, resp.Header.Get("WWW-Authenticate"), "verified-facial-match-required")

	// Browser: redirected to log in again asking for the higher level.
	var authorize *url.URL
	h.browser.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if strings.HasSuffix(req.URL.Path, "/authorize") {
			authorize = req.URL
		}
		return nil
	}
	resp = h.get("/permit/high", "Accept", "text/html")
	page := body(t, resp)
	h.browser.CheckRedirect = nil
	require.Contains(t, page, "Development provider")
	require.NotNil(t, authorize)
	assert.Equal(t, "urn:acr.login.gov:verified-facial-match-required", authorize.Query().Get("acr_values"))
	assert.Equal(t, "login", authorize.Query().Get("prompt"))
	assert.Equal(t, "S256", authorize.Query().Get("code_challenge_method"))
	assert.NotEmpty(t, authorize.Query().Get("nonce"))

	id := resp.Request.URL.Query().Get("id")
	resp, err := h.browser.PostForm(h.resident.srv.URL+"/login", url.Values{"id": {id}, "account": {"resident-high"}})
	require.NoError(t, err)
	b := body(t, resp)
	assert.Equal(t, "/permit/high", resp.Request.URL.Path)
	assert.Contains(t, b, "resident-high-0003|high|")

	// A workflow transition refused for assurance steps up the same way.
	req := httptest.NewRequest(http.MethodPost, "/cases/7/approve", nil)
	req = req.WithContext(WithPrincipal(req.Context(), &Principal{Subject: "s", Provider: "staff", Assurance: AssuranceLow}))
	req.Header.Set("Accept", "text/html")
	rec := httptest.NewRecorder()
	h.rp.StepUp(rec, req, AssuranceSubstantial)
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "a POST is not a navigation")
	req.Method = http.MethodGet
	rec = httptest.NewRecorder()
	h.rp.StepUp(rec, req, AssuranceSubstantial)
	assert.Equal(t, http.StatusSeeOther, rec.Code)
	assert.Equal(t, "/auth/login?assurance=substantial&provider=staff&return_to=%2Fcases%2F7%2Fapprove", rec.Header().Get("Location"))
}

func TestLogoutRPInitiated(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{method: ClientSecretBasic, store: true})
	h.login("resident-low")
	old := h.sessionCookie()
	require.NotNil(t, old)

	var endSession *url.URL
	h.browser.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if strings.Contains(req.URL.Path, "end_session") {
			endSession = req.URL
		}
		return nil
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, h.app.URL+"/auth/logout", nil)
	require.NoError(t, err)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := h.browser.Do(req)
	require.NoError(t, err)
	_ = body(t, resp)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "cross-site logout refused")
	require.NotNil(t, h.sessionCookie())

	resp, err = h.browser.PostForm(h.app.URL+"/auth/logout", nil)
	require.NoError(t, err)
	_ = body(t, resp)
	require.NotNil(t, endSession)
	q := endSession.Query()
	assert.NotEmpty(t, q.Get("id_token_hint"))
	assert.Equal(t, h.app.URL+"/goodbye", q.Get("post_logout_redirect_uri"))
	assert.Equal(t, "/goodbye", resp.Request.URL.Path, "provider sent the browser back")
	assert.Nil(t, h.sessionCookie(), "session cookie cleared")

	// The old cookie is dead server-side too.
	req, _ = http.NewRequest(http.MethodGet, h.app.URL, nil)
	req.AddCookie(old)
	_, err = h.rp.Sessions().Load(req)
	requireAuthErr(t, err, ErrSessionExpired)
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	good := ProviderConfig{Name: "resident", Issuer: "https://idp.example", ClientID: "c", ClientSecret: "s", RedirectURL: "https://app.example/auth/callback/resident"}
	require.NoError(t, good.Validate())
	tests := []struct {
		name string
		edit func(p *ProviderConfig)
		want string
	}{
		{name: "bad name", edit: func(p *ProviderConfig) { p.Name = "res ident" }, want: "name must be"},
		{name: "issuer", edit: func(p *ProviderConfig) { p.Issuer = "idp.example" }, want: "issuer"},
		{name: "client id", edit: func(p *ProviderConfig) { p.ClientID = "" }, want: "client id"},
		{name: "redirect", edit: func(p *ProviderConfig) { p.RedirectURL = "/cb" }, want: "redirect URL"},
		{name: "secret", edit: func(p *ProviderConfig) { p.ClientSecret = "" }, want: "needs a client secret"},
		{name: "private key", edit: func(p *ProviderConfig) { p.AuthMethod = PrivateKeyJWT }, want: "private_key_jwt needs"},
		{name: "method", edit: func(p *ProviderConfig) { p.AuthMethod = "tls_client_auth" }, want: "unknown auth method"},
		{name: "alg none", edit: func(p *ProviderConfig) { p.SigningAlgs = []string{"none"} }, want: `"none" is not allowed`},
		{name: "alg hmac", edit: func(p *ProviderConfig) { p.SigningAlgs = []string{"HS256"} }, want: `"HS256" is not allowed`},
		{name: "skew", edit: func(p *ProviderConfig) { p.ClockSkew = time.Hour }, want: "clock skew"},
		{name: "key refresh", edit: func(p *ProviderConfig) { p.KeyRefreshInterval = -time.Second }, want: "key refresh interval"},
		{name: "reserved param", edit: func(p *ProviderConfig) { p.AuthParams = map[string]string{"nonce": "x"} }, want: "reserved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := good
			tt.edit(&p)
			assert.ErrorContains(t, p.Validate(), tt.want)
		})
	}
	ring, err := keyring.New(keyring.GenerateKey("k"), nil, nil)
	require.NoError(t, err)
	sessions, err := NewSessions(ring, nil)
	require.NoError(t, err)
	_, err = NewRelyingParty(t.Context(), []ProviderConfig{good, good}, nil, &RelyingPartyConfig{PathPrefix: "auth/", PostLogoutPath: "//evil.example", FlowTTL: -1})
	require.Error(t, err)
	for _, want := range []string{"sessions are required", "path prefix", "post-logout path", "flow TTL", "duplicate provider"} {
		assert.ErrorContains(t, err, want)
	}
	_, err = NewRelyingParty(t.Context(), []ProviderConfig{good}, sessions, &RelyingPartyConfig{DefaultProvider: "staff"})
	assert.ErrorContains(t, err, "default provider")
	_, err = NewSessions(ring, &SessionConfig{AbsoluteTimeout: time.Hour, IdleTimeout: 2 * time.Hour})
	assert.ErrorContains(t, err, "exceeds")
	_, err = NewSessions(nil, nil)
	assert.Error(t, err)
}

// TestIssuerParameterOnlyWhenAdvertised logs in against a provider that
// does not send RFC 9207 iss: accepted by default, refused when the
// provider config demands the parameter.
func TestIssuerParameterOnlyWhenAdvertised(t *testing.T) {
	t.Parallel()
	for _, require9207 := range []bool{false, true} {
		t.Run(fmt.Sprintf("require=%v", require9207), func(t *testing.T) {
			t.Parallel()
			mux := http.NewServeMux()
			app := httptest.NewServer(mux)
			t.Cleanup(app.Close)
			dev, err := devprovider.Start("127.0.0.1:0", &devprovider.Config{
				DisableIssuerParameter: true,
				Clients:                []devprovider.Client{{ID: "c", Secret: "s", RedirectURIs: []string{app.URL + "/auth/callback/resident"}}},
			})
			require.NoError(t, err)
			t.Cleanup(func() { _ = dev.Close(context.Background()) })

			ring, err := keyring.New(keyring.GenerateKey("k"), nil, nil)
			require.NoError(t, err)
			sessions, err := NewSessions(ring, &SessionConfig{InsecureCookies: true})
			require.NoError(t, err)
			var refused error
			rp, err := NewRelyingParty(t.Context(), []ProviderConfig{{
				Name: "resident", Issuer: dev.Issuer(), ClientID: "c", ClientSecret: "s",
				RedirectURL: app.URL + "/auth/callback/resident", RequireIssuerParameter: require9207,
				AuthParams: map[string]string{"login_hint": "resident-low"},
			}}, sessions, &RelyingPartyConfig{ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
				refused = err
				http.Error(w, "refused", http.StatusBadRequest)
			}})
			require.NoError(t, err)
			mux.Handle("/auth/", rp.Handler())
			mux.Handle("/", rp.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				p, _ := PrincipalFrom(r.Context())
				fmt.Fprint(w, p.Subject)
			})))
			jar, _ := cookiejar.New(nil)
			var callback *url.URL
			browser := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
				if strings.Contains(req.URL.Path, "/auth/callback/") {
					callback = req.URL
				}
				return nil
			}}
			resp, err := browser.Get(app.URL + "/auth/login?provider=resident")
			require.NoError(t, err)
			b := body(t, resp)
			require.NotNil(t, callback)
			assert.False(t, callback.Query().Has("iss"))
			if require9207 {
				assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
				requireAuthErr(t, refused, ErrIssuerParameter)
				return
			}
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "resident-low-0001", b)
			assert.NoError(t, refused)
		})
	}
}

func TestLogoutWithoutSessionIsLocal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{method: ClientSecretBasic})
	h.browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := h.browser.PostForm(h.app.URL+"/auth/logout", nil)
	require.NoError(t, err)
	_ = body(t, resp)
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/", resp.Header.Get("Location"))
	resp = h.get("/auth/logout")
	_ = body(t, resp)
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, "logout is POST only")
}
