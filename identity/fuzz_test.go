package identity

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func FuzzSessionDecode(f *testing.F) {
	clock := newClock()
	s, kr := newTestSessions(f, clock, nil)
	good := kr.Seal(sessionPurpose, mustEncode(f, &Session{ID: "x", Principal: testPrincipal(), Created: clock.Now(), LastSeen: clock.Now()}))
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add("")
	f.Add("AQJrMQ")
	f.Fuzz(func(t *testing.T, v string) {
		sess, err := s.Decode(v)
		if err == nil {
			if sess.Principal == nil || sess.Principal.Subject == "" || sess.ID == "" {
				t.Fatalf("accepted an incomplete session")
			}
			if clock.Now().Sub(sess.Created) >= 12*time.Hour {
				t.Fatalf("accepted an expired session")
			}
		}
	})
}

func FuzzDecodeSessionPayload(f *testing.F) {
	f.Add(mustEncode(f, &Session{ID: "x", Principal: testPrincipal(), Created: time.Unix(1, 0), LastSeen: time.Unix(2, 0)}))
	f.Add([]byte(`{"id":"x","p":{"iss":"i","sub":"s","assurance":9}}`))
	f.Add([]byte(`{"id":"x","p":{"iss":"i","sub":"s","claims":{"a":[[[[{}]]]]}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		sess, err := decodeSession(b)
		if err != nil {
			return
		}
		again, err := decodeSession(mustEncode(t, sess))
		if err != nil || again.ID != sess.ID || again.Principal.Subject != sess.Principal.Subject {
			t.Fatalf("decoded session does not round-trip: %v", err)
		}
	})
}

func FuzzValidateReturnPath(f *testing.F) {
	for _, s := range []string{"/", "/a?b=c", "//evil.example", `/\evil.example`, "https://evil.example", "/%2f%2fevil", "/\t/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, err := ValidateReturnPath(p)
		if err != nil {
			return
		}
		if got != p || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\t\r\n") {
			t.Fatalf("accepted unsafe return path %q", p)
		}
		// Resolving against a same-site base must stay on that site.
		u, err := parseAgainst("https://city.example/start", p)
		if err != nil || u != "city.example" {
			t.Fatalf("return path %q escapes to host %q", p, u)
		}
	})
}

func parseAgainst(base, ref string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", err
	}
	return b.ResolveReference(r).Host, nil
}
