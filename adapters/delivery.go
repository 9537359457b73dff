package adapters

import (
	"context"
	"time"
)

// MaxDeliveryField is the longest ProviderID, Via or Address (in bytes) a
// mark or a receipt may carry; a postal address fits comfortably.
const MaxDeliveryField = 1000

// DeliveryState is where a message is on its way, as people speak of it.
// It is derived from the stored MessageStatus, lease and last error by
// Message.DeliveryState; it is never stored.
type DeliveryState string

// The delivery states.
const (
	// DeliveryQueued: pending, waiting for its first attempt.
	DeliveryQueued DeliveryState = "queued"
	// DeliverySending: pending and leased by a dispatcher right now.
	DeliverySending DeliveryState = "sending"
	// DeliverySent: a channel accepted it (MessageSent).
	DeliverySent DeliveryState = "sent"
	// DeliveryDelivered: known to have arrived (MessageDelivered).
	DeliveryDelivered DeliveryState = "delivered"
	// DeliveryFailedTemporary: pending again after a failed attempt; it
	// will be retried.
	DeliveryFailedTemporary DeliveryState = "failed-temporary"
	// DeliveryFailedPermanent: failed for good (MessageFailed).
	DeliveryFailedPermanent DeliveryState = "failed-permanent"
	// DeliveryDead: gave up after too many attempts (MessageDead).
	DeliveryDead DeliveryState = "dead"
)

// DeliveryState reports the message's delivery state at now: a pending
// message is sending while its lease holds, failed-temporary when an
// attempt failed, and queued otherwise.
func (m Message) DeliveryState(now time.Time) DeliveryState {
	switch m.Status {
	case MessagePending, "":
		switch {
		case m.LeaseOwner != "" && m.LeaseExpiresAt.After(now):
			return DeliverySending
		case m.LastError != "":
			return DeliveryFailedTemporary
		}
		return DeliveryQueued
	case MessageSent:
		return DeliverySent
	case MessageDelivered:
		return DeliveryDelivered
	case MessageFailed:
		return DeliveryFailedPermanent
	case MessageDead:
		return DeliveryDead
	}
	return DeliveryState(m.Status)
}

// Final reports whether the status is one a message never leaves by a
// claim: sent, delivered, failed or dead.
func (s MessageStatus) Final() bool {
	switch s {
	case MessageSent, MessageDelivered, MessageFailed, MessageDead:
		return true
	}
	return false
}

// OutboxBatch is an optional capability of an Outbox: recording many
// outcomes in one round trip. Callers type-assert a Store to it and fall
// back to MarkMessage one by one when it is absent or returns
// ErrNotImplemented. memory, sqlite and postgres implement it.
type OutboxBatch interface {
	// MarkMessages records up to MaxClaim outcomes, each as MarkMessage
	// would, in one transaction. It returns one error per mark, in the
	// marks' order: nil when recorded, else an error wrapping
	// ErrInvalidArgument (the mark breaks MarkParams.Validate, or repeats
	// an id of the batch), ErrConflict (not leased by the mark's owner)
	// or ErrNotFound (unknown message). A mark's error does not stop the
	// others. The second result is an error of the whole call (the
	// context, the back end, more than MaxClaim marks), and then nothing
	// is recorded.
	MarkMessages(ctx context.Context, marks []MarkParams) ([]error, error)
}

// DeliveryReceipts is an optional capability of an Outbox: recording a
// provider's later word on a message it accepted. Callers type-assert a
// Store to it; a store without it cannot take receipts. memory, sqlite
// and postgres implement it.
type DeliveryReceipts interface {
	// RecordReceipt finds the message whose Via is r.Channel and whose
	// ProviderID is r.ProviderID (both required, else
	// ErrInvalidArgument; none found is ErrNotFound) and, when it is
	// MessageSent, makes it MessageDelivered (r.Delivered) or
	// MessageFailed with r.Error as LastError. Receipts only move a sent
	// message forward: one for a message already delivered, failed or
	// dead changes nothing and returns nil, so providers may repeat
	// receipts and send them out of order.
	RecordReceipt(ctx context.Context, r Receipt) error
}

// Validate reports every way r breaks the RecordReceipt contract, each
// error wrapping ErrInvalidArgument.
func (r Receipt) Validate() error {
	switch {
	case r.Channel == "" || r.ProviderID == "":
		return invalid("receipt channel and provider id are required")
	case len(r.Channel) > MaxDeliveryField || len(r.ProviderID) > MaxDeliveryField || len(r.Error) > 4*MaxDeliveryField:
		return invalid("receipt field longer than allowed")
	}
	return nil
}

// ValidateMarks checks a MarkMessages batch: it returns an error for the
// whole call (too many marks) or one error per mark (nil when valid; a
// repeated id is ErrInvalidArgument), for stores to share.
func ValidateMarks(marks []MarkParams) ([]error, error) {
	if len(marks) > MaxClaim {
		return nil, invalid("%d marks, more than %d", len(marks), MaxClaim)
	}
	errs := make([]error, len(marks))
	seen := make(map[string]struct{}, len(marks))
	for i, p := range marks {
		if err := p.Validate(); err != nil {
			errs[i] = err
			continue
		}
		if _, dup := seen[p.ID]; dup {
			errs[i] = invalid("message %q is marked twice in one batch", p.ID)
			continue
		}
		seen[p.ID] = struct{}{}
	}
	return errs, nil
}
