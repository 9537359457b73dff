package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/civickit/civickit/adapters"
)

var (
	_ adapters.OutboxBatch      = (*Store)(nil)
	_ adapters.DeliveryReceipts = (*Store)(nil)
)

// markMessagesSQL marks a batch in one statement from ten arrays. It
// says, per id, whether the mark was recorded and whether the message
// exists, which tells a conflict from an unknown id; the existence probe
// runs only for refused marks. Marks are sent
// sorted by id so that batches racing on the same rows lock them in one
// order.
const markMessagesSQL = `WITH input AS (
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[],
			$7::text[], $8::text[], $9::text[], $10::integer[]) AS i (id, owner, status, error, at, retry_at, provider_id, via, address, release)
	), marked AS (
		UPDATE {s}.messages m SET
			status = i.status, last_error = i.error, lease_owner = '', lease_expires_at = NULL,
			sent_at = CASE WHEN i.status IN ('sent', 'delivered') THEN i.at ELSE m.sent_at END,
			next_attempt_at = CASE WHEN i.status = 'pending' THEN i.retry_at ELSE m.next_attempt_at END,
			provider_id = i.provider_id, via = i.via, address = i.address, attempts = greatest(m.attempts - i.release, 0)
		FROM input i
		WHERE m.id = i.id AND m.lease_owner = i.owner AND m.status = 'pending'
		RETURNING m.id
	)
	SELECT i.id, mk.id IS NOT NULL, mk.id IS NOT NULL OR e.found IS NOT NULL
	FROM input i LEFT JOIN marked mk ON mk.id = i.id
	LEFT JOIN LATERAL (SELECT true AS found FROM {s}.messages e WHERE e.id = i.id AND mk.id IS NULL) e ON true`

// recordReceiptSQL moves a sent message forward and says whether any
// message has the channel and provider id.
const recordReceiptSQL = `WITH moved AS (
		UPDATE {s}.messages SET
			status = CASE WHEN $3::boolean THEN 'delivered' ELSE 'failed' END,
			last_error = CASE WHEN $3::boolean THEN last_error ELSE $4::text END
		WHERE via = $1 AND provider_id = $2 AND provider_id <> '' AND status = 'sent'
		RETURNING 1
	)
	SELECT EXISTS (SELECT FROM moved) OR EXISTS (SELECT FROM {s}.messages WHERE via = $1 AND provider_id = $2 AND provider_id <> '')`

// MarkMessages implements adapters.OutboxBatch: one statement.
func (s *Store) MarkMessages(ctx context.Context, marks []adapters.MarkParams) ([]error, error) {
	errs, err := s.markMessages(ctx, marks)
	if err != nil {
		return nil, fmt.Errorf("postgres: mark %d messages: %w", len(marks), fail(ctx, err))
	}
	for i, e := range errs {
		if e != nil {
			errs[i] = fmt.Errorf("postgres: mark message %q: %w", marks[i].ID, e)
		}
	}
	return errs, nil
}

func (s *Store) markMessages(ctx context.Context, marks []adapters.MarkParams) ([]error, error) {
	errs, err := adapters.ValidateMarks(marks)
	if err != nil {
		return nil, err
	}
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	valid := make([]int, 0, len(marks))
	for i := range marks {
		if errs[i] == nil {
			valid = append(valid, i)
		}
	}
	if len(valid) == 0 {
		return errs, nil
	}
	slices.SortFunc(valid, func(a, b int) int { return strings.Compare(marks[a].ID, marks[b].ID) })
	n := len(valid)
	id, owner, status, msg := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	at, retry := make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n)
	provider, via, address := make([]string, n), make([]string, n), make([]string, n)
	release := make([]int32, n)
	index := make(map[string]int, n)
	for k, i := range valid {
		p := marks[i]
		id[k], owner[k], status[k], msg[k] = p.ID, p.Owner, string(p.Status), p.Error
		at[k], retry[k] = ts(p.At), ts(p.RetryAt)
		provider[k], via[k], address[k] = p.ProviderID, p.Via, p.Address
		release[k] = releaseArg(p.Release)
		index[p.ID] = i
	}
	err = s.write(ctx, func(q querier) error {
		rows, err := q.Query(ctx, s.sql.markMessages, id, owner, status, msg, at, retry, provider, via, address, release)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var got string
			var marked, exists bool
			if err := rows.Scan(&got, &marked, &exists); err != nil {
				return err
			}
			i := index[got]
			switch {
			case !exists:
				errs[i] = adapters.ErrNotFound
			case !marked:
				errs[i] = fmt.Errorf("%w: not a pending message leased by %q", adapters.ErrConflict, marks[i].Owner)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return errs, nil
}

// RecordReceipt implements adapters.DeliveryReceipts.
func (s *Store) RecordReceipt(ctx context.Context, r adapters.Receipt) error {
	if err := s.recordReceipt(ctx, r); err != nil {
		return fmt.Errorf("postgres: record %s receipt %q: %w", r.Channel, r.ProviderID, fail(ctx, err))
	}
	return nil
}

func (s *Store) recordReceipt(ctx context.Context, r adapters.Receipt) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if err := s.enter(ctx); err != nil {
		return err
	}
	var found bool
	err := s.write(ctx, func(q querier) error {
		return q.QueryRow(ctx, s.sql.recordReceipt, r.Channel, r.ProviderID, r.Delivered, r.Error).Scan(&found)
	})
	if err == nil && !found {
		return adapters.ErrNotFound
	}
	return err
}

// releaseArg is the attempt a Release mark takes back.
func releaseArg(release bool) int32 {
	if release {
		return 1
	}
	return 0
}
