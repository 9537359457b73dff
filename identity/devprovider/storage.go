package devprovider

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Client is a relying party registered at the development provider.
type Client struct {
	// ID is the client_id.
	ID string
	// Secret is the client secret for client_secret_basic/post.
	Secret string
	// AuthMethod is "client_secret_basic", "client_secret_post" or
	// "private_key_jwt".
	AuthMethod string
	// PublicKey verifies private_key_jwt assertions (*rsa.PublicKey or
	// *ecdsa.PublicKey) under KeyID.
	PublicKey any
	// KeyID is the kid the client's assertions carry.
	KeyID string
	// RedirectURIs are the allowed callback URLs.
	RedirectURIs []string
	// PostLogoutRedirectURIs are the allowed post_logout_redirect_uri values.
	PostLogoutRedirectURIs []string
	// ExtraAudience is added to the aud of tokens for this client, such as
	// an API's identifier for bearer tokens. With it, ID tokens carry
	// several audiences and an azp.
	ExtraAudience []string
}

type authRequest struct {
	id            string
	clientID      string
	redirectURI   string
	state         string
	nonce         string
	scopes        []string
	responseType  oidc.ResponseType
	responseMode  oidc.ResponseMode
	codeChallenge *oidc.CodeChallenge
	loginHint     string
	audience      []string

	done     bool
	account  *Account
	authTime time.Time
}

func (a *authRequest) GetID() string { return a.id }
func (a *authRequest) GetACR() string {
	return a.accountField(func(x *Account) string { return x.ACR })
}
func (a *authRequest) GetAMR() []string {
	if a.account == nil {
		return nil
	}
	return a.account.AMR
}
func (a *authRequest) GetAudience() []string                 { return a.audience }
func (a *authRequest) GetAuthTime() time.Time                { return a.authTime }
func (a *authRequest) GetClientID() string                   { return a.clientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.codeChallenge }
func (a *authRequest) GetNonce() string                      { return a.nonce }
func (a *authRequest) GetRedirectURI() string                { return a.redirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType    { return a.responseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode    { return a.responseMode }
func (a *authRequest) GetScopes() []string                   { return a.scopes }
func (a *authRequest) GetState() string                      { return a.state }
func (a *authRequest) GetSubject() string {
	return a.accountField(func(x *Account) string { return x.ID })
}
func (a *authRequest) Done() bool { return a.done }

func (a *authRequest) accountField(f func(*Account) string) string {
	if a.account == nil {
		return ""
	}
	return f(a.account)
}

type accessToken struct {
	id       string
	clientID string
	subject  string
	scopes   []string
	expires  time.Time
}

type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

type publicKey struct{ k *signingKey }

func (p publicKey) ID() string                         { return p.k.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return &p.k.key.PublicKey }

// storage implements op.Storage in memory.
type storage struct {
	mu       sync.Mutex
	requests map[string]*authRequest
	codes    map[string]string
	tokens   map[string]*accessToken
	clients  map[string]*Client
	accounts map[string]*Account // by ID
	byName   map[string]*Account // by username
	key      *signingKey
}

var (
	_ op.Storage                        = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest      = (*storage)(nil)
	_ op.CanGetPrivateClaimsFromRequest = (*storage)(nil)
)

type notFound struct{ what string }

func (e notFound) Error() string { return e.what + " not found" }
func (notFound) IsNotFound()     {}

func (s *storage) CreateAuthRequest(_ context.Context, r *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if slices.Contains(r.Prompt, oidc.PromptNone) {
		return nil, oidc.ErrLoginRequired()
	}
	c := s.clients[r.ClientID]
	if c == nil {
		return nil, notFound{"client"}
	}
	req := &authRequest{
		id: rand.Text(), clientID: r.ClientID, redirectURI: r.RedirectURI,
		state: r.State, nonce: r.Nonce, scopes: r.Scopes, responseType: r.ResponseType, responseMode: r.ResponseMode,
		loginHint: r.LoginHint, audience: append([]string{r.ClientID}, c.ExtraAudience...),
	}
	if r.CodeChallenge != "" {
		req.codeChallenge = &oidc.CodeChallenge{Challenge: r.CodeChallenge, Method: r.CodeChallengeMethod}
	}
	s.requests[req.id] = req
	return req, nil
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.requests[id]
	if !ok {
		return nil, notFound{"auth request"}
	}
	return r, nil
}

func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	id, ok := s.codes[code]
	s.mu.Unlock()
	if !ok {
		return nil, notFound{"code"}
	}
	return s.AuthRequestByID(ctx, id)
}

func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = id
	return nil
}

// DeleteAuthRequest runs after the code was exchanged, so a replayed code
// finds nothing.
func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for code, rid := range s.codes {
		if rid == id {
			delete(s.codes, code)
		}
	}
	return nil
}

// complete marks an auth request as authenticated by account username.
func (s *storage) complete(id, username string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.requests[id]
	if !ok {
		return errors.New("unknown or finished login request")
	}
	a, ok := s.byName[username]
	if !ok {
		return errors.New("unknown account")
	}
	r.account, r.done, r.authTime = a, true, time.Now().UTC()
	return nil
}

func (s *storage) loginHint(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.requests[id]; ok {
		return r.loginHint
	}
	return ""
}

func (s *storage) CreateAccessToken(_ context.Context, r op.TokenRequest) (string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &accessToken{id: rand.Text(), subject: r.GetSubject(), scopes: r.GetScopes(), expires: time.Now().Add(5 * time.Minute)}
	if ar, ok := r.(*authRequest); ok {
		t.clientID = ar.clientID
	}
	s.tokens[t.id] = t
	return t.id, t.expires, nil
}

func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errors.New("refresh tokens are not supported by the development provider")
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, op.ErrInvalidRefreshToken
}

func (s *storage) TerminateSession(_ context.Context, userID, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, t := range s.tokens {
		if t.subject == userID && t.clientID == clientID {
			delete(s.tokens, id)
		}
	}
	return nil
}

func (s *storage) RevokeToken(_ context.Context, tokenOrID, _, clientID string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[tokenOrID]; ok {
		if t.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was not issued for this client")
		}
		delete(s.tokens, tokenOrID)
	}
	return nil
}

func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return s.key, nil }

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) { return []op.Key{publicKey{s.key}}, nil }

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return nil, notFound{"client"}
	}
	return &opClient{c: c}, nil
}

func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok || c.Secret == "" || !constantTimeEqual(c.Secret, secret) {
		return errors.New("invalid client credentials")
	}
	return nil
}

func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

func (s *storage) SetUserinfoFromRequest(_ context.Context, ui *oidc.UserInfo, r op.IDTokenRequest, scopes []string) error {
	return s.setUserinfo(ui, r.GetSubject(), scopes)
}

func (s *storage) SetUserinfoFromToken(_ context.Context, ui *oidc.UserInfo, tokenID, _, _ string) error {
	s.mu.Lock()
	t, ok := s.tokens[tokenID]
	s.mu.Unlock()
	if !ok || time.Now().After(t.expires) {
		return errors.New("token invalid or expired")
	}
	return s.setUserinfo(ui, t.subject, t.scopes)
}

func (s *storage) setUserinfo(ui *oidc.UserInfo, subject string, scopes []string) error {
	s.mu.Lock()
	a, ok := s.accounts[subject]
	s.mu.Unlock()
	if !ok {
		return notFound{"account"}
	}
	ui.Subject = a.ID
	for _, sc := range scopes {
		switch sc {
		case oidc.ScopeEmail:
			ui.Email, ui.EmailVerified = a.Email, true
		case oidc.ScopeProfile:
			ui.Name, ui.PreferredUsername = a.Name, a.Username
		case oidc.ScopePhone:
			ui.PhoneNumber, ui.PhoneNumberVerified = a.Phone, a.Phone != ""
		}
	}
	if len(a.Roles) > 0 {
		ui.AppendClaims("roles", a.Roles)
		ui.AppendClaims("groups", a.Roles)
	}
	if a.VoT != "" {
		ui.AppendClaims("vot", a.VoT)
	}
	return nil
}

func (s *storage) SetIntrospectionFromToken(_ context.Context, ir *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	s.mu.Lock()
	t, ok := s.tokens[tokenID]
	s.mu.Unlock()
	if !ok || time.Now().After(t.expires) || t.clientID != clientID {
		return errors.New("token invalid")
	}
	ir.Scope = t.scopes
	ir.ClientID = t.clientID
	ir.Subject = subject
	ir.Expiration = oidc.FromTime(t.expires)
	return nil
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetPrivateClaimsFromRequest puts the granted scopes and roles into JWT
// access tokens, as RFC 9068 access tokens carry them.
func (s *storage) GetPrivateClaimsFromRequest(_ context.Context, r op.TokenRequest, _ []string) (map[string]any, error) {
	claims := map[string]any{"scope": strings.Join(r.GetScopes(), " ")}
	s.mu.Lock()
	a, ok := s.accounts[r.GetSubject()]
	s.mu.Unlock()
	if ok && len(a.Roles) > 0 {
		claims["roles"] = a.Roles
	}
	return claims, nil
}

func (s *storage) GetKeyByIDAndClientID(_ context.Context, keyID, clientID string) (*jose.JSONWebKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[clientID]
	if !ok || c.PublicKey == nil || c.KeyID != keyID {
		return nil, notFound{"client key"}
	}
	return &jose.JSONWebKey{KeyID: keyID, Use: "sig", Key: c.PublicKey}, nil
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("JWT profile grant is not supported by the development provider")
}

func (s *storage) Health(context.Context) error { return nil }

// opClient adapts Client to op.Client.
type opClient struct{ c *Client }

func (o *opClient) GetID() string                    { return o.c.ID }
func (o *opClient) RedirectURIs() []string           { return o.c.RedirectURIs }
func (o *opClient) PostLogoutRedirectURIs() []string { return o.c.PostLogoutRedirectURIs }

// ApplicationType is native so that the op package applies RFC 8252
// section 7.3: a redirect (and post-logout redirect) to any loopback host
// (127.0.0.0/8, [::1], localhost) on any port matches a registered
// loopback URI with the same path and query, so the demo client fits an
// app on any local port. Other hosts still need an exact match. The type
// affects nothing else the provider uses: clients still authenticate with
// their AuthMethod.
func (o *opClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeNative }
func (o *opClient) AuthMethod() oidc.AuthMethod {
	if o.c.AuthMethod == "" {
		return oidc.AuthMethodBasic
	}
	return oidc.AuthMethod(o.c.AuthMethod)
}
func (o *opClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (o *opClient) GrantTypes() []oidc.GrantType        { return []oidc.GrantType{oidc.GrantTypeCode} }
func (o *opClient) LoginURL(id string) string           { return loginPath + "?id=" + id }
func (o *opClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }
func (o *opClient) IDTokenLifetime() time.Duration      { return 5 * time.Minute }

// DevMode lets http:// redirect URIs through, for plain-http laptops.
func (o *opClient) DevMode() bool { return true }
func (o *opClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (o *opClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (o *opClient) IsScopeAllowed(string) bool           { return true }
func (o *opClient) IDTokenUserinfoClaimsAssertion() bool { return true }
func (o *opClient) ClockSkew() time.Duration             { return 0 }

func newStorage(accounts []Account, clients []Client, key *signingKey) (*storage, error) {
	s := &storage{
		requests: map[string]*authRequest{}, codes: map[string]string{}, tokens: map[string]*accessToken{},
		clients: map[string]*Client{}, accounts: map[string]*Account{}, byName: map[string]*Account{}, key: key,
	}
	var errs []error
	for i := range accounts {
		a := &accounts[i]
		if a.ID == "" || a.Username == "" {
			errs = append(errs, fmt.Errorf("devprovider: account %d needs an ID and a Username", i))
			continue
		}
		if s.accounts[a.ID] != nil || s.byName[a.Username] != nil {
			errs = append(errs, fmt.Errorf("devprovider: duplicate account %q", a.Username))
			continue
		}
		s.accounts[a.ID], s.byName[a.Username] = a, a
	}
	for i := range clients {
		c := &clients[i]
		if c.ID == "" || len(c.RedirectURIs) == 0 {
			errs = append(errs, fmt.Errorf("devprovider: client %d needs an ID and redirect URIs", i))
			continue
		}
		switch c.AuthMethod {
		case "", "client_secret_basic", "client_secret_post":
			if c.Secret == "" {
				errs = append(errs, fmt.Errorf("devprovider: client %q needs a secret", c.ID))
			}
		case "private_key_jwt":
			if c.PublicKey == nil || c.KeyID == "" {
				errs = append(errs, fmt.Errorf("devprovider: client %q needs a public key and key id", c.ID))
			}
		default:
			errs = append(errs, fmt.Errorf("devprovider: client %q: unknown auth method %q", c.ID, c.AuthMethod))
		}
		s.clients[c.ID] = c
	}
	return s, errors.Join(errs...)
}

func (s *storage) accountsInOrder() []*Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Account, 0, len(s.accounts))
	for _, a := range s.accounts {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *Account) int { return strings.Compare(a.ID, b.ID) })
	return out
}
