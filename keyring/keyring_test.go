package keyring_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/keyring"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

func newClock() *clock { return &clock{t: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)} }

// These values were sealed by the two rings civickit had before this
// package (identity.KeyRing and forms.KeyRing), with fixed keys. They must
// keep opening: sessions and stored PII fields outlive an upgrade.
func TestOpenLegacyFormats(t *testing.T) {
	t.Parallel()
	identityKey := keyring.Key{ID: "2026-11", Secret: bytes.Repeat([]byte{0x11}, 32)}
	formsKey := keyring.Key{ID: "2026-01", Secret: bytes.Repeat([]byte{0x22}, 32)}
	ring, err := keyring.New(keyring.GenerateKey("2027-01"), []keyring.Key{
		{ID: identityKey.ID, Secret: identityKey.Secret, RetiredAt: time.Now()},
		{ID: formsKey.ID, Secret: formsKey.Secret, RetiredAt: time.Now()},
	}, &keyring.Config{Grace: keyring.GraceForever})
	require.NoError(t, err)
	tests := []struct {
		name, purpose, sealed, want string
	}{
		{"identity session cookie", "civickit session v1", "AQcyMDI2LTEx7rVwG7T0y8byeSKMMS5diu1RNq9peRYU8LaX8G93XhJ5wMAwm-Hopn4", "hello session"},
		{"identity flow cookie", "civickit flow v1", "AQcyMDI2LTExhj72-oZqUEHwgLTKszvoXc_9Liu8uFBbP8kCW4ZjEcNaJtacso1-1mw", `{"state":"s"}`},
		{"forms field", "civickit/forms\x00permit\x00/applicant/firstName", "v1.2026-01.reYo0OkBJYg3_epIXHGZUB4P1AOWeqFc8ZYOtUCgHXRF", `"Ana"`},
		{"forms group", "civickit/forms\x00permit\x00/address", "v1.2026-01.EodBayQ3pnO4yIkoLt2PGeHB2n0Nut0gBeAT_aAYbbrQO79qmAuoqZtSrwca3aE", `{"street":"1 Main"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ring.Open(tt.purpose, tt.sealed)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
			_, err = ring.Open(tt.purpose+"x", tt.sealed)
			assert.ErrorIs(t, err, keyring.ErrInvalidSealed, "a legacy value must stay bound to its purpose")
		})
	}
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	ring, err := keyring.New(keyring.GenerateKey("k1"), nil, nil)
	require.NoError(t, err)
	sealed := ring.Seal("p", []byte("secret"))
	require.True(t, strings.HasPrefix(sealed, "v2.k1."), "sealed value %q is not in the v2 format", sealed)
	other, err := keyring.New(keyring.GenerateKey("k1"), nil, nil)
	require.NoError(t, err)

	tests := []struct {
		name   string
		ring   *keyring.KeyRing
		sealed string
		want   error
	}{
		{name: "round trip", ring: ring, sealed: sealed},
		{name: "empty", ring: ring, sealed: "", want: keyring.ErrInvalidSealed},
		{name: "too long", ring: ring, sealed: strings.Repeat("A", keyring.MaxSealedLen+1), want: keyring.ErrInvalidSealed},
		{name: "unknown version", ring: ring, sealed: "v9.k1." + sealed[6:], want: keyring.ErrInvalidSealed},
		{name: "no key id separator", ring: ring, sealed: "v2.k1", want: keyring.ErrInvalidSealed},
		{name: "bad base64", ring: ring, sealed: "v2.k1.!!!", want: keyring.ErrInvalidSealed},
		{name: "truncated", ring: ring, sealed: sealed[:12], want: keyring.ErrInvalidSealed},
		{name: "tampered", ring: ring, sealed: sealed[:len(sealed)-2] + flip(sealed[len(sealed)-2:]), want: keyring.ErrInvalidSealed},
		{name: "unknown key", ring: ring, sealed: "v2.k9." + sealed[6:], want: keyring.ErrUnknownKey},
		{name: "same id, other secret", ring: other, sealed: sealed, want: keyring.ErrInvalidSealed},
		{name: "binary format truncated", ring: ring, sealed: "AQJrMQ", want: keyring.ErrInvalidSealed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.ring.Open("p", tt.sealed)
			if tt.want != nil {
				assert.ErrorIs(t, err, tt.want)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "secret", string(got))
		})
	}
	_, err = ring.Open("q", sealed)
	assert.ErrorIs(t, err, keyring.ErrInvalidSealed, "a value sealed for one purpose opened for another")
}

func flip(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

func TestRotationGrace(t *testing.T) {
	t.Parallel()
	c := newClock()
	ring, err := keyring.New(keyring.GenerateKey("old"), nil, &keyring.Config{Grace: time.Hour, Now: c.Now})
	require.NoError(t, err)
	sealedOld := ring.Seal("p", []byte("hello"))
	require.NoError(t, ring.Rotate(keyring.GenerateKey("new")))
	assert.Equal(t, "new", ring.Primary())
	sealedNew := ring.Seal("p", []byte("world"))

	got, err := ring.Open("p", sealedOld)
	require.NoError(t, err, "a retired key opens during its grace")
	assert.Equal(t, "hello", string(got))

	c.Add(time.Hour + time.Second)
	_, err = ring.Open("p", sealedOld)
	assert.ErrorIs(t, err, keyring.ErrKeyRetired)
	got, err = ring.Open("p", sealedNew)
	require.NoError(t, err)
	assert.Equal(t, "world", string(got))

	// The next rotation forgets the key past its grace.
	require.NoError(t, ring.Rotate(keyring.GenerateKey("newer")))
	_, err = ring.Open("p", sealedOld)
	assert.ErrorIs(t, err, keyring.ErrUnknownKey)
	assert.ErrorIs(t, ring.Rotate(keyring.GenerateKey("new")), keyring.ErrInvalidKey, "rotating to an id in the ring")
	assert.ErrorIs(t, ring.Rotate(keyring.Key{ID: "x", Secret: make([]byte, 32), RetiredAt: c.Now()}), keyring.ErrInvalidKey)
}

func TestGraceForever(t *testing.T) {
	t.Parallel()
	c := newClock()
	ring, err := keyring.New(keyring.GenerateKey("a"), nil, &keyring.Config{Grace: keyring.GraceForever, Now: c.Now})
	require.NoError(t, err)
	sealed := ring.Seal("p", []byte("kept"))
	require.NoError(t, ring.Rotate(keyring.GenerateKey("b")))
	c.Add(100 * 365 * 24 * time.Hour)
	got, err := ring.Open("p", sealed)
	require.NoError(t, err)
	assert.Equal(t, "kept", string(got))
}

func TestNewRefusesBadKeys(t *testing.T) {
	t.Parallel()
	good := keyring.GenerateKey("good")
	retired := keyring.GenerateKey("old")
	retired.RetiredAt = time.Now()
	tests := []struct {
		name    string
		primary keyring.Key
		retired []keyring.Key
		cfg     *keyring.Config
		wantErr bool
	}{
		{name: "valid", primary: good, retired: []keyring.Key{retired}},
		{name: "empty id", primary: keyring.Key{Secret: make([]byte, 32)}, wantErr: true},
		{name: "id too long", primary: keyring.GenerateKey(strings.Repeat("a", 33)), wantErr: true},
		{name: "id with a dot", primary: keyring.GenerateKey("a.b"), wantErr: true},
		{name: "short secret", primary: keyring.Key{ID: "a", Secret: make([]byte, 16)}, wantErr: true},
		{name: "retired primary", primary: retired, wantErr: true},
		{name: "retired key without RetiredAt", primary: good, retired: []keyring.Key{keyring.GenerateKey("x")}, wantErr: true},
		{name: "duplicate id", primary: good, retired: []keyring.Key{{ID: "good", Secret: make([]byte, 32), RetiredAt: time.Now()}}, wantErr: true},
		{name: "negative grace", primary: good, cfg: &keyring.Config{Grace: -1}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ring, err := keyring.New(tt.primary, tt.retired, tt.cfg)
			if tt.wantErr {
				assert.ErrorIs(t, err, keyring.ErrInvalidKey)
				assert.Nil(t, ring)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "good", ring.Primary())
		})
	}
}

func TestConcurrentRotate(t *testing.T) {
	t.Parallel()
	ring, err := keyring.New(keyring.GenerateKey("k0"), nil, &keyring.Config{Grace: keyring.GraceForever})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				s := ring.Seal("p", []byte("v"))
				got, err := ring.Open("p", s)
				if err != nil || string(got) != "v" {
					t.Errorf("open during rotation: %v", err)
					return
				}
				if j%10 == 0 {
					_ = ring.Rotate(keyring.GenerateKey("k" + string(rune('a'+i)) + string(rune('a'+j/10))))
				}
			}
		})
	}
	wg.Wait()
}

func FuzzOpen(f *testing.F) {
	ring, err := keyring.New(keyring.Key{ID: "2026-11", Secret: bytes.Repeat([]byte{0x11}, 32)}, nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	good := ring.Seal("p", []byte("payload"))
	for _, s := range []string{good, good[:len(good)/2], "", "v1.a.", "v2..", "AQJrMQ", "AQcyMDI2LTEx7rVwG7T0y8byeSKMMS5diu1RNq9peRYU8LaX8G93XhJ5wMAwm-Hopn4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ring.Open("p", s)
		if err == nil && string(got) != "payload" {
			t.Fatalf("opened a value nobody sealed: %q", got)
		}
	})
}
