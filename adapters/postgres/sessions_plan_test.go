package postgres

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Every request reads its session through an index, a replay check reads
// its flow through one, and revocations and the purge find their rows
// through indexes too, however many sessions a city keeps.
func TestSessionStatementsUseIndexes(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	qs := quoteIdent(s.Schema())
	_, err := testPool(t).Exec(ctx, `INSERT INTO `+qs+`.sessions (id, issuer, subject, provider_sid, created_at, expires_at)
		SELECT 'session-' || i, 'https://id.example/' || (i % 3), 'resident-' || (i % 10000), 'sid-' || i,
			timestamptz '2026-01-01' + i * interval '1 second', timestamptz '2026-01-01 12:00' + i * interval '1 second'
		FROM generate_series(1, 40000) AS i;
		INSERT INTO `+qs+`.consumed_flows (key, expires_at)
		SELECT 'flow-' || i, timestamptz '2026-01-01' + i * interval '1 second' FROM generate_series(1, 40000) AS i;
		ANALYZE `+qs+`.sessions; ANALYZE `+qs+`.consumed_flows`)
	require.NoError(t, err)

	early := ts(time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC)) // a minute's worth expired
	statements := map[string]struct {
		sql  string
		args []any
	}{
		"SessionActive":         {sessionActiveSQL, []any{"session-77", early}},
		"RevokeSession":         {revokeSessionSQL, []any{"session-77"}},
		"RevokeBySID":           {revokeBySIDSQL, []any{"https://id.example/1", "sid-77"}},
		"RevokeBySubject":       {revokeBySubjectSQL, []any{"https://id.example/1", "resident-77"}},
		"FlowConsumed":          {flowConsumedSQL, []any{"flow-77", early}},
		"DeleteExpiredSessions": {expireSessionsSQL, []any{early}},
	}
	for name, st := range statements {
		var raw []byte
		require.NoError(t, s.db.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+s.inSchema(st.sql), st.args...).Scan(&raw), name)
		var plan []map[string]any
		require.NoError(t, json.Unmarshal(raw, &plan), name)
		var walk func(node map[string]any)
		walk = func(node map[string]any) {
			if typ := node["Node Type"]; typ == "Seq Scan" {
				t.Errorf("%s: plan has a sequential scan, want an index:\n%s", name, raw)
			}
			children, _ := node["Plans"].([]any)
			for _, c := range children {
				walk(c.(map[string]any))
			}
		}
		walk(plan[0]["Plan"].(map[string]any))
	}
}
