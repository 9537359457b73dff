package postgres

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
)

// The conversation and held-reply statements find their rows through
// indexes, and the listings read one index range in their order (no sort,
// no sequential scan), however many conversations and replies a city
// keeps.
func TestConversationStatementsWalkTheirIndexes(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	qs := quoteIdent(s.Schema())
	// 40,000 conversations, one in ten reminded; 40,000 held replies over
	// 4 channels, one in four resolved.
	_, err := testPool(t).Exec(ctx, `INSERT INTO `+qs+`.conversations (`+conversationCols+`)
		SELECT 'sms', '+1555' || lpad(i::text, 7, '0'), 'form', 1, 'en', '{}'::bytea, 1,
			timestamptz '2026-01-01' + i * interval '1 second', timestamptz '2026-01-01' + i * interval '1 second',
			timestamptz '2026-01-02' + i * interval '1 second',
			CASE WHEN i % 10 = 0 THEN timestamptz '2026-01-01' + i * interval '2 second' END
		FROM generate_series(1, 40000) AS i;
		INSERT INTO `+qs+`.held_replies (`+heldReplyCols+`)
		SELECT 'held-' || i, (ARRAY['sms','email','letter','web'])[1 + i % 4], '+15550000000', '+15559999999', '', 'body', '', '',
			NULL, 'no reference', timestamptz '2026-01-01' + i * interval '1 second',
			CASE WHEN i % 4 = 0 THEN timestamptz '2026-01-03' END, '', '', ''
		FROM generate_series(1, 40000) AS i;
		ANALYZE `+qs+`.conversations; ANALYZE `+qs+`.held_replies`)
	require.NoError(t, err)

	at := time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)
	st := s.sql.conversations
	type shape struct {
		sql  string
		args []any
		// ordered marks a listing that must walk its index in order.
		ordered bool
	}
	shapes := map[string]shape{
		"GetConversation":            {st.getConversation, []any{"sms", "+15550000077", ts(at)}, false},
		"CreateConversation":         {st.createConversation, []any{"sms", "+15550000077", "form", 1, "en", []byte("{}"), ts(at), ts(at), ts(at), nil}, false},
		"UpdateConversation":         {st.updateConversation, []any{"sms", "+15550000077", "form", 1, "en", []byte("{}"), ts(at), ts(at), ts(at), nil, int64(1)}, false},
		"DeleteConversation":         {st.deleteConversation, []any{"sms", "+15550000077", int64(1)}, false},
		"ListQuietConversations":     {st.listQuiet, []any{ts(at), ts(at), 100}, true},
		"DeleteExpiredConversations": {st.deleteExpired, []any{ts(at.Add(24 * time.Hour))}, false},
		"GetHeldReply":               {st.getHeldReply, []any{"held-77"}, false},
		"ResolveHeldReply":           {st.resolveHeldReply, []any{"held-77", ts(at), "case-1", "staff-1", ""}, false},
	}
	cursor := func(q adapters.HeldReplyQuery) adapters.HeldReplyQuery {
		q.Cursor = q.NextCursor(adapters.HeldReply{ID: "held-7000", HeldAt: at})
		return q
	}
	for name, q := range map[string]adapters.HeldReplyQuery{
		"HeldWaiting":                  {},
		"HeldWaitingAfterCursor":       cursor(adapters.HeldReplyQuery{}),
		"HeldWaitingOfAChannel":        cursor(adapters.HeldReplyQuery{Channel: "sms"}),
		"HeldResolved":                 {Resolved: true},
		"HeldResolvedOfAChannelCursor": cursor(adapters.HeldReplyQuery{Resolved: true, Channel: "email"}),
	} {
		require.NoError(t, q.Validate(), name)
		sql, args := s.heldListSQL(q)
		shapes["List"+name] = shape{sql, args, true}
	}
	for name, sh := range shapes {
		var raw []byte
		require.NoError(t, s.db.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+sh.sql, sh.args...).Scan(&raw), name)
		var plan []map[string]any
		require.NoError(t, json.Unmarshal(raw, &plan), name)
		var walk func(node map[string]any)
		walk = func(node map[string]any) {
			switch typ := node["Node Type"]; {
			case typ == "Seq Scan":
				t.Errorf("%s: plan has a sequential scan, want an index:\n%s", name, raw)
			case sh.ordered && (typ == "Sort" || typ == "Incremental Sort" || typ == "Bitmap Heap Scan"):
				t.Errorf("%s: plan has a %s node, want an ordered index scan:\n%s", name, typ, raw)
			}
			children, _ := node["Plans"].([]any)
			for _, c := range children {
				walk(c.(map[string]any))
			}
		}
		walk(plan[0]["Plan"].(map[string]any))
	}
}
