package twilio

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/civickit/civickit/adapters"
)

// MaxWebhookBody bounds the body of a webhook request Twilio sends.
const MaxWebhookBody = 64 << 10

// DefaultReplayWindow is WebhookConfig.ReplayWindow when zero.
const DefaultReplayWindow = 7 * 24 * time.Hour

// DefaultRecentSIDs is how many handled message SIDs the in-memory
// OnceStore remembers.
const DefaultRecentSIDs = 100_000

// messageSIDPattern is an SMS or MMS SID.
var messageSIDPattern = regexp.MustCompile(`^(SM|MM)[0-9a-fA-F]{32}$`)

// OnceStore records that a key was used once, across processes when it is
// shared. ConsumeFlow's first call for a key returns nil; every later call
// returns an error matching adapters.ErrDuplicate.
type OnceStore interface {
	ConsumeFlow(ctx context.Context, key string, expires time.Time) error
}

// CheckingOnceStore is an OnceStore that can also tell, without recording
// it, whether a key was used: adapters.SessionStore satisfies it.
// InboundHandler asks it before handling a message, so that a replayed
// message is refused before it changes anything in any process; with an
// OnceStore that can only record, the check before handling is made in
// this process only (see InboundHandler).
type CheckingOnceStore interface {
	OnceStore
	// FlowConsumed reports whether ConsumeFlow recorded key with an
	// expiry after now.
	FlowConsumed(ctx context.Context, key string, now time.Time) (bool, error)
}

// WebhookConfig configures InboundHandler and StatusHandler.
// AuthTokens, and PublicURL or PublicBase, are required.
type WebhookConfig struct {
	// AuthTokens are the account's auth tokens Twilio signs with: the
	// current one and, during a rotation, the secondary one (1 to 4).
	// API keys do not sign webhooks.
	AuthTokens []string
	// PublicBase is the scheme and host Twilio calls
	// ("https://city.example.org"); the URL checked is PublicBase and the
	// request's path and query. Behind a proxy the request's own host is
	// not the public one, so it is never used.
	PublicBase string
	// PublicURL, when set, returns the full public URL Twilio requested
	// (scheme, host, path and query exactly as configured in Twilio),
	// instead of PublicBase.
	PublicURL func(r *http.Request) string
	// HelpText answers a HELP, INFO or AYUDA text (carriers require an
	// answer). Empty leaves it to Twilio's Advanced Opt-Out, when the
	// Messaging Service has it.
	HelpText string
	// DefaultRegion reads a sender's number without a country code, as
	// Config.DefaultRegion does.
	DefaultRegion string
	// Once records the SIDs of handled messages, so a replayed request is
	// refused: default an in-memory set of the DefaultRecentSIDs most
	// recent; set a shared CheckingOnceStore (any adapters.SessionStore)
	// when several processes take webhooks.
	Once OnceStore
	// ReplayWindow is how long a handled SID is remembered in Once
	// (default DefaultReplayWindow).
	ReplayWindow time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger records refused and failed requests by message SID, never by
	// number or text (default: discard).
	Logger *slog.Logger
}

// Validate reports every problem of c, each wrapping
// adapters.ErrInvalidArgument.
func (c *WebhookConfig) Validate() error {
	if c == nil {
		return fmt.Errorf("twilio: %w: nil webhook config", adapters.ErrInvalidArgument)
	}
	var errs []error
	if _, err := NewValidator(c.AuthTokens...); err != nil {
		errs = append(errs, err)
	}
	switch {
	case c.PublicURL == nil && c.PublicBase == "":
		errs = append(errs, fmt.Errorf("twilio: %w: set PublicBase or PublicURL", adapters.ErrInvalidArgument))
	case c.PublicURL == nil:
		u, err := url.Parse(c.PublicBase)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			errs = append(errs, fmt.Errorf("twilio: %w: PublicBase must be a scheme and a host, such as https://city.example.org", adapters.ErrInvalidArgument))
		}
	}
	if len(c.HelpText) > MaxBodyChars*4 {
		errs = append(errs, fmt.Errorf("twilio: %w: HelpText is %d bytes, above %d", adapters.ErrInvalidArgument, len(c.HelpText), MaxBodyChars*4))
	}
	if !validRegion(c.DefaultRegion) {
		errs = append(errs, fmt.Errorf("twilio: %w: DefaultRegion %q is not a region with a numbering plan", adapters.ErrInvalidArgument, clip(c.DefaultRegion, 8)))
	}
	if c.ReplayWindow < 0 {
		errs = append(errs, fmt.Errorf("twilio: %w: ReplayWindow is negative", adapters.ErrInvalidArgument))
	}
	return errors.Join(errs...)
}

// webhook is what both handlers share: reading and checking a request.
type webhook struct {
	validator *Validator
	publicURL func(r *http.Request) string
	now       func() time.Time
	log       *slog.Logger
}

func newWebhook(cfg *WebhookConfig) (webhook, error) {
	if err := cfg.Validate(); err != nil {
		return webhook{}, err
	}
	v, _ := NewValidator(cfg.AuthTokens...) // checked by Validate
	w := webhook{validator: v, publicURL: cfg.PublicURL, now: cfg.Now, log: cfg.Logger}
	if w.publicURL == nil {
		base := strings.TrimRight(cfg.PublicBase, "/")
		w.publicURL = func(r *http.Request) string { return base + r.URL.RequestURI() }
	}
	if w.now == nil {
		w.now = time.Now
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	return w, nil
}

// errBadRequest is a request that is signed but not one Twilio sends.
var errBadRequest = errors.New("malformed request")

// read reads and authenticates r, answering the refusal itself: it
// returns the parameters and true, or false when it has answered.
func (h webhook) read(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		} else {
			http.Error(w, "bad request", http.StatusBadRequest)
		}
		return nil, false
	}
	sig := r.Header.Get(SignatureHeader)
	u := h.publicURL(r)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var params url.Values
	valid := false
	switch mt {
	case "application/json":
		valid = h.validator.ValidBody(u, body, sig)
		if valid {
			params, err = jsonParams(body)
		}
	default:
		params, err = url.ParseQuery(string(body))
		if err == nil {
			valid = h.validator.Valid(u, params, sig)
		}
	}
	switch {
	case err != nil && !valid:
		h.log.WarnContext(r.Context(), "twilio: refused a webhook request that is neither well formed nor signed")
		http.Error(w, "forbidden", http.StatusForbidden)
		return nil, false
	case !valid:
		h.log.WarnContext(r.Context(), "twilio: refused a webhook request with a missing or wrong signature")
		http.Error(w, "forbidden", http.StatusForbidden)
		return nil, false
	case err != nil:
		http.Error(w, "bad request", http.StatusBadRequest)
		return nil, false
	}
	return params, true
}

// jsonParams reads a flat JSON object of strings, numbers and booleans.
func jsonParams(body []byte) (url.Values, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, fmt.Errorf("%w: %v", errBadRequest, err)
	}
	params := make(url.Values, len(obj))
	for k, raw := range obj {
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			params.Set(k, s)
			continue
		}
		var n json.Number
		if err := json.Unmarshal(raw, &n); err == nil {
			params.Set(k, n.String())
			continue
		}
		var b bool
		if err := json.Unmarshal(raw, &b); err == nil {
			params.Set(k, strconv.FormatBool(b))
		}
	}
	return params, nil
}

// field returns the one value of a parameter, refusing repeats and
// values above max bytes.
func field(params url.Values, name string, max int) (string, error) {
	vs := params[name]
	switch {
	case len(vs) == 0:
		return "", nil
	case len(vs) > 1:
		return "", fmt.Errorf("%w: %s given %d times", errBadRequest, name, len(vs))
	case len(vs[0]) > max:
		return "", fmt.Errorf("%w: %s is %d bytes, above %d", errBadRequest, name, len(vs[0]), max)
	}
	return vs[0], nil
}

// InboundMessage is an incoming text as Twilio's webhook describes it.
type InboundMessage struct {
	// SID is the message's SID (MessageSid).
	SID string
	// From is the sender in E.164 form when it is a phone number, as
	// Twilio gave it otherwise (a short code); To is the number it was
	// sent to, likewise.
	From, To string
	// Body is the text.
	Body string
	// NumMedia is how many pictures or files came with it (MMS).
	NumMedia int
}

// ParseInbound reads the parameters of Twilio's incoming-message webhook,
// reading numbers without a country code in region. A missing or
// malformed MessageSid or From, a parameter given twice, or one above its
// bound is an error wrapping adapters.ErrInvalidArgument.
func ParseInbound(params url.Values, region string) (InboundMessage, error) {
	var m InboundMessage
	var errs []error
	get := func(name string, max int) string {
		v, err := field(params, name, max)
		errs = append(errs, err)
		return v
	}
	m.SID = get("MessageSid", 64)
	if m.SID == "" {
		m.SID = get("SmsMessageSid", 64)
	}
	from := get("From", 64)
	to := get("To", 64)
	m.Body = get("Body", MaxWebhookBody)
	media := get("NumMedia", 4)
	if err := errors.Join(errs...); err != nil {
		return InboundMessage{}, fmt.Errorf("twilio: %w: %w", adapters.ErrInvalidArgument, err)
	}
	if !messageSIDPattern.MatchString(m.SID) {
		errs = append(errs, errors.New("MessageSid is missing or not a message sid"))
	}
	if from == "" {
		errs = append(errs, errors.New("the From parameter is missing"))
	}
	if media != "" {
		n, err := strconv.Atoi(media)
		if err != nil || n < 0 {
			errs = append(errs, errors.New("NumMedia is not a count"))
		}
		m.NumMedia = n
	}
	if err := errors.Join(errs...); err != nil {
		return InboundMessage{}, fmt.Errorf("twilio: %w: %w", adapters.ErrInvalidArgument, err)
	}
	m.From, m.To = from, to
	if e164, err := normalize(from, region); err == nil {
		m.From = e164
	}
	if e164, err := normalize(to, region); err == nil {
		m.To = e164
	}
	return m, nil
}

// InboundHandler is the http.Handler of Twilio's incoming-message
// webhook (the number's or Messaging Service's "A message comes in"
// URL). It refuses, with 403 and changing nothing, a request whose
// X-Twilio-Signature is missing or wrong and a message SID it has
// handled before (a replay). It passes each text to the ReplyHandler as
// an adapters.Reply on channel "sms" through adapters.HandReply, so a
// text that names no case is held in the ReplyQueue; a text the handler
// refuses as invalid (an empty body with a picture) is held too, so no
// text is dropped. It answers TwiML: empty, or the configured help text
// to HELP, INFO or AYUDA.
//
// A temporary failure of the handler or the queue answers 503 and does
// not record the SID, so the request can be made again: Twilio does so
// through the number's fallback URL, or by a retry policy set on the
// webhook URL ("#rc=2&rp=all"). The SID is checked before the text is
// handled and recorded after, in this process and in the OnceStore. With
// a shared CheckingOnceStore (an adapters.SessionStore), a replay sent to
// any process is refused before it changes anything. With an OnceStore
// that can only record, the check before handling sees this process's
// SIDs only: a replay sent to another process is handled there once more,
// which the reply handler's idempotency in ProviderID makes harmless for
// comments and held replies.
type InboundHandler struct {
	webhook
	replies adapters.ReplyHandler
	queue   adapters.ReplyQueue
	once    OnceStore
	recent  *recentSet
	window  time.Duration
	help    string
	region  string
}

// NewInboundHandler returns the handler that passes texts to replies and
// holds those without a case in queue.
func NewInboundHandler(replies adapters.ReplyHandler, queue adapters.ReplyQueue, cfg *WebhookConfig) (*InboundHandler, error) {
	var errs []error
	if replies == nil {
		errs = append(errs, fmt.Errorf("twilio: %w: nil reply handler", adapters.ErrInvalidArgument))
	}
	if queue == nil {
		errs = append(errs, fmt.Errorf("twilio: %w: nil reply queue", adapters.ErrInvalidArgument))
	}
	wh, err := newWebhook(cfg)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	h := &InboundHandler{webhook: wh, replies: replies, queue: queue, once: cfg.Once,
		recent: newRecentSet(DefaultRecentSIDs), window: cfg.ReplayWindow, help: cfg.HelpText,
		region: strings.ToUpper(cfg.DefaultRegion)}
	if h.window == 0 {
		h.window = DefaultReplayWindow
	}
	return h, nil
}

// ServeHTTP handles one webhook request.
func (h *InboundHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	params, ok := h.read(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	msg, err := ParseInbound(params, h.region)
	if err != nil {
		h.log.WarnContext(ctx, "twilio: refused an incoming message", "error", err.Error())
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	key, now := "twilio-sms:"+msg.SID, h.now()
	if seen, err := h.consumed(ctx, key, now); err != nil {
		h.log.ErrorContext(ctx, "twilio: check a message sid", "sid", msg.SID, "error", err.Error())
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	} else if seen {
		h.log.WarnContext(ctx, "twilio: refused a message sid handled before", "sid", msg.SID)
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	reply := adapters.Reply{Channel: adapters.ChannelSMS, From: msg.From, To: msg.To, Body: msg.Body, ProviderID: msg.SID, At: now}
	held, err := adapters.HandReply(ctx, h.replies, h.queue, reply, now)
	if err != nil && errors.Is(err, adapters.ErrInvalidArgument) {
		held, err = true, h.holdRefused(ctx, reply, now)
	}
	if err != nil {
		h.log.ErrorContext(ctx, "twilio: handle an incoming message", "sid", msg.SID, "error", err.Error())
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	h.recent.add(key, now.Add(h.window))
	if h.once != nil {
		if err := h.once.ConsumeFlow(ctx, key, now.Add(h.window)); err != nil && !errors.Is(err, adapters.ErrDuplicate) {
			// Handled already: a 5xx would only make Twilio send it
			// again, which the handler's idempotency absorbs.
			h.log.ErrorContext(ctx, "twilio: record a handled message sid", "sid", msg.SID, "error", err.Error())
		}
	}
	h.log.DebugContext(ctx, "twilio: took in a message", "sid", msg.SID, "held", held, "media", msg.NumMedia)
	writeTwiML(w, h.help, isHelp(msg.Body))
}

// holdRefused keeps a text the reply handler refused as invalid for
// staff to read.
func (h *InboundHandler) holdRefused(ctx context.Context, r adapters.Reply, now time.Time) error {
	err := h.queue.HoldReply(ctx, adapters.HeldReply{ID: adapters.HeldReplyID(r), Reply: r, Reason: "refused by the reply handler", HeldAt: now})
	if err != nil && !errors.Is(err, adapters.ErrDuplicate) {
		return fmt.Errorf("twilio: hold a refused reply: %w", err)
	}
	return nil
}

// consumed reports whether the key was handled by now: in this process,
// or in the shared store when it can tell.
func (h *InboundHandler) consumed(ctx context.Context, key string, now time.Time) (bool, error) {
	if h.recent.has(key, now) {
		return true, nil
	}
	if c, ok := h.once.(CheckingOnceStore); ok {
		return c.FlowConsumed(ctx, key, now)
	}
	return false, nil
}

// helpWords are the texts answered with the help text.
var helpWords = []string{"HELP", "INFO", "AYUDA"}

// isHelp reports whether a text is only a help word.
func isHelp(body string) bool {
	word := strings.TrimRight(strings.TrimSpace(body), ".!?¡¿ ")
	word = strings.TrimLeft(word, "¡¿ ")
	for _, h := range helpWords {
		if strings.EqualFold(word, h) {
			return true
		}
	}
	return false
}

// writeTwiML answers the webhook: empty, or the help text.
func writeTwiML(w http.ResponseWriter, help string, asked bool) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	var b strings.Builder
	b.WriteString(xml.Header)
	if asked && help != "" {
		b.WriteString("<Response><Message>")
		_ = xml.EscapeText(&b, []byte(help)) // a strings.Builder does not fail
		b.WriteString("</Message></Response>")
	} else {
		b.WriteString("<Response/>")
	}
	_, _ = io.WriteString(w, b.String())
}

// StatusHandler is the http.Handler of Twilio's status callbacks (the
// StatusCallback URL of Config). It refuses, with 403, a request whose
// signature is missing or wrong; passes "delivered" (and "read") as a
// delivered Receipt and "undelivered", "failed" and "canceled" as a
// failed one, permanent as the error code says (see Permanent); and
// answers 200 to the statuses on the way ("queued", "sent", ...) without
// doing anything. A receipt for a message the handler does not know
// (adapters.ErrNotFound) answers 200, so Twilio does not ask again; any
// other failure answers 503.
//
// Status callbacks are not checked for replays: a message's status is
// posted several times by design, and a replayed receipt repeats what
// is already recorded.
type StatusHandler struct {
	webhook
	receipts adapters.ReceiptHandler
}

// NewStatusHandler returns the handler that passes receipts to receipts.
func NewStatusHandler(receipts adapters.ReceiptHandler, cfg *WebhookConfig) (*StatusHandler, error) {
	var errs []error
	if receipts == nil {
		errs = append(errs, fmt.Errorf("twilio: %w: nil receipt handler", adapters.ErrInvalidArgument))
	}
	wh, err := newWebhook(cfg)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &StatusHandler{webhook: wh, receipts: receipts}, nil
}

// ServeHTTP handles one status callback.
func (h *StatusHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	params, ok := h.read(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	rc, act, err := ParseStatus(params)
	if err != nil {
		h.log.WarnContext(ctx, "twilio: refused a status callback", "error", err.Error())
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if !act {
		w.WriteHeader(http.StatusOK)
		return
	}
	rc.At = h.now()
	switch err := h.receipts.HandleReceipt(ctx, rc); {
	case errors.Is(err, adapters.ErrNotFound):
		h.log.InfoContext(ctx, "twilio: status for a message not known here", "sid", rc.ProviderID)
	case err != nil:
		h.log.ErrorContext(ctx, "twilio: handle a status callback", "sid", rc.ProviderID, "error", err.Error())
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// ParseStatus reads a status callback's parameters into a Receipt, and
// says whether the status is final (delivered or failed) and so worth a
// receipt. A malformed MessageSid, status or ErrorCode is an error
// wrapping adapters.ErrInvalidArgument.
func ParseStatus(params url.Values) (adapters.Receipt, bool, error) {
	sid, err1 := field(params, "MessageSid", 64)
	if sid == "" && err1 == nil {
		sid, err1 = field(params, "SmsSid", 64)
	}
	status, err2 := field(params, "MessageStatus", 32)
	if status == "" && err2 == nil {
		status, err2 = field(params, "SmsStatus", 32)
	}
	code, err3 := field(params, "ErrorCode", 8)
	if err := errors.Join(err1, err2, err3); err != nil {
		return adapters.Receipt{}, false, fmt.Errorf("twilio: %w: %w", adapters.ErrInvalidArgument, err)
	}
	if !messageSIDPattern.MatchString(sid) {
		return adapters.Receipt{}, false, fmt.Errorf("twilio: %w: MessageSid is missing or not a message sid", adapters.ErrInvalidArgument)
	}
	if code != "" {
		if _, err := strconv.Atoi(code); err != nil {
			return adapters.Receipt{}, false, fmt.Errorf("twilio: %w: ErrorCode is not a number", adapters.ErrInvalidArgument)
		}
	}
	rc := adapters.Receipt{Channel: adapters.ChannelSMS, ProviderID: sid}
	switch status {
	case "delivered", "read":
		rc.Delivered = true
		return rc, true, nil
	case "undelivered", "failed", "canceled":
		rc.Permanent = Permanent(code)
		rc.Error = "twilio: message " + status
		if code != "" {
			rc.Error += " (error " + code + ")"
		}
		return rc, true, nil
	case "":
		return adapters.Receipt{}, false, fmt.Errorf("twilio: %w: MessageStatus is missing", adapters.ErrInvalidArgument)
	}
	return rc, false, nil
}

// temporaryDeliveryCodes are Twilio's delivery errors that a later try
// may get past; every other code of a failed delivery is permanent.
var temporaryDeliveryCodes = map[string]bool{
	"30001": true, // queue overflow
	"30002": true, // account suspended: the operator restores it
	"30003": true, // unreachable handset: switched off, out of coverage
	"30008": true, // unknown error
	"30009": true, // missing segment
	"30017": true, // carrier network congestion
	"30022": true, // 10DLC throughput exceeded
	"30023": true, // daily message cap reached
	"30027": true, // carrier daily limit reached
	"20429": true, // too many requests
}

// Permanent reports whether a failed delivery with Twilio's error code is
// one that sending again will not fix: 30004 (blocked), 30005 (unknown
// number), 30006 (landline or unreachable carrier), 30007 (filtered as
// spam), 21610 (the recipient replied STOP), and any code Twilio does not
// document as passing. 30003 (handset unreachable), queue, rate and
// congestion errors are temporary, and so is a failure without a code.
func Permanent(code string) bool {
	if code == "" {
		return false
	}
	return !temporaryDeliveryCodes[code]
}

// recentSet is a bounded set of keys with expiry: the oldest key goes
// when it is full.
type recentSet struct {
	mu    sync.Mutex
	max   int
	keys  map[string]time.Time
	order []string // ring, oldest at next
	next  int
}

func newRecentSet(max int) *recentSet {
	return &recentSet{max: max, keys: make(map[string]time.Time)}
}

func (s *recentSet) has(key string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.keys[key]
	return ok && now.Before(exp)
}

func (s *recentSet) add(key string, expires time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[key]; ok {
		s.keys[key] = expires
		return
	}
	if len(s.order) < s.max {
		s.order = append(s.order, key)
	} else {
		delete(s.keys, s.order[s.next])
		s.order[s.next] = key
		s.next = (s.next + 1) % s.max
	}
	s.keys[key] = expires
}
