package forms

import (
	"testing"

	"github.com/civickit/civickit/adapters"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	in := map[string]any{
		"applicant": map[string]any{"firstName": "Ana", "email": "ana@example.org"},
		"site":      map[string]any{"street": "12 Main", "city": "Springfield"},
		"workType":  "deck",
		"unknown":   "kept out",
	}
	got := f.Redact(in)
	assert.Equal(t, map[string]any{
		"applicant": map[string]any{"firstName": "[redacted:identity]", "email": "[redacted:contact]"},
		"site":      map[string]any{"street": "[redacted:location]", "city": "Springfield"},
		"workType":  "deck",
	}, got)
	assert.Equal(t, "Ana", in["applicant"].(map[string]any)["firstName"], "input untouched")
}

func TestSealBindsValuesToFields(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	ring, err := NewKeyRing("k1", make([]byte, 32))
	require.NoError(t, err)
	sealed, err := f.Seal(map[string]any{"applicant": map[string]any{"firstName": "Ana", "lastName": "G"}}, ring)
	require.NoError(t, err)
	app := sealed["applicant"].(map[string]any)

	// a ciphertext moved to another field does not open
	swapped := map[string]any{"applicant": map[string]any{"firstName": app["lastName"], "lastName": app["firstName"]}}
	_, err = f.Open(swapped, ring)
	assert.ErrorIs(t, err, ErrUnsealable)

	tampered := map[string]any{"applicant": map[string]any{"firstName": map[string]any{"$sealed": app["firstName"].(map[string]any)["$sealed"].(string) + "A"}}}
	_, err = f.Open(tampered, ring)
	assert.ErrorIs(t, err, ErrUnsealable)

	opened, err := f.Open(sealed, ring)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"applicant": map[string]any{"firstName": "Ana", "lastName": "G"}}, opened)
}

func TestKeyRingRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		id   string
		key  []byte
		want error
	}{
		{name: "short key", id: "a", key: make([]byte, 16), want: adapters.ErrInvalidArgument},
		{name: "bad id", id: "a.b", key: make([]byte, 32), want: adapters.ErrInvalidArgument},
		{name: "empty id", id: "", key: make([]byte, 32), want: adapters.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewKeyRing(tt.id, tt.key)
			assert.ErrorIs(t, err, tt.want)
		})
	}
	ring, err := NewKeyRing("a", make([]byte, 32))
	require.NoError(t, err)
	assert.ErrorIs(t, ring.Add("a", make([]byte, 32)), adapters.ErrDuplicate)
	require.NoError(t, ring.Add("b", make([]byte, 32)))
	assert.Equal(t, "b", ring.Current())
}
