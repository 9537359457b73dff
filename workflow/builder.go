package workflow

import (
	"encoding/json"
	"fmt"

	"github.com/civickit/civickit/adapters"
)

// Builder builds a Definition in Go. Build checks the result against the
// same JSON Schema and rules as ParseDefinition, so both paths accept the
// same definitions and produce equal values.
//
// A Builder is not safe for concurrent use.
type Builder struct {
	def Definition
}

// NewBuilder starts a definition of the case type at the version.
func NewBuilder(caseType string, version int) *Builder {
	return &Builder{def: Definition{Type: caseType, Version: version}}
}

// Title sets the definition's title.
func (b *Builder) Title(title string) *Builder { b.def.Title = title; return b }

// Initial sets the state new cases start in.
func (b *Builder) Initial(state string) *Builder { b.def.Initial = state; return b }

// Intake sets the staff roles that may open cases on a resident's behalf
// and the assurance a resident needs to open one.
func (b *Builder) Intake(assurance adapters.Assurance, roles ...string) *Builder {
	b.def.Intake = &Intake{Roles: roles, Assurance: assurance}
	return b
}

// AssignRoles sets the roles that may assign cases.
func (b *Builder) AssignRoles(roles ...string) *Builder { b.def.AssignRoles = roles; return b }

// WithdrawTrigger names the trigger Engine.Withdraw fires.
func (b *Builder) WithdrawTrigger(trigger string) *Builder { b.def.WithdrawTrigger = trigger; return b }

// StateBuilder configures one state.
type StateBuilder struct {
	b *Builder
	i int
}

func (s *StateBuilder) st() *State { return &s.b.def.States[s.i] }

// State declares a state (in declaration order) and returns its builder.
func (b *Builder) State(name string) *StateBuilder {
	b.def.States = append(b.def.States, State{Name: name})
	return &StateBuilder{b: b, i: len(b.def.States) - 1}
}

// Title sets the state's title.
func (s *StateBuilder) Title(title string) *StateBuilder { s.st().Title = title; return s }

// Parent makes the state a substate of parent.
func (s *StateBuilder) Parent(parent string) *StateBuilder { s.st().Parent = parent; return s }

// InitialSubstate sets the substate entered when a transition targets the
// state.
func (s *StateBuilder) InitialSubstate(name string) *StateBuilder { s.st().Initial = name; return s }

// Terminal marks the state terminal, open or closed.
func (s *StateBuilder) Terminal(t Terminal) *StateBuilder { s.st().Terminal = t; return s }

// Team sets the team owning cases in the state.
func (s *StateBuilder) Team(team string) *StateBuilder { s.st().Team = team; return s }

// SLA sets the state's due time and the trigger the system fires when it
// passes (escalate may be empty).
func (s *StateBuilder) SLA(due Duration, escalate string) *StateBuilder {
	s.st().SLA = &SLA{Due: due, Escalate: escalate}
	return s
}

// Reminder adds a reminder before the SLA's due time; call SLA first.
func (s *StateBuilder) Reminder(before Duration, template string, to ...Recipient) *StateBuilder {
	if st := s.st(); st.SLA != nil {
		st.SLA.Reminder = &Reminder{Before: before, Template: template, To: to}
	}
	return s
}

// AutoClose fires trigger after a period without activity.
func (s *StateBuilder) AutoClose(after Duration, trigger string) *StateBuilder {
	s.st().AutoClose = &AutoClose{After: after, Trigger: trigger}
	return s
}

// Notify adds a notification written to the outbox on entry.
func (s *StateBuilder) Notify(template string, to ...Recipient) *StateBuilder {
	s.st().Notify = append(s.st().Notify, Notification{Template: template, To: to})
	return s
}

// NotifyVia adds a notification with a channel hint.
func (s *StateBuilder) NotifyVia(channel, template string, to ...Recipient) *StateBuilder {
	s.st().Notify = append(s.st().Notify, Notification{Template: template, To: to, Channel: channel})
	return s
}

// TransitionBuilder configures one transition.
type TransitionBuilder struct {
	b *Builder
	i int
}

func (t *TransitionBuilder) tr() *Transition { return &t.b.def.Transitions[t.i] }

func (b *Builder) add(t Transition) *TransitionBuilder {
	b.def.Transitions = append(b.def.Transitions, t)
	return &TransitionBuilder{b: b, i: len(b.def.Transitions) - 1}
}

// Permit declares that trigger moves a case from any of the from states to
// the state to.
func (b *Builder) Permit(trigger, to string, from ...string) *TransitionBuilder {
	return b.add(Transition{Trigger: trigger, From: from, To: to})
}

// PermitDynamic declares that trigger moves a case to the state the
// selector hook chooses among destinations.
func (b *Builder) PermitDynamic(trigger, selector string, destinations []string, from ...string) *TransitionBuilder {
	return b.add(Transition{Trigger: trigger, From: from, Selector: selector, Destinations: destinations})
}

// Internal declares a transition that keeps the state.
func (b *Builder) Internal(trigger string, from ...string) *TransitionBuilder {
	return b.add(Transition{Trigger: trigger, From: from, Internal: true})
}

// Title sets the action's title.
func (t *TransitionBuilder) Title(title string) *TransitionBuilder { t.tr().Title = title; return t }

// Roles sets the roles that may fire the transition, any of.
func (t *TransitionBuilder) Roles(roles ...string) *TransitionBuilder { t.tr().Roles = roles; return t }

// Assurance sets the minimum identity assurance level.
func (t *TransitionBuilder) Assurance(level adapters.Assurance) *TransitionBuilder {
	t.tr().Assurance = level
	return t
}

// Form names the payload validator hook.
func (t *TransitionBuilder) Form(name string) *TransitionBuilder { t.tr().Form = name; return t }

// Record merges the checked payload into the case data (see
// Transition.Record).
func (t *TransitionBuilder) Record() *TransitionBuilder { t.tr().Record = true; return t }

// Guards names guard hooks that must all pass.
func (t *TransitionBuilder) Guards(names ...string) *TransitionBuilder {
	t.tr().Guards = append(t.tr().Guards, names...)
	return t
}

// Build returns the definition once it passes the JSON Schema and
// Definition.Validate, or a *DefinitionError.
func (b *Builder) Build() (*Definition, error) {
	if b.def.Transitions == nil {
		b.def.Transitions = []Transition{}
	}
	data, err := json.Marshal(&b.def)
	if err != nil {
		return nil, fmt.Errorf("workflow: encode definition: %w", err)
	}
	return ParseDefinition(data)
}

// The duration constructors.

// Hours is n wall-clock hours.
func Hours(n int) Duration { return Duration{Amount: n, Unit: UnitHours} }

// Days is n calendar days.
func Days(n int) Duration { return Duration{Amount: n, Unit: UnitDays} }

// BusinessHours is n working hours on the Calendar.
func BusinessHours(n int) Duration { return Duration{Amount: n, Unit: UnitBusinessHours} }

// BusinessDays is n working days on the Calendar.
func BusinessDays(n int) Duration { return Duration{Amount: n, Unit: UnitBusinessDays} }
