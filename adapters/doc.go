// Package adapters holds the contracts between civickit's domain packages
// (forms, workflow, identity, feedback) and the storage and delivery
// back ends that vendors choose: the records the SDK stores, the small
// interfaces that persist them, and one fixed set of sentinel errors. It
// also holds the few values two domain packages must agree on without
// importing each other, such as Assurance, the identity assurance level
// identity establishes and workflow checks. Records that name a person
// keep the issuer beside the subject (Case.SubmitterIssuer,
// Submission.SubmitterIssuer, Draft.SubjectIssuer, Attachment.OwnerIssuer):
// the two together are the stable key.
//
// The package imports only the standard library, so depending on the
// contracts costs a vendor nothing. Implementations live in sub-packages:
// memory (tests and prototypes), sqlite (the embedded default) and postgres
// (production). Any implementation, a vendor's own included, proves itself
// by running the conformance suite in adapters/adaptertest from its tests.
//
// # Contracts
//
// Every store method is one transaction: it either does all of what its
// documentation says or nothing at all. Methods take a context first and a
// params struct where they need more than two things. Stores never read a
// clock: every time a store records or compares arrives in the params, so
// the domain packages own the clock and tests stay deterministic. Stores
// keep times in UTC, truncated to the microsecond.
//
// Identifiers (case, submission, message and attachment ids) are chosen
// by the caller; event sequence numbers and case versions are assigned by
// the store.
//
// An uploaded file is recorded as an Attachment (AttachmentStore) before
// any case exists, quarantined until its scan says otherwise; its bytes
// stay in a blob bucket. The submission that opens a case names its files
// (Submission.Files) and CreateCase links each to the case in the same
// transaction, refusing the whole call with ErrInvalidArgument if one is
// unknown or already linked. Uploads never submitted are found with
// ListOrphanAttachments and the scan's work with ListAttachmentsByStatus.
//
// Comments (CommentStore) sit on a thread, any Topic: a case, an idea, an
// agenda item. They are soft-deleted, never removed; each edit keeps the
// body it replaced, and every flag, hide, restore, delete and edit writes
// a ModerationAction in its own transaction. Bodies, reasons and names are
// bounded in runes (MaxCommentRunes, MaxReasonRunes, MaxAuthorNameRunes).
// A closed case's satisfaction survey has at most one SurveyResponse
// (SurveyStore), and SurveyStats tallies them per service type inside the
// store. An Idea is a case of its own workflow with its text beside it
// (IdeaStore); each principal supports it at most once, the count kept in
// the same transaction as the support.
// Public bodies meet (MeetingStore): a meeting's agenda is published with
// its notifications in one transaction, and the store itself refuses a
// written comment or speaker signup at or after its item's deadline (a
// *DeadlineError, which is ErrInvalidArgument), so no race with the clock
// lets one in.
// A form answered over SMS keeps its Conversation per channel address
// (ConversationStore), saved over its version with its outgoing messages
// in one transaction; a reply no case is found for is held for staff
// (ReplyQueue, see HandReply), never dropped.
//
// A RequestKey on CreateCase or ApplyTransition stands for the whole
// request (see the params' Fingerprint): a retry with every field equal
// (the clock's stamps aside) answers with the first result and writes
// nothing; the key with anything else changed is ErrDuplicate. It is what
// makes retrying a write whose answer was lost safe. Stores offering the
// optional RequestKeys capability say what a key answered and forget keys
// past their time (workflow purges them after 24 hours by default).
// CaseStats is another optional capability, and so are OutboxBatch (many
// delivery outcomes marked in one round trip) and DeliveryReceipts (a
// provider's later word moving a sent message to delivered or failed).
//
// An outbox message's stored Status is pending, sent, delivered, failed or
// dead; Message.DeliveryState derives what people call it (queued,
// sending, sent, delivered, failed-temporary, failed-permanent, dead)
// from the status, the lease and the last error.
//
// # Errors
//
// Every implementation translates its back end's errors into the sentinel
// errors below, wrapped once with %w and the call's details, so callers test
// them with errors.Is:
//
//   - ErrNotFound: the record does not exist.
//   - ErrConflict: the stored version differs from the expected one, or a
//     lease is held by another owner. Nothing was written.
//   - ErrDuplicate: an id or idempotency key is already used by a different
//     request. Nothing was written.
//   - ErrInvalidArgument: the arguments break the contract (empty id,
//     negative or oversized page, malformed cursor). Nothing was written.
//   - ErrNotImplemented: an optional capability the implementation lacks.
//   - ErrClosed: the store was closed.
//   - ErrUnavailable: the back end cannot answer now (busy, read-only,
//     connection lost); retry, with a request key where a lost answer
//     would make the retry ambiguous.
//
// # Concurrency
//
// Every store is safe for concurrent use by multiple goroutines and, for
// the SQL implementations, by multiple processes sharing one database.
// Optimistic concurrency protects cases (the expected version); leases
// protect outbox messages and timers, so any number of workers may claim
// from the same queues without doing the same work twice while a lease
// holds.
package adapters
