package smtp

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/civickit/civickit/adapters"
)

// Test helpers: a routing, a review queue kept in a map, and a reply
// handler that records what it is given.

var inRouting = Routing{ReplyTo: "replies@city.example", Secret: []byte("0123456789abcdef")}

var inNow = time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)

func inFixedNow() time.Time { return inNow }

// inQueue is a ReplyQueue in a map, following the contract: an id held
// twice returns adapters.ErrDuplicate and changes nothing.
type inQueue struct {
	mu   sync.Mutex
	held map[string]adapters.HeldReply
	fail error // returned by HoldReply when set
}

var _ adapters.ReplyQueue = (*inQueue)(nil)

func newInQueue() *inQueue { return &inQueue{held: map[string]adapters.HeldReply{}} }

func (q *inQueue) HoldReply(ctx context.Context, h adapters.HeldReply) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.fail != nil {
		return q.fail
	}
	if h.ID == "" {
		return fmt.Errorf("%w: empty id", adapters.ErrInvalidArgument)
	}
	if _, ok := q.held[h.ID]; ok {
		return fmt.Errorf("hold %s: %w", h.ID, adapters.ErrDuplicate)
	}
	q.held[h.ID] = h
	return nil
}

func (q *inQueue) GetHeldReply(_ context.Context, id string) (adapters.HeldReply, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	h, ok := q.held[id]
	if !ok {
		return adapters.HeldReply{}, adapters.ErrNotFound
	}
	return h, nil
}

func (q *inQueue) ListHeldReplies(_ context.Context, hq adapters.HeldReplyQuery) (adapters.HeldReplyPage, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var page adapters.HeldReplyPage
	for _, h := range q.held {
		if (h.ResolvedAt.IsZero() == !hq.Resolved) && (hq.Channel == "" || hq.Channel == h.Reply.Channel) {
			page.Replies = append(page.Replies, h)
		}
	}
	slices.SortFunc(page.Replies, func(a, b adapters.HeldReply) int {
		if c := a.HeldAt.Compare(b.HeldAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return page, nil
}

func (q *inQueue) ResolveHeldReply(_ context.Context, id, caseID, by, note string, at time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	h, ok := q.held[id]
	if !ok {
		return adapters.ErrNotFound
	}
	if !h.ResolvedAt.IsZero() {
		return adapters.ErrConflict
	}
	h.ResolvedAt, h.CaseID, h.ResolvedBy, h.Note = at, caseID, by, note
	q.held[id] = h
	return nil
}

func (q *inQueue) all() []adapters.HeldReply {
	p, _ := q.ListHeldReplies(context.Background(), adapters.HeldReplyQuery{})
	return p.Replies
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
