package feedback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/keyring"
)

// UnsubscribePurpose is the key ring purpose unsubscribe tokens are sealed
// for: a value sealed for any other purpose never opens as a token.
const UnsubscribePurpose = "civickit/feedback/unsubscribe"

// DefaultUnsubscribeMaxAge is how long an unsubscribe link works by
// default: long enough for a message read weeks later.
const DefaultUnsubscribeMaxAge = 90 * 24 * time.Hour

// MaxUnsubscribeBody bounds the body of an unsubscribe POST, in bytes;
// RFC 8058's is 26.
const MaxUnsubscribeBody = 8 << 10

// maxToken bounds the tokens the handler opens: a sealed channel, address
// and time fit well within it.
const maxToken = 4096

// clockSkew is how far in the future a token's issue time may be, for
// clocks of several processes that differ a little.
const clockSkew = 5 * time.Minute

// UnsubscribeConfig tunes Unsubscribe. A nil *UnsubscribeConfig means the
// defaults.
type UnsubscribeConfig struct {
	// MaxAge is how long a link works after it was made; zero means
	// DefaultUnsubscribeMaxAge.
	MaxAge time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger receives store failures, without addresses; default discard.
	Logger *slog.Logger
}

// Validate reports every problem of the configuration.
func (c *UnsubscribeConfig) Validate() error {
	if c != nil && c.MaxAge < 0 {
		return fmt.Errorf("%w: feedback: unsubscribe max age %s is negative", adapters.ErrInvalidArgument, c.MaxAge)
	}
	return nil
}

// Unsubscribe makes and serves signed one-click unsubscribe links
// (RFC 8058). A link is the base URL followed by a token sealed with the
// key ring (purpose UnsubscribePurpose) that carries the channel, the
// address and the time it was made: it opts out that address only, and
// only until it is MaxAge old. It implements UnsubscribeLinker and is safe
// for concurrent use.
type Unsubscribe struct {
	base   string
	ring   *keyring.KeyRing
	prefs  *Preferences
	maxAge time.Duration
	now    func() time.Time
	log    *slog.Logger
}

var _ UnsubscribeLinker = (*Unsubscribe)(nil)

// NewUnsubscribe returns the links and handler that opt addresses out
// through prefs. baseURL is the absolute http or https URL the handler is
// served at, ending in "/"; links append the token to it. A nil cfg means
// the defaults.
func NewUnsubscribe(baseURL string, ring *keyring.KeyRing, prefs *Preferences, cfg *UnsubscribeConfig) (*Unsubscribe, error) {
	var errs []error
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" ||
		!strings.HasSuffix(u.Path, "/") {
		errs = append(errs, fmt.Errorf("%w: base URL must be an absolute http(s) URL ending in \"/\" without query or fragment", adapters.ErrInvalidArgument))
	}
	if ring == nil {
		errs = append(errs, fmt.Errorf("%w: key ring is nil", adapters.ErrInvalidArgument))
	}
	if prefs == nil {
		errs = append(errs, fmt.Errorf("%w: preferences are nil", adapters.ErrInvalidArgument))
	}
	errs = append(errs, cfg.Validate())
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("feedback: new unsubscribe: %w", err)
	}
	s := &Unsubscribe{base: baseURL, ring: ring, prefs: prefs, maxAge: DefaultUnsubscribeMaxAge, now: time.Now,
		log: slog.New(slog.DiscardHandler)}
	if cfg != nil {
		if cfg.MaxAge > 0 {
			s.maxAge = cfg.MaxAge
		}
		if cfg.Now != nil {
			s.now = cfg.Now
		}
		if cfg.Logger != nil {
			s.log = cfg.Logger
		}
	}
	return s, nil
}

// unsubscribeToken is what a link's token carries.
type unsubscribeToken struct {
	Channel string `json:"c"`
	Address string `json:"a"`
	// Issued is the Unix time, in seconds, the link was made.
	Issued int64 `json:"t"`
}

// UnsubscribeURL implements UnsubscribeLinker: the link that opts the
// address out of the channel. A malformed channel or address returns an
// error wrapping adapters.ErrInvalidArgument.
func (s *Unsubscribe) UnsubscribeURL(channel, address string) (string, error) {
	if err := validAddress(channel, address); err != nil {
		return "", fmt.Errorf("feedback: unsubscribe link on %s: %w", channel, err)
	}
	b, err := json.Marshal(unsubscribeToken{Channel: channel, Address: address, Issued: s.now().Unix()})
	if err != nil {
		return "", fmt.Errorf("feedback: unsubscribe link on %s: %w", channel, err)
	}
	return s.base + s.ring.Seal(UnsubscribePurpose, b), nil
}

// open reads the token at the end of the request's path; false when it is
// missing, forged, garbled, for another purpose, or too old.
func (s *Unsubscribe) open(path string) (unsubscribeToken, bool) {
	raw := path[strings.LastIndexByte(path, '/')+1:]
	if raw == "" || len(raw) > maxToken {
		return unsubscribeToken{}, false
	}
	b, err := s.ring.Open(UnsubscribePurpose, raw)
	if err != nil {
		return unsubscribeToken{}, false
	}
	var tok unsubscribeToken
	if err := json.Unmarshal(b, &tok); err != nil || validAddress(tok.Channel, tok.Address) != nil {
		return unsubscribeToken{}, false
	}
	issued, now := time.Unix(tok.Issued, 0), s.now()
	if now.Sub(issued) > s.maxAge || issued.Sub(now) > clockSkew {
		return unsubscribeToken{}, false
	}
	return tok, true
}

// Handler serves the links. A POST whose body holds
// List-Unsubscribe=One-Click (RFC 8058 §3.1; form-urlencoded or multipart)
// opts the address out at once and answers 200, as mail providers expect.
// A GET (or HEAD) answers a small page with a button that sends that POST:
// it never opts out by itself, since mail scanners fetch links. A token
// that is forged, garbled, expired or missing answers 404 and changes
// nothing; a POST without the field answers 400, another media type 415, a
// body above MaxUnsubscribeBody 413. Pages are never cached and send no
// referrer, so the token stays out of logs elsewhere.
func (s *Unsubscribe) Handler() http.Handler {
	return http.HandlerFunc(s.serve)
}

func (s *Unsubscribe) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		h.Set("Allow", "GET, HEAD, POST")
		s.page(w, http.StatusMethodNotAllowed, pageNotAllowed, unsubscribeToken{})
		return
	}
	tok, ok := s.open(r.URL.Path)
	if !ok {
		s.page(w, http.StatusNotFound, pageInvalid, unsubscribeToken{})
		return
	}
	if r.Method != http.MethodPost {
		s.page(w, http.StatusOK, pageConfirm, tok)
		return
	}
	if status := oneClick(w, r); status != http.StatusOK {
		s.page(w, status, pageBadRequest, tok)
		return
	}
	_, err := s.prefs.OptOut(r.Context(), OptRequest{Channel: tok.Channel, Address: tok.Address, Via: ViaLink, Words: "List-Unsubscribe=One-Click"})
	switch {
	case err == nil:
		s.page(w, http.StatusOK, pageDone, tok)
	case errors.Is(err, adapters.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		s.log.WarnContext(r.Context(), "unsubscribe: store unavailable", "channel", tok.Channel, "err", err)
		h.Set("Retry-After", "60")
		s.page(w, http.StatusServiceUnavailable, pageFailed, tok)
	default:
		s.log.ErrorContext(r.Context(), "unsubscribe: opt-out failed", "channel", tok.Channel, "err", err)
		s.page(w, http.StatusInternalServerError, pageFailed, tok)
	}
}

// oneClick reads a bounded form body and checks it asks for a one-click
// unsubscribe; it returns the status to answer with, 200 when it does.
func oneClick(w http.ResponseWriter, r *http.Request) int {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/x-www-form-urlencoded" && mt != "multipart/form-data") {
		return http.StatusUnsupportedMediaType
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxUnsubscribeBody)
	if mt == "multipart/form-data" {
		err = r.ParseMultipartForm(MaxUnsubscribeBody)
		if r.MultipartForm != nil {
			defer func() { _ = r.MultipartForm.RemoveAll() }()
		}
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return http.StatusRequestEntityTooLarge
		}
		return http.StatusBadRequest
	}
	_, _ = io.Copy(io.Discard, r.Body)
	if r.PostForm.Get("List-Unsubscribe") != "One-Click" {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

type pageKind int

const (
	pageConfirm pageKind = iota
	pageDone
	pageInvalid
	pageBadRequest
	pageNotAllowed
	pageFailed
)

type pageData struct {
	Title, Text string
	Form        bool
}

var unsubscribePage = template.Must(template.New("unsubscribe").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}}</title>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
<p>{{.Text}}</p>
{{- if .Form}}
<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>
{{- end}}
</main>
</body>
</html>
`))

func (s *Unsubscribe) page(w http.ResponseWriter, status int, kind pageKind, tok unsubscribeToken) {
	var d pageData
	switch kind {
	case pageConfirm:
		d = pageData{Title: "Unsubscribe", Text: fmt.Sprintf("Stop all %s messages to %s?", tok.Channel, maskAddress(tok.Channel, tok.Address)), Form: true}
	case pageDone:
		d = pageData{Title: "You are unsubscribed", Text: fmt.Sprintf("No more %s messages will be sent to %s.", tok.Channel, maskAddress(tok.Channel, tok.Address))}
	case pageInvalid:
		d = pageData{Title: "Link not valid", Text: "This unsubscribe link has expired or is not valid."}
	case pageBadRequest:
		d = pageData{Title: "Not unsubscribed", Text: "The request was not a one-click unsubscribe. Use the button on the unsubscribe page."}
	case pageNotAllowed:
		d = pageData{Title: "Not allowed", Text: "This page answers GET and POST only."}
	default:
		d = pageData{Title: "Please try again", Text: "We could not unsubscribe you just now. Please try again in a minute."}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = unsubscribePage.Execute(w, d) // a failed write is the client's
}

// maskAddress shows enough of an address for a person to know it is
// theirs, and not all of it to whoever holds the link.
func maskAddress(channel, address string) string {
	switch channel {
	case adapters.ChannelEmail:
		local, domain, ok := strings.Cut(address, "@")
		if ok && local != "" {
			_, n := utf8.DecodeRuneInString(local)
			return local[:n] + "•••@" + domain
		}
	case adapters.ChannelSMS:
		if len(address) > 4 {
			return "•••" + address[len(address)-4:]
		}
	}
	return "your address"
}
