package workflow

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/civickit/civickit/adapters"
)

// Timer kinds, the last part of a state timer's name
// "state:<state>:<kind>".
const (
	timerReminder  = "reminder"
	timerEscalate  = "escalate"
	timerAutoClose = "auto-close"
	// followOnPrefix starts the name of a follow-on timer
	// "follow-on:<name>".
	followOnPrefix = "follow-on:"
	// reminderTrigger is the Timer.Trigger of reminders, which notify
	// without firing a workflow trigger.
	reminderTrigger = "sla-reminder"
	followOnTrigger = "follow-on"
)

func stateTimer(state, kind string) string { return "state:" + state + ":" + kind }

// parseStateTimer splits "state:<state>:<kind>".
func parseStateTimer(name string) (state, kind string, ok bool) {
	rest, ok := strings.CutPrefix(name, "state:")
	if !ok {
		return "", "", false
	}
	i := strings.LastIndexByte(rest, ':')
	if i < 0 {
		return "", "", false
	}
	return rest[:i], rest[i+1:], true
}

// change is one move of a case, as the engine writes it.
type change struct {
	from, to, trigger string
	internal          bool
	entered, exited   []string // outermost first
	actor             *Actor
	at                time.Time
	version           int64 // the case version after the change
	payload           json.RawMessage
}

type effects struct {
	err    error // a FollowOn.When that panicked
	update adapters.CaseUpdate
	msgs   []adapters.Message
	set    []adapters.Timer
	cancel []string
}

// effects works out what a change writes besides the state and the event:
// team, due time and closing; entry notifications; SLA, reminder,
// escalation and auto-close timers; follow-on timers.
func (e *Engine) effects(w *Workflow, c *adapters.Case, ch change) effects {
	var fx effects
	team, assignee, due := c.Team, c.Assignee, c.Due
	if !ch.internal {
		var slaSet bool
		for _, name := range ch.entered {
			s := w.states[name]
			if s.Team != "" && s.Team != team {
				team, assignee = s.Team, ""
				t, a := team, assignee
				fx.update.Team, fx.update.Assignee = &t, &a
			}
			if s.SLA != nil {
				d := e.cal.Add(ch.at, s.SLA.Due)
				due, slaSet = d, true
				if s.SLA.Escalate != "" {
					fx.set = append(fx.set, adapters.Timer{Name: s.timers[timerEscalate], DueAt: d, Trigger: s.SLA.Escalate})
				}
				if r := s.SLA.Reminder; r != nil {
					if at := e.cal.Sub(d, r.Before); at.After(ch.at) {
						fx.set = append(fx.set, adapters.Timer{Name: s.timers[timerReminder], DueAt: at, Trigger: reminderTrigger})
					}
				}
			}
			if s.AutoClose != nil {
				fx.set = append(fx.set, adapters.Timer{Name: s.timers[timerAutoClose], DueAt: e.cal.Add(ch.at, s.AutoClose.After), Trigger: s.AutoClose.Trigger})
			}
		}
		if !slaSet && !due.IsZero() {
			// Keep the due time of an enclosing state still running;
			// clear it when no active state has a service level.
			keep := false
			for _, name := range w.active(ch.to) {
				if w.states[name].SLA != nil {
					keep = true
				}
			}
			if !keep {
				due = time.Time{}
			}
		}
		if !due.Equal(c.Due) {
			d := due
			fx.update.Due = &d
		}
		if s := w.states[ch.to]; s.Terminal == TerminalClosed {
			closed := true
			fx.update.Closed = &closed
		}
		for _, name := range ch.exited {
			s := w.states[name]
			var kinds []string
			if s.SLA != nil {
				kinds = append(kinds, timerEscalate, timerReminder)
			}
			if s.AutoClose != nil {
				kinds = append(kinds, timerAutoClose)
			}
			for _, k := range kinds {
				n := s.timers[k]
				if !hasTimer(fx.set, n) {
					fx.cancel = append(fx.cancel, n)
				}
			}
		}
	}
	// Activity by people restarts the inactivity clocks of the states the
	// case stays in.
	if ch.actor != nil && !ch.actor.system {
		for _, name := range w.active(ch.to) {
			s := w.states[name]
			n := s.timers[timerAutoClose]
			if s.AutoClose != nil && !hasTimer(fx.set, n) {
				fx.set = append(fx.set, adapters.Timer{Name: n, DueAt: e.cal.Add(ch.at, s.AutoClose.After), Trigger: s.AutoClose.Trigger})
			}
		}
	}
	if !ch.internal {
		view := *c
		view.Team, view.Assignee, view.Due = team, assignee, due
		for _, name := range ch.entered {
			for _, n := range w.states[name].Notify {
				fx.msgs = e.notify(fx.msgs, &view, ch, n.Template, n.Channel, n.To)
			}
		}
	}
	if e.cfg.OnClose != nil && !ch.internal && ch.trigger != "open" && c.ClosedAt.IsZero() && w.states[ch.to].Terminal == TerminalClosed {
		after := *c
		after.State, after.Team, after.Assignee, after.Due, after.ClosedAt = ch.to, team, assignee, due, ch.at
		after.Version, after.UpdatedAt = ch.version, ch.at
		fc := &Change{Case: &after, From: ch.from, To: ch.to, Trigger: ch.trigger, Actor: *ch.actor, Payload: ch.payload}
		var err error
		if fx.msgs, err = e.closeMessages(fx.msgs, fc, ch.version); err != nil {
			fx.err = err
			return fx
		}
	}
	// Follow-ons react to transitions: not to opening, nor to assignment
	// (which has no trigger).
	if len(e.followOns) > 0 && ch.trigger != "open" && ch.trigger != "" {
		after := *c
		after.State, after.Team, after.Assignee, after.Due = ch.to, team, assignee, due
		if s := w.states[ch.to]; s.Terminal == TerminalClosed {
			after.ClosedAt = ch.at
		}
		fc := &Change{Case: &after, From: ch.from, To: ch.to, Trigger: ch.trigger, Actor: *ch.actor, Payload: ch.payload}
		for _, f := range e.cfg.FollowOns {
			ok, err := when(f, fc)
			if err != nil {
				fx.err = err
				return fx
			}
			if ok {
				fx.set = append(fx.set, adapters.Timer{Name: followOnPrefix + f.Name, DueAt: ch.at, Trigger: followOnTrigger})
			}
		}
	}
	return fx
}

func hasTimer(ts []adapters.Timer, name string) bool {
	for _, t := range ts {
		if t.Name == name {
			return true
		}
	}
	return false
}

// notify appends one outbox message per recipient that exists. Message ids
// (and idempotency keys) are "<case>/<version>/<n>": unique, and the same
// when a request is retried.
func (e *Engine) notify(msgs []adapters.Message, c *adapters.Case, ch change, template, channel string, to []Recipient) []adapters.Message {
	for _, r := range to {
		var recipient string
		switch r {
		case ToSubmitter:
			recipient = c.Submitter
		case ToAssignee:
			recipient = c.Assignee
		case ToTeam:
			if c.Team != "" {
				recipient = "team:" + c.Team
			}
		case ToSubscribers:
			recipient = "subscribers"
		}
		if recipient == "" {
			continue
		}
		data := messageData(c, ch, r)
		id := c.ID + "/" + itoa(ch.version) + "/" + itoa(int64(len(msgs)))
		msgs = append(msgs, adapters.Message{
			ID: id, IdempotencyKey: id, CaseID: c.ID, Channel: channel, Recipient: recipient,
			Template: template, Locale: e.cfg.Locale, Data: data, CreatedAt: ch.at,
		})
	}
	return msgs
}

// MessageFields are the keys of the JSON data of every notification the
// engine writes (a state's notify), for declaring a template's fields:
// the case type, the state entered, the previous state (absent when the
// case opens), the trigger, the recipient kind (ToSubmitter, ...) and the
// due time in RFC 3339 (absent when no service level runs). Pass it as
// feedback.TemplatesConfig.OtherFields, or per template in Fields.
var MessageFields = []string{"type", "state", "previousState", "trigger", "recipient", "due"}

// messageData is the JSON a message carries for its template: case type,
// state, previous state, trigger, recipient kind and due time. Every value
// is a name the definition's JSON Schema restricts to letters, digits and
// hyphens, or a formatted time, so none needs escaping.
func messageData(c *adapters.Case, ch change, r Recipient) json.RawMessage {
	b := make([]byte, 0, 160)
	b = append(b, `{"type":"`...)
	b = append(b, c.Type...)
	b = append(b, `","state":"`...)
	b = append(b, ch.to...)
	if ch.from != "" {
		b = append(b, `","previousState":"`...)
		b = append(b, ch.from...)
	}
	b = append(b, `","trigger":"`...)
	b = append(b, ch.trigger...)
	b = append(b, `","recipient":"`...)
	b = append(b, r...)
	if !c.Due.IsZero() {
		b = append(b, `","due":"`...)
		b = c.Due.UTC().AppendFormat(b, time.RFC3339)
	}
	return append(b, `"}`...)
}

func when(f FollowOn, ch *Change) (ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("workflow: follow-on %q: %w: %v", f.Name, ErrPanic, r)
		}
	}()
	return f.When(ch), nil
}
