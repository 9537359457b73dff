// Package smtp sends email through an SMTP server and takes replies in.
//
// # Receiving replies
//
// A resident answers an email from the city; the reply comes back to the
// Routing.ReplyTo mailbox, to the case's signed sub-address that the
// outgoing message carried as its Reply-To. Two receivers take it in:
//
//   - Listener, an SMTP server (github.com/emersion/go-smtp) the city runs
//     as the mail exchanger of its reply domain, or behind its own relay.
//     It accepts mail for the reply mailbox and its sub-addresses only.
//   - HTTPHandler, for inbound-mail services that post the raw message
//     (SendGrid Inbound Parse in raw mode, a Mailgun route forwarding
//     MIME), protected by a shared secret.
//
// Both parse the message with ParseReply (github.com/emersion/go-message:
// MIME, transfer encodings, charsets, encoded words), bounded in size,
// parts, nesting and header fields. The body is the text/plain part, or
// the HTML part turned into text, trimmed by TrimReply of the history the
// client quoted and of the signature. The case comes from the first
// signed recipient address, else from the subject's reference; a reply
// naming none, or a case that does not exist, is held in the review queue
// (adapters.HandReply) for staff to route, as is one the handler refuses
// as invalid (an empty body): no reply is dropped. A failure of the
// handler or the queue is answered so that the sender retries (SMTP 451,
// HTTP 503); a message that is not readable mail is refused for good
// (SMTP 554, HTTP 422). Auto-replies, list mail and bounces are not
// comments: they are accepted and dropped (ErrAutomatic). Logs name a
// message by its Message-ID only, never by address or body.
package smtp
