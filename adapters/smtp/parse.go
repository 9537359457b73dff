package smtp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // ISO-8859-*, Windows-125x and the other charsets mail uses

	"github.com/civickit/civickit/adapters"
)

// Defaults and ceilings of ParseOptions.
const (
	// DefaultMaxBytes is the default largest raw message taken in: 1 MiB.
	DefaultMaxBytes = 1 << 20
	// MaxMaxBytes is the largest MaxBytes accepted: 32 MiB.
	MaxMaxBytes = 32 << 20
	// DefaultMaxParts is the default largest number of MIME parts.
	DefaultMaxParts = 64
	// DefaultMaxDepth is the default deepest nesting of multiparts.
	DefaultMaxDepth = 8
	// DefaultMaxHeaderFields is the default largest number of header
	// fields in the message's header or in one part's.
	DefaultMaxHeaderFields = 256
	// MaxRecipients is the most envelope recipients considered.
	MaxRecipients = 100
)

// Bounds of the header values a Reply carries.
const (
	maxSubjectRunes = 998 // RFC 5322 §2.1.1's line limit
	maxMessageID    = 250
	maxAddress      = 254 // RFC 5321 §4.5.3.1.3 path, without brackets
	maxAddrChecked  = 50  // recipient addresses looked at for a case
)

// ErrAutomatic reports a message that is no person's reply: an
// auto-reply (out of office, Auto-Submitted, Precedence: bulk), a mailing
// list message or a bounce (null sender, MAILER-DAEMON). It is not a
// comment: the listener accepts it and drops it, logging its Message-ID
// only. It does not match adapters.ErrInvalidArgument.
var ErrAutomatic = errors.New("smtp: automatic message (auto-reply, list or bounce), not a reply")

// ParseOptions bounds and describes one message ParseReply reads. A nil
// *ParseOptions, and zero fields, mean the documented defaults.
type ParseOptions struct {
	// MaxBytes is the largest raw message, in bytes: 1..MaxMaxBytes
	// (default DefaultMaxBytes). The decoded body is bounded by it too.
	MaxBytes int64
	// MaxParts is the most MIME parts walked (default DefaultMaxParts,
	// at most 1000).
	MaxParts int
	// MaxDepth is the deepest multipart nesting (default
	// DefaultMaxDepth, at most 32).
	MaxDepth int
	// MaxHeaderFields is the most header fields in the message's header
	// or in one part's (default DefaultMaxHeaderFields, at most 10000).
	MaxHeaderFields int
	// Recipients are the SMTP envelope's RCPT TO addresses, when known:
	// the addresses the message was delivered to. At most MaxRecipients.
	Recipients []string
	// NullSender reports an SMTP envelope with a null reverse path
	// (MAIL FROM:<>): a delivery status notification.
	NullSender bool
	// Now is the clock that stamps Reply.At (default time.Now).
	Now func() time.Time
}

// Validate reports every problem of o, each wrapping
// adapters.ErrInvalidArgument.
func (o *ParseOptions) Validate() error {
	if o == nil {
		return nil
	}
	var errs []error
	if o.MaxBytes < 0 || o.MaxBytes > MaxMaxBytes {
		errs = append(errs, fmt.Errorf("%w: MaxBytes %d is outside 1..%d", adapters.ErrInvalidArgument, o.MaxBytes, MaxMaxBytes))
	}
	if o.MaxParts < 0 || o.MaxParts > 1000 {
		errs = append(errs, fmt.Errorf("%w: MaxParts %d is outside 1..1000", adapters.ErrInvalidArgument, o.MaxParts))
	}
	if o.MaxDepth < 0 || o.MaxDepth > 32 {
		errs = append(errs, fmt.Errorf("%w: MaxDepth %d is outside 1..32", adapters.ErrInvalidArgument, o.MaxDepth))
	}
	if o.MaxHeaderFields < 0 || o.MaxHeaderFields > 10000 {
		errs = append(errs, fmt.Errorf("%w: MaxHeaderFields %d is outside 1..10000", adapters.ErrInvalidArgument, o.MaxHeaderFields))
	}
	if len(o.Recipients) > MaxRecipients {
		errs = append(errs, fmt.Errorf("%w: %d envelope recipients, above the maximum %d", adapters.ErrInvalidArgument, len(o.Recipients), MaxRecipients))
	}
	return errors.Join(errs...)
}

// withDefaults returns a copy of o with every zero field defaulted.
func (o *ParseOptions) withDefaults() ParseOptions {
	var out ParseOptions
	if o != nil {
		out = *o
	}
	if out.MaxBytes == 0 {
		out.MaxBytes = DefaultMaxBytes
	}
	if out.MaxParts == 0 {
		out.MaxParts = DefaultMaxParts
	}
	if out.MaxDepth == 0 {
		out.MaxDepth = DefaultMaxDepth
	}
	if out.MaxHeaderFields == 0 {
		out.MaxHeaderFields = DefaultMaxHeaderFields
	}
	if out.Now == nil {
		out.Now = time.Now
	}
	return out
}

// ParseReply reads one raw RFC 5322 message from r and returns it as an
// email reply, its body trimmed of quoted history and signatures
// (TrimReply).
//
// The body is the first text/plain part that is not an attachment, or,
// failing one (or when it is blank), the first text/html part turned into text without its
// quoted history; transfer encodings and charsets are decoded. The
// reply's InReplyTo is the case topic (adapters.CaseTopic) of the first
// recipient address routing signed (the envelope's recipients first, as
// the addresses the message was delivered to, then To, Cc,
// Delivered-To and X-Original-To), else of the subject's reference, else
// empty; its To is that address, or the first recipient. From is the
// sender's bare address with its domain in lower case; ProviderID the
// Message-ID, or, for a message without one, a hash of the message.
//
// A message beyond opts' bounds, or one that is not a readable message
// with a sender, returns an error wrapping adapters.ErrInvalidArgument.
// An automatic message returns ErrAutomatic with a Reply that carries
// only its Channel and ProviderID, for the caller to log.
func ParseReply(r io.Reader, routing Routing, opts *ParseOptions) (adapters.Reply, error) {
	if err := errors.Join(routing.Validate(), opts.Validate()); err != nil {
		return adapters.Reply{}, fmt.Errorf("smtp: parse reply: %w", err)
	}
	o := opts.withDefaults()
	raw, err := io.ReadAll(io.LimitReader(r, o.MaxBytes+1))
	if err != nil {
		return adapters.Reply{}, fmt.Errorf("smtp: parse reply: read: %w", err)
	}
	if int64(len(raw)) > o.MaxBytes {
		return adapters.Reply{}, fmt.Errorf("%w: message is larger than %d bytes", adapters.ErrInvalidArgument, o.MaxBytes)
	}
	p := &parser{opts: o}
	return p.parse(raw, routing)
}

type parser struct {
	opts  ParseOptions
	parts int
	plain string
	html  string
	found bool // a text/plain body was found
	seen  bool // a text/html body was found
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{adapters.ErrInvalidArgument}, args...)...)
}

func (p *parser) parse(raw []byte, routing Routing) (adapters.Reply, error) {
	e, err := message.ReadWithOptions(bytes.NewReader(raw), &message.ReadOptions{MaxHeaderBytes: p.opts.MaxBytes})
	if err != nil && e == nil {
		return adapters.Reply{}, invalid("message header unreadable: %v", err)
	}
	// An unknown transfer encoding or charset still gives an entity; its
	// body is read as it is.
	h := e.Header
	if h.Len() > p.opts.MaxHeaderFields {
		return adapters.Reply{}, invalid("message has %d header fields, above the maximum %d", h.Len(), p.opts.MaxHeaderFields)
	}
	reply := adapters.Reply{Channel: adapters.ChannelEmail, ProviderID: providerID(h, raw)}
	if isAutomatic(h, p.opts.NullSender) {
		return reply, ErrAutomatic
	}
	from, err := senderAddress(h)
	if err != nil {
		return adapters.Reply{}, err
	}
	if isDaemon(from) {
		return reply, ErrAutomatic
	}
	reply.From = from

	subject, serr := h.Text("Subject")
	if serr != nil {
		subject = h.Get("Subject")
	}
	reply.Subject = cleanLine(subject, maxSubjectRunes)

	reply.To, reply.InReplyTo = route(h, routing, p.opts.Recipients, reply.Subject)

	if err := p.walk(e, 0); err != nil {
		return adapters.Reply{}, err
	}
	switch {
	case p.found && (strings.TrimSpace(p.plain) != "" || !p.seen):
		reply.Body = TrimReply(p.plain)
	case p.seen:
		reply.Body = TrimReply(htmlToText(p.html))
	}
	reply.Body = clipBytes(reply.Body, int(p.opts.MaxBytes))
	reply.At = p.opts.Now()
	return reply, nil
}

// clipBytes returns s cut to at most max bytes, on a rune boundary.
func clipBytes(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}

// walk visits e and its parts depth first, keeping the first text/plain
// and text/html bodies that are not attachments.
func (p *parser) walk(e *message.Entity, depth int) error {
	p.parts++
	if p.parts > p.opts.MaxParts {
		return invalid("message has more than %d MIME parts", p.opts.MaxParts)
	}
	if depth > 0 && e.Header.Len() > p.opts.MaxHeaderFields {
		return invalid("a MIME part has %d header fields, above the maximum %d", e.Header.Len(), p.opts.MaxHeaderFields)
	}
	if mr := e.MultipartReader(); mr != nil {
		if depth >= p.opts.MaxDepth {
			return invalid("MIME parts nest deeper than %d", p.opts.MaxDepth)
		}
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil && part == nil {
				if p.found || p.seen {
					// A body was found before a broken part: keep it.
					return nil
				}
				return invalid("MIME part unreadable: %v", err)
			}
			if err := p.walk(part, depth+1); err != nil {
				return err
			}
		}
	}
	mt, _, err := e.Header.ContentType()
	if err != nil || mt == "" {
		mt = "text/plain" // RFC 2045 §5.2's default
	}
	if disp, _, _ := e.Header.ContentDisposition(); disp == "attachment" {
		return nil
	}
	switch {
	case mt == "text/plain" && !p.found:
		s, err := p.readText(e.Body)
		if err != nil {
			return err
		}
		p.plain, p.found = s, true
	case mt == "text/html" && !p.seen:
		s, err := p.readText(e.Body)
		if err != nil {
			return err
		}
		p.html, p.seen = s, true
	}
	return nil
}

// readText reads a decoded body, bounded by MaxBytes, as valid UTF-8.
func (p *parser) readText(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, p.opts.MaxBytes))
	if err != nil && len(b) == 0 {
		return "", invalid("body unreadable: %v", err)
	}
	// A broken encoding still yields what was decoded before it.
	return strings.ToValidUTF8(string(b), "\uFFFD"), nil
}

// providerID returns the Message-ID without its angle brackets, or, for a
// message without a usable one, "sha256:" and a hash of the message.
func providerID(h message.Header, raw []byte) string {
	id := strings.TrimSpace(h.Get("Message-Id"))
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	if id != "" && len(id) <= maxMessageID && printableASCII(id) {
		return id
	}
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:16])
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f || s[i] == '<' || s[i] == '>' {
			return false
		}
	}
	return true
}

// isAutomatic reports an auto-reply, list message or bounce by its
// headers (RFC 3834 and the headers older responders set).
func isAutomatic(h message.Header, nullSender bool) bool {
	if nullSender {
		return true
	}
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "bulk", "auto_reply", "list", "junk":
		return true
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "List-Id"} {
		if h.Has(k) {
			return true
		}
	}
	if ct, _, _ := h.ContentType(); ct == "multipart/report" {
		return true // a delivery or disposition notification
	}
	rp := strings.TrimSpace(h.Get("Return-Path"))
	return rp == "<>"
}

// isDaemon reports a bounce's sender.
func isDaemon(addr string) bool {
	local, _, _ := strings.Cut(addr, "@")
	local = strings.ToLower(local)
	return local == "mailer-daemon" || local == "postmaster"
}

// senderAddress returns the From address, bare, its domain in lower case.
func senderAddress(h message.Header) (string, error) {
	v := h.Get("From")
	if v == "" {
		return "", invalid("message has no From")
	}
	a, err := firstAddress(v)
	if err != nil {
		return "", invalid("From is not an address")
	}
	return a, nil
}

var addrParser = mail.AddressParser{WordDecoder: &mime.WordDecoder{CharsetReader: message.CharsetReader}}

// firstAddress returns the first address of a header value, bare, with
// its domain in lower case.
func firstAddress(v string) (string, error) {
	if len(v) > 4*maxAddress {
		return "", errors.New("address too long")
	}
	list, err := addrParser.ParseList(v)
	if err != nil || len(list) == 0 {
		return "", errors.New("no address")
	}
	return normalizeAddress(list[0].Address)
}

func normalizeAddress(a string) (string, error) {
	a = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(a), "<"), ">")
	local, domain, ok := strings.Cut(a, "@")
	if !ok || local == "" || domain == "" || len(a) > maxAddress || strings.ContainsAny(a, " \t\r\n\x00") {
		return "", errors.New("not an address")
	}
	return local + "@" + strings.ToLower(domain), nil
}

// route returns the address the reply was sent to and the case topic it
// names, if any.
func route(h message.Header, routing Routing, envelope []string, subject string) (to, inReplyTo string) {
	var candidates []string
	for _, rc := range envelope {
		if a, err := normalizeAddress(rc); err == nil {
			candidates = append(candidates, a)
		}
	}
	for _, k := range []string{"To", "Cc", "Delivered-To", "X-Original-To"} {
		for _, v := range h.Values(k) {
			if len(v) > 64*maxAddress {
				continue
			}
			list, err := addrParser.ParseList(v)
			if err != nil {
				if a, err := normalizeAddress(v); err == nil {
					candidates = append(candidates, a)
				}
				continue
			}
			for _, a := range list {
				if n, err := normalizeAddress(a.Address); err == nil {
					candidates = append(candidates, n)
				}
			}
		}
	}
	if len(candidates) > maxAddrChecked {
		candidates = candidates[:maxAddrChecked]
	}
	for _, a := range candidates {
		if id, ok := routing.CaseFromAddress(a); ok {
			return a, string(adapters.CaseTopic(id))
		}
	}
	if len(candidates) > 0 {
		to = candidates[0]
	}
	if id, ok := routing.CaseFromSubject(subject); ok {
		return to, string(adapters.CaseTopic(id))
	}
	return to, ""
}

// cleanLine returns s on one line, without control characters, at most
// max runes.
func cleanLine(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if n >= max {
			break
		}
		switch {
		case r == '\t' || r == '\r' || r == '\n':
			r = ' '
		case unicode.IsControl(r):
			continue
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}
