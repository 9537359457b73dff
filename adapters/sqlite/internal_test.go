package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
)

func openRaw(t *testing.T, busy time.Duration) (*sql.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.db")
	dsn, err := DSN(path, busy)
	require.NoError(t, err)
	db, err := sql.Open("sqlite", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db, dsn
}

// driverErrors provokes real errors from SQLite, one of each kind translate
// knows.
func driverErrors(t *testing.T) map[string]error {
	t.Helper()
	ctx := context.Background()
	db, dsn := openRaw(t, 0)
	_, err := db.ExecContext(ctx, `CREATE TABLE u (k TEXT UNIQUE); CREATE TABLE p (id TEXT PRIMARY KEY);
		CREATE TABLE c (p TEXT NOT NULL REFERENCES p (id)); PRAGMA foreign_keys = ON;
		INSERT INTO u VALUES ('a'); INSERT INTO p VALUES ('a')`)
	require.NoError(t, err)
	errs := map[string]error{}
	_, errs["unique"] = db.ExecContext(ctx, `INSERT INTO u VALUES ('a')`)
	_, errs["primary key"] = db.ExecContext(ctx, `INSERT INTO p VALUES ('a')`)
	_, errs["not null"] = db.ExecContext(ctx, `INSERT INTO c VALUES (NULL)`)
	_, errs["syntax"] = db.ExecContext(ctx, `INSERT INTO`)

	// Another connection holds the write lock; this one does not wait.
	holder, err := db.Conn(ctx)
	require.NoError(t, err)
	_, err = holder.ExecContext(ctx, "BEGIN IMMEDIATE")
	require.NoError(t, err)
	other, err := sql.Open("sqlite", dsn)
	require.NoError(t, err)
	_, errs["busy"] = other.ExecContext(ctx, `INSERT INTO u VALUES ('b')`)
	_, err = holder.ExecContext(ctx, "ROLLBACK")
	require.NoError(t, err)
	require.NoError(t, holder.Close())

	// A connection that may only read refuses writes, as a database on a
	// read-only file system does.
	ro, err := db.Conn(ctx)
	require.NoError(t, err)
	_, err = ro.ExecContext(ctx, "PRAGMA query_only = ON")
	require.NoError(t, err)
	_, errs["read-only"] = ro.ExecContext(ctx, `INSERT INTO u VALUES ('c')`)
	_, err = ro.ExecContext(ctx, "PRAGMA query_only = OFF")
	require.NoError(t, err)
	require.NoError(t, ro.Close())

	// A statement still running when its context ends is interrupted.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	var n int64
	errs["interrupted"] = db.QueryRowContext(short, `WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r)
		SELECT count(*) FROM r`).Scan(&n)
	errs["no rows"] = db.QueryRowContext(ctx, `SELECT k FROM u WHERE k = 'zzz'`).Scan(new(string))
	require.NoError(t, other.Close())
	errs["closed database"] = other.PingContext(ctx)
	for k, err := range errs {
		require.Error(t, err, "provoking %s", k)
	}
	return errs
}

func TestTranslate(t *testing.T) {
	t.Parallel()
	real := driverErrors(t)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	already := fmt.Errorf("%w: expected version 1, stored version 2", adapters.ErrConflict)
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want error // nil: passed through unchanged
	}{
		{"UniqueIsDuplicate", context.Background(), real["unique"], adapters.ErrDuplicate},
		{"PrimaryKeyIsDuplicate", context.Background(), real["primary key"], adapters.ErrDuplicate},
		{"NoRowsIsNotFound", context.Background(), real["no rows"], adapters.ErrNotFound},
		{"BusyIsUnavailable", context.Background(), real["busy"], adapters.ErrUnavailable},
		{"ReadOnlyIsUnavailable", context.Background(), real["read-only"], adapters.ErrUnavailable},
		{"InterruptedIsContextError", context.Background(), real["interrupted"], context.DeadlineExceeded},
		{"ClosedDatabaseIsClosed", context.Background(), real["closed database"], adapters.ErrClosed},
		{"ConnDoneIsClosed", context.Background(), sql.ErrConnDone, adapters.ErrClosed},
		{"ContextErrorKept", context.Background(), context.Canceled, context.Canceled},
		{"WrappedContextErrorKept", canceled, fmt.Errorf("exec: %w", context.Canceled), context.Canceled},
		{"SentinelKept", context.Background(), already, adapters.ErrConflict},
		{"NotNullPassesThrough", context.Background(), real["not null"], nil},
		{"SyntaxPassesThrough", context.Background(), real["syntax"], nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := translate(tt.ctx, tt.err)
			require.Error(t, got)
			assert.ErrorIs(t, got, tt.err, "the original error stays in the chain")
			if tt.want == nil {
				assert.Equal(t, tt.err, got, "unknown errors pass through unchanged")
				for _, s := range known {
					assert.NotErrorIs(t, got, s)
				}
				return
			}
			assert.ErrorIs(t, got, tt.want)
			if errors.Is(tt.err, tt.want) {
				assert.Equal(t, tt.err, got, "an error that already carries its meaning is not wrapped again")
			}
		})
	}
	assert.NoError(t, translate(context.Background(), nil))
}

// TestQueryPlansUseIndexes checks that listings in both orders, by each
// filter, and claims walk an index in order instead of scanning and
// sorting the table.
func TestQueryPlansUseIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "plans.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cursor := func(q adapters.CaseQuery) adapters.CaseQuery {
		q.Cursor = q.NextCursor(adapters.Case{ID: "c", CreatedAt: at, Due: at})
		return q
	}
	due := adapters.CaseQuery{Order: adapters.OrderDue}
	type plan struct {
		name, query, index string
		args               []any
	}
	var plans []plan
	for _, tt := range []struct {
		name  string
		q     adapters.CaseQuery
		index string
	}{
		{"Opened", adapters.CaseQuery{}, "cases_created"},
		{"OpenedBetween", adapters.CaseQuery{OpenedFrom: at, OpenedTo: at.Add(time.Hour)}, "cases_created"},
		{"Type", adapters.CaseQuery{Type: "pothole"}, "cases_type_created"},
		{"State", adapters.CaseQuery{State: "submitted"}, "cases_state_created"},
		{"Submitter", adapters.CaseQuery{Submitter: "r"}, "cases_submitter_created"},
		{"SubmitterAndIssuer", adapters.CaseQuery{Submitter: "r", SubmitterIssuer: "https://login.example.gov"}, "cases_submitter_created"},
		{"Issuer", adapters.CaseQuery{SubmitterIssuer: "https://login.example.gov"}, "cases_created"},
		{"Team", adapters.CaseQuery{Team: "roads"}, "cases_team_created"},
		{"Assignee", adapters.CaseQuery{Assignee: "staff"}, "cases_assignee_created"},
		{"Due", due, "cases_due"},
		{"DueBefore", adapters.CaseQuery{Order: adapters.OrderDue, DueBefore: at}, "cases_due"},
		{"StateByDue", adapters.CaseQuery{Order: adapters.OrderDue, State: "submitted"}, "cases_state_due"},
		{"TeamByDue", adapters.CaseQuery{Order: adapters.OrderDue, Team: "roads"}, "cases_team_due"},
		{"AssigneeByDue", adapters.CaseQuery{Order: adapters.OrderDue, Assignee: "staff"}, "cases_assignee_due"},
		{"StateAfterCursor", cursor(adapters.CaseQuery{State: "submitted"}), "cases_state_created"},
		{"SubmitterAndIssuerAfterCursor", cursor(adapters.CaseQuery{Submitter: "r", SubmitterIssuer: "https://login.example.gov"}), "cases_submitter_created"},
		{"DueAfterCursor", cursor(due), "cases_due"},
	} {
		query, args := listQuery(tt.q)
		plans = append(plans, plan{"List" + tt.name, query, tt.index, append(args, 10)})
	}
	now := micros(at)
	plans = append(plans,
		plan{"ClaimMessages", claimMessages, "messages_claim", []any{"w", now, now, now, 10}},
		plan{"ClaimTimers", claimTimers, "timers_claim", []any{"w", now, now, now, 10}},
		plan{"ListEvents", `SELECT ` + eventCols + ` FROM events WHERE case_id = ? ORDER BY seq`, "PRIMARY KEY", []any{"c"}},
		plan{"ListMessages", `SELECT ` + messageCols + ` FROM messages WHERE case_id = ? ORDER BY created_at, id`, "messages_case", []any{"c"}},
		plan{"ListAttachments", listAttachments, "attachments_case", []any{"c"}},
		plan{"ListAttachmentsByStatus", listByStatus, "attachments_status", []any{"quarantined", 10}},
		plan{"ListOrphanAttachments", listOrphans, "attachments_orphan", []any{now, 10}},
		plan{"ListQuietConversations", listQuiet, "conversations_quiet", []any{now, now, 10}},
	)
	heldAfter := func(q adapters.HeldReplyQuery) adapters.HeldReplyQuery {
		q.Cursor = q.NextCursor(adapters.HeldReply{ID: "h", HeldAt: at})
		return q
	}
	for _, tt := range []struct {
		name  string
		q     adapters.HeldReplyQuery
		index string
	}{
		{"Waiting", adapters.HeldReplyQuery{}, "held_replies_waiting"},
		{"WaitingAfterCursor", heldAfter(adapters.HeldReplyQuery{}), "held_replies_waiting"},
		{"WaitingOfChannel", heldAfter(adapters.HeldReplyQuery{Channel: "sms"}), "held_replies_waiting_channel"},
		{"Resolved", heldAfter(adapters.HeldReplyQuery{Resolved: true}), "held_replies_resolved"},
		{"ResolvedOfChannel", heldAfter(adapters.HeldReplyQuery{Resolved: true, Channel: "sms"}), "held_replies_resolved_channel"},
	} {
		query, args := heldListQuery(tt.q)
		plans = append(plans, plan{"ListHeldReplies" + tt.name, query, tt.index, args})
	}
	for _, p := range plans {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			rows, err := s.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+p.query, p.args...)
			require.NoError(t, err)
			var lines []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
				lines = append(lines, detail)
			}
			require.NoError(t, rows.Err())
			got := strings.Join(lines, "\n")
			t.Logf("plan:\n%s", got)
			assert.Contains(t, got, p.index, "the query uses its index")
			assert.NotContains(t, got, "TEMP B-TREE", "the index gives the order; nothing is sorted")
		})
	}
}

// JSON is stored as TEXT, which SQLite's JSON functions read, so reports
// can query inside documents.
func TestJSONIsQueryableText(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "json.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err = s.CreateCase(ctx, adapters.CreateCaseParams{
		Case:   adapters.Case{ID: "c1", Type: "pothole", State: "submitted", CreatedAt: at, Data: []byte(`{"address":{"street":"Elm"}}`)},
		Events: []adapters.Event{{Kind: "opened", At: at, Payload: []byte(`{"n":7}`)}},
	})
	require.NoError(t, err)
	var street string
	var n int
	require.NoError(t, s.db.QueryRowContext(ctx, `SELECT json_extract(data, '$.address.street') FROM cases WHERE id = 'c1'`).Scan(&street))
	require.NoError(t, s.db.QueryRowContext(ctx, `SELECT json_extract(payload, '$.n') FROM events WHERE case_id = 'c1'`).Scan(&n))
	assert.Equal(t, "Elm", street)
	assert.Equal(t, 7, n)
}
