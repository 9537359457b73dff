// Package feedback is civickit's two-way engagement: residents hear back on
// the channel they prefer and can answer, officials share progress, the
// city measures satisfaction, and nobody is messaged after opting out.
//
// The parts, each a small service over its store contract in adapters:
//
//   - Dispatcher delivers the outbox. Notifications are written to the
//     outbox atomically with the changes that cause them (see
//     adapters.CaseStore.ApplyTransition); any number of dispatchers, in
//     any number of processes, claim due messages under a lease, pick each
//     recipient's channel from their preferences, consents, opt-outs and
//     quiet hours (adapters.PeopleStore), render them with a Renderer, send
//     them through adapters.Channel, record each outcome in batches, and
//     retry temporary failures with exponential backoff and full jitter.
//     Delivery is at least once; the idempotency key travels to the
//     channel.
//   - Templates (LoadTemplates) is the Renderer: text/template for text
//     channels, html/template for HTML email, placeholders checked at load
//     against the fields each message's data supplies, personal data
//     redacted on channels not allowed to carry it. See Templates below.
//   - Preferences records people's channels, consents, opt-outs and
//     opt-ins; ParseOptWords reads STOP-style words (English and Spanish)
//     and free-text requests to stop; Unsubscribe serves signed one-click
//     unsubscribe links (RFC 8058). Inbound turns replies into opt-outs or
//     comments.
//   - Subscriptions lets people follow a case, a service type, an area, an
//     idea or a public body, and Updates posts official updates to a
//     topic's followers: a message addressed to adapters.SubscribersOf
//     that the store expands into one message per follower in the same
//     transaction.
//   - Comments keeps public and internal comments on cases, ideas and
//     agenda items, with edit history, soft deletes, flags, a pluggable
//     ContentCheck, rate limits counted in the store, and hides and
//     restores by moderators kept in an audit trail. Who acts is a plain
//     Author value the caller builds from its principal.
//   - Surveys asks for satisfaction when a case closes (its OnClose hook
//     goes in workflow.EngineConfig.OnClose, so the survey is written with
//     the closing), through a link sealed with the key ring, one answer per
//     case; KPIs joins the answers with the workflow's metrics per service
//     type and month.
//   - Ideas lets residents propose and support ideas, one support per
//     principal, while staff move each idea through its own workflow
//     (IdeaDefinition) with the engine.
//   - Meetings runs public comment for a public body's meetings: agendas
//     published to the body's followers, written comment and speaker
//     signups before each item's deadline, moderation and minutes.
//     Deadlines are instants; MeetingView shows them in the body's zone.
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
// DefaultTemplates holds the SDK's own notifications (opt-out and opt-in
// confirmations, official updates, surveys, agendas, idea updates) in
// English and Spanish for email and sms; Overlay layers a program's
// files over them.
//
// # Errors
//
// Methods return the adapters sentinel errors (ErrInvalidArgument,
// ErrNotFound, ErrConflict, ErrDuplicate, ...) wrapped once with the
// call's details; test for them with errors.Is. Where a caller acts on
// the details there are typed errors, each matching a sentinel of this
// package and, where natural, one of adapters:
//
//   - Comments: ErrAnonymous, ErrForbidden, ErrRateLimited
//     (*RateLimitError), ErrRejected (*RejectedError), ErrTooLong and
//     ErrEmpty (*InputError, also adapters.ErrInvalidArgument).
//   - Surveys: ErrInvalidToken, ErrAlreadyAnswered (also
//     adapters.ErrDuplicate), *AnswerError (adapters.ErrInvalidArgument).
//   - Ideas: ErrAnonymous, and *workflow.DeniedError for refused moves.
//   - Meetings: ErrDeadlinePassed, ErrNotOpen, ErrNameRequired,
//     ErrCommentEmpty, ErrCommentTooLong, ErrNoSpeakers (all
//     adapters.ErrInvalidArgument) and ErrAlreadySignedUp
//     (adapters.ErrDuplicate).
//   - Templates: LoadTemplates reports every problem of a set at once,
//     each a *TemplateError (adapters.ErrInvalidArgument); Render wraps
//     ErrNoTemplate for a template or channel the set lacks.
//   - Inbound: ErrUnrouted (adapters.ErrNotFound) for a reply no case can
//     be found for.
//
// A call that returns an error wrote nothing. A message's own delivery
// failures are recorded on the message (its Status and LastError), never
// returned by the Dispatcher.
//
// # Concurrency
//
// Every service here is safe for concurrent use, and so is a loaded
// *Templates. Races are settled by the stores' transactions: one survey
// answer per case, one support per principal, one speaker signup per
// person and item, one flag per flagger, a comment racing its deadline.
// Any number of Dispatchers may share one outbox; Run stops on its
// context, finishing sends in flight and releasing what it holds. The
// comment rate limit is counted in the store, so it holds across
// processes, but adds racing each other may pass it together.
package feedback
