// Package feedback is where civickit's two-way engagement lives: comments
// and official updates on cases, subscriptions, notifications delivered
// through the outbox (adapters.Outbox), surveys, ideas and moderation.
//
// Today the package holds no API of its own: notifications are already
// written to the outbox atomically with the case changes that cause them
// (see adapters.CaseStore.ApplyTransition), and any worker can deliver
// them with adapters.Outbox.ClaimMessages and MarkMessage.
package feedback
