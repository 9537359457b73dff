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

var testRouting = Routing{ReplyTo: "replies@city.example", Secret: []byte("0123456789abcdef")}

var testNow = time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)

func fixedNow() time.Time { return testNow }

// testQueue is a ReplyQueue in a map, following the contract: an id held
// twice returns adapters.ErrDuplicate and changes nothing.
type testQueue struct {
	mu   sync.Mutex
	held map[string]adapters.HeldReply
	fail error // returned by HoldReply when set
}

var _ adapters.ReplyQueue = (*testQueue)(nil)

func newTestQueue() *testQueue { return &testQueue{held: map[string]adapters.HeldReply{}} }

func (q *testQueue) HoldReply(ctx context.Context, h adapters.HeldReply) error {
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

func (q *testQueue) GetHeldReply(_ context.Context, id string) (adapters.HeldReply, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	h, ok := q.held[id]
	if !ok {
		return adapters.HeldReply{}, adapters.ErrNotFound
	}
	return h, nil
}

func (q *testQueue) ListHeldReplies(_ context.Context, hq adapters.HeldReplyQuery) (adapters.HeldReplyPage, error) {
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

func (q *testQueue) ResolveHeldReply(_ context.Context, id, caseID, by, note string, at time.Time) error {
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

func (q *testQueue) all() []adapters.HeldReply {
	p, _ := q.ListHeldReplies(context.Background(), adapters.HeldReplyQuery{})
	return p.Replies
}

// recorder is a ReplyHandler that knows the cases in its set: a reply
// naming one is recorded; one naming none returns an error matching
// adapters.ErrNotFound, as feedback.Inbound does; an empty body returns
// adapters.ErrInvalidArgument; fail, when set, is returned for every
// reply.
type recorder struct {
	mu      sync.Mutex
	cases   map[string]bool
	replies []adapters.Reply
	fail    error
}

var _ adapters.ReplyHandler = (*recorder)(nil)

func newRecorder(cases ...string) *recorder {
	r := &recorder{cases: map[string]bool{}}
	for _, c := range cases {
		r.cases[c] = true
	}
	return r
}

var errUnroutedTest = fmt.Errorf("test: reply names no case: %w", adapters.ErrNotFound)

func (h *recorder) HandleReply(ctx context.Context, r adapters.Reply) error {
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
		return errUnroutedTest
	}
	h.replies = append(h.replies, r)
	return nil
}

func (h *recorder) got() []adapters.Reply {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.replies)
}

var errStoreDown = errors.New("test: store unavailable")
