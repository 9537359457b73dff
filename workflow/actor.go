package workflow

import (
	"slices"

	"github.com/civickit/civickit/adapters"
)

// Person is a signed-in person as an identity layer knows them: the seam
// between identity and workflow. *identity.Principal satisfies it, so
// workflow never imports identity; a vendor's own sign-in can satisfy it
// too.
type Person interface {
	// ActorSubject returns the person's stable key: the identity issuer
	// and the subject within it.
	ActorSubject() (issuer, subject string)
	// ActorRoles returns the roles the person holds.
	ActorRoles() []string
	// ActorAssurance returns the assurance level of the sign-in.
	ActorAssurance() adapters.Assurance
}

// ActorOf returns the actor of a signed-in person: issuer, subject, a copy
// of the roles and the assurance level. A nil person is the zero Actor
// (an anonymous caller). The actor is never SystemActor(), whatever the
// person's subject or roles say.
func ActorOf(p Person) Actor {
	if p == nil {
		return Actor{}
	}
	iss, sub := p.ActorSubject()
	return Actor{Issuer: iss, Subject: sub, Roles: slices.Clone(p.ActorRoles()), Assurance: p.ActorAssurance()}
}
