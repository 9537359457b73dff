package identity

import (
	"net/url"
	"strings"
)

// maxReturnPathLen bounds the return path kept in the login flow cookie.
const maxReturnPathLen = 1024

// ValidateReturnPath checks that p is a same-site, absolute path suitable as
// a post-login redirect target and returns it unchanged. It refuses
// scheme-relative and absolute URLs ("//evil.example", "https://evil.example"),
// backslash tricks ("/\evil.example"), control characters, and paths longer
// than 1024 bytes, with an *AuthError whose Reason is ErrReturnPath.
func ValidateReturnPath(p string) (string, error) {
	bad := func(detail string) (string, error) {
		return "", authErr(ErrReturnPath, "", detail, nil)
	}
	if p == "" {
		return bad("empty")
	}
	if len(p) > maxReturnPathLen {
		return bad("too long")
	}
	if p[0] != '/' {
		return bad("not an absolute path")
	}
	if len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return bad("scheme-relative")
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c < 0x20 || c == 0x7f || c == '\\' {
			return bad("forbidden character")
		}
	}
	// Browsers decode percent-encoded slashes and backslashes in some
	// positions; refuse encodings that could turn into "//" or "/\".
	lower := strings.ToLower(p)
	if strings.Contains(lower, "%2f%2f") || strings.Contains(lower, "%5c") || strings.HasPrefix(lower, "/%2f") || strings.HasPrefix(lower, "/%09") {
		return bad("encoded separator")
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return bad("not a same-site path")
	}
	return p, nil
}
