// Package feedback is where civickit's two-way engagement lives: comments
// and official updates on cases, subscriptions, notifications delivered
// through the outbox (adapters.Outbox), surveys, ideas and moderation.
//
// Notifications are written to the outbox atomically with the changes
// that cause them (see adapters.CaseStore.ApplyTransition), and any worker
// can deliver them with adapters.Outbox.ClaimMessages and MarkMessage.
//
// Public meetings are run by Meetings: a body's agenda is published to its
// subscribers (TemplateAgendaPublished, then TemplateAgendaChanged) in the
// same store call that publishes it, residents comment or sign up to speak
// before each item's deadline, and moderators publish comments with the
// minutes. Deadlines are instants; MeetingView shows them in the body's
// zone.
//
// # Errors
//
// Methods return the adapters sentinel errors wrapped with the call's
// details. Meetings adds ErrDeadlinePassed, ErrNotOpen, ErrNameRequired,
// ErrCommentEmpty, ErrCommentTooLong and ErrNoSpeakers, which wrap
// adapters.ErrInvalidArgument, and ErrAlreadySignedUp, which wraps
// adapters.ErrDuplicate.
//
// # Concurrency
//
// Meetings is safe for concurrent use; the store's transactions settle
// races (a comment racing its deadline, two signups of one person).
package feedback
