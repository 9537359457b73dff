package identity

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Key is one AES-256-GCM key of a KeyRing.
type Key struct {
	// ID names the key inside sealed values; 1 to 32 bytes, unique per ring.
	ID string
	// Secret is the 32-byte AES-256 key. Generate it with crypto/rand.
	Secret []byte
	// RetiredAt is when the key stopped sealing. Zero means active. A
	// retired key still opens values until RetiredAt plus the grace period.
	RetiredAt time.Time
}

// KeyRingConfig tunes a KeyRing. A nil *KeyRingConfig means the defaults.
type KeyRingConfig struct {
	// Grace is how long values sealed with a retired key still open.
	// Default 24h; it should be at least the session absolute timeout.
	Grace time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Validate reports every problem of the configuration.
func (c *KeyRingConfig) Validate() error {
	if c == nil {
		return nil
	}
	if c.Grace < 0 {
		return fmt.Errorf("identity: key ring grace %v is negative", c.Grace)
	}
	return nil
}

type ringKey struct {
	id        string
	aead      cipher.AEAD
	retiredAt time.Time
}

type ringState struct {
	primary *ringKey
	byID    map[string]*ringKey
}

// KeyRing seals and opens cookie values with AES-256-GCM. One key seals; any
// number of retired keys still open values for a grace period, so keys can
// be rotated without logging everybody out. It is safe for concurrent use.
type KeyRing struct {
	state atomic.Pointer[ringState]
	grace time.Duration
	now   func() time.Time
}

const sealVersion = 1

// NewKeyRing builds a ring whose primary (sealing) key is primary, with the
// given retired keys still accepted during the grace period.
func NewKeyRing(primary Key, retired []Key, cfg *KeyRingConfig) (*KeyRing, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	kr := &KeyRing{grace: 24 * time.Hour, now: time.Now}
	if cfg != nil {
		if cfg.Grace > 0 {
			kr.grace = cfg.Grace
		}
		if cfg.Now != nil {
			kr.now = cfg.Now
		}
	}
	if !primary.RetiredAt.IsZero() {
		return nil, errors.New("identity: primary key must not be retired")
	}
	st := &ringState{byID: map[string]*ringKey{}}
	var errs []error
	for i, k := range append([]Key{primary}, retired...) {
		rk, err := newRingKey(k)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if i > 0 && rk.retiredAt.IsZero() {
			errs = append(errs, fmt.Errorf("identity: key %q is listed as retired but has no RetiredAt", k.ID))
		}
		if _, dup := st.byID[rk.id]; dup {
			errs = append(errs, fmt.Errorf("identity: duplicate key id %q", k.ID))
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

func newRingKey(k Key) (*ringKey, error) {
	if len(k.ID) == 0 || len(k.ID) > 32 {
		return nil, fmt.Errorf("identity: key id %q must be 1 to 32 bytes", k.ID)
	}
	if len(k.Secret) != 32 {
		return nil, fmt.Errorf("identity: key %q secret is %d bytes, want 32", k.ID, len(k.Secret))
	}
	block, err := aes.NewCipher(k.Secret)
	if err != nil {
		return nil, fmt.Errorf("identity: key %q: %w", k.ID, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("identity: key %q: %w", k.ID, err)
	}
	return &ringKey{id: k.ID, aead: aead, retiredAt: k.RetiredAt}, nil
}

// Rotate makes next the sealing key and retires the current primary now.
// Values it sealed keep opening for the grace period.
func (kr *KeyRing) Rotate(next Key) error {
	if !next.RetiredAt.IsZero() {
		return errors.New("identity: new primary key must not be retired")
	}
	nk, err := newRingKey(next)
	if err != nil {
		return err
	}
	for {
		old := kr.state.Load()
		if _, dup := old.byID[nk.id]; dup {
			return fmt.Errorf("identity: duplicate key id %q", next.ID)
		}
		st := &ringState{primary: nk, byID: make(map[string]*ringKey, len(old.byID)+1)}
		now := kr.now()
		for id, k := range old.byID {
			if k == old.primary {
				retired := *k
				retired.retiredAt = now
				k = &retired
			}
			if !k.retiredAt.IsZero() && now.Sub(k.retiredAt) > kr.grace {
				continue // past its grace; forget it
			}
			st.byID[id] = k
		}
		st.byID[nk.id] = nk
		if kr.state.CompareAndSwap(old, st) {
			return nil
		}
	}
}

// Seal encrypts and authenticates plaintext for the given purpose (bound as
// additional data, so a value sealed for one purpose never opens for
// another) and returns a base64url string safe for a cookie value.
func (kr *KeyRing) Seal(purpose string, plaintext []byte) string {
	k := kr.state.Load().primary
	ns := k.aead.NonceSize()
	buf := make([]byte, 0, 2+len(k.id)+ns+len(plaintext)+k.aead.Overhead())
	buf = append(buf, sealVersion, byte(len(k.id)))
	buf = append(buf, k.id...)
	nonce := buf[len(buf) : len(buf)+ns]
	_, _ = rand.Read(nonce)
	buf = buf[:len(buf)+ns]
	buf = k.aead.Seal(buf, nonce, plaintext, []byte(purpose))
	return base64.RawURLEncoding.EncodeToString(buf)
}

// maxSealedLen bounds values Open will look at; browsers cap cookies at 4 KiB.
const maxSealedLen = 8192

// Open authenticates and decrypts a value made by Seal for the same purpose.
// It fails with an *AuthError whose Reason is ErrSession for malformed or
// tampered values and ErrKeyRetired for values sealed with a key retired for
// longer than the grace period (or unknown to the ring).
func (kr *KeyRing) Open(purpose, sealed string) ([]byte, error) {
	var buf []byte
	return kr.open([]byte(purpose), sealed, &buf)
}

// sealBufs recycles decoding buffers for values that are copied out
// before the buffer is returned.
var sealBufs = sync.Pool{New: func() any { b := make([]byte, 0, 8192); return &b }}

// open is Open decoding into *buf, which it may grow; the plaintext
// aliases *buf.
func (kr *KeyRing) open(purpose []byte, sealed string, buf *[]byte) ([]byte, error) {
	if len(sealed) == 0 || len(sealed) > maxSealedLen {
		return nil, authErr(ErrSession, "", "bad length", nil)
	}
	// The buffer holds a copy of the text and, after it, the decoded bytes.
	n := base64.RawURLEncoding.DecodedLen(len(sealed))
	if cap(*buf) < len(sealed)+n {
		*buf = make([]byte, len(sealed)+n)
	}
	src := append((*buf)[:0], sealed...)
	raw := (*buf)[len(sealed) : len(sealed)+n]
	n, err := base64.RawURLEncoding.Decode(raw, src)
	if err != nil {
		return nil, authErr(ErrSession, "", "bad encoding", nil)
	}
	raw = raw[:n]
	if len(raw) < 2 || raw[0] != sealVersion {
		return nil, authErr(ErrSession, "", "bad version", nil)
	}
	idLen := int(raw[1])
	if idLen == 0 || len(raw) < 2+idLen {
		return nil, authErr(ErrSession, "", "truncated", nil)
	}
	st := kr.state.Load()
	k, ok := st.byID[string(raw[2:2+idLen])]
	if !ok {
		return nil, authErr(ErrKeyRetired, "", "unknown key", nil)
	}
	if !k.retiredAt.IsZero() && kr.now().Sub(k.retiredAt) > kr.grace {
		return nil, authErr(ErrKeyRetired, "", "key past its grace period", nil)
	}
	rest := raw[2+idLen:]
	ns := k.aead.NonceSize()
	if len(rest) < ns+k.aead.Overhead() {
		return nil, authErr(ErrSession, "", "truncated", nil)
	}
	pt, err := k.aead.Open(rest[ns:ns], rest[:ns], rest[ns:], purpose)
	if err != nil {
		return nil, authErr(ErrSession, "", "authentication failed", nil)
	}
	return pt, nil
}
