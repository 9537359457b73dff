package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/civickit/civickit/adapters"
)

// Defaults of ListenerConfig.
const (
	// DefaultListenAddr is the address a Listener listens on by default.
	DefaultListenAddr = ":2525"
	// DefaultMaxRecipients is the default most recipients of one message.
	DefaultMaxRecipients = 20
	// DefaultReadTimeout and DefaultWriteTimeout bound each read and
	// write on a connection by default.
	DefaultReadTimeout  = time.Minute
	DefaultWriteTimeout = time.Minute
)

// ListenerConfig tunes a Listener. A nil *ListenerConfig, and zero
// fields, mean the documented defaults.
type ListenerConfig struct {
	// Addr is the TCP address ListenAndServe listens on (default
	// DefaultListenAddr).
	Addr string
	// Domain is the host name the server greets with (default the
	// Routing.ReplyTo domain).
	Domain string
	// MaxBytes is the largest message accepted, announced with SIZE
	// (default Parse.MaxBytes, else DefaultMaxBytes; at most
	// MaxMaxBytes). A larger one is refused with 552.
	MaxBytes int64
	// MaxRecipients is the most recipients of one message (default
	// DefaultMaxRecipients, at most MaxRecipients); more are refused
	// with 452.
	MaxRecipients int
	// ReadTimeout and WriteTimeout bound each read and write on a
	// connection (defaults DefaultReadTimeout, DefaultWriteTimeout).
	ReadTimeout, WriteTimeout time.Duration
	// HandleTimeout bounds the handing on of one message (default
	// DefaultHandleTimeout).
	HandleTimeout time.Duration
	// TLS, when set, offers STARTTLS with this configuration.
	TLS *tls.Config
	// Parse bounds each message's MIME structure and gives the clock
	// (its Recipients and NullSender must be empty).
	Parse *ParseOptions
	// Logger records each message by its Message-ID and outcome, never
	// by address or body (default: discard).
	Logger *slog.Logger
}

// Validate reports every problem of c, each wrapping
// adapters.ErrInvalidArgument.
func (c *ListenerConfig) Validate() error {
	if c == nil {
		return nil
	}
	var errs []error
	if c.MaxBytes < 0 || c.MaxBytes > MaxMaxBytes {
		errs = append(errs, fmt.Errorf("%w: MaxBytes %d is outside 1..%d", adapters.ErrInvalidArgument, c.MaxBytes, MaxMaxBytes))
	}
	if c.MaxRecipients < 0 || c.MaxRecipients > MaxRecipients {
		errs = append(errs, fmt.Errorf("%w: MaxRecipients %d is outside 1..%d", adapters.ErrInvalidArgument, c.MaxRecipients, MaxRecipients))
	}
	if c.ReadTimeout < 0 || c.WriteTimeout < 0 || c.HandleTimeout < 0 {
		errs = append(errs, fmt.Errorf("%w: negative timeout", adapters.ErrInvalidArgument))
	}
	if c.Domain != "" && (len(c.Domain) > 253 || strings.ContainsAny(c.Domain, " \t\r\n")) {
		errs = append(errs, fmt.Errorf("%w: Domain %q is not a host name", adapters.ErrInvalidArgument, c.Domain))
	}
	return errors.Join(errs...)
}

// Listener is an SMTP server that takes in replies: the city points the
// MX of its reply domain (or a relay's route) at it. It accepts mail for
// the Routing.ReplyTo mailbox and its sub-addresses only (550 for any
// other), parses each message with ParseReply and hands the reply on with
// adapters.HandReply, so a reply without a case lands in the review
// queue. A message that cannot be parsed is refused for good (554); one
// the handler or the queue failed to take is refused for now (451) so
// that the sending server retries: a reply is never dropped. Automatic
// messages (auto-replies, bounces) are accepted and dropped. It is safe
// for concurrent use.
type Listener struct {
	rc     *receiver
	server *gosmtp.Server
	local  string
	domain string

	ctx    context.Context
	cancel context.CancelFunc
	once   sync.Once
}

// NewListener returns a Listener for the replies routing routes, handing
// them to h and holding those h finds no case for in q.
func NewListener(routing Routing, h adapters.ReplyHandler, q adapters.ReplyQueue, cfg *ListenerConfig) (*Listener, error) {
	var c ListenerConfig
	if cfg != nil {
		c = *cfg
	}
	rc, err := newReceiver(routing, h, q, c.Parse, c.MaxBytes, c.HandleTimeout, c.Logger)
	if err := errors.Join(cfg.Validate(), err); err != nil {
		return nil, fmt.Errorf("smtp: new listener: %w", err)
	}
	local, domain, _ := routing.split()
	l := &Listener{rc: rc, local: local, domain: domain}
	l.ctx, l.cancel = context.WithCancel(context.Background())

	s := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) {
		return &replySession{l: l}, nil
	}))
	s.Addr = c.Addr
	if s.Addr == "" {
		s.Addr = DefaultListenAddr
	}
	s.Domain = c.Domain
	if s.Domain == "" {
		s.Domain = domain
	}
	s.MaxMessageBytes = rc.parse.MaxBytes
	s.MaxRecipients = c.MaxRecipients
	if s.MaxRecipients == 0 {
		s.MaxRecipients = DefaultMaxRecipients
	}
	s.ReadTimeout, s.WriteTimeout = c.ReadTimeout, c.WriteTimeout
	if s.ReadTimeout == 0 {
		s.ReadTimeout = DefaultReadTimeout
	}
	if s.WriteTimeout == 0 {
		s.WriteTimeout = DefaultWriteTimeout
	}
	s.TLSConfig = c.TLS
	s.ErrorLog = serverLog{rc.log}
	l.server = s
	return l, nil
}

// Addr returns the address ListenAndServe listens on.
func (l *Listener) Addr() string { return l.server.Addr }

// ListenAndServe listens on the configured address and serves until
// Close or Shutdown, then returns nil (as go-smtp's server does); it
// returns the error that made listening or accepting fail otherwise.
func (l *Listener) ListenAndServe() error { return l.server.ListenAndServe() }

// Serve serves connections accepted from ln until Close or Shutdown,
// then returns nil; Close and Shutdown close ln.
func (l *Listener) Serve(ln net.Listener) error { return l.server.Serve(ln) }

// Close stops listening and closes every connection at once; a message
// being handed on is cancelled, and its sender retries. Closing again
// returns gosmtp.ErrServerClosed.
func (l *Listener) Close() error {
	l.once.Do(l.cancel)
	return l.server.Close()
}

// Shutdown stops listening and waits for the open connections to end.
// When ctx ends first, it returns ctx's error and cancels the messages
// being handed on (their senders retry); connections still open then end
// at their read timeout. Shutting down again returns
// gosmtp.ErrServerClosed.
func (l *Listener) Shutdown(ctx context.Context) error {
	err := l.server.Shutdown(ctx)
	if err != nil {
		l.once.Do(l.cancel)
	}
	return err
}

// accepts reports whether addr is the reply mailbox or one of its
// sub-addresses.
func (l *Listener) accepts(addr string) bool {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || !strings.EqualFold(domain, l.domain) || len(addr) > maxAddress {
		return false
	}
	box, _, _ := strings.Cut(local, "+")
	return strings.EqualFold(box, l.local)
}

// replySession is one SMTP transaction's state.
type replySession struct {
	l          *Listener
	nullSender bool
	rcpts      []string
}

var (
	errNoMailbox = &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here"}
	errUnparsed  = &gosmtp.SMTPError{Code: 554, EnhancedCode: gosmtp.EnhancedCode{5, 6, 0}, Message: "Message could not be read as a reply"}
	errTryLater  = &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "Reply not taken in, try again later"}
)

// Mail starts a transaction; an empty from is the null sender.
func (s *replySession) Mail(from string, _ *gosmtp.MailOptions) error {
	s.nullSender, s.rcpts = from == "", nil
	return nil
}

// Rcpt adds a recipient, if it is the reply mailbox.
func (s *replySession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if !s.l.accepts(to) {
		return errNoMailbox
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

// Data takes the message in.
func (s *replySession) Data(r io.Reader) error {
	_, err := s.l.rc.receive(s.l.ctx, r, s.rcpts, s.nullSender, "smtp")
	var se *gosmtp.SMTPError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		return se // the server's own: message too large, too long a line
	case errors.Is(err, errTemporary):
		return errTryLater
	case errors.Is(err, adapters.ErrInvalidArgument):
		return errUnparsed
	default:
		return errTryLater // reading failed: let the sender retry
	}
}

// Reset ends the transaction.
func (s *replySession) Reset() { s.nullSender, s.rcpts = false, nil }

// Logout ends the session.
func (s *replySession) Logout() error { return nil }

// serverLog passes the SMTP server's own messages, which name remote
// addresses but no mail addresses, to the logger.
type serverLog struct{ log *slog.Logger }

func (l serverLog) Printf(format string, v ...any) {
	l.log.Warn("smtp: server", "detail", fmt.Sprintf(format, v...))
}

func (l serverLog) Println(v ...any) {
	l.log.Warn("smtp: server", "detail", fmt.Sprintln(v...))
}
