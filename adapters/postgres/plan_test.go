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

// Every listing shape reads one index range in its sort order: no sort,
// no sequential scan, so a page costs the same at millions of rows as at
// thousands. Each filter value matches thousands of cases here, as the
// busy queues of a large city do; for a value matching a handful the
// planner rightly prefers to sort those few.
func TestListingsWalkAnIndexInOrder(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	qs := quoteIdent(s.Schema())
	_, err := testPool(t).Exec(ctx, `INSERT INTO `+qs+`.cases (`+caseCols+`)
		SELECT 'case-' || i, (ARRAY['pothole','graffiti','permit'])[1 + i % 3], 1,
			(ARRAY['submitted','in-review','closed','waiting','resolved'])[1 + i % 5], 1,
			CASE WHEN i % 4 = 0 THEN '' ELSE 'resident-' || (i % 10) END,
			'team-' || (i % 20),
			CASE WHEN i % 3 = 0 THEN '' ELSE 'staff-' || (i % 12) END,
			'web',
			CASE WHEN i % 4 = 0 THEN NULL ELSE timestamptz '2026-01-01' + (i % 7919) * interval '1 minute' END,
			NULL, timestamptz '2026-01-01' + i * interval '1 second', timestamptz '2026-01-01' + i * interval '1 second', NULL,
			CASE WHEN i % 4 = 0 THEN '' ELSE (ARRAY['https://login.example.gov','https://id.state.example'])[1 + i / 10 % 2] END
		FROM generate_series(1, 40000) AS i;
		ANALYZE `+qs+`.cases`)
	require.NoError(t, err)

	queries := map[string]adapters.CaseQuery{
		"All":                 {},
		"Type":                {Type: "graffiti"},
		"State":               {State: "in-review"},
		"Team":                {Team: "team-7"},
		"Assignee":            {Assignee: "staff-5"},
		"Submitter":           {Submitter: "resident-7"},
		"SubmitterAndIssuer":  {Submitter: "resident-7", SubmitterIssuer: "https://id.state.example"},
		"Issuer":              {SubmitterIssuer: "https://login.example.gov"},
		"OpenedBetween":       {OpenedFrom: testTime, OpenedTo: testTime.Add(time.Hour)},
		"DueAll":              {Order: adapters.OrderDue},
		"DueState":            {Order: adapters.OrderDue, State: "waiting"},
		"DueTeam":             {Order: adapters.OrderDue, Team: "team-3"},
		"DueAssignee":         {Order: adapters.OrderDue, Assignee: "staff-7"},
		"DueStateBefore":      {Order: adapters.OrderDue, State: "waiting", DueBefore: time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)},
		"StateAfterCursor":    {State: "in-review", Cursor: adapters.CaseQuery{}.NextCursor(adapters.Case{ID: "case-20000", CreatedAt: time.Date(2026, 1, 1, 5, 0, 0, 0, time.UTC)})},
		"DueTeamAfterCursor":  {Order: adapters.OrderDue, Team: "team-3", Cursor: adapters.CaseQuery{Order: adapters.OrderDue}.NextCursor(adapters.Case{ID: "case-100", Due: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)})},
		"AssigneeAfterCursor": {Assignee: "staff-5", Cursor: adapters.CaseQuery{}.NextCursor(adapters.Case{ID: "case-30000", CreatedAt: time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)})},
		"SubmitterAndIssuerAfterCursor": {Submitter: "resident-7", SubmitterIssuer: "https://id.state.example",
			Cursor: adapters.CaseQuery{}.NextCursor(adapters.Case{ID: "case-30000", CreatedAt: time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)})},
	}
	for name, q := range queries {
		require.NoError(t, q.Validate(), name)
		sql, args := s.listSQL(q)
		var plan []map[string]any
		var raw []byte
		require.NoError(t, s.db.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+sql, args...).Scan(&raw), name)
		require.NoError(t, json.Unmarshal(raw, &plan), name)
		var walk func(node map[string]any)
		walk = func(node map[string]any) {
			switch typ := node["Node Type"]; typ {
			case "Sort", "Incremental Sort", "Seq Scan", "Bitmap Heap Scan":
				t.Errorf("listing %s: plan has a %s node, want an ordered index scan:\n%s", name, typ, raw)
			}
			children, _ := node["Plans"].([]any)
			for _, c := range children {
				walk(c.(map[string]any))
			}
		}
		walk(plan[0]["Plan"].(map[string]any))
	}
}

// Claims read the pending-message and due-timer queues through their
// indexes in claim order, however many sent messages and future timers
// the tables hold.
func TestClaimsWalkTheQueueIndexes(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	qs := quoteIdent(s.Schema())
	_, err := testPool(t).Exec(ctx, `INSERT INTO `+qs+`.messages (id, case_id, channel, recipient, template, locale, idempotency_key, status, next_attempt_at, created_at)
		SELECT 'm-' || i, '', 'email', 'r', 't', 'en', 'k-' || i,
			CASE WHEN i % 50 = 0 THEN 'pending' ELSE 'sent' END,
			CASE WHEN i % 100 = 0 THEN NULL ELSE timestamptz '2026-01-01' + i * interval '1 second' END,
			timestamptz '2026-01-01'
		FROM generate_series(1, 40000) AS i;
		INSERT INTO `+qs+`.cases (`+caseCols+`)
		SELECT 'case-' || i, 'pothole', 1, 'submitted', 1, '', '', '', 'web', NULL, NULL, timestamptz '2026-01-01', timestamptz '2026-01-01', NULL, ''
		FROM generate_series(1, 20000) AS i;
		INSERT INTO `+qs+`.timers (case_id, name, due_at, trigger)
		SELECT 'case-' || i, 'sla', timestamptz '2026-01-01' + i * interval '1 hour', 'escalate'
		FROM generate_series(1, 20000) AS i;
		ANALYZE `+qs+`.messages; ANALYZE `+qs+`.timers`)
	require.NoError(t, err)

	now := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	claims := []struct {
		name, sql, index string
	}{
		{"Messages", s.sql.claimMessages, "messages_pending_idx"},
		{"Timers", s.sql.claimTimers, "timers_due_idx"},
	}
	for _, c := range claims {
		var raw []byte
		require.NoError(t, s.db.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+c.sql, ts(now), 10, "w", ts(now.Add(time.Minute))).Scan(&raw), c.name)
		var plan []map[string]any
		require.NoError(t, json.Unmarshal(raw, &plan), c.name)
		used := false
		var walk func(node map[string]any)
		walk = func(node map[string]any) {
			switch typ := node["Node Type"]; typ {
			case "Seq Scan", "Bitmap Heap Scan":
				t.Errorf("claim %s: plan has a %s node, want the queue index:\n%s", c.name, typ, raw)
			case "Index Scan":
				used = used || node["Index Name"] == c.index
			}
			children, _ := node["Plans"].([]any)
			for _, child := range children {
				walk(child.(map[string]any))
			}
		}
		walk(plan[0]["Plan"].(map[string]any))
		require.True(t, used, "claim %s reads %s:\n%s", c.name, c.index, raw)
	}
}

// The attachment listings read their indexes, however many files the
// table holds: the scan's work list and the unsubmitted uploads walk
// theirs in order, with no sort. A case has a handful of files, which the
// planner rightly fetches through the case index and sorts.
func TestAttachmentListingsWalkTheirIndexes(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	qs := quoteIdent(s.Schema())
	// 40,000 files: a quarter never submitted, the rest spread over
	// 10,000 cases; one in ten waits for the scan.
	_, err := testPool(t).Exec(ctx, `INSERT INTO `+qs+`.cases (`+caseCols+`)
		SELECT 'case-' || i, 'pothole', 1, 'submitted', 1, '', '', '', 'web', NULL, NULL, timestamptz '2026-01-01', timestamptz '2026-01-01', NULL, ''
		FROM generate_series(1, 10000) AS i;
		INSERT INTO `+qs+`.attachments (`+attachmentCols+`)
		SELECT 'att-' || i, 'photos', 'p.jpg', 'image/jpeg', 1024, repeat('0', 64),
			CASE WHEN i % 4 = 0 THEN NULL ELSE 'case-' || (1 + i % 10000) END, NULL, '', '',
			CASE WHEN i % 10 = 0 THEN 'quarantined' WHEN i % 97 = 0 THEN 'rejected' ELSE 'clean' END,
			'', 'uploads/' || i, false, '',
			timestamptz '2026-01-01' + i * interval '1 second', timestamptz '2026-01-01' + i * interval '1 second'
		FROM generate_series(1, 40000) AS i;
		ANALYZE `+qs+`.attachments`)
	require.NoError(t, err)

	late := ts(time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)) // most uploads are older
	listings := []struct {
		name, sql, index string
		args             []any
		fewRows          bool // a sort of the few rows is fine
	}{
		{"ListAttachments", s.sql.listAttachments, "attachments_case_idx", []any{"case-77"}, true},
		{"ListAttachmentsByStatus", s.sql.listAttachmentsByStatus, "attachments_status_idx", []any{"quarantined", 100}, false},
		{"ListOrphanAttachments", s.sql.listOrphanAttachments, "attachments_orphan_idx", []any{late, 100}, false},
	}
	for _, l := range listings {
		var raw []byte
		require.NoError(t, s.db.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+l.sql, l.args...).Scan(&raw), l.name)
		var plan []map[string]any
		require.NoError(t, json.Unmarshal(raw, &plan), l.name)
		used := false
		var walk func(node map[string]any)
		walk = func(node map[string]any) {
			switch typ := node["Node Type"]; typ {
			case "Seq Scan":
				t.Errorf("%s: plan has a sequential scan, want its index:\n%s", l.name, raw)
			case "Sort", "Incremental Sort", "Bitmap Heap Scan":
				if !l.fewRows {
					t.Errorf("%s: plan has a %s node, want an ordered index scan:\n%s", l.name, typ, raw)
				}
			case "Index Scan", "Index Only Scan", "Bitmap Index Scan":
				used = used || node["Index Name"] == l.index
			}
			children, _ := node["Plans"].([]any)
			for _, c := range children {
				walk(c.(map[string]any))
			}
		}
		walk(plan[0]["Plan"].(map[string]any))
		require.True(t, used, "%s reads %s:\n%s", l.name, l.index, raw)
	}
}

// Every comment listing reads its index in order, however many comments
// the table holds: a busy agenda item's thread in each of its views, the
// moderators' queue, the moderation trail, and the rate limit's count.
func TestCommentListingsWalkTheirIndexes(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	qs := quoteIdent(s.Schema())
	// 40,000 comments on 20 threads; one in five internal, one in twenty
	// hidden, one in thirty deleted, one in ten waiting for a moderator;
	// two moderation records for each, on 400 threads.
	_, err := testPool(t).Exec(ctx, `INSERT INTO `+qs+`.comments (`+commentCols+`)
		SELECT 'cm-' || i, 'agenda:council/' || (i % 20), CASE WHEN i % 5 = 0 THEN 'internal' ELSE 'public' END,
			'resident-' || (i % 500), 'https://login.example.gov', 'Ana', 'web', '', 'text',
			timestamptz '2026-01-01' + i * interval '1 second', NULL, 0,
			CASE WHEN i % 30 = 0 THEN timestamptz '2026-02-01' END, '', '',
			CASE WHEN i % 20 = 0 THEN timestamptz '2026-02-01' END, '', '', 0,
			CASE WHEN i % 10 = 0 THEN timestamptz '2026-01-01' + i * interval '1 second' END, 1
		FROM generate_series(1, 40000) AS i;
		INSERT INTO `+qs+`.comment_moderation (comment_id, thread, action, actor, actor_issuer, reason, at)
		SELECT 'cm-' || (i / 2), 'agenda:council/' || (i / 2 % 400), 'flag', 'resident-1', '', 'spam', timestamptz '2026-01-01'
		FROM generate_series(2, 80001) AS i;
		ANALYZE `+qs+`.comments; ANALYZE `+qs+`.comment_moderation`)
	require.NoError(t, err)

	thread := adapters.AgendaTopic("council", "7")
	after := adapters.Comment{ID: "cm-20007", CreatedAt: time.Date(2026, 1, 1, 5, 33, 27, 0, time.UTC), FlaggedAt: time.Date(2026, 1, 1, 5, 0, 0, 0, time.UTC)}
	type listing struct {
		name, sql, index string
		args             []any
		fewRows          bool // a sort of the few rows is fine
	}
	var listings []listing
	for _, internal := range []bool{false, true} {
		for _, hidden := range []bool{false, true} {
			for _, deleted := range []bool{false, true} {
				for _, cursor := range []bool{false, true} {
					q := adapters.CommentQuery{Thread: thread, IncludeInternal: internal, IncludeHidden: hidden, IncludeDeleted: deleted}
					if cursor {
						q.Cursor = q.NextCursor(after)
					}
					sql, args := s.commentListSQL(q)
					index := "comments_thread_idx"
					if !internal && !hidden && !deleted {
						index = "comments_thread_public_idx"
					}
					name := fmt.Sprintf("ListComments internal=%v hidden=%v deleted=%v cursor=%v", internal, hidden, deleted, cursor)
					listings = append(listings, listing{name: name, sql: sql, index: index, args: args})
				}
			}
		}
	}
	for _, cursor := range []bool{false, true} {
		q := adapters.FlaggedQuery{}
		if cursor {
			q.Cursor = q.NextCursor(after)
		}
		sql, args := s.flaggedSQL(q)
		listings = append(listings, listing{name: fmt.Sprintf("ListFlagged cursor=%v", cursor), sql: sql, index: "comments_flagged_idx", args: args})
	}
	listings = append(listings,
		listing{"ListModeration by comment", s.sql.comments.moderationByComment, "comment_moderation_comment_idx", []any{"cm-77", int64(0), 50}, true},
		listing{"ListModeration by thread", s.sql.comments.moderationByThread, "comment_moderation_thread_idx", []any{string(thread), int64(100), 50}, false},
		listing{"CountCommentsBy", s.sql.comments.count, "comments_author_idx", []any{"resident-7", "https://login.example.gov", ts(after.CreatedAt)}, true},
		listing{"ListRevisions", s.sql.comments.listRevisions, "comment_revisions_pkey", []any{"cm-77"}, true},
	)
	for _, l := range listings {
		var raw []byte
		require.NoError(t, s.db.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+l.sql, l.args...).Scan(&raw), l.name)
		var plan []map[string]any
		require.NoError(t, json.Unmarshal(raw, &plan), l.name)
		used := false
		var walk func(node map[string]any)
		walk = func(node map[string]any) {
			switch typ := node["Node Type"]; typ {
			case "Seq Scan":
				t.Errorf("%s: plan has a sequential scan, want its index:\n%s", l.name, raw)
			case "Sort", "Incremental Sort", "Bitmap Heap Scan":
				if !l.fewRows {
					t.Errorf("%s: plan has a %s node, want an ordered index scan:\n%s", l.name, typ, raw)
				}
			case "Index Scan", "Index Only Scan", "Bitmap Index Scan":
				used = used || node["Index Name"] == l.index
			}
			children, _ := node["Plans"].([]any)
			for _, c := range children {
				walk(c.(map[string]any))
			}
		}
		walk(plan[0]["Plan"].(map[string]any))
		require.True(t, used, "%s reads %s:\n%s", l.name, l.index, raw)
	}
}

// The meeting listings walk their indexes in order, however many meetings
// and comments the tables hold: a body's meetings by start, a meeting's
// comments (all, one item's, one status's, one item's in one status) by
// time, a meeting's or an item's speakers in the order received, from
// the first page or after a cursor.
func TestMeetingListingsWalkTheirIndexes(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	qs := quoteIdent(s.Schema())
	// 20 bodies with 2,000 meetings each; 40,000 comments and as many
	// signups on 4 meetings, spread over 10 items (and 3 statuses).
	_, err := testPool(t).Exec(ctx, `INSERT INTO `+qs+`.bodies (id, name, time_zone)
		SELECT 'body-' || i, 'Body ' || i, 'America/New_York' FROM generate_series(0, 19) AS i;
		INSERT INTO `+qs+`.meetings (id, body_id, title, starts_at, location, remote_url, mode, status, agenda_version, minutes, published_at, updated_at, version)
		SELECT 'meeting-' || i, 'body-' || (i % 20), 'Meeting', timestamptz '2026-01-01' + i * interval '1 hour', '', '', 'hybrid',
			'published', 1, '', timestamptz '2026-01-01', timestamptz '2026-01-01', 2
		FROM generate_series(1, 40000) AS i;
		INSERT INTO `+qs+`.public_comments (id, meeting_id, item, author, author_issuer, name, stance, body, status, moderated_by, reason, moderated_at, submitted_at)
		SELECT 'comment-' || i, 'meeting-' || (1 + i % 4), (i % 10)::text, '', '', 'Ada', 'support', 'text',
			(ARRAY['received','published','rejected'])[1 + i % 3], '', '', NULL, timestamptz '2026-01-01' + i * interval '1 second'
		FROM generate_series(1, 40000) AS i;
		INSERT INTO `+qs+`.speaker_signups (id, meeting_id, item, person, name, mode, created_at)
		SELECT 'signup-' || i, 'meeting-' || (1 + i % 4), (i % 10)::text, 'person-' || i, 'Ada', 'remote', timestamptz '2026-01-01' + i * interval '1 second'
		FROM generate_series(1, 40000) AS i;
		ANALYZE `+qs+`.meetings; ANALYZE `+qs+`.public_comments; ANALYZE `+qs+`.speaker_signups`)
	require.NoError(t, err)

	after := time.Date(2026, 1, 1, 5, 0, 0, 0, time.UTC)
	meetings := map[string]adapters.MeetingQuery{
		"MeetingsOfABody":         {BodyID: "body-3"},
		"MeetingsBetween":         {BodyID: "body-3", From: after, To: after.Add(1000 * 24 * time.Hour)},
		"MeetingsAfterCursor":     {BodyID: "body-3", Cursor: adapters.MeetingQuery{}.NextCursor(adapters.Meeting{ID: "meeting-100", StartsAt: after})},
		"MeetingsFromAfterCursor": {BodyID: "body-3", From: after, Cursor: adapters.MeetingQuery{}.NextCursor(adapters.Meeting{ID: "meeting-100", StartsAt: after})},
	}
	comments := map[string]adapters.PublicCommentQuery{
		"CommentsOfAMeeting":    {MeetingID: "meeting-2"},
		"CommentsOfAnItem":      {MeetingID: "meeting-2", Item: "5"},
		"CommentsByStatus":      {MeetingID: "meeting-2", Status: adapters.CommentPublished},
		"CommentsItemAndStatus": {MeetingID: "meeting-2", Item: "5", Status: adapters.CommentReceived},
		"CommentsAfterCursor":   {MeetingID: "meeting-2", Cursor: adapters.PublicCommentQuery{}.NextCursor(adapters.PublicComment{ID: "comment-100", SubmittedAt: after})},
		"ItemAfterCursor":       {MeetingID: "meeting-2", Item: "5", Cursor: adapters.PublicCommentQuery{}.NextCursor(adapters.PublicComment{ID: "comment-100", SubmittedAt: after})},
	}
	type shape struct {
		sql  string
		args []any
		// whole marks a listing that returns every row it matches (at
		// most MaxSpeakers) rather than a page: sorting them is no worse
		// than walking the index, but reading the whole table is.
		whole bool
	}
	shapes := map[string]shape{}
	for name, q := range meetings {
		require.NoError(t, q.Validate(), name)
		sql, args := s.meetingListSQL(q)
		shapes[name] = shape{sql: sql, args: args}
	}
	for name, q := range comments {
		require.NoError(t, q.Validate(), name)
		sql, args := s.publicCommentListSQL(q)
		shapes[name] = shape{sql: sql, args: args}
	}
	shapes["SpeakersOfAMeeting"] = shape{s.sql.meetings.listSpeakers, []any{"meeting-2", adapters.MaxSpeakers}, true}
	shapes["SpeakersOfAnItem"] = shape{s.sql.meetings.listSpeakersOfItem, []any{"meeting-2", adapters.MaxSpeakers, "5"}, true}
	for name, sh := range shapes {
		var raw []byte
		require.NoError(t, s.db.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+sh.sql, sh.args...).Scan(&raw), name)
		var plan []map[string]any
		require.NoError(t, json.Unmarshal(raw, &plan), name)
		var walk func(node map[string]any)
		walk = func(node map[string]any) {
			switch typ := node["Node Type"]; {
			case typ == "Seq Scan":
				t.Errorf("listing %s: plan has a sequential scan, want an index:\n%s", name, raw)
			case !sh.whole && (typ == "Sort" || typ == "Incremental Sort" || typ == "Bitmap Heap Scan"):
				t.Errorf("listing %s: plan has a %s node, want an ordered index scan:\n%s", name, typ, raw)
			}
			children, _ := node["Plans"].([]any)
			for _, c := range children {
				walk(c.(map[string]any))
			}
		}
		walk(plan[0]["Plan"].(map[string]any))
	}
}
