package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/civickit/civickit/adapters"
)

// peopleStatements is the SQL of the people methods, qualified with the
// store's schema.
type peopleStatements struct {
	putPerson, putAddresses, deleteAddresses string
	getPeople, findPerson                    string
	recordConsent                            string
	optOut, optIn                            string
	reach, listOptOutChanges                 string
}

const personCols = `id, issuer, locale, time_zone, channels, addresses, quiet_start, quiet_end, updated_at`

// setOptOut is the statement of one opt-out change: state changes the
// current state and returns a row only when it changed, so the history
// entry and the confirmation ($8..$16 and its case $17, written as the
// outbox writes messages)
// follow only a change. The row lock the change takes makes racing changes
// of one address queue, each seeing the state the previous one left.
func setOptOut(state string) string {
	return `WITH st AS (
		` + state + `
	), ch AS (
		INSERT INTO {s}.opt_out_changes (channel, address, opted_out, via, words, at, confirmation_id)
		SELECT $1, $2, $3, $5, $6, $4, $7 FROM st
	), msg AS (
		` + insertMessage("$17::text", "st WHERE $8::text <> ''", 8) + `
	)
	SELECT EXISTS (SELECT FROM st)`
}

func newPeopleStatements(schema string) *peopleStatements {
	st := &peopleStatements{
		putPerson: `INSERT INTO {s}.people (` + personCols + `) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9)
			ON CONFLICT (id) DO UPDATE SET issuer = excluded.issuer, locale = excluded.locale, time_zone = excluded.time_zone,
			channels = excluded.channels, addresses = excluded.addresses, quiet_start = excluded.quiet_start,
			quiet_end = excluded.quiet_end, updated_at = excluded.updated_at`,
		deleteAddresses: `DELETE FROM {s}.person_addresses WHERE person_id = $1 AND channel <> ALL ($2::text[])`,
		putAddresses: `INSERT INTO {s}.person_addresses (person_id, channel, address, updated_at)
			SELECT $1, a.channel, a.address, $4 FROM unnest($2::text[], $3::text[]) AS a (channel, address)
			ON CONFLICT (person_id, channel) DO UPDATE SET address = excluded.address, updated_at = excluded.updated_at`,
		getPeople: `SELECT ` + personCols + ` FROM {s}.people WHERE id = ANY ($1::text[])`,
		findPerson: `SELECT ` + prefixed("p.", personCols) + `
			FROM {s}.person_addresses a JOIN {s}.people p ON p.id = a.person_id
			WHERE a.channel = $1 AND a.address = $2 ORDER BY a.updated_at DESC, a.person_id LIMIT 1`,
		recordConsent: `INSERT INTO {s}.consents (channel, address, person, via, words, at) VALUES ($1, $2, $3, $4, $5, $6)`,
		optOut: setOptOut(`INSERT INTO {s}.opt_outs AS o (channel, address, opted_out, at, confirmation_id)
		VALUES ($1, $2, true, $4, $7)
		ON CONFLICT (channel, address) DO UPDATE SET opted_out = true, at = excluded.at, confirmation_id = excluded.confirmation_id
		WHERE NOT o.opted_out
		RETURNING 1`),
		optIn: setOptOut(`UPDATE {s}.opt_outs SET opted_out = false, at = $4, confirmation_id = ''
		WHERE channel = $1 AND address = $2 AND opted_out
		RETURNING 1`),
		// One statement reads the whole batch, so the answer is one
		// snapshot.
		reach: `SELECT a.address,
			EXISTS (SELECT FROM {s}.consents c WHERE c.channel = $1 AND c.address = a.address),
			coalesce(o.opted_out, false), CASE WHEN o.opted_out THEN o.at END,
			CASE WHEN o.opted_out THEN o.confirmation_id ELSE '' END
			FROM unnest($2::text[]) AS a (address)
			LEFT JOIN {s}.opt_outs o ON o.channel = $1 AND o.address = a.address`,
		listOptOutChanges: `SELECT channel, address, opted_out, via, words, at, confirmation_id FROM {s}.opt_out_changes
			WHERE channel = $1 AND address = $2 ORDER BY at, seq`,
	}
	q := quoteIdent(schema)
	for _, p := range []*string{
		&st.putPerson, &st.putAddresses, &st.deleteAddresses, &st.getPeople, &st.findPerson,
		&st.recordConsent, &st.optOut, &st.optIn, &st.reach, &st.listOptOutChanges,
	} {
		*p = strings.ReplaceAll(*p, "{s}", q)
	}
	return st
}

func scanPerson(row pgx.Row) (adapters.Person, error) {
	var p adapters.Person
	var addresses []byte
	var updated pgtype.Timestamptz
	if err := row.Scan(&p.ID, &p.Issuer, &p.Locale, &p.TimeZone, &p.Channels, &addresses,
		&p.QuietStart, &p.QuietEnd, &updated); err != nil {
		return adapters.Person{}, err
	}
	if err := json.Unmarshal(addresses, &p.Addresses); err != nil {
		return adapters.Person{}, fmt.Errorf("person %q addresses: %w", p.ID, err)
	}
	if len(p.Channels) == 0 {
		p.Channels = nil
	}
	if len(p.Addresses) == 0 {
		p.Addresses = nil
	}
	p.UpdatedAt = fromTS(updated)
	return p, nil
}

// PutPerson implements adapters.PeopleStore.
func (s *Store) PutPerson(ctx context.Context, p adapters.Person) error {
	if err := s.putPerson(ctx, p); err != nil {
		return fmt.Errorf("postgres: put person %q: %w", p.ID, fail(ctx, err))
	}
	return nil
}

func (s *Store) putPerson(ctx context.Context, p adapters.Person) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if err := s.enter(ctx); err != nil {
		return err
	}
	addresses, err := json.Marshal(p.Addresses)
	if err != nil {
		return err
	}
	if p.Addresses == nil {
		addresses = []byte("{}")
	}
	channels := p.Channels
	if channels == nil {
		channels = []string{}
	}
	addrChannels, addrs := make([]string, 0, len(p.Addresses)), make([]string, 0, len(p.Addresses))
	for c, a := range p.Addresses {
		addrChannels, addrs = append(addrChannels, c), append(addrs, a)
	}
	return s.inTransaction(ctx, func(q querier) error {
		if _, err := q.Exec(ctx, s.sql.people.putPerson, p.ID, p.Issuer, p.Locale, p.TimeZone, channels, addresses,
			p.QuietStart, p.QuietEnd, ts(p.UpdatedAt)); err != nil {
			return err
		}
		if _, err := q.Exec(ctx, s.sql.people.deleteAddresses, p.ID, addrChannels); err != nil {
			return err
		}
		_, err := q.Exec(ctx, s.sql.people.putAddresses, p.ID, addrChannels, addrs, ts(p.UpdatedAt))
		return err
	})
}

// GetPeople implements adapters.PeopleStore.
func (s *Store) GetPeople(ctx context.Context, ids []string) (map[string]adapters.Person, error) {
	out, err := s.getPeople(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: get %d people: %w", len(ids), fail(ctx, err))
	}
	return out, nil
}

func (s *Store) getPeople(ctx context.Context, ids []string) (map[string]adapters.Person, error) {
	if err := adapters.ValidatePersonIDs(ids); err != nil {
		return nil, err
	}
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	out := make(map[string]adapters.Person, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	found, err := queryAll(ctx, s, scanPerson, s.sql.people.getPeople, ids)
	for _, p := range found {
		out[p.ID] = p
	}
	return out, err
}

// FindPerson implements adapters.PeopleStore.
func (s *Store) FindPerson(ctx context.Context, channel, address string) (adapters.Person, error) {
	p, err := s.findPerson(ctx, channel, address)
	if err != nil {
		// The address is personal data: the error names only the channel.
		return adapters.Person{}, fmt.Errorf("postgres: find person by %s address: %w", channel, fail(ctx, err))
	}
	return p, nil
}

func (s *Store) findPerson(ctx context.Context, channel, address string) (adapters.Person, error) {
	if err := adapters.ValidateChannelAddress(channel, address); err != nil {
		return adapters.Person{}, err
	}
	if err := s.enter(ctx); err != nil {
		return adapters.Person{}, err
	}
	return queryOne(ctx, s, scanPerson, s.sql.people.findPerson, channel, address)
}

// RecordConsent implements adapters.PeopleStore.
func (s *Store) RecordConsent(ctx context.Context, c adapters.Consent) error {
	if err := s.recordConsent(ctx, c); err != nil {
		return fmt.Errorf("postgres: record %s consent: %w", c.Channel, fail(ctx, err))
	}
	return nil
}

func (s *Store) recordConsent(ctx context.Context, c adapters.Consent) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := s.enter(ctx); err != nil {
		return err
	}
	return s.write(ctx, func(q querier) error {
		_, err := q.Exec(ctx, s.sql.people.recordConsent, c.Channel, c.Address, c.Person, c.Via, c.Words, ts(c.At))
		return err
	})
}

// SetOptOut implements adapters.PeopleStore. The change, its history entry
// and its confirmation are one statement.
func (s *Store) SetOptOut(ctx context.Context, c adapters.OptOutChange) (bool, error) {
	changed, err := s.setOptOut(ctx, c)
	if err != nil {
		return false, fmt.Errorf("postgres: set %s opt-out: %w", c.Channel, fail(ctx, err))
	}
	return changed, nil
}

func (s *Store) setOptOut(ctx context.Context, c adapters.OptOutChange) (bool, error) {
	if err := c.Validate(); err != nil {
		return false, err
	}
	if err := s.enter(ctx); err != nil {
		return false, err
	}
	query, kept := s.sql.people.optIn, ""
	if c.Out {
		query, kept = s.sql.people.optOut, c.Confirmation.ID
	}
	m := c.Confirmation
	args := []any{c.Channel, c.Address, c.Out, ts(c.At), c.Via, c.Words, kept,
		m.ID, m.Channel, m.Recipient, m.Template, m.Locale, jsonText(m.Data), m.IdempotencyKey, ts(m.NextAttemptAt), ts(m.CreatedAt), m.CaseID}
	var changed bool
	err := s.write(ctx, func(q querier) error {
		return q.QueryRow(ctx, query, args...).Scan(&changed)
	})
	return changed, err
}

// Reach implements adapters.PeopleStore.
func (s *Store) Reach(ctx context.Context, channel string, addresses []string) (map[string]adapters.Reach, error) {
	out, err := s.reach(ctx, channel, addresses)
	if err != nil {
		return nil, fmt.Errorf("postgres: reach %d %s addresses: %w", len(addresses), channel, fail(ctx, err))
	}
	return out, nil
}

type reachRow struct {
	address string
	r       adapters.Reach
}

func (s *Store) reach(ctx context.Context, channel string, addresses []string) (map[string]adapters.Reach, error) {
	if err := adapters.ValidateReach(channel, addresses); err != nil {
		return nil, err
	}
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	out := make(map[string]adapters.Reach, len(addresses))
	if len(addresses) == 0 {
		return out, nil
	}
	rows, err := queryAll(ctx, s, func(row pgx.Row) (reachRow, error) {
		var r reachRow
		var at pgtype.Timestamptz
		err := row.Scan(&r.address, &r.r.Consented, &r.r.OptedOut, &at, &r.r.ConfirmationID)
		r.r.OptedOutAt = fromTS(at)
		return r, err
	}, s.sql.people.reach, channel, addresses)
	for _, r := range rows {
		out[r.address] = r.r
	}
	return out, err
}

// ListOptOutChanges implements adapters.PeopleStore.
func (s *Store) ListOptOutChanges(ctx context.Context, channel, address string) ([]adapters.OptOutChange, error) {
	out, err := s.listOptOutChanges(ctx, channel, address)
	if err != nil {
		return nil, fmt.Errorf("postgres: list %s opt-out changes: %w", channel, fail(ctx, err))
	}
	return out, nil
}

func (s *Store) listOptOutChanges(ctx context.Context, channel, address string) ([]adapters.OptOutChange, error) {
	if err := adapters.ValidateChannelAddress(channel, address); err != nil {
		return nil, err
	}
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	return queryAll(ctx, s, func(row pgx.Row) (adapters.OptOutChange, error) {
		var c adapters.OptOutChange
		var at pgtype.Timestamptz
		err := row.Scan(&c.Channel, &c.Address, &c.Out, &c.Via, &c.Words, &at, &c.Confirmation.ID)
		c.At = fromTS(at)
		return c, err
	}, s.sql.people.listOptOutChanges, channel, address)
}
