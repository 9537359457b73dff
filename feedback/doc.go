// Package feedback is where civickit's two-way engagement lives: comments
// and official updates on cases, subscriptions, notifications delivered
// through the outbox (adapters.Outbox), surveys, ideas and moderation.
//
// Notifications are written to the outbox atomically with the case changes
// that cause them (see adapters.CaseStore.ApplyTransition). A Dispatcher
// delivers them: it claims due messages, picks each recipient's channel
// from their preferences, consents, opt-outs and quiet hours
// (adapters.PeopleStore), renders them with a Renderer, sends them through
// adapters.Channel implementations, and records each outcome, retrying
// temporary failures with backoff. See Dispatcher for the rules.
//
// # Errors
//
// Configuration problems are reported by DispatcherConfig.Validate, every
// one of them joined. A message's own failures are recorded on the
// message (its Status and LastError), never returned; Dispatcher methods
// return the store's errors wrapped with "feedback: ...".
//
// # Concurrency
//
// A Dispatcher is safe for concurrent use; any number of dispatchers in
// any number of processes may share one outbox. Run stops on its
// context, finishing sends in flight and releasing what it holds.
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
