package feedback_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/feedback"
	"github.com/civickit/civickit/keyring"
)

const base = "https://city.example/unsubscribe/"

type unsubscribeFixture struct {
	u     *feedback.Unsubscribe
	store *memory.Store
	ring  *keyring.KeyRing
	clock *atomic.Int64
}

func newUnsubscribe(t *testing.T) unsubscribeFixture {
	t.Helper()
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	clock := new(atomic.Int64)
	clock.Store(at.UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	prefs, err := feedback.NewPreferences(store, &feedback.PreferencesConfig{Now: now})
	require.NoError(t, err)
	ring, err := keyring.New(keyring.GenerateKey("k1"), nil, nil)
	require.NoError(t, err)
	u, err := feedback.NewUnsubscribe(base, ring, prefs, &feedback.UnsubscribeConfig{MaxAge: 30 * 24 * time.Hour, Now: now})
	require.NoError(t, err)
	return unsubscribeFixture{u: u, store: store, ring: ring, clock: clock}
}

func (f unsubscribeFixture) link(t *testing.T, channel, address string) string {
	t.Helper()
	link, err := f.u.UnsubscribeURL(channel, address)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(link, base), "the link is the base URL and a token: %s", link)
	return link
}

func (f unsubscribeFixture) serve(method, target, contentType string, body []byte) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	f.u.Handler().ServeHTTP(w, r)
	return w
}

func oneClickForm() (string, []byte) {
	return "application/x-www-form-urlencoded", []byte("List-Unsubscribe=One-Click")
}

func (f unsubscribeFixture) optedOut(t *testing.T, channel, address string) bool {
	t.Helper()
	return reach(t, f.store, channel, address).OptedOut
}

func TestNewUnsubscribeRefusesBadArguments(t *testing.T) {
	t.Parallel()
	ring, err := keyring.New(keyring.GenerateKey("k1"), nil, nil)
	require.NoError(t, err)
	prefs, err := feedback.NewPreferences(memory.New(), nil)
	require.NoError(t, err)
	for _, bad := range []string{"", "city.example/u/", "ftp://city.example/u/", "https://city.example/u", "https:///u/",
		"https://city.example/u/?x=1", "https://city.example/u/#x"} {
		_, err := feedback.NewUnsubscribe(bad, ring, prefs, nil)
		assert.ErrorIs(t, err, adapters.ErrInvalidArgument, "base URL %q", bad)
	}
	_, err = feedback.NewUnsubscribe(base, nil, prefs, nil)
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
	_, err = feedback.NewUnsubscribe(base, ring, nil, nil)
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
	_, err = feedback.NewUnsubscribe(base, ring, prefs, &feedback.UnsubscribeConfig{MaxAge: -time.Hour})
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
	u, err := feedback.NewUnsubscribe(base, ring, prefs, nil)
	require.NoError(t, err)
	_, err = u.UnsubscribeURL("email", "not an address")
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
	_, err = u.UnsubscribeURL("", "r@example.org")
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
}

func TestUnsubscribeOneClickPost(t *testing.T) {
	t.Parallel()
	multipartBody := func() (string, []byte) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		require.NoError(t, mw.WriteField("List-Unsubscribe", "One-Click"))
		require.NoError(t, mw.Close())
		return mw.FormDataContentType(), b.Bytes()
	}
	tests := []struct {
		name string
		body func() (string, []byte)
	}{
		{"form urlencoded", oneClickForm},
		{"form urlencoded with charset", func() (string, []byte) {
			return "application/x-www-form-urlencoded; charset=utf-8", []byte("List-Unsubscribe=One-Click")
		}},
		{"multipart", multipartBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newUnsubscribe(t)
			link := f.link(t, "email", "resident@example.org")
			ct, body := tt.body()
			w := f.serve(http.MethodPost, link, ct, body)
			assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
			assert.True(t, f.optedOut(t, "email", "resident@example.org"), "one POST opts out, with no further step")
			hist, err := f.store.ListOptOutChanges(context.Background(), "email", "resident@example.org")
			require.NoError(t, err)
			require.Len(t, hist, 1)
			assert.Equal(t, feedback.ViaLink, hist[0].Via)
			assert.NotContains(t, w.Body.String(), "resident@example.org", "the page masks the address")
			assert.Contains(t, w.Body.String(), "r•••@example.org")

			// Mail providers may post twice: the second changes nothing.
			w = f.serve(http.MethodPost, link, ct, body)
			assert.Equal(t, http.StatusOK, w.Code)
			hist, err = f.store.ListOptOutChanges(context.Background(), "email", "resident@example.org")
			require.NoError(t, err)
			assert.Len(t, hist, 1, "a second POST records nothing")
		})
	}
}

func TestUnsubscribeGetNeverOptsOut(t *testing.T) {
	t.Parallel()
	f := newUnsubscribe(t)
	link := f.link(t, "sms", number)
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		w := f.serve(method, link, "", nil)
		assert.Equal(t, http.StatusOK, w.Code, method)
		assert.False(t, f.optedOut(t, "sms", number), "%s never opts out: mail scanners fetch links", method)
		assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
		assert.Equal(t, "no-referrer", w.Header().Get("Referrer-Policy"))
		assert.Contains(t, w.Header().Get("Content-Security-Policy"), "default-src 'none'")
		assert.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"))
	}
	page := f.serve(http.MethodGet, link, "", nil).Body.String()
	assert.Contains(t, page, `<html lang="en">`)
	assert.Contains(t, page, `<form method="post">`)
	assert.Contains(t, page, `<input type="hidden" name="List-Unsubscribe" value="One-Click">`)
	assert.Contains(t, page, `<button type="submit">Unsubscribe</button>`)
	assert.Contains(t, page, "•••0100")
	assert.NotContains(t, page, number, "the page masks the number")
}

func TestUnsubscribeRefusesBadTokens(t *testing.T) {
	t.Parallel()
	f := newUnsubscribe(t)
	good := f.link(t, "email", "resident@example.org")
	token := strings.TrimPrefix(good, base)
	otherRing, err := keyring.New(keyring.GenerateKey("k1"), nil, nil)
	require.NoError(t, err)
	flipped := []byte(token)
	flipped[len(flipped)-3] ^= 1
	tests := map[string]string{
		"no token":            base,
		"garbled":             base + "not-a-token",
		"tampered":            base + string(flipped),
		"truncated":           base + token[:len(token)-5],
		"another ring":        base + otherRing.Seal(feedback.UnsubscribePurpose, []byte(`{"c":"email","a":"resident@example.org","t":1777000000}`)),
		"another purpose":     base + f.ring.Seal("civickit/identity/session", []byte(`{"c":"email","a":"resident@example.org","t":1777000000}`)),
		"not json":            base + f.ring.Seal(feedback.UnsubscribePurpose, []byte(`email resident@example.org`)),
		"bad address inside":  base + f.ring.Seal(feedback.UnsubscribePurpose, []byte(`{"c":"email","a":"nobody","t":1777000000}`)),
		"oversized":           base + strings.Repeat("a", 5000),
		"issued in future":    base + f.ring.Seal(feedback.UnsubscribePurpose, []byte(`{"c":"email","a":"resident@example.org","t":4102444800}`)),
		"issued long ago":     base + f.ring.Seal(feedback.UnsubscribePurpose, []byte(`{"c":"email","a":"resident@example.org","t":1}`)),
		"token in the middle": base + token + "/x",
	}
	ct, body := oneClickForm()
	for name, target := range tests {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			w := f.serve(method, target, ct, body)
			assert.Equal(t, http.StatusNotFound, w.Code, "%s %s", method, name)
			assert.Contains(t, w.Body.String(), "expired or is not valid", name)
		}
	}
	assert.False(t, f.optedOut(t, "email", "resident@example.org"), "no bad token changes anything")
}

func TestUnsubscribeLinkExpires(t *testing.T) {
	t.Parallel()
	f := newUnsubscribe(t)
	link := f.link(t, "email", "resident@example.org")
	f.clock.Add(int64(29 * 24 * time.Hour))
	assert.Equal(t, http.StatusOK, f.serve(http.MethodGet, link, "", nil).Code, "a link works until its max age")
	f.clock.Add(int64(2 * 24 * time.Hour))
	ct, body := oneClickForm()
	assert.Equal(t, http.StatusNotFound, f.serve(http.MethodPost, link, ct, body).Code, "an expired link answers 404")
	assert.False(t, f.optedOut(t, "email", "resident@example.org"))
}

func TestUnsubscribeTokenIsForItsAddressOnly(t *testing.T) {
	t.Parallel()
	f := newUnsubscribe(t)
	mine := f.link(t, "email", "a@example.org")
	theirs := f.link(t, "email", "b@example.org")
	assert.NotEqual(t, strings.TrimPrefix(mine, base), strings.TrimPrefix(theirs, base))
	ct, body := oneClickForm()
	// The address is only inside the sealed token: query parameters and
	// path segments naming another address are ignored.
	w := f.serve(http.MethodPost, "https://city.example/unsubscribe/"+strings.TrimPrefix(mine, base)+"?address=b@example.org", ct, body)
	require.Equal(t, http.StatusOK, w.Code)
	assert.True(t, f.optedOut(t, "email", "a@example.org"))
	assert.False(t, f.optedOut(t, "email", "b@example.org"), "a token opts out its own address only")
	assert.False(t, f.optedOut(t, "sms", "a@example.org"), "and only on its own channel")
}

func TestUnsubscribeRefusesBadPosts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		contentType string
		body        []byte
		want        int
	}{
		{"no field", "application/x-www-form-urlencoded", []byte("confirm=yes"), http.StatusBadRequest},
		{"wrong value", "application/x-www-form-urlencoded", []byte("List-Unsubscribe=Yes"), http.StatusBadRequest},
		{"empty body", "application/x-www-form-urlencoded", nil, http.StatusBadRequest},
		{"json", "application/json", []byte(`{"List-Unsubscribe":"One-Click"}`), http.StatusUnsupportedMediaType},
		{"no content type", "", []byte("List-Unsubscribe=One-Click"), http.StatusUnsupportedMediaType},
		{"bad multipart", "multipart/form-data; boundary=x", []byte("garbage"), http.StatusBadRequest},
		{"too big", "application/x-www-form-urlencoded",
			[]byte("List-Unsubscribe=One-Click&pad=" + strings.Repeat("a", feedback.MaxUnsubscribeBody)), http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newUnsubscribe(t)
			link := f.link(t, "email", "resident@example.org")
			w := f.serve(http.MethodPost, link, tt.contentType, tt.body)
			assert.Equal(t, tt.want, w.Code)
			assert.False(t, f.optedOut(t, "email", "resident@example.org"), "a refused POST changes nothing")
		})
	}
}

func TestUnsubscribeRefusesOtherMethods(t *testing.T) {
	t.Parallel()
	f := newUnsubscribe(t)
	link := f.link(t, "email", "resident@example.org")
	for _, method := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch} {
		w := f.serve(method, link, "application/x-www-form-urlencoded", []byte("List-Unsubscribe=One-Click"))
		assert.Equal(t, http.StatusMethodNotAllowed, w.Code, method)
		assert.Equal(t, "GET, HEAD, POST", w.Header().Get("Allow"))
	}
	assert.False(t, f.optedOut(t, "email", "resident@example.org"))
}

// unavailableStore refuses opt-outs as a busy back end does.
type unavailableStore struct{ adapters.PeopleStore }

func (unavailableStore) SetOptOut(context.Context, adapters.OptOutChange) (bool, error) {
	return false, adapters.ErrUnavailable
}

// A store that cannot serve just now answers 503 with a retry time; one
// that fails otherwise answers 500. Neither says why.
func TestUnsubscribeStoreFailures(t *testing.T) {
	t.Parallel()
	for name, tt := range map[string]struct {
		store func(*memory.Store) adapters.PeopleStore
		want  int
	}{
		"unavailable": {func(s *memory.Store) adapters.PeopleStore { return unavailableStore{s} }, http.StatusServiceUnavailable},
		"closed": {func(s *memory.Store) adapters.PeopleStore {
			_ = s.Close()
			return s
		}, http.StatusInternalServerError},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			prefs, err := feedback.NewPreferences(tt.store(memory.New()), nil)
			require.NoError(t, err)
			ring, err := keyring.New(keyring.GenerateKey("k1"), nil, nil)
			require.NoError(t, err)
			u, err := feedback.NewUnsubscribe(base, ring, prefs, nil)
			require.NoError(t, err)
			link, err := u.UnsubscribeURL("email", "resident@example.org")
			require.NoError(t, err)
			ct, body := oneClickForm()
			r := httptest.NewRequest(http.MethodPost, link, bytes.NewReader(body))
			r.Header.Set("Content-Type", ct)
			w := httptest.NewRecorder()
			u.Handler().ServeHTTP(w, r)
			assert.Equal(t, tt.want, w.Code)
			assert.NotContains(t, w.Body.String(), "closed")
			if tt.want == http.StatusServiceUnavailable {
				assert.NotEmpty(t, w.Header().Get("Retry-After"))
			}
		})
	}
}
