package postgres

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The dispatcher asks Reach before every send and inbound texts find their
// sender with FindPerson: both, and an address's history, walk indexes
// without sorting, however many people a city keeps.
func TestPeopleStatementsUseIndexes(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	qs := quoteIdent(s.Schema())
	_, err := testPool(t).Exec(ctx, `INSERT INTO `+qs+`.people (`+personCols+`)
		SELECT 'person-' || i, '', '', '', '{sms}', '{}', 0, 0, timestamptz '2026-01-01' + i * interval '1 second'
		FROM generate_series(1, 20000) AS i;
		INSERT INTO `+qs+`.person_addresses (person_id, channel, address, updated_at)
		SELECT 'person-' || i, 'sms', '+1555' || lpad(i::text, 7, '0'), timestamptz '2026-01-01' + i * interval '1 second'
		FROM generate_series(1, 20000) AS i;
		INSERT INTO `+qs+`.consents (channel, address, person, via, words, at)
		SELECT 'sms', '+1555' || lpad(i::text, 7, '0'), '', 'web', '', timestamptz '2026-01-01'
		FROM generate_series(1, 20000) AS i;
		INSERT INTO `+qs+`.opt_outs (channel, address, opted_out, at, confirmation_id)
		SELECT 'sms', '+1555' || lpad(i::text, 7, '0'), i % 2 = 0, timestamptz '2026-01-01', ''
		FROM generate_series(1, 20000) AS i;
		INSERT INTO `+qs+`.opt_out_changes (channel, address, opted_out, via, words, at, confirmation_id)
		SELECT 'sms', '+1555' || lpad((i % 5000)::text, 7, '0'), true, 'keyword', 'STOP', timestamptz '2026-01-01' + i * interval '1 second', ''
		FROM generate_series(1, 20000) AS i;
		ANALYZE `+qs+`.people; ANALYZE `+qs+`.person_addresses; ANALYZE `+qs+`.consents;
		ANALYZE `+qs+`.opt_outs; ANALYZE `+qs+`.opt_out_changes`)
	require.NoError(t, err)

	st := s.sql.people
	statements := map[string]struct {
		sql  string
		args []any
	}{
		"GetPeople":         {st.getPeople, []any{[]string{"person-7", "person-8"}}},
		"FindPerson":        {st.findPerson, []any{"sms", "+15550000077"}},
		"Reach":             {st.reach, []any{"sms", []string{"+15550000077", "+15550000078"}}},
		"ListOptOutChanges": {st.listOptOutChanges, []any{"sms", "+15550000077"}},
	}
	for name, q := range statements {
		var raw []byte
		require.NoError(t, s.db.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+q.sql, q.args...).Scan(&raw), name)
		var plan []map[string]any
		require.NoError(t, json.Unmarshal(raw, &plan), name)
		var walk func(node map[string]any)
		walk = func(node map[string]any) {
			switch node["Node Type"] {
			case "Seq Scan":
				t.Errorf("%s: plan has a sequential scan, want an index:\n%s", name, raw)
			case "Sort", "Incremental Sort":
				t.Errorf("%s: plan sorts, want the index's order:\n%s", name, raw)
			}
			children, _ := node["Plans"].([]any)
			for _, c := range children {
				walk(c.(map[string]any))
			}
		}
		walk(plan[0]["Plan"].(map[string]any))
	}
}
