package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/civickit/civickit/adapters"
)

// EventType is the type of the event a Channel sends for a message.
const EventType = "civickit.message"

const (
	// DefaultTimeout bounds one delivery when Config.Timeout is zero;
	// the specification recommends 15 to 30 seconds.
	DefaultTimeout = 15 * time.Second
	// DefaultUserAgent is the User-Agent when Config.UserAgent is empty.
	DefaultUserAgent = "civickit-webhook/1"
	// DefaultProviderIDHeader names the response header whose value
	// becomes Sent.ProviderID when Config.ProviderIDHeader is empty.
	DefaultProviderIDHeader = "X-Request-Id"
	// MaxURLLen bounds a message's endpoint URL, in bytes.
	MaxURLLen = 2048
	// maxResponse bounds the response body read (and discarded) so the
	// connection can be reused; the rest is dropped with the connection.
	maxResponse = 64 << 10
	// maxProviderID bounds the provider id taken from a response header.
	maxProviderID = 256
)

// Event is the JSON body a Channel posts. A receiver decodes it after
// verifying the raw body.
type Event struct {
	// Type is always EventType.
	Type string `json:"type"`
	// Timestamp is when the event was sent, to the second, in UTC.
	Timestamp time.Time `json:"timestamp"`
	// Data is the message.
	Data EventData `json:"data"`
}

// EventData is the message an Event carries.
type EventData struct {
	// MessageID is the sender's id for the message. A receiver drops
	// duplicates by the webhook-id header, not by this field.
	MessageID string `json:"messageId"`
	// CaseID is the case the message is about; empty when none.
	CaseID string `json:"caseId"`
	// Locale is the BCP 47 tag the message was written in.
	Locale string `json:"locale"`
	// Subject is the subject line; Text the plain-text body.
	Subject string `json:"subject"`
	Text    string `json:"text"`
	// HTML is the HTML body, when the message has one.
	HTML string `json:"html,omitempty"`
	// UnsubscribeURL is the one-click unsubscribe link, when the message
	// has one.
	UnsubscribeURL string `json:"unsubscribeUrl,omitempty"`
}

// Config configures a Channel.
type Config struct {
	// Secrets sign every message, in their text form ("whsec_...", see
	// NewSecret), 1 to MaxSecrets of them. Each signs, and the
	// signatures travel together, so a receiver can move from an old
	// secret to a new one without missing a message.
	Secrets []string
	// HTTPClient sends the requests; nil means a client of the
	// channel's own. Its Timeout and CheckRedirect are not used: Timeout
	// bounds each delivery and redirects are never followed. Unless
	// InsecureAllowPrivateNetworks is set, its Transport must be nil or
	// an *http.Transport, which the channel copies to check every
	// address it dials (a Proxy it names must then be on a public
	// address).
	HTTPClient *http.Client
	// Timeout bounds one delivery, connection included; zero means
	// DefaultTimeout.
	Timeout time.Duration
	// UserAgent is sent as the User-Agent; empty means DefaultUserAgent.
	UserAgent string
	// ProviderIDHeader names the response header whose value (when
	// short and printable) becomes Sent.ProviderID; empty means
	// DefaultProviderIDHeader.
	ProviderIDHeader string
	// InsecureAllowPrivateNetworks lets the channel connect to
	// loopback, private, link-local and other non-public addresses. By
	// default they are refused when dialing, after name resolution, so
	// an endpoint cannot reach the city's internal systems or a cloud
	// metadata service, not even through a name that changes its answer.
	InsecureAllowPrivateNetworks bool
	// InsecureAllowHTTP lets endpoints use http; by default only https
	// is accepted, since messages carry residents' cases.
	InsecureAllowHTTP bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Validate reports every problem in c, each wrapping
// adapters.ErrInvalidArgument.
func (c *Config) Validate() error {
	if c == nil {
		return fmt.Errorf("%w: webhook: a config with at least one secret is required", adapters.ErrInvalidArgument)
	}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: webhook: "+format, append([]any{adapters.ErrInvalidArgument}, args...)...))
	}
	if _, err := parseSecrets(c.Secrets); err != nil {
		errs = append(errs, fmt.Errorf("webhook: %w", err))
	}
	if c.Timeout < 0 {
		bad("timeout %v is negative", c.Timeout)
	}
	if len(c.UserAgent) > 256 || !printable(c.UserAgent) {
		bad("user agent must be at most 256 printable ASCII characters")
	}
	if c.ProviderIDHeader != "" && !token(c.ProviderIDHeader) {
		bad("provider id header %q is not a header name", c.ProviderIDHeader)
	}
	if c.HTTPClient != nil && !c.InsecureAllowPrivateNetworks {
		if _, ok := c.HTTPClient.Transport.(*http.Transport); !ok && c.HTTPClient.Transport != nil {
			bad("HTTPClient's transport is a %T, whose dialing cannot be checked for private addresses; use an *http.Transport, or set InsecureAllowPrivateNetworks when the transport filters addresses itself (an egress proxy)", c.HTTPClient.Transport)
		}
	}
	return errors.Join(errs...)
}

// Channel posts each message, signed, as an Event to the URL in its To
// field, following the Standard Webhooks specification
// (https://www.standardwebhooks.com). It implements adapters.Channel and
// is safe for concurrent use.
type Channel struct {
	secrets       []Secret
	client        *http.Client
	timeout       time.Duration
	userAgent     string
	providerIDHdr string
	allowHTTP     bool
	now           func() time.Time
}

var _ adapters.Channel = (*Channel)(nil)

// New returns a channel configured by cfg, or cfg's problems (see
// Config.Validate).
func New(cfg *Config) (*Channel, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	secrets, _ := parseSecrets(cfg.Secrets)
	ch := &Channel{
		secrets:       secrets,
		timeout:       cfg.Timeout,
		userAgent:     cfg.UserAgent,
		providerIDHdr: cfg.ProviderIDHeader,
		allowHTTP:     cfg.InsecureAllowHTTP,
		now:           cfg.Now,
	}
	if ch.timeout == 0 {
		ch.timeout = DefaultTimeout
	}
	if ch.userAgent == "" {
		ch.userAgent = DefaultUserAgent
	}
	if ch.providerIDHdr == "" {
		ch.providerIDHdr = DefaultProviderIDHeader
	}
	if ch.now == nil {
		ch.now = time.Now
	}
	ch.client = newClient(cfg.HTTPClient, cfg.InsecureAllowPrivateNetworks)
	return ch, nil
}

func newClient(base *http.Client, allowPrivate bool) *http.Client {
	client := &http.Client{}
	if base != nil {
		*client = *base
	}
	client.Timeout = 0 // each Send sets its own deadline
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if allowPrivate && client.Transport != nil {
		return client
	}
	var tr *http.Transport
	if t, ok := client.Transport.(*http.Transport); ok {
		tr = t.Clone()
	} else {
		tr = &http.Transport{
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		}
	}
	if !allowPrivate {
		dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: refusePrivate}
		tr.DialContext = dialer.DialContext
		// A TLS dialer of the caller's would connect without the check;
		// the transport does TLS over DialContext instead. (Dial needs no
		// clearing: DialContext takes priority over it.)
		tr.DialTLSContext = nil
		//lint:ignore SA1019 cleared, not used: a caller's deprecated TLS dialer would bypass the check
		tr.DialTLS = nil
	}
	client.Transport = tr
	return client
}

// Name implements adapters.Channel: "webhook".
func (c *Channel) Name() string { return adapters.ChannelWebhook }

// Send implements adapters.Channel: it posts m as an Event to the URL
// m.To, with the webhook-id m.IdempotencyKey (m.MessageID when that is
// empty), so every retry of one message carries one id.
//
// A 2xx answer is a delivery. A 3xx is a permanent failure: redirects are
// not followed, so the endpoint's URL must be updated. 410 Gone is
// permanent (the receiver removed the endpoint), as is any other 4xx but
// 408, 425 and 429, which are temporary like 5xx answers, timeouts,
// connection failures and answers that are not HTTP. A refused private
// address, a bad URL or a bad id is permanent. The error's Code is the
// status code when there was one.
func (c *Channel) Send(ctx context.Context, m adapters.Outgoing) (adapters.Sent, error) {
	if err := ctx.Err(); err != nil {
		return adapters.Sent{}, fmt.Errorf("webhook: send %s: %w", m.MessageID, err)
	}
	endpoint, err := c.endpoint(m.To)
	if err != nil {
		return adapters.Sent{}, adapters.Permanent("", fmt.Errorf("webhook: send %s: %w", m.MessageID, err))
	}
	id := m.IdempotencyKey
	if id == "" {
		id = m.MessageID
	}
	if id == "" || len(id) > MaxIDLen || !printable(id) {
		return adapters.Sent{}, adapters.Permanent("", fmt.Errorf("%w: webhook: send %q: the idempotency key (or message id) must be 1 to %d printable ASCII characters", adapters.ErrInvalidArgument, m.MessageID, MaxIDLen))
	}
	now := c.now().UTC().Truncate(time.Second)
	body, err := json.Marshal(Event{Type: EventType, Timestamp: now, Data: EventData{
		MessageID: m.MessageID, CaseID: m.CaseID, Locale: m.Locale, Subject: m.Subject,
		Text: m.Text, HTML: m.HTML, UnsubscribeURL: m.UnsubscribeURL,
	}})
	if err != nil {
		return adapters.Sent{}, adapters.Permanent("", fmt.Errorf("webhook: send %s: encode: %w", m.MessageID, err))
	}

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint.String(), bytes.NewReader(body))
	if err != nil {
		return adapters.Sent{}, adapters.Permanent("", fmt.Errorf("webhook: send %s to %s: %w", m.MessageID, endpoint.Host, err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set(HeaderID, id)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, signAll(c.secrets, id, now, body))

	resp, err := c.client.Do(req)
	if err != nil {
		return adapters.Sent{}, c.transportError(m.MessageID, endpoint.Host, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponse))
	_ = resp.Body.Close()

	code := resp.StatusCode
	switch {
	case code >= 200 && code <= 299:
		return adapters.Sent{ProviderID: providerID(resp.Header.Get(c.providerIDHdr))}, nil
	case code >= 300 && code <= 399:
		return adapters.Sent{}, adapters.Permanent(strconv.Itoa(code), fmt.Errorf("webhook: send %s to %s: answered %d; redirects are not followed, update the endpoint's URL", m.MessageID, endpoint.Host, code))
	case code == http.StatusGone:
		return adapters.Sent{}, adapters.Permanent(strconv.Itoa(code), fmt.Errorf("webhook: send %s to %s: answered 410 Gone: the receiver removed the endpoint", m.MessageID, endpoint.Host))
	case code == http.StatusRequestTimeout || code == http.StatusTooEarly || code == http.StatusTooManyRequests || code >= 500:
		return adapters.Sent{}, &adapters.SendError{Code: strconv.Itoa(code), Err: fmt.Errorf("webhook: send %s to %s: answered %d", m.MessageID, endpoint.Host, code)}
	default:
		return adapters.Sent{}, adapters.Permanent(strconv.Itoa(code), fmt.Errorf("webhook: send %s to %s: answered %d", m.MessageID, endpoint.Host, code))
	}
}

// transportError classifies a failure before an answer. Its message
// names only the host: a URL's path or query may hold a receiver's token.
func (c *Channel) transportError(msg, host string, err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	if errors.Is(err, ErrPrivateAddress) {
		return adapters.Permanent("", fmt.Errorf("webhook: send %s to %s: %w", msg, host, err))
	}
	return fmt.Errorf("webhook: send %s to %s: %w", msg, host, err)
}

func (c *Channel) endpoint(raw string) (*url.URL, error) {
	if len(raw) > MaxURLLen {
		return nil, fmt.Errorf("%w: the endpoint URL is longer than %d bytes", adapters.ErrInvalidArgument, MaxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: the endpoint is not a URL", adapters.ErrInvalidArgument)
	}
	switch {
	case u.Scheme != "https" && !(u.Scheme == "http" && c.allowHTTP):
		if c.allowHTTP {
			return nil, fmt.Errorf("%w: the endpoint URL's scheme must be https or http", adapters.ErrInvalidArgument)
		}
		return nil, fmt.Errorf("%w: the endpoint URL's scheme must be https", adapters.ErrInvalidArgument)
	case u.Hostname() == "":
		return nil, fmt.Errorf("%w: the endpoint URL has no host", adapters.ErrInvalidArgument)
	case u.User != nil:
		return nil, fmt.Errorf("%w: the endpoint URL for %s carries credentials; the signature authenticates the sender", adapters.ErrInvalidArgument, u.Host)
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

func providerID(v string) string {
	if len(v) > maxProviderID || !printable(v) {
		return ""
	}
	return v
}

// printable reports whether s is printable ASCII, safe in a header.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// token reports whether s is a valid header name (RFC 9110 token).
func token(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0) {
			return false
		}
	}
	return true
}
