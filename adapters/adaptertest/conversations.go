package adaptertest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
)

var conversationClauses = []clause{
	{"SaveWithVersion0CreatesVersion1AndGetReturnsEveryField", testConversationRoundTrip},
	{"SaveWithVersion0OverALiveConversationReturnsErrConflict", testConversationCreateTwice},
	{"SaveWithAStaleVersionReturnsErrConflictAndWritesNothingMessagesIncluded", testConversationStale},
	{"SaveEnqueuesItsMessagesWithSubscriberExpansion", testConversationMessages},
	{"SaveWithAMessageInUseReturnsErrDuplicateAndSavesNoConversation", testConversationMessagesAtomic},
	{"ExpiredConversationIsNotReturnedAndVersion0ReplacesIt", testConversationExpired},
	{"DeleteWithAStaleVersionReturnsErrConflictAndMissingErrNotFound", testConversationDelete},
	{"ListQuietConversationsOrdersLimitsAndSkipsRemindedAndExpired", testQuietConversations},
	{"DeleteExpiredConversationsRemovesAndCountsOnlyExpired", testDeleteExpiredConversations},
	{"InvalidConversationInputReturnsErrInvalidArgument", testConversationInvalid},
	{"ConcurrentSavesOnOneVersionExactlyOneWins", testConversationRace},
}

var heldReplyClauses = []clause{
	{"HoldReplyRoundTripsUnresolved", testHeldReplyRoundTrip},
	{"HoldingAnIDTwiceReturnsErrDuplicateAndChangesNothing", testHeldReplyDuplicate},
	{"ListHeldRepliesPagesWithoutSkipOrRepeatWhileRepliesAreHeld", testHeldReplyPages},
	{"ListHeldRepliesSeparatesResolvedAndFiltersByChannel", testHeldReplyFilters},
	{"ResolveTwiceReturnsErrConflictAndUnknownErrNotFound", testHeldReplyResolve},
	{"InvalidHeldReplyInputReturnsErrInvalidArgument", testHeldReplyInvalid},
}

// conversation is a valid new conversation of an SMS number, started at
// `at`, answered last at `at`, and forgotten a day later.
func conversation(address string, at time.Time) adapters.Conversation {
	return adapters.Conversation{
		Channel: "sms", Address: address, FormID: "pothole-report", FormVersion: 3, Locale: "es",
		State:     json.RawMessage(`{"step":"location","answers":{"kind":"pothole"}}`),
		StartedAt: at, UpdatedAt: at, ExpiresAt: at.Add(24 * time.Hour),
	}
}

func checkConversation(t *testing.T, got, want adapters.Conversation, rule string) {
	t.Helper()
	sameString(t, got.Channel, want.Channel, rule+": Channel")
	sameString(t, got.Address, want.Address, rule+": Address")
	sameString(t, got.FormID, want.FormID, rule+": FormID")
	sameInt(t, got.FormVersion, want.FormVersion, rule+": FormVersion")
	sameString(t, got.Locale, want.Locale, rule+": Locale")
	if string(got.State) != string(want.State) {
		t.Errorf("%s: State is opaque and kept byte for byte: got %s, want %s", rule, got.State, want.State)
	}
	sameInt(t, got.Version, want.Version, rule+": Version")
	sameTime(t, got.StartedAt, want.StartedAt, rule+": StartedAt")
	sameTime(t, got.UpdatedAt, want.UpdatedAt, rule+": UpdatedAt")
	sameTime(t, got.ExpiresAt, want.ExpiresAt, rule+": ExpiresAt")
	sameTime(t, got.RemindedAt, want.RemindedAt, rule+": RemindedAt")
}

// saveConversation saves c with no message and returns it as stored.
func saveConversation(t *testing.T, s adapters.Store, c adapters.Conversation) adapters.Conversation {
	t.Helper()
	out, err := s.SaveConversation(ctxFor(t), c, nil)
	must(t, err, "SaveConversation")
	return out
}

func testConversationRoundTrip(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	c := conversation("+15551230001", base)
	c.RemindedAt = base.Add(time.Minute)
	got, err := s.SaveConversation(ctx, c, nil)
	must(t, err, "SaveConversation with Version 0")
	want := c
	want.Version = 1
	checkConversation(t, got, want, "SaveConversation returns the record as stored, at version 1")
	read, err := s.GetConversation(ctx, "sms", "+15551230001", base)
	must(t, err, "GetConversation")
	checkConversation(t, read, want, "GetConversation returns every field saved")

	next := read
	next.State = json.RawMessage(`{"step":"photo"}`)
	next.UpdatedAt, next.RemindedAt = base.Add(time.Hour), time.Time{}
	got, err = s.SaveConversation(ctx, next, nil)
	must(t, err, "SaveConversation over version 1")
	want = next
	want.Version = 2
	checkConversation(t, got, want, "a save over the stored version adds one to it")
	read, err = s.GetConversation(ctx, "sms", "+15551230001", base.Add(time.Hour))
	must(t, err, "GetConversation")
	checkConversation(t, read, want, "GetConversation returns the last save, RemindedAt cleared")

	_, err = s.GetConversation(ctx, "email", "+15551230001", base)
	wantErr(t, err, adapters.ErrNotFound, "a conversation is kept per channel and address")
	_, err = s.GetConversation(ctx, "sms", "+15551230002", base)
	wantErr(t, err, adapters.ErrNotFound, "an address with no conversation")
}

func testConversationCreateTwice(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	first := saveConversation(t, s, conversation("+15551230001", base))
	again := conversation("+15551230001", base.Add(time.Minute))
	again.FormID = "other-form"
	_, err := s.SaveConversation(ctx, again, []adapters.Message{message("m-again", base)})
	wantErr(t, err, adapters.ErrConflict, "Version 0 means no live conversation is stored")
	read, err := s.GetConversation(ctx, "sms", "+15551230001", base)
	must(t, err, "GetConversation")
	checkConversation(t, read, first, "a refused create leaves the stored conversation")
	_, err = s.GetMessage(ctx, "m-again")
	wantErr(t, err, adapters.ErrNotFound, "a refused create enqueues nothing")
}

func testConversationStale(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	v1 := saveConversation(t, s, conversation("+15551230001", base))
	v2 := v1
	v2.UpdatedAt = base.Add(time.Minute)
	v2 = saveConversation(t, s, v2)

	stale := v1
	stale.State = json.RawMessage(`{"step":"lost"}`)
	stale.UpdatedAt = base.Add(2 * time.Minute)
	_, err := s.SaveConversation(ctx, stale, []adapters.Message{message("m-stale", base)})
	wantErr(t, err, adapters.ErrConflict, "a save over a version no longer stored")
	ahead := v2
	ahead.Version = 7
	_, err = s.SaveConversation(ctx, ahead, nil)
	wantErr(t, err, adapters.ErrConflict, "a save over a version never stored")
	missing := conversation("+15551230002", base)
	missing.Version = 1
	_, err = s.SaveConversation(ctx, missing, nil)
	wantErr(t, err, adapters.ErrConflict, "a save over a version when none is stored")

	read, err := s.GetConversation(ctx, "sms", "+15551230001", base)
	must(t, err, "GetConversation")
	checkConversation(t, read, v2, "a conflicting save writes nothing")
	_, err = s.GetMessage(ctx, "m-stale")
	wantErr(t, err, adapters.ErrNotFound, "a conflicting save enqueues none of its messages")
	_, err = s.GetConversation(ctx, "sms", "+15551230002", base)
	wantErr(t, err, adapters.ErrNotFound, "a conflicting save creates nothing")
}

func testConversationMessages(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	subscribe(t, s, potholes, base, "resident-1", "resident-2")
	direct, toTopic := message("m-direct", base), addressed("m-topic", potholes, base)
	direct.NextAttemptAt = base.Add(time.Minute)
	c, err := s.SaveConversation(ctx, conversation("+15551230001", base), []adapters.Message{direct, toTopic})
	must(t, err, "SaveConversation with messages")
	sameInt(t, c.Version, 1, "the save with messages stores the conversation")
	got, err := s.GetMessage(ctx, "m-direct")
	must(t, err, "GetMessage of a message saved with the conversation")
	want := direct
	want.Status = adapters.MessagePending
	checkMessage(t, got, want, "a message saved with a conversation is enqueued as EnqueueMessages does")
	checkExpanded(t, s, toTopic, "", []string{"resident-1", "resident-2"}, "SaveConversation expands a message to subscribers")
}

func testConversationMessagesAtomic(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	must(t, s.EnqueueMessages(ctx, []adapters.Message{message("m-used", base)}), "EnqueueMessages")
	_, err := s.SaveConversation(ctx, conversation("+15551230001", base), []adapters.Message{message("m-new", base), message("m-used", base)})
	wantErr(t, err, adapters.ErrDuplicate, "a message id already in use")
	_, err = s.GetConversation(ctx, "sms", "+15551230001", base)
	wantErr(t, err, adapters.ErrNotFound, "a save whose messages fail creates no conversation")
	_, err = s.GetMessage(ctx, "m-new")
	wantErr(t, err, adapters.ErrNotFound, "a save whose messages fail enqueues none of them")

	v1 := saveConversation(t, s, conversation("+15551230001", base))
	next := v1
	next.UpdatedAt = base.Add(time.Minute)
	next.State = json.RawMessage(`{"step":"never"}`)
	key := message("m-key", base)
	key.IdempotencyKey = "key-m-used"
	_, err = s.SaveConversation(ctx, next, []adapters.Message{key})
	wantErr(t, err, adapters.ErrDuplicate, "an idempotency key already in use")
	read, err := s.GetConversation(ctx, "sms", "+15551230001", base)
	must(t, err, "GetConversation")
	checkConversation(t, read, v1, "a save whose messages fail leaves the stored version")
}

func testConversationExpired(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	old := saveConversation(t, s, conversation("+15551230001", base))
	_, err := s.GetConversation(ctx, "sms", "+15551230001", old.ExpiresAt.Add(-time.Microsecond))
	must(t, err, "a conversation is live until its expiry")
	_, err = s.GetConversation(ctx, "sms", "+15551230001", old.ExpiresAt)
	wantErr(t, err, adapters.ErrNotFound, "a conversation expired at now (ExpiresAt <= now)")

	early := conversation("+15551230001", old.ExpiresAt.Add(-time.Second))
	_, err = s.SaveConversation(ctx, early, nil)
	wantErr(t, err, adapters.ErrConflict, "Version 0 replaces a conversation only once it expired at UpdatedAt")
	fresh := conversation("+15551230001", old.ExpiresAt)
	fresh.FormID = "noise-complaint"
	got, err := s.SaveConversation(ctx, fresh, nil)
	must(t, err, "SaveConversation with Version 0 over an expired conversation")
	want := fresh
	want.Version = 1
	checkConversation(t, got, want, "a new conversation replaces an expired one")
	read, err := s.GetConversation(ctx, "sms", "+15551230001", old.ExpiresAt)
	must(t, err, "GetConversation")
	checkConversation(t, read, want, "the new conversation is the one stored")
}

func testConversationDelete(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	v1 := saveConversation(t, s, conversation("+15551230001", base))
	next := v1
	next.UpdatedAt = base.Add(time.Minute)
	v2 := saveConversation(t, s, next)
	err := s.DeleteConversation(ctx, "sms", "+15551230001", v1.Version)
	wantErr(t, err, adapters.ErrConflict, "a delete with a stale version")
	read, err := s.GetConversation(ctx, "sms", "+15551230001", base)
	must(t, err, "a delete with a stale version leaves the conversation")
	checkConversation(t, read, v2, "a refused delete changes nothing")
	must(t, s.DeleteConversation(ctx, "sms", "+15551230001", v2.Version), "DeleteConversation at the stored version")
	_, err = s.GetConversation(ctx, "sms", "+15551230001", base)
	wantErr(t, err, adapters.ErrNotFound, "a deleted conversation is gone")
	err = s.DeleteConversation(ctx, "sms", "+15551230001", v2.Version)
	wantErr(t, err, adapters.ErrNotFound, "a delete when none is stored")
	_, err = s.SaveConversation(ctx, conversation("+15551230001", base), nil)
	must(t, err, "after a delete, Version 0 creates again")
}

func addresses(cs []adapters.Conversation) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Address
	}
	return out
}

func testQuietConversations(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	// Answered at base + i minutes: 5 and 6 were answered at the same
	// time, so channel and address order them.
	answered := map[string]time.Duration{"+1555000001": 3, "+1555000002": 1, "+1555000003": 2, "+1555000006": 4, "+1555000005": 4}
	for addr, m := range answered {
		saveConversation(t, s, conversation(addr, base.Add(m*time.Minute)))
	}
	reminded := conversation("+1555000007", base)
	reminded.RemindedAt = base.Add(time.Minute)
	saveConversation(t, s, reminded)
	expiring := conversation("+1555000008", base)
	expiring.ExpiresAt = base.Add(30 * time.Minute)
	saveConversation(t, s, expiring)
	saveConversation(t, s, conversation("+1555000009", base.Add(10*time.Minute))) // answered too recently

	now := base.Add(30 * time.Minute)
	got, err := s.ListQuietConversations(ctx, base.Add(5*time.Minute), now, 10)
	must(t, err, "ListQuietConversations")
	sameStrings(t, addresses(got), []string{"+1555000002", "+1555000003", "+1555000001", "+1555000005", "+1555000006"},
		"quiet conversations come oldest UpdatedAt first (then address), without reminded, expired or recent ones")
	if len(got) > 0 {
		want := conversation("+1555000002", base.Add(time.Minute))
		want.Version = 1
		checkConversation(t, got[0], want, "a listed conversation carries every field")
	}
	got, err = s.ListQuietConversations(ctx, base.Add(5*time.Minute), now, 2)
	must(t, err, "ListQuietConversations with a limit")
	sameStrings(t, addresses(got), []string{"+1555000002", "+1555000003"}, "the limit keeps the oldest")
	got, err = s.ListQuietConversations(ctx, base.Add(3*time.Minute), now, 10)
	must(t, err, "ListQuietConversations")
	sameStrings(t, addresses(got), []string{"+1555000002", "+1555000003"}, "only conversations answered strictly before `before`")
	got, err = s.ListQuietConversations(ctx, base.Add(5*time.Minute), base.Add(29*time.Minute), 10)
	must(t, err, "ListQuietConversations")
	if len(got) == 0 || got[0].Address != "+1555000008" {
		t.Errorf("a conversation not yet expired at now is quiet: got %q", addresses(got))
	}
}

func testDeleteExpiredConversations(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	for i := range 5 {
		c := conversation(fmt.Sprintf("+155500000%d", i), base)
		c.ExpiresAt = base.Add(time.Duration(i) * time.Hour)
		saveConversation(t, s, c)
	}
	n, err := s.DeleteExpiredConversations(ctx, base.Add(2*time.Hour))
	must(t, err, "DeleteExpiredConversations")
	sameInt(t, n, 3, "DeleteExpiredConversations counts those expired at now (ExpiresAt <= now)")
	for i := range 5 {
		_, err := s.GetConversation(ctx, "sms", fmt.Sprintf("+155500000%d", i), base)
		if i <= 2 {
			wantErr(t, err, adapters.ErrNotFound, "an expired conversation is deleted")
		} else {
			must(t, err, "a conversation not expired is kept")
		}
	}
	n, err = s.DeleteExpiredConversations(ctx, base.Add(2*time.Hour))
	must(t, err, "DeleteExpiredConversations again")
	sameInt(t, n, 0, "a second purge at the same time finds nothing")
	_, err = s.DeleteExpiredConversations(ctx, time.Time{})
	wantErr(t, err, adapters.ErrInvalidArgument, "a zero time is a caller's bug")
}

func testConversationInvalid(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	for _, tt := range []struct {
		name   string
		change func(c *adapters.Conversation)
	}{
		{"no channel", func(c *adapters.Conversation) { c.Channel = "" }},
		{"channel too long", func(c *adapters.Conversation) { c.Channel = strings.Repeat("s", adapters.MaxChannelLen+1) }},
		{"no address", func(c *adapters.Conversation) { c.Address = "" }},
		{"address too long", func(c *adapters.Conversation) { c.Address = strings.Repeat("1", adapters.MaxAddressLen+1) }},
		{"no form id", func(c *adapters.Conversation) { c.FormID = "" }},
		{"form id too long", func(c *adapters.Conversation) { c.FormID = strings.Repeat("f", adapters.MaxFormIDLen+1) }},
		{"negative form version", func(c *adapters.Conversation) { c.FormVersion = -1 }},
		{"locale too long", func(c *adapters.Conversation) { c.Locale = strings.Repeat("e", adapters.MaxLocaleLen+1) }},
		{"state not JSON", func(c *adapters.Conversation) { c.State = json.RawMessage(`{"step":`) }},
		{"state too large", func(c *adapters.Conversation) {
			c.State = json.RawMessage(`"` + strings.Repeat("x", adapters.MaxConversationState) + `"`)
		}},
		{"negative version", func(c *adapters.Conversation) { c.Version = -1 }},
		{"no expiry", func(c *adapters.Conversation) { c.ExpiresAt = time.Time{} }},
		{"no update time", func(c *adapters.Conversation) { c.UpdatedAt = time.Time{} }},
	} {
		c := conversation("+15551230001", base)
		tt.change(&c)
		_, err := s.SaveConversation(ctx, c, nil)
		wantErr(t, err, adapters.ErrInvalidArgument, "SaveConversation with "+tt.name)
	}
	bad := message("m-bad", base)
	bad.IdempotencyKey = ""
	_, err := s.SaveConversation(ctx, conversation("+15551230001", base), []adapters.Message{bad})
	wantErr(t, err, adapters.ErrInvalidArgument, "SaveConversation with a message EnqueueMessages refuses")
	_, err = s.GetConversation(ctx, "sms", "+15551230001", base)
	wantErr(t, err, adapters.ErrNotFound, "a refused save writes nothing")

	_, err = s.GetConversation(ctx, "", "+15551230001", base)
	wantErr(t, err, adapters.ErrInvalidArgument, "GetConversation without a channel")
	_, err = s.GetConversation(ctx, "sms", strings.Repeat("1", adapters.MaxAddressLen+1), base)
	wantErr(t, err, adapters.ErrInvalidArgument, "GetConversation with an address too long")
	err = s.DeleteConversation(ctx, "sms", "+15551230001", 0)
	wantErr(t, err, adapters.ErrInvalidArgument, "DeleteConversation of version 0, never stored")
	err = s.DeleteConversation(ctx, "sms", "", 1)
	wantErr(t, err, adapters.ErrInvalidArgument, "DeleteConversation without an address")
	for _, limit := range []int{0, -1, adapters.MaxClaim + 1} {
		_, err = s.ListQuietConversations(ctx, base, base, limit)
		wantErr(t, err, adapters.ErrInvalidArgument, fmt.Sprintf("ListQuietConversations with limit %d", limit))
	}
	_, err = s.ListQuietConversations(ctx, time.Time{}, base, 10)
	wantErr(t, err, adapters.ErrInvalidArgument, "ListQuietConversations with a zero `before`")
	_, err = s.ListQuietConversations(ctx, base, time.Time{}, 10)
	wantErr(t, err, adapters.ErrInvalidArgument, "ListQuietConversations with a zero now")
}

// conversationRacers is how many savers race for one version.
const conversationRacers = 32

func testConversationRace(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	// Round 0 races creates (Version 0); the others race saves over the
	// version the last winner stored.
	var current adapters.Conversation
	for round := range 4 {
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			winners []adapters.Conversation
			others  []error
		)
		start := make(chan struct{})
		for i := range conversationRacers {
			c := conversation("+15551230001", base.Add(time.Duration(round)*time.Minute))
			if round > 0 {
				c = current
				c.UpdatedAt = base.Add(time.Duration(round) * time.Minute)
			}
			c.State = json.RawMessage(fmt.Sprintf(`{"round":%d,"saver":%d}`, round, i))
			msg := message(fmt.Sprintf("m-%d-%d", round, i), base)
			wg.Go(func() {
				<-start
				got, err := s.SaveConversation(ctx, c, []adapters.Message{msg})
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					winners = append(winners, got)
				} else {
					others = append(others, err)
				}
			})
		}
		close(start)
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("round %d: exactly one of %d saves on one version wins: %d won", round, conversationRacers, len(winners))
		}
		for _, err := range others {
			if !errors.Is(err, adapters.ErrConflict) {
				t.Fatalf("round %d: a save that loses the race returns ErrConflict, got %v", round, err)
			}
		}
		current = winners[0]
		sameInt(t, current.Version, int64(round+1), fmt.Sprintf("round %d: the winner stores the next version", round))
		read, err := s.GetConversation(ctx, "sms", "+15551230001", base)
		must(t, err, "GetConversation")
		checkConversation(t, read, current, fmt.Sprintf("round %d: the winner's save is the one stored", round))
		var state struct{ Saver int }
		if err := json.Unmarshal(current.State, &state); err != nil {
			t.Fatalf("round %d: stored state no longer parses: %v", round, err)
		}
		for i := range conversationRacers {
			_, err := s.GetMessage(ctx, fmt.Sprintf("m-%d-%d", round, i))
			if i == state.Saver {
				must(t, err, fmt.Sprintf("round %d: the winner's message is enqueued", round))
			} else {
				wantErr(t, err, adapters.ErrNotFound, fmt.Sprintf("round %d: a losing save's message is not enqueued", round))
			}
		}
	}
}

// heldReply is a valid held SMS reply, received and held at `at`.
func heldReply(id string, at time.Time) adapters.HeldReply {
	return adapters.HeldReply{
		ID: id,
		Reply: adapters.Reply{
			Channel: "sms", From: "+15551230001", To: "+15550009999", Body: "¿Sigue abierto el bache? " + id,
			InReplyTo: "ref-" + id, ProviderID: "SM" + id, At: at,
		},
		Reason: "unknown reference", HeldAt: at,
	}
}

func checkHeldReply(t *testing.T, got, want adapters.HeldReply, rule string) {
	t.Helper()
	sameString(t, got.ID, want.ID, rule+": ID")
	sameString(t, got.Reply.Channel, want.Reply.Channel, rule+": Reply.Channel")
	sameString(t, got.Reply.From, want.Reply.From, rule+": Reply.From")
	sameString(t, got.Reply.To, want.Reply.To, rule+": Reply.To")
	sameString(t, got.Reply.Subject, want.Reply.Subject, rule+": Reply.Subject")
	sameString(t, got.Reply.Body, want.Reply.Body, rule+": Reply.Body")
	sameString(t, got.Reply.InReplyTo, want.Reply.InReplyTo, rule+": Reply.InReplyTo")
	sameString(t, got.Reply.ProviderID, want.Reply.ProviderID, rule+": Reply.ProviderID")
	sameTime(t, got.Reply.At, want.Reply.At, rule+": Reply.At")
	sameString(t, got.Reason, want.Reason, rule+": Reason")
	sameTime(t, got.HeldAt, want.HeldAt, rule+": HeldAt")
	sameTime(t, got.ResolvedAt, want.ResolvedAt, rule+": ResolvedAt")
	sameString(t, got.CaseID, want.CaseID, rule+": CaseID")
	sameString(t, got.ResolvedBy, want.ResolvedBy, rule+": ResolvedBy")
	sameString(t, got.Note, want.Note, rule+": Note")
}

func heldIDs(hs []adapters.HeldReply) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.ID
	}
	return out
}

func testHeldReplyRoundTrip(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	h := heldReply("held-1", base)
	h.Reply.Channel, h.Reply.From, h.Reply.To = "email", "resident@example.org", "reply@city.example.gov"
	h.Reply.Subject, h.Reason = "Re: your report", "no reference"
	h.Reply.Body = strings.Repeat("ß", adapters.MaxHeldReplyBody/2)
	must(t, s.HoldReply(ctx, h), "HoldReply")
	got, err := s.GetHeldReply(ctx, "held-1")
	must(t, err, "GetHeldReply")
	checkHeldReply(t, got, h, "a held reply round-trips, unresolved, its body at the bound kept whole")
	_, err = s.GetHeldReply(ctx, "held-2")
	wantErr(t, err, adapters.ErrNotFound, "GetHeldReply of an id never held")

	must(t, s.ResolveHeldReply(ctx, "held-1", "case-7", "staff-1", "the resident's pothole case", base.Add(time.Hour)), "ResolveHeldReply")
	got, err = s.GetHeldReply(ctx, "held-1")
	must(t, err, "GetHeldReply")
	h.ResolvedAt, h.CaseID, h.ResolvedBy, h.Note = base.Add(time.Hour), "case-7", "staff-1", "the resident's pothole case"
	checkHeldReply(t, got, h, "a resolved reply keeps who routed it where, when and why")
}

func testHeldReplyDuplicate(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	h := heldReply("held-1", base)
	must(t, s.HoldReply(ctx, h), "HoldReply")
	again := heldReply("held-1", base.Add(time.Minute))
	again.Reason, again.Reply.Body = "no reference", "another body"
	wantErr(t, s.HoldReply(ctx, again), adapters.ErrDuplicate, "an id already held")
	got, err := s.GetHeldReply(ctx, "held-1")
	must(t, err, "GetHeldReply")
	checkHeldReply(t, got, h, "holding an id again changes nothing")
	must(t, s.ResolveHeldReply(ctx, "held-1", "", "staff-1", "", base.Add(time.Hour)), "ResolveHeldReply")
	wantErr(t, s.HoldReply(ctx, heldReply("held-1", base.Add(2*time.Hour))), adapters.ErrDuplicate, "an id held and resolved")
	got, err = s.GetHeldReply(ctx, "held-1")
	must(t, err, "GetHeldReply")
	sameTime(t, got.ResolvedAt, base.Add(time.Hour), "holding a resolved id again leaves it resolved")
}

// listHeld reads every page of q and returns the ids in order.
func listHeld(t *testing.T, s adapters.Store, q adapters.HeldReplyQuery) []string {
	t.Helper()
	var out []string
	for range 100 {
		page, err := s.ListHeldReplies(ctxFor(t), q)
		must(t, err, "ListHeldReplies")
		out = append(out, heldIDs(page.Replies)...)
		if page.NextCursor == "" {
			return out
		}
		q.Cursor = page.NextCursor
	}
	t.Fatalf("ListHeldReplies: the pages never end")
	return nil
}

func testHeldReplyPages(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	var want []string
	// Pairs share a HeldAt, so the id breaks ties.
	for i := range 9 {
		id := fmt.Sprintf("held-%02d", i)
		must(t, s.HoldReply(ctx, heldReply(id, base.Add(time.Duration(i/2)*time.Minute))), "HoldReply")
		want = append(want, id)
	}
	q := adapters.HeldReplyQuery{Limit: 2}
	var got []string
	for page := 0; ; page++ {
		p, err := s.ListHeldReplies(ctx, q)
		must(t, err, "ListHeldReplies")
		if len(p.Replies) > 2 {
			t.Fatalf("a page holds at most Limit replies: got %d", len(p.Replies))
		}
		got = append(got, heldIDs(p.Replies)...)
		if p.NextCursor == "" {
			break
		}
		if page > 20 {
			t.Fatalf("ListHeldReplies: the pages never end")
		}
		// Replies held between the first pages, later than the last one
		// listed or at its time with a greater id, come on later pages,
		// never making a page skip or repeat one.
		if page < 4 {
			late := fmt.Sprintf("late-%02d", page)
			must(t, s.HoldReply(ctx, heldReply(late, base.Add(time.Hour+time.Duration(page)*time.Minute))), "HoldReply between pages")
			last := p.Replies[len(p.Replies)-1]
			tie := last.ID + "~tie"
			must(t, s.HoldReply(ctx, heldReply(tie, last.HeldAt)), "HoldReply between pages")
			want = append(want, late, tie)
		}
		q.Cursor = p.NextCursor
	}
	all := listHeld(t, s, adapters.HeldReplyQuery{})
	sameStrings(t, got, all, "paging while replies are held lists each reply once, in order")
	if len(all) != len(want) {
		t.Errorf("every held reply is listed once: got %d, want %d", len(all), len(want))
	}
	for i := 1; i < len(all); i++ {
		if all[i-1] == all[i] {
			t.Errorf("a reply is listed twice: %q", all[i])
		}
	}
	page, err := s.ListHeldReplies(ctx, adapters.HeldReplyQuery{})
	must(t, err, "ListHeldReplies")
	if len(page.Replies) > 0 {
		checkHeldReply(t, page.Replies[0], heldReply("held-00", base), "a listed reply carries every field")
	}
}

func testHeldReplyFilters(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	for i := range 6 {
		h := heldReply(fmt.Sprintf("held-%d", i), base.Add(time.Duration(i)*time.Minute))
		if i%2 == 1 {
			h.Reply.Channel = "email"
		}
		must(t, s.HoldReply(ctx, h), "HoldReply")
	}
	must(t, s.ResolveHeldReply(ctx, "held-0", "case-1", "staff-1", "", base.Add(time.Hour)), "ResolveHeldReply")
	must(t, s.ResolveHeldReply(ctx, "held-3", "", "staff-1", "spam", base.Add(time.Hour)), "ResolveHeldReply")
	sameStrings(t, listHeld(t, s, adapters.HeldReplyQuery{Limit: 1}), []string{"held-1", "held-2", "held-4", "held-5"},
		"the waiting listing leaves resolved replies out")
	sameStrings(t, listHeld(t, s, adapters.HeldReplyQuery{Resolved: true, Limit: 1}), []string{"held-0", "held-3"},
		"the resolved listing holds routed and dismissed replies, by HeldAt")
	sameStrings(t, listHeld(t, s, adapters.HeldReplyQuery{Channel: "sms"}), []string{"held-2", "held-4"},
		"Channel keeps one channel's waiting replies")
	sameStrings(t, listHeld(t, s, adapters.HeldReplyQuery{Channel: "email", Resolved: true}), []string{"held-3"},
		"Channel keeps one channel's resolved replies")
	sameStrings(t, listHeld(t, s, adapters.HeldReplyQuery{Channel: "letter"}), nil, "a channel with no reply lists none")

	waiting, err := s.ListHeldReplies(ctx, adapters.HeldReplyQuery{Limit: 1})
	must(t, err, "ListHeldReplies")
	_, err = s.ListHeldReplies(ctx, adapters.HeldReplyQuery{Resolved: true, Cursor: waiting.NextCursor})
	wantErr(t, err, adapters.ErrInvalidArgument, "a cursor of the waiting listing is refused by the resolved one")
}

func testHeldReplyResolve(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	must(t, s.HoldReply(ctx, heldReply("held-1", base)), "HoldReply")
	must(t, s.ResolveHeldReply(ctx, "held-1", "case-1", "staff-1", "routed", base.Add(time.Hour)), "ResolveHeldReply")
	err := s.ResolveHeldReply(ctx, "held-1", "case-2", "staff-2", "again", base.Add(2*time.Hour))
	wantErr(t, err, adapters.ErrConflict, "resolving a reply already resolved")
	got, err := s.GetHeldReply(ctx, "held-1")
	must(t, err, "GetHeldReply")
	sameString(t, got.CaseID, "case-1", "a second resolution changes nothing: CaseID")
	sameString(t, got.ResolvedBy, "staff-1", "a second resolution changes nothing: ResolvedBy")
	sameTime(t, got.ResolvedAt, base.Add(time.Hour), "a second resolution changes nothing: ResolvedAt")
	err = s.ResolveHeldReply(ctx, "held-9", "case-1", "staff-1", "", base)
	wantErr(t, err, adapters.ErrNotFound, "resolving an id never held")
}

func testHeldReplyInvalid(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	for _, tt := range []struct {
		name   string
		change func(h *adapters.HeldReply)
	}{
		{"no id", func(h *adapters.HeldReply) { h.ID = "" }},
		{"id too long", func(h *adapters.HeldReply) { h.ID = strings.Repeat("h", adapters.MaxHeldReplyKey+1) }},
		{"no channel", func(h *adapters.HeldReply) { h.Reply.Channel = "" }},
		{"channel too long", func(h *adapters.HeldReply) { h.Reply.Channel = strings.Repeat("s", adapters.MaxChannelLen+1) }},
		{"sender too long", func(h *adapters.HeldReply) { h.Reply.From = strings.Repeat("1", adapters.MaxAddressLen+1) }},
		{"body too long", func(h *adapters.HeldReply) { h.Reply.Body = strings.Repeat("b", adapters.MaxHeldReplyBody+1) }},
		{"body not UTF-8", func(h *adapters.HeldReply) { h.Reply.Body = "caf\xe9" }},
		{"body with NUL", func(h *adapters.HeldReply) { h.Reply.Body = "a\x00b" }},
		{"subject too long", func(h *adapters.HeldReply) { h.Reply.Subject = strings.Repeat("s", adapters.MaxDeliveryField+1) }},
		{"no reason", func(h *adapters.HeldReply) { h.Reason = "" }},
		{"reason too long", func(h *adapters.HeldReply) { h.Reason = strings.Repeat("r", adapters.MaxReasonRunes+1) }},
		{"no held time", func(h *adapters.HeldReply) { h.HeldAt = time.Time{} }},
		{"already resolved", func(h *adapters.HeldReply) { h.ResolvedAt, h.ResolvedBy = base, "staff-1" }},
	} {
		h := heldReply("held-1", base)
		tt.change(&h)
		wantErr(t, s.HoldReply(ctx, h), adapters.ErrInvalidArgument, "HoldReply with "+tt.name)
	}
	_, err := s.GetHeldReply(ctx, "held-1")
	wantErr(t, err, adapters.ErrNotFound, "a refused hold writes nothing")

	must(t, s.HoldReply(ctx, heldReply("held-1", base)), "HoldReply")
	for _, tt := range []struct {
		name                 string
		id, caseID, by, note string
		at                   time.Time
	}{
		{"no id", "", "case-1", "staff-1", "", base},
		{"no resolver", "held-1", "case-1", "", "", base},
		{"case id too long", "held-1", strings.Repeat("c", adapters.MaxHeldReplyKey+1), "staff-1", "", base},
		{"note too long", "held-1", "case-1", "staff-1", strings.Repeat("n", adapters.MaxReasonRunes+1), base},
		{"zero time", "held-1", "case-1", "staff-1", "", time.Time{}},
	} {
		err := s.ResolveHeldReply(ctx, tt.id, tt.caseID, tt.by, tt.note, tt.at)
		wantErr(t, err, adapters.ErrInvalidArgument, "ResolveHeldReply with "+tt.name)
	}
	got, err := s.GetHeldReply(ctx, "held-1")
	must(t, err, "GetHeldReply")
	if !got.ResolvedAt.IsZero() {
		t.Errorf("a refused resolution writes nothing: the reply is resolved at %v", got.ResolvedAt)
	}
	for _, q := range []adapters.HeldReplyQuery{
		{Limit: -1}, {Limit: adapters.MaxPageSize + 1}, {Cursor: "not a cursor"},
		{Channel: strings.Repeat("s", adapters.MaxChannelLen+1)},
		{Cursor: adapters.CaseQuery{}.NextCursor(adapters.Case{ID: "case-1", CreatedAt: base})},
	} {
		_, err := s.ListHeldReplies(ctx, q)
		wantErr(t, err, adapters.ErrInvalidArgument, fmt.Sprintf("ListHeldReplies with %+v", q))
	}
}
