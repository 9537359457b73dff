// Package workflow runs cases (a permit application, a 311 report, a
// benefits claim) through versioned state-machine workflows built on
// github.com/qmuntal/stateless, with authorisation, audit, SLA timers,
// notifications and service metrics.
//
// # Definitions
//
// A Definition names states, triggers and transitions. Build one in Go
// with NewBuilder or read a JSON document with ParseDefinition; the
// document is checked against the JSON Schema DefinitionSchema returns,
// and both paths yield equal values. Transitions carry allowed roles (any of, with the
// pseudo-roles "submitter", "assignee" and "system"), a minimum identity
// assurance, an optional payload form (whose checked payload a transition
// may record into the case data), Go guards with reasons and dynamic
// destinations; states carry substates, terminal marks (open or closed,
// for Open311), an owning team, an SLA measured on a Calendar with a
// reminder and an escalation trigger, auto-close after inactivity and
// entry notifications. Definitions with unreachable states, transitions to
// missing states and similar mistakes are rejected when loaded, each
// problem with a JSON Pointer.
//
// Compile binds a definition to its Go hooks and configures a stateless
// machine whose state is stored in the case being worked on; Mermaid and
// DOT render it.
//
// # Engine
//
// An Engine holds the compiled workflows of every type and version and a
// Store: the case, submission and timer capabilities of package adapters
// it uses, which adapters.Store includes. Open, Fire, Assign and Withdraw each make one
// atomic store call writing the case, its event, outbox messages and
// timers together, guarded by the case version; Permitted lists what an
// actor may do with the reason for everything else, and Queue does the
// same for a page of listed cases in one store read; History returns the
// audit trail. Open takes the submission record forms.Form.Submission
// makes and, given no other data, opens the case with its data. A
// TimerWorker fires reminders, escalations, auto-closes and follow-on
// cases (FollowOn) as the system actor. Only SystemActor() returns that
// actor: it carries an unexported mark, so no principal whose roles claim
// says "system" (in any spelling) gains its privilege. Metrics come from
// the store's aggregates; package workflow/promcollector exports them.
//
// ActorOf turns a signed-in person into an Actor: issuer, subject, roles
// and assurance (adapters.Assurance, the type identity.AssuranceLevel is
// too). The seam between identity and workflow is the Person interface
// here, which *identity.Principal satisfies, so workflow never imports
// identity. Cases and submissions keep the submitter's issuer, and the
// "submitter" pseudo-role needs both issuer and subject to match.
//
// # Transactions
//
// Engine.WithStore runs the engine inside a transaction of the caller's:
// given a store bound to it (postgres.Store.WithTx for a pgx.Tx,
// sqlite.Store.WithTx for a *sql.Tx), it returns an engine that shares
// the registered workflows and configuration, so the case, its events,
// submission, substates, outbox messages and timers commit or roll back
// with the caller's own rows. Make one per transaction:
//
//	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
//		// ... the application's own writes on tx ...
//		_, err := engine.WithStore(store.WithTx(tx)).Open(ctx, params)
//		return err
//	})
//
// The engine from WithStore keeps no case cache and never fills the
// shared engine's, so nothing written in a transaction that rolls back is
// remembered.
//
// # Errors
//
// Denied actions return a *DeniedError (not possible in the state, role
// missing, assurance too low, payload invalid with the form's error, guard
// false with its reason). Store errors keep their adapters sentinel:
// adapters.ErrNotFound for an unknown case or definition,
// adapters.ErrConflict for a stale expected version or a concurrent change,
// adapters.ErrDuplicate for an idempotency key reused for another request.
// An unknown trigger, oversized comment or malformed data wraps
// adapters.ErrInvalidArgument; a rejected definition is a *DefinitionError
// wrapping it too. A guard or destination selector that panics yields an
// error wrapping ErrPanic. Whenever an error is returned, nothing was
// written, with one exception the store cannot rule out:
// adapters.ErrUnavailable (or a context error) for a write whose answer was
// lost, which may have committed. Retry it with the same IdempotencyKey:
// the engine answers with the first result when there is one. Keys are
// remembered for EngineConfig.RequestKeyTTL (24 hours by default); the timer
// worker purges older ones (Engine.PurgeRequestKeys).
//
// # Concurrency
//
// Workflows, Calendars and the Engine are safe for concurrent use. Any
// number of engines and timer workers, in any number of processes, may
// share one store: optimistic concurrency protects cases, leases and
// idempotency keys make each timer take effect once. Guards, destination
// selectors and payload forms may be called concurrently and must not
// change anything.
package workflow
