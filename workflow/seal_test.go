package workflow_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/keyring"
	"github.com/civickit/civickit/workflow"
)

const licenceForm = `{
  "x-form": {"id": "dog-licence", "version": 1},
  "type": "object",
  "required": ["owner", "dogName"],
  "properties": {
    "owner": {"type": "string", "title": "Your full name", "x-pii": "identity"},
    "phone": {"type": "string", "title": "Phone", "x-widget": "tel", "x-pii": "contact"},
    "dogName": {"type": "string", "title": "Dog's name"}
  }
}`

// A city that seals PII seals the validated values before opening the
// case, so neither the case nor its submission reaches the store in clear.
func TestOpeningFromASealedSubmissionStoresNoClearPII(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg, err := forms.NewRegistry(nil)
	require.NoError(t, err)
	form, err := reg.Load(ctx, "dog-licence.json", []byte(licenceForm))
	require.NoError(t, err)
	key := make([]byte, 32)
	_, err = rand.Read(key)
	require.NoError(t, err)
	ring, err := keyring.New(keyring.Key{ID: "2026-11", Secret: key}, nil, &keyring.Config{Grace: keyring.GraceForever})
	require.NoError(t, err)

	clean, err := form.ValidateJSON(ctx, []byte(`{"owner":"Ana Ruiz","phone":"+1 555 0100","dogName":"Rex"}`), "en")
	require.NoError(t, err)
	var values map[string]any
	require.NoError(t, json.Unmarshal(clean, &values))
	sealed, err := form.Seal(values, ring)
	require.NoError(t, err)
	data, err := json.Marshal(sealed)
	require.NoError(t, err)

	store := memory.New()
	e, err := workflow.New(store, nil)
	require.NoError(t, err)
	require.NoError(t, e.Register(benchWorkflow(t)))
	pin := form.Pin()
	c, err := e.Open(ctx, workflow.OpenParams{
		Type: "bench", Actor: workflow.Actor{Subject: "resident-1"}, Data: data,
		Submission: &adapters.Submission{FormID: pin.ID, FormVersion: pin.Version, FormHash: pin.Hash, Data: data},
	})
	require.NoError(t, err)

	stored, err := store.GetCase(ctx, c.ID)
	require.NoError(t, err)
	subs, err := store.ListSubmissions(ctx, c.ID)
	require.NoError(t, err)
	require.Len(t, subs, 1)
	for _, doc := range [][]byte{stored.Data, subs[0].Data} {
		assert.NotContains(t, string(doc), "Ana Ruiz")
		assert.NotContains(t, string(doc), "555 0100")
		assert.Contains(t, string(doc), "Rex", "fields that are not PII stay readable")
	}

	var got map[string]any
	require.NoError(t, json.Unmarshal(stored.Data, &got))
	opened, err := form.Open(got, ring)
	require.NoError(t, err)
	assert.Equal(t, values, opened, "staff with the key read what the resident sent")
}
