// Package smtp sends email through an SMTP server and takes replies in.
//
// # Sending
//
// A Channel (New, with a Config) is the adapters.Channel for email. It
// connects to the configured server (StartTLS required by default, or
// ImplicitTLS; InsecureNoTLS only for a local test server), authenticates
// with PLAIN or LOGIN when a username is set, and sends each message built
// with go-mail: From, To, Date, the subject with the case's
// reference (Routing.SubjectReference), a Reply-To address that routes
// replies back to the case (Routing.ReplyAddress), a Message-ID derived
// from the idempotency key (Routing.MessageID), the key itself in
// X-Civickit-Idempotency-Key, Content-Language from the locale,
// List-Unsubscribe and List-Unsubscribe-Post (RFC 8058 one-click) when
// the message has an unsubscribe link, and a text part with an HTML
// alternative when the message has HTML. Sent.ProviderID is the
// Message-ID without angle brackets.
//
// Send's errors follow adapters.Channel: a message that cannot be sent as
// it is (an invalid recipient; a line break in the subject or an address,
// which could smuggle a header; a subject over MaxSubjectLen or a body
// over MaxBodyLen) wraps adapters.ErrInvalidArgument and is permanent; a
// 5xx answer (a refused recipient, a refused login) is permanent with the
// reply code as adapters.SendError.Code; a 4xx answer is temporary with
// its code; a refused, dropped or garbled connection is temporary. Error
// texts leave the recipient's address out.
//
// Send gives up when its context ends or Config.Timeout passes, whichever
// is first, by closing the connection, so a server that accepts and then
// never answers cannot hold it; the error wraps the context's error. A
// message the server accepted is reported as sent even if what follows
// it on the connection fails.
//
// A Channel keeps up to Config.MaxIdle connections open for
// Config.IdleTimeout after a send and sends the next messages on them; a
// connection the server has dropped meanwhile is replaced without a
// failure, and one that carried a failure is closed. Close closes the
// idle connections. A Channel is safe for concurrent use: a connection
// carries one send at a time.
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
