package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/civickit/civickit/adapters"
)

// SignatureHeader is the header Twilio signs its webhook requests in.
const SignatureHeader = "X-Twilio-Signature"

// maxTokens bounds how many auth tokens a Validator tries: the current one
// and those still honoured during a rotation.
const maxTokens = 4

// ValidateSignature reports whether header is Twilio's signature of a
// form-encoded webhook request to url with the POST parameters params,
// under authToken: base64(HMAC-SHA1(authToken, url + every parameter's
// name and value, sorted by name)). As Twilio's own libraries do, the URL
// is tried as given and with its default port added or removed (":443" for
// https, ":80" for http), since what Twilio signed depends on how the
// webhook URL was written in its console. The comparison takes constant
// time.
func ValidateSignature(authToken, url string, params url.Values, header string) bool {
	if authToken == "" {
		return false
	}
	return validate([]*signingKey{newSigningKey(authToken)}, url, params, header)
}

// Sign returns the X-Twilio-Signature Twilio sends with a form-encoded
// webhook request to url carrying params, under authToken. Receivers
// validate (ValidateSignature, Validator); Sign is for the other side: a
// test, a simulator, or a gateway forwarding texts in Twilio's format.
func Sign(authToken, url string, params url.Values) string {
	m := hmac.New(sha1.New, []byte(authToken))
	m.Write(appendSignedParams([]byte(url), params))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// ValidateBodySignature reports whether header is Twilio's signature of a
// webhook request with a JSON body (Content-Type application/json) to
// url. Twilio then puts the hex SHA-256 of the body in the URL's
// bodySHA256 query parameter and signs the URL alone; both must match.
func ValidateBodySignature(authToken, url string, body []byte, header string) bool {
	if authToken == "" {
		return false
	}
	return validateBody([]*signingKey{newSigningKey(authToken)}, url, body, header)
}

// Validator checks Twilio's webhook signatures under one or more auth
// tokens: the current one and, during a rotation, the secondary token
// Twilio still signs with until it is promoted. It is safe for concurrent
// use.
type Validator struct {
	keys []*signingKey
}

// NewValidator returns a Validator that accepts a signature made with any
// of tokens (1 to 4 non-empty tokens).
func NewValidator(tokens ...string) (*Validator, error) {
	if len(tokens) == 0 || len(tokens) > maxTokens {
		return nil, fmt.Errorf("twilio: %w: %d auth tokens, want 1 to %d", adapters.ErrInvalidArgument, len(tokens), maxTokens)
	}
	v := &Validator{}
	for i, t := range tokens {
		if t == "" {
			return nil, fmt.Errorf("twilio: %w: auth token %d is empty", adapters.ErrInvalidArgument, i+1)
		}
		v.keys = append(v.keys, newSigningKey(t))
	}
	return v, nil
}

// Valid reports whether header signs a form-encoded request to url with
// params under one of v's tokens (see ValidateSignature).
func (v *Validator) Valid(url string, params url.Values, header string) bool {
	return validate(v.keys, url, params, header)
}

// ValidBody reports whether header signs a JSON request to url with body
// under one of v's tokens (see ValidateBodySignature).
func (v *Validator) ValidBody(url string, body []byte, header string) bool {
	return validateBody(v.keys, url, body, header)
}

// signingKey computes HMAC-SHA1 under one token, reusing its keyed
// hashes.
type signingKey struct {
	macs sync.Pool // of hash.Hash
}

func newSigningKey(token string) *signingKey {
	k := &signingKey{}
	key := []byte(token)
	k.macs.New = func() any { return hmac.New(sha1.New, key) }
	return k
}

// matches reports, in constant time, whether the HMAC of payload is want.
func (k *signingKey) matches(payload []byte, want *[sha1.Size]byte) bool {
	m := k.macs.Get().(hash.Hash)
	m.Reset()
	m.Write(payload)
	var sum [sha1.Size]byte
	ok := hmac.Equal(m.Sum(sum[:0]), want[:])
	k.macs.Put(m)
	return ok
}

// sigLen is the length of a base64 HMAC-SHA1.
var sigLen = base64.StdEncoding.EncodedLen(sha1.Size)

// strictBase64 refuses an encoding with its unused bits set, so that one
// signature has one spelling.
var strictBase64 = base64.StdEncoding.Strict()

// payloads holds the buffers the signed text is written into.
var payloads = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

func validate(keys []*signingKey, rawURL string, params url.Values, header string) bool {
	want, ok := decodeSignature(header)
	if !ok {
		return false
	}
	bp := payloads.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 4*MaxWebhookBody {
			payloads.Put(bp)
		}
	}()
	for i, u := range [2]string{rawURL, ""} {
		if i == 1 {
			// Only when the URL as given fails: the other spelling of
			// its port.
			if u = otherPortForm(rawURL); u == "" {
				break
			}
		}
		*bp = appendSignedParams(append((*bp)[:0], u...), params)
		for _, k := range keys {
			if k.matches(*bp, &want) {
				return true
			}
		}
	}
	return false
}

func validateBody(keys []*signingKey, rawURL string, body []byte, header string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	got, err := hex.DecodeString(u.Query().Get("bodySHA256"))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	sum := sha256.Sum256(body)
	bodyOK := hmac.Equal(sum[:], got)
	sigOK := validate(keys, rawURL, nil, header)
	return bodyOK && sigOK
}

// decodeSignature decodes a base64 HMAC-SHA1, refusing anything else
// before any hashing is done.
func decodeSignature(header string) ([sha1.Size]byte, bool) {
	var out [sha1.Size]byte
	var in [28]byte
	// 28 characters without padding decode to 21 bytes: room for them,
	// so such a header is refused by its length, not a panic.
	var dec [21]byte
	if len(header) != sigLen || copy(in[:], header) != len(in) {
		return out, false
	}
	n, err := strictBase64.Decode(dec[:], in[:])
	copy(out[:], dec[:])
	return out, err == nil && n == sha1.Size
}

// appendSignedParams appends the parameters as Twilio signs them: names
// sorted, each name followed by its value; a name given several times is
// followed by each of its values in sorted order, as Twilio's libraries
// do.
func appendSignedParams(b []byte, params url.Values) []byte {
	if len(params) == 0 {
		return b
	}
	var small [32]string
	names := small[:0]
	for k := range params {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		vs := params[k]
		if len(vs) > 1 && !slices.IsSorted(vs) {
			vs = slices.Sorted(slices.Values(vs))
		}
		for _, v := range vs {
			b = append(b, k...)
			b = append(b, v...)
		}
	}
	return b
}

// otherPortForm returns rawURL with its scheme's default port removed
// when it has it, or added when it has no port; "" when there is no other
// form (another port, another scheme, no host). The rest of the URL is
// kept byte for byte, since the signature covers it as Twilio wrote it.
func otherPortForm(rawURL string) string {
	i := strings.Index(rawURL, "://")
	if i <= 0 {
		return ""
	}
	var def string
	switch strings.ToLower(rawURL[:i]) {
	case "https":
		def = "443"
	case "http":
		def = "80"
	default:
		return ""
	}
	rest := rawURL[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority := rest[:end]
	hostStart := strings.LastIndexByte(authority, '@') + 1
	hostport := authority[hostStart:]
	if hostport == "" {
		return ""
	}
	var host string
	if c := strings.LastIndexByte(hostport, ':'); c >= 0 && !strings.Contains(hostport[c:], "]") {
		if hostport[c+1:] != def {
			return ""
		}
		host = hostport[:c]
	} else {
		host = hostport + ":" + def
	}
	return rawURL[:i+3] + authority[:hostStart] + host + rest[end:]
}
