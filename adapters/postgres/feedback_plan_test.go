package postgres

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
)

// Every idea listing shape reads one index range in its sort order (a
// state filter reads each idea's case by its key on the way), and the
// support writes find their rows by key: no sort, no sequential scan, at
// 40,000 ideas as at 40.
func TestIdeaListingsWalkAnIndexInOrder(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	qs := quoteIdent(s.Schema())
	_, err := testPool(t).Exec(ctx, `INSERT INTO `+qs+`.cases (`+caseCols+`)
		SELECT 'idea-' || i, 'idea', 1, (ARRAY['submitted','under-review','accepted','declined','implemented'])[1 + i % 5], 1,
			'resident-' || (i % 1000), '', '', 'web', NULL, NULL,
			timestamptz '2026-01-01' + i * interval '1 second', timestamptz '2026-01-01' + i * interval '1 second', NULL, ''
		FROM generate_series(1, 40000) AS i;
		INSERT INTO `+qs+`.ideas (id, title, body, category, area, author, author_issuer, supports, created_at)
		SELECT 'idea-' || i, 'Idea ' || i, 'Body', 'category-' || (i % 8), 'ward-' || (i % 12), 'resident-' || (i % 1000), '',
			(i * 7919) % 600, timestamptz '2026-01-01' + i * interval '1 second'
		FROM generate_series(1, 40000) AS i;
		INSERT INTO `+qs+`.idea_supports (idea_id, supporter, supporter_issuer, at)
		SELECT 'idea-' || (i % 40000 + 1), 'resident-' || i, '', timestamptz '2026-01-01' FROM generate_series(1, 40000) AS i;
		INSERT INTO `+qs+`.survey_responses (`+surveyCols+`)
		SELECT 'idea-' || i, (ARRAY['pothole','graffiti','permit'])[1 + i % 3], 1 + i % 5, NULL, '', '', '',
			timestamptz '2026-01-01' + i * interval '1 minute'
		FROM generate_series(1, 40000) AS i;
		ANALYZE `+qs+`.cases; ANALYZE `+qs+`.ideas; ANALYZE `+qs+`.idea_supports; ANALYZE `+qs+`.survey_responses`)
	require.NoError(t, err)

	supportsCursor := adapters.IdeaQuery{}.NextCursor(adapters.Idea{ID: "idea-20000", Supports: 300})
	newestCursor := adapters.IdeaQuery{Order: adapters.IdeaOrderNewest}.NextCursor(adapters.Idea{ID: "idea-20000", CreatedAt: time.Date(2026, 1, 1, 5, 0, 0, 0, time.UTC)})
	newest := adapters.IdeaOrderNewest
	listings := map[string]adapters.IdeaQuery{
		"All":                    {},
		"AllAfterCursor":         {Cursor: supportsCursor},
		"Category":               {Category: "category-3"},
		"CategoryAfterCursor":    {Category: "category-3", Cursor: supportsCursor},
		"Area":                   {Area: "ward-5"},
		"State":                  {State: "under-review"},
		"StateAfterCursor":       {State: "under-review", Cursor: supportsCursor},
		"StateAndCategory":       {State: "accepted", Category: "category-1"},
		"Newest":                 {Order: newest},
		"NewestAfterCursor":      {Order: newest, Cursor: newestCursor},
		"NewestCategory":         {Order: newest, Category: "category-2"},
		"NewestArea":             {Order: newest, Area: "ward-7", Cursor: newestCursor},
		"NewestStateAfterCursor": {Order: newest, State: "submitted", Cursor: newestCursor},
	}
	type statement struct {
		sql  string
		args []any
	}
	statements := map[string]statement{
		"GetIdea":      {s.inSchema(ideaSelect + ` WHERE i.id = $1`), []any{"idea-77"}},
		"Support":      {s.inSchema(supportSQL), []any{"idea-77", "resident-5", "", ts(testTime)}},
		"Withdraw":     {s.inSchema(withdrawSQL), []any{"idea-77", "resident-5", ""}},
		"HasSupported": {s.inSchema(hasSupportedSQL), []any{"idea-77", "resident-5", ""}},
		"GetSurvey":    {s.inSchema(getSurveySQL), []any{"idea-77"}},
	}
	for name, q := range listings {
		require.NoError(t, q.Validate(), name)
		sql, args := s.ideaListSQL(q)
		statements["List"+name] = statement{sql, args}
	}
	for name, st := range statements {
		var raw []byte
		require.NoError(t, s.db.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+st.sql, st.args...).Scan(&raw), name)
		var plan []map[string]any
		require.NoError(t, json.Unmarshal(raw, &plan), name)
		var walk func(node map[string]any)
		walk = func(node map[string]any) {
			switch typ := node["Node Type"]; typ {
			case "Sort", "Incremental Sort", "Seq Scan", "Bitmap Heap Scan":
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
