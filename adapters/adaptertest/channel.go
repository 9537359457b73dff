package adaptertest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
)

// ChannelFeatures declares what a channel under RunChannelTests can show
// and how the suite can see it. Clauses that need a hook the channel does
// not give are skipped with the reason.
type ChannelFeatures struct {
	// Outgoing returns the i-th valid message for the channel (an address
	// it accepts); nil means a message to "resident@example.org".
	Outgoing func(i int) adapters.Outgoing
	// Deliveries counts the messages ch has delivered so far (a fake
	// provider's inbox). Without it the suite cannot tell a delivery
	// from a refusal, and the clauses that count are skipped.
	Deliveries func(t *testing.T, ch adapters.Channel) int
	// Dedupes is set when the channel, or its provider, drops a second
	// send with an IdempotencyKey it has seen.
	Dedupes bool
	// Fail makes ch's sends fail, temporarily or permanently as asked,
	// until restore is called (a fake provider answering 503 or 550).
	Fail func(t *testing.T, ch adapters.Channel, permanent bool) (restore func())
	// Keys returns the idempotency keys ch's provider has received so
	// far, in order (a header, a form field, a Message-ID it derives
	// from the key). Without it the suite cannot see that the key
	// travels, and that clause is skipped.
	Keys func(t *testing.T, ch adapters.Channel) []string
	// Hang makes ch's provider accept requests and never answer, until
	// restore is called (a server that reads and then waits). The suite
	// then checks that a send gives up when its context's deadline
	// passes, as a temporary failure. Without it that clause is skipped.
	Hang func(t *testing.T, ch adapters.Channel) (restore func())
}

// RunChannelTests runs every clause of the adapters.Channel contract
// against channels made by open, which registers any cleanup on t.
func RunChannelTests(t *testing.T, open func(t *testing.T) adapters.Channel, f ChannelFeatures) {
	t.Helper()
	if f.Outgoing == nil {
		f.Outgoing = func(i int) adapters.Outgoing {
			id := fmt.Sprintf("msg-%d", i)
			return adapters.Outgoing{MessageID: id, IdempotencyKey: "key-" + id, CaseID: "case-1", To: "resident@example.org",
				Locale: "en", Subject: "Your request", Text: "We fixed it."}
		}
	}
	clauses := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"NameIsNotEmpty", func(t *testing.T) {
			if open(t).Name() == "" {
				t.Fatal("a channel has a name people's preferences can use")
			}
		}},
		{"SendAcceptsAValidMessage", func(t *testing.T) {
			ch := open(t)
			before := count(t, ch, f)
			_, err := ch.Send(channelCtx(t), f.Outgoing(1))
			must(t, err, "a valid message is sent")
			if f.Deliveries != nil && count(t, ch, f) != before+1 {
				t.Fatalf("a sent message is delivered once: %d deliveries, want %d", count(t, ch, f), before+1)
			}
		}},
		{"SendHonoursACancelledContext", func(t *testing.T) {
			ch := open(t)
			before := count(t, ch, f)
			ctx, cancel := context.WithCancel(channelCtx(t))
			cancel()
			if _, err := ch.Send(ctx, f.Outgoing(1)); err == nil {
				t.Fatal("a send with a cancelled context returns an error")
			} else if adapters.IsPermanent(err) {
				t.Fatalf("a cancelled send is a temporary failure, to be retried: %v", err)
			}
			if f.Deliveries != nil && count(t, ch, f) != before {
				t.Fatal("a send with a cancelled context delivers nothing")
			}
		}},
		{"SameIdempotencyKeyIsDeliveredOnce", func(t *testing.T) {
			if !f.Dedupes || f.Deliveries == nil {
				t.Skip("the channel declares no ChannelFeatures.Dedupes with Deliveries: it cannot drop repeated sends itself")
			}
			ch := open(t)
			before := count(t, ch, f)
			m := f.Outgoing(1)
			_, err := ch.Send(channelCtx(t), m)
			must(t, err, "first send")
			_, err = ch.Send(channelCtx(t), m)
			must(t, err, "a repeated send is accepted")
			if got := count(t, ch, f) - before; got != 1 {
				t.Fatalf("a message sent twice with one idempotency key is delivered once: %d deliveries", got)
			}
		}},
		{"ConcurrentSendsAreSafe", func(t *testing.T) {
			ch := open(t)
			before := count(t, ch, f)
			const senders, each = 8, 8
			var wg sync.WaitGroup
			for w := range senders {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						if _, err := ch.Send(channelCtx(t), f.Outgoing(100+w*each+i)); err != nil {
							t.Errorf("concurrent send: %v", err)
							return
						}
					}
				}()
			}
			wg.Wait()
			if f.Deliveries != nil && count(t, ch, f)-before != senders*each {
				t.Fatalf("concurrent sends each deliver once: %d deliveries, want %d", count(t, ch, f)-before, senders*each)
			}
		}},
		{"IdempotencyKeyIsCarried", func(t *testing.T) {
			if f.Keys == nil {
				t.Skip("the channel declares no ChannelFeatures.Keys: the suite cannot see what its provider received")
			}
			ch := open(t)
			m := f.Outgoing(7)
			_, err := ch.Send(channelCtx(t), m)
			must(t, err, "a valid message is sent")
			keys := f.Keys(t, ch)
			if len(keys) == 0 || keys[len(keys)-1] != m.IdempotencyKey {
				t.Fatalf("the provider receives the message's idempotency key %q: it saw %q", m.IdempotencyKey, keys)
			}
		}},
		{"SendGivesUpAtTheDeadline", func(t *testing.T) {
			if f.Hang == nil {
				t.Skip("the channel declares no ChannelFeatures.Hang: the suite cannot make its provider stop answering")
			}
			ch := open(t)
			before := count(t, ch, f)
			restore := f.Hang(t, ch)
			defer restore()
			const deadline = 300 * time.Millisecond
			ctx, cancel := context.WithTimeout(channelCtx(t), deadline)
			defer cancel()
			start := time.Now()
			_, err := ch.Send(ctx, f.Outgoing(8))
			took := time.Since(start)
			if err == nil {
				t.Fatal("a send to a provider that never answers returns an error")
			}
			if adapters.IsPermanent(err) {
				t.Fatalf("a send that timed out is a temporary failure, to be retried: %v", err)
			}
			if took > deadline+5*time.Second {
				t.Fatalf("a send gives up when its context's deadline passes: it took %v with a %v deadline", took, deadline)
			}
			if f.Deliveries != nil && count(t, ch, f) != before {
				t.Fatal("a send that timed out is not counted as delivered")
			}
		}},
		{"TemporaryFailuresAreNotPermanent", func(t *testing.T) { testChannelFailure(t, open, f, false) }},
		{"PermanentFailuresAreClassifiedPermanent", func(t *testing.T) { testChannelFailure(t, open, f, true) }},
	}
	for _, c := range clauses {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t)
		})
	}
}

func testChannelFailure(t *testing.T, open func(t *testing.T) adapters.Channel, f ChannelFeatures, permanent bool) {
	if f.Fail == nil {
		t.Skip("the channel declares no ChannelFeatures.Fail: the suite cannot make it fail")
	}
	ch := open(t)
	before := count(t, ch, f)
	restore := f.Fail(t, ch, permanent)
	_, err := ch.Send(channelCtx(t), f.Outgoing(1))
	restore()
	if err == nil {
		t.Fatal("a failing channel returns an error")
	}
	if adapters.IsPermanent(err) != permanent {
		t.Fatalf("a failure is classified as the provider's answer says (permanent %v): got %v", permanent, err)
	}
	var se *adapters.SendError
	if permanent && !errors.As(err, &se) {
		t.Fatalf("a permanent failure is an *adapters.SendError: got %T", err)
	}
	if f.Deliveries != nil && count(t, ch, f) != before {
		t.Fatal("a failed send delivers nothing")
	}
	_, err = ch.Send(channelCtx(t), f.Outgoing(2))
	must(t, err, "a channel sends again once its provider recovers")
}

func count(t *testing.T, ch adapters.Channel, f ChannelFeatures) int {
	if f.Deliveries == nil {
		return 0
	}
	return f.Deliveries(t, ch)
}

func channelCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
