package adaptertest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
)

var outboxClauses = []clause{
	{"EnqueuedMessagesRoundTripAsPending", testEnqueue},
	{"EnqueueDuplicateReturnsErrDuplicateAndWritesNothing", testEnqueueDuplicate},
	{"ClaimTakesOnlyDueUnleasedPendingMessages", testClaimDue},
	{"ConcurrentClaimersClaimEachMessageOnceWhileLeased", testConcurrentClaims},
	{"MarkRecordsOutcomeAndClearsLease", testMark},
	{"MarkByAnotherOwnerReturnsErrConflict", testMarkOtherOwner},
}

func claim(t *testing.T, s adapters.Store, owner string, limit int, now time.Time) []adapters.Message {
	t.Helper()
	got, err := s.ClaimMessages(ctxFor(t), adapters.ClaimParams{Owner: owner, Limit: limit, Now: now, Lease: time.Minute})
	must(t, err, "ClaimMessages")
	return got
}

func ids(msgs []adapters.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return out
}

func testEnqueue(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	m := message("msg-1", base)
	m.NextAttemptAt = base.Add(time.Second)
	must(t, s.EnqueueMessages(ctx, []adapters.Message{m, message("msg-2", base)}), "EnqueueMessages")
	got, err := s.GetMessage(ctx, "msg-1")
	must(t, err, "GetMessage")
	m.Status = adapters.MessagePending
	checkMessage(t, got, m, "an enqueued message round-trips as pending")
}

func testEnqueueDuplicate(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	must(t, s.EnqueueMessages(ctx, []adapters.Message{message("msg-1", base)}), "EnqueueMessages")
	dupKey := message("msg-3", base)
	dupKey.IdempotencyKey = "key-msg-1"
	err := s.EnqueueMessages(ctx, []adapters.Message{message("msg-2", base), dupKey})
	wantErr(t, err, adapters.ErrDuplicate, "an idempotency key already used")
	err = s.EnqueueMessages(ctx, []adapters.Message{message("msg-1", base)})
	wantErr(t, err, adapters.ErrDuplicate, "a message id already used")
	_, err = s.GetMessage(ctx, "msg-2")
	wantErr(t, err, adapters.ErrNotFound, "a failed enqueue writes none of its messages")
}

func testClaimDue(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	later := message("later", base)
	later.NextAttemptAt = base.Add(time.Hour)
	sent := message("sent", base)
	must(t, s.EnqueueMessages(ctx, []adapters.Message{message("first", base), message("second", base.Add(time.Second)), later, sent}), "EnqueueMessages")
	got := claim(t, s, "w1", 1, base)
	if len(got) != 1 || got[0].ID != "first" {
		t.Fatalf("claims take the oldest due message first and respect Limit: got %v", ids(got))
	}
	got = claim(t, s, "w1", 10, base.Add(2*time.Second))
	if fmt.Sprint(ids(got)) != "[second sent]" {
		t.Fatalf("claims skip leased and not-yet-due messages: got %v", ids(got))
	}
	must(t, s.MarkMessage(ctx, adapters.MarkParams{ID: "sent", Owner: "w1", Status: adapters.MessageSent, At: base}), "MarkMessage")
	got = claim(t, s, "w2", 10, base.Add(2*time.Hour))
	if fmt.Sprint(ids(got)) != "[first second later]" {
		t.Fatalf("expired leases are claimable again, sent messages never: got %v", ids(got))
	}
	for _, m := range got {
		sameString(t, m.LeaseOwner, "w2", "a claim sets the lease owner")
		sameTime(t, m.LeaseExpiresAt, base.Add(2*time.Hour+time.Minute), "a claim leases until Now+Lease")
	}
	sameInt(t, got[0].Attempts, 2, "every claim counts an attempt")
	stored, err := s.GetMessage(ctx, "first")
	must(t, err, "GetMessage")
	sameString(t, stored.LeaseOwner, "w2", "the lease is stored")
}

func testConcurrentClaims(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	const n, claimers = 1000, 4
	batch := make([]adapters.Message, 0, 100)
	for i := range n {
		batch = append(batch, message(fmt.Sprintf("msg-%04d", i), base.Add(time.Duration(i)*time.Millisecond)))
		if len(batch) == cap(batch) {
			must(t, s.EnqueueMessages(ctx, batch), "EnqueueMessages")
			batch = batch[:0]
		}
	}
	now := base.Add(time.Hour)
	runClaimers := func(now time.Time) map[string]int {
		var mu sync.Mutex
		claimed := map[string]int{}
		var wg sync.WaitGroup
		for w := range claimers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					got, err := s.ClaimMessages(ctx, adapters.ClaimParams{Owner: fmt.Sprintf("w%d", w), Limit: 23, Now: now, Lease: time.Minute})
					if err != nil {
						t.Errorf("ClaimMessages: %v", err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, m := range got {
						claimed[m.ID]++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return claimed
	}
	check := func(claimed map[string]int, rule string) {
		t.Helper()
		if len(claimed) != n {
			t.Fatalf("%s: every message is claimed: got %d of %d", rule, len(claimed), n)
		}
		for id, k := range claimed {
			if k != 1 {
				t.Fatalf("%s: message %s claimed %d times while leased", rule, id, k)
			}
		}
	}
	check(runClaimers(now), "4 claimers over 1000 messages")
	if got := claim(t, s, "late", 10, now.Add(30*time.Second)); len(got) != 0 {
		t.Fatalf("no message is claimable while its lease holds: got %v", ids(got))
	}
	check(runClaimers(now.Add(time.Minute+time.Second)), "after the leases expire")
}

func testMark(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	must(t, s.EnqueueMessages(ctx, []adapters.Message{message("a", base), message("b", base), message("c", base)}), "EnqueueMessages")
	claim(t, s, "w", 3, base)
	at := base.Add(time.Second)
	must(t, s.MarkMessage(ctx, adapters.MarkParams{ID: "a", Owner: "w", Status: adapters.MessageSent, At: at}), "mark sent")
	must(t, s.MarkMessage(ctx, adapters.MarkParams{ID: "b", Owner: "w", Status: adapters.MessagePending, At: at, RetryAt: at.Add(time.Hour), Error: "421 try later"}), "mark retry")
	must(t, s.MarkMessage(ctx, adapters.MarkParams{ID: "c", Owner: "w", Status: adapters.MessageFailed, At: at, Error: "550 no such user"}), "mark failed")

	a, err := s.GetMessage(ctx, "a")
	must(t, err, "GetMessage")
	sameString(t, string(a.Status), "sent", "a sent message is sent")
	sameTime(t, a.SentAt, at, "SentAt is the mark time")
	sameString(t, a.LeaseOwner, "", "marking clears the lease")
	b, err := s.GetMessage(ctx, "b")
	must(t, err, "GetMessage")
	sameString(t, string(b.Status), "pending", "a retried message stays pending")
	sameTime(t, b.NextAttemptAt, at.Add(time.Hour), "a retry sets the next attempt")
	sameString(t, b.LastError, "421 try later", "the attempt's error is kept")
	c, err := s.GetMessage(ctx, "c")
	must(t, err, "GetMessage")
	sameString(t, string(c.Status), "failed", "a failed message is failed")

	if got := claim(t, s, "w", 10, at.Add(time.Minute)); len(got) != 0 {
		t.Fatalf("sent, failed and not-yet-due messages are not claimed: %v", ids(got))
	}
	if got := claim(t, s, "w", 10, at.Add(time.Hour)); len(got) != 1 || got[0].ID != "b" || got[0].Attempts != 2 {
		t.Fatalf("a retried message is claimed again when due: %+v", got)
	}
	err = s.MarkMessage(ctx, adapters.MarkParams{ID: "a", Owner: "w", Status: adapters.MessageSent, At: at})
	wantErr(t, err, adapters.ErrConflict, "marking a message that is no longer leased")
	err = s.MarkMessage(ctx, adapters.MarkParams{ID: "zzz", Owner: "w", Status: adapters.MessageSent, At: at})
	wantErr(t, err, adapters.ErrNotFound, "marking a missing message")
}

func testMarkOtherOwner(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	must(t, s.EnqueueMessages(ctx, []adapters.Message{message("a", base)}), "EnqueueMessages")
	claim(t, s, "w1", 1, base)
	claim(t, s, "w2", 1, base.Add(2*time.Minute)) // w1's lease expired
	err := s.MarkMessage(ctx, adapters.MarkParams{ID: "a", Owner: "w1", Status: adapters.MessageSent, At: base})
	wantErr(t, err, adapters.ErrConflict, "the owner of an expired, reclaimed lease cannot mark")
	a, err := s.GetMessage(ctx, "a")
	must(t, err, "GetMessage")
	sameString(t, string(a.Status), "pending", "a refused mark changes nothing")
	sameString(t, a.LeaseOwner, "w2", "a refused mark keeps the new lease")
}
