package identity

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// BearerConfig tunes a BearerVerifier. A nil *BearerConfig means the defaults.
type BearerConfig struct {
	// Name is put on Principal.Provider; default "bearer".
	Name string
	// SigningAlgs is the algorithm allow-list; default RS256, PS256, ES256.
	SigningAlgs []string
	// ClockSkew tolerated on exp, iat and nbf; default 1 minute.
	ClockSkew time.Duration
	// KeyRefreshInterval is the shortest time between two fetches of the
	// issuer's JWKS that tokens naming an unknown key id may cause, so that
	// made-up key ids cannot make us hammer the issuer. A key the issuer
	// adds may therefore be refused for up to this long after the previous
	// fetch. Default 1 minute.
	KeyRefreshInterval time.Duration
	// RolesClaim is the dotted claim path of roles; default "roles".
	RolesClaim string
	// Assurance maps acr/amr claims of the token to a level.
	Assurance AssuranceConfig
	// RequireJWTAccessTokenType refuses tokens whose typ header is not
	// "at+jwt" (RFC 9068), so that an ID token can never pass as an access
	// token. Enable it when the issuer follows RFC 9068.
	RequireJWTAccessTokenType bool
	// Realm is the realm of WWW-Authenticate challenges; default "civickit".
	Realm string
	// HTTPClient fetches discovery and keys; default a 10-second client.
	HTTPClient *http.Client
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Validate reports every problem of the configuration.
func (c *BearerConfig) Validate() error {
	if c == nil {
		return nil
	}
	var errs []error
	for _, alg := range c.SigningAlgs {
		if alg == "none" || strings.HasPrefix(alg, "HS") {
			errs = append(errs, fmt.Errorf("identity: bearer signing algorithm %q is not allowed", alg))
		}
	}
	if c.ClockSkew < 0 || c.ClockSkew > 10*time.Minute {
		errs = append(errs, fmt.Errorf("identity: bearer clock skew %v must be between 0 and 10m", c.ClockSkew))
	}
	if c.KeyRefreshInterval < 0 {
		errs = append(errs, fmt.Errorf("identity: bearer key refresh interval %v is negative", c.KeyRefreshInterval))
	}
	if strings.ContainsAny(c.Realm, "\"\\\r\n") {
		errs = append(errs, errors.New("identity: bearer realm must not contain quotes, backslashes or newlines"))
	}
	return errors.Join(errs...)
}

// BearerVerifier verifies JWT access tokens (RFC 9068) of one issuer for
// one audience, with keys from the issuer's JWKS (see KeyRefreshInterval)
// and go-oidc's verifier. It is safe for concurrent use.
type BearerVerifier struct {
	v       *tokenVerifier
	realm   string
	needTyp bool
}

// NewBearerVerifier discovers issuer (one HTTP request, bounded by ctx) and
// returns a verifier accepting tokens whose aud includes audience.
func NewBearerVerifier(ctx context.Context, issuer, audience string, cfg *BearerConfig) (*BearerVerifier, error) {
	var errs []error
	if issuer == "" {
		errs = append(errs, errors.New("identity: bearer issuer is required"))
	}
	if audience == "" {
		errs = append(errs, errors.New("identity: bearer audience is required"))
	}
	errs = append(errs, cfg.Validate())
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg == nil {
		cfg = &BearerConfig{}
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	op, err := oidc.NewProvider(oidc.ClientContext(ctx, client), issuer)
	if err != nil {
		return nil, fmt.Errorf("identity: discover bearer issuer: %w", err)
	}
	var meta struct {
		JWKS string `json:"jwks_uri"`
	}
	if err := op.Claims(&meta); err != nil || meta.JWKS == "" {
		return nil, errors.New("identity: bearer issuer discovery has no jwks_uri")
	}
	algs := cfg.SigningAlgs
	if len(algs) == 0 {
		algs = []string{oidc.RS256, oidc.PS256, oidc.ES256}
	}
	skew := cfg.ClockSkew
	if skew == 0 {
		skew = time.Minute
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	keys := newKeySet(meta.JWKS, client, cfg.KeyRefreshInterval, algs)
	roles := cmp.Or(cfg.RolesClaim, "roles")
	assure := cfg.Assurance
	return &BearerVerifier{
		v:       newTokenVerifier(cmp.Or(cfg.Name, "bearer"), issuer, audience, keys, skew, now, roles, &assure),
		realm:   cmp.Or(cfg.Realm, "civickit"),
		needTyp: cfg.RequireJWTAccessTokenType,
	}, nil
}

// Verify checks a raw access token (signature and key strength, issuer,
// audience, exp/iat/nbf/auth_time) and returns its principal with Scopes
// filled from the "scope" or "scp" claim.
func (b *BearerVerifier) Verify(ctx context.Context, raw string) (*Principal, error) {
	vt, err := b.v.verifyJWT(ctx, raw)
	if err != nil {
		return nil, err
	}
	if b.needTyp {
		if typ := headerType(raw); !strings.EqualFold(typ, "at+jwt") && !strings.EqualFold(typ, "application/at+jwt") {
			return nil, b.v.fail(ErrClaims, "typ is not at+jwt", nil)
		}
	}
	p := b.v.principal(vt)
	p.Scopes = scopesOf(vt.claims)
	return p, nil
}

// Middleware authenticates API requests by their Authorization: Bearer
// header and requires every scope listed. A missing or invalid token gets
// 401 with a WWW-Authenticate challenge (RFC 6750); a valid token lacking
// a scope gets 403 with error="insufficient_scope". On success the
// principal is on the context (PrincipalFrom).
func (b *BearerVerifier) Middleware(scopes ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := r.Header.Get("Authorization")
			scheme, tok, ok := strings.Cut(h, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
				unauthorized(w, fmt.Sprintf(`Bearer realm=%q`, b.realm))
				return
			}
			p, err := b.Verify(r.Context(), strings.TrimSpace(tok))
			if err != nil {
				unauthorized(w, fmt.Sprintf(`Bearer realm=%q, error="invalid_token"`, b.realm))
				return
			}
			for _, s := range scopes {
				if !slices.Contains(p.Scopes, s) {
					w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm=%q, error="insufficient_scope", scope=%q`, b.realm, strings.Join(scopes, " ")))
					http.Error(w, "forbidden", http.StatusForbidden)
					return
				}
			}
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
		})
	}
}
