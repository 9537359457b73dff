package workflow

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
)

// MessageFields lists exactly the keys messageData writes, so templates
// declared with it are checked against the real data.
func TestMessageFieldsAreTheKeysOfMessageData(t *testing.T) {
	t.Parallel()
	c := &adapters.Case{ID: "c1", Type: "permit", Due: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	data := messageData(c, change{from: "submitted", to: "review", trigger: "accept"}, ToSubmitter)
	var m map[string]any
	require.NoError(t, json.Unmarshal(data, &m))
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	assert.ElementsMatch(t, MessageFields, keys)
	assert.False(t, slices.Contains(MessageFields, ""), "no empty name")
}
