package workflow

import (
	"fmt"

	"github.com/civickit/civickit/adapters"
)

// DenialCode says why an action was denied.
type DenialCode string

// The reasons an action is denied.
const (
	// DeniedNotInState: the trigger is not possible in the case's state.
	DeniedNotInState DenialCode = "not-permitted-in-state"
	// DeniedRole: the actor holds none of the transition's roles.
	DeniedRole DenialCode = "role-missing"
	// DeniedAssurance: the actor's identity assurance is too low.
	DeniedAssurance DenialCode = "assurance-too-low"
	// DeniedPayload: the payload is too large or invalid; Err holds the
	// form's field errors.
	DeniedPayload DenialCode = "payload-invalid"
	// DeniedGuard: a guard returned false; Reason is its reason.
	DeniedGuard DenialCode = "guard-false"
	// DeniedNotSubmitter: only the case's submitter may withdraw it.
	DeniedNotSubmitter DenialCode = "not-submitter"
)

// DeniedError reports an action the workflow does not allow. Nothing was
// written. Test for it with errors.As.
type DeniedError struct {
	// CaseID, State and Trigger say what was attempted where.
	CaseID, State, Trigger string
	// Code classifies the denial; Reason explains it to a person.
	Code   DenialCode
	Reason string
	// Roles lists the roles that would allow the action (DeniedRole).
	Roles []string
	// Assurance is the level required (DeniedAssurance).
	Assurance adapters.Assurance
	// Guard names the guard that returned false (DeniedGuard).
	Guard string
	// Err is the payload validator's error (DeniedPayload), e.g. a
	// *forms.ValidationError with field errors.
	Err error
}

// Error implements error.
func (e *DeniedError) Error() string {
	return fmt.Sprintf("workflow: %q denied on case %s in state %q: %s: %s", e.Trigger, e.CaseID, e.State, e.Code, e.Reason)
}

// Unwrap returns the payload validator's error, if any.
func (e *DeniedError) Unwrap() error { return e.Err }

// DenialCode returns Code as a string. It lets forms.ProblemFor answer a
// denial with 403 and its code without forms importing workflow.
func (e *DeniedError) DenialCode() string { return string(e.Code) }
