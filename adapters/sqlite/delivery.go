package sqlite

import (
	"context"
	"errors"
	"fmt"

	"github.com/civickit/civickit/adapters"
)

var (
	_ adapters.OutboxBatch      = (*Store)(nil)
	_ adapters.DeliveryReceipts = (*Store)(nil)
)

const recordReceipt = `UPDATE messages INDEXED BY messages_receipt
	SET status = CASE WHEN ? THEN 'delivered' ELSE 'failed' END,
		last_error = CASE WHEN ? THEN last_error ELSE ? END
	WHERE via = ? AND provider_id = ? AND provider_id <> '' AND status = 'sent'`

// markOne records one outcome inside w's transaction.
func markOne(ctx context.Context, w *writer, p adapters.MarkParams) error {
	sent := p.Status == adapters.MessageSent || p.Status == adapters.MessageDelivered
	retry := p.Status == adapters.MessagePending
	release := 0
	if p.Release {
		release = 1
	}
	n, err := w.execN(ctx, markMessage, string(p.Status), p.Error, sent, timeArg(p.At), retry, timeArg(p.RetryAt),
		p.ProviderID, p.Via, p.Address, release, p.ID, p.Owner)
	if err != nil || n == 1 {
		return err
	}
	return missingOr(ctx, w, `SELECT 1 FROM messages WHERE id = ?`, []any{p.ID},
		fmt.Errorf("%w: message is not leased by %q", adapters.ErrConflict, p.Owner))
}

// MarkMessages implements adapters.OutboxBatch: one write transaction.
func (s *Store) MarkMessages(ctx context.Context, marks []adapters.MarkParams) ([]error, error) {
	errs, err := adapters.ValidateMarks(marks)
	if err != nil {
		return nil, fmt.Errorf("sqlite: mark %d messages: %w", len(marks), err)
	}
	err = s.write(ctx, func(w *writer) error {
		for i, p := range marks {
			if errs[i] != nil {
				continue
			}
			err := markOne(ctx, w, p)
			if err != nil && !errors.Is(err, adapters.ErrNotFound) && !errors.Is(err, adapters.ErrConflict) {
				return err
			}
			errs[i] = err
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: mark %d messages: %w", len(marks), err)
	}
	for i, e := range errs {
		if e != nil {
			errs[i] = fmt.Errorf("sqlite: mark message %q: %w", marks[i].ID, e)
		}
	}
	return errs, nil
}

// RecordReceipt implements adapters.DeliveryReceipts.
func (s *Store) RecordReceipt(ctx context.Context, r adapters.Receipt) error {
	if err := r.Validate(); err != nil {
		return fmt.Errorf("sqlite: record receipt: %w", err)
	}
	err := s.write(ctx, func(w *writer) error {
		n, err := w.execN(ctx, recordReceipt, r.Delivered, r.Delivered, r.Error, r.Channel, r.ProviderID)
		if err != nil || n > 0 {
			return err
		}
		row, err := w.queryRow(ctx, `SELECT 1 FROM messages INDEXED BY messages_receipt WHERE via = ? AND provider_id = ? AND provider_id <> '' LIMIT 1`, r.Channel, r.ProviderID)
		if err != nil {
			return err
		}
		var one int
		return translate(ctx, row.Scan(&one))
	})
	if err != nil {
		return fmt.Errorf("sqlite: record %s receipt %q: %w", r.Channel, r.ProviderID, err)
	}
	return nil
}
