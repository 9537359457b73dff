package adapters

import "fmt"

// Assurance is a normalised level of confidence in a person's identity and
// authentication, comparable across identity providers. It is the one
// assurance type of civickit: identity.AssuranceLevel is this type, and
// workflow actors and definitions count in it, so neither package needs
// the other to agree on a level.
type Assurance int

// Assurance levels, in increasing order of confidence.
const (
	// AssuranceNone means no assurance claim was recognised.
	AssuranceNone Assurance = 0
	// AssuranceLow is a self-asserted identity (Login.gov auth-only, IAL1).
	AssuranceLow Assurance = 1
	// AssuranceSubstantial is a remotely verified identity (Login.gov IAL2,
	// GOV.UK One Login P2, eIDAS substantial).
	AssuranceSubstantial Assurance = 2
	// AssuranceHigh is an identity verified with strong evidence, such as
	// biometric comparison (Login.gov facial match, eIDAS high).
	AssuranceHigh Assurance = 3
)

// String returns "none", "low", "substantial", "high" or "level(n)".
func (l Assurance) String() string {
	switch l {
	case AssuranceNone:
		return "none"
	case AssuranceLow:
		return "low"
	case AssuranceSubstantial:
		return "substantial"
	case AssuranceHigh:
		return "high"
	}
	return fmt.Sprintf("level(%d)", int(l))
}
