// Package devchannel holds channels for development and tests: a Mailbox
// that keeps every message in memory, and a LogChannel that writes a
// one-line summary of each message to a logger. Neither reaches anyone.
//
// # Errors
//
// Send returns the context's error when the context is done, and whatever
// error a test asked a Mailbox to answer with (see Mailbox.Refuse).
//
// # Concurrency
//
// Mailbox and LogChannel are safe for concurrent use.
package devchannel

import (
	"context"
	"log/slog"
	"strconv"
	"sync"

	"github.com/civickit/civickit/adapters"
)

// Mailbox keeps every message sent through its channels, per channel name,
// in memory. A message sent twice on one channel with the same
// IdempotencyKey is kept once, as a provider that honours idempotency
// keys would. The zero value is not usable; call NewMailbox.
type Mailbox struct {
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change
	msgs    map[string][]adapters.Outgoing
	keys    map[dedupeKey]string // provider ids of kept messages
	refuse  map[string]error
	n       int
}

type dedupeKey struct{ channel, key string }

// NewMailbox returns an empty mailbox.
func NewMailbox() *Mailbox {
	return &Mailbox{
		changed: make(chan struct{}),
		msgs:    map[string][]adapters.Outgoing{},
		keys:    map[dedupeKey]string{},
		refuse:  map[string]error{},
	}
}

// Channel returns the channel of the mailbox with the name ("email",
// "sms", ...). Channels of one name share their messages.
func (b *Mailbox) Channel(name string) *MailboxChannel {
	return &MailboxChannel{box: b, name: name}
}

// Messages returns a copy of the messages kept for the channel, in the
// order they were sent.
func (b *Mailbox) Messages(channel string) []adapters.Outgoing {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]adapters.Outgoing(nil), b.msgs[channel]...)
}

// Len returns how many messages the mailbox keeps over all channels.
func (b *Mailbox) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}

// Wait blocks until the mailbox keeps at least n messages over all
// channels, and returns nil, or returns the context's error.
func (b *Mailbox) Wait(ctx context.Context, n int) error {
	for {
		b.mu.Lock()
		have, changed := b.n, b.changed
		b.mu.Unlock()
		if have >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Refuse makes every later send on the channel fail with err (wrap it
// with adapters.Permanent or adapters.OptedOut to classify it), until
// Refuse is called again with nil.
func (b *Mailbox) Refuse(channel string, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err == nil {
		delete(b.refuse, channel)
		return
	}
	b.refuse[channel] = err
}

func (b *Mailbox) send(ctx context.Context, channel string, m adapters.Outgoing) (adapters.Sent, error) {
	if err := ctx.Err(); err != nil {
		return adapters.Sent{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.refuse[channel]; err != nil {
		return adapters.Sent{}, err
	}
	key := dedupeKey{channel, m.IdempotencyKey}
	if id, seen := b.keys[key]; seen && m.IdempotencyKey != "" {
		return adapters.Sent{ProviderID: id, Delivered: true}, nil
	}
	b.n++
	id := channel + "-" + strconv.Itoa(b.n)
	if m.IdempotencyKey != "" {
		b.keys[key] = id
	}
	b.msgs[channel] = append(b.msgs[channel], m)
	close(b.changed)
	b.changed = make(chan struct{})
	return adapters.Sent{ProviderID: id, Delivered: true}, nil
}

// MailboxChannel is one named channel of a Mailbox; it implements
// adapters.Channel and reports every kept message Delivered.
type MailboxChannel struct {
	box  *Mailbox
	name string
}

var _ adapters.Channel = (*MailboxChannel)(nil)

// Name implements adapters.Channel.
func (c *MailboxChannel) Name() string { return c.name }

// Send implements adapters.Channel: it keeps m in the mailbox, or
// answers as Refuse asked.
func (c *MailboxChannel) Send(ctx context.Context, m adapters.Outgoing) (adapters.Sent, error) {
	return c.box.send(ctx, c.name, m)
}

// Mailbox returns the mailbox the channel writes into.
func (c *MailboxChannel) Mailbox() *Mailbox { return c.box }

// LogChannel writes a one-line summary of each message to a logger and
// sends nothing. The summary holds ids, the channel, the locale and body
// lengths, never the address or the text.
type LogChannel struct {
	name string
	log  *slog.Logger
}

var _ adapters.Channel = (*LogChannel)(nil)

// NewLogChannel returns a channel of the name that logs to log (a nil log
// means slog.Default()).
func NewLogChannel(name string, log *slog.Logger) *LogChannel {
	if log == nil {
		log = slog.Default()
	}
	return &LogChannel{name: name, log: log}
}

// Name implements adapters.Channel.
func (c *LogChannel) Name() string { return c.name }

// Send implements adapters.Channel: it logs the summary and reports the
// message sent, with the message id as the provider id.
func (c *LogChannel) Send(ctx context.Context, m adapters.Outgoing) (adapters.Sent, error) {
	if err := ctx.Err(); err != nil {
		return adapters.Sent{}, err
	}
	c.log.LogAttrs(ctx, slog.LevelInfo, "devchannel: send",
		slog.String("channel", c.name), slog.String("message", m.MessageID), slog.String("case", m.CaseID),
		slog.String("locale", m.Locale), slog.Int("subject_len", len(m.Subject)), slog.Int("text_len", len(m.Text)),
		slog.Int("html_len", len(m.HTML)), slog.Bool("unsubscribe", m.UnsubscribeURL != ""))
	return adapters.Sent{ProviderID: "log-" + m.MessageID}, nil
}
