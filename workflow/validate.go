package workflow

import (
	"fmt"
	"slices"
	"strings"
)

type problems struct{ list []Problem }

func (p *problems) add(ptr, format string, args ...any) {
	p.list = append(p.list, Problem{Pointer: ptr, Message: fmt.Sprintf(format, args...)})
}

func (d *Definition) withdrawTrigger() string {
	if d.WithdrawTrigger == "" {
		return "withdraw"
	}
	return d.WithdrawTrigger
}

// Validate checks the rules the JSON Schema cannot express: names are
// unique and refer to declared states, no role is a pseudo-role spelled
// another way ("System" would be an ordinary role a claim could carry), every state can be reached from the
// initial state, terminal states have no way out, each state has at most
// one transition per trigger, and timer triggers are permitted to the
// system actor where they fire. It returns a *DefinitionError listing every
// problem, or nil.
func (d *Definition) Validate() error {
	var p problems
	if d.Type == "" {
		p.add("/type", "type is empty")
	}
	if d.Version < 1 {
		p.add("/version", "version %d is below 1", d.Version)
	}
	idx := make(map[string]int, len(d.States))
	for i, s := range d.States {
		if s.Name == "" {
			p.add(fmt.Sprintf("/states/%d/name", i), "state name is empty")
			continue
		}
		if _, dup := idx[s.Name]; dup {
			p.add(fmt.Sprintf("/states/%d/name", i), "state %q is declared twice", s.Name)
			continue
		}
		idx[s.Name] = i
	}
	if _, ok := idx[d.Initial]; !ok {
		p.add("/initial", "initial state %q is not declared", d.Initial)
	}
	for i, s := range d.States {
		ptr := fmt.Sprintf("/states/%d", i)
		if s.Parent != "" {
			pi, ok := idx[s.Parent]
			switch {
			case !ok:
				p.add(ptr+"/parent", "parent state %q is not declared", s.Parent)
			case d.States[pi].Terminal != "":
				p.add(ptr+"/parent", "parent state %q is terminal", s.Parent)
			}
		}
		if s.Initial != "" {
			ci, ok := idx[s.Initial]
			if !ok || d.States[ci].Parent != s.Name {
				p.add(ptr+"/initial", "initial substate %q is not a substate of %q", s.Initial, s.Name)
			}
		}
	}
	// Parent cycles.
	for i, s := range d.States {
		seen := map[string]bool{s.Name: true}
		for cur := s.Parent; cur != ""; {
			if seen[cur] {
				p.add(fmt.Sprintf("/states/%d/parent", i), "state %q is its own ancestor", s.Name)
				break
			}
			seen[cur] = true
			pi, ok := idx[cur]
			if !ok {
				break
			}
			cur = d.States[pi].Parent
		}
	}
	if len(p.list) > 0 {
		return d.fail(p.list)
	}

	type key struct{ from, trigger string }
	defined := map[key]int{}
	triggers := map[string]bool{}
	for j, t := range d.Transitions {
		ptr := fmt.Sprintf("/transitions/%d", j)
		triggers[t.Trigger] = true
		if t.Record && t.Form == "" {
			p.add(ptr+"/record", "trigger %q records its payload but names no form to check it", t.Trigger)
		}
		kinds := 0
		if t.To != "" {
			kinds++
			if _, ok := idx[t.To]; !ok {
				p.add(ptr+"/to", "trigger %q goes to %q, which is not declared", t.Trigger, t.To)
			}
		}
		if t.Selector != "" || len(t.Destinations) > 0 {
			kinds++
			if t.Selector == "" || len(t.Destinations) == 0 {
				p.add(ptr, "a dynamic transition needs both selector and destinations")
			}
			for k, dst := range t.Destinations {
				if _, ok := idx[dst]; !ok {
					p.add(fmt.Sprintf("%s/destinations/%d", ptr, k), "trigger %q may go to %q, which is not declared", t.Trigger, dst)
				}
			}
		}
		if t.Internal {
			kinds++
		}
		if kinds != 1 {
			p.add(ptr, "exactly one of to, selector with destinations, and internal must be set")
		}
		if len(t.Roles) == 0 {
			p.add(ptr+"/roles", "no roles: nobody could fire %q", t.Trigger)
		}
		p.misspelledPseudoRoles(ptr+"/roles", t.Roles)
		if t.Assurance < AssuranceNone || t.Assurance > AssuranceHigh {
			p.add(ptr+"/assurance", "assurance %d is outside 0..3", t.Assurance)
		}
		for k, from := range t.From {
			fptr := fmt.Sprintf("%s/from/%d", ptr, k)
			si, ok := idx[from]
			if !ok {
				p.add(fptr, "trigger %q is permitted in %q, which is not declared", t.Trigger, from)
				continue
			}
			if d.States[si].Terminal != "" {
				p.add(fptr, "terminal state %q cannot have transitions", from)
			}
			if prev, dup := defined[key{from, t.Trigger}]; dup {
				p.add(fptr, "state %q already has trigger %q at /transitions/%d", from, t.Trigger, prev)
			}
			defined[key{from, t.Trigger}] = j
		}
	}
	if d.Intake != nil {
		p.misspelledPseudoRoles("/intake/roles", d.Intake.Roles)
	}
	p.misspelledPseudoRoles("/assignRoles", d.AssignRoles)
	if d.WithdrawTrigger != "" && !triggers[d.WithdrawTrigger] {
		p.add("/withdrawTrigger", "trigger %q is not defined by any transition", d.WithdrawTrigger)
	}

	// A timer's trigger must be permitted to the system actor in the state
	// that sets the timer (or an ancestor it inherits from).
	systemCan := func(state, trigger string) bool {
		for cur := state; cur != ""; cur = d.States[idx[cur]].Parent {
			if j, ok := defined[key{cur, trigger}]; ok {
				return slices.Contains(d.Transitions[j].Roles, RoleSystem)
			}
		}
		return false
	}
	for i, s := range d.States {
		ptr := fmt.Sprintf("/states/%d", i)
		if s.SLA != nil && s.SLA.Escalate != "" && !systemCan(s.Name, s.SLA.Escalate) {
			p.add(ptr+"/sla/escalate", "trigger %q is not permitted to role %q in state %q", s.SLA.Escalate, RoleSystem, s.Name)
		}
		if s.AutoClose != nil && !systemCan(s.Name, s.AutoClose.Trigger) {
			p.add(ptr+"/autoClose/trigger", "trigger %q is not permitted to role %q in state %q", s.AutoClose.Trigger, RoleSystem, s.Name)
		}
		if s.Terminal != "" && (s.SLA != nil || s.AutoClose != nil) {
			p.add(ptr, "terminal state %q cannot have an SLA or auto-close", s.Name)
		}
	}
	if len(p.list) > 0 {
		return d.fail(p.list)
	}

	// Reachability: entering a state enters its ancestors and its initial
	// substates; a state handles its own and its ancestors' triggers.
	reached := make([]bool, len(d.States))
	var queue []string
	var enter func(name string)
	enter = func(name string) {
		i := idx[name]
		if reached[i] {
			return
		}
		reached[i] = true
		queue = append(queue, name)
		if s := d.States[i]; s.Parent != "" {
			enter(s.Parent)
		}
		if s := d.States[i]; s.Initial != "" {
			enter(s.Initial)
		}
	}
	enter(d.Initial)
	from := map[string][]int{}
	for j, t := range d.Transitions {
		for _, f := range t.From {
			from[f] = append(from[f], j)
		}
	}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		for cur := name; cur != ""; cur = d.States[idx[cur]].Parent {
			for _, j := range from[cur] {
				t := d.Transitions[j]
				if t.To != "" {
					enter(t.To)
				}
				for _, dst := range t.Destinations {
					enter(dst)
				}
			}
		}
	}
	for i, s := range d.States {
		if !reached[i] {
			p.add(fmt.Sprintf("/states/%d", i), "state %q cannot be reached from %q", s.Name, d.Initial)
		}
	}
	if len(p.list) > 0 {
		return d.fail(p.list)
	}
	return nil
}

func (d *Definition) fail(list []Problem) error {
	return &DefinitionError{Type: d.Type, Version: d.Version, Problems: list}
}

// misspelledPseudoRoles reports roles that are a pseudo-role in another
// case or with spaces: as ordinary roles any identity provider's claim
// could grant them, which is never what the author meant.
func (p *problems) misspelledPseudoRoles(ptr string, roles []string) {
	for k, r := range roles {
		for _, pseudo := range []string{RoleSystem, RoleSubmitter, RoleAssignee} {
			if r != pseudo && strings.EqualFold(strings.TrimSpace(r), pseudo) {
				p.add(fmt.Sprintf("%s/%d", ptr, k), "role %q is the pseudo-role %q spelled differently", r, pseudo)
			}
		}
	}
}
