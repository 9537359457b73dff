package adaptertest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
)

var deliveryClauses = []clause{
	{"MarkKeepsProviderIDChannelAndAddress", testMarkDeliveryFields},
	{"DeliveredAndDeadMessagesAreNeverClaimedAgain", testFinalStatuses},
	{"DeliveryStateDerivesSendingAndFailedTemporary", testDeliveryState},
	{"ReleaseTakesBackTheClaimsAttempt", testRelease},
	{"MarkMessagesRecordsEachMarkAndReportsErrorsPerMark", testMarkMessages},
	{"MarkMessagesIsAllOrNothingForTheCall", testMarkMessagesTooMany},
	{"ReceiptsMoveSentMessagesToDeliveredOrFailed", testReceipts},
	{"ReceiptForUnknownProviderIDReturnsErrNotFound", testReceiptUnknown},
}

func testMarkDeliveryFields(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	must(t, s.EnqueueMessages(ctx, []adapters.Message{message("a", base), message("b", base)}), "EnqueueMessages")
	claim(t, s, "w", 2, base)
	at := base.Add(time.Second)
	must(t, s.MarkMessage(ctx, adapters.MarkParams{ID: "a", Owner: "w", Status: adapters.MessageSent, At: at,
		ProviderID: "SM123", Via: "sms", Address: "+15551234567"}), "mark sent")
	must(t, s.MarkMessage(ctx, adapters.MarkParams{ID: "b", Owner: "w", Status: adapters.MessagePending, At: at,
		RetryAt: at.Add(time.Minute), Error: "timeout", Via: "email", Address: "resident@example.org"}), "mark retry")
	a, err := s.GetMessage(ctx, "a")
	must(t, err, "GetMessage")
	want := message("a", base)
	want.Status, want.Attempts, want.SentAt = adapters.MessageSent, 1, at
	want.ProviderID, want.Via, want.Address = "SM123", "sms", "+15551234567"
	checkMessage(t, a, want, "a sent message keeps the provider's id, the channel used and the address")
	b, err := s.GetMessage(ctx, "b")
	must(t, err, "GetMessage")
	sameString(t, b.Via, "email", "a retried message keeps the channel its attempt used")
	sameString(t, b.Address, "resident@example.org", "a retried message keeps the address its attempt used")
	sameString(t, b.ProviderID, "", "a retried message has no provider id")
}

func testFinalStatuses(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	must(t, s.EnqueueMessages(ctx, []adapters.Message{message("delivered", base), message("dead", base)}), "EnqueueMessages")
	claim(t, s, "w", 2, base)
	at := base.Add(time.Second)
	must(t, s.MarkMessage(ctx, adapters.MarkParams{ID: "delivered", Owner: "w", Status: adapters.MessageDelivered, At: at, Via: "email"}), "mark delivered")
	must(t, s.MarkMessage(ctx, adapters.MarkParams{ID: "dead", Owner: "w", Status: adapters.MessageDead, At: at, Error: "8 attempts: timeout"}), "mark dead")
	d, err := s.GetMessage(ctx, "delivered")
	must(t, err, "GetMessage")
	sameString(t, string(d.Status), "delivered", "a delivered message is delivered")
	sameTime(t, d.SentAt, at, "a delivered message's SentAt is the mark time")
	x, err := s.GetMessage(ctx, "dead")
	must(t, err, "GetMessage")
	sameString(t, string(x.Status), "dead", "a dead message is dead")
	sameString(t, x.LastError, "8 attempts: timeout", "a dead message keeps its last error")
	if got := claim(t, s, "w2", 10, base.Add(24*time.Hour)); len(got) != 0 {
		t.Fatalf("delivered and dead messages are never claimed again: got %v", ids(got))
	}
	err = s.MarkMessage(ctx, adapters.MarkParams{ID: "dead", Owner: "w", Status: adapters.MessageSent, At: at})
	wantErr(t, err, adapters.ErrConflict, "a dead message cannot be marked again")
}

func testDeliveryState(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	must(t, s.EnqueueMessages(ctx, []adapters.Message{message("a", base)}), "EnqueueMessages")
	get := func() adapters.Message {
		m, err := s.GetMessage(ctx, "a")
		must(t, err, "GetMessage")
		return m
	}
	sameString(t, string(get().DeliveryState(base)), "queued", "a new message is queued")
	claim(t, s, "w", 1, base)
	sameString(t, string(get().DeliveryState(base)), "sending", "a leased message is sending")
	sameString(t, string(get().DeliveryState(base.Add(time.Hour))), "queued", "a message whose lease expired is queued again")
	must(t, s.MarkMessage(ctx, adapters.MarkParams{ID: "a", Owner: "w", Status: adapters.MessagePending, At: base, RetryAt: base.Add(time.Minute), Error: "421"}), "mark retry")
	sameString(t, string(get().DeliveryState(base)), "failed-temporary", "a message retried after an error failed temporarily")
	claim(t, s, "w", 1, base.Add(time.Minute))
	must(t, s.MarkMessage(ctx, adapters.MarkParams{ID: "a", Owner: "w", Status: adapters.MessageFailed, At: base, Error: "550"}), "mark failed")
	sameString(t, string(get().DeliveryState(base)), "failed-permanent", "a failed message failed permanently")
}

func testMarkMessages(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	b, ok := s.(adapters.OutboxBatch)
	if !ok {
		t.Skip("the store does not implement adapters.OutboxBatch")
	}
	must(t, s.EnqueueMessages(ctx, []adapters.Message{message("a", base), message("b", base), message("c", base), message("other", base)}), "EnqueueMessages")
	claim(t, s, "w", 3, base)
	claim(t, s, "x", 1, base)
	at := base.Add(time.Second)
	marks := []adapters.MarkParams{
		{ID: "a", Owner: "w", Status: adapters.MessageSent, At: at, ProviderID: "p-a", Via: "email", Address: "resident@example.org"},
		{ID: "other", Owner: "w", Status: adapters.MessageSent, At: at},
		{ID: "missing", Owner: "w", Status: adapters.MessageSent, At: at},
		{ID: "b", Owner: "w", Status: adapters.MessagePending, At: at, RetryAt: at.Add(time.Hour), Error: "421"},
		{ID: "b", Owner: "w", Status: adapters.MessageSent, At: at},
		{ID: "c", Owner: "w", Status: "bogus", At: at},
	}
	errs, err := b.MarkMessages(ctx, marks)
	must(t, err, "MarkMessages")
	if len(errs) != len(marks) {
		t.Fatalf("MarkMessages returns one error per mark: got %d for %d", len(errs), len(marks))
	}
	for i, want := range []error{nil, adapters.ErrConflict, adapters.ErrNotFound, nil, adapters.ErrInvalidArgument, adapters.ErrInvalidArgument} {
		if want == nil && errs[i] != nil {
			t.Errorf("mark %d (%s) is recorded: unexpected error %v", i, marks[i].ID, errs[i])
		}
		if want != nil && !errors.Is(errs[i], want) {
			t.Errorf("mark %d (%s) reports its own error: want %v, got %v", i, marks[i].ID, want, errs[i])
		}
	}
	got, err := s.GetMessage(ctx, "a")
	must(t, err, "GetMessage")
	sameString(t, string(got.Status), "sent", "a batch records a valid mark beside failing ones")
	sameString(t, got.ProviderID, "p-a", "a batch keeps the provider id")
	sameString(t, got.Via, "email", "a batch keeps the channel used")
	sameTime(t, got.SentAt, at, "a batch sets SentAt")
	got, err = s.GetMessage(ctx, "b")
	must(t, err, "GetMessage")
	sameString(t, string(got.Status), "pending", "the first mark of a repeated id counts")
	sameTime(t, got.NextAttemptAt, at.Add(time.Hour), "a batch sets the next attempt")
	sameString(t, got.LastError, "421", "a batch keeps the error")
	got, err = s.GetMessage(ctx, "other")
	must(t, err, "GetMessage")
	sameString(t, got.LeaseOwner, "x", "a refused mark in a batch changes nothing")
	got, err = s.GetMessage(ctx, "c")
	must(t, err, "GetMessage")
	sameString(t, got.LeaseOwner, "w", "an invalid mark in a batch changes nothing")

	const n = 250
	var msgs []adapters.Message
	for i := range n {
		msgs = append(msgs, message(fmt.Sprintf("bulk-%03d", i), base))
	}
	must(t, s.EnqueueMessages(ctx, msgs), "EnqueueMessages")
	claimed := claim(t, s, "bulk", n, base.Add(2*time.Hour))
	marks = marks[:0]
	for _, m := range claimed {
		marks = append(marks, adapters.MarkParams{ID: m.ID, Owner: "bulk", Status: adapters.MessageSent, At: at, ProviderID: "p-" + m.ID, Via: "email"})
	}
	errs, err = b.MarkMessages(ctx, marks)
	must(t, err, "MarkMessages of a large batch")
	for i, e := range errs {
		if e != nil {
			t.Fatalf("every mark of a large batch is recorded: mark %d: %v", i, e)
		}
	}
	for _, m := range claimed {
		got, err := s.GetMessage(ctx, m.ID)
		must(t, err, "GetMessage")
		if got.Status != adapters.MessageSent || got.ProviderID != "p-"+m.ID {
			t.Fatalf("every mark of a large batch is recorded: %s is %s with provider id %q", m.ID, got.Status, got.ProviderID)
		}
	}
}

func testMarkMessagesTooMany(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	b, ok := s.(adapters.OutboxBatch)
	if !ok {
		t.Skip("the store does not implement adapters.OutboxBatch")
	}
	must(t, s.EnqueueMessages(ctx, []adapters.Message{message("a", base)}), "EnqueueMessages")
	claim(t, s, "w", 1, base)
	marks := make([]adapters.MarkParams, adapters.MaxClaim+1)
	for i := range marks {
		marks[i] = adapters.MarkParams{ID: fmt.Sprintf("m-%d", i), Owner: "w", Status: adapters.MessageSent, At: base}
	}
	marks[0].ID = "a"
	_, err := b.MarkMessages(ctx, marks)
	wantErr(t, err, adapters.ErrInvalidArgument, "more than MaxClaim marks")
	got, err := s.GetMessage(ctx, "a")
	must(t, err, "GetMessage")
	sameString(t, string(got.Status), "pending", "a refused batch records nothing")
	errs, err := b.MarkMessages(ctx, nil)
	must(t, err, "an empty batch")
	sameInt(t, len(errs), 0, "an empty batch has no errors")
}

func testReceipts(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	rs, ok := s.(adapters.DeliveryReceipts)
	if !ok {
		t.Skip("the store does not implement adapters.DeliveryReceipts")
	}
	must(t, s.EnqueueMessages(ctx, []adapters.Message{message("ok", base), message("bounced", base), message("pending", base)}), "EnqueueMessages")
	claim(t, s, "w", 3, base)
	for _, id := range []string{"ok", "bounced"} {
		must(t, s.MarkMessage(ctx, adapters.MarkParams{ID: id, Owner: "w", Status: adapters.MessageSent, At: base, ProviderID: "p-" + id, Via: "sms", Address: "+15551234567"}), "mark sent")
	}
	must(t, rs.RecordReceipt(ctx, adapters.Receipt{Channel: "sms", ProviderID: "p-ok", Delivered: true, At: base}), "RecordReceipt delivered")
	must(t, rs.RecordReceipt(ctx, adapters.Receipt{Channel: "sms", ProviderID: "p-bounced", Permanent: true, Error: "30003 unreachable", At: base}), "RecordReceipt failed")
	ok1, err := s.GetMessage(ctx, "ok")
	must(t, err, "GetMessage")
	sameString(t, string(ok1.Status), "delivered", "a delivery receipt makes a sent message delivered")
	b, err := s.GetMessage(ctx, "bounced")
	must(t, err, "GetMessage")
	sameString(t, string(b.Status), "failed", "a failure receipt makes a sent message failed")
	sameString(t, b.LastError, "30003 unreachable", "a failure receipt keeps the provider's error")

	must(t, rs.RecordReceipt(ctx, adapters.Receipt{Channel: "sms", ProviderID: "p-ok", Error: "late failure", At: base}), "a late failure receipt")
	ok1, err = s.GetMessage(ctx, "ok")
	must(t, err, "GetMessage")
	sameString(t, string(ok1.Status), "delivered", "receipts only move a sent message: a delivered one stays delivered")
	must(t, rs.RecordReceipt(ctx, adapters.Receipt{Channel: "sms", ProviderID: "p-ok", Delivered: true, At: base}), "a repeated receipt is accepted")
	err = rs.RecordReceipt(ctx, adapters.Receipt{Channel: "email", ProviderID: "p-ok", Delivered: true, At: base})
	wantErr(t, err, adapters.ErrNotFound, "a receipt is matched by channel and provider id together")
	err = rs.RecordReceipt(ctx, adapters.Receipt{Channel: "sms", Delivered: true, At: base})
	wantErr(t, err, adapters.ErrInvalidArgument, "a receipt without a provider id")
}

func testReceiptUnknown(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	rs, ok := s.(adapters.DeliveryReceipts)
	if !ok {
		t.Skip("the store does not implement adapters.DeliveryReceipts")
	}
	err := rs.RecordReceipt(ctx, adapters.Receipt{Channel: "sms", ProviderID: "nobody", Delivered: true, At: base})
	wantErr(t, err, adapters.ErrNotFound, "a receipt for an unknown provider id")
}

func testRelease(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	must(t, s.EnqueueMessages(ctx, []adapters.Message{message("a", base), message("b", base)}), "EnqueueMessages")
	claim(t, s, "w", 2, base)
	must(t, s.MarkMessage(ctx, adapters.MarkParams{ID: "a", Owner: "w", Status: adapters.MessagePending, At: base, RetryAt: base, Release: true}), "release")
	a, err := s.GetMessage(ctx, "a")
	must(t, err, "GetMessage")
	sameInt(t, a.Attempts, 0, "a released message has its claim's attempt taken back")
	sameString(t, a.LeaseOwner, "", "a released message is not leased")
	releaseB := adapters.MarkParams{ID: "b", Owner: "w", Status: adapters.MessagePending, At: base, RetryAt: base, Release: true}
	if b, ok := s.(adapters.OutboxBatch); ok {
		errs, err := b.MarkMessages(ctx, []adapters.MarkParams{releaseB})
		must(t, err, "MarkMessages release")
		must(t, errs[0], "MarkMessages release of b")
	} else {
		must(t, s.MarkMessage(ctx, releaseB), "release b")
	}
	bm, err := s.GetMessage(ctx, "b")
	must(t, err, "GetMessage")
	sameInt(t, bm.Attempts, 0, "a batch release takes the attempt back too")
	got := claim(t, s, "w2", 2, base)
	if len(got) != 2 || got[0].Attempts != 1 {
		t.Fatalf("released messages are claimable at once, counting one attempt: %+v", got)
	}
	err = s.MarkMessage(ctx, adapters.MarkParams{ID: "a", Owner: "w2", Status: adapters.MessageSent, At: base, Release: true})
	wantErr(t, err, adapters.ErrInvalidArgument, "only a pending mark releases")
}
