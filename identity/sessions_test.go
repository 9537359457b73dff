package identity

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/keyring"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)} }
func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func testPrincipal() *Principal {
	return &Principal{
		Issuer: "https://id.example", Subject: "user-123", Email: "ada@example.org", EmailVerified: true,
		Name: "Ada Lovelace", Phone: "+15555550100", Roles: []string{"staff", "inspector"},
		Assurance: AssuranceSubstantial, AuthTime: time.Date(2026, 11, 23, 9, 59, 0, 0, time.UTC), Provider: "staff",
		Claims: map[string]any{"sub": "user-123", "acr": "urn:acr.login.gov:verified", "groups": []any{"staff", "inspector"}},
	}
}

func newTestSessions(t testing.TB, clock *fakeClock, cfg *SessionConfig) (*Sessions, *keyring.KeyRing) {
	kr, err := keyring.New(keyring.GenerateKey("k1"), nil, &keyring.Config{Grace: time.Hour, Now: clock.Now})
	require.NoError(t, err)
	if cfg == nil {
		cfg = &SessionConfig{}
	}
	cfg.Now = clock.Now
	s, err := NewSessions(kr, cfg)
	require.NoError(t, err)
	return s, kr
}

func mustEncode(t testing.TB, sess *Session) []byte {
	t.Helper()
	b, err := encodeSession(sess, true)
	require.NoError(t, err)
	return b
}

func issueCookie(t testing.TB, s *Sessions) (*http.Cookie, *Session) {
	rec := httptest.NewRecorder()
	sess, err := s.Issue(t.Context(), rec, testPrincipal(), "header.payload.sig", "sid-1")
	require.NoError(t, err)
	cookies := rec.Result().Cookies()
	require.Len(t, cookies, 2, "session and id token hint")
	require.Equal(t, s.CookieName(), cookies[0].Name)
	return cookies[0], sess
}

func TestSessionRoundTripAndCookieAttributes(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s, _ := newTestSessions(t, clock, nil)
	c, issued := issueCookie(t, s)
	assert.Equal(t, "__Host-civickit_session", c.Name)
	assert.True(t, c.Secure)
	assert.True(t, c.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
	assert.Equal(t, "/", c.Path)
	assert.Empty(t, c.Domain)

	got, err := s.Decode(c.Value)
	require.NoError(t, err)
	assert.Equal(t, issued.ID, got.ID)
	want := testPrincipal()
	delete(want.Claims, "sub") // held by Subject; PrefillValues puts it back
	assert.Equal(t, want, got.Principal)
	assert.Equal(t, "user-123", got.Principal.PrefillValues()["sub"])
	assert.Empty(t, got.IDToken, "the ID token travels in its own cookie")
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	rec := httptest.NewRecorder()
	_, err = s.Issue(t.Context(), rec, testPrincipal(), "header.payload.sig", "")
	require.NoError(t, err)
	for _, ck := range rec.Result().Cookies() {
		req.AddCookie(ck)
	}
	loaded, err := s.Load(req)
	require.NoError(t, err)
	assert.Equal(t, "header.payload.sig", s.IDTokenHint(req, loaded))
	assert.Empty(t, s.IDTokenHint(req, got), "hint is bound to its own session")
	assert.Equal(t, "sid-1", got.ProviderSessionID)
	assert.NotContains(t, c.Value, "ada@example.org")
}

func TestSessionNewIDOnEveryLogin(t *testing.T) {
	t.Parallel()
	s, _ := newTestSessions(t, newClock(), nil)
	_, a := issueCookie(t, s)
	_, b := issueCookie(t, s)
	assert.NotEqual(t, a.ID, b.ID)
}

func TestSessionRejections(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s, kr := newTestSessions(t, clock, &SessionConfig{AbsoluteTimeout: 2 * time.Hour, IdleTimeout: 30 * time.Minute})
	c, _ := issueCookie(t, s)
	other, err := keyring.New(keyring.GenerateKey("k1"), nil, nil)
	require.NoError(t, err)

	tests := []struct {
		name    string
		value   func() string
		advance time.Duration
		want    error
	}{
		{name: "tampered", value: func() string { return flipChar(c.Value, len(c.Value)/2) }, want: ErrSession},
		{name: "truncated", value: func() string { return c.Value[:len(c.Value)-10] }, want: ErrSession},
		{name: "empty", value: func() string { return "" }, want: ErrSession},
		{name: "not base64", value: func() string { return "!!!" }, want: ErrSession},
		{name: "other key same id", value: func() string {
			return other.Seal(sessionPurpose, mustEncode(t, &Session{ID: "x", Principal: testPrincipal(), Created: clock.Now(), LastSeen: clock.Now()}))
		}, want: ErrSession},
		{name: "wrong purpose", value: func() string {
			return kr.Seal("civickit flow v1", mustEncode(t, &Session{ID: "x", Principal: testPrincipal(), Created: clock.Now(), LastSeen: clock.Now()}))
		}, want: ErrSession},
		{name: "idle timeout", value: func() string { return c.Value }, advance: 31 * time.Minute, want: ErrSessionExpired},
		{name: "absolute timeout", value: func() string {
			return kr.Seal(sessionPurpose, mustEncode(t, &Session{ID: "x", Principal: testPrincipal(), Created: clock.Now().Add(-2 * time.Hour), LastSeen: clock.Now()}))
		}, want: ErrSessionExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Not parallel: the idle case moves the shared clock.
			v := tt.value()
			clock.Advance(tt.advance)
			defer clock.Advance(-tt.advance)
			_, err := s.Decode(v)
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.want)
			var ae *AuthError
			assert.ErrorAs(t, err, &ae)
		})
	}
}

func flipChar(s string, i int) string {
	b := []byte(s)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestSessionMiddleware(t *testing.T) {
	t.Parallel()
	clock := newClock()
	store := memory.New()
	s, _ := newTestSessions(t, clock, &SessionConfig{Store: store})
	c, sess := issueCookie(t, s)

	var seen *Principal
	h := s.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = PrincipalFrom(r.Context())
	}))
	serve := func(cookie *http.Cookie) *httptest.ResponseRecorder {
		seen = nil
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	serve(c)
	require.NotNil(t, seen)
	assert.Equal(t, "user-123", seen.Subject)

	serve(nil)
	assert.Nil(t, seen)

	bad := *c
	bad.Value = flipChar(c.Value, 20)
	rec := serve(&bad)
	assert.Nil(t, seen)
	assert.Contains(t, rec.Header().Get("Set-Cookie"), "Max-Age=0", "invalid cookie is deleted")

	// Idle refresh re-issues the cookie with a later LastSeen.
	clock.Advance(10 * time.Minute)
	rec = serve(c)
	require.NotNil(t, seen)
	refreshed := rec.Result().Cookies()
	require.Len(t, refreshed, 1)
	again, err := s.Decode(refreshed[0].Value)
	require.NoError(t, err)
	assert.Equal(t, clock.Now(), again.LastSeen)

	// Revocation in the store ends the session.
	require.NoError(t, store.RevokeSession(t.Context(), sess.ID))
	serve(c)
	assert.Nil(t, seen)
}

func TestSessionTrimsOversizedClaims(t *testing.T) {
	t.Parallel()
	s, _ := newTestSessions(t, newClock(), nil)
	p := testPrincipal()
	p.Claims["blob"] = strings.Repeat("x", 5000)
	rec := httptest.NewRecorder()
	_, err := s.Issue(t.Context(), rec, p, "tok", "")
	require.NoError(t, err)
	c := rec.Result().Cookies()[0]
	assert.LessOrEqual(t, len(c.Value), maxCookieValue)
	got, err := s.Decode(c.Value)
	require.NoError(t, err)
	assert.Nil(t, got.Principal.Claims)
	assert.Equal(t, "Ada Lovelace", got.Principal.Name)
}

func TestValidateReturnPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{name: "root", in: "/", ok: true},
		{name: "path with query", in: "/cases/42?tab=notes#top", ok: true},
		{name: "scheme relative", in: "//evil.example"},
		{name: "absolute url", in: "https://evil.example"},
		{name: "backslash", in: `/\evil.example`},
		{name: "backslash later", in: `/a\b`},
		{name: "relative", in: "cases"},
		{name: "empty", in: ""},
		{name: "tab", in: "/\t/evil.example"},
		{name: "newline", in: "/a\nb"},
		{name: "encoded slashes", in: "/%2F%2Fevil.example"},
		{name: "encoded backslash", in: "/%5Cevil.example"},
		{name: "javascript", in: "javascript:alert(1)"},
		{name: "too long", in: "/" + strings.Repeat("a", 2000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ValidateReturnPath(tt.in)
			if tt.ok {
				require.NoError(t, err)
				assert.Equal(t, tt.in, got)
				return
			}
			assert.ErrorIs(t, err, ErrReturnPath)
		})
	}
}

func TestRolesFromClaims(t *testing.T) {
	t.Parallel()
	claims := map[string]any{
		"groups":                     []any{"staff", 7, "inspector"},
		"roles":                      "a b,c",
		"realm_access":               map[string]any{"roles": []any{"moderator"}},
		"https://city.example/roles": []any{"clerk"},
	}
	tests := []struct {
		name, path string
		want       []string
	}{
		{name: "array", path: "groups", want: []string{"staff", "inspector"}},
		{name: "string", path: "roles", want: []string{"a", "b", "c"}},
		{name: "nested", path: "realm_access.roles", want: []string{"moderator"}},
		{name: "dotted name", path: "https://city.example/roles", want: []string{"clerk"}},
		{name: "missing", path: "nope.roles", want: nil},
		{name: "unset", path: "", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, rolesFromClaims(claims, tt.path))
		})
	}
}

func TestAssuranceConfigLevel(t *testing.T) {
	t.Parallel()
	c := AssuranceConfig{
		ACR: map[string]AssuranceLevel{"urn:acr.login.gov:verified": AssuranceSubstantial},
		VoT: map[string]AssuranceLevel{"Cl.Cm.P2": AssuranceSubstantial, "Cl.Cm": AssuranceLow},
		AMR: map[string]AssuranceLevel{"pwd": AssuranceLow, "hwk": AssuranceHigh},
		Request: map[AssuranceLevel]AssuranceRequest{
			AssuranceLow:         {ACRValues: []string{"urn:acr.login.gov:auth-only"}},
			AssuranceSubstantial: {ACRValues: []string{"urn:acr.login.gov:verified"}},
		},
	}
	assert.Equal(t, AssuranceSubstantial, c.Level("urn:acr.login.gov:verified", "", nil))
	assert.Equal(t, AssuranceLow, c.Level("unknown", "Cl.Cm", nil))
	assert.Equal(t, AssuranceHigh, c.Level("", "", []string{"pwd", "hwk"}))
	assert.Equal(t, AssuranceNone, c.Level("", "", nil))
	r, ok := c.request(AssuranceNone)
	require.True(t, ok)
	assert.Equal(t, []string{"urn:acr.login.gov:auth-only"}, r.ACRValues)
	r, ok = c.request(AssuranceSubstantial)
	require.True(t, ok)
	assert.Equal(t, []string{"urn:acr.login.gov:verified"}, r.ACRValues)
	_, ok = c.request(AssuranceHigh)
	assert.False(t, ok)
	for _, l := range []AssuranceLevel{AssuranceNone, AssuranceLow, AssuranceSubstantial, AssuranceHigh} {
		back, err := ParseAssuranceLevel(l.String())
		require.NoError(t, err)
		assert.Equal(t, l, back)
	}
}

type brokenStore struct{ *memory.Store }

func (*brokenStore) SessionActive(context.Context, string, time.Time) (bool, error) {
	return false, errors.New("database unreachable")
}

func TestSessionStoreOutageKeepsCookie(t *testing.T) {
	t.Parallel()
	clock := newClock()
	store := &brokenStore{Store: memory.New()}
	s, _ := newTestSessions(t, clock, &SessionConfig{Store: store})
	c, _ := issueCookie(t, s)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(c)
	_, err := s.Load(req)
	require.Error(t, err)
	var ae *AuthError
	assert.False(t, errors.As(err, &ae), "a store failure is not a refused credential")
	rec := httptest.NewRecorder()
	called := false
	s.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, called = PrincipalFrom(r.Context())
		called = !called
	})).ServeHTTP(rec, req)
	assert.True(t, called, "request continues unauthenticated")
	assert.Empty(t, rec.Header().Values("Set-Cookie"), "cookie kept during an outage")
}

func TestPrincipalHelpers(t *testing.T) {
	t.Parallel()
	p := testPrincipal()
	p.Scopes = []string{"cases:read"}
	v := p.PrefillValues()
	assert.Equal(t, "ada@example.org", v["email"])
	assert.Equal(t, true, v["email_verified"])
	assert.Equal(t, "Ada Lovelace", v["name"])
	assert.Equal(t, "+15555550100", v["phone_number"])
	assert.Equal(t, "user-123", v["sub"])
	assert.Equal(t, "urn:acr.login.gov:verified", v["acr"], "raw claims included")
	v["email"] = "changed"
	assert.Equal(t, "ada@example.org", p.Email, "a fresh map")
	_, had := p.Claims["email"]
	assert.False(t, had, "the principal's claims are untouched")

	assert.True(t, p.HasRole("inspector"))
	assert.False(t, p.HasRole("moderator"))
	assert.True(t, p.HasScope("cases:read"))
	assert.False(t, p.HasScope("cases:write"))
	var none *Principal
	assert.False(t, none.HasRole("x"))
	assert.Empty(t, none.PrefillValues())

	ctx := WithPrincipal(t.Context(), p)
	got, ok := PrincipalFrom(ctx)
	require.True(t, ok)
	assert.Same(t, p, got)
	_, ok = SessionFrom(ctx)
	assert.False(t, ok, "a bare principal is not a session")
	_, ok = PrincipalFrom(t.Context())
	assert.False(t, ok)
}
