package keyring_test

import (
	"bytes"
	"crypto/rand"
	"io"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/keyring"
)

func sealStream(t testing.TB, ring *keyring.KeyRing, purpose string, plain []byte) []byte {
	t.Helper()
	var sealed bytes.Buffer
	w, err := ring.SealStream(&sealed, purpose)
	require.NoError(t, err)
	// Odd write sizes cross chunk boundaries at every offset.
	for p := plain; len(p) > 0; {
		n := min(len(p), 7919)
		_, err := w.Write(p[:n])
		require.NoError(t, err)
		p = p[n:]
	}
	require.NoError(t, w.Close())
	return sealed.Bytes()
}

func openStream(ring *keyring.KeyRing, purpose string, sealed []byte) ([]byte, error) {
	r, err := ring.OpenStream(bytes.NewReader(sealed), purpose)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func TestStreamRoundTrip(t *testing.T) {
	t.Parallel()
	ring, err := keyring.New(keyring.GenerateKey("k1"), nil, nil)
	require.NoError(t, err)
	for _, size := range []int{0, 1, keyring.StreamChunkSize - 1, keyring.StreamChunkSize, keyring.StreamChunkSize + 1, 3*keyring.StreamChunkSize + 12345} {
		plain := make([]byte, size)
		_, _ = rand.Read(plain)
		sealed := sealStream(t, ring, "p", plain)
		assert.False(t, size > 64 && bytes.Contains(sealed, plain[:64]), "size %d: plaintext visible in the sealed stream", size)
		got, err := openStream(ring, "p", sealed)
		require.NoError(t, err, "size %d", size)
		assert.Equal(t, plain, got, "size %d", size)

		// One byte at a time from the source: short reads are not the end.
		r, err := ring.OpenStream(iotest.OneByteReader(bytes.NewReader(sealed)), "p")
		require.NoError(t, err)
		got, err = io.ReadAll(r)
		require.NoError(t, err, "size %d, one byte reads", size)
		assert.Equal(t, plain, got, "size %d, one byte reads", size)
	}
}

func TestStreamRefusesTampering(t *testing.T) {
	t.Parallel()
	ring, err := keyring.New(keyring.GenerateKey("k1"), nil, nil)
	require.NoError(t, err)
	other, err := keyring.New(keyring.GenerateKey("k1"), nil, nil)
	require.NoError(t, err)
	plain := make([]byte, 2*keyring.StreamChunkSize+100)
	_, _ = rand.Read(plain)
	sealed := sealStream(t, ring, "p", plain)
	full := sealStream(t, ring, "p", plain[:2*keyring.StreamChunkSize])
	headerLen := 4 + 1 + 2 + 32
	chunkLen := keyring.StreamChunkSize + 16

	flipAt := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 1
		return b
	}
	swapped := bytes.Clone(sealed)
	copy(swapped[headerLen:], sealed[headerLen+chunkLen:headerLen+2*chunkLen])
	copy(swapped[headerLen+chunkLen:], sealed[headerLen:headerLen+chunkLen])

	tests := []struct {
		name    string
		ring    *keyring.KeyRing
		purpose string
		sealed  []byte
		want    error
	}{
		{name: "other purpose", ring: ring, purpose: "q", sealed: sealed, want: keyring.ErrInvalidSealed},
		{name: "same id, other secret", ring: other, purpose: "p", sealed: sealed, want: keyring.ErrInvalidSealed},
		{name: "empty", ring: ring, purpose: "p", sealed: nil, want: keyring.ErrInvalidSealed},
		{name: "not a stream", ring: ring, purpose: "p", sealed: []byte("v2.k1.abc"), want: keyring.ErrInvalidSealed},
		{name: "header cut", ring: ring, purpose: "p", sealed: sealed[:headerLen-1], want: keyring.ErrInvalidSealed},
		{name: "unknown key", ring: ring, purpose: "p", sealed: append([]byte("CKS1\x02k9"), sealed[7:]...), want: keyring.ErrUnknownKey},
		{name: "salt changed", ring: ring, purpose: "p", sealed: flipAt(headerLen - 1), want: keyring.ErrInvalidSealed},
		{name: "first chunk changed", ring: ring, purpose: "p", sealed: flipAt(headerLen + 10), want: keyring.ErrInvalidSealed},
		{name: "last chunk changed", ring: ring, purpose: "p", sealed: flipAt(len(sealed) - 1), want: keyring.ErrInvalidSealed},
		{name: "chunks swapped", ring: ring, purpose: "p", sealed: swapped, want: keyring.ErrInvalidSealed},
		{name: "cut at a chunk boundary", ring: ring, purpose: "p", sealed: sealed[:headerLen+2*chunkLen], want: keyring.ErrInvalidSealed},
		{name: "cut inside a chunk", ring: ring, purpose: "p", sealed: sealed[:len(sealed)-5], want: keyring.ErrInvalidSealed},
		{name: "full last chunk cut off", ring: ring, purpose: "p", sealed: full[:headerLen+chunkLen], want: keyring.ErrInvalidSealed},
		{name: "bytes appended", ring: ring, purpose: "p", sealed: append(bytes.Clone(full), 0), want: keyring.ErrInvalidSealed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := openStream(tt.ring, tt.purpose, tt.sealed)
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

func TestStreamKeyRotation(t *testing.T) {
	t.Parallel()
	clk := newClock()
	ring, err := keyring.New(keyring.GenerateKey("k1"), nil, &keyring.Config{Grace: time.Hour, Now: clk.Now})
	require.NoError(t, err)
	sealed := sealStream(t, ring, "p", []byte("resident's passport scan"))
	require.NoError(t, ring.Rotate(keyring.GenerateKey("k2")))
	got, err := openStream(ring, "p", sealed)
	require.NoError(t, err, "a stream sealed before a rotation must open within the grace period")
	assert.Equal(t, "resident's passport scan", string(got))
	clk.Add(2 * time.Hour)
	_, err = openStream(ring, "p", sealed)
	assert.ErrorIs(t, err, keyring.ErrKeyRetired)
}

func TestStreamWriteAfterClose(t *testing.T) {
	t.Parallel()
	ring, err := keyring.New(keyring.GenerateKey("k1"), nil, nil)
	require.NoError(t, err)
	w, err := ring.SealStream(io.Discard, "p")
	require.NoError(t, err)
	require.NoError(t, w.Close())
	_, err = w.Write([]byte("x"))
	assert.Error(t, err, "a write after Close must fail, not start a new stream")
}

func FuzzOpenStream(f *testing.F) {
	ring, err := keyring.New(keyring.Key{ID: "k1", Secret: bytes.Repeat([]byte{7}, 32)}, nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealStream(f, ring, "p", []byte("hello")))
	f.Add(sealStream(f, ring, "p", nil))
	f.Add([]byte("CKS1\x02k1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := openStream(ring, "p", b)
		if err == nil && len(b) < 4+1+2+32+16 {
			t.Fatalf("%d bytes opened as %q: shorter than a header and one tag", len(b), got)
		}
	})
}
