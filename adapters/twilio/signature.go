package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"

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
	return validate([][]byte{[]byte(authToken)}, url, params, header)
}

// ValidateBodySignature reports whether header is Twilio's signature of a
// webhook request with a JSON body (Content-Type application/json) to
// url. Twilio then puts the hex SHA-256 of the body in the URL's
// bodySHA256 query parameter and signs the URL alone; both must match.
func ValidateBodySignature(authToken, url string, body []byte, header string) bool {
	if authToken == "" {
		return false
	}
	return validateBody([][]byte{[]byte(authToken)}, url, body, header)
}

// Validator checks Twilio's webhook signatures under one or more auth
// tokens: the current one and, during a rotation, the secondary token
// Twilio still signs with until it is promoted. It is safe for concurrent
// use.
type Validator struct {
	tokens [][]byte
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
		v.tokens = append(v.tokens, []byte(t))
	}
	return v, nil
}

// Valid reports whether header signs a form-encoded request to url with
// params under one of v's tokens (see ValidateSignature).
func (v *Validator) Valid(url string, params url.Values, header string) bool {
	return validate(v.tokens, url, params, header)
}

// ValidBody reports whether header signs a JSON request to url with body
// under one of v's tokens (see ValidateBodySignature).
func (v *Validator) ValidBody(url string, body []byte, header string) bool {
	return validateBody(v.tokens, url, body, header)
}

// sigLen is the length of a base64 HMAC-SHA1.
var sigLen = base64.StdEncoding.EncodedLen(sha1.Size)

func validate(tokens [][]byte, rawURL string, params url.Values, header string) bool {
	want, ok := decodeSignature(header)
	if !ok {
		return false
	}
	other := otherPortForm(rawURL)
	payload := signedParams(params)
	for _, u := range []string{rawURL, other} {
		if u == "" {
			continue
		}
		for _, t := range tokens {
			if hmac.Equal(sign(t, u, payload), want[:]) {
				return true
			}
		}
	}
	return false
}

func validateBody(tokens [][]byte, rawURL string, body []byte, header string) bool {
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
	sigOK := validate(tokens, rawURL, nil, header)
	return bodyOK && sigOK
}

// decodeSignature decodes a base64 HMAC-SHA1, refusing anything else
// before any hashing is done.
func decodeSignature(header string) ([sha1.Size]byte, bool) {
	var out [sha1.Size]byte
	if len(header) != sigLen {
		return out, false
	}
	n, err := base64.StdEncoding.Decode(out[:], []byte(header))
	return out, err == nil && n == sha1.Size
}

// signedParams is the parameters as Twilio signs them: names sorted, each
// name followed by its value; a name given several times is followed by
// each of its values in sorted order, as Twilio's libraries do.
func signedParams(params url.Values) []byte {
	if len(params) == 0 {
		return nil
	}
	names := make([]string, 0, len(params))
	size := 0
	for k, vs := range params {
		names = append(names, k)
		for _, v := range vs {
			size += len(k) + len(v)
		}
	}
	slices.Sort(names)
	b := make([]byte, 0, size)
	for _, k := range names {
		vs := params[k]
		if len(vs) > 1 {
			vs = slices.Clone(vs)
			slices.Sort(vs)
		}
		for _, v := range vs {
			b = append(b, k...)
			b = append(b, v...)
		}
	}
	return b
}

func sign(token []byte, u string, payload []byte) []byte {
	m := hmac.New(sha1.New, token)
	m.Write([]byte(u))
	m.Write(payload)
	return m.Sum(nil)
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
