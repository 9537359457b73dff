package smtp

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/civickit/civickit/adapters"
)

// TLSMode says how a Channel protects its connection to the SMTP server.
type TLSMode int

const (
	// StartTLS connects in plain text and requires the server to offer
	// STARTTLS before anything else is sent; a server that does not is
	// refused. It is the default, on port 587.
	StartTLS TLSMode = iota
	// ImplicitTLS speaks TLS from the first byte ("SMTPS"), on port 465.
	ImplicitTLS
	// InsecureNoTLS sends everything, the message included, in plain
	// text. It exists for tests against a local server and cannot be
	// combined with a username and password.
	InsecureNoTLS
)

// String names the mode as Config's documentation does.
func (m TLSMode) String() string {
	switch m {
	case StartTLS:
		return "StartTLS"
	case ImplicitTLS:
		return "ImplicitTLS"
	case InsecureNoTLS:
		return "InsecureNoTLS"
	}
	return fmt.Sprintf("TLSMode(%d)", int(m))
}

// AuthMechanism is the SASL mechanism a Channel authenticates with.
type AuthMechanism string

const (
	// AuthPlain is SASL PLAIN (RFC 4616), the default when a username is
	// set.
	AuthPlain AuthMechanism = "PLAIN"
	// AuthLogin is the LOGIN mechanism some servers offer instead.
	AuthLogin AuthMechanism = "LOGIN"
)

// DefaultTimeout bounds one send (connect, greet, authenticate, transfer)
// when Config.Timeout is zero; the context's deadline, when sooner, wins.
const DefaultTimeout = 30 * time.Second

// Limits on what a Channel accepts, so that one bad message cannot make a
// send unbounded.
const (
	// MaxSubjectLen is the longest subject line, in bytes, references
	// included: RFC 5322's limit on a line.
	MaxSubjectLen = 998
	// MaxBodyLen is the most bytes of text and HTML body one message may
	// carry together.
	MaxBodyLen = 10 << 20
	// maxAddressLen is RFC 5321's limit on a forward path.
	maxAddressLen = 254
	// maxHeaderValueLen bounds the other values carried in headers (the
	// idempotency key, the unsubscribe link, the locale).
	maxHeaderValueLen = 2048
)

// Config configures a Channel. Host, From and Routing are required.
type Config struct {
	// Name is the channel's name in people's preferences; empty means
	// adapters.ChannelEmail ("email").
	Name string
	// Host is the SMTP server's host name; it is also the name the
	// server's certificate must carry.
	Host string
	// Port is the server's port; zero means 587 for StartTLS, 465 for
	// ImplicitTLS and 25 for InsecureNoTLS.
	Port int
	// TLS is how the connection is protected; the zero value is StartTLS.
	TLS TLSMode
	// TLSConfig, when set, is used for the TLS handshake (a test's
	// RootCAs, a client certificate); its ServerName defaults to Host.
	// Nil means the system's roots and TLS 1.2 or later.
	TLSConfig *tls.Config
	// Username and Password authenticate the channel; empty Username
	// means no authentication.
	Username, Password string
	// Auth is the mechanism used with Username; empty means AuthPlain.
	Auth AuthMechanism
	// From is the sender, an address with an optional display name as
	// net/mail reads it: "City of Example <noreply@city.example>".
	From string
	// Routing makes each message's Message-ID, its Reply-To address and
	// the reference appended to its subject; the inbound side uses the
	// same Routing to bring replies back to their case.
	Routing Routing
	// Timeout bounds each send; zero means DefaultTimeout.
	Timeout time.Duration
	// HELO is the name the channel greets the server with; empty means
	// this machine's host name.
	HELO string
	// MaxIdle is how many connections the channel keeps open between
	// sends, to send the next messages without a new handshake; zero
	// means DefaultMaxIdle, a negative number none.
	MaxIdle int
	// IdleTimeout is how long an unused connection is kept; zero means
	// DefaultIdleTimeout. Keep it below the server's own idle timeout.
	IdleTimeout time.Duration
}

// Defaults for connection reuse.
const (
	DefaultMaxIdle     = 4
	DefaultIdleTimeout = 30 * time.Second
)

// Validate reports every problem that makes cfg unusable, each wrapping
// adapters.ErrInvalidArgument, joined with errors.Join.
func (cfg *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("smtp: %w: "+format, append([]any{adapters.ErrInvalidArgument}, args...)...))
	}
	if cfg.Name != "" && (len(cfg.Name) > 64 || strings.ContainsFunc(cfg.Name, notPrintableASCII)) {
		bad("channel name must be at most 64 printable ASCII characters")
	}
	switch {
	case cfg.Host == "":
		bad("host is required")
	case len(cfg.Host) > 253 || strings.ContainsAny(cfg.Host, " \t\r\n/:@"):
		bad("host %q is not a host name", cfg.Host)
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		bad("port %d is out of range", cfg.Port)
	}
	if cfg.TLS < StartTLS || cfg.TLS > InsecureNoTLS {
		bad("TLS mode %v is unknown", cfg.TLS)
	}
	if cfg.Username == "" && cfg.Password != "" {
		bad("a password is set without a username")
	}
	if cfg.Username != "" && cfg.TLS == InsecureNoTLS {
		bad("a username and password cannot be sent over InsecureNoTLS")
	}
	if strings.ContainsAny(cfg.Username+cfg.Password, "\r\n\x00") {
		bad("username and password must not contain line breaks or NUL")
	}
	switch cfg.Auth {
	case "", AuthPlain, AuthLogin:
	default:
		bad("auth mechanism %q is not PLAIN or LOGIN", cfg.Auth)
	}
	if cfg.Auth != "" && cfg.Username == "" {
		bad("auth mechanism %q is set without a username", cfg.Auth)
	}
	if _, err := parseFrom(cfg.From); err != nil {
		errs = append(errs, err)
	}
	if err := cfg.Routing.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("smtp: routing: %w", err))
	}
	if cfg.Timeout < 0 {
		bad("timeout %v is negative", cfg.Timeout)
	}
	if cfg.MaxIdle > 1024 {
		bad("max idle connections %d is over 1024", cfg.MaxIdle)
	}
	if cfg.IdleTimeout < 0 {
		bad("idle timeout %v is negative", cfg.IdleTimeout)
	}
	if cfg.HELO != "" && (len(cfg.HELO) > 253 || strings.ContainsFunc(cfg.HELO, notPrintableASCII) || strings.Contains(cfg.HELO, " ")) {
		bad("HELO name %q is not a host name", cfg.HELO)
	}
	return errors.Join(errs...)
}

func parseFrom(from string) (*mail.Address, error) {
	if from == "" {
		return nil, fmt.Errorf("smtp: %w: from address is required", adapters.ErrInvalidArgument)
	}
	a, err := parseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("smtp: %w: from address: %v", adapters.ErrInvalidArgument, err)
	}
	return a, nil
}

func (cfg *Config) port() int {
	switch {
	case cfg.Port != 0:
		return cfg.Port
	case cfg.TLS == ImplicitTLS:
		return 465
	case cfg.TLS == InsecureNoTLS:
		return 25
	}
	return 587
}

func notPrintableASCII(r rune) bool { return r < ' ' || r > '~' }
