package identity

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/identity/devprovider"
	"github.com/civickit/civickit/keyring"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"
)

// Keys are expensive to generate; tests share a few.
var (
	keysOnce              sync.Once
	opKeyA, opKeyB, rpKey *rsa.PrivateKey
	rpECKey               *ecdsa.PrivateKey
	strangerKey           *rsa.PrivateKey
)

func testKeys() {
	keysOnce.Do(func() {
		gen := func() *rsa.PrivateKey {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			return k
		}
		opKeyA, opKeyB, rpKey, strangerKey = gen(), gen(), gen(), gen()
		var err error
		rpECKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
	})
}

// opServer is a real development provider behind an optional hostile
// wrapper that can rewrite token requests and responses.
type opServer struct {
	srv *httptest.Server
	op  *devprovider.Provider
	key *rsa.PrivateKey
	kid string

	mu        sync.Mutex
	tokenReq  func(url.Values)
	tokenResp func(map[string]any)
	lastForm  url.Values
	lastBasic bool
	userinfo  int
}

func (o *opServer) userinfoCalls() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.userinfo
}

func (o *opServer) lastTokenRequest() (url.Values, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.lastForm, o.lastBasic
}

func (o *opServer) setHooks(req func(url.Values), resp func(map[string]any)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.tokenReq, o.tokenResp = req, resp
}

func (o *opServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	reqHook, respHook := o.tokenReq, o.tokenResp
	if r.URL.Path == "/userinfo" {
		o.userinfo++
	}
	o.mu.Unlock()
	if r.URL.Path == "/oauth/token" {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		_, _, basic := r.BasicAuth()
		o.mu.Lock()
		o.lastForm, o.lastBasic = form, basic
		o.mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(string(b)))
	}
	if r.URL.Path != "/oauth/token" || (reqHook == nil && respHook == nil) {
		o.op.ServeHTTP(w, r)
		return
	}
	if reqHook != nil {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		reqHook(form)
		enc := form.Encode()
		r.Body = io.NopCloser(strings.NewReader(enc))
		r.ContentLength = int64(len(enc))
	}
	rec := httptest.NewRecorder()
	o.op.ServeHTTP(rec, r)
	out := rec.Body.Bytes()
	if respHook != nil && rec.Code == http.StatusOK {
		var m map[string]any
		if json.Unmarshal(out, &m) == nil {
			respHook(m)
			out, _ = json.Marshal(m)
		}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	_, _ = w.Write(out)
}

// sign re-signs claims with the provider's own key and kid.
func (o *opServer) sign(t testing.TB, claims map[string]any) string {
	return signJWT(t, jose.RS256, o.key, o.kid, claims)
}

func signJWT(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, (&jose.SignerOptions{}).WithType("JWT"))
	require.NoError(t, err)
	payload, err := json.Marshal(claims)
	require.NoError(t, err)
	jws, err := signer.Sign(payload)
	require.NoError(t, err)
	s, err := jws.CompactSerialize()
	require.NoError(t, err)
	return s
}

func unsignedJWT(claims map[string]any) string {
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	p, _ := json.Marshal(claims)
	return h + "." + base64.RawURLEncoding.EncodeToString(p) + "."
}

func claimsOf(t testing.TB, raw string) map[string]any {
	t.Helper()
	parts := strings.Split(raw, ".")
	require.Len(t, parts, 3)
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// harness runs two real providers ("resident" and "staff"), a relying
// party application, and a browser-less client with a cookie jar.
type harness struct {
	t        *testing.T
	resident *opServer
	staff    *opServer
	rp       *RelyingParty
	keys     *keyring.KeyRing
	store    adapters.SessionStore
	app      *httptest.Server
	jar      *cookiejar.Jar
	browser  *http.Client
	clock    *testClock

	mu      sync.Mutex
	lastErr error
}

type harnessOptions struct {
	method AuthMethod
	ecKey  bool
	store  bool
	// sessionStore, when set, is the session store (store is then implied).
	sessionStore  adapters.SessionStore
	extraAudience []string
}

func newOP(t *testing.T, key *rsa.PrivateKey, kid string, client devprovider.Client) *opServer {
	o := &opServer{key: key, kid: kid}
	o.srv = httptest.NewUnstartedServer(o)
	o.srv.StartTLS()
	t.Cleanup(o.srv.Close)
	p, err := devprovider.New(o.srv.URL, &devprovider.Config{SigningKey: key, KeyID: kid, Clients: []devprovider.Client{client}})
	require.NoError(t, err)
	o.op = p
	return o
}

func newHarness(t *testing.T, opts harnessOptions) *harness {
	t.Helper()
	testKeys()
	h := &harness{t: t, clock: &testClock{}}
	appMux := http.NewServeMux()
	h.app = httptest.NewUnstartedServer(appMux)
	h.app.StartTLS()
	t.Cleanup(h.app.Close)

	residentClient := devprovider.Client{
		ID: "city-portal", Secret: "portal-secret", AuthMethod: string(opts.method),
		RedirectURIs:           []string{h.app.URL + "/auth/callback/resident"},
		PostLogoutRedirectURIs: []string{h.app.URL + "/goodbye"},
		ExtraAudience:          opts.extraAudience,
	}
	var rpPriv any = rpKey
	if opts.ecKey {
		rpPriv = rpECKey
	}
	if opts.method == PrivateKeyJWT {
		residentClient.Secret = ""
		residentClient.KeyID = "rp-key-1"
		switch k := rpPriv.(type) {
		case *rsa.PrivateKey:
			residentClient.PublicKey = &k.PublicKey
		case *ecdsa.PrivateKey:
			residentClient.PublicKey = &k.PublicKey
		}
	}
	h.resident = newOP(t, opKeyA, "resident-key", residentClient)
	h.staff = newOP(t, opKeyB, "staff-key", devprovider.Client{
		ID: "city-portal-staff", Secret: "staff-secret", RedirectURIs: []string{h.app.URL + "/auth/callback/staff"},
	})

	var err error
	h.keys, err = keyring.New(keyring.GenerateKey("k1"), nil, &keyring.Config{Grace: time.Hour, Now: h.clock.Now})
	require.NoError(t, err)
	scfg := &SessionConfig{Now: h.clock.Now}
	if opts.sessionStore != nil {
		h.store = opts.sessionStore
	} else if opts.store {
		h.store = memory.New()
	}
	scfg.Store = h.store
	sessions, err := NewSessions(h.keys, scfg)
	require.NoError(t, err)

	resident := ProviderConfig{
		Name: "resident", Issuer: h.resident.srv.URL, ClientID: "city-portal", ClientSecret: "portal-secret",
		AuthMethod: opts.method, RedirectURL: h.app.URL + "/auth/callback/resident",
		Scopes: []string{"openid", "email", "profile", "phone"}, RolesClaim: "roles", FetchUserinfo: true,
		PostLogoutRedirectURL: h.app.URL + "/goodbye",
		Assurance:             loginGovAssurance(),
	}
	if opts.method == PrivateKeyJWT {
		resident.ClientSecret = ""
		resident.PrivateKey = rpPriv.(crypto.Signer)
		resident.PrivateKeyID = "rp-key-1"
		resident.AssertionAudience = []string{h.resident.srv.URL}
	}
	staff := ProviderConfig{
		Name: "staff", Issuer: h.staff.srv.URL, ClientID: "city-portal-staff", ClientSecret: "staff-secret",
		RedirectURL: h.app.URL + "/auth/callback/staff", RolesClaim: "groups",
		Assurance: AssuranceConfig{
			AMR:     map[string]AssuranceLevel{"mfa": AssuranceSubstantial, "pwd": AssuranceLow},
			Request: map[AssuranceLevel]AssuranceRequest{AssuranceSubstantial: {VTR: `["Cl.Cm"]`}},
		},
	}
	h.rp, err = NewRelyingParty(t.Context(), []ProviderConfig{resident, staff}, sessions, &RelyingPartyConfig{
		HTTPClient: h.resident.srv.Client(),
		Now:        h.clock.Now,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			h.mu.Lock()
			h.lastErr = err
			h.mu.Unlock()
			defaultErrorPage(w, r, err)
		},
	})
	require.NoError(t, err)

	appMux.Handle("/auth/", h.rp.Handler())
	show := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := PrincipalFrom(r.Context())
		if !ok {
			fmt.Fprint(w, "anonymous")
			return
		}
		fmt.Fprintf(w, "%s|%s|%s|%s|%s", p.Provider, p.Subject, p.Assurance, strings.Join(p.Roles, ","), p.Email)
	})
	appMux.Handle("/", h.rp.Middleware(show))
	appMux.Handle("/account", h.rp.Middleware(h.rp.RequireLogin(show)))
	appMux.Handle("/permit/high", h.rp.Middleware(h.rp.RequireAssurance(AssuranceHigh)(show)))
	appMux.Handle("/inspections", h.rp.Middleware(h.rp.RequireLogin(RequireRole("inspector")(show))))

	h.jar, err = cookiejar.New(nil)
	require.NoError(t, err)
	h.browser = &http.Client{Transport: h.resident.srv.Client().Transport, Jar: h.jar, Timeout: 10 * time.Second}
	return h
}

func (h *harness) takeErr() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	err := h.lastErr
	h.lastErr = nil
	return err
}

func (h *harness) get(path string, header ...string) *http.Response {
	h.t.Helper()
	req, err := http.NewRequestWithContext(h.t.Context(), http.MethodGet, h.url(path), nil)
	require.NoError(h.t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := h.browser.Do(req)
	require.NoError(h.t, err)
	return resp
}

func (h *harness) url(path string) string {
	if strings.HasPrefix(path, "https://") {
		return path
	}
	return h.app.URL + path
}

func body(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// begin starts a login at the relying party, signs in at the provider as
// account, and returns the provider's redirect back to the relying party's
// callback without following it.
func (h *harness) begin(loginPath, account string) string {
	h.t.Helper()
	var callback string
	h.browser.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), h.app.URL+"/auth/callback/") {
			callback = req.URL.String()
			return http.ErrUseLastResponse
		}
		return nil
	}
	defer func() { h.browser.CheckRedirect = nil }()
	resp := h.get(loginPath)
	page := body(h.t, resp)
	require.Equal(h.t, http.StatusOK, resp.StatusCode, page)
	require.Contains(h.t, page, "Development provider")
	id := resp.Request.URL.Query().Get("id")
	require.NotEmpty(h.t, id)
	resp, err := h.browser.PostForm(resp.Request.URL.Scheme+"://"+resp.Request.URL.Host+"/login", url.Values{"id": {id}, "account": {account}})
	require.NoError(h.t, err)
	_ = body(h.t, resp)
	require.NotEmpty(h.t, callback, "provider did not redirect to the callback")
	return callback
}

// finish visits the callback and follows the redirect to the return path.
func (h *harness) finish(callback string) (*http.Response, string) {
	h.t.Helper()
	resp := h.get(callback)
	return resp, body(h.t, resp)
}

func (h *harness) login(account string) string {
	h.t.Helper()
	resp, b := h.finish(h.begin("/auth/login?provider=resident&return_to=/", account))
	require.Equal(h.t, http.StatusOK, resp.StatusCode, b)
	return b
}

func (h *harness) sessionCookie() *http.Cookie {
	u, _ := url.Parse(h.app.URL)
	for _, c := range h.jar.Cookies(u) {
		if c.Name == h.rp.Sessions().CookieName() {
			return c
		}
	}
	return nil
}

func (h *harness) setCookie(name, value string) {
	u, _ := url.Parse(h.app.URL)
	h.jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/", Secure: true}})
}

func (h *harness) cookie(name string) *http.Cookie {
	u, _ := url.Parse(h.app.URL)
	for _, c := range h.jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func loginGovAssurance() AssuranceConfig {
	return AssuranceConfig{
		Request: map[AssuranceLevel]AssuranceRequest{
			AssuranceLow:         {ACRValues: []string{devprovider.ACRAuthOnly}},
			AssuranceSubstantial: {ACRValues: []string{devprovider.ACRVerified}},
			AssuranceHigh:        {ACRValues: []string{devprovider.ACRFacialMatch}},
		},
		ACR: map[string]AssuranceLevel{
			devprovider.ACRAuthOnly:    AssuranceLow,
			devprovider.ACRVerified:    AssuranceSubstantial,
			devprovider.ACRFacialMatch: AssuranceHigh,
		},
	}
}

func requireAuthErr(t testing.TB, err error, reason error) {
	t.Helper()
	require.Error(t, err)
	var ae *AuthError
	require.True(t, errors.As(err, &ae), "want *AuthError, got %T: %v", err, err)
	require.ErrorIs(t, err, reason)
}

func decodeSegment(t testing.TB, seg string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	require.NoError(t, err)
	return string(b)
}
