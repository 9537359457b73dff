package identity

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/keyring"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keyServer is a provider that only publishes discovery and a JWKS, and
// counts the JWKS fetches.
type keyServer struct {
	srv     *httptest.Server
	fetches atomic.Int64
	mu      sync.Mutex
	keys    []json.RawMessage
}

func newKeyServer(t *testing.T) *keyServer {
	t.Helper()
	ks := &keyServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		u := ks.srv.URL
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": u, "jwks_uri": u + "/jwks", "authorization_endpoint": u + "/authorize", "token_endpoint": u + "/token",
			"id_token_signing_alg_values_supported": []string{"RS256", "ES256"},
		})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		ks.fetches.Add(1)
		ks.mu.Lock()
		defer ks.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": ks.keys})
	})
	ks.srv = httptest.NewServer(mux)
	t.Cleanup(ks.srv.Close)
	return ks
}

func (ks *keyServer) publish(t testing.TB, jwk any) {
	t.Helper()
	b, err := json.Marshal(jwk)
	require.NoError(t, err)
	ks.mu.Lock()
	defer ks.mu.Unlock()
	ks.keys = append(ks.keys, b)
}

func (ks *keyServer) publishKey(t testing.TB, pub any, kid string, alg jose.SignatureAlgorithm) {
	ks.publish(t, jose.JSONWebKey{Key: pub, KeyID: kid, Algorithm: string(alg), Use: "sig"})
}

// keyServerVerifiers are the three verifiers of this package, all trusting
// ks: the relying party's ID and logout token checks, and a bearer verifier.
type keyServerVerifiers struct {
	rp     *RelyingParty
	bearer *BearerVerifier
}

const stubClient = "city-portal"

func newKeyServerVerifiers(t *testing.T, ks *keyServer, interval time.Duration) keyServerVerifiers {
	t.Helper()
	keys, err := keyring.New(keyring.GenerateKey("k1"), nil, nil)
	require.NoError(t, err)
	sessions, err := NewSessions(keys, &SessionConfig{Store: memory.New()})
	require.NoError(t, err)
	rp, err := NewRelyingParty(t.Context(), []ProviderConfig{{
		Name: "stub", Issuer: ks.srv.URL, ClientID: stubClient, ClientSecret: "secret",
		RedirectURL: "https://app.example/auth/callback/stub", KeyRefreshInterval: interval,
	}}, sessions, nil)
	require.NoError(t, err)
	bv, err := NewBearerVerifier(t.Context(), ks.srv.URL, apiAudience, &BearerConfig{KeyRefreshInterval: interval})
	require.NoError(t, err)
	return keyServerVerifiers{rp: rp, bearer: bv}
}

// tokenKind is one of the three kinds of token this package verifies.
type tokenKind struct {
	name   string
	claims func(iss string) map[string]any
	verify func(ctx context.Context, v keyServerVerifiers, raw string) error
}

var tokenKinds = []tokenKind{
	{
		name: "id token",
		claims: func(iss string) map[string]any {
			now := time.Now().Unix()
			return map[string]any{"iss": iss, "aud": stubClient, "sub": "resident-1", "nonce": "n-1", "iat": now, "exp": now + 120}
		},
		verify: func(ctx context.Context, v keyServerVerifiers, raw string) error {
			_, err := v.rp.VerifyIDToken(ctx, "stub", raw, "n-1", "")
			return err
		},
	},
	{
		name: "logout token",
		claims: func(iss string) map[string]any {
			now := time.Now().Unix()
			return map[string]any{
				"iss": iss, "aud": stubClient, "sub": "resident-1", "jti": newID(), "iat": now, "exp": now + 120,
				"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
			}
		},
		verify: func(ctx context.Context, v keyServerVerifiers, raw string) error {
			_, err := v.rp.BackChannelLogout(ctx, "stub", raw)
			return err
		},
	},
	{
		name: "access token",
		claims: func(iss string) map[string]any {
			now := time.Now().Unix()
			return map[string]any{"iss": iss, "aud": apiAudience, "sub": "resident-1", "scope": "openid", "iat": now, "exp": now + 120}
		},
		verify: func(ctx context.Context, v keyServerVerifiers, raw string) error {
			_, err := v.bearer.Verify(ctx, raw)
			return err
		},
	},
}

func TestMalformedTimeClaimsAreRefused(t *testing.T) {
	t.Parallel()
	testKeys()
	ks := newKeyServer(t)
	ks.publishKey(t, &opKeyA.PublicKey, "good", jose.RS256)
	v := newKeyServerVerifiers(t, ks, 0)
	now := float64(time.Now().Unix())
	valid := map[string]float64{"exp": now + 120.5, "iat": now - 1.25, "nbf": now - 10.5, "auth_time": now - 30.75}
	bad := []struct {
		name  string
		value any
	}{
		{name: "string of digits", value: fmt.Sprint(int64(now))},
		{name: "string", value: "tomorrow"},
		{name: "boolean", value: true},
		{name: "null", value: nil},
		{name: "object", value: map[string]any{"t": now}},
		{name: "array", value: []any{now}},
		{name: "zero", value: 0},
		{name: "negative", value: -now},
		{name: "after year 9999", value: 253402300800},
		{name: "absurdly far", value: 1e300},
	}
	for _, kind := range tokenKinds {
		t.Run(kind.name+"/fractional NumericDates accepted", func(t *testing.T) {
			t.Parallel()
			c := kind.claims(ks.srv.URL)
			for name, value := range valid {
				c[name] = value
			}
			require.NoError(t, kind.verify(t.Context(), v, signJWT(t, jose.RS256, opKeyA, "good", c)))
		})
		for _, claim := range []string{"exp", "iat", "nbf", "auth_time"} {
			for _, b := range bad {
				t.Run(kind.name+"/"+claim+"/"+b.name, func(t *testing.T) {
					t.Parallel()
					c := kind.claims(ks.srv.URL)
					c[claim] = b.value
					err := kind.verify(t.Context(), v, signJWT(t, jose.RS256, opKeyA, "good", c))
					requireAuthErr(t, err, ErrTimeClaim)
					assert.Contains(t, err.Error(), claim)
				})
			}
		}
	}
}

// signP224 signs claims with ES256's format but a P-224 key, which go-jose
// refuses to do (and to read as a JWK), so the token is built by hand.
func signP224(t *testing.T, key *ecdsa.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	enc := base64.RawURLEncoding
	payload, err := json.Marshal(claims)
	require.NoError(t, err)
	input := enc.EncodeToString([]byte(`{"alg":"ES256","kid":"`+kid+`","typ":"JWT"}`)) + "." + enc.EncodeToString(payload)
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	require.NoError(t, err)
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + enc.EncodeToString(sig)
}

func TestWeakKeysAreRefused(t *testing.T) {
	t.Parallel()
	testKeys()
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	require.NoError(t, err)
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ks := newKeyServer(t)
	ks.publishKey(t, &opKeyA.PublicKey, "rsa2048", jose.RS256)
	ks.publishKey(t, &p256.PublicKey, "p256", jose.ES256)
	ks.publishKey(t, &rsa1024.PublicKey, "rsa1024", jose.RS256)
	// go-jose cannot express a P-224 JWK, so it is written out by hand.
	ks.publish(t, map[string]string{
		"kty": "EC", "crv": "P-224", "kid": "p224", "use": "sig",
		"x": base64.RawURLEncoding.EncodeToString(p224.X.FillBytes(make([]byte, 28))),
		"y": base64.RawURLEncoding.EncodeToString(p224.Y.FillBytes(make([]byte, 28))),
	})
	v := newKeyServerVerifiers(t, ks, 0)
	signers := []struct {
		name string
		weak bool
		sign func(c map[string]any) string
	}{
		{name: "RSA 2048", sign: func(c map[string]any) string { return signJWT(t, jose.RS256, opKeyA, "rsa2048", c) }},
		{name: "P-256", sign: func(c map[string]any) string { return signJWT(t, jose.ES256, p256, "p256", c) }},
		{name: "RSA 1024", weak: true, sign: func(c map[string]any) string { return signJWT(t, jose.RS256, rsa1024, "rsa1024", c) }},
		{name: "P-224", weak: true, sign: func(c map[string]any) string { return signP224(t, p224, "p224", c) }},
	}
	for _, kind := range tokenKinds {
		for _, s := range signers {
			t.Run(kind.name+"/"+s.name, func(t *testing.T) {
				err := kind.verify(t.Context(), v, s.sign(kind.claims(ks.srv.URL)))
				if !s.weak {
					require.NoError(t, err)
					return
				}
				requireAuthErr(t, err, ErrWeakKey)
			})
		}
	}
	assert.LessOrEqual(t, ks.fetches.Load(), int64(2), "weak key ids are known, not refetched")
}

func TestUnknownKeyIDsDoNotHammerTheIssuer(t *testing.T) {
	t.Parallel()
	testKeys()
	ks := newKeyServer(t)
	ks.publishKey(t, &opKeyA.PublicKey, "good", jose.RS256)
	v := newKeyServerVerifiers(t, ks, 0)
	claims := tokenKinds[2].claims(ks.srv.URL)
	// Random key ids are signed by a key the issuer never published.
	const tokens, workers = 1000, 8
	raws := make(chan string, tokens)
	for range tokens {
		raws <- signJWT(t, jose.RS256, strangerKey, newID(), claims)
	}
	close(raws)
	var wg sync.WaitGroup
	var slowest, accepted, otherReason atomic.Int64
	for range workers {
		wg.Go(func() {
			for raw := range raws {
				start := time.Now()
				_, err := v.bearer.Verify(t.Context(), raw)
				slowest.Store(max(slowest.Load(), int64(time.Since(start))))
				switch {
				case err == nil:
					accepted.Add(1)
				case !errors.Is(err, ErrTokenSignature):
					otherReason.Add(1)
				}
			}
		})
	}
	wg.Wait()
	assert.Zero(t, accepted.Load(), "tokens accepted")
	assert.Zero(t, otherReason.Load(), "tokens refused for another reason than ErrTokenSignature")
	assert.LessOrEqual(t, ks.fetches.Load(), int64(2), "JWKS fetches for %d unknown key ids", tokens)
	assert.Less(t, time.Duration(slowest.Load()), 2*time.Second, "each refusal is quick")
	_, err := v.bearer.Verify(t.Context(), signJWT(t, jose.RS256, opKeyA, "good", claims))
	require.NoError(t, err, "the published key still verifies")
}

func TestKeyRefreshIntervalLetsRotatedKeysIn(t *testing.T) {
	t.Parallel()
	testKeys()
	ks := newKeyServer(t)
	ks.publishKey(t, &opKeyA.PublicKey, "old", jose.RS256)
	const interval = 300 * time.Millisecond
	v := newKeyServerVerifiers(t, ks, interval)
	claims := tokenKinds[2].claims(ks.srv.URL)
	_, err := v.bearer.Verify(t.Context(), signJWT(t, jose.RS256, opKeyA, "old", claims))
	require.NoError(t, err)
	start := time.Now()
	ks.publishKey(t, &opKeyB.PublicKey, "new", jose.RS256)
	rotated := signJWT(t, jose.RS256, opKeyB, "new", claims)
	_, err = v.bearer.Verify(t.Context(), rotated)
	if time.Since(start) < interval/2 {
		requireAuthErr(t, err, ErrTokenSignature) // within the interval: not refetched
		assert.Equal(t, int64(1), ks.fetches.Load())
	}
	time.Sleep(interval)
	_, err = v.bearer.Verify(t.Context(), rotated)
	require.NoError(t, err, "after the interval an unknown key id refetches the JWKS")
	assert.Equal(t, int64(2), ks.fetches.Load())
}

func FuzzParseKeySet(f *testing.F) {
	testKeys()
	good, err := json.Marshal(map[string]any{"keys": []any{jose.JSONWebKey{Key: &opKeyA.PublicKey, KeyID: "a", Use: "sig"}}})
	require.NoError(f, err)
	f.Add(good)
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-224","kid":"p224","x":"AA","y":"AA"},{"kty":"oct","k":"AAAA","kid":"h"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"tiny"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		keys, refused, err := parseKeySet(body)
		if err != nil {
			return
		}
		require.LessOrEqual(t, len(keys), maxJWKSKeys)
		for _, k := range keys {
			require.True(t, strongKey(k.Key), "a kept key is strong")
			require.True(t, k.IsPublic(), "only public keys are kept")
		}
		require.LessOrEqual(t, len(refused), maxJWKSKeys)
	})
}

func FuzzTimeClaims(f *testing.F) {
	for _, seed := range []string{`1700000000`, `1.5`, `"1700000000"`, `-1`, `0`, `1e300`, `null`, `true`, `{}`, `253402300799`, `253402300800`} {
		f.Add(seed)
	}
	v := &tokenVerifier{provider: "fuzz"}
	f.Fuzz(func(t *testing.T, value string) {
		var c map[string]any
		if json.Unmarshal([]byte(`{"nbf":`+value+`}`), &c) != nil {
			return
		}
		times, err := v.times(c)
		if err != nil {
			requireAuthErr(t, err, ErrTimeClaim)
			return
		}
		nbf := times[2]
		require.True(t, nbf.After(time.Unix(0, 0)) && !nbf.After(time.Unix(maxNumericDate, 0)), "accepted %s as %v", value, nbf)
	})
}
