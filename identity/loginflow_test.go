package identity

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/keyring"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const flowCookiePrefix = "__Host-civickit_flow"

// flowCookies returns the login-flow cookies in the harness browser.
func flowCookies(h *harness) []*http.Cookie {
	u, _ := url.Parse(h.app.URL)
	var out []*http.Cookie
	for _, c := range h.jar.Cookies(u) {
		if strings.HasPrefix(c.Name, flowCookiePrefix) {
			out = append(out, c)
		}
	}
	return out
}

// countTokenRequests counts the requests that reach the resident
// provider's token endpoint.
func countTokenRequests(h *harness) *atomic.Int64 {
	var n atomic.Int64
	h.resident.setHooks(func(url.Values) { n.Add(1) }, nil)
	return &n
}

func TestReplayedCallbackNeverReachesTheTokenEndpoint(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{method: ClientSecretBasic})
	tokenRequests := countTokenRequests(h)
	cb := h.begin("/auth/login?provider=resident&return_to=/", "resident-low")
	captured := flowCookies(h)
	require.Len(t, captured, 1)
	resp, b := h.finish(cb)
	require.Equal(t, http.StatusOK, resp.StatusCode, b)
	require.Equal(t, int64(1), tokenRequests.Load())
	assert.Empty(t, flowCookies(h), "the flow cookie is cleared after use")

	// An attacker who captured the callback URL and the flow cookie
	// replays both from a browser without a session.
	deleteCookie(h, h.rp.Sessions().CookieName())
	h.setCookie(captured[0].Name, captured[0].Value)
	resp, b = h.finish(cb)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, b)
	requireAuthErr(t, h.takeErr(), ErrFlowReplayed)
	assert.Equal(t, int64(1), tokenRequests.Load(), "the code is never sent to the provider twice")
	assert.Nil(t, h.sessionCookie())
}

func TestTwoTabsLogInAtTheSameTime(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{method: ClientSecretBasic})
	first := h.begin("/auth/login?provider=resident&return_to=/", "resident-low")
	second := h.begin("/auth/login?provider=resident&return_to=/", "resident-substantial")
	require.Len(t, flowCookies(h), 2, "one flow cookie per login in progress")

	resp, b := h.finish(second)
	require.Equal(t, http.StatusOK, resp.StatusCode, b)
	assert.Contains(t, b, "resident-substantial-0002")
	resp, b = h.finish(first)
	require.Equal(t, http.StatusOK, resp.StatusCode, b)
	assert.Contains(t, b, "resident-low-0001")
	assert.Empty(t, flowCookies(h), "each flow cookie is cleared after use")
}

func TestLoginFlowsInOneBrowserAreBounded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{method: ClientSecretBasic})
	oldest := h.begin("/auth/login?provider=resident&return_to=/", "resident-low")
	h.browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for range 3 * maxFlows {
		h.clock.Advance(time.Millisecond)
		resp := h.get("/auth/login?provider=resident&return_to=/")
		_ = body(t, resp)
		require.Equal(t, http.StatusFound, resp.StatusCode)
		assert.LessOrEqual(t, len(flowCookies(h)), maxFlows)
	}
	h.browser.CheckRedirect = nil
	assert.Len(t, flowCookies(h), maxFlows)
	newest := h.begin("/auth/login?provider=resident&return_to=/", "resident-substantial")
	resp, b := h.finish(newest)
	require.Equal(t, http.StatusOK, resp.StatusCode, b)
	resp, b = h.finish(oldest)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, b)
	requireAuthErr(t, h.takeErr(), ErrState) // its cookie was dropped for newer ones
}

func TestConsumedFlowsStayBounded(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	c := consumedFlows{limit: 10}
	key := func(i int) [16]byte { return [16]byte{byte(i), byte(i >> 8)} }
	for i := range 100 {
		require.True(t, c.consume(key(i), now.Add(time.Hour), now), "flow %d", i)
		require.LessOrEqual(t, len(c.seen), 10)
		require.LessOrEqual(t, len(c.order), 10)
	}
	assert.False(t, c.consume(key(99), now.Add(time.Hour), now), "a remembered flow is refused")
	later := now.Add(2 * time.Hour)
	require.True(t, c.consume(key(1000), later.Add(time.Hour), later))
	assert.Len(t, c.seen, 1, "expired flows are forgotten")
}

// countingFlows records the flow keys a shared session store is asked to
// consume, to show what the store sees.
type countingFlows struct {
	adapters.SessionStore
	mu       sync.Mutex
	consumed map[string]time.Time
}

func (s *countingFlows) ConsumeFlow(ctx context.Context, key string, expires time.Time) error {
	s.mu.Lock()
	if s.consumed == nil {
		s.consumed = map[string]time.Time{}
	}
	s.consumed[key] = expires
	s.mu.Unlock()
	return s.SessionStore.ConsumeFlow(ctx, key, expires)
}

func TestConsumedFlowsAreSharedThroughTheSessionStore(t *testing.T) {
	t.Parallel()
	testKeys()
	ks := newKeyServer(t)
	store := &countingFlows{SessionStore: memory.New()}
	keys, err := keyring.New(keyring.GenerateKey("k1"), nil, nil)
	require.NoError(t, err)
	process := func() *RelyingParty {
		sessions, err := NewSessions(keys, &SessionConfig{Store: store})
		require.NoError(t, err)
		rp, err := NewRelyingParty(t.Context(), []ProviderConfig{{
			Name: "stub", Issuer: ks.srv.URL, ClientID: stubClient, ClientSecret: "secret",
			RedirectURL: "https://app.example/auth/callback/stub",
		}}, sessions, nil)
		require.NoError(t, err)
		return rp
	}
	one, two := process(), process()
	f := &flow{Provider: "stub", State: "state-of-one-login", Created: time.Now().UnixMilli()}
	require.NoError(t, one.consumeFlow(t.Context(), f))
	requireAuthErr(t, two.consumeFlow(t.Context(), f), ErrFlowReplayed)
	require.Len(t, store.consumed, 1)
	for k, exp := range store.consumed {
		assert.NotContains(t, k, f.State, "the store never sees the state")
		assert.WithinDuration(t, time.UnixMilli(f.Created).Add(10*time.Minute), exp, time.Second)
	}
	other := &flow{Provider: "stub", State: "state-of-another-login", Created: time.Now().UnixMilli()}
	require.NoError(t, two.consumeFlow(t.Context(), other))
}
