package smtp

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
)

// Test helpers: a routing, the held replies of a review queue, a queue
// that fails, and a reply handler that records what it is given.

var inRouting = Routing{ReplyTo: "replies@city.example", Secret: []byte("0123456789abcdef")}

var inNow = time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)

func inFixedNow() time.Time { return inNow }

// inHeld lists every waiting reply in q, oldest first, page by page.
func inHeld(t *testing.T, q adapters.ReplyQueue) []adapters.HeldReply {
	t.Helper()
	var all []adapters.HeldReply
	hq := adapters.HeldReplyQuery{}
	for {
		page, err := q.ListHeldReplies(context.Background(), hq)
		require.NoError(t, err)
		all = append(all, page.Replies...)
		if page.NextCursor == "" {
			return all
		}
		hq.Cursor = page.NextCursor
	}
}

// inFailingQueue is a ReplyQueue whose HoldReply returns fail when set.
type inFailingQueue struct {
	adapters.ReplyQueue
	mu   sync.Mutex
	fail error
}

func (q *inFailingQueue) HoldReply(ctx context.Context, h adapters.HeldReply) error {
	q.mu.Lock()
	err := q.fail
	q.mu.Unlock()
	if err != nil {
		return err
	}
	return q.ReplyQueue.HoldReply(ctx, h)
}

// inRecorder is a ReplyHandler that knows the cases in its set: a reply
// naming one is recorded; one naming none returns an error matching
// adapters.ErrNotFound, as feedback.Inbound does; an empty body returns
// adapters.ErrInvalidArgument; fail, when set, is returned for every
// reply.
type inRecorder struct {
	mu      sync.Mutex
	cases   map[string]bool
	replies []adapters.Reply
	fail    error
}

var _ adapters.ReplyHandler = (*inRecorder)(nil)

func newInRecorder(cases ...string) *inRecorder {
	r := &inRecorder{cases: map[string]bool{}}
	for _, c := range cases {
		r.cases[c] = true
	}
	return r
}

var errInUnrouted = fmt.Errorf("test: reply names no case: %w", adapters.ErrNotFound)

func (h *inRecorder) HandleReply(ctx context.Context, r adapters.Reply) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fail != nil {
		return h.fail
	}
	if strings.TrimSpace(r.Body) == "" {
		return fmt.Errorf("test: empty body: %w", adapters.ErrInvalidArgument)
	}
	id, ok := strings.CutPrefix(r.InReplyTo, "case:")
	if !ok || !h.cases[id] {
		return errInUnrouted
	}
	h.replies = append(h.replies, r)
	return nil
}

func (h *inRecorder) got() []adapters.Reply {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.replies)
}

var errInStoreDown = errors.New("test: store unavailable")
