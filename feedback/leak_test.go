package feedback_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/devchannel"
	"github.com/civickit/civickit/feedback"
)

// dispatcherGoroutines counts goroutines running in the dispatcher.
func dispatcherGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "feedback.(*Dispatcher)")
}

func TestRunStopsWithoutLeaks(t *testing.T) {
	// Not parallel: it counts goroutines.
	store := storeImpls[0].open(t)
	box := devchannel.NewMailbox()
	d, err := feedback.NewDispatcher(store, store, &feedback.DispatcherConfig{
		Channels: []adapters.Channel{box.Channel("email")}, Renderer: testRenderer{}, Workers: 8, Batch: 5, PollInterval: time.Millisecond,
	})
	require.NoError(t, err)
	var msgs []adapters.Message
	for _, id := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"} {
		msgs = append(msgs, adapters.Message{ID: id, IdempotencyKey: id, Recipient: "email:" + id + "@example.org", Template: "t", CreatedAt: time.Now()})
	}
	require.NoError(t, store.EnqueueMessages(context.Background(), msgs))
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	require.NoError(t, box.Wait(wctx, len(msgs)), "the dispatcher delivers every message")
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	deadline := time.Now().Add(5 * time.Second)
	for (dispatcherGoroutines() != 0 || runtime.NumGoroutine() > before) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	require.Zero(t, dispatcherGoroutines(), "the dispatcher's goroutines are gone")
	require.LessOrEqual(t, runtime.NumGoroutine(), before, "goroutines left behind:\n%s", buf[:runtime.Stack(buf, true)])
}
