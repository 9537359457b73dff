package identity

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/adapters/sqlite"
)

// Two processes serving one city share a SQLite file: a logout in either,
// and a back-channel logout received by either, ends the session in both.
func TestSessionsRevokedAcrossProcesses(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "city.db")
	openStore := func() *sqlite.Store {
		s, err := sqlite.Open(t.Context(), path, nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	storeA, storeB := openStore(), openStore()
	h := newHarness(t, harnessOptions{method: ClientSecretBasic, sessionStore: storeA}) // process A
	b, err := NewSessions(h.keys, &SessionConfig{Store: storeB, Now: h.clock.Now})      // process B
	require.NoError(t, err)
	loadInB := func(c *http.Cookie) error {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(c)
		_, err := b.Load(req)
		return err
	}

	// Back-channel logout received by A ends the session B serves.
	h.login("resident-low")
	c := h.sessionCookie()
	require.NotNil(t, c)
	require.NoError(t, loadInB(c), "B sees the session A issued")
	tok := h.resident.sign(t, map[string]any{
		"iss": h.resident.srv.URL, "aud": "city-portal", "iat": time.Now().Unix(), "exp": time.Now().Add(2 * time.Minute).Unix(),
		"jti": newID(), "sub": "resident-low-0001",
		"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
	})
	resp, err := h.resident.srv.Client().PostForm(h.app.URL+"/auth/backchannel-logout/resident", url.Values{"logout_token": {tok}})
	require.NoError(t, err)
	_ = body(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.ErrorIs(t, loadInB(c), ErrSessionExpired, "a back-channel logout in A ends the session in B")

	// A logout in B ends the session A serves.
	h.login("resident-low")
	c = h.sessionCookie()
	require.Contains(t, body(t, h.get("/")), "resident-low-0001")
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(c)
	sess, err := b.Load(req)
	require.NoError(t, err)
	require.NoError(t, b.Clear(t.Context(), httptest.NewRecorder(), sess))
	assert.Equal(t, "anonymous", body(t, h.get("/")), "a logout in B ends the session in A")
}

// purgeCounter counts purges and reports each on a channel.
type purgeCounter struct {
	*memory.Store
	purges atomic.Int32
	done   chan time.Time
}

func (p *purgeCounter) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	p.purges.Add(1)
	n, err := p.Store.DeleteExpiredSessions(ctx, now)
	p.done <- now
	return n, err
}

func TestSessionsPurgeAtMostOncePerInterval(t *testing.T) {
	t.Parallel()
	clock := newClock()
	store := &purgeCounter{Store: memory.New(), done: make(chan time.Time, 10)}
	s, _ := newTestSessions(t, clock, &SessionConfig{Store: store, PurgeInterval: 10 * time.Minute})
	issue := func() {
		_, err := s.Issue(t.Context(), httptest.NewRecorder(), testPrincipal(), "", "")
		require.NoError(t, err)
	}
	waitPurge := func() time.Time {
		select {
		case at := <-store.done:
			return at
		case <-time.After(10 * time.Second):
			t.Fatal("no purge ran")
			return time.Time{}
		}
	}
	issue()
	assert.Equal(t, clock.Now(), waitPurge(), "the first login purges")
	// An expired session exists once the clock passes its absolute timeout.
	clock.Advance(13 * time.Hour)
	for range 5 {
		issue()
	}
	assert.Equal(t, clock.Now(), waitPurge())
	active, err := store.SessionActive(t.Context(), "nobody", clock.Now())
	require.NoError(t, err)
	assert.False(t, active)
	clock.Advance(5 * time.Minute)
	issue()
	clock.Advance(6 * time.Minute)
	issue()
	waitPurge()
	assert.Equal(t, int32(3), store.purges.Load(), "one purge per interval, however many logins")

	skip, _ := newTestSessions(t, clock, &SessionConfig{Store: store, SkipPurge: true})
	clock.Advance(time.Hour)
	_, err = skip.Issue(t.Context(), httptest.NewRecorder(), testPrincipal(), "", "")
	require.NoError(t, err)
	assert.Equal(t, int32(3), store.purges.Load(), "SkipPurge leaves purging to the host")
}

// The cookie carries each claim once: claims the principal's fields hold
// are not stored again in Claims.
func TestSessionCookieDoesNotRepeatClaims(t *testing.T) {
	t.Parallel()
	s, kr := newTestSessions(t, newClock(), nil)
	p := testPrincipal()
	p.Claims = map[string]any{"sub": p.Subject, "iss": p.Issuer, "email": p.Email, "name": p.Name, "phone_number": p.Phone, "acr": "x"}
	rec := httptest.NewRecorder()
	_, err := s.Issue(t.Context(), rec, p, "", "")
	require.NoError(t, err)
	plain, err := kr.Open(sessionPurpose, rec.Result().Cookies()[0].Value)
	require.NoError(t, err)
	for _, v := range []string{p.Subject, p.Issuer, p.Email, p.Name, p.Phone} {
		assert.Equal(t, 1, strings.Count(string(plain), v), "%q is stored once", v)
	}
	got, err := s.Decode(rec.Result().Cookies()[0].Value)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"acr": "x"}, got.Principal.Claims)
	assert.Equal(t, p.Email, got.Principal.PrefillValues()["email"])
}

func TestSessionDecodeRefusesOversizedValues(t *testing.T) {
	t.Parallel()
	s, kr := newTestSessions(t, newClock(), nil)
	big := kr.Seal(sessionPurpose, []byte(`{"id":"x","p":{"iss":"i","sub":"s","claims":{"b":"`+strings.Repeat("x", 4000)+`"}}}`))
	_, err := s.Decode(big)
	assert.ErrorIs(t, err, ErrSession)
}

var _ adapters.SessionStore = (*purgeCounter)(nil)
