package identity

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"
)

const flowPurpose = "civickit login flow v1"

// flow is the state of one login in progress, sealed into a short-lived
// cookie of its own so that the callback can check state, nonce and PKCE,
// and several tabs can log in at once.
type flow struct {
	Provider  string         `json:"p"`
	State     string         `json:"s"`
	Nonce     string         `json:"n"`
	Verifier  string         `json:"v"`
	ReturnTo  string         `json:"r"`
	Assurance AssuranceLevel `json:"a"`
	Created   int64          `json:"t"` // Unix milliseconds
}

// maxFlows bounds the logins one browser may have in progress (one per
// tab); starting another drops the oldest.
const maxFlows = 5

func (rp *RelyingParty) flowCookiePrefix() string {
	if rp.sessions.secure {
		return "__Host-civickit_flow_"
	}
	return "civickit_flow_"
}

// flowCookieName names the cookie of the flow with this state.
func (rp *RelyingParty) flowCookieName(state string) string {
	sum := sha256.Sum256([]byte(state))
	return rp.flowCookiePrefix() + base64.RawURLEncoding.EncodeToString(sum[:9])
}

// LoginOptions tunes one login.
type LoginOptions struct {
	// ReturnTo is the same-site path to land on after login; default "/".
	ReturnTo string
	// Assurance is the minimum level the login must reach; the provider is
	// asked for it (acr_values or vtr) and a lower result is refused.
	Assurance AssuranceLevel
	// ForceReauthentication sends prompt=login, as step-up does.
	ForceReauthentication bool
}

// StartLogin redirects the browser to the named provider's authorization
// endpoint with a fresh state, nonce and PKCE S256 challenge, which it
// seals into a short-lived cookie named after the state, dropping the
// oldest of the browser's flow cookies so that at most five remain.
func (rp *RelyingParty) StartLogin(w http.ResponseWriter, r *http.Request, providerName string, opts LoginOptions) error {
	p, ok := rp.providers[providerName]
	if !ok {
		return authErr(ErrUnknownProvider, "", "", nil)
	}
	ret := cmp.Or(opts.ReturnTo, "/")
	if _, err := ValidateReturnPath(ret); err != nil {
		return err
	}
	f := flow{
		Provider:  providerName,
		State:     newID(),
		Nonce:     newID(),
		Verifier:  oauth2.GenerateVerifier(),
		ReturnTo:  ret,
		Assurance: opts.Assurance,
		Created:   rp.now().UnixMilli(),
	}
	rp.dropOldFlows(w, r)
	b, _ := json.Marshal(f) // plain struct; cannot fail
	http.SetCookie(w, &http.Cookie{
		Name: rp.flowCookieName(f.State), Value: rp.sessions.keys.Seal(flowPurpose, b), Path: "/",
		MaxAge: int(rp.flowTTL / time.Second), Secure: rp.sessions.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
	params := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(f.Verifier), oidc.Nonce(f.Nonce)}
	for k, v := range p.cfg.AuthParams {
		params = append(params, oauth2.SetAuthURLParam(k, v))
	}
	if req, ok := p.cfg.Assurance.request(opts.Assurance); ok {
		if len(req.ACRValues) > 0 {
			params = append(params, oauth2.SetAuthURLParam("acr_values", strings.Join(req.ACRValues, " ")))
		}
		if req.VTR != "" {
			params = append(params, oauth2.SetAuthURLParam("vtr", req.VTR))
		}
	}
	if opts.ForceReauthentication {
		params = append(params, oauth2.SetAuthURLParam("prompt", "login"))
	}
	http.Redirect(w, r, p.oauth.AuthCodeURL(f.State, params...), http.StatusFound)
	return nil
}

// dropOldFlows clears unreadable flow cookies and the oldest ones, so that
// with the flow about to start there are at most maxFlows.
func (rp *RelyingParty) dropOldFlows(w http.ResponseWriter, r *http.Request) {
	type started struct {
		name string
		at   int64
	}
	var flows []started
	for _, c := range r.Cookies() {
		if !strings.HasPrefix(c.Name, rp.flowCookiePrefix()) {
			continue
		}
		if f, err := rp.openFlow(c.Value); err == nil {
			flows = append(flows, started{c.Name, f.Created})
		} else {
			rp.clearFlow(w, c.Name)
		}
	}
	slices.SortFunc(flows, func(a, b started) int { return cmp.Compare(b.at, a.at) })
	for _, f := range flows[min(len(flows), maxFlows-1):] {
		rp.clearFlow(w, f.name)
	}
}

// readFlow finds the flow cookie of state and returns the flow and the
// cookie's name, to be cleared whatever happens.
func (rp *RelyingParty) readFlow(r *http.Request, state string) (*flow, string, error) {
	name := rp.flowCookieName(state)
	c, err := r.Cookie(name)
	if err != nil || c.Value == "" {
		for _, c := range r.Cookies() {
			if strings.HasPrefix(c.Name, rp.flowCookiePrefix()) {
				// Logins are in progress, none with this state.
				return nil, "", authErr(ErrState, "", "", nil)
			}
		}
		return nil, "", authErr(ErrFlowCookie, "", "missing", nil)
	}
	f, err := rp.openFlow(c.Value)
	if err != nil {
		return nil, name, err
	}
	if subtle.ConstantTimeCompare([]byte(state), []byte(f.State)) != 1 {
		return nil, name, authErr(ErrState, f.Provider, "", nil)
	}
	return f, name, nil
}

func (rp *RelyingParty) openFlow(value string) (*flow, error) {
	b, err := rp.sessions.keys.Open(flowPurpose, value)
	if err != nil {
		return nil, authErr(ErrFlowCookie, "", "", err)
	}
	var f flow
	if err := json.Unmarshal(b, &f); err != nil || f.State == "" || f.Nonce == "" || f.Verifier == "" {
		return nil, authErr(ErrFlowCookie, "", "undecodable", nil)
	}
	age := rp.now().Sub(time.UnixMilli(f.Created))
	if age > rp.flowTTL || age < -time.Minute {
		return nil, authErr(ErrFlowCookie, f.Provider, "expired", nil)
	}
	return &f, nil
}

func (rp *RelyingParty) clearFlow(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, Secure: rp.sessions.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// consumeFlow records that f is being redeemed, in the session store when
// it can remember flows and in this process otherwise, and refuses a flow
// recorded before. Only a hash of the state is kept.
func (rp *RelyingParty) consumeFlow(ctx context.Context, f *flow) error {
	sum := sha256.Sum256([]byte(flowPurpose + "\x00" + f.State))
	expires := time.UnixMilli(f.Created).Add(rp.flowTTL)
	if rp.sessions.store != nil {
		err := rp.sessions.store.ConsumeFlow(ctx, hex.EncodeToString(sum[:]), expires)
		if errors.Is(err, adapters.ErrDuplicate) {
			return authErr(ErrFlowReplayed, f.Provider, "", nil)
		}
		if err != nil {
			return fmt.Errorf("identity: remember login flow: %w", err)
		}
		return nil
	}
	if !rp.consumed.consume([16]byte(sum[:16]), expires, rp.now()) {
		return authErr(ErrFlowReplayed, f.Provider, "", nil)
	}
	return nil
}

// maxConsumedFlows bounds the redeemed flows a relying party without a
// flow-remembering session store keeps in memory (about 100 bytes each).
const maxConsumedFlows = 100_000

// consumedFlows remembers redeemed login flows until they expire, at most
// limit of them: past that the oldest are forgotten first.
type consumedFlows struct {
	mu    sync.Mutex
	limit int
	seen  map[[16]byte]time.Time
	order [][16]byte // oldest first
}

func (c *consumedFlows) consume(key [16]byte, expires, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.order) > 0 && (len(c.order) >= c.limit || !now.Before(c.seen[c.order[0]])) {
		delete(c.seen, c.order[0])
		c.order = c.order[1:]
	}
	if _, dup := c.seen[key]; dup {
		return false
	}
	if c.seen == nil {
		c.seen = map[[16]byte]time.Time{}
	}
	c.seen[key] = expires
	c.order = append(c.order, key)
	return true
}

// Callback completes a login on the provider's redirect back: it finds the
// flow cookie of the returned state, checks the RFC 9207 iss parameter and
// (when pathProvider is not empty) that the callback belongs to the
// provider the login started with; spends the flow, so that a replayed
// callback never reaches the token endpoint (ErrFlowReplayed); exchanges
// the code with the PKCE verifier; verifies the ID token; builds the
// principal; and issues a brand-new session. It returns the session and
// the validated return path. On any failure no session is issued and the
// error is an *AuthError (or a wrapped store error).
func (rp *RelyingParty) Callback(w http.ResponseWriter, r *http.Request, pathProvider string) (*Session, string, error) {
	if len(r.URL.RawQuery) > 8192 {
		return nil, "", authErr(ErrProviderResponse, "", "response too long", nil)
	}
	q := r.URL.Query()
	f, name, err := rp.readFlow(r, q.Get("state"))
	if name != "" {
		rp.clearFlow(w, name) // one use only, whatever happens
	}
	if err != nil {
		return nil, "", err
	}
	p, ok := rp.providers[f.Provider]
	if !ok {
		return nil, "", authErr(ErrUnknownProvider, "", "", nil)
	}
	if pathProvider != "" && pathProvider != f.Provider {
		return nil, "", authErr(ErrProviderMismatch, f.Provider, "", nil)
	}
	if iss, has := q["iss"]; has || p.issParam || p.cfg.RequireIssuerParameter {
		if !has || len(iss) != 1 || iss[0] != p.cfg.Issuer {
			return nil, "", authErr(ErrIssuerParameter, f.Provider, "", nil)
		}
	}
	if e := q.Get("error"); e != "" {
		return nil, "", authErr(ErrProviderResponse, f.Provider, "error="+truncate(e, 64), nil)
	}
	code := q.Get("code")
	if code == "" {
		return nil, "", authErr(ErrCodeExchange, f.Provider, "code missing", nil)
	}
	// RFC 6749 §4.1.2: a code is redeemed once, whether or not the
	// provider enforces it, so the flow is spent before the exchange.
	if err := rp.consumeFlow(r.Context(), f); err != nil {
		return nil, "", err
	}
	ctx := oidc.ClientContext(r.Context(), rp.client)
	opts := []oauth2.AuthCodeOption{oauth2.VerifierOption(f.Verifier)}
	if p.cfg.method() == PrivateKeyJWT {
		assertion, err := p.clientAssertion(rp.now())
		if err != nil {
			return nil, "", fmt.Errorf("identity: provider %q: sign client assertion: %w", f.Provider, err)
		}
		opts = append(opts,
			oauth2.SetAuthURLParam("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
			oauth2.SetAuthURLParam("client_assertion", assertion))
	}
	tok, err := p.oauth.Exchange(ctx, code, opts...)
	if err != nil {
		return nil, "", authErr(ErrCodeExchange, f.Provider, "", oauthErrCode(err))
	}
	rawID, _ := tok.Extra("id_token").(string)
	vt, err := p.verifier.verifyIDToken(ctx, rawID, f.Nonce, tok.AccessToken)
	if err != nil {
		return nil, "", err
	}
	if p.cfg.FetchUserinfo {
		if err := p.mergeUserinfo(ctx, tok, vt); err != nil {
			return nil, "", err
		}
	}
	pr := p.verifier.principal(vt)
	if pr.Assurance < f.Assurance {
		return nil, "", authErr(ErrInsufficientAssurance, f.Provider, fmt.Sprintf("got %s, need %s", pr.Assurance, f.Assurance), nil)
	}
	sid, _ := vt.claims["sid"].(string)
	// A new login replaces whatever session the browser had: end it in the
	// store too, so the old cookie cannot be replayed.
	if rp.sessions.store != nil {
		if old, err := rp.sessions.Load(r); err == nil {
			if err := rp.sessions.store.RevokeSession(r.Context(), old.ID); err != nil {
				return nil, "", fmt.Errorf("identity: revoke previous session: %w", err)
			}
		}
	}
	sess, err := rp.sessions.Issue(r.Context(), w, pr, rawID, sid)
	if err != nil {
		return nil, "", err
	}
	return sess, f.ReturnTo, nil
}

// oauthErrCode keeps only the OAuth error code of a token endpoint failure;
// the body may echo request data.
func oauthErrCode(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.ErrorCode != "" {
			return fmt.Errorf("token endpoint: %s", truncate(re.ErrorCode, 64))
		}
		if re.Response != nil {
			return fmt.Errorf("token endpoint: HTTP %d", re.Response.StatusCode)
		}
	}
	return errors.New("token endpoint request failed")
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (p *provider) mergeUserinfo(ctx context.Context, tok *oauth2.Token, vt *verified) error {
	ui, err := p.oidc.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return authErr(ErrClaims, p.cfg.Name, "userinfo request failed", nil)
	}
	if ui.Subject != vt.token.Subject {
		return authErr(ErrClaims, p.cfg.Name, "userinfo sub differs from ID token", nil)
	}
	var extra map[string]any
	if err := ui.Claims(&extra); err != nil {
		return authErr(ErrClaims, p.cfg.Name, "userinfo is not a JSON object", nil)
	}
	for k, v := range extra {
		if _, exists := vt.claims[k]; !exists {
			vt.claims[k] = v
		}
	}
	return nil
}

// clientAssertion signs a private_key_jwt assertion (RFC 7523).
func (p *provider) clientAssertion(now time.Time) (string, error) {
	alg := jose.RS256
	if _, ok := p.cfg.PrivateKey.(*ecdsa.PrivateKey); ok {
		alg = jose.ES256
	} else if _, ok := p.cfg.PrivateKey.(*rsa.PrivateKey); !ok {
		return "", errors.New("unsupported private key type")
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: p.cfg.PrivateKey, KeyID: p.cfg.PrivateKeyID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	aud := p.cfg.AssertionAudience
	if len(aud) == 0 {
		aud = []string{p.tokenURL}
	}
	claims := jwt.Claims{
		Issuer:   p.cfg.ClientID,
		Subject:  p.cfg.ClientID,
		Audience: aud,
		ID:       newID(),
		IssuedAt: jwt.NewNumericDate(now),
		Expiry:   jwt.NewNumericDate(now.Add(5 * time.Minute)),
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}

// VerifyIDToken verifies an ID token of the named provider the way the
// login callback does (signature with the allow-list and cached keys,
// issuer, audience and azp, exp/iat/nbf with skew, nonce, and at_hash when
// accessToken is not empty) and returns its principal.
func (rp *RelyingParty) VerifyIDToken(ctx context.Context, providerName, rawIDToken, nonce, accessToken string) (*Principal, error) {
	p, ok := rp.providers[providerName]
	if !ok {
		return nil, authErr(ErrUnknownProvider, "", "", nil)
	}
	vt, err := p.verifier.verifyIDToken(ctx, rawIDToken, nonce, accessToken)
	if err != nil {
		return nil, err
	}
	return p.verifier.principal(vt), nil
}

// Logout ends the local session and returns where to send the browser:
// the provider's end_session_endpoint with id_token_hint,
// post_logout_redirect_uri and client_id when the provider has one
// (RP-initiated logout), otherwise the configured post-logout path.
func (rp *RelyingParty) Logout(w http.ResponseWriter, r *http.Request) (string, error) {
	sess, _ := rp.sessions.Load(r)
	hint := rp.sessions.IDTokenHint(r, sess)
	if err := rp.sessions.Clear(r.Context(), w, sess); err != nil {
		return "", err
	}
	if sess == nil {
		return rp.postOut, nil
	}
	p, ok := rp.providers[sess.Principal.Provider]
	if !ok || p.endSession == "" {
		return rp.postOut, nil
	}
	u, err := url.Parse(p.endSession)
	if err != nil {
		return rp.postOut, nil
	}
	q := u.Query()
	q.Set("client_id", p.cfg.ClientID)
	if hint != "" {
		q.Set("id_token_hint", hint)
	}
	if p.cfg.PostLogoutRedirectURL != "" {
		q.Set("post_logout_redirect_uri", p.cfg.PostLogoutRedirectURL)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// BackChannelLogout verifies an OpenID back-channel logout token from the
// named provider and revokes the matching sessions in the session store.
// It returns how many sessions ended. Without a session store it fails,
// because cookie-only sessions cannot be revoked from the server.
func (rp *RelyingParty) BackChannelLogout(ctx context.Context, providerName, logoutToken string) (int, error) {
	p, ok := rp.providers[providerName]
	if !ok {
		return 0, authErr(ErrUnknownProvider, "", "", nil)
	}
	if rp.sessions.store == nil {
		return 0, errors.New("identity: back-channel logout needs a session store")
	}
	lt, err := p.verifier.verifyLogout(ctx, logoutToken)
	if err != nil {
		return 0, err
	}
	n, err := rp.sessions.store.RevokeProviderSessions(ctx, adapters.RevokeSessionsParams{Issuer: lt.Issuer, Subject: lt.Subject, SID: lt.SessionID})
	if err != nil {
		return 0, fmt.Errorf("identity: back-channel logout: %w", err)
	}
	return int(n), nil
}

// Sessions returns the session manager.
func (rp *RelyingParty) Sessions() *Sessions { return rp.sessions }

// Providers returns the configured provider names in configuration order.
func (rp *RelyingParty) Providers() []string { return append([]string(nil), rp.order...) }

// LoginURL returns the local URL that starts a login with the named
// provider and comes back to returnTo.
func (rp *RelyingParty) LoginURL(providerName, returnTo string, level AssuranceLevel) string {
	q := url.Values{}
	q.Set("provider", providerName)
	if returnTo != "" {
		q.Set("return_to", returnTo)
	}
	if level > AssuranceNone {
		q.Set("assurance", level.String())
	}
	return rp.prefix + "/login?" + q.Encode()
}

// Handler serves the login routes under the path prefix (default "/auth"):
//
//	GET  /auth/login?provider=NAME&return_to=PATH&assurance=LEVEL
//	GET  /auth/callback/{provider}
//	POST /auth/logout
//	POST /auth/backchannel-logout/{provider}
func (rp *RelyingParty) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+rp.prefix+"/login", rp.serveLogin)
	mux.HandleFunc("GET "+rp.prefix+"/callback/{provider}", rp.serveCallback)
	mux.HandleFunc("POST "+rp.prefix+"/logout", rp.serveLogout)
	mux.HandleFunc("POST "+rp.prefix+"/backchannel-logout/{provider}", rp.serveBackChannelLogout)
	return mux
}

func (rp *RelyingParty) serveLogin(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	opts := LoginOptions{ReturnTo: q.Get("return_to")}
	if a := q.Get("assurance"); a != "" {
		lvl, err := ParseAssuranceLevel(a)
		if err != nil {
			rp.fail(w, r, authErr(ErrClaims, "", "bad assurance parameter", nil))
			return
		}
		opts.Assurance = lvl
		// Step-up: a session that exists but is too weak must re-authenticate.
		if pr, ok := rp.currentPrincipal(r); ok && pr.Assurance < lvl {
			opts.ForceReauthentication = true
		}
	}
	if err := rp.StartLogin(w, r, cmp.Or(q.Get("provider"), rp.defProv), opts); err != nil {
		rp.fail(w, r, err)
	}
}

func (rp *RelyingParty) currentPrincipal(r *http.Request) (*Principal, bool) {
	if pr, ok := PrincipalFrom(r.Context()); ok {
		return pr, true
	}
	if s, err := rp.sessions.Load(r); err == nil {
		return s.Principal, true
	}
	return nil, false
}

func (rp *RelyingParty) serveCallback(w http.ResponseWriter, r *http.Request) {
	_, ret, err := rp.Callback(w, r, r.PathValue("provider"))
	if err != nil {
		rp.fail(w, r, err)
		return
	}
	http.Redirect(w, r, ret, http.StatusSeeOther)
}

func (rp *RelyingParty) serveLogout(w http.ResponseWriter, r *http.Request) {
	// Refuse cross-site logout forms (logout CSRF); browsers that predate
	// Fetch Metadata send no header and are let through.
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" {
		http.Error(w, "cross-site logout refused", http.StatusForbidden)
		return
	}
	to, err := rp.Logout(w, r)
	if err != nil {
		rp.log.LogAttrs(r.Context(), slog.LevelWarn, "identity: logout", slog.String("error", err.Error()))
		to = rp.postOut
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (rp *RelyingParty) serveBackChannelLogout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if _, err := rp.BackChannelLogout(r.Context(), r.PathValue("provider"), r.PostForm.Get("logout_token")); err != nil {
		rp.log.LogAttrs(r.Context(), slog.LevelInfo, "identity: back-channel logout refused", slog.String("reason", reasonOf(err)))
		http.Error(w, "invalid logout token", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (rp *RelyingParty) fail(w http.ResponseWriter, r *http.Request, err error) {
	rp.log.LogAttrs(r.Context(), slog.LevelInfo, "identity: login refused", slog.String("reason", reasonOf(err)))
	rp.errPage(w, r, err)
}

func defaultErrorPage(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusBadRequest)
	msg := "Sign-in failed."
	var ae *AuthError
	if errors.As(err, &ae) {
		msg = "Sign-in failed: " + ae.Reason.Error()
	}
	fmt.Fprintf(w, "<!doctype html><title>Sign-in failed</title><p>%s</p><p><a href=\"/\">Start again</a></p>\n", html.EscapeString(msg))
}
