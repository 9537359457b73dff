package adapters

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Outgoing is one rendered message a Channel sends.
type Outgoing struct {
	// MessageID is the outbox message's id; IdempotencyKey its key, which
	// the channel passes to its provider (or as a header) so that a
	// message sent twice is dropped by whoever receives it.
	MessageID, IdempotencyKey string
	// CaseID is the case the message is about, empty when none; channels
	// use it to route replies back (a Reply-To address, a reference).
	CaseID string
	// To is the address on this channel: an email address, an E.164
	// number, a postal address (lines separated by "\n"), a URL.
	To string
	// Locale is the BCP 47 tag the message was rendered in.
	Locale string
	// Subject is the subject line (email, letter heading); empty for text
	// messages.
	Subject string
	// Text is the plain-text body; every channel gets one.
	Text string
	// HTML is the HTML body for channels that carry one (email); empty
	// otherwise.
	HTML string
	// UnsubscribeURL is the signed one-click unsubscribe link (RFC 8058)
	// for channels that carry one; empty when the message is one a person
	// cannot unsubscribe from.
	UnsubscribeURL string
}

// Sent is what a Channel reports for a message it accepted.
type Sent struct {
	// ProviderID is the provider's id for the message (a Twilio SID, an
	// SMTP queue id, a Message-ID); empty when the provider gives none.
	ProviderID string
	// Delivered reports that the channel knows the message arrived (a
	// mailbox it writes into); most channels learn it later by a Receipt.
	Delivered bool
}

// Channel sends rendered messages over one medium. Implementations are
// safe for concurrent use. Send must honour ctx's deadline.
type Channel interface {
	// Name is the channel's name as people's preferences use it ("email",
	// "sms", ...).
	Name() string
	// Send delivers one message. An error is temporary (the dispatcher
	// retries it later) unless it is a *SendError with Permanent set.
	Send(ctx context.Context, m Outgoing) (Sent, error)
}

// SendError classifies a failed send. Channels return it (usually through
// Permanent or OptedOut) when a failure should not be retried; any other
// error is temporary.
type SendError struct {
	// Permanent reports that retrying will not help (a rejected address,
	// a 4xx answer that is not a rate limit).
	Permanent bool
	// OptedOut reports that the provider says the recipient unsubscribed
	// (Twilio's 21610): the dispatcher records an opt-out. It implies
	// Permanent.
	OptedOut bool
	// Code is the provider's error code, if any ("21610", "550").
	Code string
	// Err is the underlying error.
	Err error
}

// Error says the failure's class, the provider's code and the cause.
func (e *SendError) Error() string {
	kind := "temporary"
	switch {
	case e.OptedOut:
		kind = "opted out"
	case e.Permanent:
		kind = "permanent"
	}
	if e.Code != "" {
		return fmt.Sprintf("%s failure (code %s): %v", kind, e.Code, e.Err)
	}
	return fmt.Sprintf("%s failure: %v", kind, e.Err)
}

// Unwrap returns the underlying error.
func (e *SendError) Unwrap() error { return e.Err }

// Permanent marks err as a failure that retrying will not fix.
func Permanent(code string, err error) error {
	return &SendError{Permanent: true, Code: code, Err: err}
}

// OptedOut marks err as the provider reporting that the recipient
// unsubscribed.
func OptedOut(code string, err error) error {
	return &SendError{Permanent: true, OptedOut: true, Code: code, Err: err}
}

// IsPermanent reports whether err is a permanent send failure.
func IsPermanent(err error) bool {
	var se *SendError
	return errors.As(err, &se) && (se.Permanent || se.OptedOut)
}

// IsOptedOut reports whether err says the recipient unsubscribed.
func IsOptedOut(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.OptedOut
}

// Reply is a message a person sent back: a text message, an email reply.
type Reply struct {
	// Channel is the channel it came on ("sms", "email").
	Channel string
	// From is the sender's address; To the address it was sent to.
	From, To string
	// Subject is an email's subject; empty for text messages.
	Subject string
	// Body is the text of the reply, quoted history and signatures
	// already trimmed by the channel.
	Body string
	// InReplyTo is the outbox message id or case reference the channel
	// found in the reply (a Reply-To address, an In-Reply-To header, a
	// reference in the subject); empty when none.
	InReplyTo string
	// ProviderID is the provider's id for the reply.
	ProviderID string
	// At is when the reply was received.
	At time.Time
}

// Receipt is a provider's later word on a message it accepted: delivered,
// or failed after all.
type Receipt struct {
	// Channel names the channel; ProviderID the message as Sent named it.
	Channel, ProviderID string
	// Delivered reports arrival; false is a failure described by Error.
	Delivered bool
	// Permanent reports a failure that retrying will not fix.
	Permanent bool
	// Error is the provider's description of a failure.
	Error string
	// At is when the provider reported it.
	At time.Time
}

// ReplyHandler takes in replies from inbound channels. The feedback
// package implements it: opt-out words change preferences, other replies
// become comments on the right case.
type ReplyHandler interface {
	// HandleReply records a reply. It is idempotent in r.ProviderID when
	// that is set.
	HandleReply(ctx context.Context, r Reply) error
}

// ReceiptHandler takes in delivery receipts from inbound channels.
type ReceiptHandler interface {
	// HandleReceipt records a receipt; an unknown ProviderID returns
	// ErrNotFound.
	HandleReceipt(ctx context.Context, r Receipt) error
}
