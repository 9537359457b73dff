package feedback_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/devchannel"
	"github.com/civickit/civickit/feedback"
)

var dispatchT0 = time.Date(2026, 6, 1, 15, 0, 0, 0, time.UTC) // 10:00 in Chicago

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testRenderer renders every template on every channel except those in
// missing, which have no template.
type testRenderer struct{ missing map[string]bool }

func (r testRenderer) Render(m adapters.Message, channel, locale string) (feedback.Rendered, error) {
	if r.missing[channel] {
		return feedback.Rendered{}, fmt.Errorf("template %q: %w", m.Template, feedback.ErrNoTemplate)
	}
	return feedback.Rendered{Locale: locale, Subject: "About " + m.CaseID, Text: m.Template + " via " + channel}, nil
}

// scriptChannel answers as its script says and counts sends.
type scriptChannel struct {
	name  string
	sends atomic.Int64
	do    func(ctx context.Context, m adapters.Outgoing) (adapters.Sent, error)
}

func (c *scriptChannel) Name() string { return c.name }
func (c *scriptChannel) Send(ctx context.Context, m adapters.Outgoing) (adapters.Sent, error) {
	c.sends.Add(1)
	return c.do(ctx, m)
}

type fixture struct {
	store  adapters.Store
	people adapters.PeopleStore
	box    *devchannel.Mailbox
	clock  *testClock
	d      *feedback.Dispatcher
}

// newFixture makes a dispatcher over a fresh store with mailbox channels
// "email", "sms" and "letter", unless cfg's Channels say otherwise.
func newFixture(t *testing.T, impl storeImpl, edit func(*feedback.DispatcherConfig)) *fixture {
	t.Helper()
	f := &fixture{store: impl.open(t), box: devchannel.NewMailbox(), clock: &testClock{t: dispatchT0}}
	f.people = f.store
	cfg := &feedback.DispatcherConfig{
		Channels: []adapters.Channel{f.box.Channel("email"), f.box.Channel("sms"), f.box.Channel("letter")},
		Renderer: testRenderer{}, Owner: "d1", Now: f.clock.Now, Rand: func() float64 { return 0.5 },
		BaseBackoff: time.Second, MaxBackoff: time.Minute, MaxAttempts: 3, SendTimeout: 50 * time.Millisecond,
	}
	if edit != nil {
		edit(cfg)
	}
	d, err := feedback.NewDispatcher(f.store, f.people, cfg)
	require.NoError(t, err)
	f.d = d
	return f
}

func (f *fixture) enqueue(t *testing.T, msgs ...adapters.Message) {
	t.Helper()
	for i := range msgs {
		if msgs[i].IdempotencyKey == "" {
			msgs[i].IdempotencyKey = msgs[i].ID
		}
		if msgs[i].CreatedAt.IsZero() {
			msgs[i].CreatedAt = f.clock.Now()
		}
		if msgs[i].Template == "" {
			msgs[i].Template = "case-update"
		}
	}
	require.NoError(t, f.store.EnqueueMessages(context.Background(), msgs))
}

func (f *fixture) get(t *testing.T, id string) adapters.Message {
	t.Helper()
	m, err := f.store.GetMessage(context.Background(), id)
	require.NoError(t, err)
	return m
}

// drain dispatches until nothing is due, moving the clock past every
// backoff, and fails if that takes more than rounds rounds.
func (f *fixture) drain(t *testing.T, rounds int) {
	t.Helper()
	for range rounds {
		n, err := f.d.DispatchOnce(context.Background())
		require.NoError(t, err)
		if n == 0 {
			f.clock.Advance(2 * time.Minute)
			if n, err = f.d.DispatchOnce(context.Background()); err == nil && n == 0 {
				return
			}
			require.NoError(t, err)
		}
		f.clock.Advance(2 * time.Minute)
	}
	t.Fatalf("messages still due after %d rounds", rounds)
}

func (f *fixture) put(t *testing.T, p adapters.Person) {
	t.Helper()
	require.NoError(t, f.people.PutPerson(context.Background(), p))
}

func (f *fixture) consent(t *testing.T, channel, address string) {
	t.Helper()
	require.NoError(t, f.people.RecordConsent(context.Background(), adapters.Consent{Channel: channel, Address: address, Via: "web", At: dispatchT0}))
}

func (f *fixture) optOut(t *testing.T, channel, address, confirmationID string) {
	t.Helper()
	c := adapters.OptOutChange{Channel: channel, Address: address, Out: true, Via: "keyword", At: dispatchT0}
	if confirmationID != "" {
		c.Confirmation = adapters.Message{ID: confirmationID, IdempotencyKey: confirmationID, Recipient: channel + ":" + address,
			Channel: channel, Template: "opted-out", CreatedAt: dispatchT0}
	}
	_, err := f.people.SetOptOut(context.Background(), c)
	require.NoError(t, err)
}

var ana = adapters.Person{ID: "ana", Locale: "es", TimeZone: "America/Chicago", Channels: []string{"sms", "email", "letter"},
	Addresses: map[string]string{"sms": "+15550000001", "email": "ana@example.org", "letter": "1 Main St\nSpringfield"}, UpdatedAt: dispatchT0}

func TestDispatchChoosesTheChannel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		setup      func(t *testing.T, f *fixture)
		msg        adapters.Message
		edit       func(*feedback.DispatcherConfig)
		wantStatus adapters.MessageStatus
		wantVia    string
		wantError  string
	}{
		{name: "the person's first channel", msg: adapters.Message{ID: "m", Recipient: "ana"},
			setup: func(t *testing.T, f *fixture) { f.consent(t, "sms", "+15550000001") }, wantStatus: adapters.MessageDelivered, wantVia: "sms"},
		{name: "the message's hint first", msg: adapters.Message{ID: "m", Recipient: "ana", Channel: "letter"},
			setup: func(t *testing.T, f *fixture) { f.consent(t, "sms", "+15550000001") }, wantStatus: adapters.MessageDelivered, wantVia: "letter"},
		{name: "a hint without an address is ignored", msg: adapters.Message{ID: "m", Recipient: "ana", Channel: "webhook"},
			setup: func(t *testing.T, f *fixture) { f.consent(t, "sms", "+15550000001") }, wantStatus: adapters.MessageDelivered, wantVia: "sms"},
		{name: "SMS without consent falls back", msg: adapters.Message{ID: "m", Recipient: "ana"},
			wantStatus: adapters.MessageDelivered, wantVia: "email"},
		{name: "an opted-out address falls back", msg: adapters.Message{ID: "m", Recipient: "ana"},
			setup: func(t *testing.T, f *fixture) {
				f.consent(t, "sms", "+15550000001")
				f.optOut(t, "sms", "+15550000001", "")
			}, wantStatus: adapters.MessageDelivered, wantVia: "email"},
		{name: "the opt-out's confirmation reaches the opted-out address", msg: adapters.Message{ID: "confirm", Recipient: "sms:+15550000001"},
			setup: func(t *testing.T, f *fixture) {
				require.NoError(t, f.store.EnqueueMessages(context.Background(), []adapters.Message{{ID: "other", IdempotencyKey: "other", Recipient: "sms:+15550000001", Template: "x", CreatedAt: dispatchT0}}))
				f.consent(t, "sms", "+15550000001")
				// SetOptOut writes the confirmation "confirm-1"; the test's own
				// message "confirm" is another one and must not get through.
				f.optOut(t, "sms", "+15550000001", "confirm-1")
			}, wantStatus: adapters.MessageFailed, wantError: "sms: opted out"},
		{name: "no template for a channel falls back", msg: adapters.Message{ID: "m", Recipient: "ana"},
			setup:      func(t *testing.T, f *fixture) { f.consent(t, "sms", "+15550000001") },
			edit:       func(c *feedback.DispatcherConfig) { c.Renderer = testRenderer{missing: map[string]bool{"sms": true}} },
			wantStatus: adapters.MessageDelivered, wantVia: "email"},
		{name: "a direct email address", msg: adapters.Message{ID: "m", Recipient: "email:bo@example.org"},
			wantStatus: adapters.MessageDelivered, wantVia: "email"},
		{name: "a direct SMS number without consent fails", msg: adapters.Message{ID: "m", Recipient: "sms:+15550000009"},
			wantStatus: adapters.MessageFailed, wantError: "sms: no consent"},
		{name: "an unknown recipient fails", msg: adapters.Message{ID: "m", Recipient: "nobody"},
			wantStatus: adapters.MessageFailed, wantError: "recipient is neither"},
		{name: "no channel left fails with every reason", msg: adapters.Message{ID: "m", Recipient: "ana"},
			setup: func(t *testing.T, f *fixture) { f.optOut(t, "email", "ana@example.org", "") },
			edit: func(c *feedback.DispatcherConfig) {
				c.Renderer = testRenderer{missing: map[string]bool{"letter": true}}
			},
			wantStatus: adapters.MessageFailed, wantError: "sms: no consent; email: opted out; letter: no template"},
	}
	for _, impl := range storeImpls {
		for _, tt := range tests {
			t.Run(impl.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, impl, tt.edit)
				f.put(t, ana)
				if tt.setup != nil {
					tt.setup(t, f)
				}
				f.enqueue(t, tt.msg)
				f.drain(t, 5)
				m := f.get(t, tt.msg.ID)
				assert.Equal(t, tt.wantStatus, m.Status, "status; last error %q", m.LastError)
				assert.Equal(t, 1, m.Attempts, "one attempt")
				if tt.wantVia != "" {
					assert.Equal(t, tt.wantVia, m.Via)
					got := f.box.Messages(tt.wantVia)
					require.Len(t, got, 1)
					assert.Equal(t, m.Address, got[0].To)
					assert.Equal(t, tt.msg.ID, got[0].MessageID)
					assert.Equal(t, tt.msg.ID, got[0].IdempotencyKey)
					assert.NotEmpty(t, m.ProviderID, "the provider's id is kept")
				}
				if tt.wantError != "" {
					assert.Contains(t, m.LastError, tt.wantError)
				}
				for _, ch := range []string{"sms", "email", "letter"} {
					for _, o := range f.box.Messages(ch) {
						if o.MessageID == tt.msg.ID {
							assert.Equal(t, tt.wantVia, ch, "sent only on the chosen channel")
						}
					}
				}
			})
		}
	}
}

func TestConfirmationReachesOptedOutNumber(t *testing.T) {
	t.Parallel()
	for _, impl := range storeImpls {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, impl, nil)
			f.consent(t, "sms", "+15550000001")
			f.optOut(t, "sms", "+15550000001", "confirm-1")
			f.enqueue(t, adapters.Message{ID: "later", Recipient: "sms:+15550000001"})
			f.drain(t, 5)
			assert.Equal(t, adapters.MessageDelivered, f.get(t, "confirm-1").Status, "the one confirmation goes out")
			assert.Equal(t, adapters.MessageFailed, f.get(t, "later").Status, "nothing else does")
			got := f.box.Messages("sms")
			require.Len(t, got, 1)
			assert.Equal(t, "confirm-1", got[0].MessageID)
			assert.Empty(t, got[0].UnsubscribeURL, "a confirmation carries no unsubscribe link")
		})
	}
}

func TestDispatchOutcomesFollowTheFailureClass(t *testing.T) {
	t.Parallel()
	temporary := func(ctx context.Context, m adapters.Outgoing) (adapters.Sent, error) {
		return adapters.Sent{}, errors.New("503 try later")
	}
	timeout := func(ctx context.Context, m adapters.Outgoing) (adapters.Sent, error) {
		<-ctx.Done()
		return adapters.Sent{}, ctx.Err()
	}
	panicking := func(ctx context.Context, m adapters.Outgoing) (adapters.Sent, error) { panic("provider SDK bug") }
	permanent := func(ctx context.Context, m adapters.Outgoing) (adapters.Sent, error) {
		return adapters.Sent{}, adapters.Permanent("550", errors.New("no such user"))
	}
	optedOut := func(ctx context.Context, m adapters.Outgoing) (adapters.Sent, error) {
		return adapters.Sent{}, adapters.OptedOut("21610", errors.New("unsubscribed recipient"))
	}
	tests := []struct {
		name       string
		sms        func(context.Context, adapters.Outgoing) (adapters.Sent, error)
		noFallback bool
		wantStatus adapters.MessageStatus
		wantSends  int64
		wantVia    string
		wantError  string
	}{
		{name: "temporary error: retried to the limit, then dead", sms: temporary, noFallback: true, wantStatus: adapters.MessageDead, wantSends: 3, wantError: "attempt 3 of 3: sms: 503 try later"},
		{name: "timeout: retried to the limit, then dead", sms: timeout, noFallback: true, wantStatus: adapters.MessageDead, wantSends: 3, wantError: "timed out"},
		{name: "panic: retried to the limit, then dead", sms: panicking, noFallback: true, wantStatus: adapters.MessageDead, wantSends: 3, wantError: "channel panicked"},
		{name: "temporary error does not fall back", sms: temporary, wantStatus: adapters.MessageDead, wantSends: 3},
		{name: "permanent error falls back at once", sms: permanent, wantStatus: adapters.MessageDelivered, wantSends: 1, wantVia: "email"},
		{name: "permanent error with nothing left fails", sms: permanent, noFallback: true, wantStatus: adapters.MessageFailed, wantSends: 1, wantError: "sms: permanent failure (code 550)"},
		{name: "provider opt-out is recorded and falls back", sms: optedOut, wantStatus: adapters.MessageDelivered, wantSends: 1, wantVia: "email"},
	}
	for _, impl := range storeImpls {
		for _, tt := range tests {
			t.Run(impl.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				sms := &scriptChannel{name: "sms", do: tt.sms}
				f := newFixture(t, impl, func(c *feedback.DispatcherConfig) {
					c.Channels = []adapters.Channel{sms, c.Channels[0]}
				})
				p := ana
				if tt.noFallback {
					p.Channels = []string{"sms"}
				}
				f.put(t, p)
				f.consent(t, "sms", "+15550000001")
				f.enqueue(t, adapters.Message{ID: "m", Recipient: "ana", CaseID: "c1"})
				f.drain(t, 10)
				m := f.get(t, "m")
				assert.Equal(t, tt.wantStatus, m.Status, "final status; last error %q", m.LastError)
				assert.Equal(t, tt.wantSends, sms.sends.Load(), "sends on the failing channel")
				assert.LessOrEqual(t, m.Attempts, 3, "never past MaxAttempts")
				if tt.wantVia != "" {
					assert.Equal(t, tt.wantVia, m.Via)
					assert.Len(t, f.box.Messages(tt.wantVia), 1)
				}
				if tt.wantError != "" {
					assert.Contains(t, m.LastError, tt.wantError)
				}
				changes, err := f.people.ListOptOutChanges(context.Background(), "sms", "+15550000001")
				require.NoError(t, err)
				if tt.name == "provider opt-out is recorded and falls back" {
					require.Len(t, changes, 1)
					assert.Equal(t, "provider", changes[0].Via)
				} else {
					assert.Empty(t, changes)
				}
			})
		}
	}
}

func TestTemporaryFailureStatesAndBackoff(t *testing.T) {
	t.Parallel()
	for _, impl := range storeImpls {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			var fail atomic.Bool
			fail.Store(true)
			email := &scriptChannel{name: "email", do: func(ctx context.Context, m adapters.Outgoing) (adapters.Sent, error) {
				if fail.Load() {
					return adapters.Sent{}, errors.New("421 busy")
				}
				return adapters.Sent{ProviderID: "q-1"}, nil
			}}
			f := newFixture(t, impl, func(c *feedback.DispatcherConfig) { c.Channels = []adapters.Channel{email} })
			f.enqueue(t, adapters.Message{ID: "m", Recipient: "email:bo@example.org"})
			n, err := f.d.DispatchOnce(context.Background())
			require.NoError(t, err)
			require.Equal(t, 1, n)
			m := f.get(t, "m")
			assert.Equal(t, adapters.DeliveryFailedTemporary, m.DeliveryState(f.clock.Now()))
			assert.Equal(t, f.clock.Now().Add(500*time.Millisecond), m.NextAttemptAt, "full jitter: half of the 1s base with Rand 0.5")
			assert.Equal(t, "email", m.Via)
			fail.Store(false)
			f.clock.Advance(time.Second)
			_, err = f.d.DispatchOnce(context.Background())
			require.NoError(t, err)
			m = f.get(t, "m")
			assert.Equal(t, adapters.MessageSent, m.Status)
			assert.Equal(t, adapters.DeliverySent, m.DeliveryState(f.clock.Now()))
			assert.Equal(t, "q-1", m.ProviderID)
			assert.Equal(t, 2, m.Attempts)

			require.NoError(t, f.d.HandleReceipt(context.Background(), adapters.Receipt{Channel: "email", ProviderID: "q-1", Delivered: true}))
			assert.Equal(t, adapters.MessageDelivered, f.get(t, "m").Status, "a receipt completes the delivery")
			err = f.d.HandleReceipt(context.Background(), adapters.Receipt{Channel: "email", ProviderID: "nope", Delivered: true})
			assert.ErrorIs(t, err, adapters.ErrNotFound)
		})
	}
}

func TestBackoffIsExponentialWithFullJitter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		attempt int
		rand    float64
		want    time.Duration
	}{
		{name: "first attempt, top of the range", attempt: 1, rand: 0.999, want: 999 * time.Millisecond},
		{name: "third attempt doubles twice", attempt: 3, rand: 0.5, want: 2 * time.Second},
		{name: "capped at MaxBackoff", attempt: 20, rand: 0.5, want: 30 * time.Second},
		{name: "huge attempt does not overflow", attempt: 200, rand: 0.5, want: 30 * time.Second},
		{name: "zero jitter retries at once", attempt: 5, rand: 0, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := storeImpls[0].open(t)
			d, err := feedback.NewDispatcher(store, store, &feedback.DispatcherConfig{
				Channels: []adapters.Channel{devchannel.NewMailbox().Channel("email")}, Renderer: testRenderer{},
				BaseBackoff: time.Second, MaxBackoff: time.Minute, Rand: func() float64 { return tt.rand },
			})
			require.NoError(t, err)
			assert.Equal(t, tt.want, d.Backoff(tt.attempt))
		})
	}
}

func TestQuietHoursDeferSMSWithoutUsingAnAttempt(t *testing.T) {
	t.Parallel()
	for _, impl := range storeImpls {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, impl, nil)
			p := ana
			p.QuietStart, p.QuietEnd = 9*60, 11*60 // it is 10:00 in Chicago
			f.put(t, p)
			f.consent(t, "sms", "+15550000001")
			f.enqueue(t, adapters.Message{ID: "m", Recipient: "ana"})
			_, err := f.d.DispatchOnce(context.Background())
			require.NoError(t, err)
			m := f.get(t, "m")
			assert.Equal(t, adapters.MessagePending, m.Status)
			assert.Equal(t, 0, m.Attempts, "waiting for quiet hours to end is not an attempt")
			assert.Equal(t, dispatchT0.Add(time.Hour), m.NextAttemptAt, "due when quiet hours end at 11:00 local")
			assert.Equal(t, adapters.DeliveryQueued, m.DeliveryState(f.clock.Now()))
			assert.Zero(t, f.box.Len(), "nothing is sent in quiet hours, not even on another channel")
			f.clock.Advance(59 * time.Minute)
			n, err := f.d.DispatchOnce(context.Background())
			require.NoError(t, err)
			assert.Zero(t, n)
			f.clock.Advance(time.Minute)
			_, err = f.d.DispatchOnce(context.Background())
			require.NoError(t, err)
			m = f.get(t, "m")
			assert.Equal(t, adapters.MessageDelivered, m.Status)
			assert.Equal(t, "sms", m.Via)
			assert.Equal(t, 1, m.Attempts)
		})
	}
}

func TestQuietHoursWrapMidnight(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storeImpls[0], nil)
	p := ana
	p.TimeZone = "UTC"
	p.QuietStart, p.QuietEnd = 14*60, 8*60 // 14:00 to 08:00 next day; it is 15:00 UTC
	f.put(t, p)
	f.consent(t, "sms", "+15550000001")
	f.enqueue(t, adapters.Message{ID: "m", Recipient: "ana"})
	_, err := f.d.DispatchOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 6, 2, 8, 0, 0, 0, time.UTC), f.get(t, "m").NextAttemptAt)
}

func TestKilledDispatchersMessageIsDeliveredAfterItsLease(t *testing.T) {
	t.Parallel()
	for _, impl := range storeImpls {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, impl, nil)
			f.enqueue(t, adapters.Message{ID: "m", Recipient: "email:bo@example.org"})
			// A dispatcher claimed it and died mid-send: its lease is left.
			got, err := f.store.ClaimMessages(context.Background(), adapters.ClaimParams{Owner: "dead", Limit: 10, Now: f.clock.Now(), Lease: time.Minute})
			require.NoError(t, err)
			require.Len(t, got, 1)
			n, err := f.d.DispatchOnce(context.Background())
			require.NoError(t, err)
			assert.Zero(t, n, "a leased message is not taken while its lease holds")
			f.clock.Advance(time.Minute + time.Second)
			n, err = f.d.DispatchOnce(context.Background())
			require.NoError(t, err)
			assert.Equal(t, 1, n)
			m := f.get(t, "m")
			assert.Equal(t, adapters.MessageDelivered, m.Status)
			assert.Equal(t, 2, m.Attempts)
			err = f.store.MarkMessage(context.Background(), adapters.MarkParams{ID: "m", Owner: "dead", Status: adapters.MessageFailed, At: f.clock.Now()})
			assert.ErrorIs(t, err, adapters.ErrConflict, "the dead dispatcher's late mark is refused")
		})
	}
}

func TestMessageClaimedPastItsLastAttemptIsDeadUnsent(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storeImpls[0], nil)
	f.enqueue(t, adapters.Message{ID: "m", Recipient: "email:bo@example.org"})
	for range 3 { // three dispatchers died holding it
		_, err := f.store.ClaimMessages(context.Background(), adapters.ClaimParams{Owner: "dead", Limit: 1, Now: f.clock.Now(), Lease: time.Minute})
		require.NoError(t, err)
		f.clock.Advance(2 * time.Minute)
	}
	_, err := f.d.DispatchOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, adapters.MessageDead, f.get(t, "m").Status)
	assert.Zero(t, f.box.Len(), "never sent past MaxAttempts")
}

// gate is a channel whose sends wait until it opens.
type gate struct {
	started chan string
	open    chan struct{}
	box     *devchannel.Mailbox
}

func (g *gate) Name() string { return "email" }
func (g *gate) Send(ctx context.Context, m adapters.Outgoing) (adapters.Sent, error) {
	g.started <- m.MessageID
	<-g.open
	return g.box.Channel("email").Send(ctx, m)
}

func TestGracefulShutdownFinishesInFlightAndReleasesTheRest(t *testing.T) {
	t.Parallel()
	for _, impl := range storeImpls {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			g := &gate{started: make(chan string, 10), open: make(chan struct{}), box: devchannel.NewMailbox()}
			f := newFixture(t, impl, func(c *feedback.DispatcherConfig) {
				c.Channels = []adapters.Channel{g}
				c.Workers, c.Batch, c.SendTimeout = 1, 10, 10*time.Second
				c.Now = nil
			})
			for i := range 5 {
				f.enqueue(t, adapters.Message{ID: fmt.Sprintf("m%d", i), Recipient: "email:bo@example.org", CreatedAt: time.Now().Add(-time.Hour)})
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- f.d.Run(ctx) }()
			var first string
			select {
			case first = <-g.started:
			case <-time.After(10 * time.Second):
				t.Fatal("no send started")
			}
			cancel()
			close(g.open)
			select {
			case err := <-done:
				require.NoError(t, err)
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return after cancel")
			}
			assert.Len(t, g.box.Messages("email"), 1, "the send in flight finished")
			for i := range 5 {
				m := f.get(t, fmt.Sprintf("m%d", i))
				if m.ID == first {
					assert.Equal(t, adapters.MessageDelivered, m.Status, "the send in flight is recorded")
					continue
				}
				assert.Equal(t, adapters.MessagePending, m.Status)
				assert.Empty(t, m.LeaseOwner, "a held message is released")
				assert.Zero(t, m.Attempts, "a released message used no attempt")
			}
		})
	}
}

// Opted-out and unconsented numbers are never texted, however many
// dispatchers race over the outbox.
func TestOptOutAndConsentHoldUnderConcurrentDispatchers(t *testing.T) {
	t.Parallel()
	for _, impl := range storeImpls {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			store := impl.open(t)
			box := devchannel.NewMailbox()
			ctx := context.Background()
			const n = 300
			var msgs []adapters.Message
			for i := range n {
				num := fmt.Sprintf("+1555%07d", i)
				require.NoError(t, store.PutPerson(ctx, adapters.Person{ID: fmt.Sprintf("p%d", i), Channels: []string{"sms"}, Addresses: map[string]string{"sms": num}, UpdatedAt: dispatchT0}))
				switch i % 3 {
				case 0: // consented
					require.NoError(t, store.RecordConsent(ctx, adapters.Consent{Channel: "sms", Address: num, Via: "web", At: dispatchT0}))
				case 1: // consented, then opted out
					require.NoError(t, store.RecordConsent(ctx, adapters.Consent{Channel: "sms", Address: num, Via: "web", At: dispatchT0}))
					_, err := store.SetOptOut(ctx, adapters.OptOutChange{Channel: "sms", Address: num, Out: true, Via: "keyword", At: dispatchT0})
					require.NoError(t, err)
				}
				msgs = append(msgs, adapters.Message{ID: fmt.Sprintf("m%d", i), IdempotencyKey: fmt.Sprintf("m%d", i), Recipient: fmt.Sprintf("p%d", i), Template: "t", CreatedAt: dispatchT0})
			}
			require.NoError(t, store.EnqueueMessages(ctx, msgs))
			runCtx, cancel := context.WithCancel(ctx)
			var wg sync.WaitGroup
			for w := range 4 {
				d, err := feedback.NewDispatcher(store, store, &feedback.DispatcherConfig{
					Channels: []adapters.Channel{box.Channel("sms")}, Renderer: testRenderer{}, Owner: fmt.Sprintf("d%d", w),
					Batch: 7, PollInterval: time.Millisecond,
				})
				require.NoError(t, err)
				wg.Add(1)
				go func() {
					defer wg.Done()
					assert.NoError(t, d.Run(runCtx))
				}()
			}
			require.Eventually(t, func() bool {
				for i := n - 1; i >= 0; i-- {
					m, err := store.GetMessage(ctx, fmt.Sprintf("m%d", i))
					if err != nil || !m.Status.Final() {
						return false
					}
				}
				return true
			}, 60*time.Second, 20*time.Millisecond, "every message reaches a final state")
			cancel()
			wg.Wait()
			sent := box.Messages("sms")
			assert.Len(t, sent, n/3, "exactly the consented, not opted-out numbers are texted, once each")
			for _, o := range sent {
				var i int
				_, err := fmt.Sscanf(o.MessageID, "m%d", &i)
				require.NoError(t, err)
				assert.Zero(t, i%3, "message %s went to a number without consent or opted out", o.MessageID)
			}
			for i := range n {
				m, err := store.GetMessage(ctx, fmt.Sprintf("m%d", i))
				require.NoError(t, err)
				if i%3 == 0 {
					assert.Equal(t, adapters.MessageDelivered, m.Status)
				} else {
					assert.Equal(t, adapters.MessageFailed, m.Status)
					assert.True(t, strings.Contains(m.LastError, "opted out") || strings.Contains(m.LastError, "no consent"), m.LastError)
				}
			}
		})
	}
}

func TestDispatcherConfigValidate(t *testing.T) {
	t.Parallel()
	email := devchannel.NewMailbox().Channel("email")
	tests := []struct {
		name string
		cfg  feedback.DispatcherConfig
		want []string
	}{
		{name: "minimal", cfg: feedback.DispatcherConfig{Channels: []adapters.Channel{email}, Renderer: testRenderer{}}},
		{name: "nothing", cfg: feedback.DispatcherConfig{}, want: []string{"at least one channel", "needs a renderer"}},
		{name: "two channels of one name", cfg: feedback.DispatcherConfig{Channels: []adapters.Channel{email, email}, Renderer: testRenderer{}}, want: []string{"two channels named \"email\""}},
		{name: "bounds", cfg: feedback.DispatcherConfig{Channels: []adapters.Channel{email}, Renderer: testRenderer{},
			Workers: -1, Batch: adapters.MaxClaim + 1, MaxAttempts: -1, Lease: time.Second, SendTimeout: time.Second, BaseBackoff: time.Hour, MaxBackoff: time.Minute},
			want: []string{"workers -1", "batch 1001", "max attempts -1", "send timeout 1s is not shorter", "base backoff 1h0m0s exceeds"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			if len(tt.want) == 0 {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestHandleReceiptWithoutStoreSupport(t *testing.T) {
	t.Parallel()
	store := storeImpls[0].open(t)
	d, err := feedback.NewDispatcher(outboxOnly{store}, store, &feedback.DispatcherConfig{
		Channels: []adapters.Channel{devchannel.NewMailbox().Channel("email")}, Renderer: testRenderer{}})
	require.NoError(t, err)
	err = d.HandleReceipt(context.Background(), adapters.Receipt{Channel: "email", ProviderID: "x"})
	assert.ErrorIs(t, err, adapters.ErrNotImplemented)
}

// outboxOnly hides a store's optional interfaces: the dispatcher then
// marks one message at a time.
type outboxOnly struct{ adapters.Outbox }

func TestDispatchWithoutBatchMarks(t *testing.T) {
	t.Parallel()
	store := storeImpls[0].open(t)
	box := devchannel.NewMailbox()
	d, err := feedback.NewDispatcher(outboxOnly{store}, store, &feedback.DispatcherConfig{
		Channels: []adapters.Channel{box.Channel("email")}, Renderer: testRenderer{}})
	require.NoError(t, err)
	require.NoError(t, store.EnqueueMessages(context.Background(), []adapters.Message{
		{ID: "a", IdempotencyKey: "a", Recipient: "email:a@example.org", Template: "t", CreatedAt: time.Now()},
		{ID: "b", IdempotencyKey: "b", Recipient: "email:b@example.org", Template: "t", CreatedAt: time.Now()},
	}))
	n, err := d.DispatchOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	for _, id := range []string{"a", "b"} {
		m, err := store.GetMessage(context.Background(), id)
		require.NoError(t, err)
		assert.Equal(t, adapters.MessageDelivered, m.Status)
	}
}

// unsubscribeLinker makes links that name only the channel.
type unsubscribeLinker struct{}

func (unsubscribeLinker) UnsubscribeURL(channel, address string) (string, error) {
	return "https://city.example/unsubscribe/" + channel + "/token", nil
}

func TestOutgoingCarriesIdsLocaleAndUnsubscribeLink(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storeImpls[0], func(c *feedback.DispatcherConfig) { c.Unsubscribe = unsubscribeLinker{} })
	p := ana
	p.Channels = []string{"email"}
	f.put(t, p)
	f.enqueue(t, adapters.Message{ID: "m", IdempotencyKey: "key-m", Recipient: "ana", CaseID: "c1", Locale: "en"})
	f.drain(t, 3)
	got := f.box.Messages("email")
	require.Len(t, got, 1)
	assert.Equal(t, adapters.Outgoing{MessageID: "m", IdempotencyKey: "key-m", CaseID: "c1", To: "ana@example.org", Locale: "es",
		Subject: "About c1", Text: "case-update via email", UnsubscribeURL: "https://city.example/unsubscribe/email/token"}, got[0],
		"the person's locale wins over the message's")
}

// A dispatcher whose lease was taken over while it sent logs the refused
// mark and carries on; the message stays with its new owner.
func TestMarkRefusedAfterLeaseTakeoverIsSkipped(t *testing.T) {
	t.Parallel()
	for _, impl := range storeImpls {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			var logs syncBuffer
			var f *fixture
			slow := &scriptChannel{name: "email", do: func(ctx context.Context, m adapters.Outgoing) (adapters.Sent, error) {
				f.clock.Advance(2 * time.Minute) // the lease expires meanwhile
				_, err := f.store.ClaimMessages(ctx, adapters.ClaimParams{Owner: "thief", Limit: 1, Now: f.clock.Now(), Lease: time.Minute})
				require.NoError(t, err)
				return adapters.Sent{ProviderID: "p"}, nil
			}}
			f = newFixture(t, impl, func(c *feedback.DispatcherConfig) {
				c.Channels = []adapters.Channel{slow}
				c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			})
			f.enqueue(t, adapters.Message{ID: "m", Recipient: "email:bo@example.org"})
			n, err := f.d.DispatchOnce(context.Background())
			require.NoError(t, err, "a refused mark is not an error of the dispatch")
			assert.Equal(t, 1, n)
			m := f.get(t, "m")
			assert.Equal(t, adapters.MessagePending, m.Status)
			assert.Equal(t, "thief", m.LeaseOwner, "the new owner keeps the message")
			assert.Contains(t, logs.String(), "taken by another dispatcher")
		})
	}
}

// The dispatcher's logs carry ids, channels and states, never addresses
// or message text.
func TestDispatcherLogsNoPII(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	failing := &scriptChannel{name: "sms", do: func(ctx context.Context, m adapters.Outgoing) (adapters.Sent, error) {
		return adapters.Sent{}, errors.New("carrier rejected " + m.To + ": " + m.Text)
	}}
	f := newFixture(t, storeImpls[0], func(c *feedback.DispatcherConfig) {
		c.Channels = append(c.Channels[:1], failing)
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	f.put(t, ana)
	f.consent(t, "sms", "+15550000001")
	f.enqueue(t, adapters.Message{ID: "m1", Recipient: "ana"}, adapters.Message{ID: "m2", Recipient: "email:bo@example.org"},
		adapters.Message{ID: "m3", Recipient: "nobody"})
	f.drain(t, 10)
	out := logs.String()
	assert.Contains(t, out, "m1", "logs name the message")
	for _, pii := range []string{"+15550000001", "ana@example.org", "bo@example.org", "case-update via"} {
		assert.NotContains(t, out, pii)
	}
}

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
