// Package feedback is where civickit's two-way engagement lives: comments
// and official updates on cases, subscriptions, notifications delivered
// through the outbox (adapters.Outbox), surveys, ideas and moderation.
//
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
package feedback
