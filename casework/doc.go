// Package casework serves a city service over HTTP at the seam of the
// other packages: a resident's form that opens a case (Intake), a staff
// work queue whose buttons move cases on (Queue), and the page of a
// case's files (Files). It joins forms (pages, posts, problems), workflow
// (cases, permitted actions), documents (uploaded files) and identity
// (the signed-in person), so that a program embedding civickit writes
// only its forms, its workflows, its branding and its routes.
//
// # Intake
//
// NewIntake returns an http.Handler for one form:
//
//   - GET draws the form as a whole page (forms.Renderer.RenderPage) in the
//     language the request asks for: the "lang" query parameter, else
//     Accept-Language. A form with steps starts on its first step.
//   - POST takes an HTML form post or a JSON body (forms.Form.ReadPost:
//     body limit, 413, 415). A refused HTML post draws the page again with
//     the values as entered and their errors (422); a refused JSON post
//     answers an RFC 9457 problem (422). A valid step before the last draws
//     the next step. A complete post opens a case of IntakeConfig.Type
//     through workflow.Engine.Open, with the submission pinned to the form
//     version, and answers 201 Created: a confirmation page with the case
//     reference, or for JSON {"id", "type", "state", "version", "createdAt"}.
//   - Each drawn page carries a random key in a hidden "_key" input, and a
//     JSON post may send an Idempotency-Key header: posting the same key
//     again (a double click, a reload, a retry) returns the case the first
//     post opened instead of opening another.
//
// # Queue
//
// NewQueue returns an http.Handler for a staff work queue mounted at
// QueueConfig.Path:
//
//   - GET Path draws one page of the cases matching QueueConfig.Query,
//     with a button for each action the signed-in staff member may take
//     now (workflow.Engine.Queue: one store read per page), and a link to
//     the next page. An action whose transition takes a payload form gets
//     no button, since a button cannot fill the form in; the JSON listing
//     (Accept: application/json) names every action the case's state
//     offers, with the denial code of those the person may not take.
//   - POST Path{case id}/{trigger} fires the trigger as that person, with
//     the case version the page showed ("version" form value): a case
//     changed since is refused with 409 and nothing is written. Success
//     redirects (303) back to the queue.
//
// Only people holding one of QueueConfig.Roles may see the queue or act
// from it (403 otherwise, 401 without a signed-in person); the workflow's
// own guards (roles, assurance) still apply to each action (403 with the
// denial code). QueueConfig.Query chooses what the page lists, not what
// may be done: an action post names its case, and the workflow's guards
// alone decide whether the person may act on it, listed or not.
//
// # Files
//
// NewFiles returns an http.Handler mounted at FilesConfig.Path: GET
// Path{case id} lists the files the case's submissions named, oldest
// first, each with its cleaned name, its type ("PDF", "JPEG") and size
// (forms.FileKind, forms.FileSize) and where its scan stands:
//
//   - waiting for the virus check (quarantined): no link;
//   - removed, the check refused it (rejected): no link, with the
//     scanner's reason;
//   - clean: a Download link to the original and, for an image with a
//     copy safe to show (re-encoded without its metadata), a View link
//     to that copy.
//
// The links come from documents.Store.Link, signed for this page and
// short-lived (documents.Config.LinkTTL); documents.Store.Handler, mounted
// at documents.Config.LinkPath, serves them. With Accept:
// application/json the answer is {"case", "files": [{"id", "name",
// "type", "size", "sha256", "field", "status", "reason", "download",
// "view"}]}, the links only for clean files.
//
// Staff holding one of FilesConfig.Roles see every case's files. Anyone
// else sees the files of the submissions they made to the case (their
// issuer and subject equal the submission's submitter and its issuer,
// both set). A case that is unknown, malformed or not the reader's is
// one and the same 404, so the page does not tell whether a case
// exists; without a signed-in person it is 401.
//
// With FilesConfig.Forms set, the page also links to a PDF copy of each
// submission shown, at Path{case id}/copy/{submission id}
// (documents.WriteCopy): in the reader's language, every answer with its
// question, rows of repeating groups, file names and SHA-256 hashes, and
// PII shown, since only the submitter and staff reach it. FilesConfig.Ring
// opens values a program sealed with forms.Form.Seal.
//
// # Text messages
//
// NewTexting returns a Texting, the adapters.ReplyHandler an inbound text
// channel (adapters/twilio's InboundHandler) calls, that runs forms as
// text-message conversations (forms.Conversation). A text whose first
// word is a TextService keyword records the sender's consent and asks the
// service's form, one question per message; each answer is stored with
// the question that follows it in one store call
// (adapters.ConversationStore.SaveConversation, guarded by the
// conversation's version, so racing texts are taken one after the other
// and a redelivered text once). YES to the summary opens a case through
// workflow.Engine.Open, as Intake does, with channel "sms" and submitter
// "sms:<number>", so its notifications come back by text. STOP ends the
// conversation and goes on to TextingConfig.Next, which records the
// opt-out; so does every text outside a conversation. Remind (or Run)
// sends the resume message to conversations quiet for QuietPeriod.
//
// # Who acts
//
// ActorOf gives the workflow actor of a request: the identity.Principal
// that identity's middleware put on its context, through workflow.ActorOf,
// or the anonymous actor. IntakeConfig.Actor, QueueConfig.Actor and
// FilesConfig.Actor replace it for a sign-in of one's own.
//
// # Errors and languages
//
// Every error is answered through forms.ProblemFor, the SDK's one mapping
// from errors to HTTP statuses: as a page in the page shell for browsers,
// as application/problem+json for clients that accept JSON. Two refusals
// that no one following the pages meets are plain text: a method the path
// does not take (405, with Allow) and a cross-origin post (403). Error
// pages, the confirmation, the queue and the files page have their texts
// in English and Spanish; Texts in the configs add another language
// without changing civickit.
//
// # Security
//
// POSTs are checked with net/http's CrossOriginProtection, so another
// site cannot make a signed-in browser submit a form or fire an action.
// Action posts are bounded (4 KiB) and queue, files and error pages are
// sent with Cache-Control: no-store, the files page because its links
// are capabilities. Everything drawn goes through html/template, file
// names (the resident's words) included.
package casework
