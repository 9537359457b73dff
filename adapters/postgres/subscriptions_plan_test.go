package postgres

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
)

// The listings of subscriptions and updates read one index range in
// their order (no sort, no sequential scan), and the expansion of a
// message finds the topic's subscribers through the primary key, however
// many subscriptions a city keeps.
func TestSubscriptionListingsWalkAnIndexInOrder(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	qs := quoteIdent(s.Schema())
	// 40 topics of 1,000 followers each, as busy wards have, and 800
	// updates per topic.
	_, err := testPool(t).Exec(ctx, `INSERT INTO `+qs+`.subscriptions (topic, person, created_at)
		SELECT 'area:ward-' || (i % 40), 'resident-' || i, timestamptz '2026-01-01' + i * interval '1 second'
		FROM generate_series(1, 40000) AS i;
		INSERT INTO `+qs+`.updates (`+updateCols+`)
		SELECT 'update-' || i, 'area:ward-' || (i % 20), 'staff-1', '', 'Title', 'Body', timestamptz '2026-01-01' + i * interval '1 minute'
		FROM generate_series(1, 16000) AS i`)
	require.NoError(t, err)
	_, err = testPool(t).Exec(ctx, `VACUUM ANALYZE `+qs+`.subscriptions`)
	require.NoError(t, err)
	_, err = testPool(t).Exec(ctx, `VACUUM ANALYZE `+qs+`.updates`)
	require.NoError(t, err)

	ward := adapters.AreaTopic("ward-7")
	subscribers := adapters.SubscriberQuery{Topic: ward}
	updates := adapters.UpdateQuery{Topic: ward}
	updatesAfter := adapters.UpdateQuery{Topic: ward, Cursor: updates.NextCursor(adapters.Update{ID: "update-8007", CreatedAt: time.Date(2026, 1, 6, 13, 27, 0, 0, time.UTC)})}
	updatesSQL, updatesArgs := s.listUpdatesSQL(updates)
	afterSQL, afterArgs := s.listUpdatesSQL(updatesAfter)
	addressed := []adapters.Message{{ID: "m-1", IdempotencyKey: "m-1", Recipient: string(ward), CreatedAt: time.Now()}}
	// ordered: the statement must walk an index in its order; the others
	// (a count, the expansion's join) need only find their rows through
	// an index.
	statements := map[string]struct {
		sql     string
		args    []any
		ordered bool
	}{
		"ListSubscriptions":     {s.sql.subscriptions.listSubscriptions, []any{"resident-77"}, true},
		"ListSubscribers":       {s.sql.subscriptions.listSubscribers, []any{string(ward), "", subscribers.PageSize() + 1}, true},
		"ListSubscribersAfter":  {s.sql.subscriptions.listSubscribers, []any{string(ward), "resident-5007", subscribers.PageSize() + 1}, true},
		"CountSubscribers":      {s.sql.subscriptions.countSubscribers, []any{string(ward)}, false},
		"ListUpdates":           {updatesSQL, updatesArgs, true},
		"ListUpdatesAfter":      {afterSQL, afterArgs, true},
		"ExpandOneMessageByKey": {s.sql.subscriptions.enqueueExpanding, append(append(append(messageArgs(nil), caseIDs(nil)), messageArgs(addressed)...), caseIDs(addressed)), false},
	}
	for name, st := range statements {
		var raw []byte
		require.NoError(t, s.db.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+st.sql, st.args...).Scan(&raw), name)
		var plan []map[string]any
		require.NoError(t, json.Unmarshal(raw, &plan), name)
		var walk func(node map[string]any)
		walk = func(node map[string]any) {
			switch typ := node["Node Type"]; typ {
			case "Sort", "Incremental Sort", "Seq Scan":
				t.Errorf("%s: plan has a %s node, want an index scan:\n%s", name, typ, raw)
			case "Bitmap Heap Scan":
				if st.ordered {
					t.Errorf("%s: plan has a %s node, want an ordered index scan:\n%s", name, typ, raw)
				}
			}
			children, _ := node["Plans"].([]any)
			for _, c := range children {
				walk(c.(map[string]any))
			}
		}
		walk(plan[0]["Plan"].(map[string]any))
	}
}
