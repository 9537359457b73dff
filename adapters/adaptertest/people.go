package adaptertest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
)

var peopleClauses = []clause{
	{"PutPersonRoundTripsEveryField", testPersonRoundTrip},
	{"PutPersonReplacesThePreferences", testPersonReplace},
	{"GetPeopleLeavesUnknownIDsOut", testGetPeopleUnknown},
	{"FindPersonFindsByChannelAndAddress", testFindPerson},
	{"FindPersonPrefersTheLatestPreferences", testFindPersonShared},
	{"RecordConsentMakesTheAddressConsented", testConsent},
	{"ConsentDoesNotUndoAnOptOut", testConsentKeepsOptOut},
	{"OptOutWritesItsConfirmationWithTheChange", testOptOut},
	{"SecondOptOutChangesNothingAndWritesNoSecondConfirmation", testOptOutIdempotent},
	{"OptInClearsTheOptOut", testOptIn},
	{"OptInOfAnAddressNotOptedOutChangesNothing", testOptInNoop},
	{"OptOutIsKeyedByChannelAndAddress", testOptOutKey},
	{"ReachAnswersEveryAddressOfABatch", testReachBatch},
	{"OptOutHistoryIsOldestFirst", testOptOutHistory},
	{"ConfirmationWithATakenIDReturnsErrDuplicateAndWritesNothing", testOptOutDuplicateConfirmation},
	{"InvalidPeopleRecordsReturnErrInvalidArgumentAndWriteNothing", testPeopleInvalid},
	{"OptOutRespectedUnderConcurrency", testOptOutRace},
}

const (
	phone = "+15555550100"
	email = "resident@example.org"
)

// person is a valid person with every field set.
func person(id string, at time.Time) adapters.Person {
	return adapters.Person{
		ID: id, Issuer: "https://login.example.gov", Locale: "es-US", TimeZone: "America/Chicago",
		Channels:   []string{adapters.ChannelSMS, adapters.ChannelEmail, adapters.ChannelLetter},
		Addresses:  map[string]string{adapters.ChannelSMS: phone, adapters.ChannelEmail: email, adapters.ChannelLetter: "1 Main St\nSpringfield"},
		QuietStart: 21 * 60, QuietEnd: 8 * 60, UpdatedAt: at,
	}
}

// stop is a valid STOP of the phone number with a confirmation message.
func stop(id string, at time.Time) adapters.OptOutChange {
	c := adapters.OptOutChange{Channel: adapters.ChannelSMS, Address: phone, Out: true, Via: "keyword", Words: "STOP", At: at}
	if id != "" {
		c.Confirmation = message(id, at)
		c.Confirmation.Channel, c.Confirmation.Recipient, c.Confirmation.Template = adapters.ChannelSMS, "sms:"+phone, "optout-confirmation"
	}
	return c
}

// start is a valid opt-in of the phone number, without a confirmation.
func start(at time.Time) adapters.OptOutChange {
	return adapters.OptOutChange{Channel: adapters.ChannelSMS, Address: phone, Out: false, Via: "keyword", Words: "START", At: at}
}

func checkPerson(t *testing.T, got, want adapters.Person, rule string) {
	t.Helper()
	sameString(t, got.ID, want.ID, rule+": ID")
	sameString(t, got.Issuer, want.Issuer, rule+": Issuer")
	sameString(t, got.Locale, want.Locale, rule+": Locale")
	sameString(t, got.TimeZone, want.TimeZone, rule+": TimeZone")
	sameString(t, strings.Join(got.Channels, ","), strings.Join(want.Channels, ","), rule+": Channels, in order")
	if len(got.Addresses) != len(want.Addresses) {
		t.Errorf("%s: Addresses: got %d, want %d", rule, len(got.Addresses), len(want.Addresses))
	}
	for c, a := range want.Addresses {
		sameString(t, got.Addresses[c], a, rule+": Addresses["+c+"]")
	}
	sameInt(t, got.QuietStart, want.QuietStart, rule+": QuietStart")
	sameInt(t, got.QuietEnd, want.QuietEnd, rule+": QuietEnd")
	sameTime(t, got.UpdatedAt, want.UpdatedAt, rule+": UpdatedAt")
}

func reachOf(t *testing.T, s adapters.Store, channel, address string) adapters.Reach {
	t.Helper()
	r, err := s.Reach(ctxFor(t), channel, []string{address})
	must(t, err, "Reach")
	got, ok := r[address]
	if !ok {
		t.Fatalf("Reach must answer for every address asked, got %v", r)
	}
	return got
}

func wantMessage(t *testing.T, s adapters.Store, want adapters.Message, rule string) {
	t.Helper()
	got, err := s.GetMessage(ctxFor(t), want.ID)
	must(t, err, rule+": GetMessage")
	want.Status = adapters.MessagePending
	checkMessage(t, got, want, rule)
}

func wantNoMessage(t *testing.T, s adapters.Store, id, rule string) {
	t.Helper()
	_, err := s.GetMessage(ctxFor(t), id)
	wantErr(t, err, adapters.ErrNotFound, rule)
}

func testPersonRoundTrip(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	p := person("resident-1", base)
	must(t, s.PutPerson(ctx, p), "PutPerson")
	got, err := s.GetPeople(ctx, []string{p.ID})
	must(t, err, "GetPeople")
	checkPerson(t, got[p.ID], p, "a person round-trips")

	// A person known only by an address, with no preferences.
	bare := adapters.Person{ID: "sms:" + phone, UpdatedAt: base}
	must(t, s.PutPerson(ctx, bare), "PutPerson bare")
	got, err = s.GetPeople(ctx, []string{bare.ID})
	must(t, err, "GetPeople bare")
	checkPerson(t, got[bare.ID], bare, "a person with no preferences round-trips")
}

func testPersonReplace(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	p := person("resident-1", base)
	must(t, s.PutPerson(ctx, p), "PutPerson")
	q := adapters.Person{
		ID: p.ID, Locale: "en", Channels: []string{adapters.ChannelEmail},
		Addresses: map[string]string{adapters.ChannelEmail: "new@example.org"}, UpdatedAt: base.Add(time.Hour),
	}
	must(t, s.PutPerson(ctx, q), "PutPerson again")
	got, err := s.GetPeople(ctx, []string{p.ID})
	must(t, err, "GetPeople")
	checkPerson(t, got[p.ID], q, "PutPerson replaces every field")
	_, err = s.FindPerson(ctx, adapters.ChannelSMS, phone)
	wantErr(t, err, adapters.ErrNotFound, "an address the person no longer has finds nobody")
	f, err := s.FindPerson(ctx, adapters.ChannelEmail, "new@example.org")
	must(t, err, "FindPerson by the new address")
	sameString(t, f.ID, p.ID, "the new address finds the person")
}

func testGetPeopleUnknown(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	for _, id := range []string{"a", "b"} {
		must(t, s.PutPerson(ctx, person(id, base)), "PutPerson")
	}
	got, err := s.GetPeople(ctx, []string{"a", "nobody", "b", "ghost"})
	must(t, err, "GetPeople with unknown ids is not an error")
	if len(got) != 2 || got["a"].ID != "a" || got["b"].ID != "b" {
		t.Fatalf("GetPeople returns the known people keyed by id and leaves unknown ones out, got %v", got)
	}
	got, err = s.GetPeople(ctx, nil)
	must(t, err, "GetPeople of no ids")
	if len(got) != 0 {
		t.Fatalf("GetPeople of no ids returns nobody, got %v", got)
	}
}

func testFindPerson(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	p := person("resident-1", base)
	must(t, s.PutPerson(ctx, p), "PutPerson")
	other := person("resident-2", base)
	other.Addresses = map[string]string{adapters.ChannelSMS: "+15555550199"}
	must(t, s.PutPerson(ctx, other), "PutPerson other")
	for c, a := range p.Addresses {
		got, err := s.FindPerson(ctx, c, a)
		must(t, err, "FindPerson by "+c)
		checkPerson(t, got, p, "FindPerson by "+c+" finds the person")
	}
	_, err := s.FindPerson(ctx, adapters.ChannelEmail, phone)
	wantErr(t, err, adapters.ErrNotFound, "an address is found only on its own channel")
	_, err = s.FindPerson(ctx, adapters.ChannelSMS, "+15555550000")
	wantErr(t, err, adapters.ErrNotFound, "an unknown address returns ErrNotFound")
}

func testFindPersonShared(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	must(t, s.PutPerson(ctx, person("b-older", base)), "PutPerson")
	must(t, s.PutPerson(ctx, person("c-newer", base.Add(time.Minute))), "PutPerson")
	must(t, s.PutPerson(ctx, person("d-newer", base.Add(time.Minute))), "PutPerson")
	got, err := s.FindPerson(ctx, adapters.ChannelSMS, phone)
	must(t, err, "FindPerson")
	sameString(t, got.ID, "c-newer", "a shared address finds the latest preferences, ties by the smallest id")
}

func testConsent(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	if r := reachOf(t, s, adapters.ChannelSMS, phone); r.Consented || r.OptedOut {
		t.Fatalf("an unknown address has neither consent nor opt-out, got %+v", r)
	}
	must(t, s.RecordConsent(ctx, adapters.Consent{
		Channel: adapters.ChannelSMS, Address: phone, Person: "resident-1", Via: "web",
		Words: "Text me updates about my case. Msg&data rates may apply. Reply STOP to stop.", At: base,
	}), "RecordConsent")
	if r := reachOf(t, s, adapters.ChannelSMS, phone); !r.Consented || r.OptedOut {
		t.Fatalf("a consent record makes the address consented, got %+v", r)
	}
	if r := reachOf(t, s, adapters.ChannelEmail, phone); r.Consented {
		t.Fatalf("consent on one channel is not consent on another, got %+v", r)
	}
	// Consent is appended: a second record is no error.
	must(t, s.RecordConsent(ctx, adapters.Consent{Channel: adapters.ChannelSMS, Address: phone, Via: "sms", At: base.Add(time.Hour)}), "RecordConsent again")
}

func testConsentKeepsOptOut(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	_, err := s.SetOptOut(ctx, stop("", base))
	must(t, err, "SetOptOut")
	must(t, s.RecordConsent(ctx, adapters.Consent{Channel: adapters.ChannelSMS, Address: phone, Via: "web", At: base.Add(time.Hour)}), "RecordConsent")
	if r := reachOf(t, s, adapters.ChannelSMS, phone); !r.OptedOut || !r.Consented {
		t.Fatalf("consent after an opt-out leaves the address opted out, got %+v", r)
	}
}

func testOptOut(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	c := stop("confirm-1", base)
	c.Confirmation.CaseID = "case-1" // a reply on a case's thread keeps its case
	changed, err := s.SetOptOut(ctx, c)
	must(t, err, "SetOptOut")
	if !changed {
		t.Fatal("a first STOP changes the address's state")
	}
	r := reachOf(t, s, adapters.ChannelSMS, phone)
	if !r.OptedOut {
		t.Fatalf("after STOP the address is opted out, got %+v", r)
	}
	sameTime(t, r.OptedOutAt, base, "Reach.OptedOutAt is the opt-out's time")
	sameString(t, r.ConfirmationID, "confirm-1", "Reach.ConfirmationID names the opt-out's confirmation")
	wantMessage(t, s, c.Confirmation, "the confirmation is in the outbox")
}

func testOptOutIdempotent(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	_, err := s.SetOptOut(ctx, stop("confirm-1", base))
	must(t, err, "SetOptOut")
	changed, err := s.SetOptOut(ctx, stop("confirm-2", base.Add(time.Minute)))
	must(t, err, "second SetOptOut")
	if changed {
		t.Fatal("a second STOP must report changed=false")
	}
	wantNoMessage(t, s, "confirm-2", "a second STOP writes no second confirmation")
	r := reachOf(t, s, adapters.ChannelSMS, phone)
	sameTime(t, r.OptedOutAt, base, "a second STOP keeps the first opt-out's time")
	sameString(t, r.ConfirmationID, "confirm-1", "a second STOP keeps the first confirmation")
	hist, err := s.ListOptOutChanges(ctx, adapters.ChannelSMS, phone)
	must(t, err, "ListOptOutChanges")
	sameInt(t, len(hist), 1, "a second STOP records no change")
}

func testOptIn(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	_, err := s.SetOptOut(ctx, stop("confirm-1", base))
	must(t, err, "SetOptOut")
	in := start(base.Add(time.Hour))
	in.Confirmation = message("welcome-back", base.Add(time.Hour))
	changed, err := s.SetOptOut(ctx, in)
	must(t, err, "opt in")
	if !changed {
		t.Fatal("an opt-in of an opted-out address changes its state")
	}
	if r := reachOf(t, s, adapters.ChannelSMS, phone); r.OptedOut || !r.OptedOutAt.IsZero() || r.ConfirmationID != "" {
		t.Fatalf("an opt-in clears the opt-out, its time and its confirmation, got %+v", r)
	}
	wantMessage(t, s, in.Confirmation, "an opt-in's confirmation is written with it")
	changed, err = s.SetOptOut(ctx, stop("confirm-2", base.Add(2*time.Hour)))
	must(t, err, "STOP again")
	if !changed {
		t.Fatal("a STOP after an opt-in changes the state again")
	}
	wantMessage(t, s, stop("confirm-2", base.Add(2*time.Hour)).Confirmation, "a new opt-out writes its own confirmation")
}

func testOptInNoop(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	in := start(base)
	in.Confirmation = message("welcome", base)
	changed, err := s.SetOptOut(ctx, in)
	must(t, err, "opt in")
	if changed {
		t.Fatal("an opt-in of an address never opted out changes nothing")
	}
	wantNoMessage(t, s, "welcome", "an opt-in that changes nothing writes no confirmation")
	hist, err := s.ListOptOutChanges(ctx, adapters.ChannelSMS, phone)
	must(t, err, "ListOptOutChanges")
	sameInt(t, len(hist), 0, "an opt-in that changes nothing records nothing")
}

func testOptOutKey(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	must(t, s.PutPerson(ctx, person("resident-1", base)), "PutPerson")
	_, err := s.SetOptOut(ctx, stop("", base))
	must(t, err, "SetOptOut")
	// The number changes hands: its opt-out stays with the number.
	p := person("resident-1", base.Add(time.Hour))
	delete(p.Addresses, adapters.ChannelSMS)
	must(t, s.PutPerson(ctx, p), "PutPerson without the number")
	must(t, s.PutPerson(ctx, person("resident-2", base.Add(time.Hour))), "PutPerson with the number")
	if r := reachOf(t, s, adapters.ChannelSMS, phone); !r.OptedOut {
		t.Fatalf("a number opted out stays opted out whoever it belongs to, got %+v", r)
	}
	if r := reachOf(t, s, adapters.ChannelEmail, phone); r.OptedOut {
		t.Fatalf("an opt-out on one channel is not an opt-out on another, got %+v", r)
	}
	if r := reachOf(t, s, adapters.ChannelSMS, "+15555550101"); r.OptedOut {
		t.Fatalf("an opt-out of one number is not an opt-out of another, got %+v", r)
	}
}

func testReachBatch(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	addrs := make([]string, 40)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("+1555555%04d", i)
		switch i % 4 {
		case 1:
			must(t, s.RecordConsent(ctx, adapters.Consent{Channel: adapters.ChannelSMS, Address: addrs[i], Via: "web", At: base}), "RecordConsent")
		case 2:
			c := stop("", base)
			c.Address = addrs[i]
			_, err := s.SetOptOut(ctx, c)
			must(t, err, "SetOptOut")
		}
	}
	got, err := s.Reach(ctx, adapters.ChannelSMS, addrs)
	must(t, err, "Reach")
	sameInt(t, len(got), len(addrs), "Reach answers every address of the batch")
	for i, a := range addrs {
		r := got[a]
		if r.Consented != (i%4 == 1) || r.OptedOut != (i%4 == 2) {
			t.Errorf("Reach of address %d: got %+v", i, r)
		}
	}
	got, err = s.Reach(ctx, adapters.ChannelSMS, nil)
	must(t, err, "Reach of no addresses")
	sameInt(t, len(got), 0, "Reach of no addresses answers nothing")
}

func testOptOutHistory(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	late := stop("", base.Add(2*time.Hour))
	_, err := s.SetOptOut(ctx, stop("c-1", base))
	must(t, err, "STOP")
	_, err = s.SetOptOut(ctx, start(base.Add(time.Hour)))
	must(t, err, "START")
	_, err = s.SetOptOut(ctx, late)
	must(t, err, "STOP again")
	hist, err := s.ListOptOutChanges(ctx, adapters.ChannelSMS, phone)
	must(t, err, "ListOptOutChanges")
	if len(hist) != 3 {
		t.Fatalf("history holds every change: got %d, want 3", len(hist))
	}
	for i, want := range []adapters.OptOutChange{stop("c-1", base), start(base.Add(time.Hour)), late} {
		rule := fmt.Sprintf("history entry %d", i)
		sameString(t, hist[i].Channel, want.Channel, rule+": Channel")
		sameString(t, hist[i].Address, want.Address, rule+": Address")
		if hist[i].Out != want.Out {
			t.Errorf("%s: Out: got %v, want %v", rule, hist[i].Out, want.Out)
		}
		sameString(t, hist[i].Via, want.Via, rule+": Via")
		sameString(t, hist[i].Words, want.Words, rule+": Words")
		sameTime(t, hist[i].At, want.At, rule+": At")
		sameString(t, hist[i].Confirmation.ID, want.Confirmation.ID, rule+": Confirmation.ID")
	}
	other, err := s.ListOptOutChanges(ctx, adapters.ChannelSMS, "+15555550101")
	must(t, err, "ListOptOutChanges of another address")
	sameInt(t, len(other), 0, "another address has its own history")
}

func testOptOutDuplicateConfirmation(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	taken := message("taken", base)
	must(t, s.EnqueueMessages(ctx, []adapters.Message{taken}), "EnqueueMessages")
	c := stop("taken", base)
	_, err := s.SetOptOut(ctx, c)
	wantErr(t, err, adapters.ErrDuplicate, "a confirmation with a taken id")
	c = stop("fresh", base)
	c.Confirmation.IdempotencyKey = taken.IdempotencyKey
	_, err = s.SetOptOut(ctx, c)
	wantErr(t, err, adapters.ErrDuplicate, "a confirmation with a taken idempotency key")
	if r := reachOf(t, s, adapters.ChannelSMS, phone); r.OptedOut {
		t.Fatalf("a refused opt-out writes nothing, got %+v", r)
	}
	wantNoMessage(t, s, "fresh", "a refused opt-out writes no confirmation")
}

func testPeopleInvalid(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	long := strings.Repeat("x", adapters.MaxAddressLen+1)
	badPeople := map[string]func(p *adapters.Person){
		"empty id":            func(p *adapters.Person) { p.ID = "" },
		"zero time":           func(p *adapters.Person) { p.UpdatedAt = time.Time{} },
		"empty channel":       func(p *adapters.Person) { p.Channels = []string{""} },
		"repeated channel":    func(p *adapters.Person) { p.Channels = []string{"sms", "sms"} },
		"oversized address":   func(p *adapters.Person) { p.Addresses["email"] = long },
		"empty address":       func(p *adapters.Person) { p.Addresses["email"] = "" },
		"quiet hour past day": func(p *adapters.Person) { p.QuietEnd = 24 * 60 },
		"negative quiet hour": func(p *adapters.Person) { p.QuietStart = -1 },
	}
	for name, bad := range badPeople {
		p := person("resident-"+strings.ReplaceAll(name, " ", "-"), base)
		bad(&p)
		wantErr(t, s.PutPerson(ctx, p), adapters.ErrInvalidArgument, "PutPerson with "+name)
		if p.ID != "" {
			got, err := s.GetPeople(ctx, []string{p.ID})
			must(t, err, "GetPeople")
			if len(got) != 0 {
				t.Fatalf("PutPerson with %s must write nothing", name)
			}
		}
	}
	badConsents := map[string]adapters.Consent{
		"empty channel":     {Address: phone, Via: "web", At: base},
		"empty address":     {Channel: "sms", Via: "web", At: base},
		"oversized address": {Channel: "sms", Address: long, Via: "web", At: base},
		"empty via":         {Channel: "sms", Address: phone, At: base},
		"zero time":         {Channel: "sms", Address: phone, Via: "web"},
		"oversized words":   {Channel: "sms", Address: phone, Via: "web", At: base, Words: strings.Repeat("w", adapters.MaxWordsLen+1)},
	}
	for name, c := range badConsents {
		wantErr(t, s.RecordConsent(ctx, c), adapters.ErrInvalidArgument, "RecordConsent with "+name)
	}
	if r := reachOf(t, s, adapters.ChannelSMS, phone); r.Consented {
		t.Fatal("refused consents must write nothing")
	}
	badChanges := map[string]func(c *adapters.OptOutChange){
		"empty channel":       func(c *adapters.OptOutChange) { c.Channel = "" },
		"empty address":       func(c *adapters.OptOutChange) { c.Address = "" },
		"empty via":           func(c *adapters.OptOutChange) { c.Via = "" },
		"zero time":           func(c *adapters.OptOutChange) { c.At = time.Time{} },
		"confirmation no key": func(c *adapters.OptOutChange) { c.Confirmation.IdempotencyKey = "" },
		"confirmation no time": func(c *adapters.OptOutChange) {
			c.Confirmation.CreatedAt = time.Time{}
		},
		"confirmation bad data": func(c *adapters.OptOutChange) { c.Confirmation.Data = []byte("{") },
	}
	for name, bad := range badChanges {
		c := stop("bad-"+strings.ReplaceAll(name, " ", "-"), base)
		bad(&c)
		_, err := s.SetOptOut(ctx, c)
		wantErr(t, err, adapters.ErrInvalidArgument, "SetOptOut with "+name)
		wantNoMessage(t, s, c.Confirmation.ID, "SetOptOut with "+name+" writes no confirmation")
	}
	if r := reachOf(t, s, adapters.ChannelSMS, phone); r.OptedOut {
		t.Fatal("refused opt-outs must write nothing")
	}
	tooMany := make([]string, adapters.MaxClaim+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprint(i)
	}
	_, err := s.GetPeople(ctx, tooMany)
	wantErr(t, err, adapters.ErrInvalidArgument, "GetPeople of more than MaxClaim ids")
	_, err = s.Reach(ctx, adapters.ChannelSMS, tooMany)
	wantErr(t, err, adapters.ErrInvalidArgument, "Reach of more than MaxClaim addresses")
	_, err = s.Reach(ctx, "", []string{phone})
	wantErr(t, err, adapters.ErrInvalidArgument, "Reach on an empty channel")
	_, err = s.FindPerson(ctx, adapters.ChannelSMS, "")
	wantErr(t, err, adapters.ErrInvalidArgument, "FindPerson of an empty address")
	_, err = s.ListOptOutChanges(ctx, "", phone)
	wantErr(t, err, adapters.ErrInvalidArgument, "ListOptOutChanges on an empty channel")
}

// testOptOutRace races STOP and START on one number: whatever the
// interleaving, the history alternates, the state is the last change, and
// exactly the STOPs that changed the state wrote a confirmation.
func testOptOutRace(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	const racers = 32
	changed := make([]bool, racers)
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := start(base)
			if i%2 == 0 {
				c = stop(fmt.Sprintf("race-%d", i), base)
			}
			changed[i], errs[i] = s.SetOptOut(ctx, c)
		}()
	}
	wg.Wait()
	must(t, errors.Join(errs...), "racing SetOptOut")
	var outs, ins int
	for i := range racers {
		id := fmt.Sprintf("race-%d", i)
		switch {
		case i%2 == 1 && changed[i]:
			ins++
		case i%2 == 0 && changed[i]:
			outs++
			_, err := s.GetMessage(ctx, id)
			must(t, err, "a STOP that changed the state wrote its confirmation")
		case i%2 == 0:
			wantNoMessage(t, s, id, "a STOP that changed nothing writes no confirmation")
		}
	}
	if outs == 0 {
		t.Fatal("the first STOP in any order changes the state")
	}
	hist, err := s.ListOptOutChanges(ctx, adapters.ChannelSMS, phone)
	must(t, err, "ListOptOutChanges")
	sameInt(t, len(hist), outs+ins, "the history holds exactly the changes reported")
	for i, c := range hist {
		if c.Out != (i%2 == 0) {
			t.Fatalf("history must alternate STOP, START, ... from the first STOP; entry %d is Out=%v", i, c.Out)
		}
		if c.Out && c.Confirmation.ID == "" {
			t.Fatalf("history entry %d is an opt-out without its confirmation", i)
		}
	}
	r := reachOf(t, s, adapters.ChannelSMS, phone)
	if last := hist[len(hist)-1]; r.OptedOut != last.Out || (r.OptedOut && r.ConfirmationID != last.Confirmation.ID) {
		t.Fatalf("the state is the last change: Reach %+v, last change %+v", r, last)
	}
}
