package documents

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"gocloud.dev/gcerrors"

	"github.com/civickit/civickit/adapters"
)

// The variants a link serves.
const (
	variantOriginal = "o"
	variantPublic   = "p"
)

// Link returns a short-lived link (LinkPath, then a token) to an
// attachment's bytes, served by Handler until LinkTTL has passed: the
// original, or with public the copy safe to show (an image re-encoded
// without its metadata). With public and no such copy it returns "".
//
// A link is a capability: whoever holds it reads the file until it
// expires. Issue one only after deciding that the viewer may see the file
// (the resident who uploaded it, staff allowed to see its case).
func (s *Store) Link(a adapters.Attachment, public bool) string {
	variant := variantOriginal
	if public {
		if a.PublicKey == "" {
			return ""
		}
		variant = variantPublic
	}
	// Round up to the second: a link never lives shorter than LinkTTL.
	exp := strconv.FormatInt(s.now().Add(s.linkTTL+999_999_999).Unix(), 10)
	sig := base64.RawURLEncoding.EncodeToString(s.linkMAC(a.ID, variant, exp))
	return s.linkPath + a.ID + "." + variant + "." + exp + "." + sig
}

func (s *Store) linkMAC(id, variant, exp string) []byte {
	m := hmac.New(sha256.New, s.linkKey)
	m.Write([]byte("civickit/documents link v1\x00" + id + "\x00" + variant + "\x00" + exp))
	return m.Sum(nil)
}

// parseLink checks a token's signature and expiry and returns the
// attachment id and variant it names.
func (s *Store) parseLink(token string) (id, variant string, ok bool) {
	if len(token) > 256 {
		return "", "", false
	}
	parts := strings.Split(token, ".")
	if len(parts) != 4 {
		return "", "", false
	}
	id, variant, exp := parts[0], parts[1], parts[2]
	sig, err := base64.RawURLEncoding.DecodeString(parts[3])
	if err != nil || !hmac.Equal(sig, s.linkMAC(id, variant, exp)) {
		return "", "", false
	}
	t, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || s.now().Unix() > t {
		return "", "", false
	}
	return id, variant, variant == variantOriginal || variant == variantPublic
}

// Handler serves the links Link makes, by the last segment of the
// request's path, so it may be mounted with or without
// http.StripPrefix. It answers 404 to any link that is malformed,
// tampered with, expired, or names a file that is unknown or not clean,
// saying no more. The original is a download (Content-Disposition
// attachment); the public copy of an image shows inline. Every answer
// forbids sniffing, scripts and caching. Only GET and HEAD are served;
// ranges are not.
func (s *Store) Handler() http.Handler {
	return http.HandlerFunc(s.serve)
}

func (s *Store) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Referrer-Policy", "no-referrer")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	token := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	id, variant, ok := s.parseLink(token)
	if !ok {
		http.NotFound(w, r)
		return
	}
	ctx := r.Context()
	a, err := s.records.GetAttachment(ctx, id)
	if errors.Is(err, adapters.ErrNotFound) || err == nil && a.Status != adapters.AttachmentClean {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return
	}
	key, disposition := a.Key, "attachment"
	if variant == variantPublic {
		if a.PublicKey == "" {
			http.NotFound(w, r)
			return
		}
		key, disposition = a.PublicKey, "inline"
	}
	body, err := s.read(ctx, a, key)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			http.NotFound(w, r)
			return
		}
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	defer body.Close()
	h.Set("Content-Type", a.Type)
	h.Set("Content-Disposition", disposition+"; filename*=UTF-8''"+encodeRFC5987(a.Name))
	if variant == variantOriginal {
		h.Set("Content-Length", strconv.FormatInt(a.Size, 10))
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	// A failure now (a sealed blob that does not open) can only cut the
	// body short, which the Content-Length or the image's own end shows.
	_, _ = copyBytes(w, body)
}

// encodeRFC5987 percent-encodes a file name for filename*= (RFC 8187):
// everything but the attr-chars.
func encodeRFC5987(name string) string {
	var b strings.Builder
	for _, c := range []byte(name) {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&15])
	}
	return b.String()
}
