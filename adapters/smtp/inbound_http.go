package smtp

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/civickit/civickit/adapters"
)

// MinHTTPSecretLen is the shortest HTTPConfig.Secret accepted, in bytes.
const MinHTTPSecretLen = 16

// Bounds of the form an inbound-mail service posts, beside the message.
const (
	maxFormParts    = 64
	maxFormField    = 64 << 10 // one field other than the message
	maxFormOverhead = 1 << 20  // every field other than the message
)

// HTTPConfig configures an HTTPHandler.
type HTTPConfig struct {
	// Secret is the shared secret the inbound-mail service sends, as a
	// bearer token ("Authorization: Bearer <secret>") or as the password
	// of HTTP basic authentication (any user name), as the service
	// allows; at least MinHTTPSecretLen bytes. Required.
	Secret string
	// MaxBytes is the largest message accepted (default Parse.MaxBytes,
	// else DefaultMaxBytes; at most MaxMaxBytes). A larger one is
	// answered 413.
	MaxBytes int64
	// HandleTimeout bounds the handing on of one message (default
	// DefaultHandleTimeout).
	HandleTimeout time.Duration
	// Parse bounds each message's MIME structure and gives the clock
	// (its Recipients and NullSender must be empty).
	Parse *ParseOptions
	// Logger records each message by its Message-ID and outcome, never
	// by address or body (default: discard).
	Logger *slog.Logger
}

// Validate reports every problem of c, each wrapping
// adapters.ErrInvalidArgument.
func (c *HTTPConfig) Validate() error {
	if c == nil {
		return fmt.Errorf("%w: nil HTTP config: a secret is required", adapters.ErrInvalidArgument)
	}
	var errs []error
	if len(c.Secret) < MinHTTPSecretLen {
		errs = append(errs, fmt.Errorf("%w: Secret is %d bytes, below the minimum %d", adapters.ErrInvalidArgument, len(c.Secret), MinHTTPSecretLen))
	}
	if c.MaxBytes < 0 || c.MaxBytes > MaxMaxBytes {
		errs = append(errs, fmt.Errorf("%w: MaxBytes %d is outside 1..%d", adapters.ErrInvalidArgument, c.MaxBytes, MaxMaxBytes))
	}
	if c.HandleTimeout < 0 {
		errs = append(errs, fmt.Errorf("%w: negative HandleTimeout", adapters.ErrInvalidArgument))
	}
	return errors.Join(errs...)
}

// HTTPHandler takes in replies that an inbound-mail service (SendGrid
// Inbound Parse in raw mode, a Mailgun route forwarding MIME, a relay of
// the city's own) posts as raw MIME messages: a "message/rfc822" body, or
// a "multipart/form-data" form whose field "email" (SendGrid) or
// "body-mime" (Mailgun) holds the message. SendGrid's "envelope" field
// and Mailgun's "recipient" field give the envelope's recipients.
//
// It answers 401 without the shared secret, 405 for a method other than
// POST, 413 for a message over the size bound, 415 for another content
// type, 400 for a form without the message, 422 for a message that
// cannot be parsed, 503 (with Retry-After) when the handler or the queue
// failed, so that the service retries, 200 for a reply taken in or an
// automatic message dropped, and 202 for a reply held for review. It is
// safe for concurrent use.
type HTTPHandler struct {
	rc     *receiver
	secret [sha256.Size]byte
}

var _ http.Handler = (*HTTPHandler)(nil)

// NewHTTPHandler returns an HTTPHandler for the replies routing routes,
// handing them to h and holding those h finds no case for in q.
func NewHTTPHandler(routing Routing, h adapters.ReplyHandler, q adapters.ReplyQueue, cfg *HTTPConfig) (*HTTPHandler, error) {
	var c HTTPConfig
	if cfg != nil {
		c = *cfg
	}
	rc, err := newReceiver(routing, h, q, c.Parse, c.MaxBytes, c.HandleTimeout, c.Logger)
	if err := errors.Join(cfg.Validate(), err); err != nil {
		return nil, fmt.Errorf("smtp: new HTTP handler: %w", err)
	}
	return &HTTPHandler{rc: rc, secret: sha256.Sum256([]byte(c.Secret))}, nil
}

// authorized compares the request's secret with the configured one in
// constant time (over their hashes, so the length does not leak either).
func (hh *HTTPHandler) authorized(r *http.Request) bool {
	var got string
	if _, pass, ok := r.BasicAuth(); ok {
		got = pass
	} else if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		got = strings.TrimSpace(a[7:])
	} else {
		return false
	}
	sum := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(sum[:], hh.secret[:]) == 1
}

// ServeHTTP takes one posted message in.
func (hh *HTTPHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		httpText(w, http.StatusMethodNotAllowed, "only POST is accepted")
		return
	}
	if !hh.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="civickit inbound mail", charset="UTF-8"`)
		httpText(w, http.StatusUnauthorized, "missing or wrong secret")
		return
	}
	maxMsg := hh.rc.parse.MaxBytes
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		httpText(w, http.StatusUnsupportedMediaType, "send message/rfc822 or multipart/form-data")
		return
	}
	var (
		raw        []byte
		recipients []string
		status     int
	)
	switch mt {
	case "message/rfc822":
		body := http.MaxBytesReader(w, r.Body, maxMsg)
		raw, err = io.ReadAll(body)
		if err != nil {
			httpText(w, readStatus(err), "message unreadable or too large")
			return
		}
	case "multipart/form-data":
		body := http.MaxBytesReader(w, r.Body, maxMsg+maxFormOverhead)
		raw, recipients, status = readForm(body, params["boundary"], maxMsg)
		if status != 0 {
			httpText(w, status, "form unreadable, too large or without the message field")
			return
		}
	default:
		httpText(w, http.StatusUnsupportedMediaType, "send message/rfc822 or multipart/form-data")
		return
	}
	res, err := hh.rc.receive(r.Context(), bytes.NewReader(raw), recipients, false, "http")
	switch {
	case err == nil && res == held:
		httpText(w, http.StatusAccepted, "held for review")
	case err == nil:
		httpText(w, http.StatusOK, res.String())
	case errors.Is(err, errTemporary):
		w.Header().Set("Retry-After", "60")
		httpText(w, http.StatusServiceUnavailable, "reply not taken in, try again later")
	case errors.Is(err, adapters.ErrInvalidArgument):
		httpText(w, http.StatusUnprocessableEntity, "message could not be read as a reply")
	default:
		w.Header().Set("Retry-After", "60")
		httpText(w, http.StatusServiceUnavailable, "reply not taken in, try again later")
	}
}

// readForm reads a posted form: the message from its "email" or
// "body-mime" field, the recipients from "envelope" (SendGrid's JSON) or
// "recipient" (Mailgun's list). It returns a status other than 0 on
// failure.
func readForm(body io.Reader, boundary string, maxMsg int64) (raw []byte, recipients []string, status int) {
	if boundary == "" {
		return nil, nil, http.StatusBadRequest
	}
	mr := multipart.NewReader(body, boundary)
	found := false
	for n := 0; ; n++ {
		if n >= maxFormParts {
			return nil, nil, http.StatusRequestEntityTooLarge
		}
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, readStatus(err)
		}
		switch p.FormName() {
		case "email", "body-mime":
			if found {
				_, err = io.Copy(io.Discard, io.LimitReader(p, maxMsg+1))
				break
			}
			raw, err = io.ReadAll(io.LimitReader(p, maxMsg+1))
			if err == nil && int64(len(raw)) > maxMsg {
				return nil, nil, http.StatusRequestEntityTooLarge
			}
			found = true
		case "envelope":
			var b []byte
			b, err = io.ReadAll(io.LimitReader(p, maxFormField))
			var env struct {
				To []string `json:"to"`
			}
			if err == nil && json.Unmarshal(b, &env) == nil {
				recipients = append(recipients, env.To...)
			}
		case "recipient":
			var b []byte
			b, err = io.ReadAll(io.LimitReader(p, maxFormField))
			for _, a := range strings.Split(string(b), ",") {
				if a = strings.TrimSpace(a); a != "" {
					recipients = append(recipients, a)
				}
			}
		default:
			_, err = io.Copy(io.Discard, p)
		}
		if err != nil {
			return nil, nil, readStatus(err)
		}
	}
	if !found {
		return nil, nil, http.StatusBadRequest
	}
	if len(recipients) > MaxRecipients {
		recipients = recipients[:MaxRecipients]
	}
	return raw, recipients, 0
}

func readStatus(err error) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

func httpText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg+"\n")
}
