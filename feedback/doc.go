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
// Notifications are written to the outbox atomically with the case
// changes that cause them (see adapters.CaseStore.ApplyTransition); a
// Renderer turns each into the text of a channel, and *Templates is the
// Renderer this package provides.
//
// # Templates
//
// LoadTemplates reads a set of templates from an fs.FS, one folder per
// template, one file per channel and locale:
//
//	<template>/<channel>.<locale>.txt    the text (every version has one)
//	<template>/<channel>.<locale>.html   an HTML part (HTML email)
//
// for example survey/email.en.txt, survey/email.en.html,
// survey/sms.es.txt. Channel names are free ("email", "sms", "letter",
// "webhook", ...); locales are BCP 47 tags. A text file that starts with
// a line "Subject: ..." has a subject, the rest of the file (after blank
// lines) being the body; email and letter versions must have one.
// Markdown files and names starting with "." are skipped. Every channel
// of a template needs a version in TemplatesConfig.DefaultLocale.
//
// Placeholders name fields of the message's data, {{.title}} or, when a
// nested path is declared, {{.site.city}}. The fields a template may use
// are declared for it (TemplatesConfig.Fields; OtherFields, for example
// workflow.MessageFields, for the rest), and LoadTemplates rejects a
// placeholder outside them, naming the file, the line, the placeholder
// and the nearest declared field. Templates may use {{if}} / {{else}}
// and these functions: date and datetime (an RFC 3339 time or a
// YYYY-MM-DD date, written for the version's locale in
// TemplatesConfig.Location), upper and lower (the locale's casing), eq,
// ne, not, and, or. Nothing else: no range, with, variables, define,
// block or template, and no {{.}} that would print the whole data.
//
// Text parts are rendered with text/template and passed as they are;
// HTML parts with html/template, which escapes each value for its
// context (and LoadTemplates escapes every HTML part once, so a
// construct html/template cannot escape safely fails the load). A
// declared field missing from the data, or null, renders as empty text.
//
// Render picks the version for the asked locale: the exact tag, else
// the closest version of its language ("es-MX" gets "es", "pt" gets
// "pt-BR"), else the default locale; Rendered.Locale reports which.
//
// TemplatesConfig.PII names the data fields that are personal data
// (PIIFrom takes them from a *forms.Form's x-pii marks, through the
// PIISource interface); they render as RedactedMark on every channel
// not listed in PIIChannels (or TemplatePIIChannels for the template).
//
// DefaultTemplates holds the SDK's own notifications (OptOutTemplate,
// OptInTemplate, OfficialUpdateTemplate, SurveyTemplate) in English and
// Spanish for email and sms; Overlay layers a program's files over them.
//
// # Errors
//
// LoadTemplates reports every problem of a set at once, joined, each a
// *TemplateError wrapping adapters.ErrInvalidArgument. Render returns an
// error wrapping ErrNoTemplate for a template or channel the set does
// not hold, and one wrapping adapters.ErrInvalidArgument for data it
// cannot render (not a JSON object, too large, a date that is not one)
// or output over the limit.
//
// # Concurrency
//
// A *Templates is immutable once loaded and safe for concurrent use;
// Render may be called from any number of goroutines.
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
//
// Inbound is the adapters.ReplyHandler: a text or email a person sends
// back either changes their preferences (an opt-out or opt-in word,
// through Preferences.HandleWords) or becomes a public comment, by them,
// on the case the reply names (an outbox message id or "case:<id>").
// HELP is left to the channel's adapter, which must answer it at once. A
// reply that names no case is never guessed onto one: HandleReply returns
// ErrUnrouted and the channel's adapter keeps the reply in its review
// queue, for staff to route by hand.
//
// # Errors
//
// HandleReply returns ErrUnrouted (which matches adapters.ErrNotFound),
// adapters.ErrInvalidArgument (and *InputError for the body) for a reply
// out of bounds, and the comment service's and the store's errors; a
// call that returns one wrote nothing. Neither errors nor logs quote a
// sender's address or a body.
//
// # Concurrency
//
// Inbound is safe for concurrent use; a reply delivered twice, even at
// once, is added once (by its channel and provider id).
package feedback
