// Package feedback is where civickit's two-way engagement lives: comments
// and official updates on cases, subscriptions, notifications delivered
// through the outbox (adapters.Outbox), surveys, ideas and moderation.
//
// Surveys ask residents how satisfied they are when their case closes:
// its OnClose hook (workflow.EngineConfig.OnClose) writes the survey
// message in the same store call as the closing, the message carries a
// link sealed with the key ring, and Handler serves the form that records
// one answer per case. KPIs joins the workflow's metrics with the
// answers, per service type and month.
//
// Ideas lets residents propose ideas and support them, one support per
// principal, while staff move each idea, a case of type IdeaType, through
// its own workflow (IdeaDefinition) with the engine.
//
// # Errors
//
// Calls return the adapters sentinel errors wrapped with their details,
// and typed errors where a caller acts on them: ErrInvalidToken and
// ErrAlreadyAnswered (which comes with adapters.ErrDuplicate) for survey
// links, *AnswerError (adapters.ErrInvalidArgument) for answers out of
// bounds, ErrAnonymous for supports and proposals without a principal,
// and *workflow.DeniedError for refused staff moves. A call that returns
// one of them wrote nothing.
//
// # Concurrency
//
// Surveys and Ideas are safe for concurrent use; their stores keep one
// answer per case and one support per principal however many requests
// race.
package feedback
