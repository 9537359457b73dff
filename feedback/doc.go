// Package feedback is where civickit's two-way engagement lives: comments
// and official updates on cases, subscriptions, notifications delivered
// through the outbox (adapters.Outbox), surveys, ideas and moderation.
//
// Comments is the comment and moderation service: public and internal
// comments on cases, ideas and agenda items, edits with their history,
// soft deletes, flags, a pluggable ContentCheck, rate limits, and hides
// and restores by moderators, all kept by an adapters.CommentStore. It
// takes who acts as a plain Author value the caller builds from its own
// principal, so feedback imports no identity code.
//
// Notifications are written to the outbox atomically with the case
// changes that cause them (see adapters.CaseStore.ApplyTransition), and
// any worker can deliver them with adapters.Outbox.ClaimMessages and
// MarkMessage.
//
// # Errors
//
// Comments returns ErrAnonymous, ErrForbidden, ErrRateLimited (as
// *RateLimitError), ErrRejected (as *RejectedError), and ErrTooLong or
// ErrEmpty (as *InputError); the last three also match
// adapters.ErrInvalidArgument, so an HTTP layer maps them with the store's
// own errors (adapters.ErrNotFound, ErrConflict, ErrDuplicate), which
// pass through wrapped.
//
// # Concurrency
//
// Comments is safe for concurrent use. Its rate limit is counted in the
// store, so it holds across processes sharing one, but is approximate:
// adds racing each other may pass the limit together.
package feedback
