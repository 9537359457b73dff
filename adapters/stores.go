package adapters

import (
	"context"
	"encoding/json"
	"time"
)

// Page sizes for ListCases.
const (
	// DefaultPageSize is used when CaseQuery.Limit is zero.
	DefaultPageSize = 50
	// MaxPageSize is the largest CaseQuery.Limit a store accepts.
	MaxPageSize = 500
	// MaxClaim is the largest ClaimParams.Limit a store accepts.
	MaxClaim = 1000
)

// CaseStore keeps cases and their audit trails. It is safe for concurrent
// use; every method is one transaction. CreateCase and ApplyTransition
// expand messages addressed to subscribers (see SubscribersOf) in that
// transaction; an expanded id or key already in use is ErrDuplicate.
type CaseStore interface {
	// CreateCase writes a new case (Version 1), its first events, its
	// submission (if any), its outbox messages and its timers, all or
	// nothing. Events get Seq 1, 2, ... in the order given.
	//
	// With a submission that names files (Submission.Files), it links
	// each named attachment to the case and submission (CaseID,
	// SubmissionID, and UpdatedAt set to the case's CreatedAt). An
	// attachment that is unknown or already linked to a case returns
	// ErrInvalidArgument naming its id, and nothing is written.
	//
	// A case id, submission id or message id or idempotency key already
	// in use returns ErrDuplicate. With a RequestKey already used for the
	// same request (every field equal, see CreateCaseParams.Fingerprint),
	// it writes nothing and returns the stored case: the retry of a request
	// whose answer was lost. The key used for any other request returns
	// ErrDuplicate.
	CreateCase(ctx context.Context, p CreateCaseParams) (Case, error)

	// ApplyTransition changes a case only if its stored version equals
	// p.ExpectedVersion, else it returns ErrConflict and writes nothing.
	// In one transaction it sets the new state and fields, appends the
	// events (numbered after the last), writes the messages, upserts
	// SetTimers by name and deletes CancelTimers, and adds one to the
	// version.
	//
	// With a RequestKey, a retry of the same request (every field equal,
	// see TransitionParams.Fingerprint) returns the first result with
	// Replayed set and writes nothing; the key used for a request that
	// differs in anything (payload, comment, update, messages, timers...)
	// returns ErrDuplicate. An unknown case returns ErrNotFound.
	//
	// A commit whose answer is lost (the connection broke after the
	// statement was sent) is ambiguous: the error, often ErrUnavailable,
	// cannot say whether it was written. Retrying with the same RequestKey
	// is safe: the store answers from the first result if there is one.
	ApplyTransition(ctx context.Context, p TransitionParams) (TransitionResult, error)

	// GetCase returns the case with the id, or ErrNotFound.
	GetCase(ctx context.Context, id string) (Case, error)

	// ListCases returns one page of the cases matching q, in the stable
	// order q.Order names, and a cursor for the next page (empty on the
	// last). Keyset pagination: cases created or changed between pages
	// never make a page skip or repeat a case that kept its sort key.
	ListCases(ctx context.Context, q CaseQuery) (CasePage, error)

	// CountCasesByState counts the cases matching f (Cursor, Limit and
	// Order ignored) per state. States with no case are absent.
	CountCasesByState(ctx context.Context, f CaseQuery) (map[string]int64, error)

	// ListEvents returns the case's events in Seq order. An unknown case
	// returns ErrNotFound.
	ListEvents(ctx context.Context, caseID string) ([]Event, error)
}

// SubmissionStore reads submissions. Submissions are written by
// CaseStore.CreateCase together with their case, and come back with their
// Files in the order given.
type SubmissionStore interface {
	// GetSubmission returns the submission with the id, or ErrNotFound.
	GetSubmission(ctx context.Context, id string) (Submission, error)
	// ListSubmissions returns the submissions of a case, oldest first.
	ListSubmissions(ctx context.Context, caseID string) ([]Submission, error)
}

// Outbox keeps messages waiting for delivery. Delivery is at least once:
// a message whose lease expires before it is marked becomes claimable
// again. EnqueueMessages expands messages addressed to subscribers (see
// SubscribersOf) in its transaction; an expanded id or key already in use
// is ErrDuplicate.
type Outbox interface {
	// EnqueueMessages writes messages not tied to a transition, all or
	// nothing. A message id or idempotency key already in use returns
	// ErrDuplicate.
	EnqueueMessages(ctx context.Context, msgs []Message) error

	// ClaimMessages leases up to p.Limit pending messages that are due
	// (NextAttemptAt <= p.Now) and not leased (no owner, or lease expired
	// at p.Now), oldest due first. Each claimed message gets the owner, a
	// lease until p.Now+p.Lease and one more attempt. Concurrent claimers
	// never receive the same message while its lease holds.
	ClaimMessages(ctx context.Context, p ClaimParams) ([]Message, error)

	// MarkMessage records the outcome of a delivery attempt by the lease
	// owner and clears the lease. A message leased by another owner (its
	// lease expired and was claimed again) returns ErrConflict; an unknown
	// message ErrNotFound.
	MarkMessage(ctx context.Context, p MarkParams) error

	// GetMessage returns the message with the id, or ErrNotFound.
	GetMessage(ctx context.Context, id string) (Message, error)

	// ListMessages returns the messages of a case in creation order (then
	// id).
	ListMessages(ctx context.Context, caseID string) ([]Message, error)
}

// TimerStore keeps case timers, written and cancelled by CreateCase and
// ApplyTransition and fired by timer workers.
type TimerStore interface {
	// ClaimTimers leases up to p.Limit timers that are due (DueAt <=
	// p.Now) and not leased at p.Now, earliest first, as ClaimMessages
	// does.
	ClaimTimers(ctx context.Context, p ClaimParams) ([]Timer, error)

	// CompleteTimer deletes a timer its owner has fired. A timer leased by
	// another owner returns ErrConflict; a missing one (cancelled by a
	// transition meanwhile) ErrNotFound.
	CompleteTimer(ctx context.Context, caseID, name, owner string) error

	// ListTimers returns the timers of a case ordered by name.
	ListTimers(ctx context.Context, caseID string) ([]Timer, error)
}

// DraftStore keeps partly filled forms for save and resume.
type DraftStore interface {
	// SaveDraft writes the draft, replacing one with the same TokenHash.
	SaveDraft(ctx context.Context, d Draft) error
	// GetDraft returns the draft with the token hash unless it expired at
	// now; missing and expired drafts both return ErrNotFound.
	GetDraft(ctx context.Context, tokenHash string, now time.Time) (Draft, error)
	// ListDrafts returns a subject's drafts not expired at now, most
	// recently updated first, whatever their SubjectIssuer: forms.Drafts
	// keeps those of the caller's issuer.
	ListDrafts(ctx context.Context, subject string, now time.Time) ([]Draft, error)
	// DeleteDraft removes a draft; a missing one returns ErrNotFound.
	DeleteDraft(ctx context.Context, tokenHash string) error
	// DeleteExpiredDrafts removes drafts expired at now and says how many.
	// A zero now is ErrInvalidArgument: it is a caller's bug, not a time.
	DeleteExpiredDrafts(ctx context.Context, now time.Time) (int64, error)
}

// Store is everything the SDK keeps: what memory, sqlite and postgres
// implement, and what adaptertest.RunStoreTests checks.
type Store interface {
	CaseStore
	SubmissionStore
	Outbox
	TimerStore
	DraftStore
	AttachmentStore
	PeopleStore
	SubscriptionStore
	UpdateStore
	CommentStore
	SurveyStore
	IdeaStore
	MeetingStore
	ConversationStore
	ReplyQueue
	// Close releases what the store owns. Later calls return ErrClosed.
	// Close never closes a database handle the caller passed in.
	Close() error
}

// DefaultRequestKeyTTL is how long a request key is kept by default: a
// retry later than this may be applied again. See RequestKeys.
const DefaultRequestKeyTTL = 24 * time.Hour

// RequestKeys is an optional capability of a Store: reading what a request
// key answered, and purging keys past their time. Callers type-assert a
// Store to it; without it keys are kept for ever and a caller cannot look
// an answer up.
//
// A key's time is the time of the request that used it first:
// TransitionParams.At or the new case's CreatedAt. Stores never read a
// clock.
type RequestKeys interface {
	// RequestResult returns what the request made with key answered, with
	// Replayed set: for ApplyTransition its first result, for CreateCase
	// the case as stored now and no events. An unknown or purged key
	// returns ErrNotFound.
	RequestResult(ctx context.Context, key string) (TransitionResult, error)

	// DeleteExpiredRequestKeys forgets the request keys whose time is
	// before the given time and says how many. It deletes in small
	// batches, each its own short transaction that skips keys a running
	// write holds, so writes are never kept waiting. A zero time is
	// ErrInvalidArgument.
	DeleteExpiredRequestKeys(ctx context.Context, before time.Time) (int64, error)
}

// CaseStats is an optional capability: service metrics computed inside
// the store (SQL aggregates, not by loading every case). Callers type-assert
// a Store to it and fall back when it is absent or returns
// ErrNotImplemented.
type CaseStats interface {
	// CaseStats returns metrics for the cases matching q.
	CaseStats(ctx context.Context, q StatsQuery) (Stats, error)
}

// StatsQuery selects the cases CaseStats measures. Zero fields do not
// filter.
type StatsQuery struct {
	// Type restricts to one case type.
	Type string
	// OpenedFrom and OpenedTo restrict to cases created in [From, To).
	OpenedFrom, OpenedTo time.Time
	// Now is the time past-due open cases are measured against.
	Now time.Time
}

// Stats are service metrics over a set of cases.
type Stats struct {
	// Total counts the cases; Closed the closed ones among them.
	Total, Closed int64
	// OpenByState counts the open cases per state.
	OpenByState map[string]int64
	// ByChannel counts the cases per intake channel.
	ByChannel map[string]int64
	// MedianTimeToClose and P90TimeToClose are nearest-rank percentiles
	// (see Percentile; SQL's percentile_disc) of CreatedAt to ClosedAt
	// over the closed cases, zero when none closed.
	MedianTimeToClose, P90TimeToClose time.Duration
	// Breached counts cases that had a due time and were closed after it,
	// or are still open past it at Now.
	Breached int64
}

// CreateCaseParams is what CaseStore.CreateCase writes.
type CreateCaseParams struct {
	// Case is the new case; the store sets Version to 1. Case.UpdatedAt
	// defaults to Case.CreatedAt.
	Case Case
	// Submission, when its ID is not empty, is stored with the case; its
	// CaseID defaults to the case's id.
	Submission Submission
	// Events are the first events (at least one, usually "opened").
	Events []Event
	// Messages are outbox messages to write with the case.
	Messages []Message
	// Timers are timers to set on the case.
	Timers []Timer
	// RequestKey is an optional idempotency key for the request, kept
	// for a limited time (see RequestKeys).
	RequestKey string
}

// CaseUpdate lists the case fields a transition changes; nil fields keep
// their value.
type CaseUpdate struct {
	Team     *string
	Assignee *string
	// Due set to the zero time clears it.
	Due *time.Time
	// Data replaces the case's data when not nil.
	Data json.RawMessage
	// Closed true sets ClosedAt to the transition's time; false clears it.
	Closed *bool
}

// TransitionParams is what CaseStore.ApplyTransition writes.
type TransitionParams struct {
	// CaseID names the case; ExpectedVersion is the version the caller
	// read (at least 1).
	CaseID          string
	ExpectedVersion int64
	// State is the new state (may equal the current one).
	State string
	// Update lists the other fields to change.
	Update CaseUpdate
	// At is when the transition happened; it becomes UpdatedAt.
	At time.Time
	// Events to append (at least one); their CaseID defaults to CaseID.
	Events []Event
	// Messages to write; their CaseID defaults to CaseID.
	Messages []Message
	// SetTimers are upserted by name; their CaseID defaults to CaseID.
	SetTimers []Timer
	// CancelTimers names timers to delete; missing names are ignored.
	CancelTimers []string
	// RequestKey is an optional idempotency key for the request, kept
	// for a limited time (see RequestKeys).
	RequestKey string
}

// TransitionResult is what ApplyTransition did.
type TransitionResult struct {
	// Case is the case as the transition left it.
	Case Case
	// Events are the events the transition appended, with their Seq.
	Events []Event
	// Replayed reports a retry answered from the first result: nothing
	// was written.
	Replayed bool
}

// Order names a stable sort order for ListCases.
type Order string

// The orders ListCases supports.
const (
	// OrderOpened sorts by CreatedAt, then ID (the default).
	OrderOpened Order = "opened"
	// OrderDue sorts by Due, then ID, and lists only cases that have a due
	// time: the shape of a work queue.
	OrderDue Order = "due"
)

// CaseQuery filters and pages ListCases. Zero fields do not filter. Its
// times, like every time a store compares, count as StoredTime(t).
type CaseQuery struct {
	Type  string
	State string
	// Submitter keeps cases whose submitter's subject equals it. Two
	// identity providers can issue the same subject, so a resident's
	// "my cases" query sets SubmitterIssuer too.
	Submitter string
	// SubmitterIssuer keeps cases whose submitter's issuer equals it;
	// empty does not filter. A case stored without an issuer (one written
	// before issuers were kept) matches no SubmitterIssuer.
	SubmitterIssuer string
	Team            string
	Assignee        string
	// DueBefore keeps cases due strictly before it.
	DueBefore time.Time
	// OpenedFrom and OpenedTo keep cases created in [OpenedFrom, OpenedTo).
	OpenedFrom, OpenedTo time.Time
	// Order is the sort order; empty means OrderOpened.
	Order Order
	// Limit is the page size: 0 means DefaultPageSize; above MaxPageSize
	// or negative is ErrInvalidArgument.
	Limit int
	// Cursor is the NextCursor of the previous page, or empty.
	Cursor string
}

// CasePage is one page of ListCases.
type CasePage struct {
	Cases []Case
	// NextCursor continues the listing; empty on the last page.
	NextCursor string
}

// ClaimParams drives ClaimMessages and ClaimTimers.
type ClaimParams struct {
	// Owner identifies the claiming worker; it must not be empty.
	Owner string
	// Limit is how many to claim at most: 1..MaxClaim.
	Limit int
	// Now is the time due-ness and leases are judged at.
	Now time.Time
	// Lease is how long the claim holds; it must be positive.
	Lease time.Duration
}

// MarkParams records the outcome of a delivery attempt.
type MarkParams struct {
	// ID is the message; Owner the worker holding its lease.
	ID    string
	Owner string
	// Status is MessageSent, MessageDelivered, MessageFailed (give up
	// after a permanent failure), MessageDead (give up after too many
	// attempts), or MessagePending (retry at RetryAt).
	Status MessageStatus
	// At is when the outcome happened (SentAt for MessageSent and
	// MessageDelivered).
	At time.Time
	// RetryAt is the next attempt, for MessagePending.
	RetryAt time.Time
	// Error is the attempt's error, kept as LastError.
	Error string
	// ProviderID, Via and Address are kept as the message's fields of
	// those names: the provider's id, the channel used and the address
	// sent to. Empty values clear them.
	ProviderID, Via, Address string
	// Release, only with MessagePending, reports that the claimer did not
	// attempt delivery (it is shutting down, or the message waits for
	// quiet hours to end): the store takes back the attempt the claim
	// counted, so Attempts counts real attempts.
	Release bool
}

// AttachmentStore keeps the records of uploaded files (the bytes are in a
// blob bucket). Every method is one transaction. CaseStore.CreateCase
// links the attachments a submission names (Submission.Files) to the new
// case in its own transaction; no other method links or unlinks them.
type AttachmentStore interface {
	// PutAttachment records a new attachment, not yet linked to a case
	// (see Attachment.Validate: a linked one is ErrInvalidArgument). An
	// empty Status is stored as AttachmentQuarantined and a zero
	// UpdatedAt as CreatedAt. An ID already recorded is ErrDuplicate.
	PutAttachment(ctx context.Context, a Attachment) error
	// GetAttachment returns the attachment with the id, or ErrNotFound.
	GetAttachment(ctx context.Context, id string) (Attachment, error)
	// ListAttachments returns a case's attachments, oldest first (ties
	// by id); none for an unknown case.
	ListAttachments(ctx context.Context, caseID string) ([]Attachment, error)
	// UpdateAttachment records a scan's outcome: it replaces Status,
	// Reason and PublicKey and sets UpdatedAt to u.At. An unknown id is
	// ErrNotFound.
	UpdateAttachment(ctx context.Context, u AttachmentUpdate) error
	// ListAttachmentsByStatus returns up to limit (1..MaxPageSize)
	// attachments in the status, oldest first (ties by id): the scan's
	// work list.
	ListAttachmentsByStatus(ctx context.Context, status AttachmentStatus, limit int) ([]Attachment, error)
	// ListOrphanAttachments returns up to limit (1..MaxPageSize)
	// attachments that no submission names (no case) and that were
	// created strictly before the time, oldest first (ties by id):
	// uploads never submitted. A zero time is ErrInvalidArgument.
	ListOrphanAttachments(ctx context.Context, before time.Time, limit int) ([]Attachment, error)
	// DeleteAttachment removes a record, linked or not; an unknown id is
	// ErrNotFound.
	DeleteAttachment(ctx context.Context, id string) error
}
