package smtp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/civickit/civickit/adapters"
)

// DefaultHandleTimeout is how long a receiver waits, by default, for the
// reply handler and the review queue to take one message.
const DefaultHandleTimeout = 30 * time.Second

// errTemporary marks a failure to take a reply in that retrying may mend:
// the handler's or the queue's error. Receivers answer it with a
// temporary refusal (SMTP 451, HTTP 503) so that the sender retries.
var errTemporary = errors.New("smtp: reply not taken in, try again later")

// outcome is what became of one inbound message.
type outcome int

const (
	delivered outcome = iota // the handler took it in
	held                     // kept in the review queue
	ignored                  // an automatic message, dropped
)

func (o outcome) String() string {
	switch o {
	case delivered:
		return "delivered"
	case held:
		return "held"
	default:
		return "ignored"
	}
}

// receiver parses inbound messages and hands them on; the SMTP Listener
// and the HTTPHandler share it.
type receiver struct {
	routing Routing
	handler adapters.ReplyHandler
	queue   adapters.ReplyQueue
	parse   ParseOptions
	timeout time.Duration
	log     *slog.Logger
}

func newReceiver(routing Routing, h adapters.ReplyHandler, q adapters.ReplyQueue, parse *ParseOptions, maxBytes int64, timeout time.Duration, log *slog.Logger) (*receiver, error) {
	var errs []error
	if err := routing.Validate(); err != nil {
		errs = append(errs, err)
	}
	if h == nil {
		errs = append(errs, fmt.Errorf("%w: nil reply handler", adapters.ErrInvalidArgument))
	}
	if q == nil {
		errs = append(errs, fmt.Errorf("%w: nil reply queue", adapters.ErrInvalidArgument))
	}
	if parse != nil && (len(parse.Recipients) > 0 || parse.NullSender) {
		errs = append(errs, fmt.Errorf("%w: Parse.Recipients and Parse.NullSender are per message, not configuration", adapters.ErrInvalidArgument))
	}
	if maxBytes < 0 || maxBytes > MaxMaxBytes {
		errs = append(errs, fmt.Errorf("%w: MaxBytes %d is outside 1..%d", adapters.ErrInvalidArgument, maxBytes, MaxMaxBytes))
	}
	if timeout < 0 {
		errs = append(errs, fmt.Errorf("%w: negative HandleTimeout %s", adapters.ErrInvalidArgument, timeout))
	}
	errs = append(errs, parse.Validate())
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	o := parse.withDefaults()
	if maxBytes > 0 {
		o.MaxBytes = maxBytes
	}
	if timeout == 0 {
		timeout = DefaultHandleTimeout
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &receiver{routing: routing, handler: h, queue: q, parse: o, timeout: timeout, log: log}, nil
}

// receive reads one raw message and hands it on: to the handler, or,
// when no case is found for it or the handler refuses it as invalid (an
// empty or overlong body), to the review queue. It returns an error
// wrapping adapters.ErrInvalidArgument for a message that cannot be
// parsed, errTemporary when the handler or the queue failed, and the
// reader's error when reading failed.
func (rc *receiver) receive(ctx context.Context, r io.Reader, recipients []string, nullSender bool, via string) (outcome, error) {
	o := rc.parse
	o.Recipients, o.NullSender = recipients, nullSender
	reply, err := ParseReply(r, rc.routing, &o)
	switch {
	case errors.Is(err, ErrAutomatic):
		rc.log.InfoContext(ctx, "smtp: automatic message dropped", "via", via, "message_id", reply.ProviderID)
		return ignored, nil
	case err != nil:
		rc.log.InfoContext(ctx, "smtp: message refused", "via", via, "error", errorClass(err))
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, rc.timeout)
	defer cancel()
	now := rc.parse.Now()
	wasHeld, err := adapters.HandReply(ctx, rc.handler, rc.queue, reply, now)
	if err != nil && errors.Is(err, adapters.ErrInvalidArgument) {
		// Retrying will not change the handler's mind (an empty body,
		// one over its limit): keep the reply for staff instead.
		herr := rc.queue.HoldReply(ctx, adapters.HeldReply{ID: adapters.HeldReplyID(reply), Reply: reply, Reason: "not accepted as a comment", HeldAt: now})
		if herr == nil || errors.Is(herr, adapters.ErrDuplicate) {
			err, wasHeld = nil, true
		} else {
			err = herr
		}
	}
	if err != nil {
		rc.log.WarnContext(ctx, "smtp: reply not taken in, sender will retry", "via", via, "message_id", reply.ProviderID, "error", errorClass(err))
		return 0, fmt.Errorf("%w: %w", errTemporary, err)
	}
	res := delivered
	if wasHeld {
		res = held
	}
	rc.log.InfoContext(ctx, "smtp: reply received", "via", via, "message_id", reply.ProviderID, "outcome", res.String(), "routed", reply.InReplyTo != "")
	return res, nil
}

// errorClass names an error's kind for a log line without its text,
// which may quote an address.
func errorClass(err error) string {
	switch {
	case errors.Is(err, adapters.ErrInvalidArgument):
		return "invalid"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, adapters.ErrClosed):
		return "closed"
	case errors.Is(err, adapters.ErrConflict):
		return "conflict"
	default:
		return "failed"
	}
}
