package adapters

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

// Bounds on conversations and held replies, which every ConversationStore
// and ReplyQueue enforces through the Validate methods below: larger
// values are ErrInvalidArgument and nothing is written. Channel names and
// addresses are bounded by MaxChannelLen and MaxAddressLen.
const (
	// MaxFormIDLen bounds Conversation.FormID, in bytes.
	MaxFormIDLen = 200
	// MaxConversationState bounds Conversation.State, in bytes.
	MaxConversationState = 64 << 10
	// MaxHeldReplyKey bounds a held reply's ID and the case it is routed
	// to, in bytes; the staff member who resolves it is bounded by
	// MaxPersonIDLen.
	MaxHeldReplyKey = 300
	// MaxHeldReplyBody bounds a held reply's body, in bytes: longer than
	// a comment (MaxCommentRunes), because a reply is kept whole for
	// staff to read. HandReply cuts a longer body to it.
	MaxHeldReplyBody = 64 << 10
)

// Validate reports every way c breaks the SaveConversation contract, each
// error wrapping ErrInvalidArgument.
func (c Conversation) Validate() error {
	var errs []error
	errs = appendErr(errs, ValidateChannelAddress(c.Channel, c.Address))
	errs = appendErr(errs, bounded("conversation form id", c.FormID, MaxFormIDLen, true))
	errs = appendErr(errs, bounded("conversation locale", c.Locale, MaxLocaleLen, false))
	if c.FormVersion < 0 {
		errs = append(errs, invalid("conversation form version %d is negative", c.FormVersion))
	}
	if len(c.State) > MaxConversationState {
		errs = append(errs, invalid("conversation state is %d bytes, above the maximum %d", len(c.State), MaxConversationState))
	} else {
		errs = appendErr(errs, validJSON("conversation state", c.State))
	}
	if c.Version < 0 {
		errs = append(errs, invalid("conversation version %d is negative", c.Version))
	}
	if c.StartedAt.IsZero() || c.UpdatedAt.IsZero() || c.ExpiresAt.IsZero() {
		errs = append(errs, invalid("conversation start, update and expiry times must be set"))
	}
	return errors.Join(errs...)
}

// ValidateConversationSave reports every way a SaveConversation call
// breaks its contract: c invalid (see Conversation.Validate), or msgs as
// EnqueueMessages would refuse them (no message at all is allowed).
func ValidateConversationSave(c Conversation, msgs []Message) error {
	err := c.Validate()
	if len(msgs) > 0 {
		err = errors.Join(err, validateMessages("", msgs))
	}
	return err
}

// ValidateConversationDelete reports every way a DeleteConversation call
// breaks its contract: a bad channel or address, or a version that was
// never stored (below 1).
func ValidateConversationDelete(channel, address string, version int64) error {
	err := ValidateChannelAddress(channel, address)
	if version < 1 {
		err = errors.Join(err, invalid("conversation version %d: stored versions start at 1", version))
	}
	return err
}

// ValidateQuietListing reports every way a ListQuietConversations call
// breaks its contract: a zero time, or a limit outside 1..MaxClaim.
func ValidateQuietListing(before, now time.Time, limit int) error {
	var errs []error
	if before.IsZero() || now.IsZero() {
		errs = append(errs, invalid("quiet listing times must be set"))
	}
	if limit < 1 || limit > MaxClaim {
		errs = append(errs, invalid("quiet listing limit %d is outside 1..%d", limit, MaxClaim))
	}
	return errors.Join(errs...)
}

// boundedText is bounded for text a person sent: it must also be UTF-8
// without NUL, which SQL stores cannot keep.
func boundedText(what, v string, max int, required bool) error {
	if err := bounded(what, v, max, required); err != nil {
		return err
	}
	if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		return invalid("%s is not UTF-8 text without NUL", what)
	}
	return nil
}

// Validate reports every way h breaks the HoldReply contract, each error
// wrapping ErrInvalidArgument. A reply longer than the bounds is cut to
// them by HandReply before it is held.
func (h HeldReply) Validate() error {
	r := h.Reply
	var errs []error
	errs = appendErr(errs, boundedText("held reply id", h.ID, MaxHeldReplyKey, true))
	errs = appendErr(errs, boundedText("held reply channel", r.Channel, MaxChannelLen, true))
	errs = appendErr(errs, boundedText("held reply sender", r.From, MaxAddressLen, false))
	errs = appendErr(errs, boundedText("held reply recipient", r.To, MaxAddressLen, false))
	errs = appendErr(errs, boundedText("held reply subject", r.Subject, MaxDeliveryField, false))
	errs = appendErr(errs, boundedText("held reply body", r.Body, MaxHeldReplyBody, false))
	errs = appendErr(errs, boundedText("held reply reference", r.InReplyTo, MaxDeliveryField, false))
	errs = appendErr(errs, boundedText("held reply provider id", r.ProviderID, MaxDeliveryField, false))
	errs = appendErr(errs, validText("held reply reason", h.Reason, MaxReasonRunes, true))
	if h.HeldAt.IsZero() {
		errs = append(errs, invalid("held reply time is zero"))
	}
	if !h.ResolvedAt.IsZero() || h.CaseID != "" || h.ResolvedBy != "" || h.Note != "" {
		errs = append(errs, invalid("a reply is held unresolved: ResolveHeldReply resolves it"))
	}
	return errors.Join(errs...)
}

// ValidateResolveHeldReply reports every way a ResolveHeldReply call
// breaks its contract, each error wrapping ErrInvalidArgument.
func ValidateResolveHeldReply(id, caseID, by, note string, at time.Time) error {
	var errs []error
	errs = appendErr(errs, bounded("held reply id", id, MaxHeldReplyKey, true))
	errs = appendErr(errs, bounded("held reply case id", caseID, MaxHeldReplyKey, false))
	errs = appendErr(errs, bounded("held reply resolver", by, MaxPersonIDLen, true))
	errs = appendErr(errs, validText("held reply note", note, MaxReasonRunes, false))
	if at.IsZero() {
		errs = append(errs, invalid("held reply resolution time is zero"))
	}
	return errors.Join(errs...)
}

// The orders held-reply cursors are made for, so that a cursor of the
// waiting replies is refused by the listing of resolved ones.
const (
	orderHeldWaiting  Order = "held"
	orderHeldResolved Order = "held-resolved"
)

func (q HeldReplyQuery) order() Order {
	if q.Resolved {
		return orderHeldResolved
	}
	return orderHeldWaiting
}

// Validate reports every way q breaks the ListHeldReplies contract, each
// error wrapping ErrInvalidArgument.
func (q HeldReplyQuery) Validate() error {
	var errs []error
	errs = appendErr(errs, bounded("held reply channel", q.Channel, MaxChannelLen, false))
	errs = appendErr(errs, validPageSize(q.Limit))
	if _, err := q.DecodeCursor(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// PageSize is the number of held replies the page holds at most.
func (q HeldReplyQuery) PageSize() int { return pageSize(q.Limit) }

// NextCursor is the opaque cursor of the page that ends with h.
func (q HeldReplyQuery) NextCursor(h HeldReply) string {
	return encodeCursor(q.order(), h.HeldAt, h.ID)
}

// DecodeCursor reads q.Cursor: the HeldAt and ID of the last reply of the
// previous page. A malformed cursor, or one of the other listing (waiting
// or resolved), returns ErrInvalidArgument; an empty one the zero
// position.
func (q HeldReplyQuery) DecodeCursor() (CursorPosition, error) {
	return decodeCursor(q.order(), q.Cursor)
}

// clipReply cuts r's fields to the bounds HeldReply.Validate enforces, at
// character boundaries, and makes them UTF-8 without NUL: a reply is held
// however it came, rather than refused for ever.
func clipReply(r Reply) Reply {
	r.Channel = clipText(r.Channel, MaxChannelLen)
	r.Channel = clipText(r.Channel, MaxChannelLen)
	r.From = clipText(r.From, MaxAddressLen)
	r.To = clipText(r.To, MaxAddressLen)
	r.Subject = clipText(r.Subject, MaxDeliveryField)
	r.Body = clipText(r.Body, MaxHeldReplyBody)
	r.InReplyTo = clipText(r.InReplyTo, MaxDeliveryField)
	r.ProviderID = clipText(r.ProviderID, MaxDeliveryField)
	return r
}

func clipText(s string, max int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
