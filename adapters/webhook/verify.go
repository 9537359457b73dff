package webhook

import (
	"bytes"
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Verifier checks the signature headers of webhooks a receiver is sent.
// Set its fields before its first use; it is then safe for concurrent
// use.
type Verifier struct {
	// Tolerance is how far webhook-timestamp may be from Now, either
	// way; zero means DefaultTolerance.
	Tolerance time.Duration
	// MaxBody bounds the body Middleware reads, in bytes; zero means
	// DefaultMaxBody.
	MaxBody int64
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	macs []*sync.Pool // of *macState, one pool per secret
}

// The headers' keys in canonical form: reading the map directly gives
// what Header.Get gives without canonicalizing the key on every call.
var (
	keyID        = http.CanonicalHeaderKey(HeaderID)
	keyTimestamp = http.CanonicalHeaderKey(HeaderTimestamp)
	keySignature = http.CanonicalHeaderKey(HeaderSignature)
)

// NewVerifier returns a verifier that accepts a signature made with any
// of the secrets, in their text form ("whsec_..."): during a rotation,
// give both the new and the old one. A bad secret wraps
// adapters.ErrInvalidArgument.
func NewVerifier(secrets ...string) (*Verifier, error) {
	parsed, err := parseSecrets(secrets)
	if err != nil {
		return nil, fmt.Errorf("webhook: new verifier: %w", err)
	}
	v := &Verifier{}
	for _, s := range parsed {
		v.macs = append(v.macs, &sync.Pool{New: func() any { return s.newMAC() }})
	}
	return v, nil
}

// Verify checks that headers carry a webhook-id, a webhook-timestamp
// within the tolerance of the clock, and at least one v1 signature of
// body that one of the verifier's secrets made. Signatures of other
// versions are ignored. It returns nil, or an error wrapping
// ErrMissingHeaders, ErrTimestamp or ErrSignature. body must be the bytes
// as received: a body decoded and encoded again will not verify.
func (v *Verifier) Verify(headers http.Header, body []byte) error {
	id, ts, sigs := first(headers[keyID]), first(headers[keyTimestamp]), headers[keySignature]
	if id == "" || ts == "" || len(sigs) == 0 {
		return fmt.Errorf("%w: want %s, %s and %s", ErrMissingHeaders, HeaderID, HeaderTimestamp, HeaderSignature)
	}
	if len(id) > MaxIDLen {
		return fmt.Errorf("%w: %s is longer than %d bytes", ErrMissingHeaders, HeaderID, MaxIDLen)
	}
	if err := v.checkTime(ts); err != nil {
		return err
	}
	n := 0
	for _, s := range sigs {
		n += len(s) + 1
	}
	if n > MaxSignatureHeaderLen+1 {
		return fmt.Errorf("%w: %s is longer than %d bytes", ErrSignature, HeaderSignature, MaxSignatureHeaderLen)
	}

	// The expected MACs are computed once each, on the first v1
	// signature, so a header of unknown versions costs no hashing.
	var want [MaxSecrets][macLen]byte
	computed := false
	for _, line := range sigs {
		for field := range strings.FieldsSeq(line) {
			version, enc, ok := strings.Cut(field, ",")
			if !ok || version != sigVersion || len(enc) != encLen {
				continue
			}
			var got [macLen + 1]byte // a 44-character base64 decodes to at most 33 bytes
			if n, err := base64.StdEncoding.Decode(got[:], []byte(enc)); err != nil || n != macLen {
				continue
			}
			if !computed {
				for i, pool := range v.macs {
					m := pool.Get().(*macState)
					copy(want[i][:], m.sum(id, ts, body))
					pool.Put(m)
				}
				computed = true
			}
			for i := range v.macs {
				if hmac.Equal(got[:macLen], want[i][:]) {
					return nil
				}
			}
		}
	}
	return ErrSignature
}

func (v *Verifier) checkTime(ts string) error {
	if len(ts) > 19 || !digits(ts) {
		return fmt.Errorf("%w: %s is not an integer number of seconds", ErrTimestamp, HeaderTimestamp)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s is not an integer number of seconds", ErrTimestamp, HeaderTimestamp)
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	tol := v.Tolerance
	if tol <= 0 {
		tol = DefaultTolerance
	}
	nowSec := now().Unix()
	switch d := nowSec - sec; {
	case d > int64(tol/time.Second):
		return fmt.Errorf("%w: sent %ds ago, more than the %v allowed", ErrTimestamp, d, tol)
	case -d > int64(tol/time.Second):
		return fmt.Errorf("%w: dated %ds ahead, more than the %v allowed", ErrTimestamp, -d, tol)
	}
	return nil
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Middleware returns a handler that reads the request's body (at most
// MaxBody bytes; a longer one is answered 413), verifies it with its
// headers, and answers 401 when it does not verify. A verified request
// reaches next with its body restored for reading. next should still drop
// a webhook-id it has already processed: a sender retries a message whose
// answer it did not get.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	limit := v.MaxBody
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "webhook body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "cannot read webhook body", http.StatusBadRequest)
			return
		}
		if err := v.Verify(r.Header, body); err != nil {
			// The class of failure helps a sender fix its clock or
			// secret and tells an attacker nothing it does not know.
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}
