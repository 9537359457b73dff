package adaptertest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
)

var subscriptionClauses = []clause{
	{"SubscriptionsRoundTripOrderedByTopic", testSubscriptionsRoundTrip},
	{"SubscribeAgainIsNoErrorAndKeepsTheFirstCreatedAt", testSubscribeIdempotent},
	{"InvalidSubscriptionReturnsErrInvalidArgument", testSubscribeInvalid},
	{"UnsubscribeMissingReturnsErrNotFound", testUnsubscribeMissing},
	{"ListSubscribersNeverSkipsOrRepeatsWhileSubscribersJoin", testListSubscribersPages},
	{"UpdatesRoundTripAndListNewestFirst", testUpdatesRoundTrip},
	{"PostUpdateWithATakenIDOrInvalidFieldsWritesNothing", testPostUpdateRefused},
	{"PostUpdateExpandsItsMessageToEverySubscriber", testPostUpdateExpands},
	{"EnqueueMessagesExpandsAddressedMessagesOnly", testEnqueueExpands},
	{"CreateCaseExpandsTheSubscribersOfItsCase", testCreateCaseExpands},
	{"ApplyTransitionExpandsCaseAndTopicSubscribers", testTransitionExpands},
	{"SubscriberExpansionIsAtomicWithItsCause", testExpansionAtomic},
	{"ASubscriberJoiningDuringWritesIsWhollyInOrOutOfEachExpansion", testExpansionSnapshot},
	{"RequestKeyReplayDoesNotExpandAgain", testReplayDoesNotExpand},
	{"CaseSubscribersWithoutACaseReturnErrInvalidArgument", testAddressedWithoutCase},
}

var (
	potholes = adapters.TypeTopic("pothole")
	ward3    = adapters.AreaTopic("ward-3")
)

func subscribe(t *testing.T, s adapters.Store, topic adapters.Topic, at time.Time, persons ...string) {
	t.Helper()
	for _, p := range persons {
		must(t, s.Subscribe(ctxFor(t), adapters.Subscription{Topic: topic, Person: p, CreatedAt: at}), "Subscribe")
	}
}

// addressed is a message to the subscribers of topic.
func addressed(id string, topic adapters.Topic, at time.Time) adapters.Message {
	m := message(id, at)
	m.Recipient = adapters.SubscribersOf(topic)
	return m
}

// recipients are the recipients of msgs, sorted.
func recipients(msgs []adapters.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Recipient
	}
	slices.Sort(out)
	return out
}

func sameStrings(t *testing.T, got, want []string, rule string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: got %q, want %q", rule, got, want)
	}
}

func testSubscriptionsRoundTrip(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	subscribe(t, s, ward3, base, "resident-1")
	subscribe(t, s, potholes, base.Add(time.Second), "resident-1", "resident-2")
	got, err := s.ListSubscriptions(ctx, "resident-1")
	must(t, err, "ListSubscriptions")
	if len(got) != 2 {
		t.Fatalf("ListSubscriptions returns every topic the person follows: got %d, want 2", len(got))
	}
	sameString(t, string(got[0].Topic), string(ward3), "subscriptions are ordered by topic: first")
	sameString(t, string(got[1].Topic), string(potholes), "subscriptions are ordered by topic: second")
	sameString(t, got[1].Person, "resident-1", "a subscription round-trips: Person")
	sameTime(t, got[1].CreatedAt, base.Add(time.Second), "a subscription round-trips: CreatedAt")
	n, err := s.CountSubscribers(ctx, potholes)
	must(t, err, "CountSubscribers")
	sameInt(t, n, 2, "CountSubscribers counts the topic's subscribers")
	n, err = s.CountSubscribers(ctx, adapters.AreaTopic("nowhere"))
	must(t, err, "CountSubscribers")
	sameInt(t, n, 0, "a topic nobody follows has no subscribers")
	none, err := s.ListSubscriptions(ctx, "resident-9")
	must(t, err, "ListSubscriptions")
	sameInt(t, len(none), 0, "a person following nothing has no subscriptions")
	page, err := s.ListSubscribers(ctx, adapters.SubscriberQuery{Topic: potholes})
	must(t, err, "ListSubscribers")
	if len(page.Subscriptions) != 2 || page.NextCursor != "" {
		t.Fatalf("one page lists both subscribers and no cursor: got %d, cursor %q", len(page.Subscriptions), page.NextCursor)
	}
	sameString(t, page.Subscriptions[0].Person, "resident-1", "subscribers are ordered by person")
	sameString(t, string(page.Subscriptions[0].Topic), string(potholes), "a listed subscriber names the topic")
	sameTime(t, page.Subscriptions[0].CreatedAt, base.Add(time.Second), "a listed subscriber round-trips CreatedAt")
}

func testSubscribeIdempotent(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	subscribe(t, s, potholes, base, "resident-1")
	subscribe(t, s, potholes, base.Add(time.Hour), "resident-1")
	got, err := s.ListSubscriptions(ctx, "resident-1")
	must(t, err, "ListSubscriptions")
	if len(got) != 1 {
		t.Fatalf("subscribing twice keeps one subscription: got %d", len(got))
	}
	sameTime(t, got[0].CreatedAt, base, "subscribing again keeps the first CreatedAt")
	n, err := s.CountSubscribers(ctx, potholes)
	must(t, err, "CountSubscribers")
	sameInt(t, n, 1, "subscribing twice counts once")
}

func testSubscribeInvalid(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	for _, sub := range []adapters.Subscription{
		{Topic: "nonsense", Person: "resident-1", CreatedAt: base},
		{Topic: potholes, Person: "", CreatedAt: base},
		{Topic: potholes, Person: strings.Repeat("x", adapters.MaxPersonIDLen+1), CreatedAt: base},
		{Topic: potholes, Person: "resident-1"},
	} {
		wantErr(t, s.Subscribe(ctx, sub), adapters.ErrInvalidArgument, fmt.Sprintf("subscription %+v is invalid", sub))
	}
	n, err := s.CountSubscribers(ctx, potholes)
	must(t, err, "CountSubscribers")
	sameInt(t, n, 0, "an invalid subscription writes nothing")
	_, err = s.ListSubscribers(ctx, adapters.SubscriberQuery{Topic: potholes, Cursor: "%%%"})
	wantErr(t, err, adapters.ErrInvalidArgument, "a malformed subscriber cursor")
	_, err = s.ListSubscribers(ctx, adapters.SubscriberQuery{Topic: potholes, Limit: adapters.MaxPageSize + 1})
	wantErr(t, err, adapters.ErrInvalidArgument, "a subscriber page above MaxPageSize")
}

func testUnsubscribeMissing(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	wantErr(t, s.Unsubscribe(ctx, potholes, "resident-1"), adapters.ErrNotFound, "unsubscribing from a topic never followed")
	subscribe(t, s, potholes, base, "resident-1", "resident-2")
	must(t, s.Unsubscribe(ctx, potholes, "resident-1"), "Unsubscribe")
	wantErr(t, s.Unsubscribe(ctx, potholes, "resident-1"), adapters.ErrNotFound, "unsubscribing twice")
	n, err := s.CountSubscribers(ctx, potholes)
	must(t, err, "CountSubscribers")
	sameInt(t, n, 1, "unsubscribing removes only that subscription")
	got, err := s.ListSubscriptions(ctx, "resident-1")
	must(t, err, "ListSubscriptions")
	sameInt(t, len(got), 0, "an unsubscribed person no longer lists the topic")
}

func testListSubscribersPages(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	var want []string
	for i := range 25 {
		p := fmt.Sprintf("resident-%02d", 2*i+1)
		want = append(want, p)
		subscribe(t, s, potholes, base, p)
	}
	subscribe(t, s, ward3, base, "resident-00") // another topic is never listed
	q := adapters.SubscriberQuery{Topic: potholes, Limit: 7}
	var got []string
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("ListSubscribers never ends: a cursor repeats a page")
		}
		page, err := s.ListSubscribers(ctx, q)
		must(t, err, "ListSubscribers")
		if len(page.Subscriptions) > q.Limit {
			t.Fatalf("a page holds at most Limit subscribers: got %d", len(page.Subscriptions))
		}
		for _, sub := range page.Subscriptions {
			got = append(got, sub.Person)
		}
		if page.NextCursor == "" {
			break
		}
		// Newcomers between pages land before and after the cursor.
		subscribe(t, s, potholes, base, fmt.Sprintf("resident-%02d", 2*pages), fmt.Sprintf("resident-%02d", 60+pages))
		q.Cursor = page.NextCursor
	}
	var kept []string
	for _, p := range got {
		if slices.Contains(want, p) {
			kept = append(kept, p)
		}
	}
	sameStrings(t, kept, want, "every subscriber there from start to end is listed once, in person order")
	if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Errorf("pages list persons in order without repeats: got %q", got)
	}
}

// update is a valid update of topic.
func update(id string, topic adapters.Topic, at time.Time) adapters.Update {
	return adapters.Update{
		ID: id, Topic: topic, Author: "staff-1", AuthorIssuer: "https://login.example.gov",
		Title: "Road closed — Elm St", Body: "Crews repave Elm St. on Monday.\nDetours are signed.", CreatedAt: at,
	}
}

func testUpdatesRoundTrip(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	first := update("upd-1", potholes, base)
	must(t, s.PostUpdate(ctx, adapters.UpdateParams{Update: first}), "PostUpdate")
	got, err := s.GetUpdate(ctx, "upd-1")
	must(t, err, "GetUpdate")
	for _, f := range [][3]string{
		{got.ID, first.ID, "ID"}, {string(got.Topic), string(first.Topic), "Topic"}, {got.Author, first.Author, "Author"},
		{got.AuthorIssuer, first.AuthorIssuer, "AuthorIssuer"}, {got.Title, first.Title, "Title"}, {got.Body, first.Body, "Body"},
	} {
		sameString(t, f[0], f[1], "an update round-trips: "+f[2])
	}
	sameTime(t, got.CreatedAt, base, "an update round-trips: CreatedAt")
	_, err = s.GetUpdate(ctx, "upd-0")
	wantErr(t, err, adapters.ErrNotFound, "GetUpdate of an unknown id")

	// Ten more, two of them sharing a time, and one on another topic.
	want := []string{}
	for i := 2; i <= 11; i++ {
		at := base.Add(time.Duration(i) * time.Minute)
		if i == 7 {
			at = base.Add(6 * time.Minute)
		}
		must(t, s.PostUpdate(ctx, adapters.UpdateParams{Update: update(fmt.Sprintf("upd-%02d", i), potholes, at)}), "PostUpdate")
	}
	must(t, s.PostUpdate(ctx, adapters.UpdateParams{Update: update("upd-ward", ward3, base.Add(time.Hour))}), "PostUpdate")
	want = append(want, "upd-11", "upd-10", "upd-09", "upd-08", "upd-07", "upd-06", "upd-05", "upd-04", "upd-03", "upd-02", "upd-1")
	q := adapters.UpdateQuery{Topic: potholes, Limit: 4}
	var ids []string
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("ListUpdates never ends: a cursor repeats a page")
		}
		page, err := s.ListUpdates(ctx, q)
		must(t, err, "ListUpdates")
		for _, u := range page.Updates {
			ids = append(ids, u.ID)
		}
		if page.NextCursor == "" {
			break
		}
		if pages == 0 { // a newer update never shows up on later pages
			must(t, s.PostUpdate(ctx, adapters.UpdateParams{Update: update("upd-new", potholes, base.Add(2*time.Hour))}), "PostUpdate")
		}
		q.Cursor = page.NextCursor
	}
	sameStrings(t, ids, want, "updates are listed newest first (CreatedAt, then ID, descending) without skip or repeat")
	_, err = s.ListUpdates(ctx, adapters.UpdateQuery{Topic: potholes, Cursor: "!"})
	wantErr(t, err, adapters.ErrInvalidArgument, "a malformed update cursor")
}

func testPostUpdateRefused(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	subscribe(t, s, potholes, base, "resident-1")
	must(t, s.PostUpdate(ctx, adapters.UpdateParams{Update: update("upd-1", potholes, base)}), "PostUpdate")
	again := update("upd-1", potholes, base)
	again.Title = "Another"
	err := s.PostUpdate(ctx, adapters.UpdateParams{Update: again, Messages: []adapters.Message{addressed("m-1", potholes, base)}})
	wantErr(t, err, adapters.ErrDuplicate, "an update id already used")
	_, err = s.GetMessage(ctx, "m-1/resident-1")
	wantErr(t, err, adapters.ErrNotFound, "a refused update writes no expanded message")
	got, err := s.GetUpdate(ctx, "upd-1")
	must(t, err, "GetUpdate")
	sameString(t, got.Title, "Road closed — Elm St", "a refused update leaves the stored one alone")

	long := update("upd-2", potholes, base)
	long.Title = strings.Repeat("é", adapters.MaxUpdateTitle+1)
	wantErr(t, s.PostUpdate(ctx, adapters.UpdateParams{Update: long}), adapters.ErrInvalidArgument, "a title above MaxUpdateTitle")
	long = update("upd-2", potholes, base)
	long.Body = strings.Repeat("b", adapters.MaxUpdateBody+1)
	wantErr(t, s.PostUpdate(ctx, adapters.UpdateParams{Update: long}), adapters.ErrInvalidArgument, "a body above MaxUpdateBody")
	bad := update("upd-2", "nonsense", base)
	wantErr(t, s.PostUpdate(ctx, adapters.UpdateParams{Update: bad}), adapters.ErrInvalidArgument, "an update of an invalid topic")
	_, err = s.GetUpdate(ctx, "upd-2")
	wantErr(t, err, adapters.ErrNotFound, "an invalid update writes nothing")
}

// checkExpanded checks that the message addressed to subscribers became
// one message per person as SubscribersOf documents, and itself was not
// stored.
func checkExpanded(t *testing.T, s adapters.Store, orig adapters.Message, caseID string, persons []string, rule string) {
	t.Helper()
	ctx := ctxFor(t)
	_, err := s.GetMessage(ctx, orig.ID)
	wantErr(t, err, adapters.ErrNotFound, rule+": the addressed message itself is not stored")
	for _, p := range persons {
		got, err := s.GetMessage(ctx, orig.ID+"/"+p)
		must(t, err, rule+": GetMessage of the expanded id (original id, \"/\", person id)")
		want := orig
		want.ID, want.IdempotencyKey, want.Recipient = orig.ID+"/"+p, orig.IdempotencyKey+"/"+p, p
		want.CaseID, want.Status = caseID, adapters.MessagePending
		checkMessage(t, got, want, rule+": an expanded message copies the original but for recipient, id and key")
	}
}

func testPostUpdateExpands(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	persons := []string{"resident-1", "resident-2", "sms:+15551234567"}
	subscribe(t, s, potholes, base, persons...)
	subscribe(t, s, ward3, base, "resident-9")
	m := addressed("upd-1-msg", potholes, base)
	m.NextAttemptAt = base.Add(time.Minute)
	must(t, s.PostUpdate(ctx, adapters.UpdateParams{Update: update("upd-1", potholes, base), Messages: []adapters.Message{m}}), "PostUpdate")
	checkExpanded(t, s, m, "", persons, "PostUpdate")
	_, err := s.GetMessage(ctx, "upd-1-msg/resident-9")
	wantErr(t, err, adapters.ErrNotFound, "a subscriber of another topic gets nothing")
	claimed := claim(t, s, "w", 100, base.Add(time.Hour))
	sameStrings(t, recipients(claimed), persons, "the expanded messages are the outbox's, one per subscriber")
}

func testEnqueueExpands(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	subscribe(t, s, potholes, base, "resident-1", "resident-2")
	subscribe(t, s, adapters.CaseTopic("case-7"), base, "resident-3")
	direct := message("m-direct", base)
	direct.CaseID = "case-7"
	toTopic, toCase, toNobody := addressed("m-topic", potholes, base), message("m-case", base), addressed("m-nobody", ward3, base)
	toTopic.CaseID, toCase.CaseID, toCase.Recipient, toNobody.CaseID = "case-7", "case-7", adapters.RecipientSubscribers, "case-7"
	must(t, s.EnqueueMessages(ctx, []adapters.Message{direct, toTopic, toCase, toNobody}), "EnqueueMessages")
	checkExpanded(t, s, toTopic, "case-7", []string{"resident-1", "resident-2"}, "EnqueueMessages to a topic")
	checkExpanded(t, s, toCase, "case-7", []string{"resident-3"}, "EnqueueMessages to a case's subscribers")
	msgs, err := s.ListMessages(ctx, "case-7")
	must(t, err, "ListMessages")
	sameStrings(t, recipients(msgs), []string{"resident-1", "resident-2", "resident-3", "resident@example.org"},
		"a direct message is kept as is, and a topic nobody follows writes nothing")
}

func testCreateCaseExpands(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	subscribe(t, s, adapters.CaseTopic("case-1"), base, "resident-1", "staff-2")
	subscribe(t, s, adapters.CaseTopic("case-2"), base, "resident-2")
	p := newCase("case-1", base)
	m := message("m-1", base)
	m.Recipient = adapters.RecipientSubscribers
	p.Messages = []adapters.Message{message("m-0", base), m}
	_, err := s.CreateCase(ctx, p)
	must(t, err, "CreateCase")
	checkExpanded(t, s, m, "case-1", []string{"resident-1", "staff-2"}, "CreateCase")
	msgs, err := s.ListMessages(ctx, "case-1")
	must(t, err, "ListMessages")
	sameStrings(t, recipients(msgs), []string{"resident-1", "resident@example.org", "staff-2"}, "CreateCase writes the direct message and one per subscriber of its case")
}

func testTransitionExpands(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	_, err := s.CreateCase(ctx, newCase("case-1", base))
	must(t, err, "CreateCase")
	subscribe(t, s, adapters.CaseTopic("case-1"), base, "resident-1")
	subscribe(t, s, potholes, base, "staff-1", "staff-2")
	// One addressed message alone, then with a direct one and timers:
	// stores may write these shapes differently.
	p := flip("case-1", 1, base)
	p.Messages[0].Recipient = adapters.RecipientSubscribers
	_, err = s.ApplyTransition(ctx, p)
	must(t, err, "ApplyTransition")
	checkExpanded(t, s, p.Messages[0], "case-1", []string{"resident-1"}, "ApplyTransition with one message")

	q := flip("case-1", 2, base.Add(time.Minute))
	toType := addressed("case-1-v2-type", potholes, base.Add(time.Minute))
	q.Messages = append(q.Messages, toType)
	q.SetTimers = []adapters.Timer{{Name: "sla", DueAt: base.Add(time.Hour), Trigger: "escalate"}}
	q.CancelTimers = []string{"old"}
	_, err = s.ApplyTransition(ctx, q)
	must(t, err, "ApplyTransition")
	checkExpanded(t, s, toType, "case-1", []string{"staff-1", "staff-2"}, "ApplyTransition with timers")
	msgs, err := s.ListMessages(ctx, "case-1")
	must(t, err, "ListMessages")
	sameStrings(t, recipients(msgs), []string{"resident-1", "resident@example.org", "staff-1", "staff-2"}, "ApplyTransition writes direct and expanded messages")
	timers, err := s.ListTimers(ctx, "case-1")
	must(t, err, "ListTimers")
	sameInt(t, len(timers), 1, "the transition's timer is set beside the expansion")
}

func testExpansionAtomic(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	subscribe(t, s, adapters.CaseTopic("case-1"), base, "resident-1", "resident-2")
	_, err := s.CreateCase(ctx, newCase("case-1", base))
	must(t, err, "CreateCase")
	before := take(t, s, "case-1")

	stale := flip("case-1", 2, base)
	stale.Messages[0].Recipient = adapters.RecipientSubscribers
	_, err = s.ApplyTransition(ctx, stale)
	wantErr(t, err, adapters.ErrConflict, "a stale version")
	sameSnapshot(t, take(t, s, "case-1"), before, "a stale transition writes no expanded message")

	// The second expanded id is taken: the whole call fails.
	must(t, s.EnqueueMessages(ctx, []adapters.Message{message("case-1-v1/resident-2", base)}), "EnqueueMessages")
	clash := flip("case-1", 1, base)
	clash.Messages[0].Recipient = adapters.RecipientSubscribers
	_, err = s.ApplyTransition(ctx, clash)
	wantErr(t, err, adapters.ErrDuplicate, "an expanded message id already used")
	sameSnapshot(t, take(t, s, "case-1"), before, "a transition whose expansion clashes writes nothing")
	_, err = s.GetMessage(ctx, "case-1-v1/resident-1")
	wantErr(t, err, adapters.ErrNotFound, "no expanded message outlives a failed transition")

	dup := newCase("case-1", base)
	m := message("m-dup", base)
	m.Recipient = adapters.RecipientSubscribers
	dup.Messages = []adapters.Message{m}
	_, err = s.CreateCase(ctx, dup)
	wantErr(t, err, adapters.ErrDuplicate, "a case id already used")
	_, err = s.GetMessage(ctx, "m-dup/resident-1")
	wantErr(t, err, adapters.ErrNotFound, "a refused CreateCase writes no expanded message")

	subscribe(t, s, adapters.CaseTopic("case-2"), base, "resident-2")
	clashing := newCase("case-2", base)
	m = message("case-1-v1", base) // expands to the taken "case-1-v1/resident-2"
	m.IdempotencyKey = "fresh"
	m.Recipient = adapters.RecipientSubscribers
	clashing.Messages = []adapters.Message{m}
	_, err = s.CreateCase(ctx, clashing)
	wantErr(t, err, adapters.ErrDuplicate, "CreateCase whose expanded message id is taken")
	_, err = s.GetCase(ctx, "case-2")
	wantErr(t, err, adapters.ErrNotFound, "CreateCase whose expansion clashes writes no case")

	m.CaseID = "case-2"
	err = s.EnqueueMessages(ctx, []adapters.Message{message("m-ok", base), m})
	wantErr(t, err, adapters.ErrDuplicate, "EnqueueMessages whose expanded id is taken")
	_, err = s.GetMessage(ctx, "m-ok")
	wantErr(t, err, adapters.ErrNotFound, "EnqueueMessages whose expansion clashes writes none of its messages")
}

// testExpansionSnapshot subscribes people one after another while
// transitions run, each transition with two messages to the case's
// subscribers: each transition must reach the same people with both (a
// person is wholly in its expansion or out of it), and they must be the
// first k people to subscribe (an expansion sees one moment).
func testExpansionSnapshot(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	const people, transitions = 40, 20
	_, err := s.CreateCase(ctx, newCase("case-1", base))
	must(t, err, "CreateCase")
	order := make([]string, people)
	for i := range order {
		order[i] = fmt.Sprintf("p%02d", (i*7)%people) // not in id order
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for _, p := range order {
			if err := s.Subscribe(ctx, adapters.Subscription{Topic: adapters.CaseTopic("case-1"), Person: p, CreatedAt: base}); err != nil {
				t.Errorf("Subscribe: %v", err)
				return
			}
		}
	})
	for v := int64(1); v <= transitions; v++ {
		p := flip("case-1", v, base)
		m := p.Messages[0]
		m.Recipient = adapters.RecipientSubscribers
		m2 := m
		m2.ID, m2.IdempotencyKey, m2.Recipient = m.ID+"-b", m.IdempotencyKey+"-b", adapters.SubscribersOf(adapters.CaseTopic("case-1"))
		p.Messages = []adapters.Message{m, m2}
		if _, err := s.ApplyTransition(ctx, p); err != nil {
			t.Fatalf("ApplyTransition: %v", err)
		}
	}
	wg.Wait()
	msgs, err := s.ListMessages(ctx, "case-1")
	must(t, err, "ListMessages")
	reached := map[string][]string{}
	for _, m := range msgs {
		orig, person, _ := strings.Cut(m.ID, "/")
		reached[orig] = append(reached[orig], person)
	}
	for v := int64(1); v <= transitions; v++ {
		a, b := reached[fmt.Sprintf("case-1-v%d", v)], reached[fmt.Sprintf("case-1-v%d-b", v)]
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			t.Fatalf("transition %d: both messages reach the same subscribers: %q and %q", v, a, b)
		}
		first := slices.Clone(order[:len(a)])
		slices.Sort(first)
		if !slices.Equal(a, first) {
			t.Fatalf("transition %d: an expansion reaches the first %d people to subscribe, %q, not %q", v, len(a), first, a)
		}
	}
}

func testReplayDoesNotExpand(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	subscribe(t, s, adapters.CaseTopic("case-1"), base, "resident-1")
	p := newCase("case-1", base)
	m := message("m-open", base)
	m.Recipient = adapters.RecipientSubscribers
	p.Messages, p.RequestKey = []adapters.Message{m}, "req-create"
	_, err := s.CreateCase(ctx, p)
	must(t, err, "CreateCase")
	tr := flip("case-1", 1, base)
	tr.Messages[0].Recipient = adapters.RecipientSubscribers
	tr.RequestKey = "req-flip"
	_, err = s.ApplyTransition(ctx, tr)
	must(t, err, "ApplyTransition")
	before := take(t, s, "case-1")
	sameInt(t, len(before.msgs), 2, "each call expands to the one subscriber")

	subscribe(t, s, adapters.CaseTopic("case-1"), base, "resident-2")
	_, err = s.CreateCase(ctx, p)
	must(t, err, "CreateCase retried with its request key")
	res, err := s.ApplyTransition(ctx, tr)
	must(t, err, "ApplyTransition retried with its request key")
	if !res.Replayed {
		t.Errorf("a retried transition is answered from its first result")
	}
	sameSnapshot(t, take(t, s, "case-1"), before, "a replayed request expands nothing again, even for a new subscriber")
}

func testAddressedWithoutCase(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	m := message("m-1", base)
	m.Recipient = adapters.RecipientSubscribers
	wantErr(t, s.EnqueueMessages(ctx, []adapters.Message{m}), adapters.ErrInvalidArgument, "a message to its case's subscribers without a case")
	bad := addressed("m-2", "nonsense", base)
	wantErr(t, s.EnqueueMessages(ctx, []adapters.Message{bad}), adapters.ErrInvalidArgument, "a message to the subscribers of an invalid topic")
	_, err := s.GetMessage(ctx, "m-2")
	wantErr(t, err, adapters.ErrNotFound, "an invalid message is not stored")
}
