package identity

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"hash"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
)

// tokenVerifier checks JWTs from one issuer. go-oidc's key set fetches,
// caches and refreshes the provider's JWKS and verifies the signature; the
// algorithm allow-list and every claim check are done here, on one decoding
// of the payload, so that each refusal gets its own typed reason and the
// clock skew is one configurable value.
type tokenVerifier struct {
	provider string
	issuer   string
	audience string
	skew     time.Duration
	now      func() time.Time
	keys     oidc.KeySet
	algs     []jose.SignatureAlgorithm
	roles    string
	assure   *AssuranceConfig
}

func newTokenVerifier(provider, issuer, audience string, keys oidc.KeySet, algs []string, skew time.Duration, now func() time.Time, roles string, assure *AssuranceConfig) *tokenVerifier {
	v := &tokenVerifier{provider: provider, issuer: issuer, audience: audience, skew: skew, now: now, keys: keys, roles: roles, assure: assure}
	for _, a := range algs {
		v.algs = append(v.algs, jose.SignatureAlgorithm(a))
	}
	return v
}

// verified is what the checks established about a token.
type verified struct {
	claims   map[string]any
	issuer   string
	subject  string
	audience []string
	issuedAt time.Time
	alg      jose.SignatureAlgorithm
	typ      string
}

func (v *tokenVerifier) fail(reason error, detail string, cause error) error {
	return authErr(reason, v.provider, detail, cause)
}

// maxTokenLen bounds tokens accepted from the network.
const maxTokenLen = 16 << 10

// verifyJWT checks signature, issuer, audience and time claims.
func (v *tokenVerifier) verifyJWT(ctx context.Context, raw string) (*verified, error) {
	if raw == "" || len(raw) > maxTokenLen {
		return nil, v.fail(ErrTokenSignature, "token missing or too long", nil)
	}
	// The allow-list: "none", HMAC and anything unlisted fail to parse.
	jws, err := jose.ParseSigned(raw, v.algs)
	if err != nil {
		return nil, v.fail(ErrTokenSignature, "malformed or disallowed algorithm", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, v.fail(ErrTokenSignature, "want exactly one signature", nil)
	}
	payload, err := v.keys.VerifySignature(ctx, raw)
	if err != nil {
		return nil, v.fail(ErrTokenSignature, "", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, v.fail(ErrClaims, "claims are not a JSON object", nil)
	}
	hdr := jws.Signatures[0].Header
	vt := &verified{claims: claims, alg: jose.SignatureAlgorithm(hdr.Algorithm)}
	vt.typ, _ = hdr.ExtraHeaders[jose.HeaderType].(string)
	vt.issuer, _ = claims["iss"].(string)
	if vt.issuer != v.issuer {
		return nil, v.fail(ErrTokenIssuer, "", nil)
	}
	vt.subject, _ = claims["sub"].(string)
	if vt.subject == "" || len(vt.subject) > 255 {
		return nil, v.fail(ErrClaims, "sub missing or too long", nil)
	}
	switch aud := claims["aud"].(type) {
	case string:
		vt.audience = []string{aud}
	case []any:
		vt.audience = stringList(aud)
	}
	if !slices.Contains(vt.audience, v.audience) {
		return nil, v.fail(ErrTokenAudience, "audience does not include this client", nil)
	}
	now := v.now()
	exp, ok := numericDate(claims["exp"])
	if !ok {
		return nil, v.fail(ErrClaims, "exp missing", nil)
	}
	if now.After(exp.Add(v.skew)) {
		return nil, v.fail(ErrTokenExpired, "", nil)
	}
	vt.issuedAt, ok = numericDate(claims["iat"])
	if !ok {
		return nil, v.fail(ErrClaims, "iat missing", nil)
	}
	if vt.issuedAt.After(now.Add(v.skew)) {
		return nil, v.fail(ErrTokenNotYetValid, "iat in the future", nil)
	}
	if nbf, ok := numericDate(claims["nbf"]); ok && nbf.After(now.Add(v.skew)) {
		return nil, v.fail(ErrTokenNotYetValid, "nbf in the future", nil)
	}
	return vt, nil
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
	if len(vt.audience) > 1 && azp == "" {
		return nil, v.fail(ErrTokenAudience, "several audiences without azp", nil)
	}
	if azp != "" && azp != v.audience {
		return nil, v.fail(ErrTokenAudience, "azp names another client", nil)
	}
	got, _ := vt.claims["nonce"].(string)
	if nonce == "" || subtle.ConstantTimeCompare([]byte(got), []byte(nonce)) != 1 {
		return nil, v.fail(ErrNonce, "", nil)
	}
	if h, _ := vt.claims["at_hash"].(string); h != "" {
		if accessToken == "" {
			return nil, v.fail(ErrAccessTokenHash, "at_hash without an access token", nil)
		}
		want, ok := tokenHash(vt.alg, accessToken)
		if !ok || subtle.ConstantTimeCompare([]byte(h), []byte(want)) != 1 {
			return nil, v.fail(ErrAccessTokenHash, "", nil)
		}
	}
	return vt, nil
}

// tokenHash is the at_hash of token for a signing algorithm: the left half
// of the hash named by the algorithm, base64url (OpenID Connect Core 3.1.3.6).
func tokenHash(alg jose.SignatureAlgorithm, token string) (string, bool) {
	var h hash.Hash
	switch alg {
	case jose.RS256, jose.ES256, jose.PS256:
		h = sha256.New()
	case jose.RS384, jose.ES384, jose.PS384:
		h = sha512.New384()
	case jose.RS512, jose.ES512, jose.PS512, jose.EdDSA:
		h = sha512.New()
	default:
		return "", false
	}
	h.Write([]byte(token))
	sum := h.Sum(nil)
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2]), true
}

// principal builds the Principal of a verified token.
func (v *tokenVerifier) principal(vt *verified) *Principal {
	c := vt.claims
	p := &Principal{
		Issuer:   vt.issuer,
		Subject:  vt.subject,
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
		p.AuthTime = vt.issuedAt
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

func numericDate(v any) (time.Time, bool) {
	switch n := v.(type) {
	case float64:
		if n <= 0 || n > math.MaxInt32*4 || math.IsNaN(n) {
			return time.Time{}, false
		}
		return time.Unix(int64(n), 0).UTC(), true
	case json.Number:
		i, err := n.Int64()
		if err != nil || i <= 0 {
			return time.Time{}, false
		}
		return time.Unix(i, 0).UTC(), true
	}
	return time.Time{}, false
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
