package smtp

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/textproto"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	gomailsmtp "github.com/wneessen/go-mail/smtp"

	"github.com/civickit/civickit/adapters"
)

// IdempotencyKeyHeader carries a message's idempotency key, so that a
// receiving system (or a test server) can drop a message sent twice.
const IdempotencyKeyHeader = "X-Civickit-Idempotency-Key"

// maxUnsubscribeURLLen keeps the List-Unsubscribe line within RFC 5322's
// 998 octets, since the link is written unfolded.
const maxUnsubscribeURLLen = 900

// locale is the shape of a BCP 47 tag as Content-Language carries it.
var locale = regexp.MustCompile(`^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$`)

// Channel sends email through one SMTP server. It keeps up to
// Config.MaxIdle connections open between sends and is safe for
// concurrent use: each send has a connection to itself.
type Channel struct {
	cfg     Config
	name    string
	from    *mail.Address
	tls     *tls.Config
	timeout time.Duration
	maxIdle int
	idleFor time.Duration
	now     func() time.Time

	mu     sync.Mutex
	idle   []*conn // most recently used last
	closed bool
}

// conn is one open, authenticated connection to the server.
type conn struct {
	client *gomail.Client
	smtp   *gomailsmtp.Client
	raw    net.Conn
	since  time.Time
}

var _ adapters.Channel = (*Channel)(nil)

// New returns a channel sending with cfg, or cfg.Validate's error.
func New(cfg Config) (*Channel, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Channel{cfg: cfg, name: cfg.Name, timeout: cfg.Timeout, maxIdle: cfg.MaxIdle, idleFor: cfg.IdleTimeout, now: time.Now}
	c.cfg.Routing.Secret = append([]byte(nil), cfg.Routing.Secret...)
	c.from, _ = parseFrom(cfg.From)
	if c.name == "" {
		c.name = adapters.ChannelEmail
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxIdle == 0 {
		c.maxIdle = DefaultMaxIdle
	}
	if c.idleFor == 0 {
		c.idleFor = DefaultIdleTimeout
	}
	if cfg.TLSConfig != nil {
		c.tls = cfg.TLSConfig.Clone()
	} else {
		c.tls = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if c.tls.ServerName == "" {
		c.tls.ServerName = cfg.Host
	}
	return c, nil
}

// Name returns the channel's name, "email" unless Config.Name says
// otherwise.
func (c *Channel) Name() string { return c.name }

// Close says goodbye on the connections kept open and keeps no more.
// Sends after Close still work, each on a connection of its own.
func (c *Channel) Close() error {
	c.mu.Lock()
	idle := c.idle
	c.idle, c.closed = nil, true
	c.mu.Unlock()
	var errs []error
	for _, cn := range idle {
		_ = cn.smtp.UpdateDeadline(time.Second)
		if err := cn.client.CloseWithSMTPClient(cn.smtp); err != nil {
			errs = append(errs, err)
		}
		_ = cn.raw.Close()
	}
	return errors.Join(errs...)
}

// Send delivers m to m.To. It returns, as Sent.ProviderID, the message's
// Message-ID without angle brackets, which Routing derives from
// m.IdempotencyKey: a message sent again after a lost answer carries the
// same id, and mail systems drop it as a duplicate.
//
// A message that cannot be sent as it is (an invalid or unsafe address,
// subject, idempotency key or link; a body over MaxBodyLen) and a 5xx
// answer are permanent failures (adapters.IsPermanent), the latter with
// the reply code; a 4xx answer, a connection that fails, closes or talks
// nonsense, and the end of ctx or of Config.Timeout are temporary. A done
// ctx sends nothing.
func (c *Channel) Send(ctx context.Context, m adapters.Outgoing) (sent adapters.Sent, err error) {
	if err := ctx.Err(); err != nil {
		return adapters.Sent{}, fmt.Errorf("smtp: send: %w", err)
	}
	msg, rcpt, id, err := c.build(m)
	if err != nil {
		return adapters.Sent{}, adapters.Permanent("", err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	defer func() {
		// go-mail reads what the server says; whatever it says, a send
		// ends in an error, not a crash.
		if p := recover(); p != nil {
			sent, err = adapters.Sent{}, &adapters.SendError{Err: fmt.Errorf("smtp: send: the mail library failed on the server's answer: %v", p)}
			if msg.IsDelivered() {
				sent, err = adapters.Sent{ProviderID: id}, nil
			}
		}
	}()
	for {
		cn, reused := c.take()
		if cn == nil {
			if cn, err = c.dial(ctx); err != nil {
				return adapters.Sent{}, classify(ctx, err, rcpt)
			}
		}
		err = c.sendOn(ctx, cn, msg)
		if msg.IsDelivered() {
			// Whatever failed after the server accepted the message (the
			// reset after it), sending again would deliver it twice.
			return adapters.Sent{ProviderID: id}, nil
		}
		var se *gomail.SendError
		if reused && errors.As(err, &se) && se.Reason == gomail.ErrConnCheck && ctx.Err() == nil {
			continue // the server closed the idle connection: open another
		}
		if err == nil {
			err = errors.New("the server did not confirm the message")
		}
		return adapters.Sent{}, classify(ctx, err, rcpt)
	}
}

// sendOn sends msg on cn, closing cn if ctx ends first, and keeps cn for
// the next send if everything went well.
func (c *Channel) sendOn(ctx context.Context, cn *conn, msg *gomail.Msg) error {
	if err := cn.smtp.UpdateDeadline(timeoutFor(ctx, c.timeout)); err != nil {
		_ = cn.raw.Close()
		return err
	}
	stop := context.AfterFunc(ctx, func() { _ = cn.raw.Close() })
	err := cn.client.SendWithSMTPClient(cn.smtp, msg)
	if !stop() || err != nil {
		_ = cn.raw.Close()
		return err
	}
	c.keep(cn)
	return nil
}

// take returns an idle connection, most recently used first, closing the
// ones idle too long.
func (c *Channel) take() (*conn, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.idle) > 0 {
		cn := c.idle[len(c.idle)-1]
		c.idle = c.idle[:len(c.idle)-1]
		if time.Since(cn.since) < c.idleFor {
			return cn, true
		}
		_ = cn.raw.Close()
	}
	return nil, false
}

func (c *Channel) keep(cn *conn) {
	cn.since = time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || len(c.idle) >= c.maxIdle {
		go func() {
			_ = cn.smtp.UpdateDeadline(time.Second)
			_ = cn.client.CloseWithSMTPClient(cn.smtp)
			_ = cn.raw.Close()
		}()
		return
	}
	c.idle = append(c.idle, cn)
}

// dial opens, secures and authenticates a connection, giving up when ctx
// ends.
func (c *Channel) dial(ctx context.Context) (_ *conn, err error) {
	d := &dialer{ctx: ctx, ch: c}
	ok := false
	defer func() {
		if !ok {
			// go-mail leaves the connection open when the greeting or
			// STARTTLS fails.
			d.closeAll()
		}
		d.release()
	}()
	client, err := c.client(d)
	if err != nil {
		return nil, err
	}
	sc, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("dial failed: %w", err)
	}
	ok = true
	return &conn{client: client, smtp: sc, raw: d.conn()}, nil
}

func (c *Channel) client(d *dialer) (*gomail.Client, error) {
	opts := []gomail.Option{
		gomail.WithPort(c.cfg.port()),
		gomail.WithTimeout(c.timeout),
		gomail.WithTLSConfig(c.tls),
		gomail.WithDialContextFunc(d.dial),
	}
	switch c.cfg.TLS {
	case StartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case ImplicitTLS:
		// The dialer speaks TLS itself; WithSSL keeps go-mail from
		// trying STARTTLS inside it.
		opts = append(opts, gomail.WithSSL())
	case InsecureNoTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if c.cfg.Username != "" {
		mech := gomail.SMTPAuthPlain
		if c.cfg.Auth == AuthLogin {
			mech = gomail.SMTPAuthLogin
		}
		opts = append(opts, gomail.WithSMTPAuth(mech), gomail.WithUsername(c.cfg.Username), gomail.WithPassword(c.cfg.Password))
	}
	if c.cfg.HELO != "" {
		opts = append(opts, gomail.WithHELO(c.cfg.HELO))
	}
	return gomail.NewClient(c.cfg.Host, opts...)
}

// timeoutFor is the deadline set on the connection for the next
// commands: the channel's timeout, or less when ctx ends sooner.
func timeoutFor(ctx context.Context, limit time.Duration) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		// A little past the deadline, so that the context, closing the
		// connection, is what ends a send that runs out of time.
		if left := time.Until(dl) + 50*time.Millisecond; left < limit {
			return max(left, time.Millisecond)
		}
	}
	return limit
}

// dialer opens a connection and closes it if ctx ends while go-mail greets,
// secures and authenticates it, so a server that accepts and then never
// answers is abandoned at the deadline.
type dialer struct {
	ctx context.Context
	ch  *Channel

	mu    sync.Mutex
	raw   []net.Conn
	stops []func() bool
}

func (d *dialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var nd net.Dialer
	raw, err := nd.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(d.ctx, func() { _ = raw.Close() })
	d.mu.Lock()
	d.raw, d.stops = append(d.raw, raw), append(d.stops, stop)
	d.mu.Unlock()
	if d.ch.cfg.TLS != ImplicitTLS {
		return raw, nil
	}
	tc := tls.Client(raw, d.ch.tls)
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = raw.Close()
		return nil, err
	}
	return tc, nil
}

// conn returns the connection dialled last.
func (d *dialer) conn() net.Conn {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.raw[len(d.raw)-1]
}

func (d *dialer) closeAll() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, raw := range d.raw {
		_ = raw.Close()
	}
}

func (d *dialer) release() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, stop := range d.stops {
		stop()
	}
}

// build makes the message, the recipient's address (to keep it out of
// errors) and its Message-ID.
func (c *Channel) build(m adapters.Outgoing) (*gomail.Msg, string, string, error) {
	if m.To == "" {
		return nil, "", "", fmt.Errorf("smtp: %w: the message has no recipient", adapters.ErrInvalidArgument)
	}
	to, err := parseAddress(m.To)
	if err != nil {
		return nil, "", "", fmt.Errorf("smtp: %w: recipient: %v", adapters.ErrInvalidArgument, err)
	}
	subject := m.Subject
	if ref := c.cfg.Routing.SubjectReference(m.CaseID); ref != "" {
		subject = strings.TrimSpace(subject + " " + ref)
	}
	switch {
	case len(subject) > MaxSubjectLen:
		return nil, "", "", fmt.Errorf("smtp: %w: subject is %d bytes, over %d", adapters.ErrInvalidArgument, len(subject), MaxSubjectLen)
	case strings.ContainsAny(subject, "\r\n\x00"):
		return nil, "", "", fmt.Errorf("smtp: %w: subject contains a line break or NUL", adapters.ErrInvalidArgument)
	}
	if n := len(m.Text) + len(m.HTML); n > MaxBodyLen {
		return nil, "", "", fmt.Errorf("smtp: %w: body is %d bytes, over %d", adapters.ErrInvalidArgument, n, MaxBodyLen)
	}
	key := m.IdempotencyKey
	if len(key) > maxHeaderValueLen || strings.ContainsFunc(key, notPrintableASCII) {
		return nil, "", "", fmt.Errorf("smtp: %w: idempotency key must be at most %d printable ASCII characters", adapters.ErrInvalidArgument, maxHeaderValueLen)
	}
	var id string
	switch {
	case key != "":
		id = c.cfg.Routing.MessageID(key)
	case m.MessageID != "":
		id = c.cfg.Routing.MessageID("message\x00" + m.MessageID)
	default:
		id = c.cfg.Routing.MessageID("random\x00" + rand.Text())
	}

	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(c.from)
	msg.ToMailAddress(to)
	msg.ReplyToMailAddress(&mail.Address{Address: c.cfg.Routing.ReplyAddress(m.CaseID)})
	msg.Subject(subject)
	msg.SetMessageIDWithValue(id)
	msg.SetDateWithValue(c.now())
	if key != "" {
		msg.SetGenHeader(gomail.Header(IdempotencyKeyHeader), key)
	}
	if m.Locale != "" && len(m.Locale) <= 64 && locale.MatchString(m.Locale) {
		msg.SetGenHeader(gomail.HeaderContentLang, m.Locale)
	}
	if m.UnsubscribeURL != "" {
		if err := checkUnsubscribeURL(m.UnsubscribeURL); err != nil {
			return nil, "", "", err
		}
		// RFC 8058: the link in angle brackets, and the header that says
		// a POST to it unsubscribes in one click.
		msg.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribe, "<"+m.UnsubscribeURL+">")
		msg.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, to.Address, id, nil
}

// parseAddress reads one address, with or without a display name, and
// refuses what could smuggle a header or a second recipient.
func parseAddress(s string) (*mail.Address, error) {
	if len(s) > 2*maxAddressLen {
		return nil, fmt.Errorf("address is over %d bytes", 2*maxAddressLen)
	}
	if strings.ContainsAny(s, "\r\n\x00") {
		return nil, errors.New("address contains a line break or NUL")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, errors.New("not an email address")
	}
	local, domain, ok := strings.Cut(a.Address, "@")
	if !ok || local == "" || domain == "" || len(a.Address) > maxAddressLen ||
		strings.ContainsAny(a.Address, " <>,;\t") || strings.HasPrefix(domain, "[") {
		return nil, errors.New("not a deliverable email address")
	}
	return a, nil
}

func checkUnsubscribeURL(s string) error {
	if len(s) > maxUnsubscribeURLLen || strings.ContainsFunc(s, notPrintableASCII) || strings.ContainsAny(s, " <>") {
		return fmt.Errorf("smtp: %w: unsubscribe link must be at most %d printable ASCII characters without spaces or angle brackets", adapters.ErrInvalidArgument, maxUnsubscribeURLLen)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("smtp: %w: unsubscribe link is not an absolute https URL", adapters.ErrInvalidArgument)
	}
	return nil
}

// classify turns go-mail's error into the channel contract's: 5xx is
// permanent with its code, anything else temporary. The recipient's
// address is taken out of the text, which servers and go-mail repeat.
func classify(ctx context.Context, err error, rcpt string) error {
	code := 0
	var se *gomail.SendError
	var te *textproto.Error
	switch {
	case errors.As(err, &se):
		code = se.ErrorCode()
	case errors.As(err, &te):
		code = te.Code
	}
	red := &redacted{msg: redact(err.Error(), rcpt), err: err}
	cerr := ctx.Err()
	if dl, ok := ctx.Deadline(); ok && cerr == nil && !time.Now().Before(dl) {
		cerr = context.DeadlineExceeded
	}
	if cerr != nil {
		// Closing the connection at the deadline surfaces as a network
		// error; say why it was closed.
		return &adapters.SendError{Err: fmt.Errorf("smtp: send: %w: %w", cerr, red)}
	}
	switch {
	case code >= 500 && code < 600:
		return adapters.Permanent(strconv.Itoa(code), fmt.Errorf("smtp: send: %w", red))
	case code >= 400 && code < 500:
		return &adapters.SendError{Code: strconv.Itoa(code), Err: fmt.Errorf("smtp: send: %w", red)}
	}
	return &adapters.SendError{Err: fmt.Errorf("smtp: send: %w", red)}
}

// redacted is an error whose text has the recipient's address taken out;
// it unwraps to the original.
type redacted struct {
	msg string
	err error
}

func (r *redacted) Error() string { return r.msg }
func (r *redacted) Unwrap() error { return r.err }

func redact(s, addr string) string {
	if addr == "" {
		return s
	}
	var b strings.Builder
	lower, la := lowerASCII(s), lowerASCII(addr)
	for {
		i := strings.Index(lower, la)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString("[recipient]")
		s, lower = s[i+len(addr):], lower[i+len(addr):]
	}
}

// lowerASCII lowers A-Z only, so that byte offsets stay those of s.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
