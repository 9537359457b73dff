package adapters

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Conversation is a form being answered one message at a time over a text
// channel (SMS): the state the forms package keeps between the person's
// messages, stored so that it survives process restarts. A person has at
// most one conversation per channel address.
type Conversation struct {
	// Channel and Address identify it: the channel's name ("sms") and
	// the person's address on it (an E.164 number).
	Channel, Address string
	// FormID and FormVersion pin the form definition being answered.
	FormID      string
	FormVersion int
	// Locale is the BCP 47 tag the conversation is held in.
	Locale string
	// State is the conversation's own JSON (the answers so far, the
	// question being asked), opaque to the store and possibly sealed.
	State json.RawMessage
	// Version is the stored version: 0 for a conversation not stored
	// yet. SaveConversation writes only over the version it names and
	// returns the record with Version one higher.
	Version int64
	// StartedAt is when the conversation began; UpdatedAt when the
	// person last answered; ExpiresAt when it is forgotten.
	StartedAt, UpdatedAt, ExpiresAt time.Time
	// RemindedAt is when the resume message was sent after a quiet
	// period; zero until then. An answer clears it.
	RemindedAt time.Time
}

// ConversationStore keeps text conversations. It is safe for concurrent
// use by many processes; every method is one transaction.
type ConversationStore interface {
	// GetConversation returns the conversation of the address on the
	// channel unless it expired at now; a missing or expired one returns
	// ErrNotFound.
	GetConversation(ctx context.Context, channel, address string, now time.Time) (Conversation, error)

	// SaveConversation writes c over the stored version c.Version (0: no
	// conversation stored for the address, or only one expired at
	// c.UpdatedAt, which it replaces) and enqueues msgs in the same
	// transaction, as Outbox.EnqueueMessages does (subscriber expansion
	// included); msgs may be empty. It returns c as stored, with Version
	// one higher. Another version stored meanwhile, or none any more,
	// returns ErrConflict; a message id or key in use ErrDuplicate; an
	// invalid c or message (see ValidateConversationSave)
	// ErrInvalidArgument; nothing is written on an error.
	SaveConversation(ctx context.Context, c Conversation, msgs []Message) (Conversation, error)

	// DeleteConversation removes the conversation of the address if its
	// stored version is version: ErrConflict if another version is
	// stored, ErrNotFound if none is (expired or not).
	DeleteConversation(ctx context.Context, channel, address string, version int64) error

	// ListQuietConversations returns up to limit (1..MaxClaim)
	// conversations, oldest UpdatedAt first (then channel and address),
	// last answered before `before`, not reminded since (RemindedAt zero)
	// and not expired at now: those due a resume message. Zero times are
	// ErrInvalidArgument.
	ListQuietConversations(ctx context.Context, before, now time.Time, limit int) ([]Conversation, error)

	// DeleteExpiredConversations removes the conversations expired at now
	// and says how many. A zero now is ErrInvalidArgument.
	DeleteExpiredConversations(ctx context.Context, now time.Time) (int64, error)
}

// HeldReply is a reply no case could be found for (an unknown reference,
// a reply to nothing), kept in a review queue for staff to route by hand:
// a reply is never dropped.
type HeldReply struct {
	// ID is chosen by the caller, unique across the store; a channel
	// derives it from the channel and the reply's ProviderID so that a
	// redelivered reply is held once.
	ID string
	// Reply is the reply as the channel parsed it.
	Reply Reply
	// Reason says why it was held ("no reference", "unknown reference").
	Reason string
	// HeldAt is when it was held.
	HeldAt time.Time
	// ResolvedAt is when staff routed or dismissed it; zero while it
	// waits. CaseID is the case it was routed to (empty when dismissed);
	// ResolvedBy the staff member's subject; Note their reason.
	ResolvedAt time.Time
	CaseID     string
	ResolvedBy string
	Note       string
}

// HeldReplyQuery selects a page of held replies.
type HeldReplyQuery struct {
	// Resolved lists resolved replies instead of waiting ones.
	Resolved bool
	// Channel restricts to one channel when set.
	Channel string
	// Limit is the page size: 0 means DefaultPageSize, at most
	// MaxPageSize.
	Limit int
	// Cursor continues from the previous page's NextCursor.
	Cursor string
}

// HeldReplyPage is one page of held replies, oldest HeldAt first (then
// ID), and the cursor of the next page (empty on the last).
type HeldReplyPage struct {
	Replies    []HeldReply
	NextCursor string
}

// ReplyQueue keeps held replies for review. It is safe for concurrent
// use; every method is one transaction.
type ReplyQueue interface {
	// HoldReply stores h, unresolved. An id already held returns
	// ErrDuplicate and changes nothing (a redelivered reply); an invalid
	// h (see HeldReply.Validate) ErrInvalidArgument.
	HoldReply(ctx context.Context, h HeldReply) error
	// GetHeldReply returns the held reply with the id, or ErrNotFound.
	GetHeldReply(ctx context.Context, id string) (HeldReply, error)
	// ListHeldReplies returns one page of held replies matching q, with
	// keyset pagination.
	ListHeldReplies(ctx context.Context, q HeldReplyQuery) (HeldReplyPage, error)
	// ResolveHeldReply records that staff (by, their subject) routed the
	// reply to caseID (empty: dismissed it) at the time given. An unknown
	// id returns ErrNotFound; one already resolved ErrConflict and
	// changes nothing; invalid arguments (see ValidateResolveHeldReply)
	// ErrInvalidArgument.
	ResolveHeldReply(ctx context.Context, id, caseID, by, note string, at time.Time) error
}

// HeldReplyID returns the id a reply is held under: derived from its
// channel and ProviderID, so a redelivered reply is held once, or, for a
// reply without a ProviderID, from everything it carries.
func HeldReplyID(r Reply) string {
	h := sha256.New()
	if r.ProviderID != "" {
		fmt.Fprintf(h, "%s\x00%s", r.Channel, r.ProviderID)
	} else {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%d", r.Channel, r.From, r.To, r.Subject, r.InReplyTo, r.Body, r.At.UnixNano())
	}
	return "held-" + hex.EncodeToString(h.Sum(nil)[:16])
}

// HandReply passes r to h; when h finds no case for it (an error matching
// ErrNotFound, such as feedback.ErrUnrouted), the reply is kept in q for
// review instead, with the reason, and held is true. A reply already held
// (redelivered) is not held twice. Inbound channels call it so that no
// reply is ever dropped; any other error is returned for the channel to
// refuse the reply temporarily (its sender retries).
func HandReply(ctx context.Context, h ReplyHandler, q ReplyQueue, r Reply, now time.Time) (held bool, err error) {
	err = h.HandleReply(ctx, r)
	if err == nil || !errors.Is(err, ErrNotFound) {
		return false, err
	}
	reason := "unknown reference"
	if r.InReplyTo == "" {
		reason = "no reference"
	}
	// The id comes from the reply as received; the fields are cut to the
	// queue's bounds so that an oversized reply is held, not refused for
	// ever.
	herr := q.HoldReply(ctx, HeldReply{ID: HeldReplyID(r), Reply: clipReply(r), Reason: reason, HeldAt: now})
	if herr != nil && !errors.Is(herr, ErrDuplicate) {
		return false, fmt.Errorf("adapters: hold a reply no case was found for: %w", herr)
	}
	return true, nil
}
