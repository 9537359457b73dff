package feedback

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/civickit/civickit/adapters"
)

// ErrUnrouted reports a reply that names no case this package can find:
// no InReplyTo, or one that names neither an outbox message about a case
// nor an existing case. Nothing was written. The case is never guessed
// from the sender (their latest case, say): the channel's adapter keeps
// the reply in its review queue for staff to route by hand. It matches
// adapters.ErrNotFound.
var ErrUnrouted = fmt.Errorf("feedback: reply names no case: %w", adapters.ErrNotFound)

// MaxReplyBodyRunes is the default and largest InboundConfig.MaxBodyRunes:
// a reply becomes a comment, so it is bounded as one.
const MaxReplyBodyRunes = adapters.MaxCommentRunes

// InboundStore is what Inbound reads: the outbox message a reply answers,
// the case it is about, and the person an address belongs to.
// adapters.Store satisfies it.
type InboundStore interface {
	// GetMessage returns the outbox message with the id, or
	// adapters.ErrNotFound (adapters.Outbox).
	GetMessage(ctx context.Context, id string) (adapters.Message, error)
	// GetCase returns the case with the id, or adapters.ErrNotFound
	// (adapters.CaseStore).
	GetCase(ctx context.Context, id string) (adapters.Case, error)
	// FindPerson returns the person whose address on the channel is
	// address, or adapters.ErrNotFound (adapters.PeopleStore).
	FindPerson(ctx context.Context, channel, address string) (adapters.Person, error)
}

// InboundConfig tunes an Inbound. A nil *InboundConfig, and zero fields,
// mean the documented defaults.
type InboundConfig struct {
	// MaxBodyRunes is the longest reply body taken in, in runes:
	// 1..MaxReplyBodyRunes (default MaxReplyBodyRunes).
	MaxBodyRunes int
	// Logger records routed and unrouted replies by channel, provider id
	// and case, never by address or body (default: discard).
	Logger *slog.Logger
}

// Validate reports every problem of c, each wrapping
// adapters.ErrInvalidArgument.
func (c *InboundConfig) Validate() error {
	if c == nil {
		return nil
	}
	if c.MaxBodyRunes < 0 || c.MaxBodyRunes > MaxReplyBodyRunes {
		return fmt.Errorf("%w: MaxBodyRunes %d is outside 1..%d", adapters.ErrInvalidArgument, c.MaxBodyRunes, MaxReplyBodyRunes)
	}
	return nil
}

// Inbound takes in the replies people send on inbound channels; it is
// the adapters.ReplyHandler this package provides. An opt-out or opt-in
// word changes the sender's preferences (Preferences.HandleWords) and
// nothing else; HELP is answered by no one here, since carriers require
// the channel's adapter to answer it at once; any other reply becomes a
// public comment, by the sender, on the case the reply names. It is safe
// for concurrent use.
type Inbound struct {
	store    InboundStore
	prefs    *Preferences
	comments *Comments
	maxBody  int
	log      *slog.Logger
}

var _ adapters.ReplyHandler = (*Inbound)(nil)

// NewInbound returns an Inbound that reads store, records opt-outs with
// prefs and writes comments with comments.
func NewInbound(store InboundStore, prefs *Preferences, comments *Comments, cfg *InboundConfig) (*Inbound, error) {
	var errs []error
	if store == nil {
		errs = append(errs, fmt.Errorf("%w: nil store", adapters.ErrInvalidArgument))
	}
	if prefs == nil {
		errs = append(errs, fmt.Errorf("%w: nil preferences", adapters.ErrInvalidArgument))
	}
	if comments == nil {
		errs = append(errs, fmt.Errorf("%w: nil comments", adapters.ErrInvalidArgument))
	}
	errs = append(errs, cfg.Validate())
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("feedback: new inbound: %w", err)
	}
	in := &Inbound{store: store, prefs: prefs, comments: comments, maxBody: MaxReplyBodyRunes,
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if cfg != nil {
		if cfg.MaxBodyRunes > 0 {
			in.maxBody = cfg.MaxBodyRunes
		}
		if cfg.Logger != nil {
			in.log = cfg.Logger
		}
	}
	return in, nil
}

// HandleReply records one reply.
//
// An opt-out or opt-in word (ParseOptWords) is recorded with its
// confirmation message and nothing else is written; a repeated one
// changes nothing. A HELP word is dropped. Any other reply is added as a
// public comment on the case that r.InReplyTo names, either as an outbox
// message id (the message's case) or as a case topic ("case:<id>"). Its
// author is the person whose address on r.Channel is r.From, or, for an
// unknown sender, "<channel>:<address>"; its Via is r.Channel and its
// ProviderID r.ProviderID, so a redelivered reply is added once. The
// comment service's rules apply: its rate limit and content check.
//
// Errors: adapters.ErrInvalidArgument for an empty or oversized channel
// or sender, an invalid or oversized InReplyTo or ProviderID, and
// (*InputError) a blank body or one over MaxBodyRunes; ErrUnrouted when
// no case is named; the comment service's and the store's errors
// otherwise. Nothing is written on an error.
func (in *Inbound) HandleReply(ctx context.Context, r adapters.Reply) error {
	if err := in.handle(ctx, r); err != nil {
		return fmt.Errorf("feedback: reply on %q: %w", clip(r.Channel, adapters.MaxChannelLen), err)
	}
	return nil
}

func (in *Inbound) handle(ctx context.Context, r adapters.Reply) error {
	if err := errors.Join(
		validAddress(r.Channel, r.From),
		keyBound("in-reply-to", r.InReplyTo),
		keyBound("provider id", r.ProviderID),
		checkText("body", r.Body, in.maxBody, true),
	); err != nil {
		return err
	}
	words, _, err := in.prefs.HandleWords(ctx, r.Channel, r.From, r.Body, r.At)
	if err != nil {
		return err
	}
	if words != OptNone {
		in.log.DebugContext(ctx, "feedback: reply was an opt word", "channel", r.Channel, "provider_id", r.ProviderID, "words", words.String())
		return nil
	}
	caseID, err := in.route(ctx, r.InReplyTo)
	if err != nil {
		if errors.Is(err, ErrUnrouted) {
			in.log.InfoContext(ctx, "feedback: reply names no case", "channel", r.Channel, "provider_id", r.ProviderID)
		}
		return err
	}
	by := Author{Subject: r.Channel + ":" + r.From}
	switch p, err := in.store.FindPerson(ctx, r.Channel, r.From); {
	case err == nil:
		by = Author{Subject: p.ID, Issuer: p.Issuer}
	case !errors.Is(err, adapters.ErrNotFound):
		return err
	}
	c, err := in.comments.Add(ctx, by, NewComment{Thread: adapters.CaseTopic(caseID), Body: r.Body, Via: r.Channel, ProviderID: r.ProviderID})
	if err != nil {
		return err
	}
	in.log.DebugContext(ctx, "feedback: reply added as a comment", "channel", r.Channel, "provider_id", r.ProviderID, "case", caseID, "comment", c.ID)
	return nil
}

// route finds the case a reply's InReplyTo names, or returns ErrUnrouted.
func (in *Inbound) route(ctx context.Context, ref string) (string, error) {
	if ref == "" {
		return "", ErrUnrouted
	}
	var caseID string
	if t := adapters.Topic(ref); t.Kind() == adapters.TopicCase {
		caseID = t.ID()
	} else {
		m, err := in.store.GetMessage(ctx, ref)
		if errors.Is(err, adapters.ErrNotFound) {
			return "", ErrUnrouted
		}
		if err != nil {
			return "", err
		}
		caseID = m.CaseID
	}
	if caseID == "" {
		return "", ErrUnrouted
	}
	if _, err := in.store.GetCase(ctx, caseID); errors.Is(err, adapters.ErrNotFound) {
		return "", ErrUnrouted
	} else if err != nil {
		return "", err
	}
	return caseID, nil
}

// keyBound refuses an identifier longer than a comment record holds.
func keyBound(what, v string) error {
	if len(v) > adapters.MaxCommentKeyBytes {
		return fmt.Errorf("%w: %s is %d bytes, above the maximum %d", adapters.ErrInvalidArgument, what, len(v), adapters.MaxCommentKeyBytes)
	}
	return nil
}

// RouteHeld routes a reply held for review (adapters.HandReply kept it
// when no case could be found) to the case staff chose: the reply is
// added as a comment on caseID as HandleReply adds one, then marked
// resolved in q by the staff member `by`, with their note. A reply with a
// ProviderID is added once however often this is retried.
//
// Errors: adapters.ErrNotFound for an unknown held reply, ErrUnrouted for
// an unknown case, adapters.ErrConflict for a reply already resolved,
// adapters.ErrInvalidArgument for an empty `by`; HandleReply's otherwise.
func (in *Inbound) RouteHeld(ctx context.Context, q adapters.ReplyQueue, id, caseID, by, note string, at time.Time) error {
	h, err := in.held(ctx, q, id, by)
	if err != nil {
		return err
	}
	if caseID == "" {
		return fmt.Errorf("feedback: route held reply: %w", ErrUnrouted)
	}
	r := h.Reply
	r.InReplyTo = string(adapters.CaseTopic(caseID))
	if err := in.HandleReply(ctx, r); err != nil {
		return err
	}
	if err := q.ResolveHeldReply(ctx, id, caseID, by, note, at); err != nil {
		return fmt.Errorf("feedback: route held reply: %w", err)
	}
	in.log.InfoContext(ctx, "feedback: held reply routed", "held", id, "case", caseID)
	return nil
}

// DismissHeld marks a held reply resolved with no case (spam, an
// unanswerable message), by the staff member `by` with their note. Errors
// as RouteHeld.
func (in *Inbound) DismissHeld(ctx context.Context, q adapters.ReplyQueue, id, by, note string, at time.Time) error {
	if _, err := in.held(ctx, q, id, by); err != nil {
		return err
	}
	if err := q.ResolveHeldReply(ctx, id, "", by, note, at); err != nil {
		return fmt.Errorf("feedback: dismiss held reply: %w", err)
	}
	return nil
}

func (in *Inbound) held(ctx context.Context, q adapters.ReplyQueue, id, by string) (adapters.HeldReply, error) {
	if q == nil || by == "" {
		return adapters.HeldReply{}, fmt.Errorf("feedback: held reply: %w: a queue and the staff member acting are required", adapters.ErrInvalidArgument)
	}
	h, err := q.GetHeldReply(ctx, id)
	if err != nil {
		return h, fmt.Errorf("feedback: held reply: %w", err)
	}
	if !h.ResolvedAt.IsZero() {
		return h, fmt.Errorf("feedback: held reply %q was resolved already: %w", clip(id, adapters.MaxCommentKeyBytes), adapters.ErrConflict)
	}
	return h, nil
}
