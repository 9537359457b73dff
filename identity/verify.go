package identity

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// tokenVerifier checks JWTs from one issuer. go-oidc parses the token once,
// enforces the algorithm allow-list and verifies the signature against the
// provider's cached JWKS (refetched on an unknown kid); every claim check
// is done here so that each refusal gets its own typed reason and the
// clock skew is one configurable value.
type tokenVerifier struct {
	provider string
	issuer   string
	audience string
	skew     time.Duration
	now      func() time.Time
	sig      *oidc.IDTokenVerifier
	roles    string
	assure   *AssuranceConfig
}

func newTokenVerifier(provider, issuer, audience string, keys oidc.KeySet, algs []string, skew time.Duration, now func() time.Time, roles string, assure *AssuranceConfig) *tokenVerifier {
	return &tokenVerifier{
		provider: provider, issuer: issuer, audience: audience, skew: skew, now: now, roles: roles, assure: assure,
		sig: oidc.NewVerifier(issuer, keys, &oidc.Config{
			SupportedSigningAlgs: algs,
			SkipClientIDCheck:    true,
			SkipExpiryCheck:      true,
			SkipIssuerCheck:      true,
		}),
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

// verifyJWT checks signature, issuer, audience and time claims.
func (v *tokenVerifier) verifyJWT(ctx context.Context, raw string) (*verified, error) {
	if raw == "" || len(raw) > maxTokenLen {
		return nil, v.fail(ErrTokenSignature, "token missing or too long", nil)
	}
	tok, err := v.sig.Verify(ctx, raw)
	if err != nil {
		return nil, v.fail(ErrTokenSignature, "", err)
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
	now := v.now()
	if tok.Expiry.IsZero() {
		return nil, v.fail(ErrClaims, "exp missing", nil)
	}
	if now.After(tok.Expiry.Add(v.skew)) {
		return nil, v.fail(ErrTokenExpired, "", nil)
	}
	if tok.IssuedAt.IsZero() {
		return nil, v.fail(ErrClaims, "iat missing", nil)
	}
	if tok.IssuedAt.After(now.Add(v.skew)) {
		return nil, v.fail(ErrTokenNotYetValid, "iat in the future", nil)
	}
	if nbf, ok := numericDate(claims["nbf"]); ok && nbf.After(now.Add(v.skew)) {
		return nil, v.fail(ErrTokenNotYetValid, "nbf in the future", nil)
	}
	return &verified{token: tok, claims: claims}, nil
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
