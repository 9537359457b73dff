package adapters

import "errors"

// The sentinel errors every implementation translates its back end's errors
// into. Test for them with errors.Is; implementations wrap them once with
// the call's details.
var (
	// ErrNotFound reports that the requested record does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict reports a stale expected version or a lease held by
	// another owner. Nothing was written.
	ErrConflict = errors.New("conflict")
	// ErrDuplicate reports that an id or idempotency key is already taken
	// by a different request. Nothing was written.
	ErrDuplicate = errors.New("duplicate")
	// ErrInvalidArgument reports arguments that break the contract.
	// Nothing was written.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrNotImplemented reports an optional capability the implementation
	// does not offer.
	ErrNotImplemented = errors.New("not implemented")
	// ErrClosed reports a call on a closed store.
	ErrClosed = errors.New("store closed")
	// ErrUnavailable reports that the back end cannot serve the call right
	// now: another process holds the write lock past the busy timeout, the
	// database is read-only or in recovery, or the connection was lost.
	// The call may be retried. When the connection was lost while a write
	// committed, whether it was written is unknown; a RequestKey (or an
	// idempotency key) makes the retry safe.
	ErrUnavailable = errors.New("unavailable")
)
