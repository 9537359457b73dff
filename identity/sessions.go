package identity

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/keyring"
)

// Session is one signed-in browser session, carried in an encrypted cookie.
type Session struct {
	// ID is a random identifier, new on every login.
	ID string
	// Principal is the signed-in person.
	Principal *Principal
	// Created is when the login completed; the absolute timeout counts from it.
	Created time.Time
	// LastSeen is when the session was last used; the idle timeout counts from it.
	LastSeen time.Time
	// IDToken is the raw ID token, kept for the id_token_hint of
	// RP-initiated logout. It travels in a cookie of its own that only
	// logout reads, so it is empty on sessions loaded by Load; use
	// Sessions.IDTokenHint.
	IDToken string
	// ProviderSessionID is the provider's sid claim, used by back-channel logout.
	ProviderSessionID string
}

// SessionConfig tunes Sessions. A nil *SessionConfig means the defaults.
type SessionConfig struct {
	// CookieName defaults to "__Host-civickit_session", or to
	// "civickit_session" when InsecureCookies is set.
	CookieName string
	// AbsoluteTimeout ends a session this long after login. Default 12h.
	AbsoluteTimeout time.Duration
	// IdleTimeout ends a session unused for this long. Default 1h.
	IdleTimeout time.Duration
	// InsecureCookies drops the Secure attribute and the __Host- prefix so
	// that plain-http development on localhost works. Never in production.
	InsecureCookies bool
	// Store, when set, makes sessions revocable and enables back-channel
	// logout, in every process that shares it.
	Store adapters.SessionStore
	// PurgeInterval is how often, at most, Issue has the store delete
	// expired sessions and consumed login flows (in the background, so a
	// login never waits for it). Default 1h.
	PurgeInterval time.Duration
	// SkipPurge leaves purging to the host, which then calls the store's
	// DeleteExpiredSessions itself.
	SkipPurge bool
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger receives operational messages (never personal data); default
	// discards.
	Logger *slog.Logger
}

// Validate reports every problem of the configuration.
func (c *SessionConfig) Validate() error {
	if c == nil {
		return nil
	}
	var errs []error
	if c.AbsoluteTimeout < 0 {
		errs = append(errs, fmt.Errorf("identity: session absolute timeout %v is negative", c.AbsoluteTimeout))
	}
	if c.IdleTimeout < 0 {
		errs = append(errs, fmt.Errorf("identity: session idle timeout %v is negative", c.IdleTimeout))
	}
	if c.PurgeInterval < 0 {
		errs = append(errs, fmt.Errorf("identity: session purge interval %v is negative", c.PurgeInterval))
	}
	if c.AbsoluteTimeout > 0 && c.IdleTimeout > c.AbsoluteTimeout {
		errs = append(errs, fmt.Errorf("identity: idle timeout %v exceeds absolute timeout %v", c.IdleTimeout, c.AbsoluteTimeout))
	}
	return errors.Join(errs...)
}

// Sessions issues, loads and clears encrypted session cookies. It is safe
// for concurrent use.
type Sessions struct {
	keys     *keyring.KeyRing
	name     string
	absolute time.Duration
	idle     time.Duration
	refresh  time.Duration
	secure   bool
	store    adapters.SessionStore
	now      func() time.Time
	log      *slog.Logger

	purgeEvery time.Duration // zero when the host purges
	nextPurge  atomic.Int64  // unix nanoseconds
}

// sessionPurpose binds session cookies; v2 is the JSON payload.
const sessionPurpose = "civickit session v2"

// maxCookieValue keeps the whole Set-Cookie header under the 4096-byte
// limit browsers enforce.
const maxCookieValue = 3800

// NewSessions returns a session manager sealing cookies with keys. The
// ring's grace period should be at least the absolute timeout, so that a
// key rotation signs nobody out early.
func NewSessions(keys *keyring.KeyRing, cfg *SessionConfig) (*Sessions, error) {
	if keys == nil {
		return nil, errors.New("identity: sessions need a key ring")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg == nil {
		cfg = &SessionConfig{}
	}
	s := &Sessions{
		keys:     keys,
		name:     cfg.CookieName,
		absolute: cfg.AbsoluteTimeout,
		idle:     cfg.IdleTimeout,
		secure:   !cfg.InsecureCookies,
		store:    cfg.Store,
		now:      cfg.Now,
		log:      cfg.Logger,
	}
	if s.absolute == 0 {
		s.absolute = 12 * time.Hour
	}
	if !cfg.SkipPurge {
		s.purgeEvery = cmp.Or(cfg.PurgeInterval, time.Hour)
	}
	if s.idle == 0 {
		s.idle = min(time.Hour, s.absolute)
	}
	// Refresh LastSeen (and so re-issue the cookie) at most this often.
	s.refresh = min(s.idle/10, 5*time.Minute)
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.name == "" {
		if s.secure {
			s.name = "__Host-civickit_session"
		} else {
			s.name = "civickit_session"
		}
	}
	return s, nil
}

// CookieName returns the session cookie's name.
func (s *Sessions) CookieName() string { return s.name }

func newID() string {
	b := make([]byte, 18)
	_, _ = io.ReadFull(rand.Reader, b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Issue starts a brand-new session for p (a fresh id on every login, so a
// planted cookie can never be promoted), records it in the store if any,
// and sets the cookie.
func (s *Sessions) Issue(ctx context.Context, w http.ResponseWriter, p *Principal, idToken, providerSID string) (*Session, error) {
	now := s.now().UTC()
	sess := &Session{ID: newID(), Principal: p, Created: now, LastSeen: now, IDToken: idToken, ProviderSessionID: providerSID}
	if s.store != nil {
		rec := adapters.SessionRecord{ID: sess.ID, Issuer: p.Issuer, Subject: p.Subject, ProviderSessionID: providerSID, Created: now, Expires: now.Add(s.absolute)}
		if err := s.store.SaveSession(ctx, rec); err != nil {
			return nil, fmt.Errorf("identity: save session: %w", err)
		}
		s.purge(ctx, now)
	}
	if err := s.write(w, sess); err != nil {
		return nil, err
	}
	if idToken != "" {
		if v := s.keys.Seal(hintPurpose+sess.ID, []byte(idToken)); len(v) <= maxCookieValue {
			http.SetCookie(w, &http.Cookie{
				Name: s.hintName(), Value: v, Path: "/", MaxAge: int(s.absolute / time.Second),
				Secure: s.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode,
			})
		}
	}
	return sess, nil
}

const hintPurpose = "civickit id token hint v1 "

func (s *Sessions) hintName() string { return s.name + "_hint" }

// IDTokenHint returns the ID token saved at login for sess, for the
// id_token_hint of RP-initiated logout, or "" when there is none. The hint
// cookie is bound to the session id, so it cannot be moved between sessions.
func (s *Sessions) IDTokenHint(r *http.Request, sess *Session) string {
	if sess == nil {
		return ""
	}
	c, err := r.Cookie(s.hintName())
	if err != nil {
		return ""
	}
	b, err := s.keys.Open(hintPurpose+sess.ID, c.Value)
	if err != nil {
		return ""
	}
	return string(b)
}

// purge has the store delete expired sessions and flows, in the
// background and at most once per purge interval across goroutines.
func (s *Sessions) purge(ctx context.Context, now time.Time) {
	next := s.nextPurge.Load()
	if s.purgeEvery == 0 || now.UnixNano() < next || !s.nextPurge.CompareAndSwap(next, now.Add(s.purgeEvery).UnixNano()) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if _, err := s.store.DeleteExpiredSessions(ctx, now); err != nil {
			s.log.LogAttrs(ctx, slog.LevelWarn, "identity: purge expired sessions", slog.String("error", err.Error()))
		}
	}()
}

// sessionPayload is the JSON inside the sealed cookie. It is read with
// go-json-experiment/json, which refuses duplicate names and invalid UTF-8
// and decodes a session in about half the time encoding/json takes.
type sessionPayload struct {
	ID        string     `json:"id"`
	Created   int64      `json:"c"` // unix nanoseconds
	LastSeen  int64      `json:"l"`
	SID       string     `json:"sid,omitempty"`
	Principal *Principal `json:"p"`
}

// claimsLeftOut are claims the session cookie does not repeat: those that
// describe the token rather than the person, and those the principal's
// fields already hold (PrefillValues puts the latter back).
var claimsLeftOut = map[string]bool{
	"exp": true, "iat": true, "nbf": true, "nonce": true, "at_hash": true, "c_hash": true, "jti": true,
	"iss": true, "sub": true, "email": true, "email_verified": true, "name": true, "phone_number": true, "auth_time": true,
}

func encodeSession(sess *Session, withClaims bool) ([]byte, error) {
	p := *sess.Principal
	p.Claims = nil
	if withClaims {
		for k, v := range sess.Principal.Claims {
			if !claimsLeftOut[k] {
				if p.Claims == nil {
					p.Claims = make(map[string]any, len(sess.Principal.Claims))
				}
				p.Claims[k] = v
			}
		}
	}
	return json.Marshal(sessionPayload{
		ID: sess.ID, Created: sess.Created.UnixNano(), LastSeen: sess.LastSeen.UnixNano(),
		SID: sess.ProviderSessionID, Principal: &p,
	})
}

// decodeSession parses what encodeSession made; b is at most a cookie's
// size, which bounds everything in it.
func decodeSession(b []byte) (*Session, error) {
	var v sessionPayload
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	p := v.Principal
	if v.ID == "" || p == nil || p.Subject == "" || p.Issuer == "" || p.Assurance < AssuranceNone || p.Assurance > AssuranceHigh {
		return nil, errors.New("incomplete session")
	}
	return &Session{ID: v.ID, Principal: p, Created: time.Unix(0, v.Created).UTC(), LastSeen: time.Unix(0, v.LastSeen).UTC(), ProviderSessionID: v.SID}, nil
}

func (s *Sessions) seal(sess *Session) (string, error) {
	// When the session is too big for a cookie, drop the raw claims, which
	// can be lived without.
	for _, withClaims := range []bool{true, false} {
		b, err := encodeSession(sess, withClaims)
		if err != nil {
			return "", fmt.Errorf("identity: encode session: %w", err)
		}
		if v := s.keys.Seal(sessionPurpose, b); len(v) <= maxCookieValue {
			return v, nil
		}
	}
	return "", errors.New("identity: session too large for a cookie")
}

func (s *Sessions) write(w http.ResponseWriter, sess *Session) error {
	v, err := s.seal(sess)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name:     s.name,
		Value:    v,
		Path:     "/",
		MaxAge:   int(sess.Created.Add(s.absolute).Sub(s.now()) / time.Second),
		Secure:   s.secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
	return nil
}

// Clear deletes the session cookie and revokes the session in the store.
func (s *Sessions) Clear(ctx context.Context, w http.ResponseWriter, sess *Session) error {
	for _, name := range []string{s.name, s.hintName()} {
		http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, Secure: s.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	if s.store != nil && sess != nil {
		if err := s.store.RevokeSession(ctx, sess.ID); err != nil {
			return fmt.Errorf("identity: revoke session: %w", err)
		}
	}
	return nil
}

// openErr classifies a key ring refusal: a key the ring no longer holds
// is ErrKeyRetired, anything else ErrSession.
func openErr(err error) *AuthError {
	if errors.Is(err, keyring.ErrUnknownKey) || errors.Is(err, keyring.ErrKeyRetired) {
		return authErr(ErrKeyRetired, "", "", err)
	}
	return authErr(ErrSession, "", "", err)
}

// Decode opens and checks a session cookie value without any I/O: key ring,
// format, absolute and idle timeouts. It does not consult the store.
func (s *Sessions) Decode(value string) (*Session, error) {
	if len(value) > maxCookieValue {
		return nil, authErr(ErrSession, "", "too long", nil)
	}
	pt, err := s.keys.Open(sessionPurpose, value)
	if err != nil {
		return nil, openErr(err)
	}
	sess, err := decodeSession(pt)
	if err != nil {
		return nil, authErr(ErrSession, "", "undecodable", nil)
	}
	now := s.now()
	if !now.Before(sess.Created.Add(s.absolute)) {
		return nil, authErr(ErrSessionExpired, sess.Principal.Provider, "absolute timeout", nil)
	}
	if !now.Before(sess.LastSeen.Add(s.idle)) {
		return nil, authErr(ErrSessionExpired, sess.Principal.Provider, "idle timeout", nil)
	}
	if sess.Created.After(now.Add(time.Minute)) {
		return nil, authErr(ErrSession, sess.Principal.Provider, "created in the future", nil)
	}
	return sess, nil
}

// Load reads the session of r. Without a cookie it fails with
// ErrUnauthenticated; otherwise see Decode, plus ErrSessionExpired for a
// session the store no longer knows.
func (s *Sessions) Load(r *http.Request) (*Session, error) {
	c, err := r.Cookie(s.name)
	if err != nil || c.Value == "" {
		return nil, authErr(ErrUnauthenticated, "", "no session cookie", nil)
	}
	sess, err := s.Decode(c.Value)
	if err != nil {
		return nil, err
	}
	if s.store != nil {
		ok, err := s.store.SessionActive(r.Context(), sess.ID, s.now())
		if err != nil {
			return nil, fmt.Errorf("identity: look up session: %w", err)
		}
		if !ok {
			return nil, authErr(ErrSessionExpired, sess.Principal.Provider, "revoked", nil)
		}
	}
	return sess, nil
}

// SessionFrom returns the session the middleware put on ctx, if any.
func SessionFrom(ctx context.Context) (*Session, bool) {
	s, ok := ctx.Value(identityKey{}).(*Session)
	return s, ok && s != nil
}

// Middleware loads the session of every request and, when valid, puts the
// session and its principal on the request context (see PrincipalFrom).
// An invalid or expired cookie is deleted and the request continues
// unauthenticated; RequireLogin decides what to do then.
func (s *Sessions) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.Load(r)
		if err != nil {
			var ae *AuthError
			switch {
			case errors.Is(err, ErrUnauthenticated):
			case errors.As(err, &ae):
				s.log.LogAttrs(r.Context(), slog.LevelInfo, "identity: session refused", slog.String("reason", ae.Reason.Error()))
				_ = s.Clear(r.Context(), w, nil)
			default:
				// The session store failed; keep the cookie so that an
				// outage does not sign everybody out.
				s.log.LogAttrs(r.Context(), slog.LevelError, "identity: session store", slog.String("error", err.Error()))
			}
			next.ServeHTTP(w, r)
			return
		}
		if now := s.now(); now.Sub(sess.LastSeen) >= s.refresh {
			touched := *sess
			touched.LastSeen = now.UTC()
			if err := s.write(w, &touched); err == nil {
				sess = &touched
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), identityKey{}, sess)))
	})
}

func reasonOf(err error) string {
	var ae *AuthError
	if errors.As(err, &ae) {
		return ae.Reason.Error()
	}
	return err.Error()
}
