package forms

import (
	"bytes"
	"testing"
	"time"

	"github.com/civickit/civickit/keyring"
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
	ring, err := keyring.New(keyring.Key{ID: "k1", Secret: make([]byte, 32)}, nil, nil)
	require.NoError(t, err)
	sealed, err := f.Seal(map[string]any{"applicant": map[string]any{"firstName": "Ana", "lastName": "G"}}, ring)
	require.NoError(t, err)
	app := sealed["applicant"].(map[string]any)
	assert.True(t, Sealed(app["firstName"]), "a sealed value reads as sealed")
	assert.False(t, Sealed("Ana"))
	assert.False(t, Sealed(app), "a group holding sealed values is not itself sealed")
	assert.False(t, Sealed(map[string]any{"$sealed": 42}))

	// a ciphertext moved to another field does not open
	swapped := map[string]any{"applicant": map[string]any{"firstName": app["lastName"], "lastName": app["firstName"]}}
	_, err = f.Open(swapped, ring)
	assert.ErrorIs(t, err, keyring.ErrInvalidSealed)

	tampered := map[string]any{"applicant": map[string]any{"firstName": map[string]any{"$sealed": app["firstName"].(map[string]any)["$sealed"].(string) + "A"}}}
	_, err = f.Open(tampered, ring)
	assert.ErrorIs(t, err, keyring.ErrInvalidSealed)

	opened, err := f.Open(sealed, ring)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"applicant": map[string]any{"firstName": "Ana", "lastName": "G"}}, opened)
}

// A value the forms key ring sealed before the shared keyring package
// (format v1, same key and binding) still opens.
func TestOpenValueSealedByTheEarlierRing(t *testing.T) {
	t.Parallel()
	f := loadPermit(t)
	ring, err := keyring.New(keyring.GenerateKey("2027-01"), []keyring.Key{
		{ID: "2026-01", Secret: bytes.Repeat([]byte{0x22}, 32), RetiredAt: time.Now()},
	}, &keyring.Config{Grace: keyring.GraceForever})
	require.NoError(t, err)
	stored := map[string]any{"applicant": map[string]any{"firstName": map[string]any{
		"$sealed": "v1.2026-01.reYo0OkBJYg3_epIXHGZUB4P1AOWeqFc8ZYOtUCgHXRF",
	}}}
	opened, err := f.Open(stored, ring)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"applicant": map[string]any{"firstName": "Ana"}}, opened)
}
