package workflow

import (
	"context"
	"encoding/json"

	"github.com/civickit/civickit/adapters"
)

// FollowOn is a proactive service: when a transition matches When, the
// engine opens another case for the same resident without a new
// application, e.g. an approved building permit opens an inspection.
//
// The follow-on is scheduled as a timer written in the same store call as
// the transition and opened by the timer worker with an idempotency key,
// so it happens once even when workers crash or race.
type FollowOn struct {
	// Name identifies the follow-on; it names its timer.
	Name string
	// When reports whether the change calls for the follow-on. It must be
	// quick and must not block: it runs inside Fire.
	When func(ch *Change) bool
	// Open describes the case to open from the case that changed. The
	// engine opens it as the system actor on the resident's behalf;
	// empty Submitter and Channel default to the original case's
	// submitter (with its issuer) and "proactive".
	Open func(ctx context.Context, from *adapters.Case) (OpenParams, error)
}

// Change is a transition as a FollowOn sees it.
type Change struct {
	// Case is the case after the transition.
	Case *adapters.Case
	// From and To are the states before and after; Trigger caused it.
	From, To, Trigger string
	// Actor fired the trigger.
	Actor Actor
	// Payload is the validated payload.
	Payload json.RawMessage
}
