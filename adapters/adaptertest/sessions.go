package adaptertest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
)

// SessionOpener returns a fresh, empty session store for one subtest; it
// registers the store's cleanup on t.
type SessionOpener func(t *testing.T) adapters.SessionStore

// RunSessionStoreTests runs every clause of the adapters.SessionStore
// contract against stores made by open.
func RunSessionStoreTests(t *testing.T, open func(t *testing.T) adapters.SessionStore) {
	t.Helper()
	for _, c := range sessionClauses {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, open)
		})
	}
}

var sessionClauses = []struct {
	name string
	run  func(t *testing.T, open SessionOpener)
}{
	{"SaveThenActive", testSaveThenActive},
	{"UnknownIsInactiveWithoutError", testUnknownSession},
	{"RevokedIsInactive", testRevokedIsInactive},
	{"ExpiredIsInactive", testExpiredIsInactive},
	{"RevokeProviderSessionsBySIDAndBySubject", testRevokeProviderSessions},
	{"ConsumeFlowTwiceReturnsErrDuplicate", testConsumeFlowTwice},
	{"ConcurrentConsumeFlowSucceedsOnce", testConcurrentConsumeFlow},
	{"UnknownFlowIsNotConsumed", testUnknownFlow},
	{"ConsumedFlowIsConsumedUntilItExpires", testFlowConsumed},
	{"DeleteExpiredSessionsPurges", testDeleteExpiredSessions},
	{"InvalidArgumentsAreRefused", testSessionInvalidArguments},
	{"CancelledContextIsHonoured", testSessionCancelled},
}

func session(id, subject, sid string, expires time.Time) adapters.SessionRecord {
	return adapters.SessionRecord{
		ID: id, Issuer: "https://id.example", Subject: subject, ProviderSessionID: sid,
		Created: expires.Add(-12 * time.Hour), Expires: expires,
	}
}

func wantActive(t *testing.T, s adapters.SessionStore, id string, now time.Time, want bool, rule string) {
	t.Helper()
	got, err := s.SessionActive(ctxFor(t), id, now)
	must(t, err, rule)
	if got != want {
		t.Fatalf("%s: SessionActive(%q) = %v, want %v", rule, id, got, want)
	}
}

func testSaveThenActive(t *testing.T, open SessionOpener) {
	s, ctx := open(t), ctxFor(t)
	must(t, s.SaveSession(ctx, session("s1", "resident-1", "sid-1", base.Add(time.Hour))), "SaveSession")
	wantActive(t, s, "s1", base, true, "a saved session is active until it expires")
	// Saving the same id again replaces the record.
	must(t, s.SaveSession(ctx, session("s1", "resident-1", "sid-1", base.Add(2*time.Hour))), "SaveSession replaces")
	wantActive(t, s, "s1", base.Add(90*time.Minute), true, "saving an id again replaces its expiry")
}

func testUnknownSession(t *testing.T, open SessionOpener) {
	wantActive(t, open(t), "nobody", base, false, "an unknown id is inactive, not an error")
}

func testRevokedIsInactive(t *testing.T, open SessionOpener) {
	s, ctx := open(t), ctxFor(t)
	must(t, s.SaveSession(ctx, session("s1", "resident-1", "", base.Add(time.Hour))), "SaveSession")
	must(t, s.SaveSession(ctx, session("s2", "resident-1", "", base.Add(time.Hour))), "SaveSession")
	must(t, s.RevokeSession(ctx, "s1"), "RevokeSession")
	wantActive(t, s, "s1", base, false, "a revoked session is inactive")
	wantActive(t, s, "s2", base, true, "revoking one session leaves the others")
	must(t, s.RevokeSession(ctx, "s1"), "revoking a revoked session is not an error")
	must(t, s.RevokeSession(ctx, "never-saved"), "revoking an unknown id is not an error")
}

func testExpiredIsInactive(t *testing.T, open SessionOpener) {
	s, ctx := open(t), ctxFor(t)
	exp := base.Add(time.Hour)
	must(t, s.SaveSession(ctx, session("s1", "resident-1", "", exp)), "SaveSession")
	wantActive(t, s, "s1", exp.Add(-time.Microsecond), true, "a session is active until its expiry")
	wantActive(t, s, "s1", exp, false, "a session is inactive at its expiry")
	wantActive(t, s, "s1", exp.Add(time.Hour), false, "a session is inactive after its expiry")
}

func testRevokeProviderSessions(t *testing.T, open SessionOpener) {
	s, ctx := open(t), ctxFor(t)
	exp := base.Add(time.Hour)
	for _, rec := range []adapters.SessionRecord{
		session("a", "resident-1", "sid-1", exp),
		session("b", "resident-1", "sid-2", exp),
		session("c", "resident-2", "sid-1", exp),
		{ID: "d", Issuer: "https://other.example", Subject: "resident-1", ProviderSessionID: "sid-1", Created: base, Expires: exp},
	} {
		must(t, s.SaveSession(ctx, rec), "SaveSession")
	}
	n, err := s.RevokeProviderSessions(ctx, adapters.RevokeSessionsParams{Issuer: "https://id.example", Subject: "resident-1", SID: "sid-1"})
	must(t, err, "RevokeProviderSessions by sid")
	sameInt(t, n, 2, "a sid revokes every session of the issuer carrying it, whatever the subject")
	wantActive(t, s, "a", base, false, "the session with the sid is revoked")
	wantActive(t, s, "c", base, false, "the sid selects, not the subject")
	wantActive(t, s, "b", base, true, "another sid of the same subject survives a revocation by sid")
	wantActive(t, s, "d", base, true, "another issuer's session survives")

	n, err = s.RevokeProviderSessions(ctx, adapters.RevokeSessionsParams{Issuer: "https://id.example", Subject: "resident-1"})
	must(t, err, "RevokeProviderSessions by subject")
	sameInt(t, n, 1, "without a sid, every session of the subject at the issuer ends")
	wantActive(t, s, "b", base, false, "the subject's remaining session is revoked")
	wantActive(t, s, "d", base, true, "the same subject at another issuer survives")

	n, err = s.RevokeProviderSessions(ctx, adapters.RevokeSessionsParams{Issuer: "https://id.example", Subject: "resident-1"})
	must(t, err, "RevokeProviderSessions again")
	sameInt(t, n, 0, "revoking what is already revoked ends nothing")
}

func testConsumeFlowTwice(t *testing.T, open SessionOpener) {
	s, ctx := open(t), ctxFor(t)
	must(t, s.ConsumeFlow(ctx, "flow-1", base.Add(10*time.Minute)), "the first ConsumeFlow succeeds")
	wantErr(t, s.ConsumeFlow(ctx, "flow-1", base.Add(20*time.Minute)), adapters.ErrDuplicate, "consuming a flow twice")
	must(t, s.ConsumeFlow(ctx, "flow-2", base.Add(10*time.Minute)), "another flow is independent")
}

func testConcurrentConsumeFlow(t *testing.T, open SessionOpener) {
	s := open(t)
	const racers = 16
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		ok, dups int
		others   []error
	)
	start := make(chan struct{})
	for range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			err := s.ConsumeFlow(ctxFor(t), "contested", base.Add(10*time.Minute))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, adapters.ErrDuplicate):
				dups++
			default:
				others = append(others, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(others) > 0 {
		t.Fatalf("racing ConsumeFlow calls fail only with ErrDuplicate: %v", errors.Join(others...))
	}
	if ok != 1 || dups != racers-1 {
		t.Fatalf("of %d racing ConsumeFlow calls exactly one succeeds: %d succeeded, %d got ErrDuplicate", racers, ok, dups)
	}
}

func wantConsumed(t *testing.T, s adapters.SessionStore, key string, now time.Time, want bool, rule string) {
	t.Helper()
	got, err := s.FlowConsumed(ctxFor(t), key, now)
	must(t, err, rule)
	if got != want {
		t.Fatalf("%s: FlowConsumed(%q) = %v, want %v", rule, key, got, want)
	}
}

func testUnknownFlow(t *testing.T, open SessionOpener) {
	wantConsumed(t, open(t), "never-consumed", base, false, "an unknown flow key is not consumed, and not an error")
}

func testFlowConsumed(t *testing.T, open SessionOpener) {
	s, ctx := open(t), ctxFor(t)
	exp := base.Add(10 * time.Minute)
	wantConsumed(t, s, "flow-1", base, false, "a flow is not consumed before ConsumeFlow")
	must(t, s.ConsumeFlow(ctx, "flow-1", exp), "ConsumeFlow")
	wantConsumed(t, s, "flow-1", base, true, "a flow is consumed after ConsumeFlow")
	wantConsumed(t, s, "flow-1", exp.Add(-time.Microsecond), true, "a consumed flow stays consumed until its expiry")
	wantConsumed(t, s, "flow-1", exp, false, "a consumed flow is no longer reported at its expiry")
	wantConsumed(t, s, "flow-1", exp.Add(time.Hour), false, "a consumed flow is no longer reported after its expiry")
	wantConsumed(t, s, "flow-2", base, false, "consuming one flow leaves the others unconsumed")
	wantErr(t, s.ConsumeFlow(ctx, "flow-1", exp), adapters.ErrDuplicate, "FlowConsumed records nothing and changes no record")
	must(t, s.ConsumeFlow(ctx, "flow-2", exp), "FlowConsumed of an unknown key records nothing")
}

func testDeleteExpiredSessions(t *testing.T, open SessionOpener) {
	s, ctx := open(t), ctxFor(t)
	must(t, s.SaveSession(ctx, session("old", "resident-1", "", base.Add(time.Hour))), "SaveSession")
	must(t, s.SaveSession(ctx, session("new", "resident-1", "", base.Add(3*time.Hour))), "SaveSession")
	must(t, s.ConsumeFlow(ctx, "old-flow", base.Add(time.Hour)), "ConsumeFlow")
	must(t, s.ConsumeFlow(ctx, "new-flow", base.Add(3*time.Hour)), "ConsumeFlow")
	now := base.Add(2 * time.Hour)
	n, err := s.DeleteExpiredSessions(ctx, now)
	must(t, err, "DeleteExpiredSessions")
	sameInt(t, n, 2, "DeleteExpiredSessions counts the expired session and the expired flow it removed")
	wantActive(t, s, "new", now, true, "an unexpired session survives the purge")
	must(t, s.ConsumeFlow(ctx, "old-flow", base.Add(3*time.Hour)), "a purged flow record is gone")
	wantErr(t, s.ConsumeFlow(ctx, "new-flow", base.Add(3*time.Hour)), adapters.ErrDuplicate, "an unexpired flow record survives the purge")
	n, err = s.DeleteExpiredSessions(ctx, now)
	must(t, err, "DeleteExpiredSessions again")
	sameInt(t, n, 0, "a second purge finds nothing")
}

func testSessionInvalidArguments(t *testing.T, open SessionOpener) {
	s, ctx := open(t), ctxFor(t)
	long := string(make([]byte, 4096))
	calls := []struct {
		name string
		call func() error
	}{
		{"SaveSessionWithoutID", func() error { return s.SaveSession(ctx, session("", "r", "", base)) }},
		{"SaveSessionWithoutExpiry", func() error { return s.SaveSession(ctx, session("s", "r", "", time.Time{})) }},
		{"SaveSessionWithHugeSubject", func() error { return s.SaveSession(ctx, session("s", long, "", base)) }},
		{"RevokeWithoutIssuer", func() error {
			_, err := s.RevokeProviderSessions(ctx, adapters.RevokeSessionsParams{Subject: "r"})
			return err
		}},
		{"RevokeWithoutSIDOrSubject", func() error {
			_, err := s.RevokeProviderSessions(ctx, adapters.RevokeSessionsParams{Issuer: "https://id.example"})
			return err
		}},
		{"ConsumeFlowWithoutKey", func() error { return s.ConsumeFlow(ctx, "", base) }},
		{"ConsumeFlowWithoutExpiry", func() error { return s.ConsumeFlow(ctx, "k", time.Time{}) }},
		{"ConsumeFlowWithHugeKey", func() error { return s.ConsumeFlow(ctx, long, base) }},
		{"FlowConsumedWithoutKey", func() error { _, err := s.FlowConsumed(ctx, "", base); return err }},
		{"FlowConsumedZeroTime", func() error { _, err := s.FlowConsumed(ctx, "k", time.Time{}); return err }},
		{"FlowConsumedWithHugeKey", func() error { _, err := s.FlowConsumed(ctx, long, base); return err }},
		{"DeleteExpiredSessionsZeroTime", func() error { _, err := s.DeleteExpiredSessions(ctx, time.Time{}); return err }},
	}
	for _, c := range calls {
		wantErr(t, c.call(), adapters.ErrInvalidArgument, c.name)
	}
	// A revocation refused for want of a selector must not end everything.
	must(t, s.SaveSession(ctx, session("s1", "resident-1", "", base.Add(time.Hour))), "SaveSession")
	_, _ = s.RevokeProviderSessions(ctx, adapters.RevokeSessionsParams{Issuer: "https://id.example"})
	wantActive(t, s, "s1", base, true, "a refused revocation revokes nothing")
}

func testSessionCancelled(t *testing.T, open SessionOpener) {
	s := open(t)
	must(t, s.SaveSession(ctxFor(t), session("s1", "resident-1", "sid-1", base.Add(time.Hour))), "SaveSession")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := map[string]func() error{
		"SaveSession": func() error { return s.SaveSession(ctx, session("s2", "r", "", base.Add(time.Hour))) },
		"SessionActive": func() error {
			_, err := s.SessionActive(ctx, "s1", base)
			return err
		},
		"RevokeSession": func() error { return s.RevokeSession(ctx, "s1") },
		"RevokeProviderSessions": func() error {
			_, err := s.RevokeProviderSessions(ctx, adapters.RevokeSessionsParams{Issuer: "https://id.example", SID: "sid-1"})
			return err
		},
		"ConsumeFlow": func() error { return s.ConsumeFlow(ctx, "f", base.Add(time.Hour)) },
		"FlowConsumed": func() error {
			_, err := s.FlowConsumed(ctx, "f", base)
			return err
		},
		"DeleteExpiredSessions": func() error { _, err := s.DeleteExpiredSessions(ctx, base.Add(48*time.Hour)); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context returns context.Canceled, got %v", name, err)
		}
	}
	wantActive(t, s, "s1", base, true, "cancelled calls change nothing")
	wantActive(t, s, "s2", base, false, "a cancelled save writes nothing")
	must(t, s.ConsumeFlow(ctxFor(t), "f", base.Add(time.Hour)), "a cancelled ConsumeFlow records nothing")
}
