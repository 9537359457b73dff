package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/civickit/civickit/adapters"
)

var (
	_ adapters.OutboxBatch      = (*Store)(nil)
	_ adapters.DeliveryReceipts = (*Store)(nil)
)

// receiptKey is a message's channel and provider id.
type receiptKey struct{ via, providerID string }

// receiptIndex finds messages by the channel and provider id a receipt
// names: index in msgs plus one.
type receiptIndex map[receiptKey]int

// markLocked records an outcome; the caller holds the write lock and has
// validated p.
func (s *Store) markLocked(p adapters.MarkParams) error {
	n := s.msgNames[p.ID].byID
	if n == 0 {
		return adapters.ErrNotFound
	}
	m := s.msgs.at(n - 1)
	if m.LeaseOwner != p.Owner || m.Status != adapters.MessagePending {
		return fmt.Errorf("%w: not leased by %q", adapters.ErrConflict, p.Owner)
	}
	m.Status = p.Status
	m.LastError = p.Error
	if p.Release && m.Attempts > 0 {
		m.Attempts--
	}
	m.LeaseOwner, m.LeaseExpiresAt = "", time.Time{}
	switch p.Status {
	case adapters.MessageSent, adapters.MessageDelivered:
		m.SentAt = adapters.StoredTime(p.At)
	case adapters.MessagePending:
		m.NextAttemptAt = adapters.StoredTime(p.RetryAt)
	}
	if m.ProviderID != "" {
		delete(s.receipts, receiptKey{m.Via, m.ProviderID})
	}
	m.ProviderID, m.Via, m.Address = p.ProviderID, p.Via, p.Address
	if m.ProviderID != "" {
		s.receipts[receiptKey{m.Via, m.ProviderID}] = n
	}
	return nil
}

// MarkMessages implements adapters.OutboxBatch.
func (s *Store) MarkMessages(ctx context.Context, marks []adapters.MarkParams) ([]error, error) {
	errs, err := adapters.ValidateMarks(marks)
	if err != nil {
		return nil, fmt.Errorf("memory: mark %d messages: %w", len(marks), err)
	}
	if err := s.lock(ctx); err != nil {
		return nil, fmt.Errorf("memory: mark %d messages: %w", len(marks), err)
	}
	defer s.mu.Unlock()
	for i, p := range marks {
		if errs[i] == nil {
			errs[i] = s.markLocked(p)
		}
		if errs[i] != nil {
			errs[i] = fmt.Errorf("memory: mark message %q: %w", p.ID, errs[i])
		}
	}
	return errs, nil
}

// RecordReceipt implements adapters.DeliveryReceipts.
func (s *Store) RecordReceipt(ctx context.Context, r adapters.Receipt) error {
	if err := r.Validate(); err != nil {
		return fmt.Errorf("memory: record receipt: %w", err)
	}
	if err := s.lock(ctx); err != nil {
		return fmt.Errorf("memory: record %s receipt: %w", r.Channel, err)
	}
	defer s.mu.Unlock()
	n := s.receipts[receiptKey{r.Channel, r.ProviderID}]
	if n == 0 {
		return fmt.Errorf("memory: record %s receipt %q: %w", r.Channel, r.ProviderID, adapters.ErrNotFound)
	}
	m := s.msgs.at(n - 1)
	if m.Status != adapters.MessageSent {
		return nil
	}
	if r.Delivered {
		m.Status = adapters.MessageDelivered
	} else {
		m.Status, m.LastError = adapters.MessageFailed, r.Error
	}
	return nil
}
