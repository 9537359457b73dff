// Package identity signs residents and staff in with OpenID Connect and
// keeps them signed in: a relying party for several named providers at
// once (Login.gov, GOV.UK One Login, ID.me, a state IdP for residents;
// Entra ID, Okta, Keycloak for staff), built on coreos/go-oidc/v3 and
// golang.org/x/oauth2.
//
// A login is the authorization code flow with PKCE S256; state, nonce and
// the PKCE verifier travel in a short-lived encrypted cookie, one per login
// in progress (at most 5 per browser, so several tabs can log in at once).
// Each flow is redeemed at most once: its state is remembered (as a hash)
// until the flow expires, in the session store when it can remember flows
// (adapters.SessionStore.ConsumeFlow) so that every process refuses a
// replay, and otherwise in memory (up to 100,000 flows, oldest forgotten
// first). The callback checks the RFC 9207 iss parameter, and the ID
// token's signature (algorithm allow-list), issuer, audience and azp,
// exp/iat/nbf with a configurable skew, nonce and at_hash. The result is a
// Principal: issuer and subject (the stable key, never the email), email,
// name, phone, roles from a configurable claim path, and an AssuranceLevel
// (adapters.Assurance) normalised from acr, vot or amr. A *Principal is a
// workflow.Person: workflow.ActorOf(p) is its workflow actor, without
// identity importing workflow.
//
// Every token (ID, logout and access token) is verified against its
// issuer's JWKS, fetched again when a token names an unknown key id but at
// most once per KeyRefreshInterval (default 1 minute). Keys weaker than
// RSA 2048 bits or outside the P-256, P-384 and P-521 curves are refused
// whatever GODEBUG says, and time claims (exp, iat, nbf, auth_time) that
// are not NumericDates up to year 9999 refuse the token.
//
// Sessions are AES-256-GCM sealed cookies (Secure, HttpOnly,
// SameSite=Lax, a __Host- name) with absolute and idle timeouts and a new
// id on every login, sealed with a keyring.KeyRing that rotates keys with a
// grace period for retired ones. The session inside the seal is JSON,
// bounded by the cookie size. An optional adapters.SessionStore (memory,
// sqlite, postgres or a vendor's) makes sessions revocable in every process
// that shares it and enables OpenID back-channel logout; Sessions has it
// delete expired sessions and consumed login flows at most once per
// SessionConfig.PurgeInterval, in the background, unless SkipPurge leaves
// that to the host.
//
// For net/http: Sessions.Middleware (or RelyingParty.Middleware) puts the
// principal on the context (PrincipalFrom); RelyingParty.RequireLogin sends
// browsers to log in and back to a validated same-site path and answers
// API calls with 401 and WWW-Authenticate; RequireRole and
// RelyingParty.RequireAssurance (with step-up) guard routes;
// RelyingParty.Handler serves login, callback, logout (local and
// RP-initiated) and back-channel logout. BearerVerifier checks JWT access
// tokens for APIs (issuer, audience, scopes).
//
// The devprovider sub-package is a development-only OpenID provider with
// demo accounts, for laptops and tests without internet.
//
// # Errors
//
// Every refused credential (a bad callback, token, cookie or return path)
// is an *AuthError whose Reason is one of the Err… sentinels of this
// package, so callers use errors.Is(err, identity.ErrNonce) or errors.As
// for the provider name. Messages never contain tokens or personal data.
// Configuration problems are plain errors gathered with errors.Join by the
// Validate methods; session store failures are wrapped with %w.
//
// # Concurrency
//
// RelyingParty, Sessions and BearerVerifier are safe for concurrent use
// once built. The key ring may be rotated while requests are served. A Principal on a request context is shared by the
// session's requests and must be treated as read-only.
package identity
