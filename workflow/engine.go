package workflow

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/civickit/civickit/adapters"
)

// Default limits of EngineConfig.
const (
	DefaultMaxPayloadBytes = 64 << 10
	DefaultMaxDataBytes    = 1 << 20
)

// MaxCommentBytes bounds the comment of an action, an assignment or an
// opening.
const MaxCommentBytes = 4000

// EngineConfig configures an Engine. A nil *EngineConfig means every default.
type EngineConfig struct {
	// Calendar measures SLAs; nil means NewCalendar(nil): UTC, Monday to
	// Friday, 09:00 to 17:00, no holidays.
	Calendar *Calendar
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// NewID returns new case and submission ids; nil means 128 random
	// bits in hex.
	NewID func() string
	// Logger receives operational logs (never payloads or PII); nil
	// discards them.
	Logger *slog.Logger
	// MaxPayloadBytes bounds an action's payload; 0 means
	// DefaultMaxPayloadBytes.
	MaxPayloadBytes int
	// MaxDataBytes bounds a new case's data; 0 means DefaultMaxDataBytes.
	MaxDataBytes int
	// Locale is the locale of outbox messages; empty means "en".
	Locale string
	// OnlineChannels are the intake channels Metrics counts as online;
	// nil means "web", "app" and "open311".
	OnlineChannels []string
	// FollowOns open follow-on cases after transitions (proactive
	// service).
	FollowOns []FollowOn
	// OnClose, when set, returns outbox messages to write when a
	// transition (a timer's included) takes a case from an open state
	// into a closed one, such as a satisfaction survey: they are written
	// in the same store call as the transition, so exactly once. It gets
	// the change with the case as the transition leaves it; it must be
	// quick, must not block, and a panic in it fails the transition with
	// ErrPanic. Messages it leaves without an id, idempotency key, case,
	// time or locale get the engine's.
	OnClose func(ch *Change) []adapters.Message
	// CaseCacheSize is how many cases the engine remembers as it last
	// wrote them, so that a Fire naming its ExpectedVersion skips reading
	// a case it already knows at that version; 0 means
	// DefaultCaseCacheSize, a negative size turns the cache off. Cases
	// whose data exceeds 16 KiB are never kept.
	CaseCacheSize int
	// RequestKeyTTL is how long idempotency keys are remembered: a retry
	// later than this may act again. 0 means adapters.DefaultRequestKeyTTL
	// (24 hours). PurgeRequestKeys, which TimerWorker.Run calls, forgets
	// older keys.
	RequestKeyTTL time.Duration
}

// Validate reports every problem of the configuration.
func (c *EngineConfig) Validate() error {
	var errs []error
	if c.RequestKeyTTL < 0 {
		errs = append(errs, errors.New("workflow: RequestKeyTTL is negative"))
	}
	if c.MaxPayloadBytes < 0 {
		errs = append(errs, errors.New("workflow: MaxPayloadBytes is negative"))
	}
	if c.MaxDataBytes < 0 {
		errs = append(errs, errors.New("workflow: MaxDataBytes is negative"))
	}
	seen := map[string]bool{}
	for i, f := range c.FollowOns {
		switch {
		case f.Name == "":
			errs = append(errs, fmt.Errorf("workflow: follow-on %d has no name", i))
		case seen[f.Name]:
			errs = append(errs, fmt.Errorf("workflow: follow-on %q is declared twice", f.Name))
		}
		seen[f.Name] = true
		if f.When == nil || f.Open == nil {
			errs = append(errs, fmt.Errorf("workflow: follow-on %q needs When and Open", f.Name))
		}
	}
	return errors.Join(errs...)
}

// Store is the storage the engine works on: cases with their events,
// messages and timers (each write one atomic call), submissions, and the
// due-timer queue. adapters.Store satisfies it, and so does a store bound
// to a caller's transaction (postgres.Store.WithTx, sqlite.Store.WithTx).
// The engine also uses, when the store has them, adapters.RequestKeys to
// answer retried requests and adapters.CaseStats for Metrics.
type Store interface {
	adapters.CaseStore
	adapters.SubmissionStore
	adapters.TimerStore
}

// Engine runs cases through their workflows on a store. Every call that
// changes a case is one atomic store call guarded by the case version.
type Engine struct {
	store     Store
	cfg       EngineConfig
	cal       *Calendar
	log       *slog.Logger
	online    map[string]bool
	followOns map[string]*FollowOn

	// cache is nil in an engine from WithStore.
	cache *caseCache
	reg   *registry
}

// registry holds the registered workflows, shared by an engine and the
// engines WithStore derives from it.
type registry struct {
	mu        sync.RWMutex
	workflows map[string][]*Workflow // by type, ascending versions
}

// New returns an engine over the store.
func New(store Store, cfg *EngineConfig) (*Engine, error) {
	if store == nil {
		return nil, errors.New("workflow: store is nil")
	}
	if cfg == nil {
		cfg = &EngineConfig{}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e := &Engine{store: store, cfg: *cfg, cal: cfg.Calendar, log: cfg.Logger, cache: newCaseCache(cfg.CaseCacheSize), reg: &registry{workflows: map[string][]*Workflow{}}, followOns: map[string]*FollowOn{}}
	if e.cal == nil {
		e.cal, _ = NewCalendar(nil)
	}
	if e.cfg.Now == nil {
		e.cfg.Now = time.Now
	}
	if e.cfg.NewID == nil {
		e.cfg.NewID = randomID
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.cfg.MaxPayloadBytes == 0 {
		e.cfg.MaxPayloadBytes = DefaultMaxPayloadBytes
	}
	if e.cfg.RequestKeyTTL == 0 {
		e.cfg.RequestKeyTTL = adapters.DefaultRequestKeyTTL
	}
	if e.cfg.MaxDataBytes == 0 {
		e.cfg.MaxDataBytes = DefaultMaxDataBytes
	}
	if e.cfg.Locale == "" {
		e.cfg.Locale = "en"
	}
	online := cfg.OnlineChannels
	if online == nil {
		online = []string{"web", "app", "open311"}
	}
	e.online = map[string]bool{}
	for _, ch := range online {
		e.online[ch] = true
	}
	for i := range e.cfg.FollowOns {
		e.followOns[e.cfg.FollowOns[i].Name] = &e.cfg.FollowOns[i]
	}
	return e, nil
}

// WithStore returns an engine that works on store instead, sharing e's
// registered workflows (registered before or after), configuration and
// clock. Its use is running engine calls inside a transaction of the
// caller's: pass a store bound to it (postgres.Store.WithTx,
// sqlite.Store.WithTx), and the case, its events, submission, outbox
// messages and timers written by Open, Fire, Assign or Withdraw commit or
// roll back with the caller's own rows.
//
// The returned engine keeps no case cache and leaves e's alone, since a
// write it makes may yet roll back: every call reads the case from store.
// It is cheap to make (no compiling); make one per transaction and drop it
// when the transaction ends. It is as safe for concurrent use as store is.
// A nil store panics.
func (e *Engine) WithStore(store Store) *Engine {
	if store == nil {
		panic("workflow: WithStore with a nil store")
	}
	return &Engine{store: store, cfg: e.cfg, cal: e.cal, log: e.log, online: e.online, followOns: e.followOns, reg: e.reg}
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func derivedID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Register adds a compiled workflow. Versions of a type may be registered
// in any order; a version registered twice returns ErrDuplicate. New cases
// open on the highest version; running cases stay on theirs.
func (e *Engine) Register(w *Workflow) error {
	r := e.reg
	r.mu.Lock()
	defer r.mu.Unlock()
	list := r.workflows[w.Type()]
	for _, have := range list {
		if have.Version() == w.Version() {
			return fmt.Errorf("workflow: register %q v%d: %w", w.Type(), w.Version(), adapters.ErrDuplicate)
		}
	}
	list = append(list, w)
	sort.Slice(list, func(i, j int) bool { return list[i].Version() < list[j].Version() })
	r.workflows[w.Type()] = list
	return nil
}

// Workflow returns the registered workflow of the type and version; version
// 0 means the highest. A missing one returns ErrNotFound.
func (e *Engine) Workflow(caseType string, version int) (*Workflow, error) {
	r := e.reg
	r.mu.RLock()
	defer r.mu.RUnlock()
	list := r.workflows[caseType]
	if len(list) > 0 {
		if version == 0 {
			return list[len(list)-1], nil
		}
		for _, w := range list {
			if w.Version() == version {
				return w, nil
			}
		}
	}
	return nil, fmt.Errorf("workflow: definition %q v%d: %w", caseType, version, adapters.ErrNotFound)
}

// Types lists the registered case types, sorted.
func (e *Engine) Types() []string {
	r := e.reg
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.workflows))
	for t := range r.workflows {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// OpenParams describes a new case.
type OpenParams struct {
	// Type is the case type; the highest registered version is used.
	Type string
	// CaseID is optional: by default it is derived from IdempotencyKey,
	// or random.
	CaseID string
	// Actor opens the case: the resident, or staff acting for one.
	Actor Actor
	// OnBehalf says staff open the case for a resident (at the counter,
	// by phone, from a paper form). The actor then needs one of the
	// definition's intake roles, and Submitter and SubmitterIssuer name
	// the resident (empty for an anonymous caller). Otherwise the
	// submitter is the actor, with the actor's issuer.
	OnBehalf        bool
	Submitter       string
	SubmitterIssuer string
	// Channel is the intake channel; empty means "web". Staff opening on
	// a resident's behalf must name it ("counter", "phone", "paper").
	Channel string
	// Data is the case's JSON object, usually the validated submission;
	// empty means Submission's data. Where PII is sealed at rest, pass the
	// output of forms.Form.Seal here and in Submission, so the store never
	// holds it in clear.
	Data json.RawMessage
	// Submission, if not nil, is stored with the case: the form
	// submission the case is opened from, already validated, as
	// forms.Form.Submission makes it from the clean data. Its ID,
	// Submitter, Channel and SubmittedAt are filled in when empty.
	Submission *adapters.Submission
	// Comment is free text for the "opened" event.
	Comment string
	// IdempotencyKey makes a retried Open return the case the first
	// call created; the key reused for another request (other data,
	// submitter, comment...) returns adapters.ErrDuplicate. Keys are
	// remembered for EngineConfig.RequestKeyTTL.
	IdempotencyKey string
}

// Open opens a case in its workflow's initial state, writing the case, its
// "opened" event, its submission, entry notifications and SLA timers in
// one store call. A denied opening returns a *DeniedError with Trigger
// "open".
func (e *Engine) Open(ctx context.Context, p OpenParams) (adapters.Case, error) {
	c, err := e.open(ctx, p)
	if err != nil {
		return adapters.Case{}, fmt.Errorf("workflow: open %q case: %w", p.Type, err)
	}
	return c, nil
}

func (e *Engine) open(ctx context.Context, p OpenParams) (adapters.Case, error) {
	w, err := e.Workflow(p.Type, 0)
	if err != nil {
		return adapters.Case{}, err
	}
	def := w.def
	if len(p.Data) == 0 && p.Submission != nil {
		p.Data = p.Submission.Data
	}
	switch {
	case len(p.Data) > e.cfg.MaxDataBytes:
		return adapters.Case{}, fmt.Errorf("%w: data exceeds %d bytes", adapters.ErrInvalidArgument, e.cfg.MaxDataBytes)
	case len(p.Data) > 0 && !json.Valid(p.Data):
		return adapters.Case{}, fmt.Errorf("%w: data is not valid JSON", adapters.ErrInvalidArgument)
	case len(p.Comment) > MaxCommentBytes:
		return adapters.Case{}, fmt.Errorf("%w: comment exceeds %d bytes", adapters.ErrInvalidArgument, MaxCommentBytes)
	}
	deny := func(code DenialCode, reason string) error {
		return &DeniedError{State: def.Initial, Trigger: "open", Code: code, Reason: reason}
	}
	submitter, issuer, channel := p.Actor.Subject, p.Actor.Issuer, p.Channel
	if p.OnBehalf {
		var roles []string
		if def.Intake != nil {
			roles = def.Intake.Roles
		}
		if !p.Actor.system && !slices.ContainsFunc(roles, p.Actor.holds) {
			d := deny(DeniedRole, fmt.Sprintf("opening a case for a resident needs one of the roles %v", roles)).(*DeniedError)
			d.Roles = roles
			return adapters.Case{}, d
		}
		if channel == "" {
			return adapters.Case{}, fmt.Errorf("%w: a case opened on a resident's behalf needs its intake channel", adapters.ErrInvalidArgument)
		}
		submitter, issuer = p.Submitter, p.SubmitterIssuer
	} else {
		if def.Intake != nil && p.Actor.Assurance < def.Intake.Assurance {
			d := deny(DeniedAssurance, fmt.Sprintf("needs identity assurance %d, has %d", def.Intake.Assurance, p.Actor.Assurance)).(*DeniedError)
			d.Assurance = def.Intake.Assurance
			return adapters.Case{}, d
		}
		if channel == "" {
			channel = "web"
		}
	}
	id := p.CaseID
	switch {
	case id != "":
	case p.IdempotencyKey != "":
		id = derivedID("case", p.Type, p.IdempotencyKey)
	default:
		id = e.cfg.NewID()
	}
	at := e.cfg.Now()
	state := def.Initial
	for s := w.states[state]; s.Initial != ""; s = w.states[state] {
		state = s.Initial
	}
	entered := slices.Clone(w.active(state))
	slices.Reverse(entered)
	c := adapters.Case{ID: id, Type: def.Type, DefinitionVersion: def.Version, State: state, Submitter: submitter, SubmitterIssuer: issuer, Channel: channel, Data: p.Data, CreatedAt: at}
	fx := e.effects(w, &c, change{to: state, trigger: "open", entered: entered, actor: &p.Actor, at: at, version: 1})
	applyUpdate(&c, fx.update)
	payload, _ := json.Marshal(struct {
		Channel  string `json:"channel"`
		OnBehalf bool   `json:"onBehalf,omitempty"`
	}{channel, p.OnBehalf})
	params := adapters.CreateCaseParams{
		Case: c,
		Events: []adapters.Event{{
			Kind: "opened", ToState: state, Actor: p.Actor.Subject, At: at, Comment: p.Comment, Payload: payload,
		}},
		Messages:   fx.msgs,
		Timers:     fx.set,
		RequestKey: p.IdempotencyKey,
	}
	if p.Submission != nil {
		s := *p.Submission
		if s.ID == "" {
			s.ID = derivedID("submission", id)
		}
		if s.Submitter == "" {
			s.Submitter, s.SubmitterIssuer = submitter, issuer
		}
		if s.Channel == "" {
			s.Channel = channel
		}
		if s.SubmittedAt.IsZero() {
			s.SubmittedAt = at
		}
		s.CaseID = id
		params.Submission = s
	}
	created, err := e.store.CreateCase(ctx, params)
	if errors.Is(err, adapters.ErrDuplicate) && p.IdempotencyKey != "" {
		return e.reopened(ctx, params, err)
	}
	if err == nil {
		e.cache.put(created)
	}
	return created, err
}

// reopened answers a retried Open, whose timers and due times a later
// clock computes anew, with the case its key created: when that case has
// the same type, submitter, channel, data, submission and opening event.
// A key used for another request is ErrDuplicate.
func (e *Engine) reopened(ctx context.Context, p adapters.CreateCaseParams, otherwise error) (adapters.Case, error) {
	rk, ok := e.store.(adapters.RequestKeys)
	if !ok {
		return adapters.Case{}, otherwise
	}
	res, err := rk.RequestResult(ctx, p.RequestKey)
	if errors.Is(err, adapters.ErrNotFound) {
		return adapters.Case{}, otherwise
	}
	if err != nil {
		return adapters.Case{}, errors.Join(otherwise, err)
	}
	c, want := res.Case, p.Case
	// Data is compared while the case is as opened: later transitions may
	// record into it.
	same := c.ID == want.ID && c.Type == want.Type && c.DefinitionVersion == want.DefinitionVersion &&
		c.Submitter == want.Submitter && c.SubmitterIssuer == want.SubmitterIssuer && c.Channel == want.Channel && (c.Version > 1 || sameJSON(c.Data, want.Data))
	if same {
		events, err := e.store.ListEvents(ctx, c.ID)
		if err != nil {
			return adapters.Case{}, err
		}
		first, ev := p.Events[0], events[0]
		same = ev.Kind == first.Kind && ev.Actor == first.Actor && ev.Comment == first.Comment && sameJSON(ev.Payload, first.Payload)
	}
	if same && p.Submission.ID != "" {
		sub, err := e.store.GetSubmission(ctx, p.Submission.ID)
		if err != nil && !errors.Is(err, adapters.ErrNotFound) {
			return adapters.Case{}, err
		}
		same = err == nil && sub.CaseID == c.ID && sub.FormID == p.Submission.FormID &&
			sub.FormVersion == p.Submission.FormVersion && sameJSON(sub.Data, p.Submission.Data)
	}
	if !same {
		return adapters.Case{}, fmt.Errorf("%w: idempotency key %q was used for another request", adapters.ErrDuplicate, p.RequestKey)
	}
	return c, nil
}

// PurgeRequestKeys makes the store forget the idempotency keys used more
// than EngineConfig.RequestKeyTTL ago and says how many. The store deletes them
// in small batches that never keep writes waiting. A store without the
// adapters.RequestKeys capability keeps its keys: PurgeRequestKeys then
// returns 0 and no error. TimerWorker.Run calls it every
// RequestKeyPurgeInterval; call it yourself when no timer worker runs.
func (e *Engine) PurgeRequestKeys(ctx context.Context) (int64, error) {
	rk, ok := e.store.(adapters.RequestKeys)
	if !ok {
		return 0, nil
	}
	n, err := rk.DeleteExpiredRequestKeys(ctx, e.cfg.Now().Add(-e.cfg.RequestKeyTTL))
	if err != nil {
		return n, fmt.Errorf("workflow: purge request keys: %w", err)
	}
	return n, nil
}

func applyUpdate(c *adapters.Case, u adapters.CaseUpdate) {
	if u.Team != nil {
		c.Team = *u.Team
	}
	if u.Assignee != nil {
		c.Assignee = *u.Assignee
	}
	if u.Due != nil {
		c.Due = *u.Due
	}
}

// FireParams describes an action on a case.
type FireParams struct {
	// CaseID and Trigger say which action on which case.
	CaseID, Trigger string
	// Actor is who acts.
	Actor Actor
	// Payload is the action's data, checked by the transition's form.
	Payload json.RawMessage
	// Locale is passed to the form for its messages.
	Locale string
	// Comment is free text kept on the event.
	Comment string
	// ExpectedVersion, if not zero, is the case version the actor saw; a
	// different stored version returns adapters.ErrConflict.
	ExpectedVersion int64
	// IdempotencyKey makes a retried request return the first result and
	// write nothing; the key reused for another request (another trigger,
	// payload, comment or actor) returns adapters.ErrDuplicate. Replays
	// need a store with adapters.RequestKeys (every store in this module)
	// and work for EngineConfig.RequestKeyTTL.
	IdempotencyKey string
}

// Result is what a transition did.
type Result struct {
	// Case is the case after the transition.
	Case adapters.Case
	// Event is the event the transition appended.
	Event adapters.Event
	// Replayed reports a retry answered from the first result.
	Replayed bool
}

// Fire performs an action on a case. It checks that the trigger is
// possible in the case's state, that the actor holds one of its roles and
// enough assurance, that the payload passes the transition's form and that
// every guard passes, then writes the new state, the event, entry
// notifications, timers and follow-ons in one store call guarded by the
// case version.
//
// A denied action returns a *DeniedError; an unknown case
// adapters.ErrNotFound; an unknown trigger adapters.ErrInvalidArgument; a
// stale ExpectedVersion or a concurrent change adapters.ErrConflict; a
// panicking guard an error wrapping ErrPanic. In each case nothing is
// written.
func (e *Engine) Fire(ctx context.Context, p FireParams) (Result, error) {
	r, err := e.fire(ctx, p, "transition")
	if err != nil {
		return Result{}, fmt.Errorf("workflow: fire %q on case %s: %w", p.Trigger, p.CaseID, err)
	}
	return r, nil
}

func (e *Engine) load(ctx context.Context, caseID string) (adapters.Case, *Workflow, error) {
	c, w, _, err := e.loadAt(ctx, caseID, 0)
	return c, w, err
}

// loadAt is load for a caller that expects version v (0: any): a case the
// engine remembers at exactly v is not read again, and cached says so.
func (e *Engine) loadAt(ctx context.Context, caseID string, v int64) (c adapters.Case, w *Workflow, cached bool, err error) {
	if caseID == "" {
		return adapters.Case{}, nil, false, fmt.Errorf("%w: case id is empty", adapters.ErrInvalidArgument)
	}
	c, cached = e.cache.get(caseID, v)
	if !cached {
		if c, err = e.store.GetCase(ctx, caseID); err != nil {
			return adapters.Case{}, nil, false, err
		}
	}
	if w, err = e.Workflow(c.Type, c.DefinitionVersion); err != nil {
		return adapters.Case{}, nil, false, err
	}
	return c, w, cached, nil
}

func (e *Engine) fire(ctx context.Context, p FireParams, kind string) (Result, error) {
	if len(p.Comment) > MaxCommentBytes {
		return Result{}, fmt.Errorf("%w: comment exceeds %d bytes", adapters.ErrInvalidArgument, MaxCommentBytes)
	}
	return e.fireAt(ctx, p, kind, p.ExpectedVersion)
}

// fireAt fires on the case as remembered at version useCache (0: read it).
// A remembered case may be stale when another process has moved it on, so
// an action refused on it is judged again on a fresh read: the answer is
// then what a fresh read gives (a conflict, a replay, or the refusal).
func (e *Engine) fireAt(ctx context.Context, p FireParams, kind string, useCache int64) (Result, error) {
	c, w, cached, err := e.loadAt(ctx, p.CaseID, useCache)
	if err != nil {
		return Result{}, err
	}
	return e.fireOn(ctx, p, kind, c, w, cached)
}

// fireOn fires on the case c its caller has read (cached: as remembered).
func (e *Engine) fireOn(ctx context.Context, p FireParams, kind string, c adapters.Case, w *Workflow, cached bool) (Result, error) {
	var err error
	if !w.defined[p.Trigger] {
		return Result{}, fmt.Errorf("%w: unknown trigger %q for %q v%d", adapters.ErrInvalidArgument, p.Trigger, w.Type(), w.Version())
	}
	req := request{kind: kind, trigger: p.Trigger, key: p.IdempotencyKey, expected: p.ExpectedVersion, actor: p.Actor.Subject, comment: p.Comment, payloads: []json.RawMessage{p.Payload}}
	if p.ExpectedVersion != 0 && p.ExpectedVersion != c.Version {
		return e.replayOr(ctx, &c, req, fmt.Errorf("%w: expected version %d, case is at %d", adapters.ErrConflict, p.ExpectedVersion, c.Version))
	}
	cl := w.newCall(&c, p.Trigger, p.Actor)
	cl.validate, cl.raw, cl.locale = true, p.Payload, p.Locale
	if len(p.Payload) > e.cfg.MaxPayloadBytes {
		err = &DeniedError{CaseID: c.ID, State: c.State, Trigger: p.Trigger, Code: DeniedPayload, Reason: fmt.Sprintf("the data exceeds %d bytes", e.cfg.MaxPayloadBytes)}
	} else {
		err = w.evaluate(withCall(ctx, cl), cl, p.Trigger)
	}
	if err != nil {
		if cached {
			return e.fireAt(ctx, p, kind, 0)
		}
		var d *DeniedError
		// A request that names the current version cannot be the retry of
		// one that already succeeded, so only unversioned ones look for a
		// first answer.
		if errors.As(err, &d) && p.ExpectedVersion == 0 {
			return e.replayOr(ctx, &c, req, err)
		}
		return Result{}, err
	}
	// A recorded payload is part of the case the transition leaves, so the
	// effects (follow-ons included) see it.
	after := c
	var recorded json.RawMessage
	if cl.passed != nil && cl.passed.Record && len(cl.in.Payload) > 0 {
		if recorded, err = mergeData(c.Data, cl.in.Payload); err == nil && len(recorded) > e.cfg.MaxDataBytes {
			err = fmt.Errorf("%w: the case data would exceed %d bytes", adapters.ErrInvalidArgument, e.cfg.MaxDataBytes)
		}
		if err != nil {
			return Result{}, err
		}
		after.Data = recorded
	}
	at := e.cfg.Now()
	ch := change{from: c.State, to: cl.state, trigger: p.Trigger, internal: cl.internal, entered: cl.entered, exited: cl.exited, actor: &p.Actor, at: at, version: c.Version + 1, payload: cl.in.Payload}
	fx := e.effects(w, &after, ch)
	if fx.err != nil {
		return Result{}, fx.err
	}
	if recorded != nil {
		fx.update.Data = recorded
	}
	params := adapters.TransitionParams{
		CaseID: c.ID, ExpectedVersion: c.Version, State: cl.state, Update: fx.update, At: at,
		Events: []adapters.Event{{
			Kind: kind, FromState: c.State, ToState: cl.state, Trigger: p.Trigger, Actor: p.Actor.Subject,
			At: at, Comment: p.Comment, Payload: cl.in.Payload,
		}},
		Messages: fx.msgs, SetTimers: fx.set, CancelTimers: fx.cancel, RequestKey: p.IdempotencyKey,
	}
	req.payloads = append(req.payloads, cl.in.Payload)
	return e.apply(ctx, &c, params, req)
}

// apply writes a transition and answers a request key already used with
// the first result, when it was this request's.
func (e *Engine) apply(ctx context.Context, c *adapters.Case, params adapters.TransitionParams, req request) (Result, error) {
	res, err := e.store.ApplyTransition(ctx, params)
	if errors.Is(err, adapters.ErrDuplicate) && params.RequestKey != "" {
		return e.replayOr(ctx, c, req, err)
	}
	if err != nil {
		return Result{}, err
	}
	if !res.Replayed {
		e.cache.put(res.Case)
	}
	return toResult(res), nil
}

func toResult(res adapters.TransitionResult) Result {
	r := Result{Case: res.Case, Replayed: res.Replayed}
	if len(res.Events) > 0 {
		r.Event = res.Events[0]
	}
	return r
}

// request is what identifies a retried Fire or Assign: the event it
// writes, and the version it expected when it named one.
type request struct {
	kind, trigger, key string
	expected           int64
	actor, comment     string
	// payloads are the forms of the payload the event may hold: as sent,
	// and as the transition's form cleaned it when it was checked.
	payloads []json.RawMessage
}

// replayOr answers a retried request from the store's record of its key
// (adapters.RequestKeys): the first result, when the key wrote an event of
// this case with the same kind, trigger, actor, comment and payload (at
// the version the request expected, if it named one). A key used for
// another request is ErrDuplicate. Without a recorded answer (no key, a
// store without RequestKeys, a purged key), it returns otherwise.
func (e *Engine) replayOr(ctx context.Context, c *adapters.Case, req request, otherwise error) (Result, error) {
	rk, ok := e.store.(adapters.RequestKeys)
	if req.key == "" || !ok {
		return Result{}, otherwise
	}
	res, err := rk.RequestResult(ctx, req.key)
	switch {
	case errors.Is(err, adapters.ErrNotFound):
		return Result{}, otherwise
	case err != nil:
		return Result{}, errors.Join(otherwise, err)
	case len(res.Events) == 1 && res.Case.ID == c.ID && req.same(res.Events[0]):
		return toResult(res), nil
	}
	return Result{}, fmt.Errorf("%w: idempotency key %q was used for another request", adapters.ErrDuplicate, req.key)
}

func (req request) same(ev adapters.Event) bool {
	if ev.Kind != req.kind || ev.Trigger != req.trigger || ev.Actor != req.actor || ev.Comment != req.comment ||
		(req.expected != 0 && ev.Seq-1 != req.expected) {
		return false
	}
	return slices.ContainsFunc(req.payloads, func(p json.RawMessage) bool { return sameJSON(p, ev.Payload) })
}

// sameJSON reports whether two JSON texts hold the same value; empty and
// null are the same.
func sameJSON(a, b json.RawMessage) bool {
	var va, vb any
	if len(a) > 0 && json.Unmarshal(a, &va) != nil || len(b) > 0 && json.Unmarshal(b, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

// Action is one trigger as a screen may offer it.
type Action struct {
	// Trigger and Title name the action.
	Trigger, Title string
	// Allowed reports that the actor may fire it now (subject to its
	// payload form).
	Allowed bool
	// Denied says why not, when not allowed.
	Denied *DeniedError
}

// Permitted lists the case's actions for the actor in definition order:
// each allowed, or denied with its reason. Payload forms are not checked
// (there is no payload yet); guards run with a nil payload. Actions only
// the system may fire are left out unless the actor is SystemActor().
func (e *Engine) Permitted(ctx context.Context, caseID string, actor Actor) ([]Action, error) {
	c, w, err := e.load(ctx, caseID)
	if err != nil {
		return nil, fmt.Errorf("workflow: permitted actions on case %s: %w", caseID, err)
	}
	return w.permitted(ctx, &c, actor)
}

func (w *Workflow) permitted(ctx context.Context, c *adapters.Case, actor Actor) ([]Action, error) {
	n := len(w.triggers)
	cl := new(call)
	return w.permittedInto(withCall(ctx, cl), cl, c, actor, &permitBuffers{
		actions: make([]Action, 0, n), denials: make([]DeniedError, 0, n), byTrigger: make([]*DeniedError, n), allowed: make([]bool, n),
	})
}

// permitBuffers back the actions of one or more permitted calls, so a
// queue page allocates them once: actions and denials, appended to
// (growing them leaves the actions already returned as they are),
// byTrigger and allowed (cleared on use) at least as long as the
// triggers. offered leaves out the triggers the case's state has no
// transition for, as a queue lists them.
type permitBuffers struct {
	actions   []Action
	denials   []DeniedError
	byTrigger []*DeniedError
	allowed   []bool
	offered   bool
}

// permittedInto is permitted evaluating with cl, the call ctx carries,
// taking its actions and denials from the front of b's buffers and leaving
// b past them; the actions it returns are capped so that appending to them
// leaves b alone.
func (w *Workflow) permittedInto(ctx context.Context, cl *call, c *adapters.Case, actor Actor, b *permitBuffers) ([]Action, error) {
	system := actor.system
	w.startCall(cl, c, "", actor)
	cl.denials = b.byTrigger[:len(w.triggers)]
	clear(cl.denials)
	allowed, err := w.permittedTriggers(ctx, cl, b.allowed)
	if err != nil {
		return nil, fmt.Errorf("workflow: permitted actions on case %s: %w", c.ID, err)
	}
	out := b.actions
	// Denials for triggers the state cannot handle share one allocation.
	denials := b.denials
	st := w.states[c.State]
	for i, t := range w.triggers {
		info := w.infos[i]
		if info.systemOnly && !system {
			continue
		}
		a := Action{Trigger: t, Title: info.title}
		switch {
		case allowed[i]:
			a.Allowed = true
		case cl.denials[i] != nil:
			a.Denied = cl.denials[i]
		case b.offered:
			continue
		default:
			reason := ""
			if st != nil {
				reason = st.notIn[i]
			} else {
				reason = w.notInStateReason(c.State, t)
			}
			denials = append(denials, DeniedError{CaseID: c.ID, State: c.State, Trigger: t, Code: DeniedNotInState, Reason: reason})
			a.Denied = &denials[len(denials)-1]
		}
		out = append(out, a)
	}
	b.actions, b.denials = out[len(out):], denials[len(denials):]
	return out[:len(out):len(out)], nil
}

// History returns the case's audit trail in order.
func (e *Engine) History(ctx context.Context, caseID string) ([]adapters.Event, error) {
	evs, err := e.store.ListEvents(ctx, caseID)
	if err != nil {
		return nil, fmt.Errorf("workflow: history of case %s: %w", caseID, err)
	}
	return evs, nil
}

// AssignParams describes an assignment.
type AssignParams struct {
	// CaseID names the case; Actor assigns it and needs one of the
	// definition's AssignRoles.
	CaseID string
	Actor  Actor
	// Assignee is the staff subject to assign; empty unassigns.
	Assignee string
	// Team, if not empty, moves the case to another team's queue.
	Team string
	// Comment, ExpectedVersion and IdempotencyKey are as in FireParams.
	Comment         string
	ExpectedVersion int64
	IdempotencyKey  string
}

// Assign sets a case's assignee (and optionally team), writing an
// "assigned" event in one store call guarded by the case version.
func (e *Engine) Assign(ctx context.Context, p AssignParams) (Result, error) {
	r, err := e.assign(ctx, p)
	if err != nil {
		return Result{}, fmt.Errorf("workflow: assign case %s: %w", p.CaseID, err)
	}
	return r, nil
}

func (e *Engine) assign(ctx context.Context, p AssignParams) (Result, error) {
	if len(p.Comment) > MaxCommentBytes {
		return Result{}, fmt.Errorf("%w: comment exceeds %d bytes", adapters.ErrInvalidArgument, MaxCommentBytes)
	}
	c, w, err := e.load(ctx, p.CaseID)
	if err != nil {
		return Result{}, err
	}
	const kind = "assigned"
	payload, _ := json.Marshal(struct {
		Assignee string `json:"assignee"`
		Team     string `json:"team,omitempty"`
	}{p.Assignee, p.Team})
	req := request{kind: kind, key: p.IdempotencyKey, expected: p.ExpectedVersion, actor: p.Actor.Subject, comment: p.Comment, payloads: []json.RawMessage{payload}}
	if p.ExpectedVersion != 0 && p.ExpectedVersion != c.Version {
		return e.replayOr(ctx, &c, req, fmt.Errorf("%w: expected version %d, case is at %d", adapters.ErrConflict, p.ExpectedVersion, c.Version))
	}
	deny := func(code DenialCode, reason string) *DeniedError {
		return &DeniedError{CaseID: c.ID, State: c.State, Trigger: "assign", Code: code, Reason: reason}
	}
	var d *DeniedError
	switch {
	case w.states[c.State].Terminal != "":
		d = deny(DeniedNotInState, fmt.Sprintf("the case has ended in state %q", c.State))
	case !slices.ContainsFunc(w.def.AssignRoles, func(r string) bool { return hasRole(&p.Actor, &c, r) }):
		d = deny(DeniedRole, fmt.Sprintf("assigning needs one of the roles %v", w.def.AssignRoles))
		d.Roles = w.def.AssignRoles
	}
	if d != nil {
		if p.ExpectedVersion != 0 {
			return Result{}, d
		}
		return e.replayOr(ctx, &c, req, d)
	}
	at := e.cfg.Now()
	fx := e.effects(w, &c, change{from: c.State, to: c.State, internal: true, actor: &p.Actor, at: at, version: c.Version + 1})
	if fx.err != nil {
		return Result{}, fx.err
	}
	assignee := p.Assignee
	fx.update.Assignee = &assignee
	if p.Team != "" {
		team := p.Team
		fx.update.Team = &team
	}
	return e.apply(ctx, &c, adapters.TransitionParams{
		CaseID: c.ID, ExpectedVersion: c.Version, State: c.State, Update: fx.update, At: at,
		Events: []adapters.Event{{
			Kind: kind, FromState: c.State, ToState: c.State, Actor: p.Actor.Subject, At: at, Comment: p.Comment, Payload: payload,
		}},
		SetTimers: fx.set, RequestKey: p.IdempotencyKey,
	}, req)
}

// WithdrawParams describes a resident withdrawing their case.
type WithdrawParams struct {
	// CaseID names the case; Actor must be its submitter.
	CaseID string
	Actor  Actor
	// Reason is kept as the event's comment.
	Reason string
	// ExpectedVersion and IdempotencyKey are as in FireParams.
	ExpectedVersion int64
	IdempotencyKey  string
}

// Withdraw fires the definition's withdraw trigger for the resident who
// submitted the case. Anyone else is denied with DeniedNotSubmitter.
func (e *Engine) Withdraw(ctx context.Context, p WithdrawParams) (Result, error) {
	c, w, err := e.load(ctx, p.CaseID)
	if err != nil {
		return Result{}, fmt.Errorf("workflow: withdraw case %s: %w", p.CaseID, err)
	}
	trigger := w.def.withdrawTrigger()
	if !isSubmitter(&p.Actor, &c) {
		return Result{}, fmt.Errorf("workflow: withdraw case %s: %w", p.CaseID, &DeniedError{
			CaseID: c.ID, State: c.State, Trigger: trigger, Code: DeniedNotSubmitter, Reason: "only the resident who submitted the case may withdraw it",
		})
	}
	if len(p.Reason) > MaxCommentBytes {
		return Result{}, fmt.Errorf("workflow: withdraw case %s: %w: reason exceeds %d bytes", p.CaseID, adapters.ErrInvalidArgument, MaxCommentBytes)
	}
	// The case just read is the one to fire on: no second read.
	r, err := e.fireOn(ctx, FireParams{
		CaseID: p.CaseID, Trigger: trigger, Actor: p.Actor, Comment: p.Reason,
		ExpectedVersion: p.ExpectedVersion, IdempotencyKey: p.IdempotencyKey,
	}, "transition", c, w, false)
	if err != nil {
		return Result{}, fmt.Errorf("workflow: fire %q on case %s: %w", trigger, p.CaseID, err)
	}
	return r, nil
}

// itoa is strconv.FormatInt for ids.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// mergeData returns the case data with the top-level keys of a checked
// payload replacing its own, for transitions that record their payload.
func mergeData(data, payload json.RawMessage) (json.RawMessage, error) {
	var add map[string]json.RawMessage
	if err := json.Unmarshal(payload, &add); err != nil {
		return nil, fmt.Errorf("%w: a recorded payload must be a JSON object", adapters.ErrInvalidArgument)
	}
	merged := map[string]json.RawMessage{}
	if len(data) > 0 && string(data) != "null" {
		if err := json.Unmarshal(data, &merged); err != nil {
			return nil, fmt.Errorf("%w: the case data is not a JSON object", adapters.ErrInvalidArgument)
		}
	}
	maps.Copy(merged, add)
	return json.Marshal(merged)
}
