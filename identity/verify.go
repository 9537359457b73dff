package identity

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
)

// tokenVerifier checks JWTs from one issuer. go-oidc parses the token,
// enforces the algorithm allow-list and verifies the signature against the
// issuer's keySet; the claim checks are done here so that each refusal gets
// its own typed reason and the clock skew is one configurable value.
type tokenVerifier struct {
	provider string
	issuer   string
	audience string
	skew     time.Duration
	now      func() time.Time
	sig      *oidc.IDTokenVerifier
	logout   *oidc.IDTokenVerifier
	roles    string
	assure   *AssuranceConfig
}

func newTokenVerifier(provider, issuer, audience string, keys *keySet, skew time.Duration, now func() time.Time, roles string, assure *AssuranceConfig) *tokenVerifier {
	algs := make([]string, len(keys.algs))
	for i, a := range keys.algs {
		algs[i] = string(a)
	}
	return &tokenVerifier{
		provider: provider, issuer: issuer, audience: audience, skew: skew, now: now, roles: roles, assure: assure,
		sig: oidc.NewVerifier(issuer, keys, &oidc.Config{
			SupportedSigningAlgs: algs,
			SkipClientIDCheck:    true,
			SkipExpiryCheck:      true,
			SkipIssuerCheck:      true,
		}),
		logout: oidc.NewVerifier(issuer, keys, &oidc.Config{ClientID: audience, SupportedSigningAlgs: algs, SkipExpiryCheck: true}),
	}
}

// verified is what the checks established about a token.
type verified struct {
	token  *oidc.IDToken
	claims map[string]any
}

func (v *tokenVerifier) fail(reason error, detail string, cause error) error {
	return authErr(reason, v.provider, detail, cause)
}

// maxTokenLen bounds tokens accepted from the network.
const maxTokenLen = 16 << 10

// sigReport carries what the keySet learnt during one go-oidc
// verification back to the caller, because go-oidc flattens the key set's
// errors into text.
type sigReport struct {
	err     error  // why the signature was refused
	payload []byte // the verified payload, when go-oidc refused it later
}

type sigReportKey struct{}

// refusal gives a go-oidc refusal its typed reason. The report only
// classifies: the token is refused whatever it says.
func (v *tokenVerifier) refusal(rep *sigReport, err error) error {
	switch {
	case errors.Is(rep.err, ErrWeakKey):
		return v.fail(ErrWeakKey, "", rep.err)
	case rep.payload == nil:
		return v.fail(ErrTokenSignature, "", err)
	}
	var c map[string]any
	if json.Unmarshal(rep.payload, &c) != nil {
		return v.fail(ErrClaims, "claims are not a JSON object", nil)
	}
	if _, terr := v.times(c); terr != nil {
		return terr
	}
	return v.fail(ErrClaims, "", err)
}

// verifyJWT checks signature, issuer, audience and time claims.
func (v *tokenVerifier) verifyJWT(ctx context.Context, raw string) (*verified, error) {
	if raw == "" || len(raw) > maxTokenLen {
		return nil, v.fail(ErrTokenSignature, "token missing or too long", nil)
	}
	rep := &sigReport{}
	tok, err := v.sig.Verify(context.WithValue(ctx, sigReportKey{}, rep), raw)
	if err != nil {
		return nil, v.refusal(rep, err)
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return nil, v.fail(ErrClaims, "claims are not a JSON object", nil)
	}
	if tok.Issuer != v.issuer {
		return nil, v.fail(ErrTokenIssuer, "", nil)
	}
	if tok.Subject == "" || len(tok.Subject) > 255 {
		return nil, v.fail(ErrClaims, "sub missing or too long", nil)
	}
	if !slices.Contains(tok.Audience, v.audience) {
		return nil, v.fail(ErrTokenAudience, "audience does not include this client", nil)
	}
	if err := v.checkTimes(claims); err != nil {
		return nil, err
	}
	return &verified{token: tok, claims: claims}, nil
}

// verifyLogout checks an OpenID back-channel logout token: go-oidc checks
// its signature, issuer, audience, events, jti and the absence of a nonce;
// the time claims are checked here as for every token.
func (v *tokenVerifier) verifyLogout(ctx context.Context, raw string) (*oidc.LogoutToken, error) {
	if raw == "" || len(raw) > maxTokenLen {
		return nil, v.fail(ErrTokenSignature, "logout token missing or too long", nil)
	}
	rep := &sigReport{}
	lt, err := v.logout.VerifyLogout(context.WithValue(ctx, sigReportKey{}, rep), raw)
	if err != nil {
		return nil, v.refusal(rep, err)
	}
	var claims map[string]any
	if err := lt.Claims(&claims); err != nil {
		return nil, v.fail(ErrClaims, "claims are not a JSON object", nil)
	}
	return lt, v.checkTimes(claims)
}

// timeClaims are the NumericDate claims this package reads (RFC 7519
// §4.1, OpenID Connect Core §2), in the order times returns them.
var timeClaims = [...]string{"exp", "iat", "nbf", "auth_time"}

// maxNumericDate is the latest NumericDate accepted: 9999-12-31T23:59:59Z.
const maxNumericDate = 253402300799

// times reads the time claims, refusing any that is present but not a
// NumericDate; an absent claim is the zero time.
func (v *tokenVerifier) times(c map[string]any) ([len(timeClaims)]time.Time, error) {
	var out [len(timeClaims)]time.Time
	for i, name := range timeClaims {
		raw, has := c[name]
		if !has {
			continue
		}
		t, ok := numericDate(raw)
		if !ok {
			return out, v.fail(ErrTimeClaim, name+" is not a NumericDate", nil)
		}
		out[i] = t
	}
	return out, nil
}

// checkTimes refuses malformed time claims, a missing exp or iat, and a
// token expired, issued in the future or not yet valid.
func (v *tokenVerifier) checkTimes(c map[string]any) error {
	t, err := v.times(c)
	if err != nil {
		return err
	}
	exp, iat, nbf := t[0], t[1], t[2]
	now := v.now()
	switch {
	case exp.IsZero():
		return v.fail(ErrClaims, "exp missing", nil)
	case now.After(exp.Add(v.skew)):
		return v.fail(ErrTokenExpired, "", nil)
	case iat.IsZero():
		return v.fail(ErrClaims, "iat missing", nil)
	case iat.After(now.Add(v.skew)):
		return v.fail(ErrTokenNotYetValid, "iat in the future", nil)
	case nbf.After(now.Add(v.skew)):
		return v.fail(ErrTokenNotYetValid, "nbf in the future", nil)
	}
	return nil
}

// verifyIDToken adds the ID-token checks: azp, nonce and at_hash.
func (v *tokenVerifier) verifyIDToken(ctx context.Context, raw, nonce, accessToken string) (*verified, error) {
	vt, err := v.verifyJWT(ctx, raw)
	if err != nil {
		return nil, err
	}
	// OpenID Connect Core 3.1.3.7: with several audiences the authorized
	// party must be named, and must be this client. (Access tokens carry
	// client_id instead, so this is an ID-token rule only.)
	azp, _ := vt.claims["azp"].(string)
	if len(vt.token.Audience) > 1 && azp == "" {
		return nil, v.fail(ErrTokenAudience, "several audiences without azp", nil)
	}
	if azp != "" && azp != v.audience {
		return nil, v.fail(ErrTokenAudience, "azp names another client", nil)
	}
	if nonce == "" || subtle.ConstantTimeCompare([]byte(vt.token.Nonce), []byte(nonce)) != 1 {
		return nil, v.fail(ErrNonce, "", nil)
	}
	if vt.token.AccessTokenHash != "" {
		if accessToken == "" {
			return nil, v.fail(ErrAccessTokenHash, "at_hash without an access token", nil)
		}
		// go-oidc hashes with the token's own algorithm and compares.
		if err := vt.token.VerifyAccessToken(accessToken); err != nil {
			return nil, v.fail(ErrAccessTokenHash, "", nil)
		}
	}
	return vt, nil
}

// headerType returns the typ header of a compact JWS whose signature was
// already verified, or "".
func headerType(raw string) string {
	seg, _, ok := strings.Cut(raw, ".")
	if !ok || len(seg) > 4096 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return ""
	}
	var h struct {
		Typ string `json:"typ"`
	}
	if json.Unmarshal(b, &h) != nil {
		return ""
	}
	return h.Typ
}

// principal builds the Principal of a verified token.
func (v *tokenVerifier) principal(vt *verified) *Principal {
	c := vt.claims
	p := &Principal{
		Issuer:   vt.token.Issuer,
		Subject:  vt.token.Subject,
		Provider: v.provider,
		Claims:   c,
	}
	p.Email, _ = c["email"].(string)
	p.EmailVerified = truthy(c["email_verified"])
	p.Name, _ = c["name"].(string)
	if p.Name == "" {
		given, _ := c["given_name"].(string)
		family, _ := c["family_name"].(string)
		p.Name = strings.TrimSpace(given + " " + family)
	}
	p.Phone, _ = c["phone_number"].(string)
	p.Roles = rolesFromClaims(c, v.roles)
	if t, ok := numericDate(c["auth_time"]); ok {
		p.AuthTime = t
	} else {
		p.AuthTime = vt.token.IssuedAt.UTC()
	}
	acr, _ := c["acr"].(string)
	vot, _ := c["vot"].(string)
	p.Assurance = v.assure.Level(acr, vot, stringList(c["amr"]))
	return p
}

func truthy(v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		return b == "true"
	}
	return false
}

// numericDate reads a NumericDate of a claims map decoded by encoding/json.
func numericDate(v any) (time.Time, bool) {
	n, ok := v.(float64)
	if !ok || !(n >= 1 && n <= maxNumericDate) { // also false for NaN
		return time.Time{}, false
	}
	sec, frac := math.Modf(n)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
}

func stringList(v any) []string {
	switch l := v.(type) {
	case []any:
		out := make([]string, 0, len(l))
		for _, s := range l {
			if s, ok := s.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case string:
		return strings.Fields(l)
	}
	return nil
}

// scopesOf reads the scopes of an access token: "scope" (space-separated,
// RFC 9068) or "scp" (array or string).
func scopesOf(c map[string]any) []string {
	if s := stringList(c["scope"]); len(s) > 0 {
		return s
	}
	return stringList(c["scp"])
}

// keySet is the one home of an issuer's signing keys: its JWKS, refetched
// when a token names an unknown key id but at most once per interval, with
// a fetch in flight shared by every caller, and holding only keys strong
// enough whatever the Go runtime would accept. go-oidc's RemoteKeySet
// refetches on every unknown key id, which would let anyone holding a
// made-up bearer token make us hammer the issuer. keySet implements
// oidc.KeySet so that go-oidc's verifier still does everything else.
type keySet struct {
	url    string
	client *http.Client
	every  time.Duration
	algs   []jose.SignatureAlgorithm

	mu       sync.Mutex
	keys     []jose.JSONWebKey
	refused  map[string]bool // key ids of refused keys
	fetched  time.Time       // start of the last fetch, monotonic
	inflight *keyFetch
}

type keyFetch struct {
	done chan struct{}
	err  error
}

// Bounds on what an issuer's JWKS may make us hold or wait for.
const (
	maxJWKSBytes = 1 << 20
	maxJWKSKeys  = 100
	jwksTimeout  = 30 * time.Second
)

func newKeySet(url string, client *http.Client, every time.Duration, algs []string) *keySet {
	k := &keySet{url: url, client: client, every: cmp.Or(every, time.Minute)}
	for _, a := range algs {
		k.algs = append(k.algs, jose.SignatureAlgorithm(a))
	}
	return k
}

// VerifySignature implements oidc.KeySet.
func (k *keySet) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	payload, err := k.verify(ctx, raw)
	if rep, ok := ctx.Value(sigReportKey{}).(*sigReport); ok {
		rep.err, rep.payload = err, payload
	}
	return payload, err
}

func (k *keySet) verify(ctx context.Context, raw string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(raw, k.algs) // a JWT is compact; JWS JSON and spaces are refused
	if err != nil || len(jws.Signatures) != 1 {
		return nil, errors.New("identity: malformed token")
	}
	kid := jws.Signatures[0].Header.KeyID
	for refreshed := false; ; refreshed = true {
		k.mu.Lock()
		keys, refused := k.keys, k.refused[kid]
		k.mu.Unlock()
		known := false
		for i := range keys {
			if kid == "" || keys[i].KeyID == kid {
				known = true
				if payload, err := jws.Verify(&keys[i]); err == nil {
					return payload, nil
				}
			}
		}
		switch {
		case refused:
			return nil, fmt.Errorf("%w: key id %q", ErrWeakKey, truncate(kid, 64))
		case known || refreshed:
			return nil, errors.New("identity: no key of the issuer verifies the token")
		}
		if err := k.refresh(ctx); err != nil {
			return nil, err
		}
	}
}

// refresh fetches the JWKS unless a fetch started less than the interval
// ago; a fetch in flight is waited for instead of repeated.
func (k *keySet) refresh(ctx context.Context) error {
	k.mu.Lock()
	f := k.inflight
	if f == nil {
		if !k.fetched.IsZero() && time.Since(k.fetched) < k.every {
			k.mu.Unlock()
			return errors.New("identity: unknown key id; key set fetched recently")
		}
		f = &keyFetch{done: make(chan struct{})}
		k.inflight, k.fetched = f, time.Now()
		go k.fetch(f)
	}
	k.mu.Unlock()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-f.done:
		return f.err
	}
}

// fetch runs apart from any request, so that a caller giving up does not
// fail the others waiting for it.
func (k *keySet) fetch(f *keyFetch) {
	keys, refused, err := k.get()
	k.mu.Lock()
	if err == nil {
		k.keys, k.refused = keys, refused
	}
	k.inflight = nil
	k.mu.Unlock()
	f.err = err
	close(f.done)
}

func (k *keySet) get() ([]jose.JSONWebKey, map[string]bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), jwksTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("identity: fetch key set: %w", err)
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("identity: fetch key set: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	switch {
	case err != nil:
		return nil, nil, fmt.Errorf("identity: fetch key set: %w", err)
	case resp.StatusCode != http.StatusOK:
		return nil, nil, fmt.Errorf("identity: fetch key set: HTTP %d", resp.StatusCode)
	case len(body) > maxJWKSBytes:
		return nil, nil, errors.New("identity: key set larger than 1 MiB")
	}
	return parseKeySet(body)
}

// parseKeySet reads a JWKS, keeping the strong signing keys and the ids of
// the keys it refuses.
func parseKeySet(body []byte) ([]jose.JSONWebKey, map[string]bool, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, nil, errors.New("identity: key set is not a JWKS")
	}
	var keys []jose.JSONWebKey
	refused := map[string]bool{}
	for _, raw := range set.Keys[:min(len(set.Keys), maxJWKSKeys)] {
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON(raw); err != nil {
			// go-jose reads no curve but P-256, P-384 and P-521: refuse
			// by key id what it cannot read.
			var id struct {
				Kid string `json:"kid"`
			}
			if json.Unmarshal(raw, &id) == nil && id.Kid != "" {
				refused[id.Kid] = true
			}
			continue
		}
		switch pub := jwk.Public(); {
		case jwk.Use == "enc":
		case strongKey(pub.Key):
			keys = append(keys, pub)
		case jwk.KeyID != "":
			refused[jwk.KeyID] = true
		}
	}
	return keys, refused, nil
}

// strongKey accepts RSA keys of 2048 bits or more, ECDSA keys on P-256,
// P-384 or P-521, and Ed25519 keys, independently of GODEBUG settings.
func strongKey(key any) bool {
	switch k := key.(type) {
	case *rsa.PublicKey:
		return k.N.BitLen() >= 2048
	case *ecdsa.PublicKey:
		return k.Curve == elliptic.P256() || k.Curve == elliptic.P384() || k.Curve == elliptic.P521()
	case ed25519.PublicKey:
		return true
	}
	return false
}
