package workflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/civickit/civickit/adapters"
)

// TimerWorkerConfig configures a TimerWorker. A nil *TimerWorkerConfig means every
// default.
type TimerWorkerConfig struct {
	// Owner identifies the worker in timer leases; empty means a random
	// id. Give each process its own.
	Owner string
	// Batch is how many timers one claim takes; 0 means 100.
	Batch int
	// Lease is how long a claim holds; 0 means one minute. A timer whose
	// worker dies is claimed again when its lease expires.
	Lease time.Duration
	// Interval is the pause between polls when no timer was due; 0 means
	// five seconds.
	Interval time.Duration
}

// Validate reports every problem of the configuration.
func (c *TimerWorkerConfig) Validate() error {
	var errs []error
	if c.Batch < 0 || c.Batch > adapters.MaxClaim {
		errs = append(errs, fmt.Errorf("workflow: worker batch %d is outside 0..%d", c.Batch, adapters.MaxClaim))
	}
	if c.Lease < 0 {
		errs = append(errs, errors.New("workflow: worker lease is negative"))
	}
	if c.Interval < 0 {
		errs = append(errs, errors.New("workflow: worker interval is negative"))
	}
	return errors.Join(errs...)
}

// TimerWorker fires due timers as the system actor: SLA reminders (an
// outbox message and a "reminder" event), escalations, auto-closes and
// follow-on cases. Any number of workers, in any number of processes, may
// run against one store: claims are leased, and every timer's action is
// written with an idempotency key, so each timer takes effect once.
type TimerWorker struct {
	e   *Engine
	cfg TimerWorkerConfig
}

// NewTimerWorker returns a worker for the engine's store.
func (e *Engine) NewTimerWorker(cfg *TimerWorkerConfig) (*TimerWorker, error) {
	if cfg == nil {
		cfg = &TimerWorkerConfig{}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	w := &TimerWorker{e: e, cfg: *cfg}
	if w.cfg.Owner == "" {
		w.cfg.Owner = "timer-worker-" + randomID()
	}
	if w.cfg.Batch == 0 {
		w.cfg.Batch = 100
	}
	if w.cfg.Lease == 0 {
		w.cfg.Lease = time.Minute
	}
	if w.cfg.Interval == 0 {
		w.cfg.Interval = 5 * time.Second
	}
	return w, nil
}

// RequestKeyPurgeInterval is how often TimerWorker.Run purges expired
// idempotency keys (Engine.PurgeRequestKeys), by the engine's clock.
const RequestKeyPurgeInterval = 10 * time.Minute

// Run fires due timers until ctx is done, then returns nil. Errors of
// single timers are logged and retried after their lease; a failing store
// is retried after Interval. Every RequestKeyPurgeInterval it also purges
// expired idempotency keys.
func (w *TimerWorker) Run(ctx context.Context) error {
	t := time.NewTimer(0)
	defer t.Stop()
	var purged time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if now := w.e.cfg.Now(); purged.IsZero() || now.Sub(purged) >= RequestKeyPurgeInterval {
			purged = now
			if _, err := w.e.PurgeRequestKeys(ctx); err != nil && ctx.Err() == nil {
				w.e.log.LogAttrs(ctx, slog.LevelWarn, "workflow: purge request keys", slog.String("error", err.Error()))
			}
		}
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.e.log.LogAttrs(ctx, slog.LevelWarn, "workflow: claim timers", slog.String("error", err.Error()))
		}
		wait := w.cfg.Interval
		if n == w.cfg.Batch {
			wait = 0 // more may be due
		}
		t.Reset(wait)
	}
}

// RunOnce claims one batch of due timers and handles them. It returns how
// many it claimed.
func (w *TimerWorker) RunOnce(ctx context.Context) (int, error) {
	timers, err := w.e.store.ClaimTimers(ctx, adapters.ClaimParams{
		Owner: w.cfg.Owner, Limit: w.cfg.Batch, Now: w.e.cfg.Now(), Lease: w.cfg.Lease,
	})
	if err != nil {
		return 0, fmt.Errorf("workflow: claim timers: %w", err)
	}
	for _, t := range timers {
		if ctx.Err() != nil {
			break
		}
		if err := w.handle(ctx, t); err != nil {
			w.e.log.LogAttrs(ctx, slog.LevelWarn, "workflow: timer", slog.String("case", t.CaseID),
				slog.String("timer", t.Name), slog.String("error", err.Error()))
			continue // the lease expires and the timer is tried again
		}
		err := w.e.store.CompleteTimer(ctx, t.CaseID, t.Name, w.cfg.Owner)
		if err != nil && !errors.Is(err, adapters.ErrNotFound) && !errors.Is(err, adapters.ErrConflict) {
			w.e.log.LogAttrs(ctx, slog.LevelWarn, "workflow: complete timer", slog.String("case", t.CaseID),
				slog.String("timer", t.Name), slog.String("error", err.Error()))
		}
	}
	return len(timers), nil
}

// handle does what a timer asks. A nil error means the timer is done (or
// obsolete) and may be completed.
func (w *TimerWorker) handle(ctx context.Context, t adapters.Timer) error {
	key := "timer:" + t.CaseID + ":" + t.Name + ":" + itoa(t.DueAt.UnixMicro())
	if name, ok := cutFollowOn(t.Name); ok {
		return w.e.openFollowOn(ctx, t.CaseID, name, key)
	}
	state, kind, ok := parseStateTimer(t.Name)
	if !ok {
		w.e.log.LogAttrs(ctx, slog.LevelWarn, "workflow: unknown timer dropped", slog.String("case", t.CaseID), slog.String("timer", t.Name))
		return nil
	}
	for attempt := 0; ; attempt++ {
		c, err := w.e.store.GetCase(ctx, t.CaseID)
		if errors.Is(err, adapters.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		// A definition this process lacks is an error, not a done timer:
		// another process that has it will fire the timer.
		wf, err := w.e.Workflow(c.Type, c.DefinitionVersion)
		if err != nil {
			return err
		}
		active := false
		for _, s := range wf.active(c.State) {
			active = active || s == state
		}
		if !active {
			return nil // the case moved on; the timer is stale
		}
		if kind == timerReminder {
			err = w.e.remind(ctx, wf, &c, state, key)
		} else {
			// The case just read is the one to fire on: no second read.
			_, err = w.e.fireOn(ctx, FireParams{
				CaseID: c.ID, Trigger: t.Trigger, Actor: SystemActor(), ExpectedVersion: c.Version, IdempotencyKey: key,
			}, "transition", c, wf, false)
		}
		var d *DeniedError
		switch {
		case err == nil, errors.Is(err, adapters.ErrDuplicate):
			return nil
		case errors.As(err, &d):
			w.e.log.LogAttrs(ctx, slog.LevelWarn, "workflow: timer action denied", slog.String("case", c.ID),
				slog.String("timer", t.Name), slog.String("code", string(d.Code)))
			return nil
		case errors.Is(err, adapters.ErrConflict) && attempt < 3:
			continue // the case changed meanwhile; look again
		default:
			return err
		}
	}
}

// remind writes an SLA reminder: a "reminder" event and its messages.
func (e *Engine) remind(ctx context.Context, w *Workflow, c *adapters.Case, state, key string) error {
	s := w.states[state]
	if s.SLA == nil || s.SLA.Reminder == nil {
		return nil
	}
	at := e.cfg.Now()
	system := SystemActor()
	ch := change{from: c.State, to: c.State, trigger: reminderTrigger, actor: &system, at: at, version: c.Version + 1}
	msgs := e.notify(nil, c, ch, s.SLA.Reminder.Template, "", s.SLA.Reminder.To)
	_, err := e.store.ApplyTransition(ctx, adapters.TransitionParams{
		CaseID: c.ID, ExpectedVersion: c.Version, State: c.State, At: at,
		Events: []adapters.Event{{
			Kind: "reminder", FromState: c.State, ToState: c.State, Trigger: reminderTrigger, Actor: system.Subject, At: at,
			Comment: "due " + c.Due.UTC().Format(time.RFC3339),
		}},
		Messages: msgs, RequestKey: key,
	})
	return err
}

func cutFollowOn(name string) (string, bool) {
	if len(name) > len(followOnPrefix) && name[:len(followOnPrefix)] == followOnPrefix {
		return name[len(followOnPrefix):], true
	}
	return "", false
}

// openFollowOn opens the follow-on case a FollowOn asked for, once.
func (e *Engine) openFollowOn(ctx context.Context, caseID, name, key string) error {
	f := e.followOns[name]
	if f == nil {
		return nil // no longer configured
	}
	from, err := e.store.GetCase(ctx, caseID)
	if errors.Is(err, adapters.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	p, err := f.Open(ctx, &from)
	if err != nil {
		return fmt.Errorf("workflow: follow-on %q of case %s: %w", name, caseID, err)
	}
	p.Actor, p.OnBehalf = SystemActor(), true
	if p.Submitter == "" {
		p.Submitter, p.SubmitterIssuer = from.Submitter, from.SubmitterIssuer
	}
	if p.Channel == "" {
		p.Channel = "proactive"
	}
	p.IdempotencyKey = key
	_, err = e.Open(ctx, p)
	if errors.Is(err, adapters.ErrDuplicate) {
		// The key opened the follow-on already, from the case as it was
		// then: it takes effect once.
		return nil
	}
	var d *DeniedError
	if errors.As(err, &d) {
		e.log.LogAttrs(ctx, slog.LevelWarn, "workflow: follow-on denied", slog.String("case", caseID),
			slog.String("follow-on", name), slog.String("code", string(d.Code)))
		return nil
	}
	return err
}
