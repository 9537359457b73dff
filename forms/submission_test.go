package forms

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSubmissionPinsTheCleanData(t *testing.T) {
	t.Parallel()
	form := loadPermit(t)
	clean, err := form.ValidateJSON(context.Background(), []byte(validPermit), "en")
	require.NoError(t, err)

	s := form.Submission(clean)
	pin := form.Pin()
	assert.Equal(t, pin.ID, s.FormID)
	assert.Equal(t, pin.Version, s.FormVersion)
	assert.Equal(t, pin.Hash, s.FormHash)
	assert.JSONEq(t, string(clean), string(s.Data))
	assert.Empty(t, s.ID, "the engine names the submission after its case")
	assert.Empty(t, s.Submitter, "the engine fills in the submitter")

	clean[0] = ' '
	assert.True(t, json.Valid(s.Data), "the submission keeps its own copy of the data")
	assert.Equal(t, byte('{'), s.Data[0])
}
