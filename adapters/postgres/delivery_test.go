package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
)

var (
	_ adapters.OutboxBatch      = (*serialStore)(nil)
	_ adapters.DeliveryReceipts = (*serialStore)(nil)
)

func (s *serialStore) MarkMessages(ctx context.Context, marks []adapters.MarkParams) ([]error, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.MarkMessages(ctx, marks)
}

func (s *serialStore) RecordReceipt(ctx context.Context, r adapters.Receipt) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.RecordReceipt(ctx, r)
}

// A receipt finds its message through the (via, provider_id) index, and a
// batch of marks finds its messages by primary key, however many messages
// the table holds, pending or not.
func TestReceiptsReadTheReceiptIndex(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	qs := quoteIdent(s.Schema())
	_, err := testPool(t).Exec(ctx, `INSERT INTO `+qs+`.messages (id, case_id, channel, recipient, template, locale, idempotency_key, status, created_at, provider_id, via)
		SELECT 'm-' || i, '', 'email', 'r', 't', 'en', 'k-' || i, CASE WHEN i % 2 = 0 THEN 'sent' ELSE 'pending' END,
			timestamptz '2026-01-01', 'p-' || i, CASE WHEN i % 2 = 0 THEN 'sms' ELSE 'email' END
		FROM generate_series(1, 40000) AS i;
		ANALYZE `+qs+`.messages`)
	require.NoError(t, err)
	var raw []byte
	require.NoError(t, s.db.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+s.sql.recordReceipt, "sms", "p-42", true, "").Scan(&raw))
	var plan []map[string]any
	require.NoError(t, json.Unmarshal(raw, &plan))
	used := false
	var walk func(node map[string]any)
	walk = func(node map[string]any) {
		switch typ := node["Node Type"]; typ {
		case "Seq Scan":
			t.Errorf("receipt: plan has a %s node, want the receipt index:\n%s", typ, raw)
		case "Index Scan", "Index Only Scan", "Bitmap Index Scan":
			used = used || node["Index Name"] == "messages_receipt_idx"
		}
		children, _ := node["Plans"].([]any)
		for _, child := range children {
			walk(child.(map[string]any))
		}
	}
	walk(plan[0]["Plan"].(map[string]any))
	require.True(t, used, "a receipt reads messages_receipt_idx:\n%s", raw)

	// A batch of marks probes the primary key per mark.
	ids := make([]string, 100)
	texts := make([]string, 100)
	times := make([]time.Time, 100)
	rel := make([]int32, 100)
	for i := range ids {
		ids[i] = fmt.Sprintf("m-%d", i*7)
	}
	require.NoError(t, s.db.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+s.sql.markMessages, ids, texts, texts, texts, times, times, texts, texts, texts, rel).Scan(&raw))
	require.NoError(t, json.Unmarshal(raw, &plan))
	used = false
	for _, want := range []string{"messages_pkey"} {
		walkIndex := func(name string) bool {
			found := false
			var w func(node map[string]any)
			w = func(node map[string]any) {
				if node["Node Type"] == "Seq Scan" && node["Relation Name"] == "messages" || node["Index Name"] == "messages_pending_idx" {
					t.Errorf("mark batch: plan scans the messages table or its queue:\n%s", raw)
				}
				found = found || node["Index Name"] == name
				children, _ := node["Plans"].([]any)
				for _, child := range children {
					w(child.(map[string]any))
				}
			}
			w(plan[0]["Plan"].(map[string]any))
			return found
		}
		require.True(t, walkIndex(want), "a mark batch reads %s:\n%s", want, raw)
	}

	require.NoError(t, s.RecordReceipt(ctx, adapters.Receipt{Channel: "sms", ProviderID: "p-42", Delivered: true}))
	m, err := s.GetMessage(ctx, "m-42")
	require.NoError(t, err)
	require.Equal(t, adapters.MessageDelivered, m.Status)
}
