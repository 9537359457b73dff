package adaptertest

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
)

// BenchTransition is the transition the ApplyTransition benchmarks apply to
// a case at version v: the state toggles between "submitted" and
// "in-review", and it writes one event and one outbox message. Raw SQL
// baselines write exactly these columns.
func BenchTransition(caseID string, v int64, at time.Time) adapters.TransitionParams {
	from, to, data := "submitted", "in-review", inReviewData
	if v%2 == 0 {
		from, to, data = to, from, submittedData
	}
	id := caseID + "-" + strconv.FormatInt(v, 10)
	return adapters.TransitionParams{
		CaseID: caseID, ExpectedVersion: v, State: to, At: at,
		Events: []adapters.Event{{
			Kind: "transition", FromState: from, ToState: to, Trigger: "review",
			Actor: "staff-1", At: at, Payload: notePayload,
		}},
		Messages: []adapters.Message{{
			ID: id, CaseID: caseID, Channel: "email", Recipient: "resident@example.org",
			Template: "state-changed", Locale: "en", Data: data,
			IdempotencyKey: id, CreatedAt: at,
		}},
	}
}

var (
	inReviewData  = json.RawMessage(`{"state":"in-review"}`)
	submittedData = json.RawMessage(`{"state":"submitted"}`)
	notePayload   = json.RawMessage(`{"note":"checked"}`)
)

// BenchCase creates the case the ApplyTransition benchmarks work on.
func BenchCase(b testing.TB, s adapters.Store, id string) {
	b.Helper()
	_, err := s.CreateCase(context.Background(), newCase(id, time.Now()))
	if err != nil {
		b.Fatalf("create benchmark case: %v", err)
	}
}

// BenchApplyTransition measures one ApplyTransition (one event, one
// message) per iteration on one case.
func BenchApplyTransition(b *testing.B, s adapters.Store) {
	ctx := context.Background()
	BenchCase(b, s, "bench")
	at := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.ApplyTransition(ctx, BenchTransition("bench", int64(i+1), at)); err != nil {
			b.Fatal(err)
		}
	}
}

// ParallelBenchGoroutines is how many goroutines the parallel benchmarks
// run at once.
const ParallelBenchGoroutines = 8

// SetBenchParallelism makes b.RunParallel use at least
// ParallelBenchGoroutines goroutines whatever GOMAXPROCS is.
func SetBenchParallelism(b *testing.B) {
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((ParallelBenchGoroutines + procs - 1) / procs)
}

// BenchApplyTransitionParallel measures ApplyTransition from
// ParallelBenchGoroutines goroutines, each on its own case, so the figure
// shows the store's throughput under concurrent writers without conflicts.
func BenchApplyTransitionParallel(b *testing.B, s adapters.Store) {
	ctx := context.Background()
	var next atomic.Int64
	procs := runtime.GOMAXPROCS(0)
	workers := procs * ((ParallelBenchGoroutines + procs - 1) / procs)
	for w := range workers {
		BenchCase(b, s, fmt.Sprintf("bench-%d", w))
	}
	at := time.Now()
	SetBenchParallelism(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := fmt.Sprintf("bench-%d", next.Add(1)-1)
		for v := int64(1); pb.Next(); v++ {
			if _, err := s.ApplyTransition(ctx, BenchTransition(id, v, at)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
