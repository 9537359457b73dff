package identity

import (
	"errors"
	"fmt"
)

// Reasons a login, a session or a token is refused. Every error returned by
// this package for a refused credential is an *AuthError whose Reason is one
// of these values, so callers can test with errors.Is.
var (
	// ErrUnknownProvider reports a provider name that is not configured.
	ErrUnknownProvider = errors.New("identity: unknown provider")
	// ErrFlowCookie reports a missing, tampered or expired login-flow cookie.
	ErrFlowCookie = errors.New("identity: login flow cookie invalid")
	// ErrState reports a missing or wrong state parameter on the callback.
	ErrState = errors.New("identity: state mismatch")
	// ErrProviderMismatch reports a callback for a provider other than the
	// one the login flow was started with.
	ErrProviderMismatch = errors.New("identity: provider mismatch")
	// ErrIssuerParameter reports an RFC 9207 iss response parameter that is
	// missing while advertised, or that names another issuer (mix-up attack).
	ErrIssuerParameter = errors.New("identity: iss response parameter mismatch")
	// ErrProviderResponse reports an error response from the provider's
	// authorization endpoint (error=...).
	ErrProviderResponse = errors.New("identity: provider returned an error")
	// ErrCodeExchange reports a failed authorization code exchange: a code
	// the provider refuses (unknown, expired or already used), a wrong PKCE
	// verifier, a refused client.
	ErrCodeExchange = errors.New("identity: code exchange failed")
	// ErrFlowReplayed reports a callback for a login flow that was already
	// redeemed: its authorization code is never sent to the provider twice.
	ErrFlowReplayed = errors.New("identity: login flow already redeemed")
	// ErrTokenSignature reports a malformed token, a signature that does not
	// verify, an algorithm outside the allow-list or a key id the provider's
	// key set does not hold (refetched at most once per key refresh
	// interval).
	ErrTokenSignature = errors.New("identity: token signature invalid")
	// ErrWeakKey reports a token whose key id names a key this package
	// refuses whatever the Go runtime would accept: RSA under 2048 bits, an
	// elliptic curve other than P-256, P-384 and P-521, or a key type it
	// cannot read.
	ErrWeakKey = errors.New("identity: token signing key refused")
	// ErrTokenIssuer reports a token from another issuer.
	ErrTokenIssuer = errors.New("identity: token issuer mismatch")
	// ErrTokenAudience reports a token for another audience, or several
	// audiences without an authorized party naming this client.
	ErrTokenAudience = errors.New("identity: token audience mismatch")
	// ErrTokenExpired reports a token past its expiry plus the allowed skew.
	ErrTokenExpired = errors.New("identity: token expired")
	// ErrTokenNotYetValid reports a token issued in the future or not yet valid.
	ErrTokenNotYetValid = errors.New("identity: token issued in the future")
	// ErrTimeClaim reports an exp, iat, nbf or auth_time claim that is not
	// a NumericDate: a JSON number from 1 (one second past 1970) to the end
	// of year 9999 (fractions are allowed, RFC 7519 §2). Strings, booleans,
	// null, objects, zero, negative and later values are refused.
	ErrTimeClaim = errors.New("identity: token time claim malformed")
	// ErrNonce reports a missing or wrong nonce in the ID token.
	ErrNonce = errors.New("identity: nonce mismatch")
	// ErrAccessTokenHash reports an at_hash claim that does not match the
	// access token.
	ErrAccessTokenHash = errors.New("identity: at_hash mismatch")
	// ErrClaims reports required claims that are missing or malformed.
	ErrClaims = errors.New("identity: token claims invalid")
	// ErrSession reports a missing, tampered, truncated or undecodable
	// session cookie.
	ErrSession = errors.New("identity: session invalid")
	// ErrSessionExpired reports a session past its absolute or idle timeout,
	// or revoked in the session store.
	ErrSessionExpired = errors.New("identity: session expired")
	// ErrKeyRetired reports a session cookie sealed with a key the ring no
	// longer holds or retired for longer than its grace period.
	ErrKeyRetired = errors.New("identity: cookie key retired")
	// ErrReturnPath reports a return path that is not a same-site path.
	ErrReturnPath = errors.New("identity: return path rejected")
	// ErrUnauthenticated reports a request without a valid session or token.
	ErrUnauthenticated = errors.New("identity: not authenticated")
	// ErrInsufficientAssurance reports a principal whose assurance level is
	// below what the route needs.
	ErrInsufficientAssurance = errors.New("identity: assurance level too low")
)

// AuthError is the typed error for every refused credential. Reason is one of
// the Err… sentinels above; Err, when set, is the underlying library error.
// The message never carries token contents or personal data.
type AuthError struct {
	// Reason is the sentinel that classifies the refusal.
	Reason error
	// Provider is the configured provider name, when known.
	Provider string
	// Detail is a short, non-sensitive explanation.
	Detail string
	// Err is the underlying cause, if any.
	Err error
}

// Error implements error.
func (e *AuthError) Error() string {
	msg := e.Reason.Error()
	if e.Provider != "" {
		msg += fmt.Sprintf(" (provider %q)", e.Provider)
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the reason and the cause so that errors.Is matches both.
func (e *AuthError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Reason}
	}
	return []error{e.Reason, e.Err}
}

// Unauthenticated reports true: the request lacks a valid credential. It
// lets forms.ProblemFor answer 401 without forms importing identity.
func (e *AuthError) Unauthenticated() bool { return true }

func authErr(reason error, provider, detail string, cause error) *AuthError {
	return &AuthError{Reason: reason, Provider: provider, Detail: detail, Err: cause}
}
