package workflows_test

import (
	"encoding/json"
	"testing"

	"github.com/civickit/civickit/examples/workflows"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDefinitionsAreCopies: a caller that edits the bytes it was given
// cannot change what the next caller loads.
func TestDefinitionsAreCopies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  func() []byte
	}{
		{name: "permit review", doc: workflows.PermitReview},
		{name: "pothole", doc: workflows.Pothole},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			first := tt.doc()
			require.True(t, json.Valid(first))
			want := string(first)
			for i := range first {
				first[i] = 'x'
			}
			assert.Equal(t, want, string(tt.doc()))
		})
	}
}
