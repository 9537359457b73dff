package keyring

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"time"
)

var (
	// ErrInvalidKey reports a key New or Rotate cannot use: a bad id or
	// secret, a duplicate id, or a retired primary.
	ErrInvalidKey = errors.New("keyring: invalid key")
	// ErrInvalidSealed reports a sealed value that is malformed, truncated,
	// too long, tampered with, or sealed for another purpose.
	ErrInvalidSealed = errors.New("keyring: sealed value does not open")
	// ErrUnknownKey reports a value sealed with a key the ring does not
	// hold (never held, or dropped after its grace period).
	ErrUnknownKey = errors.New("keyring: unknown key")
	// ErrKeyRetired reports a value sealed with a key retired for longer
	// than the grace period.
	ErrKeyRetired = errors.New("keyring: key retired past its grace period")
)

// GraceForever keeps retired keys opening values for as long as they are
// in the ring: the setting for data at rest, which outlives any rotation.
const GraceForever = time.Duration(math.MaxInt64)

// DefaultGrace is the grace period of a nil or zero Config.
const DefaultGrace = 24 * time.Hour

// MaxSealedLen bounds the values Open looks at.
const MaxSealedLen = 1 << 20

// Key is one AES-256-GCM key of a KeyRing.
type Key struct {
	// ID names the key inside sealed values: 1 to 32 letters, digits, '-'
	// or '_', unique per ring.
	ID string
	// Secret is the 32-byte AES-256 key. Generate it with crypto/rand.
	Secret []byte
	// RetiredAt is when the key stopped sealing; zero means active. A
	// retired key still opens values until RetiredAt plus the grace period.
	RetiredAt time.Time
}

// Config tunes a KeyRing. A nil *Config means the defaults.
type Config struct {
	// Grace is how long values sealed with a retired key still open.
	// Zero means DefaultGrace (24h); for sessions it should be at least
	// the session's absolute timeout; for data at rest use GraceForever.
	Grace time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Validate reports every problem of the configuration.
func (c *Config) Validate() error {
	if c != nil && c.Grace < 0 {
		return fmt.Errorf("keyring: grace %v is negative: %w", c.Grace, ErrInvalidKey)
	}
	return nil
}

type ringKey struct {
	id        string
	aead      cipher.AEAD
	secret    []byte // for the per-stream keys of SealStream
	retiredAt time.Time
}

type ringState struct {
	primary *ringKey
	byID    map[string]*ringKey
}

// KeyRing seals and opens values with AES-256-GCM. The primary key seals;
// retired keys still open values for the grace period, so keys rotate
// without losing what they sealed. Safe for concurrent use.
type KeyRing struct {
	state atomic.Pointer[ringState]
	grace time.Duration
	now   func() time.Time
}

// New builds a ring that seals with primary and also opens values sealed
// with the retired keys, each until its RetiredAt plus the grace period.
func New(primary Key, retired []Key, cfg *Config) (*KeyRing, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	kr := &KeyRing{grace: DefaultGrace, now: time.Now}
	if cfg != nil {
		if cfg.Grace > 0 {
			kr.grace = cfg.Grace
		}
		if cfg.Now != nil {
			kr.now = cfg.Now
		}
	}
	st := &ringState{byID: map[string]*ringKey{}}
	var errs []error
	if !primary.RetiredAt.IsZero() {
		errs = append(errs, fmt.Errorf("keyring: primary key %q is retired: %w", primary.ID, ErrInvalidKey))
	}
	for i, k := range append([]Key{primary}, retired...) {
		rk, err := newRingKey(k)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if i > 0 && rk.retiredAt.IsZero() {
			errs = append(errs, fmt.Errorf("keyring: key %q is listed as retired but has no RetiredAt: %w", k.ID, ErrInvalidKey))
		}
		if _, dup := st.byID[rk.id]; dup {
			errs = append(errs, fmt.Errorf("keyring: duplicate key id %q: %w", k.ID, ErrInvalidKey))
			continue
		}
		st.byID[rk.id] = rk
		if i == 0 {
			st.primary = rk
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	kr.state.Store(st)
	return kr, nil
}

// GenerateKey returns a fresh random key with the given id.
func GenerateKey(id string) Key {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret) // crypto/rand.Read never fails (Go 1.24+).
	return Key{ID: id, Secret: secret}
}

func validID(id string) bool {
	if len(id) == 0 || len(id) > 32 {
		return false
	}
	for _, c := range []byte(id) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func newRingKey(k Key) (*ringKey, error) {
	if !validID(k.ID) {
		return nil, fmt.Errorf("keyring: key id %q must be 1 to 32 letters, digits, '-' or '_': %w", k.ID, ErrInvalidKey)
	}
	if len(k.Secret) != 32 {
		return nil, fmt.Errorf("keyring: key %q secret is %d bytes, want 32: %w", k.ID, len(k.Secret), ErrInvalidKey)
	}
	block, err := aes.NewCipher(k.Secret)
	if err != nil {
		return nil, fmt.Errorf("keyring: key %q: %w", k.ID, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("keyring: key %q: %w", k.ID, err)
	}
	return &ringKey{id: k.ID, aead: aead, secret: bytes.Clone(k.Secret), retiredAt: k.RetiredAt}, nil
}

// Rotate makes next the sealing key and retires the current primary now;
// what it sealed keeps opening for the grace period. Keys already past
// their grace are dropped from the ring.
func (kr *KeyRing) Rotate(next Key) error {
	if !next.RetiredAt.IsZero() {
		return fmt.Errorf("keyring: new primary key %q is retired: %w", next.ID, ErrInvalidKey)
	}
	nk, err := newRingKey(next)
	if err != nil {
		return err
	}
	for {
		old := kr.state.Load()
		if _, dup := old.byID[nk.id]; dup {
			return fmt.Errorf("keyring: duplicate key id %q: %w", next.ID, ErrInvalidKey)
		}
		st := &ringState{primary: nk, byID: make(map[string]*ringKey, len(old.byID)+1)}
		now := kr.now()
		for id, k := range old.byID {
			if k == old.primary {
				retired := *k
				retired.retiredAt = now
				k = &retired
			}
			if kr.expired(k, now) {
				continue
			}
			st.byID[id] = k
		}
		st.byID[nk.id] = nk
		if kr.state.CompareAndSwap(old, st) {
			return nil
		}
	}
}

func (kr *KeyRing) expired(k *ringKey, now time.Time) bool {
	return !k.retiredAt.IsZero() && now.Sub(k.retiredAt) > kr.grace
}

// Primary returns the id of the key that seals.
func (kr *KeyRing) Primary() string { return kr.state.Load().primary.id }

// The wire format is "v2.<key id>.<base64url(nonce || ciphertext)>",
// authenticated with the purpose as additional data.
const version = "v2."

// Seal encrypts and authenticates plaintext with the primary key, bound to
// purpose (a value sealed for one purpose never opens for another), and
// returns a string safe for cookies, URLs and JSON.
func (kr *KeyRing) Seal(purpose string, plaintext []byte) string {
	k := kr.state.Load().primary
	ns := k.aead.NonceSize()
	buf := make([]byte, ns, ns+len(plaintext)+k.aead.Overhead())
	_, _ = rand.Read(buf) // crypto/rand.Read never fails (Go 1.24+).
	buf = k.aead.Seal(buf, buf, plaintext, []byte(purpose))
	out := make([]byte, 0, len(version)+len(k.id)+1+base64.RawURLEncoding.EncodedLen(len(buf)))
	out = append(append(append(out, version...), k.id...), '.')
	return string(base64.RawURLEncoding.AppendEncode(out, buf))
}

// Open authenticates and decrypts a value sealed for purpose, by Seal or by
// the two formats civickit sealed before this package (identity cookies
// and forms fields), which the same keys and purposes still open.
func (kr *KeyRing) Open(purpose, sealed string) ([]byte, error) {
	if len(sealed) == 0 || len(sealed) > MaxSealedLen {
		return nil, fmt.Errorf("%w: length %d", ErrInvalidSealed, len(sealed))
	}
	var id, data string
	switch {
	case strings.HasPrefix(sealed, version), strings.HasPrefix(sealed, "v1."):
		var ok bool
		id, data, ok = strings.Cut(sealed[3:], ".")
		if !ok {
			return nil, fmt.Errorf("%w: no key id", ErrInvalidSealed)
		}
	case !strings.Contains(sealed, "."):
		return kr.openBinary(purpose, sealed)
	default:
		return nil, fmt.Errorf("%w: unknown version", ErrInvalidSealed)
	}
	raw, err := base64.RawURLEncoding.DecodeString(data)
	if err != nil {
		return nil, fmt.Errorf("%w: bad encoding", ErrInvalidSealed)
	}
	return kr.open(purpose, id, raw)
}

// openBinary opens the first identity cookie format: base64url of
// 0x01, len(id), id, nonce, ciphertext.
func (kr *KeyRing) openBinary(purpose, sealed string) ([]byte, error) {
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(raw) < 2 || raw[0] != 1 {
		return nil, fmt.Errorf("%w: bad encoding or version", ErrInvalidSealed)
	}
	n := int(raw[1])
	if n == 0 || len(raw) < 2+n {
		return nil, fmt.Errorf("%w: truncated", ErrInvalidSealed)
	}
	return kr.open(purpose, string(raw[2:2+n]), raw[2+n:])
}

func (kr *KeyRing) open(purpose, id string, raw []byte) ([]byte, error) {
	k, ok := kr.state.Load().byID[id]
	if !ok {
		return nil, ErrUnknownKey
	}
	if kr.expired(k, kr.now()) {
		return nil, ErrKeyRetired
	}
	ns := k.aead.NonceSize()
	if len(raw) < ns+k.aead.Overhead() {
		return nil, fmt.Errorf("%w: truncated", ErrInvalidSealed)
	}
	pt, err := k.aead.Open(raw[ns:ns], raw[:ns], raw[ns:], []byte(purpose))
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed", ErrInvalidSealed)
	}
	return pt, nil
}
