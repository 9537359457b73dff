package adapters_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
)

func TestFilesRoundTrip(t *testing.T) {
	files := []adapters.FileRef{
		{ID: "f1", Field: "photo", Name: "hole.jpg", Type: "image/jpeg", Size: 1234, SHA256: "ab"},
		{ID: "f2", Field: "members.1.proof", Name: "pay.pdf", Type: "application/pdf", Size: 9, SHA256: "cd"},
	}
	b, err := adapters.MarshalFiles(files)
	require.NoError(t, err)
	// the stored names are the codec's own, whatever the Go fields are called
	assert.JSONEq(t, `[{"id":"f1","field":"photo","name":"hole.jpg","type":"image/jpeg","size":1234,"sha256":"ab"},
		{"id":"f2","field":"members.1.proof","name":"pay.pdf","type":"application/pdf","size":9,"sha256":"cd"}]`, string(b))
	back, err := adapters.UnmarshalFiles(b)
	require.NoError(t, err)
	assert.Equal(t, files, back)

	none, err := adapters.MarshalFiles(nil)
	require.NoError(t, err)
	assert.Nil(t, none, "no files is no value (NULL)")
	back, err = adapters.UnmarshalFiles(nil)
	require.NoError(t, err)
	assert.Nil(t, back)
	_, err = adapters.UnmarshalFiles([]byte(`{"id":1}`))
	assert.ErrorContains(t, err, "submission files")
}
