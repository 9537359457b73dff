package adapters

import (
	"encoding/json"
	"time"
)

// Case is one resident's matter moving through a workflow: a permit
// application, a 311 report, a benefits claim.
//
// Optional times use the zero time for "not set"; stores keep them as NULL.
type Case struct {
	// ID is chosen by the caller and unique across the store.
	ID string
	// Type names the workflow definition, e.g. "pothole" or "building-permit".
	Type string
	// DefinitionVersion is the version of the workflow definition the case
	// was opened with; a running case stays on it.
	DefinitionVersion int
	// State is the current workflow state.
	State string
	// Version is assigned by the store: 1 after creation, plus one for
	// every applied transition. Callers pass it back as the expected
	// version of their next transition.
	Version int64
	// Submitter is the identity subject of the resident the case is for;
	// empty for anonymous reports.
	Submitter string
	// SubmitterIssuer is the identity issuer of Submitter: the two
	// together are the resident's stable key. Empty when unknown.
	SubmitterIssuer string
	// Team is the team or queue that owns the case in its current state.
	Team string
	// Assignee is the subject of the staff member working the case.
	Assignee string
	// Channel is how the case came in: "web", "sms", "phone", "counter",
	// "paper", "open311", ...
	Channel string
	// Due is when the current state's service level expires (zero: none).
	Due time.Time
	// Data is the case's JSON document (a JSON object or null).
	Data json.RawMessage
	// CreatedAt is when the case was opened.
	CreatedAt time.Time
	// UpdatedAt is when the case last changed.
	UpdatedAt time.Time
	// ClosedAt is when the case reached a closed state (zero: still open).
	ClosedAt time.Time
}

// Event is one entry of a case's audit trail. Events are never changed or
// deleted.
type Event struct {
	// CaseID is the case the event belongs to.
	CaseID string
	// Seq is assigned by the store: 1, 2, 3, ... per case, with no gaps.
	Seq int64
	// Kind says what happened: "opened", "transition", "assigned", ...
	Kind string
	// FromState and ToState are the states before and after the event.
	FromState string
	ToState   string
	// Trigger is the workflow trigger that caused the event, if any.
	Trigger string
	// Actor is the subject of who caused the event ("system" for timers).
	Actor string
	// At is when the event happened.
	At time.Time
	// Comment is free text attached by the actor.
	Comment string
	// Payload is the event's JSON data, e.g. a validated action form.
	Payload json.RawMessage
}

// Submission is what a resident submitted through a form, pinned to the
// exact form version it was validated against.
type Submission struct {
	// ID is chosen by the caller and unique across the store.
	ID string
	// CaseID is the case the submission opened or was attached to.
	CaseID string
	// FormID and FormVersion identify the form definition.
	FormID      string
	FormVersion int
	// FormHash is the content hash of the form definition.
	FormHash string
	// Data is the validated JSON document.
	Data json.RawMessage
	// Submitter is the identity subject of the resident; empty when
	// anonymous.
	Submitter string
	// SubmitterIssuer is the identity issuer of Submitter; empty when
	// unknown.
	SubmitterIssuer string
	// Channel is how the submission arrived ("web", "sms", "open311", ...).
	Channel string
	// SubmittedAt is when the submission was received.
	SubmittedAt time.Time
	// Files are the uploaded files the submission refers to, in form
	// order. CreateCase links each (an Attachment without a case yet) to
	// the new case in the same store call.
	Files []FileRef
}

// MessageStatus is the delivery state of an outbox message.
type MessageStatus string

// The delivery states of an outbox message.
const (
	// MessagePending messages wait for delivery (first try or a retry).
	MessagePending MessageStatus = "pending"
	// MessageSent messages were delivered; they are never claimed again.
	MessageSent MessageStatus = "sent"
	// MessageFailed messages failed for good (a permanent failure on
	// every channel, or a receipt saying so); they are never claimed
	// again. DeliveryState calls this DeliveryFailedPermanent.
	MessageFailed MessageStatus = "failed"
	// MessageDelivered messages are known to have arrived (the channel
	// said so, or a receipt did); they are never claimed again.
	MessageDelivered MessageStatus = "delivered"
	// MessageDead messages ran out of attempts on temporary failures;
	// they are never claimed again.
	MessageDead MessageStatus = "dead"
)

// Message is an outbox entry: a notification to deliver at least once,
// written in the same transaction as the change it announces.
type Message struct {
	// ID is chosen by the caller and unique across the store.
	ID string
	// CaseID is the case the message is about; empty for messages not tied
	// to a case.
	CaseID string
	// Channel is a hint for the dispatcher: "email", "sms", "letter", ...
	Channel string
	// Recipient is an address or identity subject, as the channel needs.
	Recipient string
	// Template names the message template to render.
	Template string
	// Locale is the BCP 47 language tag to render in.
	Locale string
	// Data is the JSON the template renders.
	Data json.RawMessage
	// IdempotencyKey is unique across the store and travels with the
	// message so receivers can drop duplicates.
	IdempotencyKey string
	// Status is the delivery state; new messages are MessagePending.
	Status MessageStatus
	// Attempts counts claims: the store adds one each time the message is
	// claimed.
	Attempts int
	// NextAttemptAt is when the message becomes due (zero: at once).
	NextAttemptAt time.Time
	// LastError is the error of the last failed attempt.
	LastError string
	// LeaseOwner and LeaseExpiresAt describe the current claim, if any.
	LeaseOwner     string
	LeaseExpiresAt time.Time
	// CreatedAt is when the message was written.
	CreatedAt time.Time
	// SentAt is when the message was marked sent (or delivered).
	SentAt time.Time
	// ProviderID is the provider's id for the message as Sent reported
	// it; receipts find the message by Via and ProviderID.
	ProviderID string
	// Via is the channel the last attempt used ("email", "sms"), which
	// may differ from the Channel hint; Address is the address it went
	// to. Both are empty until an attempt is marked.
	Via, Address string
}

// Timer fires a workflow trigger on a case at a due time: SLA reminders,
// escalations, auto-close. A case has at most one timer of each name.
type Timer struct {
	// CaseID and Name identify the timer.
	CaseID string
	Name   string
	// DueAt is when the timer becomes due.
	DueAt time.Time
	// Trigger is the workflow trigger to fire.
	Trigger string
	// LeaseOwner and LeaseExpiresAt describe the current claim, if any.
	LeaseOwner     string
	LeaseExpiresAt time.Time
}

// Draft is a partly filled form saved so a resident can resume it later.
// Only the hash of the resume token is stored.
type Draft struct {
	// TokenHash is the hash of the resume token; it identifies the draft.
	TokenHash string
	// FormID and FormVersion identify the form definition.
	FormID      string
	FormVersion int
	// Subject is the identity subject of a signed-in resident; empty for
	// anonymous drafts.
	Subject string
	// SubjectIssuer is the identity issuer of Subject; empty when unknown.
	SubjectIssuer string
	// Step is the form step the resident was on.
	Step string
	// Data is the JSON of the values entered so far (possibly sealed).
	Data json.RawMessage
	// CreatedAt and UpdatedAt are when the draft was first and last saved.
	CreatedAt time.Time
	UpdatedAt time.Time
	// ExpiresAt is when the draft stops being resumable.
	ExpiresAt time.Time
}

// FileRef is how a submission names one of its files: the attachment's id
// and what a reader may check the bytes against.
type FileRef struct {
	// ID is the attachment's id, chosen by the file store, unique.
	ID string
	// Field is the dotted path of the form field the file answers
	// ("photos", "members.2.proof").
	Field string
	// Name is the cleaned file name the resident sent: a label only,
	// never a path.
	Name string
	// Type is the media type sniffed from the content ("image/jpeg"),
	// never the client's word.
	Type string
	// Size is the length of the original bytes.
	Size int64
	// SHA256 is the lowercase hex SHA-256 of the original bytes.
	SHA256 string
}

// AttachmentStatus is where a file is in its scan.
type AttachmentStatus string

// The scan states of an attachment.
const (
	// AttachmentQuarantined files wait for the scan; nobody may read them.
	AttachmentQuarantined AttachmentStatus = "quarantined"
	// AttachmentClean files passed the scan.
	AttachmentClean AttachmentStatus = "clean"
	// AttachmentRejected files failed the scan; their bytes are removed.
	AttachmentRejected AttachmentStatus = "rejected"
)

// Attachment is the record of one uploaded file. The bytes live in a blob
// bucket under Key; the record says whose they are and whether they may be
// read.
type Attachment struct {
	FileRef
	// CaseID and SubmissionID are set, in the same store call, when a
	// submission naming the file opens a case (CreateCase); both are
	// empty while the file is not yet submitted.
	CaseID, SubmissionID string
	// Owner and OwnerIssuer are the identity of the uploader; empty when
	// anonymous.
	Owner, OwnerIssuer string
	// Status is the scan state; Reason says why a file was rejected.
	Status AttachmentStatus
	Reason string
	// Key is the blob key of the original bytes; Sealed reports that
	// they are sealed with the key ring (a field marked PII).
	Key    string
	Sealed bool
	// PublicKey is the blob key of a copy safe to show (an image
	// re-encoded without its metadata); empty when there is none.
	PublicKey string
	// CreatedAt is when the upload was stored; UpdatedAt when the record
	// last changed.
	CreatedAt, UpdatedAt time.Time
}

// AttachmentUpdate is what UpdateAttachment changes after a scan.
type AttachmentUpdate struct {
	// ID names the attachment.
	ID string
	// Status, Reason and PublicKey replace the record's.
	Status    AttachmentStatus
	Reason    string
	PublicKey string
	// At is the time of the change (UpdatedAt).
	At time.Time
}
