package casework

import (
	"net/http"

	"github.com/civickit/civickit/identity"
	"github.com/civickit/civickit/workflow"
)

// ActorOf returns the workflow actor of the person signed in on r: the
// identity.Principal that identity's middleware (RelyingParty.Middleware,
// Sessions.Middleware or a bearer middleware) put on the request context,
// with its issuer, subject, roles and assurance. A request with no
// principal gets the zero Actor, an anonymous caller. It never returns
// workflow.SystemActor().
func ActorOf(r *http.Request) workflow.Actor {
	p, ok := identity.PrincipalFrom(r.Context())
	if !ok || p == nil {
		return workflow.Actor{}
	}
	return workflow.ActorOf(p)
}
