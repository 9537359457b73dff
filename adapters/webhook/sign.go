package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"

	"github.com/civickit/civickit/adapters"
)

// The headers of the Standard Webhooks signature scheme.
const (
	// HeaderID carries the message's id, the same on every retry: a
	// receiver drops a second delivery of an id it has seen.
	HeaderID = "webhook-id"
	// HeaderTimestamp carries the attempt's time in integer Unix seconds.
	HeaderTimestamp = "webhook-timestamp"
	// HeaderSignature carries one or more space-separated signatures,
	// each "v1,<base64 HMAC-SHA256>".
	HeaderSignature = "webhook-signature"
)

const (
	// SecretPrefix starts the text form of a signing secret.
	SecretPrefix = "whsec_"
	// MinSecretBytes and MaxSecretBytes bound a signing secret's key
	// (192 to 512 bits), as the specification asks.
	MinSecretBytes, MaxSecretBytes = 24, 64
	// MaxSecrets bounds how many secrets sign or verify at once (the
	// current one and those being rotated out).
	MaxSecrets = 8
	// MaxIDLen bounds the webhook-id a channel sends and a verifier
	// accepts, in bytes.
	MaxIDLen = 256
	// MaxSignatureHeaderLen bounds the webhook-signature header a
	// verifier reads, in bytes.
	MaxSignatureHeaderLen = 4096
	// DefaultTolerance is how far a timestamp may be from the verifier's
	// clock, either way, when Verifier.Tolerance is zero.
	DefaultTolerance = 5 * time.Minute
	// DefaultMaxBody bounds the body Verifier.Middleware reads when
	// Verifier.MaxBody is zero.
	DefaultMaxBody = 1 << 20
)

// The errors Verify returns, wrapped with what was wrong; test for them
// with errors.Is.
var (
	// ErrMissingHeaders reports a request without webhook-id,
	// webhook-timestamp or webhook-signature.
	ErrMissingHeaders = errors.New("webhook: missing signature headers")
	// ErrTimestamp reports a webhook-timestamp that is not an integer, or
	// is further from the verifier's clock than its tolerance (too old:
	// possibly a replay; too new: a clock far ahead).
	ErrTimestamp = errors.New("webhook: timestamp out of tolerance")
	// ErrSignature reports that no v1 signature in webhook-signature
	// matches any of the verifier's secrets.
	ErrSignature = errors.New("webhook: no matching signature")
)

const sigVersion = "v1"

// macLen is the length of an HMAC-SHA256; encLen its base64 form.
const macLen, encLen = sha256.Size, 44

// Secret is a parsed signing secret. The zero value is not usable; get
// one from ParseSecret or NewSecret. It prints redacted; Text gives the
// form to store and hand to a receiver.
type Secret struct {
	key []byte
}

// ParseSecret reads a secret in its text form, "whsec_" followed by the
// standard base64 of 24 to 64 bytes. The prefix may be left off, as some
// systems show only the base64. A bad secret wraps
// adapters.ErrInvalidArgument; the message never repeats the secret.
func ParseSecret(s string) (Secret, error) {
	b64 := strings.TrimPrefix(s, SecretPrefix)
	if len(b64) > base64.StdEncoding.EncodedLen(MaxSecretBytes) {
		return Secret{}, fmt.Errorf("%w: webhook secret is longer than %d bytes", adapters.ErrInvalidArgument, MaxSecretBytes)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return Secret{}, fmt.Errorf("%w: webhook secret is not %q followed by standard base64", adapters.ErrInvalidArgument, SecretPrefix)
	}
	if len(key) < MinSecretBytes || len(key) > MaxSecretBytes {
		return Secret{}, fmt.Errorf("%w: webhook secret holds %d bytes, want %d to %d", adapters.ErrInvalidArgument, len(key), MinSecretBytes, MaxSecretBytes)
	}
	return Secret{key: key}, nil
}

// NewSecret returns a new random secret of 32 bytes.
func NewSecret() Secret {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // never fails (crypto/rand, Go 1.24+)
	return Secret{key: key}
}

// Text returns the secret's text form, "whsec_<base64>", to keep in the
// sender's configuration and give to the receiver.
func (s Secret) Text() string { return SecretPrefix + base64.StdEncoding.EncodeToString(s.key) }

// String returns a redacted form, so that a secret printed by mistake
// stays secret.
func (s Secret) String() string { return SecretPrefix + "[redacted]" }

// GoString returns the same redacted form for %#v.
func (s Secret) GoString() string { return s.String() }

// macState is a keyed HMAC-SHA256 with its scratch space, reused through
// a pool so that verifying allocates nothing.
type macState struct {
	h       hash.Hash
	scratch []byte
	out     [macLen]byte
}

func (s Secret) newMAC() *macState { return &macState{h: hmac.New(sha256.New, s.key)} }

// sum returns the MAC of id + "." + ts + "." + body, the content the
// specification signs.
func (m *macState) sum(id, ts string, body []byte) []byte {
	m.h.Reset()
	b := append(m.scratch[:0], id...)
	b = append(b, '.')
	b = append(b, ts...)
	b = append(b, '.')
	m.scratch = b
	m.h.Write(b)
	m.h.Write(body)
	return m.h.Sum(m.out[:0])
}

// Sign returns the signature "v1,<base64>" of body sent as message id at
// ts (to the second) under secret: the HMAC-SHA256 of
// id + "." + unix seconds + "." + body. Several signatures, one per
// secret, are joined with a space in webhook-signature.
func Sign(secret Secret, id string, ts time.Time, body []byte) string {
	return sigVersion + "," + base64.StdEncoding.EncodeToString(secret.newMAC().sum(id, strconv.FormatInt(ts.Unix(), 10), body))
}

func signAll(secrets []Secret, id string, ts time.Time, body []byte) string {
	sigs := make([]string, len(secrets))
	for i, s := range secrets {
		sigs[i] = Sign(s, id, ts, body)
	}
	return strings.Join(sigs, " ")
}

func parseSecrets(texts []string) ([]Secret, error) {
	if len(texts) == 0 {
		return nil, fmt.Errorf("%w: at least one webhook secret is required", adapters.ErrInvalidArgument)
	}
	if len(texts) > MaxSecrets {
		return nil, fmt.Errorf("%w: %d webhook secrets, at most %d", adapters.ErrInvalidArgument, len(texts), MaxSecrets)
	}
	secrets := make([]Secret, 0, len(texts))
	var errs []error
	for i, t := range texts {
		s, err := ParseSecret(t)
		if err != nil {
			errs = append(errs, fmt.Errorf("secret %d: %w", i, err))
			continue
		}
		secrets = append(secrets, s)
	}
	return secrets, errors.Join(errs...)
}
