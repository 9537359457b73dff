package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/qmuntal/stateless"

	"github.com/civickit/civickit/adapters"
)

// Workflow is a compiled Definition: a qmuntal/stateless machine whose
// state lives in the case being worked on, with the definition's rules
// bound to their Go hooks. It is immutable and safe for concurrent use.
type Workflow struct {
	def      *Definition
	sm       *stateless.StateMachine
	states   map[string]*stateInfo
	triggers []string // in declaration order
	defined  map[string]bool
	index    map[string]int // trigger → position in triggers
	titles   map[string]triggerInfo
	infos    []triggerInfo // titles by trigger position
	// boxed holds every state and trigger name as an interface value, so
	// handing them to stateless does not allocate.
	boxed map[string]any
	// notInState holds the denial reasons of triggers a state cannot
	// handle, by state and trigger.
	notInState map[[2]string]string
}

type triggerInfo struct {
	title      string
	systemOnly bool
}

type stateInfo struct {
	*State
	ancestors []string          // nearest first
	active    []string          // the state, then its ancestors
	timers    map[string]string // timer kind → timer name
	notIn     []string          // not-in-state reasons by trigger position
}

// transition is a Transition with its hooks bound.
type transition struct {
	*Transition
	index      int // of the trigger in Workflow.triggers
	roleReason string
	form       PayloadValidator
	guards     []Guard
	selector   Destination
}

type callKey struct{}

// call is one evaluation of the machine against one case: the case's state
// is kept here (stateless' external storage), and the machine's callbacks
// record what happened.
type call struct {
	state    string
	boxed    any // state as an interface value
	in       Input
	validate bool   // validate the payload (Fire) or skip it (Permitted)
	raw      []byte // payload as sent
	locale   string
	denied   *DeniedError
	denials  []*DeniedError // by trigger index, first denial of each (Permitted)
	fault    error
	passed   *transition
	internal bool
	entered  []string
	exited   []string
	buf      [8]string // backs entered and exited for shallow workflows
}

func callOf(ctx context.Context) *call { return ctx.Value(callKey{}).(*call) }

var errUnhandled = errors.New("unhandled trigger")

// Compile checks def (against the JSON Schema and Definition.Validate)
// and binds its hook names to hooks (nil: no hooks), returning the
// workflow or a *DefinitionError.
func Compile(def *Definition, hooks *Hooks) (*Workflow, error) {
	// The workflow keeps its own copy, checked against the JSON Schema as
	// a document would be: names then match their patterns wherever the
	// definition came from, and later changes to def do not reach it.
	cp := *def
	if cp.Transitions == nil {
		cp.Transitions = []Transition{}
	}
	data, err := json.Marshal(&cp)
	if err != nil {
		return nil, fmt.Errorf("workflow: encode definition: %w", err)
	}
	def, err = ParseDefinition(data)
	if err != nil {
		return nil, err
	}
	if hooks == nil {
		hooks = &Hooks{}
	}
	var p problems
	w := &Workflow{def: def, states: map[string]*stateInfo{}, defined: map[string]bool{}, titles: map[string]triggerInfo{}, index: map[string]int{}}
	for i := range def.States {
		s := &def.States[i]
		w.states[s.Name] = &stateInfo{State: s, timers: map[string]string{
			timerEscalate: stateTimer(s.Name, timerEscalate), timerReminder: stateTimer(s.Name, timerReminder), timerAutoClose: stateTimer(s.Name, timerAutoClose),
		}}
	}
	for _, si := range w.states {
		for cur := si.Parent; cur != ""; cur = w.states[cur].Parent {
			si.ancestors = append(si.ancestors, cur)
		}
		si.active = append([]string{si.Name}, si.ancestors...)
	}
	bound := make([]*transition, len(def.Transitions))
	for j := range def.Transitions {
		t := &transition{Transition: &def.Transitions[j]}
		t.roleReason = fmt.Sprintf("needs one of the roles %v", t.Roles)
		ptr := fmt.Sprintf("/transitions/%d", j)
		if t.Form != "" {
			if t.form = hooks.Forms[t.Form]; t.form == nil {
				p.add(ptr+"/form", "form %q is not among the hooks", t.Form)
			}
		}
		for k, g := range t.Guards {
			fn := hooks.Guards[g]
			if fn == nil {
				p.add(fmt.Sprintf("%s/guards/%d", ptr, k), "guard %q is not among the hooks", g)
			}
			t.guards = append(t.guards, fn)
		}
		if t.Selector != "" {
			if t.selector = hooks.Destinations[t.Selector]; t.selector == nil {
				p.add(ptr+"/selector", "destination selector %q is not among the hooks", t.Selector)
			}
		}
		bound[j] = t
		t.index = -1
		system := len(t.Roles) == 1 && t.Roles[0] == RoleSystem
		if !w.defined[t.Trigger] {
			w.defined[t.Trigger] = true
			w.index[t.Trigger] = len(w.triggers)
			w.triggers = append(w.triggers, t.Trigger)
			w.titles[t.Trigger] = triggerInfo{title: t.Title, systemOnly: system}
		} else {
			info := w.titles[t.Trigger]
			if info.title == "" {
				info.title = t.Title
			}
			info.systemOnly = info.systemOnly && system
			w.titles[t.Trigger] = info
		}
		t.index = w.index[t.Trigger]
	}
	if len(p.list) > 0 {
		return nil, def.fail(p.list)
	}

	sm := stateless.NewStateMachineWithExternalStorage(
		func(ctx context.Context) (stateless.State, error) { return callOf(ctx).boxed, nil },
		func(ctx context.Context, s stateless.State) error {
			c := callOf(ctx)
			c.state, c.boxed = s.(string), s
			return nil
		},
		stateless.FiringImmediate,
	)
	sm.OnUnhandledTrigger(func(context.Context, stateless.State, stateless.Trigger, []string) error { return errUnhandled })
	for i := range def.States {
		s := &def.States[i]
		cfg := sm.Configure(s.Name)
		if s.Parent != "" {
			cfg.SubstateOf(s.Parent)
		}
		if s.Initial != "" {
			cfg.InitialTransition(s.Initial)
		}
		name := s.Name
		cfg.OnEntry(func(ctx context.Context, _ ...any) error {
			c := callOf(ctx)
			c.entered = append(c.entered, name)
			return nil
		})
		cfg.OnExit(func(ctx context.Context, _ ...any) error {
			c := callOf(ctx)
			c.exited = append(c.exited, name)
			return nil
		})
	}
	for _, t := range bound {
		guard := w.guard(t)
		for _, from := range t.From {
			cfg := sm.Configure(from)
			switch {
			case t.Internal:
				cfg.InternalTransition(t.Trigger, func(ctx context.Context, _ ...any) error {
					callOf(ctx).internal = true
					return nil
				}, guard)
			case t.Selector != "":
				cfg.PermitDynamic(t.Trigger, w.selector(t), guard)
			case t.To == from:
				cfg.PermitReentry(t.Trigger, guard)
			default:
				cfg.Permit(t.Trigger, t.To, guard)
			}
		}
	}
	w.sm = sm
	w.boxed = map[string]any{}
	w.notInState = map[[2]string]string{}
	for _, t := range w.triggers {
		w.boxed[t] = t
	}
	w.infos = make([]triggerInfo, len(w.triggers))
	for i, t := range w.triggers {
		w.infos[i] = w.titles[t]
	}
	for name, st := range w.states {
		w.boxed[name] = name
		st.notIn = make([]string, len(w.triggers))
		for i, t := range w.triggers {
			reason := fmt.Sprintf("%q is not possible in state %q", t, name)
			if st.Terminal != "" {
				reason = fmt.Sprintf("the case has ended in state %q", name)
			}
			w.notInState[[2]string{name, t}] = reason
			st.notIn[i] = reason
		}
	}
	return w, nil
}

// newCall starts an evaluation of the machine against the case.
func (w *Workflow) newCall(c *adapters.Case, trigger string, actor Actor) *call {
	cl := new(call)
	w.startCall(cl, c, trigger, actor)
	return cl
}

// startCall resets cl for an evaluation against the case, so that one
// call (and the context carrying it) can serve a queue page's cases in
// turn.
func (w *Workflow) startCall(cl *call, c *adapters.Case, trigger string, actor Actor) {
	b, ok := w.boxed[c.State]
	if !ok {
		b = c.State
	}
	*cl = call{state: c.State, boxed: b, in: Input{Case: c, Trigger: trigger, Actor: actor}}
	cl.entered, cl.exited = cl.buf[:0:4], cl.buf[4:4:8]
}

// Definition returns the workflow's definition. Callers must not modify it.
func (w *Workflow) Definition() *Definition { return w.def }

// Type is the definition's case type.
func (w *Workflow) Type() string { return w.def.Type }

// Version is the definition's version.
func (w *Workflow) Version() int { return w.def.Version }

// Triggers lists the definition's triggers in declaration order.
func (w *Workflow) Triggers() []string { return slices.Clone(w.triggers) }

// Status reports how Open311 shows a case in the state: "closed" for a
// closed terminal state, else "open". An unknown state is "".
func (w *Workflow) Status(state string) string {
	s, ok := w.states[state]
	switch {
	case !ok:
		return ""
	case s.Terminal == TerminalClosed:
		return "closed"
	}
	return "open"
}

// active lists the state and its ancestors, innermost first. Callers must
// not modify it.
func (w *Workflow) active(state string) []string {
	if s := w.states[state]; s != nil {
		return s.active
	}
	return nil
}

// isSubmitter reports whether the actor is the case's submitter: the same
// subject and, when the case knows it, the same issuer.
func isSubmitter(a *Actor, c *adapters.Case) bool {
	return a.Subject != "" && a.Subject == c.Submitter && (c.SubmitterIssuer == "" || a.Issuer == c.SubmitterIssuer)
}

func hasRole(a *Actor, c *adapters.Case, role string) bool {
	switch role {
	case RoleSubmitter:
		return isSubmitter(a, c)
	case RoleAssignee:
		return a.Subject != "" && a.Subject == c.Assignee
	}
	return a.holds(role)
}

// guard is the stateless guard of a transition: roles, assurance, payload
// and Go guards, in that order, recording the first denial in the call.
func (w *Workflow) guard(t *transition) stateless.GuardFunc {
	return func(ctx context.Context, _ ...any) bool {
		c := callOf(ctx)
		d := w.check(ctx, c, t)
		if d != nil {
			if c.denied == nil {
				c.denied = d
			}
			if c.denials != nil && c.denials[t.index] == nil {
				c.denials[t.index] = d
			}
			return false
		}
		c.passed = t
		return true
	}
}

func (w *Workflow) check(ctx context.Context, c *call, t *transition) *DeniedError {
	a := &c.in.Actor
	allowed := false
	for _, r := range t.Roles {
		if hasRole(a, c.in.Case, r) {
			allowed = true
			break
		}
	}
	if !allowed {
		d := deny(c, t, DeniedRole, t.roleReason)
		d.Roles = t.Roles
		return d
	}
	if a.Assurance < t.Assurance {
		d := deny(c, t, DeniedAssurance, fmt.Sprintf("needs identity assurance %d, has %d", t.Assurance, a.Assurance))
		d.Assurance = t.Assurance
		return d
	}
	if c.validate {
		if t.form == nil {
			if !emptyPayload(c.raw) {
				return deny(c, t, DeniedPayload, "this action takes no data")
			}
			c.in.Payload = nil
		} else {
			clean, err := t.form.ValidateJSON(ctx, c.raw, c.locale)
			if err != nil {
				d := deny(c, t, DeniedPayload, "the data is not valid")
				d.Err = err
				return d
			}
			c.in.Payload = clean
		}
	}
	for k, g := range t.guards {
		ok, reason, err := runGuard(ctx, g, &c.in)
		if err != nil {
			c.fault = fmt.Errorf("workflow: guard %q of trigger %q: %w", t.Guards[k], t.Trigger, err)
			return deny(c, t, DeniedGuard, "guard failed")
		}
		if !ok {
			if reason == "" {
				reason = "condition " + t.Guards[k] + " is not met"
			}
			d := deny(c, t, DeniedGuard, reason)
			d.Guard = t.Guards[k]
			return d
		}
	}
	return nil
}

func deny(c *call, t *transition, code DenialCode, reason string) *DeniedError {
	return &DeniedError{CaseID: c.in.Case.ID, State: c.state, Trigger: t.Trigger, Code: code, Reason: reason}
}

func emptyPayload(b []byte) bool {
	s := string(b)
	return len(b) == 0 || s == "null" || s == "{}"
}

// ErrPanic is wrapped by the error a panicking guard or destination
// selector turns into. Nothing is written.
var ErrPanic = errors.New("hook panicked")

func runGuard(ctx context.Context, g Guard, in *Input) (ok bool, reason string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrPanic, r)
		}
	}()
	ok, reason = g(ctx, in)
	return ok, reason, nil
}

func (w *Workflow) selector(t *transition) stateless.DestinationSelectorFunc {
	return func(ctx context.Context, _ ...any) (dst stateless.State, err error) {
		c := callOf(ctx)
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("workflow: destination %q of trigger %q: %w: %v", t.Selector, t.Trigger, ErrPanic, r)
				c.fault = err
			}
		}()
		name, err := t.selector(ctx, &c.in)
		if err != nil {
			return nil, fmt.Errorf("workflow: destination %q of trigger %q: %w", t.Selector, t.Trigger, err)
		}
		if !slices.Contains(t.Destinations, name) {
			return nil, fmt.Errorf("workflow: destination %q of trigger %q chose %q, not one of %v", t.Selector, t.Trigger, name, t.Destinations)
		}
		return name, nil
	}
}

// evaluate fires the trigger on the machine against c, which ctx must
// carry (see withCall), recording what happened in c.
func (w *Workflow) evaluate(ctx context.Context, c *call, trigger string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("workflow: trigger %q: %w: %v", trigger, ErrPanic, r)
		}
	}()
	tr, ok := w.boxed[trigger]
	if !ok {
		tr = trigger
	}
	err = w.sm.FireCtx(ctx, tr)
	if c.fault != nil {
		return c.fault
	}
	if errors.Is(err, errUnhandled) {
		return w.denial(c, trigger)
	}
	return err
}

// permittedTriggers asks the machine, in one pass over the state and its
// ancestors, which triggers could fire now, in allowed (a buffer at least
// as long as the triggers); guards record in c.denials why the others
// cannot.
func (w *Workflow) permittedTriggers(ctx context.Context, c *call, allowed []bool) (_ []bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("workflow: permitted triggers: %w: %v", ErrPanic, r)
		}
	}()
	trs, _ := w.sm.PermittedTriggersCtx(ctx)
	if c.fault != nil {
		return nil, c.fault
	}
	allowed = allowed[:len(w.triggers)]
	clear(allowed)
	for _, tr := range trs {
		if i, ok := w.index[tr.(string)]; ok {
			allowed[i] = true
		}
	}
	return allowed, nil
}

func withCall(ctx context.Context, c *call) context.Context {
	return context.WithValue(ctx, callKey{}, c)
}

func (w *Workflow) denial(c *call, trigger string) *DeniedError {
	if c.denied != nil {
		return c.denied
	}
	return &DeniedError{CaseID: c.in.Case.ID, State: c.state, Trigger: trigger, Code: DeniedNotInState, Reason: w.notInStateReason(c.state, trigger)}
}

func (w *Workflow) notInStateReason(state, trigger string) string {
	if r, ok := w.notInState[[2]string{state, trigger}]; ok {
		return r
	}
	return fmt.Sprintf("%q is not possible in state %q", trigger, state)
}
