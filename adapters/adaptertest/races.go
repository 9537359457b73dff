package adaptertest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
)

var raceClauses = []clause{
	{"CompleteTimerRacingItsCancellationSucceedsOrReturnsErrNotFound", testCompleteRacesCancel},
	{"MarkRacingAReclaimSucceedsOrReturnsErrConflict", testMarkRacesReclaim},
	{"ListCasesNeverSkipsOrRepeatsACaseWhileWritersMoveCases", testListWhileWriting},
}

// racePairs is how many races each clause runs: enough that a store
// answering from a stale snapshot fails, as one did 3 times in 100.
const racePairs = 400

// raceWorkers run the pairs side by side.
const raceWorkers = 8

// inPairs runs fn for 0..n-1 on raceWorkers goroutines.
func inPairs(n int, fn func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range raceWorkers {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// together runs a and b at once and waits for both.
func together(a, b func()) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	wg.Go(func() { <-start; a() })
	wg.Go(func() { <-start; b() })
	close(start)
	wg.Wait()
}

func testCompleteRacesCancel(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	for i := range racePairs {
		timerCase(t, s, fmt.Sprintf("case-%04d", i), adapters.Timer{Name: "sla", DueAt: base, Trigger: "escalate"})
	}
	claimed := 0
	for claimed < racePairs {
		got, err := s.ClaimTimers(ctx, adapters.ClaimParams{Owner: "w1", Limit: adapters.MaxClaim, Now: base, Lease: time.Hour})
		must(t, err, "ClaimTimers")
		if len(got) == 0 {
			t.Fatalf("every timer is claimed: %d of %d", claimed, racePairs)
		}
		claimed += len(got)
	}
	var mu sync.Mutex
	outcomes := map[string]int{}
	inPairs(racePairs, func(i int) {
		id := fmt.Sprintf("case-%04d", i)
		tp := flip(id, 1, base.Add(time.Second))
		tp.CancelTimers = []string{"sla"}
		var completeErr, cancelErr error
		together(
			func() { completeErr = s.CompleteTimer(ctx, id, "sla", "w1") },
			func() { _, cancelErr = s.ApplyTransition(ctx, tp) },
		)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case cancelErr != nil:
			t.Errorf("the cancelling transition of %s: %v", id, cancelErr)
		case completeErr == nil:
			outcomes["completed"]++
		case errors.Is(completeErr, adapters.ErrNotFound):
			outcomes["cancelled first"]++
		default:
			t.Errorf("completing a timer a transition cancels meanwhile returns nil or ErrNotFound, got %v", completeErr)
		}
	})
	t.Logf("outcomes: %v", outcomes)
	for i := range racePairs {
		timers, err := s.ListTimers(ctx, fmt.Sprintf("case-%04d", i))
		must(t, err, "ListTimers")
		if len(timers) != 0 {
			t.Fatalf("a completed or cancelled timer is gone: %+v", timers)
		}
	}
}

func testMarkRacesReclaim(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	msgs := make([]adapters.Message, racePairs)
	for i := range msgs {
		msgs[i] = message(fmt.Sprintf("msg-%04d", i), base)
	}
	must(t, s.EnqueueMessages(ctx, msgs), "EnqueueMessages")
	claimed := 0
	for claimed < racePairs {
		got, err := s.ClaimMessages(ctx, adapters.ClaimParams{Owner: "w1", Limit: adapters.MaxClaim, Now: base, Lease: time.Second})
		must(t, err, "ClaimMessages")
		if len(got) == 0 {
			t.Fatalf("every message is claimed: %d of %d", claimed, racePairs)
		}
		claimed += len(got)
	}
	// w1's leases have expired when w2 claims each message again, while
	// w1 marks it sent.
	later := base.Add(time.Minute)
	var mu sync.Mutex
	inPairs(racePairs, func(i int) {
		id := fmt.Sprintf("msg-%04d", i)
		var markErr, claimErr error
		var reclaimed []adapters.Message
		together(
			func() {
				markErr = s.MarkMessage(ctx, adapters.MarkParams{ID: id, Owner: "w1", Status: adapters.MessageSent, At: later})
			},
			func() {
				// Claims take the oldest due messages first, so each pair
				// claims everything due and keeps its own message.
				var got []adapters.Message
				got, claimErr = s.ClaimMessages(ctx, adapters.ClaimParams{Owner: "w2-" + id, Limit: adapters.MaxClaim, Now: later, Lease: time.Hour})
				reclaimed = slices.DeleteFunc(got, func(m adapters.Message) bool { return m.ID != id })
			},
		)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case claimErr != nil:
			t.Errorf("the reclaim of %s: %v", id, claimErr)
		case markErr == nil && len(reclaimed) != 0:
			t.Errorf("a message marked sent by its lease owner is not claimed again: %s", id)
		case markErr != nil && !errors.Is(markErr, adapters.ErrConflict):
			t.Errorf("marking a message claimed again meanwhile returns nil or ErrConflict, got %v", markErr)
		case markErr != nil && len(reclaimed) == 0:
			m, err := s.GetMessage(ctx, id)
			if err != nil || m.LeaseOwner == "w1" || m.Status != adapters.MessagePending {
				t.Errorf("a mark refused with ErrConflict means another owner holds the message: %+v, %v", m, err)
			}
		}
	})
}

func testListWhileWriting(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	const n = 300
	ids := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("case-%04d", i)
		p := newCase(ids[i], base.Add(time.Duration(i)*time.Millisecond))
		p.Case.Due = base.Add(time.Duration(i) * time.Second)
		_, err := s.CreateCase(ctx, p)
		must(t, err, "CreateCase")
	}
	// movers change their due time; every other case keeps both sort keys.
	mover := func(i int) bool { return i%5 == 0 }
	// Each writer owns the cases of its parity, so it knows their versions.
	versions := make([]int64, n)
	for i := range versions {
		versions[i] = 1
	}
	for _, order := range []adapters.Order{adapters.OrderOpened, adapters.OrderDue} {
		t.Run(string(order), func(t *testing.T) {
			stop, writing := make(chan struct{}), make(chan struct{})
			var once sync.Once
			var wg sync.WaitGroup
			for w := range 2 {
				wg.Go(func() {
					for k := w; ; k += 2 {
						select {
						case <-stop:
							return
						default:
						}
						i := (k * 37) % n // of k's parity, as n is even
						tp := flip(ids[i], versions[i], base.Add(time.Hour))
						versions[i]++
						tp.Messages = nil
						if mover(i) {
							due := base.Add(time.Duration(n-i+k) * time.Second)
							tp.Update.Due = &due
						}
						if _, err := s.ApplyTransition(ctx, tp); err != nil {
							t.Errorf("a writer's transition: %v", err)
							once.Do(func() { close(writing) })
							return
						}
						once.Do(func() { close(writing) })
						// New cases arrive in the middle of the listing.
						if k%10 == 0 {
							p := newCase(fmt.Sprintf("new-%s-%d", order, k), base.Add(time.Duration(k%n)*time.Millisecond))
							p.Case.Due = base.Add(time.Duration(k%n) * time.Second)
							if _, err := s.CreateCase(ctx, p); err != nil {
								t.Errorf("a writer's new case: %v", err)
								return
							}
						}
					}
				})
			}
			<-writing
			seen := map[string]int{}
			q := adapters.CaseQuery{Order: order, Limit: 7}
			for pages := 0; ; pages++ {
				if pages > 10*n {
					t.Fatal("pagination never ends")
				}
				page, err := s.ListCases(ctx, q)
				must(t, err, "ListCases")
				for _, c := range page.Cases {
					seen[c.ID]++
				}
				if page.NextCursor == "" {
					break
				}
				q.Cursor = page.NextCursor
			}
			close(stop)
			wg.Wait()
			for i, id := range ids {
				if !mover(i) && seen[id] != 1 {
					t.Errorf("order %s: case %s kept its sort key while others moved, and is listed %d times, want once", order, id, seen[id])
				}
			}
		})
	}
}

func testUnavailable(t *testing.T, open Opener, makeUnavailable func(*testing.T, adapters.Store) func()) {
	s, ctx := open(t), ctxFor(t)
	_, err := s.CreateCase(ctx, newCase("case-1", base))
	must(t, err, "CreateCase")
	before := take(t, s, "case-1")
	restore := makeUnavailable(t, s)
	_, err = s.ApplyTransition(ctx, flip("case-1", 1, base))
	wantErr(t, err, adapters.ErrUnavailable, "a transition the back end refuses")
	_, err = s.CreateCase(ctx, newCase("case-2", base))
	wantErr(t, err, adapters.ErrUnavailable, "a new case the back end refuses")
	restore()
	sameSnapshot(t, take(t, s, "case-1"), before, "a refused write writes nothing")
	if _, err := s.GetCase(ctx, "case-2"); !errors.Is(err, adapters.ErrNotFound) {
		t.Errorf("a refused CreateCase writes no case: got %v", err)
	}
	_, err = s.ApplyTransition(ctx, flip("case-1", 1, base))
	must(t, err, "the retry once the back end serves again")
}
