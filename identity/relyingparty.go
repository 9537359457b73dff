package identity

import (
	"cmp"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// AuthMethod is how the relying party authenticates at the token endpoint.
type AuthMethod string

// Client authentication methods (OpenID Connect Core §9).
const (
	// ClientSecretBasic sends the client secret in the Authorization header.
	ClientSecretBasic AuthMethod = "client_secret_basic"
	// ClientSecretPost sends the client secret in the request body.
	ClientSecretPost AuthMethod = "client_secret_post"
	// PrivateKeyJWT sends a JWT assertion signed with the client's private
	// key (required by Login.gov and GOV.UK One Login).
	PrivateKeyJWT AuthMethod = "private_key_jwt"
)

// ProviderConfig describes one OpenID provider the relying party trusts.
type ProviderConfig struct {
	// Name is how routes and principals refer to the provider, e.g.
	// "resident" or "staff". Required; letters, digits, '-' and '_'.
	Name string
	// Issuer is the provider's issuer URL; discovery is read from it.
	Issuer string
	// ClientID is this application's client id at the provider.
	ClientID string
	// ClientSecret is used by ClientSecretBasic and ClientSecretPost.
	ClientSecret string
	// AuthMethod defaults to ClientSecretBasic.
	AuthMethod AuthMethod
	// PrivateKey signs PrivateKeyJWT assertions: an *rsa.PrivateKey (RS256)
	// or an *ecdsa.PrivateKey on P-256 (ES256).
	PrivateKey crypto.Signer
	// PrivateKeyID is the kid header of assertions, matching the key
	// registered at the provider.
	PrivateKeyID string
	// AssertionAudience is the aud of PrivateKeyJWT assertions. Default:
	// the token endpoint URL (OpenID Connect Core §9, Login.gov, GOV.UK One
	// Login). Some providers expect the issuer instead.
	AssertionAudience []string
	// RedirectURL is the absolute callback URL registered at the provider,
	// normally https://host<PathPrefix>/callback/<Name>.
	RedirectURL string
	// Scopes requested; default openid, email, profile. "openid" is always added.
	Scopes []string
	// Assurance maps levels to what is requested (acr_values, vtr) and the
	// returned acr/vot/amr back to levels.
	Assurance AssuranceConfig
	// RolesClaim is a dotted claim path holding roles, e.g. "groups",
	// "roles" or "realm_access.roles". Empty means no roles.
	RolesClaim string
	// FetchUserinfo merges the userinfo endpoint's claims into the
	// principal after login (ID token claims win).
	FetchUserinfo bool
	// SigningAlgs is the ID token algorithm allow-list. Default RS256,
	// PS256, ES256. "none" and HMAC algorithms are never accepted.
	SigningAlgs []string
	// ClockSkew tolerated on exp, iat and nbf. Default 1 minute.
	ClockSkew time.Duration
	// KeyRefreshInterval is the shortest time between two fetches of the
	// issuer's JWKS that tokens naming an unknown key id may cause, so that
	// made-up key ids cannot make us hammer the issuer. A key the issuer
	// adds may therefore be refused for up to this long after the previous
	// fetch. Default 1 minute.
	KeyRefreshInterval time.Duration
	// RequireIssuerParameter demands the RFC 9207 iss response parameter
	// even when discovery does not advertise it.
	RequireIssuerParameter bool
	// PostLogoutRedirectURL is sent as post_logout_redirect_uri on
	// RP-initiated logout; it must be registered at the provider.
	PostLogoutRedirectURL string
	// AuthParams are extra authorization request parameters (e.g.
	// "prompt": "select_account"). They cannot override the protocol ones.
	AuthParams map[string]string
}

var reservedAuthParams = []string{"client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "code_challenge", "code_challenge_method", "acr_values", "vtr"}

// Validate reports every problem of one provider's configuration.
func (pc *ProviderConfig) Validate() error {
	var errs []error
	add := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("identity: provider %q: "+format, append([]any{pc.Name}, a...)...))
	}
	if pc.Name == "" || strings.Trim(pc.Name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" || len(pc.Name) > 64 {
		add("name must be 1-64 letters, digits, '-' or '_'")
	}
	if u, err := url.Parse(pc.Issuer); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		add("issuer %q is not an absolute URL", pc.Issuer)
	}
	if pc.ClientID == "" {
		add("client id is required")
	}
	if u, err := url.Parse(pc.RedirectURL); err != nil || u.Host == "" || u.Fragment != "" {
		add("redirect URL %q is not an absolute URL", pc.RedirectURL)
	}
	switch pc.AuthMethod {
	case "", ClientSecretBasic, ClientSecretPost:
		if pc.ClientSecret == "" {
			add("%s needs a client secret", pc.method())
		}
	case PrivateKeyJWT:
		switch k := pc.PrivateKey.(type) {
		case *rsa.PrivateKey:
		case *ecdsa.PrivateKey:
			if k.Curve.Params().Name != "P-256" {
				add("ECDSA key must be on P-256")
			}
		default:
			add("private_key_jwt needs an *rsa.PrivateKey or *ecdsa.PrivateKey")
		}
	default:
		add("unknown auth method %q", pc.AuthMethod)
	}
	for _, alg := range pc.SigningAlgs {
		if alg == "none" || strings.HasPrefix(alg, "HS") {
			add("signing algorithm %q is not allowed", alg)
		}
	}
	if pc.ClockSkew < 0 || pc.ClockSkew > 10*time.Minute {
		add("clock skew %v must be between 0 and 10m", pc.ClockSkew)
	}
	if pc.KeyRefreshInterval < 0 {
		add("key refresh interval %v is negative", pc.KeyRefreshInterval)
	}
	for k := range pc.AuthParams {
		if slices.Contains(reservedAuthParams, k) {
			add("auth param %q is reserved", k)
		}
	}
	return errors.Join(errs...)
}

func (pc *ProviderConfig) method() AuthMethod {
	if pc.AuthMethod == "" {
		return ClientSecretBasic
	}
	return pc.AuthMethod
}

// RelyingPartyConfig tunes a RelyingParty. A nil *RelyingPartyConfig means
// the defaults.
type RelyingPartyConfig struct {
	// PathPrefix is where Handler mounts its routes; default "/auth".
	PathPrefix string
	// DefaultProvider is used by RequireLogin; default the first provider.
	DefaultProvider string
	// PostLogoutPath is where local logout lands; default "/".
	PostLogoutPath string
	// FlowTTL bounds how long a login may take at the provider; default 10m.
	FlowTTL time.Duration
	// HTTPClient talks to the providers (discovery, keys, token and
	// userinfo endpoints); default a client with a 10-second timeout.
	HTTPClient *http.Client
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger receives operational messages (never tokens or personal
	// data); default discards.
	Logger *slog.Logger
	// ErrorHandler renders failed logins; default a plain 400 page. err is
	// an *AuthError for refused credentials.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
}

// Validate reports every problem of the configuration.
func (c *RelyingPartyConfig) Validate() error {
	if c == nil {
		return nil
	}
	var errs []error
	if c.PathPrefix != "" && (!strings.HasPrefix(c.PathPrefix, "/") || strings.HasSuffix(c.PathPrefix, "/")) {
		errs = append(errs, fmt.Errorf("identity: path prefix %q must start and not end with '/'", c.PathPrefix))
	}
	if c.PostLogoutPath != "" {
		if _, err := ValidateReturnPath(c.PostLogoutPath); err != nil {
			errs = append(errs, fmt.Errorf("identity: post-logout path: %w", err))
		}
	}
	if c.FlowTTL < 0 {
		errs = append(errs, errors.New("identity: flow TTL is negative"))
	}
	return errors.Join(errs...)
}

// provider is one configured, discovered provider.
type provider struct {
	cfg        ProviderConfig
	oidc       *oidc.Provider
	oauth      oauth2.Config
	verifier   *tokenVerifier
	endSession string
	issParam   bool
	tokenURL   string
}

// RelyingParty signs people in with several named OpenID providers and
// keeps them signed in with encrypted session cookies. It is safe for
// concurrent use.
type RelyingParty struct {
	providers map[string]*provider
	order     []string
	sessions  *Sessions
	prefix    string
	defProv   string
	postOut   string
	flowTTL   time.Duration
	client    *http.Client
	now       func() time.Time
	log       *slog.Logger
	errPage   func(http.ResponseWriter, *http.Request, error)
	consumed  consumedFlows
}

// NewRelyingParty discovers every provider (one HTTP request each, bounded
// by ctx) and returns a relying party that stores sessions with sessions.
func NewRelyingParty(ctx context.Context, providers []ProviderConfig, sessions *Sessions, cfg *RelyingPartyConfig) (*RelyingParty, error) {
	var errs []error
	if len(providers) == 0 {
		errs = append(errs, errors.New("identity: at least one provider is required"))
	}
	if sessions == nil {
		errs = append(errs, errors.New("identity: sessions are required"))
	}
	errs = append(errs, cfg.Validate())
	seen := map[string]bool{}
	for i := range providers {
		errs = append(errs, providers[i].Validate())
		if seen[providers[i].Name] {
			errs = append(errs, fmt.Errorf("identity: duplicate provider name %q", providers[i].Name))
		}
		seen[providers[i].Name] = true
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg == nil {
		cfg = &RelyingPartyConfig{}
	}
	rp := &RelyingParty{
		providers: map[string]*provider{},
		sessions:  sessions,
		prefix:    cmp.Or(cfg.PathPrefix, "/auth"),
		defProv:   cmp.Or(cfg.DefaultProvider, providers[0].Name),
		postOut:   cmp.Or(cfg.PostLogoutPath, "/"),
		flowTTL:   cfg.FlowTTL,
		client:    cfg.HTTPClient,
		now:       cfg.Now,
		log:       cfg.Logger,
		errPage:   cfg.ErrorHandler,
		consumed:  consumedFlows{limit: maxConsumedFlows},
	}
	if !seen[rp.defProv] {
		return nil, fmt.Errorf("identity: default provider %q is not configured", rp.defProv)
	}
	if rp.flowTTL == 0 {
		rp.flowTTL = 10 * time.Minute
	}
	if rp.client == nil {
		rp.client = &http.Client{Timeout: 10 * time.Second}
	}
	if rp.now == nil {
		rp.now = time.Now
	}
	if rp.log == nil {
		rp.log = slog.New(slog.DiscardHandler)
	}
	if rp.errPage == nil {
		rp.errPage = defaultErrorPage
	}
	for _, pc := range providers {
		p, err := rp.discover(ctx, pc)
		if err != nil {
			return nil, err
		}
		rp.providers[pc.Name] = p
		rp.order = append(rp.order, pc.Name)
	}
	return rp, nil
}

func (rp *RelyingParty) discover(ctx context.Context, pc ProviderConfig) (*provider, error) {
	op, err := oidc.NewProvider(oidc.ClientContext(ctx, rp.client), pc.Issuer)
	if err != nil {
		return nil, fmt.Errorf("identity: discover provider %q: %w", pc.Name, err)
	}
	var meta struct {
		EndSession string   `json:"end_session_endpoint"`
		IssParam   bool     `json:"authorization_response_iss_parameter_supported"`
		Algs       []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := op.Claims(&meta); err != nil {
		return nil, fmt.Errorf("identity: provider %q discovery: %w", pc.Name, err)
	}
	algs := pc.SigningAlgs
	if len(algs) == 0 {
		algs = []string{oidc.RS256, oidc.PS256, oidc.ES256}
	}
	if pc.ClockSkew == 0 {
		pc.ClockSkew = time.Minute
	}
	scopes := pc.Scopes
	if len(scopes) == 0 {
		scopes = []string{oidc.ScopeOpenID, "email", "profile"}
	} else if !slices.Contains(scopes, oidc.ScopeOpenID) {
		scopes = append([]string{oidc.ScopeOpenID}, scopes...)
	}
	ep := op.Endpoint()
	switch pc.method() {
	case ClientSecretBasic:
		ep.AuthStyle = oauth2.AuthStyleInHeader
	default:
		ep.AuthStyle = oauth2.AuthStyleInParams
	}
	p := &provider{
		cfg:        pc,
		oidc:       op,
		endSession: meta.EndSession,
		issParam:   meta.IssParam,
		tokenURL:   ep.TokenURL,
		oauth: oauth2.Config{
			ClientID:    pc.ClientID,
			Endpoint:    ep,
			RedirectURL: pc.RedirectURL,
			Scopes:      scopes,
		},
	}
	if pc.method() != PrivateKeyJWT {
		p.oauth.ClientSecret = pc.ClientSecret
	}
	var jwks struct {
		URL string `json:"jwks_uri"`
	}
	if err := op.Claims(&jwks); err != nil || jwks.URL == "" {
		return nil, fmt.Errorf("identity: provider %q discovery has no jwks_uri", pc.Name)
	}
	// One key set per provider, shared by ID and logout tokens.
	keys := newKeySet(jwks.URL, rp.client, pc.KeyRefreshInterval, algs)
	p.verifier = newTokenVerifier(pc.Name, pc.Issuer, pc.ClientID, keys, pc.ClockSkew, rp.now, pc.RolesClaim, &p.cfg.Assurance)
	return p, nil
}
