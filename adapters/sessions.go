package adapters

import (
	"context"
	"errors"
	"time"
)

// SessionRecord is what a SessionStore keeps about one signed-in session.
// The session itself travels in a sealed cookie; the record only lets any
// process that serves the city tell whether it is still active.
type SessionRecord struct {
	// ID is the session's random id, new on every login.
	ID string
	// Issuer and Subject identify the person at their identity provider.
	Issuer, Subject string
	// ProviderSessionID is the provider's sid claim, if any; back-channel
	// logout names it.
	ProviderSessionID string
	// Created is when the login completed.
	Created time.Time
	// Expires is when the session ends at the latest (its absolute timeout).
	Expires time.Time
}

// RevokeSessionsParams selects the sessions RevokeProviderSessions ends:
// those of Issuer whose ProviderSessionID equals SID when SID is set, or
// whose Subject equals Subject when SID is empty.
type RevokeSessionsParams struct {
	Issuer  string
	Subject string
	SID     string
}

// SessionStore keeps the server side of signed-in sessions, so that a
// logout or a back-channel logout ends a session in every process that
// serves the city, and the login flows already redeemed, so that an
// authorization code is exchanged at most once. It is safe for concurrent
// use by goroutines and, for the SQL stores, by processes sharing one
// database. Every method is one transaction.
type SessionStore interface {
	// SaveSession records a new active session. Saving an id that exists
	// replaces its record. A record SessionRecord.Validate refuses (empty
	// ID, zero Expires, a field too long) is ErrInvalidArgument.
	SaveSession(ctx context.Context, rec SessionRecord) error

	// SessionActive reports whether the session id is recorded, not
	// revoked and not expired at now. An unknown id is not an error: it
	// returns false, nil.
	SessionActive(ctx context.Context, id string, now time.Time) (bool, error)

	// RevokeSession ends one session; the store may delete its record.
	// Revoking an unknown id is not an error.
	RevokeSession(ctx context.Context, id string) error

	// RevokeProviderSessions ends every session p selects and says how
	// many it ended. An empty Issuer, or empty SID and Subject both, is
	// ErrInvalidArgument.
	RevokeProviderSessions(ctx context.Context, p RevokeSessionsParams) (int64, error)

	// ConsumeFlow records that the login flow named key (a hash of its
	// state) has been redeemed, and keeps the record at least until
	// expires. The first call for a key succeeds; every later call returns
	// ErrDuplicate and changes nothing, also when several processes race.
	// A key ValidateFlowKey refuses (empty, too long, zero expires) is
	// ErrInvalidArgument.
	ConsumeFlow(ctx context.Context, key string, expires time.Time) error

	// FlowConsumed reports whether ConsumeFlow recorded key with an
	// expiry after now, without recording anything, so a caller can
	// refuse a used key before it acts. An unknown or expired key is not
	// an error: it returns false, nil. A key or now ValidateFlowConsumed
	// refuses (empty or too long key, zero now) is ErrInvalidArgument.
	FlowConsumed(ctx context.Context, key string, now time.Time) (bool, error)

	// DeleteExpiredSessions removes the sessions and consumed flows
	// expired at now and says how many rows it removed. A zero now is
	// ErrInvalidArgument.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)
}

// maxSessionKey bounds session ids and flow keys; maxSessionField bounds
// issuer, subject and provider session id.
const (
	maxSessionKey   = 256
	maxSessionField = 2048
)

// Validate reports what makes rec unfit for SaveSession, as
// ErrInvalidArgument: an empty ID, a zero Expires, or a field too long.
func (rec SessionRecord) Validate() error {
	var errs []error
	if rec.ID == "" || len(rec.ID) > maxSessionKey {
		errs = append(errs, invalid("session id must be 1 to %d bytes", maxSessionKey))
	}
	if rec.Expires.IsZero() {
		errs = append(errs, invalid("session expiry is zero"))
	}
	if len(rec.Issuer) > maxSessionField || len(rec.Subject) > maxSessionField || len(rec.ProviderSessionID) > maxSessionField {
		errs = append(errs, invalid("session issuer, subject and sid must be at most %d bytes", maxSessionField))
	}
	return errors.Join(errs...)
}

// Validate reports what makes p unfit for RevokeProviderSessions, as
// ErrInvalidArgument: an empty Issuer, or an empty SID and Subject both.
func (p RevokeSessionsParams) Validate() error {
	var errs []error
	if p.Issuer == "" {
		errs = append(errs, invalid("revoke sessions: issuer is empty"))
	}
	if p.SID == "" && p.Subject == "" {
		errs = append(errs, invalid("revoke sessions: sid and subject are both empty"))
	}
	return errors.Join(errs...)
}

// ValidateFlowKey reports what makes a ConsumeFlow call invalid, as
// ErrInvalidArgument: an empty or too long key, or a zero expires.
func ValidateFlowKey(key string, expires time.Time) error {
	return validateFlow(key, expires, "flow expiry is zero")
}

// ValidateFlowConsumed reports what makes a FlowConsumed call invalid, as
// ErrInvalidArgument: an empty or too long key, or a zero now.
func ValidateFlowConsumed(key string, now time.Time) error {
	return validateFlow(key, now, "flow check time is zero")
}

// validateFlow checks a flow key and the time that goes with it.
func validateFlow(key string, t time.Time, zero string) error {
	var errs []error
	if key == "" || len(key) > maxSessionKey {
		errs = append(errs, invalid("flow key must be 1 to %d bytes", maxSessionKey))
	}
	if t.IsZero() {
		errs = append(errs, invalid("%s", zero))
	}
	return errors.Join(errs...)
}
