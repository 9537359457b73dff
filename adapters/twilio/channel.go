package twilio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/civickit/civickit/adapters"
)

// DefaultBaseURL is Twilio's REST API.
const DefaultBaseURL = "https://api.twilio.com"

// Bounds of a message.
const (
	// DefaultMaxSegments is Config.MaxSegments when zero: Twilio's own
	// advice for the longest text worth sending.
	DefaultMaxSegments = 10
	// MaxMaxSegments is the largest Config.MaxSegments: a text of 1,600
	// UCS-2 characters.
	MaxMaxSegments = 24
	// MaxBodyChars is the longest body Twilio accepts, in characters.
	MaxBodyChars = 1600
)

// maxResponse bounds how much of Twilio's answer is read.
const maxResponse = 64 << 10

// userAgent names the client to Twilio.
const userAgent = "civickit-twilio/1"

// sid patterns: two letters and 32 hexadecimal digits.
var (
	accountSIDPattern = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	apiKeyPattern     = regexp.MustCompile(`^SK[0-9a-fA-F]{32}$`)
	serviceSIDPattern = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
	// senderPattern is a short code, an alphanumeric sender id or an
	// E.164 number.
	senderPattern = regexp.MustCompile(`^(\+[1-9][0-9]{6,14}|[0-9]{3,8}|[A-Za-z0-9 ]{1,11})$`)
)

// Config configures a Channel. AccountSID, one credential (AuthToken, or
// APIKeySID with APIKeySecret) and one sender (MessagingServiceSID or
// From) are required.
type Config struct {
	// AccountSID is the Twilio account ("AC" and 32 hex digits).
	AccountSID string
	// AuthToken is the account's auth token. Leave it empty when using an
	// API key.
	AuthToken string
	// APIKeySID ("SK...") and APIKeySecret are an API key, which Twilio
	// advises over the auth token for sending: it can be revoked alone.
	APIKeySID, APIKeySecret string
	// MessagingServiceSID ("MG...") sends through a Messaging Service,
	// which picks the number and handles opt-out words; From sends from
	// one number, short code or alphanumeric sender id. Set one.
	MessagingServiceSID, From string
	// StatusCallback is the absolute URL Twilio posts delivery status to
	// (where StatusHandler is mounted); empty for none.
	StatusCallback string
	// BaseURL is Twilio's API (default DefaultBaseURL); tests point it at
	// their own server.
	BaseURL string
	// HTTPClient sends the requests (default: a client with a 30 s
	// timeout). Every request also honours Send's context.
	HTTPClient *http.Client
	// DefaultRegion is the CLDR region ("US") numbers written without a
	// country code are read in; empty means every number must start with
	// "+".
	DefaultRegion string
	// MaxSegments refuses texts longer than this many segments
	// (1..MaxMaxSegments, default DefaultMaxSegments).
	MaxSegments int
}

// Validate reports every problem of c, each wrapping
// adapters.ErrInvalidArgument.
func (c *Config) Validate() error {
	if c == nil {
		return fmt.Errorf("twilio: %w: nil config", adapters.ErrInvalidArgument)
	}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("twilio: %w: "+format, append([]any{adapters.ErrInvalidArgument}, args...)...))
	}
	if !accountSIDPattern.MatchString(c.AccountSID) {
		bad("AccountSID must be AC followed by 32 hex digits")
	}
	switch {
	case c.AuthToken != "" && (c.APIKeySID != "" || c.APIKeySecret != ""):
		bad("set AuthToken or an API key, not both")
	case c.AuthToken == "" && c.APIKeySID == "" && c.APIKeySecret == "":
		bad("no credential: set AuthToken, or APIKeySID and APIKeySecret")
	case c.AuthToken == "":
		if !apiKeyPattern.MatchString(c.APIKeySID) {
			bad("APIKeySID must be SK followed by 32 hex digits")
		}
		if c.APIKeySecret == "" {
			bad("APIKeySecret is empty")
		}
	}
	switch {
	case (c.MessagingServiceSID == "") == (c.From == ""):
		bad("set exactly one of MessagingServiceSID and From")
	case c.MessagingServiceSID != "" && !serviceSIDPattern.MatchString(c.MessagingServiceSID):
		bad("MessagingServiceSID must be MG followed by 32 hex digits")
	case c.From != "" && !senderPattern.MatchString(c.From):
		bad("From must be an E.164 number, a short code or an alphanumeric sender id of up to 11 characters")
	}
	if c.StatusCallback != "" {
		if u, err := url.Parse(c.StatusCallback); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("StatusCallback must be an absolute http or https URL")
		}
	}
	if c.BaseURL != "" {
		if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("BaseURL must be an absolute http or https URL")
		}
	}
	if !validRegion(c.DefaultRegion) {
		bad("DefaultRegion %q is not a region with a numbering plan", clip(c.DefaultRegion, 8))
	}
	if c.MaxSegments < 0 || c.MaxSegments > MaxMaxSegments {
		bad("MaxSegments %d is outside 1..%d", c.MaxSegments, MaxMaxSegments)
	}
	return errors.Join(errs...)
}

// Channel sends text messages through Twilio's Programmable Messaging API.
// It is an adapters.Channel named "sms", safe for concurrent use.
type Channel struct {
	endpoint       string
	user, pass     string
	service, from  string
	statusCallback string
	client         *http.Client
	region         string
	maxSegments    int
}

var _ adapters.Channel = (*Channel)(nil)

// New returns a Channel configured by cfg, or cfg's problems.
func New(cfg *Config) (*Channel, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	ch := &Channel{
		endpoint:       base + "/2010-04-01/Accounts/" + cfg.AccountSID + "/Messages.json",
		user:           cfg.AccountSID,
		pass:           cfg.AuthToken,
		service:        cfg.MessagingServiceSID,
		from:           cfg.From,
		statusCallback: cfg.StatusCallback,
		client:         cfg.HTTPClient,
		region:         strings.ToUpper(cfg.DefaultRegion),
		maxSegments:    cfg.MaxSegments,
	}
	if cfg.AuthToken == "" {
		ch.user, ch.pass = cfg.APIKeySID, cfg.APIKeySecret
	}
	if ch.client == nil {
		ch.client = &http.Client{Timeout: 30 * time.Second}
	}
	if ch.maxSegments == 0 {
		ch.maxSegments = DefaultMaxSegments
	}
	return ch, nil
}

// Name returns "sms".
func (c *Channel) Name() string { return adapters.ChannelSMS }

// validRegion reports whether region is empty or a CLDR region with a
// numbering plan.
func validRegion(region string) bool {
	return region == "" || phonenumbers.GetSupportedRegions()[strings.ToUpper(region)]
}

// Normalize returns number in E.164 form, reading a number without a
// country code in the channel's DefaultRegion, or an error wrapping
// adapters.ErrInvalidArgument for a number that is not a valid one.
func (c *Channel) Normalize(number string) (string, error) {
	return normalize(number, c.region)
}

func normalize(number, region string) (string, error) {
	if len(number) > 64 {
		return "", fmt.Errorf("twilio: %w: phone number is %d bytes, above 64", adapters.ErrInvalidArgument, len(number))
	}
	n, err := phonenumbers.Parse(number, region)
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return "", fmt.Errorf("twilio: %w: not a valid phone number", adapters.ErrInvalidArgument)
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// message is the part of Twilio's Message resource, or of its error
// answer, that Send reads.
type message struct {
	SID string `json:"sid"`
	// Status is the message's status, a string; in an error answer it
	// is the HTTP status, a number.
	Status       any             `json:"status"`
	ErrorCode    json.RawMessage `json:"error_code"`
	ErrorMessage *string         `json:"error_message"`
	// Code and Message are the error answer's.
	Code    json.RawMessage `json:"code"`
	Message string          `json:"message"`
}

// Send sends m.Text to m.To. The request carries m.IdempotencyKey in
// Twilio's I-Twilio-Idempotency-Token header, so a retried send is
// dropped by Twilio. The result's ProviderID is the message's SID.
//
// Errors: a number that is not valid, an empty text or one above
// MaxSegments segments or MaxBodyChars characters, and Twilio's refusals
// of the message are permanent (*adapters.SendError); Twilio's 21610
// (the recipient replied STOP) is adapters.OptedOut. Rate limits (429,
// 20429), a timeout or conflict (408, 409: a send with the same token
// still in progress), Twilio's 5xx answers, a refused credential (401,
// 403: an operator fixes the configuration, and the messages wait for it
// instead of being given up), a garbled answer, a lost connection and
// ctx's end are temporary.
func (c *Channel) Send(ctx context.Context, m adapters.Outgoing) (adapters.Sent, error) {
	to, err := c.Normalize(m.To)
	if err != nil {
		return adapters.Sent{}, adapters.Permanent("", fmt.Errorf("twilio: send %s: %w", clip(m.MessageID, 64), err))
	}
	if err := c.checkText(m.Text); err != nil {
		return adapters.Sent{}, adapters.Permanent("", fmt.Errorf("twilio: send %s: %w", clip(m.MessageID, 64), err))
	}
	form := url.Values{"To": {to}, "Body": {m.Text}}
	if c.service != "" {
		form.Set("MessagingServiceSid", c.service)
	} else {
		form.Set("From", c.from)
	}
	if c.statusCallback != "" {
		form.Set("StatusCallback", c.statusCallback)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return adapters.Sent{}, fmt.Errorf("twilio: send %s: %w", clip(m.MessageID, 64), err)
	}
	req.SetBasicAuth(c.user, c.pass)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	if m.IdempotencyKey != "" {
		req.Header.Set("I-Twilio-Idempotency-Token", m.IdempotencyKey)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		// The request may have reached Twilio: a retry with the same
		// idempotency token is dropped there.
		return adapters.Sent{}, fmt.Errorf("twilio: send %s: %w", clip(m.MessageID, 64), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return adapters.Sent{}, fmt.Errorf("twilio: send %s: read the answer: %w", clip(m.MessageID, 64), err)
	}
	sent, err := interpret(resp.StatusCode, body)
	if err != nil {
		return adapters.Sent{}, fmt.Errorf("twilio: send %s: %w", clip(m.MessageID, 64), err)
	}
	return sent, nil
}

// checkText refuses a text Twilio would refuse or that is too long to
// send as one message.
func (c *Channel) checkText(text string) error {
	if strings.TrimSpace(text) == "" {
		return fmt.Errorf("%w: the text is empty", adapters.ErrInvalidArgument)
	}
	if !utf8.ValidString(text) {
		return fmt.Errorf("%w: the text is not valid UTF-8", adapters.ErrInvalidArgument)
	}
	if n := utf8.RuneCountInString(text); n > MaxBodyChars {
		return fmt.Errorf("%w: the text is %d characters, above Twilio's %d", adapters.ErrInvalidArgument, n, MaxBodyChars)
	}
	if n, enc := Segments(text); n > c.maxSegments {
		return fmt.Errorf("%w: the text takes %d %s segments, above the maximum %d", adapters.ErrInvalidArgument, n, enc, c.maxSegments)
	}
	return nil
}

// interpret turns Twilio's answer into a Sent or a classified error.
func interpret(status int, body []byte) (adapters.Sent, error) {
	var msg message
	jsonErr := json.Unmarshal(body, &msg)
	if status >= 200 && status < 300 {
		if jsonErr != nil || msg.SID == "" {
			// Twilio may have taken the message: the retry carries the
			// same idempotency token.
			return adapters.Sent{}, fmt.Errorf("twilio answered %d without a message sid", status)
		}
		if msg.Status == "failed" || msg.Status == "undelivered" {
			code := codeOf(msg.ErrorCode)
			why := ""
			if msg.ErrorMessage != nil {
				why = ": " + clip(*msg.ErrorMessage, 200)
			}
			return adapters.Sent{}, classify(status, code, fmt.Errorf("message %s %s%s", msg.SID, msg.Status, why))
		}
		return adapters.Sent{ProviderID: msg.SID}, nil
	}
	code := ""
	text := http.StatusText(status)
	if jsonErr == nil {
		code = codeOf(msg.Code)
		if msg.Message != "" {
			text = clip(msg.Message, 200)
		}
	}
	return adapters.Sent{}, classify(status, code, fmt.Errorf("twilio answered %d: %s", status, text))
}

// codeOf reads a Twilio error code, a JSON number or string (or null).
func codeOf(raw json.RawMessage) string {
	s := strings.Trim(string(raw), `"`)
	if _, err := strconv.Atoi(s); err != nil {
		return ""
	}
	return s
}

// temporaryCodes are Twilio error codes that a later try may get past.
var temporaryCodes = map[string]bool{
	"20429": true, // too many requests
	"20500": true, // internal server error
	"20503": true, // service unavailable
	"21611": true, // the sender's queue of messages is full
	"20003": true, // authentication failed: the operator fixes the credential
	"20005": true, // account not active: the operator restores it
}

// classify decides whether a refusal is temporary, permanent or an
// opt-out, by Twilio's code first and then the HTTP status.
func classify(status int, code string, err error) error {
	switch {
	case code == "21610":
		return adapters.OptedOut(code, err)
	case temporaryCodes[code]:
		return &adapters.SendError{Code: code, Err: err}
	case status == http.StatusTooManyRequests, status >= 500, status == http.StatusRequestTimeout,
		status == http.StatusUnauthorized, status == http.StatusForbidden, status == http.StatusConflict:
		// 401 and 403: a wrong or rotated credential does not fix
		// itself, but it is the same for every message: giving each up
		// would lose them all, so they wait for the operator.
		return &adapters.SendError{Code: code, Err: err}
	}
	if code == "" {
		code = strconv.Itoa(status)
	}
	return adapters.Permanent(code, err)
}

// clip bounds a string quoted in an error or a log.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
