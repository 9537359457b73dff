package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The people lookups walk their indexes: FindPerson and an address's
// history in order, Reach by key for each address of the batch.
func TestPeopleQueryPlansUseIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "plans.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	for _, tt := range []struct {
		name, query string
		index       []string
		args        []any
	}{
		{"FindPerson", findPerson, []string{"person_addresses_find"}, []any{"sms", "+15555550100"}},
		{"ListOptOutChanges", selectOptOutChanges, []string{"opt_out_changes_address"}, []any{"sms", "+15555550100"}},
		{"Reach", selectReach, []string{"consents_address", "PRIMARY KEY"}, []any{"sms", `["+15555550100"]`}},
		{"GetPeople", selectPeople, []string{"sqlite_autoindex_people_1"}, []any{`["p1","p2"]`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rows, err := s.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+tt.query, tt.args...)
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
			for _, index := range tt.index {
				assert.Contains(t, got, index, "the query uses its index")
			}
			assert.NotContains(t, got, "TEMP B-TREE", "the index gives the order; nothing is sorted")
			assert.NotRegexp(t, `SCAN (people|person_addresses|consents|opt_outs|opt_out_changes)\b`, got, "no table is scanned")
		})
	}
}
