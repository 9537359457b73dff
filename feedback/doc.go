// Package feedback is where civickit's two-way engagement lives: comments
// and official updates on cases, subscriptions, notifications delivered
// through the outbox (adapters.Outbox), surveys, ideas and moderation.
//
// Notifications are written to the outbox atomically with the case
// changes that cause them (see adapters.CaseStore.ApplyTransition), and
// any worker can deliver them with adapters.Outbox.ClaimMessages and
// MarkMessage. Subscriptions lets people follow topics, and Updates posts
// official updates to a topic's followers: a message addressed to
// adapters.SubscribersOf(topic) that the store expands into one message
// per follower in the same transaction.
//
// # Errors
//
// Methods return the adapters sentinel errors (ErrInvalidArgument,
// ErrNotFound, ErrDuplicate, ...) wrapped once with the call's details,
// e.g. `feedback: unfollow "area:ward-3": memory: ...: not found`; test for
// them with errors.Is.
//
// # Concurrency
//
// Subscriptions and Updates are safe for concurrent use.
package feedback
