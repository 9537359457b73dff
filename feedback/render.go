package feedback

import (
	"errors"

	"github.com/civickit/civickit/adapters"
)

// Rendered is a message's text as one channel carries it.
type Rendered struct {
	// Locale is the BCP 47 tag the message was rendered in (the one asked
	// for, or the fallback used).
	Locale string
	// Subject is the subject line; empty for text messages.
	Subject string
	// Text is the plain-text body.
	Text string
	// HTML is the HTML body, for channels that carry one; empty otherwise.
	HTML string
}

// ErrNoTemplate reports that a message's template has no version for the
// channel asked for; the dispatcher then tries the person's next channel.
var ErrNoTemplate = errors.New("feedback: no template for this channel")

// Renderer turns an outbox message into the text one channel sends. It is
// safe for concurrent use. *Templates implements it.
type Renderer interface {
	// Render renders m for the channel in the locale (falling back as the
	// renderer documents). A template without a version for the channel
	// returns an error wrapping ErrNoTemplate.
	Render(m adapters.Message, channel, locale string) (Rendered, error)
}

// UnsubscribeLinker makes the signed one-click unsubscribe link (RFC 8058)
// that a message to an address carries.
type UnsubscribeLinker interface {
	// UnsubscribeURL returns the link that opts the address out of the
	// channel.
	UnsubscribeURL(channel, address string) (string, error)
}
