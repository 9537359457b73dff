package workflow

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/civickit/civickit/adapters"
)

// Definition describes one version of a workflow: its states, triggers and
// transitions. It is plain data, so it round-trips through JSON; the Go
// functions it names (guards, destination selectors, payload forms) are
// bound by Compile from Hooks.
//
// Build a Definition with NewBuilder or read one with ParseDefinition; both
// check it against the same JSON Schema and rules and produce equal values.
type Definition struct {
	// Type names the case type, e.g. "building-permit".
	Type string `json:"type"`
	// Version counts the definition's versions from 1. A case stays on the
	// version it was opened with.
	Version int `json:"version"`
	// Title is a human-readable name.
	Title string `json:"title,omitempty"`
	// Initial is the state a new case starts in.
	Initial string `json:"initial"`
	// Intake says who may open a case on a resident's behalf.
	Intake *Intake `json:"intake,omitempty"`
	// AssignRoles lists the roles (any of) that may assign a case.
	AssignRoles []string `json:"assignRoles,omitempty"`
	// WithdrawTrigger names the trigger Engine.Withdraw fires; empty means
	// "withdraw".
	WithdrawTrigger string `json:"withdrawTrigger,omitempty"`
	// States in declaration order.
	States []State `json:"states"`
	// Transitions in declaration order.
	Transitions []Transition `json:"transitions"`
}

// Intake configures how staff open cases for residents at the counter, by
// phone or from a paper form.
type Intake struct {
	// Roles lists the staff roles (any of) that may open a case on a
	// resident's behalf.
	Roles []string `json:"roles"`
	// Assurance is the minimum identity assurance for a resident opening
	// a case themselves (0 none, 1 low, 2 substantial, 3 high).
	Assurance adapters.Assurance `json:"assurance,omitempty"`
}

// Terminal marks a state that ends the workflow, and says how Open311
// reports it.
type Terminal string

// The terminal kinds.
const (
	// TerminalClosed ends the case: it gets a ClosedAt time and Open311
	// reports it closed.
	TerminalClosed Terminal = "closed"
	// TerminalOpen ends the workflow while Open311 still reports the
	// request open, e.g. when it was referred to another agency.
	TerminalOpen Terminal = "open"
)

// State is one state of a workflow.
type State struct {
	// Name identifies the state: lower-case words joined by hyphens.
	Name string `json:"name"`
	// Title is a human-readable name.
	Title string `json:"title,omitempty"`
	// Parent makes the state a substate: it inherits the parent's
	// transitions, and entering it from outside enters the parent too.
	Parent string `json:"parent,omitempty"`
	// Initial is the substate entered when a transition targets this
	// state.
	Initial string `json:"initial,omitempty"`
	// Terminal marks a state without outgoing transitions.
	Terminal Terminal `json:"terminal,omitempty"`
	// Team is the team or queue that owns cases in this state.
	Team string `json:"team,omitempty"`
	// SLA is the state's service level.
	SLA *SLA `json:"sla,omitempty"`
	// AutoClose fires a trigger after a period without activity.
	AutoClose *AutoClose `json:"autoClose,omitempty"`
	// Notify lists notifications written to the outbox on entry.
	Notify []Notification `json:"notify,omitempty"`
}

// SLA is a state's service level: the case is due a while after it
// enters the state, measured on the engine's Calendar.
type SLA struct {
	// Due is how long the state may take.
	Due Duration `json:"due"`
	// Reminder, if set, notifies before the due time.
	Reminder *Reminder `json:"reminder,omitempty"`
	// Escalate names a trigger the system fires when the due time passes.
	Escalate string `json:"escalate,omitempty"`
}

// Reminder is a notification written some time before an SLA is due.
type Reminder struct {
	// Before is how long before the due time.
	Before Duration `json:"before"`
	// Template and To describe the message, as in Notification.
	Template string      `json:"template"`
	To       []Recipient `json:"to"`
}

// AutoClose fires a trigger when a case stays in a state without activity
// by people (system events do not count).
type AutoClose struct {
	// After is the period of inactivity.
	After Duration `json:"after"`
	// Trigger is fired by the system actor.
	Trigger string `json:"trigger"`
}

// Recipient names who a notification goes to.
type Recipient string

// The recipients of notifications.
const (
	// ToSubmitter is the resident the case is for.
	ToSubmitter Recipient = "submitter"
	// ToAssignee is the staff member working the case.
	ToAssignee Recipient = "assignee"
	// ToTeam is the team owning the case (Message.Recipient "team:<name>").
	ToTeam Recipient = "team"
	// ToSubscribers are the people following the case
	// (Message.Recipient "subscribers"); the dispatcher expands them.
	ToSubscribers Recipient = "subscribers"
)

// Notification is a message written to the outbox when a case enters a
// state. It is never sent inline.
type Notification struct {
	// Template names the message template.
	Template string `json:"template"`
	// To lists the recipients; one message is written per recipient.
	To []Recipient `json:"to"`
	// Channel is an optional hint for the dispatcher ("email", "sms").
	Channel string `json:"channel,omitempty"`
}

// Transition is what a trigger does from some states.
type Transition struct {
	// Trigger names the action.
	Trigger string `json:"trigger"`
	// Title is a human-readable name for the action.
	Title string `json:"title,omitempty"`
	// From lists the states the trigger is permitted in (substates
	// inherit it).
	From []string `json:"from"`
	// To is the destination. Exactly one of To, Selector and Internal is
	// set.
	To string `json:"to,omitempty"`
	// Selector names a Destination hook choosing among Destinations.
	Selector     string   `json:"selector,omitempty"`
	Destinations []string `json:"destinations,omitempty"`
	// Internal transitions keep the state: no exit, no entry, no timers
	// reset; they are audited like any other.
	Internal bool `json:"internal,omitempty"`
	// Roles lists the roles that may fire it, any of. The pseudo-roles
	// "submitter" and "assignee" match the case's submitter and assignee;
	// "system" means the system actor (the timer worker, follow-ons),
	// which no Actor built from a principal can be, whatever its roles.
	Roles []string `json:"roles"`
	// Assurance is the minimum identity assurance level (0 to 3).
	Assurance adapters.Assurance `json:"assurance,omitempty"`
	// Form names a PayloadValidator hook checking the payload; without
	// one the action takes no payload.
	Form string `json:"form,omitempty"`
	// Guards name Guard hooks that must all pass, in order.
	Guards []string `json:"guards,omitempty"`
	// Record merges the action's payload, once its Form has checked it,
	// into the case data: each top-level key of the payload replaces the
	// case's. It is how an action such as "record-payment" leaves facts
	// that later guards and screens read. It needs a Form.
	Record bool `json:"record,omitempty"`
}

// Pseudo-roles of Transition.Roles.
const (
	// RoleSubmitter matches the actor who is the case's submitter.
	RoleSubmitter = "submitter"
	// RoleAssignee matches the actor who is the case's assignee.
	RoleAssignee = "assignee"
	// RoleSystem in a definition names the system actor that fires
	// timers. It is not a role an Actor holds: only SystemActor() matches
	// it, and an Actor whose Roles say "system" gains nothing from it.
	RoleSystem = "system"
)

// Assurance levels of Actor.Assurance and of definitions: the levels of
// adapters.Assurance, which identity.AssuranceLevel is too.
const (
	AssuranceNone        = adapters.AssuranceNone
	AssuranceLow         = adapters.AssuranceLow
	AssuranceSubstantial = adapters.AssuranceSubstantial
	AssuranceHigh        = adapters.AssuranceHigh
)

// Actor is who fires a trigger. ActorOf makes one from a signed-in
// person (such as an *identity.Principal).
type Actor struct {
	// Issuer is the identity issuer of Subject; the two together are the
	// person's stable key. Empty for the system and for callers that do
	// not know it.
	Issuer string
	// Subject is the identity subject ("system" for timers).
	Subject string
	// Roles the actor holds. RoleSystem here grants nothing: the system
	// privilege comes only from SystemActor.
	Roles []string
	// Assurance is the identity assurance level: 0 none, 1 low,
	// 2 substantial, 3 high.
	Assurance adapters.Assurance

	// system marks the actor SystemActor returns. It is unexported so
	// that no principal, claim or role mapping can produce it.
	system bool
}

// SystemActor returns the actor that fires timers (escalations,
// reminders, auto-closes) and opens follow-on cases. It is the only actor
// that transitions listing RoleSystem admit; each call returns a fresh
// value.
func SystemActor() Actor {
	return Actor{Subject: "system", Assurance: AssuranceHigh, system: true}
}

// holds reports whether the actor holds a role of a definition. RoleSystem
// is held only by SystemActor, never through Roles.
func (a *Actor) holds(role string) bool {
	if role == RoleSystem {
		return a.system
	}
	return slices.Contains(a.Roles, role)
}

// PayloadValidator checks an action's payload and returns its clean value.
// A *forms.Form satisfies it; its errors are wrapped in a DeniedError.
type PayloadValidator interface {
	ValidateJSON(ctx context.Context, data []byte, locale string) (json.RawMessage, error)
}

// Guard decides a condition data cannot express. It returns whether the
// transition may proceed and, when not, a reason a person can read.
// A guard must not change anything: it also runs for Permitted.
type Guard func(ctx context.Context, in *Input) (ok bool, reason string)

// Destination chooses the state a dynamic transition goes to; it must be
// one of the transition's Destinations.
type Destination func(ctx context.Context, in *Input) (string, error)

// Input is what guards and destination selectors see. They must not
// modify it.
type Input struct {
	// Case is the case as stored before the transition.
	Case *adapters.Case
	// Trigger is the action being evaluated.
	Trigger string
	// Actor is who fires it.
	Actor Actor
	// Payload is the validated payload; nil in Permitted.
	Payload json.RawMessage
}

// Hooks are the Go functions a Definition names.
type Hooks struct {
	// Guards by name.
	Guards map[string]Guard
	// Destinations (dynamic destination selectors) by name.
	Destinations map[string]Destination
	// Forms (payload validators) by name.
	Forms map[string]PayloadValidator
}
