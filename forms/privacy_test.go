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

func TestPIIPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		form func(t *testing.T) *Form
		want []string
	}{
		{"permit", func(t *testing.T) *Form { return loadPermit(t) },
			[]string{"applicant.firstName", "applicant.lastName", "applicant.email", "applicant.phone", "site.street"}},
		{"household rows", func(t *testing.T) *Form { return loadHousehold(t) },
			[]string{"applicant", "members.*.name", "members.*.dob"}},
		{"a PII object covers its fields", func(t *testing.T) *Form {
			f, err := loadDef(t, `{"x-form": {"id": "p", "version": 1}, "type": "object", "properties": {
				"contact": {"type": "object", "x-pii": "contact", "properties": {
					"email": {"type": "string", "x-pii": "contact"}, "phone": {"type": "string"}}},
				"note": {"type": "string"}}}`)
			require.NoError(t, err)
			return f
		}, []string{"contact"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.form(t).PIIPaths())
		})
	}
}
