// Package devprovider is a DEVELOPMENT-ONLY OpenID provider for laptops
// and tests with no internet: it runs github.com/zitadel/oidc's op package
// in-process with named demo accounts (a resident at each assurance level,
// a staff member, an inspector, a moderator) and a one-click login page
// without passwords. Anyone who can reach it can sign in as anyone, so it
// refuses to serve on a non-loopback address unless
// Config.InsecureAllowNonLoopback is set.
//
// # Demo accounts
//
// DemoAccounts, used unless Config.Accounts is set; the username is also
// accepted as login_hint. Assurance is the acr claim (vot in brackets):
//
//	username              name              roles               assurance
//	resident-low          Riley Low         (none)              urn:acr.login.gov:auth-only (Cl.Cm), low
//	resident-substantial  Sam Substantial   (none)              urn:acr.login.gov:verified (Cl.Cm.P2), substantial
//	resident-high         Harper High       (none)              urn:acr.login.gov:verified-facial-match-required (Cl.Cm.P3), high
//	staff                 Sasha Staff       staff               urn:civickit:staff:mfa
//	inspector             Ines Inspector    staff, inspector    urn:civickit:staff:mfa
//	moderator             Morgan Moderator  staff, moderator    urn:civickit:staff:mfa
//
// # Demo client
//
// DemoClients, used unless Config.Clients is set: client_id civickit-demo,
// secret civickit-demo-secret (client_secret_basic), redirect URIs
// /auth/callback/resident and /auth/callback/staff on any loopback origin.
// Every client's loopback redirect URIs match any loopback host
// (127.0.0.0/8, [::1], localhost) and any port with the same path (RFC 8252
// section 7.3), so an app on http://localhost:3000 needs no configuration;
// a redirect to any other host must be registered exactly.
//
// Beyond the op package it adds the RFC 9207 iss authorization response
// parameter (advertised in discovery) so that relying parties can test
// their mix-up defence.
//
// # Errors
//
// New and Start return plain errors describing configuration problems,
// joined with errors.Join. Protocol errors are answered by the op package
// as OAuth error responses.
//
// # Concurrency
//
// A Provider is safe for concurrent use; its state lives in memory and is
// lost when the process exits.
package devprovider

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

const loginPath = "/login"

// Config tunes a Provider. A nil *Config means the defaults.
type Config struct {
	// Accounts default to DemoAccounts().
	Accounts []Account
	// Clients default to DemoClients().
	Clients []Client
	// SigningKey signs tokens (RS256); default a fresh 2048-bit key.
	SigningKey *rsa.PrivateKey
	// KeyID is the kid of SigningKey; default derived from the key.
	KeyID string
	// InsecureAllowNonLoopback lets the provider serve on an issuer or
	// address that is not loopback. Never use it on a shared network.
	InsecureAllowNonLoopback bool
	// DisableIssuerParameter stops adding the RFC 9207 iss parameter.
	DisableIssuerParameter bool
	// Logger receives a warning when a Server starts; default discards.
	// (The op package itself logs through slog.Default.)
	Logger *slog.Logger
}

// Provider is an in-process OpenID provider; it is an http.Handler serving
// discovery, authorize, token, userinfo, keys, end_session and the demo
// login page at /login.
type Provider struct {
	issuer  string
	op      *op.Provider
	store   *storage
	handler http.Handler
	issParm bool
	log     *slog.Logger
}

// New returns a provider for issuer (for example "http://127.0.0.1:9000").
// It refuses a non-loopback issuer unless InsecureAllowNonLoopback is set.
func New(issuer string, cfg *Config) (*Provider, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("devprovider: issuer %q is not an absolute http(s) URL", issuer)
	}
	if !cfg.InsecureAllowNonLoopback && !isLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("devprovider: refusing non-loopback issuer %q: this provider signs anyone in without a password (set InsecureAllowNonLoopback to force)", issuer)
	}
	accounts := cfg.Accounts
	if accounts == nil {
		accounts = DemoAccounts()
	}
	clients := cfg.Clients
	if clients == nil {
		clients = DemoClients()
	}
	key := cfg.SigningKey
	if key == nil {
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, fmt.Errorf("devprovider: generate key: %w", err)
		}
	}
	kid := cfg.KeyID
	if kid == "" {
		sum := sha256.Sum256(key.PublicKey.N.Bytes())
		kid = fmt.Sprintf("dev-%x", sum[:8])
	}
	store, err := newStorage(accounts, clients, &signingKey{id: kid, key: key})
	if err != nil {
		return nil, err
	}
	var cryptoKey [32]byte
	_, _ = rand.Read(cryptoKey[:])
	opts := []op.Option{}
	if u.Scheme == "http" {
		opts = append(opts, op.WithAllowInsecure())
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	o, err := op.NewProvider(&op.Config{
		CryptoKey:               cryptoKey,
		CodeMethodS256:          true,
		AuthMethodPost:          true,
		AuthMethodPrivateKeyJWT: true,
		SupportedUILocales:      []language.Tag{language.English},
		SupportedClaims:         []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "email", "email_verified", "name", "phone_number", "roles", "groups", "vot"},
	}, store, op.StaticIssuer(strings.TrimSuffix(issuer, "/")), opts...)
	if err != nil {
		return nil, fmt.Errorf("devprovider: %w", err)
	}
	p := &Provider{issuer: strings.TrimSuffix(issuer, "/"), op: o, store: store, issParm: !cfg.DisableIssuerParameter, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+loginPath, p.loginPage)
	mux.HandleFunc("POST "+loginPath, p.loginSubmit)
	mux.Handle("/", o)
	p.handler = mux
	return p, nil
}

// Issuer returns the issuer URL.
func (p *Provider) Issuer() string { return p.issuer }

// ServeHTTP implements http.Handler.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !p.issParm {
		p.handler.ServeHTTP(w, r)
		return
	}
	if r.URL.Path == "/.well-known/openid-configuration" {
		p.serveDiscovery(w, r)
		return
	}
	p.handler.ServeHTTP(&issWriter{ResponseWriter: w, issuer: p.issuer}, r)
}

// serveDiscovery adds authorization_response_iss_parameter_supported.
func (p *Provider) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	rec := &bufferWriter{header: http.Header{}}
	p.handler.ServeHTTP(rec, r)
	var doc map[string]any
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.status == http.StatusOK && json.Unmarshal(rec.body.Bytes(), &doc) == nil {
		doc["authorization_response_iss_parameter_supported"] = true
		if b, err := json.Marshal(doc); err == nil {
			rec.body.Reset()
			rec.body.Write(b)
		}
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
}

type bufferWriter struct {
	header http.Header
	body   bytes.Buffer
	status int
}

func (b *bufferWriter) Header() http.Header         { return b.header }
func (b *bufferWriter) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bufferWriter) WriteHeader(s int)           { b.status = s }

// issWriter adds iss to authorization responses redirected to a client.
type issWriter struct {
	http.ResponseWriter
	issuer string
}

func (w *issWriter) WriteHeader(status int) {
	if status >= 300 && status < 400 {
		if loc := w.Header().Get("Location"); loc != "" && !strings.HasPrefix(loc, w.issuer) && !strings.HasPrefix(loc, "/") {
			if u, err := url.Parse(loc); err == nil {
				q := u.Query()
				if (q.Has("code") || q.Has("error")) && !q.Has("iss") {
					q.Set("iss", w.issuer)
					u.RawQuery = q.Encode()
					w.Header().Set("Location", u.String())
				}
			}
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

var loginTmpl = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Development sign-in</title></head>
<body>
<p><strong>Development provider. Not for production: anyone can sign in as anyone.</strong></p>
<h1>Choose a demo account</h1>
{{range .Accounts}}<form method="post" action="{{$.Action}}">
<input type="hidden" name="id" value="{{$.ID}}">
<input type="hidden" name="account" value="{{.Username}}">
<button type="submit">{{.Name}} ({{.Username}}{{if .Roles}}; {{range $i, $r := .Roles}}{{if $i}}, {{end}}{{$r}}{{end}}{{end}})</button>
</form>
{{end}}</body></html>
`))

func (p *Provider) loginPage(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	if id == "" || len(id) > 64 {
		http.Error(w, "missing login request", http.StatusBadRequest)
		return
	}
	// login_hint naming a demo account signs in straight away, so that
	// scripted clients need no form parsing.
	if hint := p.store.loginHint(id); hint != "" {
		if err := p.store.complete(id, hint); err == nil {
			http.Redirect(w, r, op.AuthCallbackURL(p.op)(r.Context(), id), http.StatusFound)
			return
		}
	}
	accounts := make([]Account, 0, len(p.store.byName))
	for _, a := range p.store.accountsInOrder() {
		accounts = append(accounts, *a)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = loginTmpl.Execute(w, map[string]any{"Action": loginPath, "ID": id, "Accounts": accounts})
}

func (p *Provider) loginSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	id := r.PostForm.Get("id")
	if err := p.store.complete(id, r.PostForm.Get("account")); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, op.AuthCallbackURL(p.op)(op.ContextWithIssuer(r.Context(), p.issuer), id), http.StatusFound)
}

func isLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// Server is a Provider listening on its own address.
type Server struct {
	*Provider
	srv *http.Server
	ln  net.Listener
}

// Start listens on addr (for example "127.0.0.1:9000" or "127.0.0.1:0")
// over plain http and serves a provider whose issuer is
// http://<listen address>. It refuses a non-loopback address unless
// cfg.InsecureAllowNonLoopback is set.
func Start(addr string, cfg *Config) (*Server, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("devprovider: address %q: %w", addr, err)
	}
	force := cfg != nil && cfg.InsecureAllowNonLoopback
	if !force && !isLoopbackHost(host) {
		return nil, fmt.Errorf("devprovider: refusing to listen on non-loopback address %q (set InsecureAllowNonLoopback to force)", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("devprovider: listen: %w", err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !force && !tcp.IP.IsLoopback() {
		_ = ln.Close()
		return nil, errors.New("devprovider: listener is not on a loopback address")
	}
	p, err := New("http://"+ln.Addr().String(), cfg)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	s := &Server{Provider: p, ln: ln, srv: &http.Server{Handler: p, ReadHeaderTimeout: 5 * time.Second}}
	p.log.Warn("devprovider: development-only OpenID provider started; anyone who reaches it can sign in as any demo account", slog.String("issuer", p.issuer))
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server.
func (s *Server) Close(ctx context.Context) error { return s.srv.Shutdown(ctx) }

func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
