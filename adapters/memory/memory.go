// Package memory is an in-memory adapters.Store: maps behind one mutex.
// It is the fastest store and keeps nothing across restarts, which makes it
// the store for tests, examples and prototypes.
//
// It passes the whole conformance suite in adapters/adaptertest, so code
// tested against it behaves the same on sqlite and postgres.
//
// # Errors
//
// Methods return the adapters sentinel errors wrapped with the call's
// details, e.g. `memory: get case "c1": not found`. A canceled context
// returns the context's error.
//
// # Concurrency
//
// A Store is safe for concurrent use. Every method holds the store's lock
// for its whole duration, so each is atomic and isolated, as a transaction
// would be.
package memory

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/civickit/civickit/adapters"
)

// Store is an in-memory adapters.Store. The zero value is not usable; call
// New.
type Store struct {
	mu     sync.RWMutex
	closed bool

	cases    map[string]*entry
	subs     map[string]adapters.Submission
	subOrder []string
	msgs     log[adapters.Message] // in creation order
	msgNames map[string]msgName    // message ids and idempotency keys
	requests map[string]request
	drafts   map[string]adapters.Draft

	attachments map[string]*adapters.Attachment // see attachments.go
	comments    comments                        // see comments.go

	receipts      receiptIndex      // see delivery.go
	subscriptions subscriptionState // see subscriptions.go
	updates       updateState

	sessions map[string]adapters.SessionRecord // see sessions.go
	meetings meetingState                      // see meetings.go
	flows    map[string]time.Time

	people  people      // see people.go
	surveys surveyState // see feedback.go
	ideas   ideaState   // see feedback.go

	conversations map[conversationKey]*adapters.Conversation // see conversations.go
	held          map[string]*adapters.HeldReply
}

// entry is a case with its audit trail and timers, found with one lookup.
type entry struct {
	adapters.Case
	events log[adapters.Event]
	timers map[string]*adapters.Timer
}

// msgName says which message uses a string as its id, as its idempotency
// key, or both: messages often use one string for both, and one map entry
// then serves both checks.
type msgName struct {
	byID, byKey int // index in msgs plus one; zero when unused
}

type request struct {
	caseID      string
	fingerprint string
	// at is the time of the request that used the key first.
	at time.Time
	// created marks a CreateCase key, answered with the case as stored.
	created bool
	result  adapters.TransitionResult
}

var (
	_ adapters.Store       = (*Store)(nil)
	_ adapters.CaseStats   = (*Store)(nil)
	_ adapters.RequestKeys = (*Store)(nil)
)

// New returns an empty store.
func New() *Store {
	return &Store{
		cases:    map[string]*entry{},
		subs:     map[string]adapters.Submission{},
		msgNames: map[string]msgName{},
		requests: map[string]request{},
		drafts:   map[string]adapters.Draft{},

		attachments: map[string]*adapters.Attachment{},

		people:        newPeople(),
		receipts:      receiptIndex{},
		subscriptions: newSubscriptionState(),
		updates:       newUpdateState(),
		comments:      newComments(),
		surveys:       newSurveyState(),
		ideas:         newIdeaState(),
		meetings:      newMeetingState(),
		conversations: map[conversationKey]*adapters.Conversation{},
		held:          map[string]*adapters.HeldReply{},
	}
}

// Close empties the store; later calls return adapters.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("memory: close: %w", adapters.ErrClosed)
	}
	s.closed = true
	s.cases, s.subs, s.subOrder = nil, nil, nil
	s.msgs, s.msgNames, s.requests, s.drafts = log[adapters.Message]{}, nil, nil, nil
	s.sessions, s.flows, s.attachments = nil, nil, nil
	s.people = people{}
	s.receipts = nil
	s.comments = comments{}
	s.surveys, s.ideas = surveyState{}, ideaState{}
	s.meetings = meetingState{}
	s.conversations, s.held = nil, nil
	return nil
}

// enter checks the context and the closed flag; the caller holds the lock.
func (s *Store) enter(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed {
		return adapters.ErrClosed
	}
	return nil
}

func (s *Store) lock(ctx context.Context) error {
	s.mu.Lock()
	if err := s.enter(ctx); err != nil {
		s.mu.Unlock()
		return err
	}
	return nil
}

func (s *Store) rlock(ctx context.Context) error {
	s.mu.RLock()
	if err := s.enter(ctx); err != nil {
		s.mu.RUnlock()
		return err
	}
	return nil
}

func cloneJSON(b json.RawMessage) json.RawMessage {
	if b == nil {
		return nil
	}
	return bytes.Clone(b)
}

func emptyID(what string) error {
	return fmt.Errorf("%w: %s is empty", adapters.ErrInvalidArgument, what)
}

// CreateCase implements adapters.CaseStore.
func (s *Store) CreateCase(ctx context.Context, p adapters.CreateCaseParams) (adapters.Case, error) {
	c, err := s.createCase(ctx, p)
	if err != nil {
		return adapters.Case{}, fmt.Errorf("memory: create case %q: %w", p.Case.ID, err)
	}
	return c, nil
}

func (s *Store) createCase(ctx context.Context, p adapters.CreateCaseParams) (adapters.Case, error) {
	if err := p.Validate(); err != nil {
		return adapters.Case{}, err
	}
	if err := s.lock(ctx); err != nil {
		return adapters.Case{}, err
	}
	defer s.mu.Unlock()

	var fp string
	if p.RequestKey != "" {
		fp = p.Fingerprint()
		if r, ok := s.requests[p.RequestKey]; ok {
			if r.fingerprint != fp {
				return adapters.Case{}, fmt.Errorf("%w: request key %q was used for another request", adapters.ErrDuplicate, p.RequestKey)
			}
			return copyCase(&s.cases[r.caseID].Case), nil
		}
	}
	if _, ok := s.cases[p.Case.ID]; ok {
		return adapters.Case{}, fmt.Errorf("%w: case id already exists", adapters.ErrDuplicate)
	}
	if p.Submission.ID != "" {
		if _, ok := s.subs[p.Submission.ID]; ok {
			return adapters.Case{}, fmt.Errorf("%w: submission %q already exists", adapters.ErrDuplicate, p.Submission.ID)
		}
	}
	msgs, err := s.expand(p.Case.ID, p.Messages)
	if err != nil {
		return adapters.Case{}, err
	}
	if err := s.checkMessages(msgs); err != nil {
		return adapters.Case{}, err
	}
	if p.Submission.ID != "" {
		if err := s.checkFiles(p.Submission.Files); err != nil {
			return adapters.Case{}, err
		}
	}

	c := normCase(p.Case)
	c.Version = 1
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	e := &entry{Case: c}
	s.cases[c.ID] = e
	if p.Submission.ID != "" {
		sub := normSubmission(p.Submission)
		sub.CaseID = c.ID
		s.subs[sub.ID] = sub
		s.subOrder = append(s.subOrder, sub.ID)
		s.linkFiles(sub.Files, c.ID, sub.ID, c.CreatedAt)
	}
	e.appendEvents(p.Events)
	s.addMessages(c.ID, msgs)
	e.setTimers(p.Timers)
	if p.RequestKey != "" {
		s.requests[p.RequestKey] = request{caseID: c.ID, fingerprint: fp, at: c.CreatedAt, created: true}
	}
	return copyCase(&c), nil
}

// ApplyTransition implements adapters.CaseStore.
func (s *Store) ApplyTransition(ctx context.Context, p adapters.TransitionParams) (adapters.TransitionResult, error) {
	r, err := s.applyTransition(ctx, p)
	if err != nil {
		return adapters.TransitionResult{}, fmt.Errorf("memory: apply transition to case %q: %w", p.CaseID, err)
	}
	return r, nil
}

func (s *Store) applyTransition(ctx context.Context, p adapters.TransitionParams) (adapters.TransitionResult, error) {
	if err := p.Validate(); err != nil {
		return adapters.TransitionResult{}, err
	}
	if err := s.lock(ctx); err != nil {
		return adapters.TransitionResult{}, err
	}
	defer s.mu.Unlock()

	e, ok := s.cases[p.CaseID]
	if !ok {
		return adapters.TransitionResult{}, adapters.ErrNotFound
	}
	c := &e.Case
	var fp string
	if p.RequestKey != "" {
		fp = p.Fingerprint()
		if r, ok := s.requests[p.RequestKey]; ok {
			if r.fingerprint != fp {
				return adapters.TransitionResult{}, fmt.Errorf("%w: request key %q was used for another request", adapters.ErrDuplicate, p.RequestKey)
			}
			res := copyResult(r.result)
			res.Replayed = true
			return res, nil
		}
	}
	if c.Version != p.ExpectedVersion {
		return adapters.TransitionResult{}, fmt.Errorf("%w: expected version %d, stored version %d", adapters.ErrConflict, p.ExpectedVersion, c.Version)
	}
	msgs, err := s.expand(p.CaseID, p.Messages)
	if err != nil {
		return adapters.TransitionResult{}, err
	}
	if err := s.checkMessages(msgs); err != nil {
		return adapters.TransitionResult{}, err
	}

	at := adapters.StoredTime(p.At)
	c.State = p.State
	c.Version++
	c.UpdatedAt = at
	u := p.Update
	if u.Team != nil {
		c.Team = *u.Team
	}
	if u.Assignee != nil {
		c.Assignee = *u.Assignee
	}
	if u.Due != nil {
		c.Due = adapters.StoredTime(*u.Due)
	}
	if u.Data != nil {
		c.Data = cloneJSON(u.Data)
	}
	if u.Closed != nil {
		c.ClosedAt = time.Time{}
		if *u.Closed {
			c.ClosedAt = at
		}
	}
	evs := e.appendEvents(p.Events)
	s.addMessages(c.ID, msgs)
	e.setTimers(p.SetTimers)
	for _, name := range p.CancelTimers {
		delete(e.timers, name)
	}
	res := adapters.TransitionResult{Case: copyCase(c), Events: evs}
	if p.RequestKey != "" {
		s.requests[p.RequestKey] = request{caseID: c.ID, fingerprint: fp, at: at, result: copyResult(res)}
	}
	return res, nil
}

// RequestResult implements adapters.RequestKeys.
func (s *Store) RequestResult(ctx context.Context, key string) (adapters.TransitionResult, error) {
	if key == "" {
		return adapters.TransitionResult{}, fmt.Errorf("memory: request result: %w", emptyID("request key"))
	}
	if err := s.rlock(ctx); err != nil {
		return adapters.TransitionResult{}, fmt.Errorf("memory: request result: %w", err)
	}
	defer s.mu.RUnlock()
	r, ok := s.requests[key]
	if !ok {
		return adapters.TransitionResult{}, fmt.Errorf("memory: request result: %w", adapters.ErrNotFound)
	}
	res := copyResult(r.result)
	if r.created {
		res = adapters.TransitionResult{Case: copyCase(&s.cases[r.caseID].Case)}
	}
	res.Replayed = true
	return res, nil
}

// DeleteExpiredRequestKeys implements adapters.RequestKeys. The memory
// store deletes them all at once: it holds its lock for microseconds.
func (s *Store) DeleteExpiredRequestKeys(ctx context.Context, before time.Time) (int64, error) {
	if before.IsZero() {
		return 0, fmt.Errorf("memory: delete expired request keys: %w", emptyID("time"))
	}
	if err := s.lock(ctx); err != nil {
		return 0, fmt.Errorf("memory: delete expired request keys: %w", err)
	}
	defer s.mu.Unlock()
	before = adapters.StoredTime(before)
	var n int64
	for k, r := range s.requests {
		if r.at.Before(before) {
			delete(s.requests, k)
			n++
		}
	}
	return n, nil
}

// checkMessages reports ids or idempotency keys already stored.
func (s *Store) checkMessages(msgs []adapters.Message) error {
	for _, m := range msgs {
		if s.msgNames[m.ID].byID != 0 {
			return fmt.Errorf("%w: message %q already exists", adapters.ErrDuplicate, m.ID)
		}
		if s.msgNames[m.IdempotencyKey].byKey != 0 {
			return fmt.Errorf("%w: message idempotency key %q already used", adapters.ErrDuplicate, m.IdempotencyKey)
		}
	}
	return nil
}

func (e *entry) appendEvents(events []adapters.Event) []adapters.Event {
	caseID, stored := e.ID, &e.events
	out := make([]adapters.Event, len(events))
	for i, ev := range events {
		ev.CaseID = caseID
		ev.Seq = int64(stored.len() + 1)
		ev.At = adapters.StoredTime(ev.At)
		// The caller owns ev.Payload; the store keeps its own copy.
		out[i] = ev
		stored.add(normEvent(ev))
	}
	return out
}

func (s *Store) addMessages(caseID string, msgs []adapters.Message) {
	for _, m := range msgs {
		m = normMessage(m)
		if m.CaseID == "" {
			m.CaseID = caseID
		}
		m.Status = adapters.MessagePending
		m.Attempts = 0
		m.LeaseOwner, m.LeaseExpiresAt = "", time.Time{}
		m.ProviderID, m.Via, m.Address = "", "", ""
		n := s.msgs.len() + 1
		if m.ID == m.IdempotencyKey {
			s.msgNames[m.ID] = msgName{byID: n, byKey: n}
		} else {
			id, key := s.msgNames[m.ID], s.msgNames[m.IdempotencyKey]
			id.byID, key.byKey = n, n
			s.msgNames[m.ID], s.msgNames[m.IdempotencyKey] = id, key
		}
		s.msgs.add(m)
	}
}

func (e *entry) setTimers(timers []adapters.Timer) {
	if len(timers) == 0 {
		return
	}
	if e.timers == nil {
		e.timers = map[string]*adapters.Timer{}
	}
	for _, t := range timers {
		t := adapters.Timer{CaseID: e.ID, Name: t.Name, DueAt: adapters.StoredTime(t.DueAt), Trigger: t.Trigger}
		e.timers[t.Name] = &t
	}
}

// GetCase implements adapters.CaseStore.
func (s *Store) GetCase(ctx context.Context, id string) (adapters.Case, error) {
	if id == "" {
		return adapters.Case{}, fmt.Errorf("memory: get case: %w", emptyID("case id"))
	}
	if err := s.rlock(ctx); err != nil {
		return adapters.Case{}, fmt.Errorf("memory: get case %q: %w", id, err)
	}
	defer s.mu.RUnlock()
	e, ok := s.cases[id]
	if !ok {
		return adapters.Case{}, fmt.Errorf("memory: get case %q: %w", id, adapters.ErrNotFound)
	}
	return copyCase(&e.Case), nil
}

// normQuery brings a query's times to stored precision, as SQL stores
// compare them.
func normQuery(q adapters.CaseQuery) adapters.CaseQuery {
	q.DueBefore = adapters.StoredTime(q.DueBefore)
	q.OpenedFrom = adapters.StoredTime(q.OpenedFrom)
	q.OpenedTo = adapters.StoredTime(q.OpenedTo)
	return q
}

// matches reports whether c passes q's filters; q is normalised.
func matches(c *adapters.Case, q adapters.CaseQuery) bool {
	switch {
	case q.Type != "" && c.Type != q.Type,
		q.State != "" && c.State != q.State,
		q.Submitter != "" && c.Submitter != q.Submitter,
		q.SubmitterIssuer != "" && c.SubmitterIssuer != q.SubmitterIssuer,
		q.Team != "" && c.Team != q.Team,
		q.Assignee != "" && c.Assignee != q.Assignee,
		!q.DueBefore.IsZero() && (c.Due.IsZero() || !c.Due.Before(q.DueBefore)),
		!q.OpenedFrom.IsZero() && c.CreatedAt.Before(q.OpenedFrom),
		!q.OpenedTo.IsZero() && !c.CreatedAt.Before(q.OpenedTo):
		return false
	}
	return true
}

func sortKey(c *adapters.Case, o adapters.Order) time.Time {
	if o == adapters.OrderDue {
		return c.Due
	}
	return c.CreatedAt
}

// ListCases implements adapters.CaseStore.
func (s *Store) ListCases(ctx context.Context, q adapters.CaseQuery) (adapters.CasePage, error) {
	if err := q.Validate(); err != nil {
		return adapters.CasePage{}, fmt.Errorf("memory: list cases: %w", err)
	}
	pos, _ := q.DecodeCursor()
	if err := s.rlock(ctx); err != nil {
		return adapters.CasePage{}, fmt.Errorf("memory: list cases: %w", err)
	}
	defer s.mu.RUnlock()
	q = normQuery(q)
	order := q.SortOrder()
	var hits []*adapters.Case
	for _, e := range s.cases {
		c := &e.Case
		if !matches(c, q) || (order == adapters.OrderDue && c.Due.IsZero()) {
			continue
		}
		if q.Cursor != "" {
			k := sortKey(c, order)
			if k.Before(pos.Key) || (k.Equal(pos.Key) && c.ID <= pos.ID) {
				continue
			}
		}
		hits = append(hits, c)
	}
	slices.SortFunc(hits, func(a, b *adapters.Case) int {
		if r := sortKey(a, order).Compare(sortKey(b, order)); r != 0 {
			return r
		}
		return cmp.Compare(a.ID, b.ID)
	})
	var page adapters.CasePage
	n := q.PageSize()
	if len(hits) > n {
		hits = hits[:n]
		page.NextCursor = q.NextCursor(*hits[n-1])
	}
	page.Cases = make([]adapters.Case, len(hits))
	for i, c := range hits {
		page.Cases[i] = copyCase(c)
	}
	return page, nil
}

// CountCasesByState implements adapters.CaseStore.
func (s *Store) CountCasesByState(ctx context.Context, q adapters.CaseQuery) (map[string]int64, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, fmt.Errorf("memory: count cases by state: %w", err)
	}
	defer s.mu.RUnlock()
	q = normQuery(q)
	out := map[string]int64{}
	for _, e := range s.cases {
		if matches(&e.Case, q) {
			out[e.State]++
		}
	}
	return out, nil
}

// ListEvents implements adapters.CaseStore.
func (s *Store) ListEvents(ctx context.Context, caseID string) ([]adapters.Event, error) {
	if caseID == "" {
		return nil, fmt.Errorf("memory: list events: %w", emptyID("case id"))
	}
	if err := s.rlock(ctx); err != nil {
		return nil, fmt.Errorf("memory: list events of case %q: %w", caseID, err)
	}
	defer s.mu.RUnlock()
	e, ok := s.cases[caseID]
	if !ok {
		return nil, fmt.Errorf("memory: list events of case %q: %w", caseID, adapters.ErrNotFound)
	}
	evs := &e.events
	out := make([]adapters.Event, evs.len())
	for i := range out {
		out[i] = copyEvent(*evs.at(i))
	}
	return out, nil
}

// GetSubmission implements adapters.SubmissionStore.
func (s *Store) GetSubmission(ctx context.Context, id string) (adapters.Submission, error) {
	if id == "" {
		return adapters.Submission{}, fmt.Errorf("memory: get submission: %w", emptyID("submission id"))
	}
	if err := s.rlock(ctx); err != nil {
		return adapters.Submission{}, fmt.Errorf("memory: get submission %q: %w", id, err)
	}
	defer s.mu.RUnlock()
	sub, ok := s.subs[id]
	if !ok {
		return adapters.Submission{}, fmt.Errorf("memory: get submission %q: %w", id, adapters.ErrNotFound)
	}
	return copySubmission(sub), nil
}

// ListSubmissions implements adapters.SubmissionStore.
func (s *Store) ListSubmissions(ctx context.Context, caseID string) ([]adapters.Submission, error) {
	if caseID == "" {
		return nil, fmt.Errorf("memory: list submissions: %w", emptyID("case id"))
	}
	if err := s.rlock(ctx); err != nil {
		return nil, fmt.Errorf("memory: list submissions of case %q: %w", caseID, err)
	}
	defer s.mu.RUnlock()
	var out []adapters.Submission
	for _, id := range s.subOrder {
		if sub := s.subs[id]; sub.CaseID == caseID {
			out = append(out, copySubmission(sub))
		}
	}
	return out, nil
}

// EnqueueMessages implements adapters.Outbox.
func (s *Store) EnqueueMessages(ctx context.Context, msgs []adapters.Message) error {
	if err := adapters.ValidateMessages(msgs); err != nil {
		return fmt.Errorf("memory: enqueue %d messages: %w", len(msgs), err)
	}
	if err := s.lock(ctx); err != nil {
		return fmt.Errorf("memory: enqueue %d messages: %w", len(msgs), err)
	}
	defer s.mu.Unlock()
	if err := s.enqueueLocked(msgs); err != nil {
		return fmt.Errorf("memory: enqueue %d messages: %w", len(msgs), err)
	}
	return nil
}

// enqueueLocked writes messages not tied to a transition, expanding those
// addressed to subscribers: the path of EnqueueMessages, which
// PublishAgenda shares so that both treat messages alike. The caller holds
// the lock.
func (s *Store) enqueueLocked(msgs []adapters.Message) error {
	expanded, err := s.expand("", msgs)
	if err == nil {
		err = s.checkMessages(expanded)
	}
	if err != nil {
		return err
	}
	s.addMessages("", expanded)
	return nil
}

func leased(owner string, expires, now time.Time) bool {
	return owner != "" && expires.After(now)
}

// ClaimMessages implements adapters.Outbox.
func (s *Store) ClaimMessages(ctx context.Context, p adapters.ClaimParams) ([]adapters.Message, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("memory: claim messages: %w", err)
	}
	if err := s.lock(ctx); err != nil {
		return nil, fmt.Errorf("memory: claim messages for %q: %w", p.Owner, err)
	}
	defer s.mu.Unlock()
	now := adapters.StoredTime(p.Now)
	var due []*adapters.Message
	for i := range s.msgs.len() {
		m := s.msgs.at(i)
		if m.Status == adapters.MessagePending && !m.NextAttemptAt.After(now) && !leased(m.LeaseOwner, m.LeaseExpiresAt, now) {
			due = append(due, m)
		}
	}
	// msgs is in creation order, so a stable sort keeps it as the tie
	// breaker after the due time.
	sort.SliceStable(due, func(i, j int) bool { return due[i].NextAttemptAt.Before(due[j].NextAttemptAt) })
	if len(due) > p.Limit {
		due = due[:p.Limit]
	}
	out := make([]adapters.Message, len(due))
	for i, m := range due {
		m.LeaseOwner = p.Owner
		m.LeaseExpiresAt = adapters.StoredTime(p.Now.Add(p.Lease))
		m.Attempts++
		out[i] = copyMessage(m)
	}
	return out, nil
}

// MarkMessage implements adapters.Outbox.
func (s *Store) MarkMessage(ctx context.Context, p adapters.MarkParams) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("memory: mark message %q: %w", p.ID, err)
	}
	if err := s.lock(ctx); err != nil {
		return fmt.Errorf("memory: mark message %q: %w", p.ID, err)
	}
	defer s.mu.Unlock()
	if err := s.markLocked(p); err != nil {
		return fmt.Errorf("memory: mark message %q: %w", p.ID, err)
	}
	return nil
}

// GetMessage implements adapters.Outbox.
func (s *Store) GetMessage(ctx context.Context, id string) (adapters.Message, error) {
	if id == "" {
		return adapters.Message{}, fmt.Errorf("memory: get message: %w", emptyID("message id"))
	}
	if err := s.rlock(ctx); err != nil {
		return adapters.Message{}, fmt.Errorf("memory: get message %q: %w", id, err)
	}
	defer s.mu.RUnlock()
	i := s.msgNames[id].byID - 1
	if i < 0 {
		return adapters.Message{}, fmt.Errorf("memory: get message %q: %w", id, adapters.ErrNotFound)
	}
	m := s.msgs.at(i)
	return copyMessage(m), nil
}

// ListMessages implements adapters.Outbox.
func (s *Store) ListMessages(ctx context.Context, caseID string) ([]adapters.Message, error) {
	if caseID == "" {
		return nil, fmt.Errorf("memory: list messages: %w", emptyID("case id"))
	}
	if err := s.rlock(ctx); err != nil {
		return nil, fmt.Errorf("memory: list messages of case %q: %w", caseID, err)
	}
	defer s.mu.RUnlock()
	var out []adapters.Message
	for i := range s.msgs.len() {
		if m := s.msgs.at(i); m.CaseID == caseID {
			out = append(out, copyMessage(m))
		}
	}
	slices.SortStableFunc(out, func(a, b adapters.Message) int {
		if r := a.CreatedAt.Compare(b.CreatedAt); r != 0 {
			return r
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

// ClaimTimers implements adapters.TimerStore.
func (s *Store) ClaimTimers(ctx context.Context, p adapters.ClaimParams) ([]adapters.Timer, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("memory: claim timers: %w", err)
	}
	if err := s.lock(ctx); err != nil {
		return nil, fmt.Errorf("memory: claim timers for %q: %w", p.Owner, err)
	}
	defer s.mu.Unlock()
	now := adapters.StoredTime(p.Now)
	var due []*adapters.Timer
	for _, e := range s.cases {
		for _, t := range e.timers {
			if !t.DueAt.After(now) && !leased(t.LeaseOwner, t.LeaseExpiresAt, now) {
				due = append(due, t)
			}
		}
	}
	slices.SortFunc(due, func(a, b *adapters.Timer) int {
		if r := a.DueAt.Compare(b.DueAt); r != 0 {
			return r
		}
		if r := cmp.Compare(a.CaseID, b.CaseID); r != 0 {
			return r
		}
		return cmp.Compare(a.Name, b.Name)
	})
	if len(due) > p.Limit {
		due = due[:p.Limit]
	}
	out := make([]adapters.Timer, len(due))
	for i, t := range due {
		t.LeaseOwner = p.Owner
		t.LeaseExpiresAt = adapters.StoredTime(p.Now.Add(p.Lease))
		out[i] = *t
	}
	return out, nil
}

// CompleteTimer implements adapters.TimerStore.
func (s *Store) CompleteTimer(ctx context.Context, caseID, name, owner string) error {
	if caseID == "" || name == "" || owner == "" {
		return fmt.Errorf("memory: complete timer: %w", emptyID("case id, timer name or owner"))
	}
	if err := s.lock(ctx); err != nil {
		return fmt.Errorf("memory: complete timer %q of case %q: %w", name, caseID, err)
	}
	defer s.mu.Unlock()
	var t *adapters.Timer
	e, ok := s.cases[caseID]
	if ok {
		t, ok = e.timers[name]
	}
	if !ok {
		return fmt.Errorf("memory: complete timer %q of case %q: %w", name, caseID, adapters.ErrNotFound)
	}
	if t.LeaseOwner != owner {
		return fmt.Errorf("memory: complete timer %q of case %q: %w: not leased by %q", name, caseID, adapters.ErrConflict, owner)
	}
	delete(e.timers, name)
	return nil
}

// ListTimers implements adapters.TimerStore.
func (s *Store) ListTimers(ctx context.Context, caseID string) ([]adapters.Timer, error) {
	if caseID == "" {
		return nil, fmt.Errorf("memory: list timers: %w", emptyID("case id"))
	}
	if err := s.rlock(ctx); err != nil {
		return nil, fmt.Errorf("memory: list timers of case %q: %w", caseID, err)
	}
	defer s.mu.RUnlock()
	var out []adapters.Timer
	var timers map[string]*adapters.Timer
	if e, ok := s.cases[caseID]; ok {
		timers = e.timers
	}
	for _, t := range timers {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b adapters.Timer) int { return cmp.Compare(a.Name, b.Name) })
	return out, nil
}

// SaveDraft implements adapters.DraftStore.
func (s *Store) SaveDraft(ctx context.Context, d adapters.Draft) error {
	if err := d.Validate(); err != nil {
		return fmt.Errorf("memory: save draft: %w", err)
	}
	if err := s.lock(ctx); err != nil {
		return fmt.Errorf("memory: save draft: %w", err)
	}
	defer s.mu.Unlock()
	d = normDraft(d)
	if d.CreatedAt.IsZero() {
		d.CreatedAt = d.UpdatedAt
	}
	if old, ok := s.drafts[d.TokenHash]; ok {
		d.CreatedAt = old.CreatedAt
	}
	s.drafts[d.TokenHash] = d
	return nil
}

// GetDraft implements adapters.DraftStore.
func (s *Store) GetDraft(ctx context.Context, tokenHash string, now time.Time) (adapters.Draft, error) {
	if tokenHash == "" {
		return adapters.Draft{}, fmt.Errorf("memory: get draft: %w", emptyID("token hash"))
	}
	if err := s.rlock(ctx); err != nil {
		return adapters.Draft{}, fmt.Errorf("memory: get draft: %w", err)
	}
	defer s.mu.RUnlock()
	d, ok := s.drafts[tokenHash]
	if !ok || !d.ExpiresAt.After(adapters.StoredTime(now)) {
		return adapters.Draft{}, fmt.Errorf("memory: get draft: %w", adapters.ErrNotFound)
	}
	d.Data = cloneJSON(d.Data)
	return d, nil
}

// ListDrafts implements adapters.DraftStore.
func (s *Store) ListDrafts(ctx context.Context, subject string, now time.Time) ([]adapters.Draft, error) {
	if subject == "" {
		return nil, fmt.Errorf("memory: list drafts: %w", emptyID("subject"))
	}
	if err := s.rlock(ctx); err != nil {
		return nil, fmt.Errorf("memory: list drafts: %w", err)
	}
	defer s.mu.RUnlock()
	now = adapters.StoredTime(now)
	var out []adapters.Draft
	for _, d := range s.drafts {
		if d.Subject == subject && d.ExpiresAt.After(now) {
			d.Data = cloneJSON(d.Data)
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b adapters.Draft) int {
		if r := b.UpdatedAt.Compare(a.UpdatedAt); r != 0 {
			return r
		}
		return cmp.Compare(a.TokenHash, b.TokenHash)
	})
	return out, nil
}

// DeleteDraft implements adapters.DraftStore.
func (s *Store) DeleteDraft(ctx context.Context, tokenHash string) error {
	if tokenHash == "" {
		return fmt.Errorf("memory: delete draft: %w", emptyID("token hash"))
	}
	if err := s.lock(ctx); err != nil {
		return fmt.Errorf("memory: delete draft: %w", err)
	}
	defer s.mu.Unlock()
	if _, ok := s.drafts[tokenHash]; !ok {
		return fmt.Errorf("memory: delete draft: %w", adapters.ErrNotFound)
	}
	delete(s.drafts, tokenHash)
	return nil
}

// DeleteExpiredDrafts implements adapters.DraftStore.
func (s *Store) DeleteExpiredDrafts(ctx context.Context, now time.Time) (int64, error) {
	if now.IsZero() {
		return 0, fmt.Errorf("memory: delete expired drafts: %w", emptyID("time"))
	}
	if err := s.lock(ctx); err != nil {
		return 0, fmt.Errorf("memory: delete expired drafts: %w", err)
	}
	defer s.mu.Unlock()
	now = adapters.StoredTime(now)
	var n int64
	for k, d := range s.drafts {
		if !d.ExpiresAt.After(now) {
			delete(s.drafts, k)
			n++
		}
	}
	return n, nil
}

// CaseStats implements adapters.CaseStats.
func (s *Store) CaseStats(ctx context.Context, q adapters.StatsQuery) (adapters.Stats, error) {
	if err := s.rlock(ctx); err != nil {
		return adapters.Stats{}, fmt.Errorf("memory: case stats: %w", err)
	}
	defer s.mu.RUnlock()
	st := adapters.Stats{OpenByState: map[string]int64{}, ByChannel: map[string]int64{}}
	var durations []time.Duration
	filter := normQuery(adapters.CaseQuery{Type: q.Type, OpenedFrom: q.OpenedFrom, OpenedTo: q.OpenedTo})
	now := adapters.StoredTime(q.Now)
	for _, e := range s.cases {
		c := &e.Case
		if !matches(c, filter) {
			continue
		}
		st.Total++
		st.ByChannel[c.Channel]++
		if c.ClosedAt.IsZero() {
			st.OpenByState[c.State]++
			if !c.Due.IsZero() && !now.IsZero() && now.After(c.Due) {
				st.Breached++
			}
			continue
		}
		st.Closed++
		durations = append(durations, c.ClosedAt.Sub(c.CreatedAt))
		if !c.Due.IsZero() && c.ClosedAt.After(c.Due) {
			st.Breached++
		}
	}
	st.MedianTimeToClose, st.P90TimeToClose = adapters.Percentile(durations, 0.5), adapters.Percentile(durations, 0.9)
	return st, nil
}
