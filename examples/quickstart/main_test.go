package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunPrintsQueueAndAuditTrail(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	db := filepath.Join(t.TempDir(), "city.db")
	require.NoError(t, run(context.Background(), &out, db))
	got := out.String()
	for _, want := range []string{
		`in state "submitted", version 1`,
		`moved to "scheduled", version 2`,
		`moved to "closed", version 3`,
		"roads queue (1 closed, 0 scheduled)",
		"#1", "#2", "#3", "(crew 7, Thursday)",
		"outbox: 2 messages",
	} {
		assert.Contains(t, got, want)
	}
	// A second run on the same file adds a second case to the queue.
	out.Reset()
	require.NoError(t, run(context.Background(), &out, db))
	assert.Contains(t, out.String(), "roads queue (2 closed, 0 scheduled)")
}
