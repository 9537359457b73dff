package forms

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/civickit/civickit/adapters"
)

// RedactedPrefix starts the mask Redact puts in place of a PII value:
// "[redacted:contact]".
const RedactedPrefix = "[redacted:"

// Redact returns a copy of values with every PII field's value (any field
// with x-pii, or inside a group with x-pii) replaced by
// "[redacted:<category>]", for logs, exports and staff without clearance.
// Fields the form does not declare are dropped, since nothing says they
// are safe to show.
func (f *Form) Redact(values map[string]any) map[string]any {
	return redactObject(f.root, values)
}

func redactObject(parent *Field, m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		fl := parent.names[k]
		if fl == nil {
			continue
		}
		cat := fl.PII
		switch {
		case fl.Type == "object" && cat == "":
			if child, ok := v.(map[string]any); ok {
				out[k] = redactObject(fl, child)
			} else {
				out[k] = deepCopy(v)
			}
		case cat != "":
			out[k] = RedactedPrefix + cat + "]"
		default:
			out[k] = deepCopy(v)
		}
	}
	return out
}

// KeyRing holds the AES-256 keys that seal PII at rest. Each sealed value
// names the key that sealed it, so rotation is adding a key: new values
// use the newest key, old values still open with theirs. Safe for
// concurrent use.
type KeyRing struct {
	mu      sync.RWMutex
	keys    map[string]cipher.AEAD
	current string
}

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// NewKeyRing returns a ring whose current key is key (32 bytes) named id
// (letters, digits, '-', '_'; at most 32).
func NewKeyRing(id string, key []byte) (*KeyRing, error) {
	k := &KeyRing{keys: map[string]cipher.AEAD{}}
	if err := k.Add(id, key); err != nil {
		return nil, err
	}
	return k, nil
}

// Add adds a key and makes it current. An id already in the ring fails
// with adapters.ErrDuplicate.
func (k *KeyRing) Add(id string, key []byte) error {
	if !keyIDPattern.MatchString(id) {
		return fmt.Errorf("forms: key id %q: must be 1-32 letters, digits, '-' or '_': %w", id, adapters.ErrInvalidArgument)
	}
	if len(key) != 32 {
		return fmt.Errorf("forms: key %s is %d bytes, AES-256 needs 32: %w", id, len(key), adapters.ErrInvalidArgument)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return fmt.Errorf("forms: key %s: %w", id, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return fmt.Errorf("forms: key %s: %w", id, err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, dup := k.keys[id]; dup {
		return fmt.Errorf("forms: key %s is already in the ring: %w", id, adapters.ErrDuplicate)
	}
	k.keys[id] = aead
	k.current = id
	return nil
}

// Current returns the id of the key new values are sealed with.
func (k *KeyRing) Current() string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.current
}

// ErrUnsealable reports a sealed value that does not open: unknown key,
// tampering, or a value moved from another field or form.
var ErrUnsealable = errors.New("forms: sealed value does not open")

const sealedVersion = "v1"

// seal encrypts with AES-256-GCM under the current key; aad binds the
// ciphertext to where it belongs. The result is "v1.<key id>.<base64url
// nonce||ciphertext>".
func (k *KeyRing) seal(plain, aad []byte) (string, error) {
	k.mu.RLock()
	id, aead := k.current, k.keys[k.current]
	k.mu.RUnlock()
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("forms: seal: %w", err)
	}
	ct := aead.Seal(nonce, nonce, plain, aad)
	return sealedVersion + "." + id + "." + base64.RawURLEncoding.EncodeToString(ct), nil
}

func (k *KeyRing) open(sealed string, aad []byte) ([]byte, error) {
	parts := strings.SplitN(sealed, ".", 3)
	if len(parts) != 3 || parts[0] != sealedVersion {
		return nil, fmt.Errorf("%w: malformed", ErrUnsealable)
	}
	k.mu.RLock()
	aead := k.keys[parts[1]]
	k.mu.RUnlock()
	if aead == nil {
		return nil, fmt.Errorf("%w: unknown key %q", ErrUnsealable, parts[1])
	}
	ct, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(ct) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("%w: malformed", ErrUnsealable)
	}
	plain, err := aead.Open(nil, ct[:aead.NonceSize()], ct[aead.NonceSize():], aad)
	if err != nil {
		return nil, ErrUnsealable
	}
	return plain, nil
}

// sealedKey marks a sealed value: {"$sealed": "v1.<key>.<data>"}. A
// validated value can never take this shape in a PII field, since the
// key is not a declared property.
const sealedKey = "$sealed"

// Seal returns a copy of values whose PII fields are encrypted with the
// ring's current key, each as {"$sealed": "v1.<key id>.<data>"} bound to
// the form id and the field's pointer. Other fields are copied as they
// are.
func (f *Form) Seal(values map[string]any, ring *KeyRing) (map[string]any, error) {
	return f.sealObject(f.root, values, ring)
}

func (f *Form) sealObject(parent *Field, m map[string]any, ring *KeyRing) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for k, v := range m {
		fl := parent.names[k]
		switch {
		case fl != nil && fl.PII != "":
			plain, err := appendJSON(nil, v)
			if err != nil {
				return nil, fmt.Errorf("forms: seal %s: %w", fl.Path, err)
			}
			s, err := ring.seal(plain, f.aad(fl))
			if err != nil {
				return nil, err
			}
			out[k] = map[string]any{sealedKey: s}
		case fl != nil && fl.Type == "object":
			child, ok := v.(map[string]any)
			if !ok {
				out[k] = deepCopy(v)
				continue
			}
			sealed, err := f.sealObject(fl, child, ring)
			if err != nil {
				return nil, err
			}
			out[k] = sealed
		default:
			out[k] = deepCopy(v)
		}
	}
	return out, nil
}

// Open reverses Seal. A sealed value that does not open fails with
// ErrUnsealable; a PII field stored in clear (sealing was off) is passed
// through.
func (f *Form) Open(values map[string]any, ring *KeyRing) (map[string]any, error) {
	return f.openObject(f.root, values, ring)
}

func (f *Form) openObject(parent *Field, m map[string]any, ring *KeyRing) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for k, v := range m {
		fl := parent.names[k]
		if fl != nil && fl.PII != "" {
			if box, ok := v.(map[string]any); ok && len(box) == 1 {
				if s, ok := box[sealedKey].(string); ok {
					plain, err := ring.open(s, f.aad(fl))
					if err != nil {
						return nil, fmt.Errorf("forms: open %s: %w", fl.Path, err)
					}
					val, err := decodeJSON(plain, f.limits.maxDepth)
					if err != nil {
						return nil, fmt.Errorf("forms: open %s: %w", fl.Path, ErrUnsealable)
					}
					out[k] = val
					continue
				}
			}
		}
		if fl != nil && fl.Type == "object" {
			if child, ok := v.(map[string]any); ok {
				opened, err := f.openObject(fl, child, ring)
				if err != nil {
					return nil, err
				}
				out[k] = opened
				continue
			}
		}
		out[k] = deepCopy(v)
	}
	return out, nil
}

// aad binds a sealed value to its form and field, so a ciphertext copied
// into another field or form does not open.
func (f *Form) aad(fl *Field) []byte {
	return []byte("civickit/forms\x00" + f.id + "\x00" + fl.Pointer)
}
