package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/civickit/civickit/adapters"
)

const (
	personCols   = `id, issuer, locale, time_zone, channels, addresses, quiet_start, quiet_end, updated_at`
	upsertPerson = `INSERT INTO people (` + personCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET issuer = excluded.issuer, locale = excluded.locale, time_zone = excluded.time_zone,
		channels = excluded.channels, addresses = excluded.addresses, quiet_start = excluded.quiet_start,
		quiet_end = excluded.quiet_end, updated_at = excluded.updated_at`
	deleteAddresses = `DELETE FROM person_addresses WHERE person_id = ?`
	insertAddress   = `INSERT INTO person_addresses (person_id, channel, address, updated_at) VALUES (?, ?, ?, ?)`
	selectPeople    = `SELECT ` + personCols + ` FROM people WHERE id IN (SELECT value FROM json_each(?))`
	findPerson      = `SELECT p.id, p.issuer, p.locale, p.time_zone, p.channels, p.addresses, p.quiet_start, p.quiet_end, p.updated_at
		FROM person_addresses a JOIN people p ON p.id = a.person_id
		WHERE a.channel = ? AND a.address = ? ORDER BY a.updated_at DESC, a.person_id LIMIT 1`
	insertConsent = `INSERT INTO consents (channel, address, person, via, words, at) VALUES (?, ?, ?, ?, ?, ?)`
	selectOptOut  = `SELECT opted_out FROM opt_outs WHERE channel = ? AND address = ?`
	upsertOptOut  = `INSERT INTO opt_outs (channel, address, opted_out, at, confirmation_id) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (channel, address) DO UPDATE SET opted_out = excluded.opted_out, at = excluded.at,
		confirmation_id = excluded.confirmation_id`
	insertOptOutChange = `INSERT INTO opt_out_changes (channel, address, opted_out, via, words, at, confirmation_id)
		VALUES (?, ?, ?, ?, ?, ?, ?)`
	// selectReach reads every address of a batch in one statement, so the
	// answer is one snapshot.
	selectReach = `SELECT j.value,
		EXISTS (SELECT 1 FROM consents c WHERE c.channel = ?1 AND c.address = j.value),
		ifnull(o.opted_out, 0), CASE WHEN o.opted_out THEN o.at END, CASE WHEN o.opted_out THEN o.confirmation_id ELSE '' END
		FROM json_each(?2) j LEFT JOIN opt_outs o ON o.channel = ?1 AND o.address = j.value`
	optOutChangeCols    = `channel, address, opted_out, via, words, at, confirmation_id`
	selectOptOutChanges = `SELECT ` + optOutChangeCols + ` FROM opt_out_changes
		WHERE channel = ? AND address = ? ORDER BY at, seq`
)

// jsonText is v as a JSON TEXT column value.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// jsonColumn reads a JSON TEXT column into v.
type jsonColumn struct{ v any }

func (j jsonColumn) Scan(src any) error {
	var b []byte
	switch src := src.(type) {
	case string:
		b = []byte(src)
	case []byte:
		b = src
	default:
		return fmt.Errorf("JSON column holds %T", src)
	}
	return json.Unmarshal(b, j.v)
}

func personDest(p *adapters.Person) []any {
	return []any{&p.ID, &p.Issuer, &p.Locale, &p.TimeZone, jsonColumn{&p.Channels}, jsonColumn{&p.Addresses},
		&p.QuietStart, &p.QuietEnd, nullTime{&p.UpdatedAt}}
}

// PutPerson implements adapters.PeopleStore.
func (s *Store) PutPerson(ctx context.Context, p adapters.Person) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("sqlite: put person %q: %w", p.ID, err)
	}
	channels, err := jsonText(p.Channels)
	if err != nil {
		return fmt.Errorf("sqlite: put person %q: %w", p.ID, err)
	}
	addresses, err := jsonText(p.Addresses)
	if err != nil {
		return fmt.Errorf("sqlite: put person %q: %w", p.ID, err)
	}
	err = s.write(ctx, func(w *writer) error {
		if _, err := w.exec(ctx, upsertPerson, p.ID, p.Issuer, p.Locale, p.TimeZone, channels, addresses,
			p.QuietStart, p.QuietEnd, timeArg(p.UpdatedAt)); err != nil {
			return err
		}
		if _, err := w.exec(ctx, deleteAddresses, p.ID); err != nil {
			return err
		}
		for c, a := range p.Addresses {
			if _, err := w.exec(ctx, insertAddress, p.ID, c, a, timeArg(p.UpdatedAt)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: put person %q: %w", p.ID, err)
	}
	return nil
}

// GetPeople implements adapters.PeopleStore.
func (s *Store) GetPeople(ctx context.Context, ids []string) (map[string]adapters.Person, error) {
	if err := adapters.ValidatePersonIDs(ids); err != nil {
		return nil, fmt.Errorf("sqlite: get %d people: %w", len(ids), err)
	}
	out := make(map[string]adapters.Person, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	list, err := jsonText(ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: get %d people: %w", len(ids), err)
	}
	found, err := readRows(ctx, s, personDest, selectPeople, list)
	if err != nil {
		return nil, fmt.Errorf("sqlite: get %d people: %w", len(ids), err)
	}
	for _, p := range found {
		out[p.ID] = p
	}
	return out, nil
}

// FindPerson implements adapters.PeopleStore.
func (s *Store) FindPerson(ctx context.Context, channel, address string) (adapters.Person, error) {
	if err := adapters.ValidateChannelAddress(channel, address); err != nil {
		return adapters.Person{}, fmt.Errorf("sqlite: find person by %s address: %w", channel, err)
	}
	var p adapters.Person
	if err := s.readRow(ctx, findPerson, []any{channel, address}, personDest(&p)...); err != nil {
		// The address is personal data: the error names only the channel.
		return adapters.Person{}, fmt.Errorf("sqlite: find person by %s address: %w", channel, err)
	}
	return p, nil
}

// RecordConsent implements adapters.PeopleStore.
func (s *Store) RecordConsent(ctx context.Context, c adapters.Consent) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("sqlite: record %s consent: %w", c.Channel, err)
	}
	err := s.write(ctx, func(w *writer) error {
		_, err := w.exec(ctx, insertConsent, c.Channel, c.Address, c.Person, c.Via, c.Words, timeArg(c.At))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: record %s consent: %w", c.Channel, err)
	}
	return nil
}

// SetOptOut implements adapters.PeopleStore. Writes take turns on one
// connection, so reading the state and changing it cannot interleave with
// another change; the confirmation is written as EnqueueMessages writes.
func (s *Store) SetOptOut(ctx context.Context, c adapters.OptOutChange) (bool, error) {
	if err := c.Validate(); err != nil {
		return false, fmt.Errorf("sqlite: set %s opt-out: %w", c.Channel, err)
	}
	var changed bool
	err := s.write(ctx, func(w *writer) error {
		row, err := w.queryRow(ctx, selectOptOut, c.Channel, c.Address)
		if err != nil {
			return err
		}
		var out bool
		if err := row.Scan(&out); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if out == c.Out {
			return nil
		}
		confirmation := ""
		if c.Confirmation.ID != "" {
			if err := insertMessages(ctx, w, "", []adapters.Message{c.Confirmation}); err != nil {
				return err
			}
			if c.Out {
				confirmation = c.Confirmation.ID
			}
		}
		if _, err := w.exec(ctx, upsertOptOut, c.Channel, c.Address, c.Out, timeArg(c.At), confirmation); err != nil {
			return err
		}
		if _, err := w.exec(ctx, insertOptOutChange, c.Channel, c.Address, c.Out, c.Via, c.Words, timeArg(c.At),
			c.Confirmation.ID); err != nil {
			return err
		}
		changed = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("sqlite: set %s opt-out: %w", c.Channel, err)
	}
	return changed, nil
}

// Reach implements adapters.PeopleStore.
func (s *Store) Reach(ctx context.Context, channel string, addresses []string) (map[string]adapters.Reach, error) {
	if err := adapters.ValidateReach(channel, addresses); err != nil {
		return nil, fmt.Errorf("sqlite: reach %d %s addresses: %w", len(addresses), channel, err)
	}
	out := make(map[string]adapters.Reach, len(addresses))
	if len(addresses) == 0 {
		return out, nil
	}
	list, err := jsonText(addresses)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reach %d %s addresses: %w", len(addresses), channel, err)
	}
	type reach struct {
		address string
		adapters.Reach
	}
	rows, err := readRows(ctx, s, func(r *reach) []any {
		return []any{&r.address, &r.Consented, &r.OptedOut, nullTime{&r.OptedOutAt}, &r.ConfirmationID}
	}, selectReach, channel, list)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reach %d %s addresses: %w", len(addresses), channel, err)
	}
	for _, r := range rows {
		out[r.address] = r.Reach
	}
	return out, nil
}

// ListOptOutChanges implements adapters.PeopleStore.
func (s *Store) ListOptOutChanges(ctx context.Context, channel, address string) ([]adapters.OptOutChange, error) {
	if err := adapters.ValidateChannelAddress(channel, address); err != nil {
		return nil, fmt.Errorf("sqlite: list %s opt-out changes: %w", channel, err)
	}
	out, err := readRows(ctx, s, func(c *adapters.OptOutChange) []any {
		return []any{&c.Channel, &c.Address, &c.Out, &c.Via, &c.Words, nullTime{&c.At}, &c.Confirmation.ID}
	}, selectOptOutChanges, channel, address)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list %s opt-out changes: %w", channel, err)
	}
	return out, nil
}
