package feedback

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/civickit/civickit/adapters"
)

// The dispatcher's defaults, used for zero DispatcherConfig fields.
const (
	DefaultWorkers      = 4
	DefaultBatch        = 100
	DefaultLease        = time.Minute
	DefaultMaxAttempts  = 8
	DefaultBaseBackoff  = 30 * time.Second
	DefaultMaxBackoff   = time.Hour
	DefaultSendTimeout  = 20 * time.Second
	DefaultPollInterval = time.Second
	// MaxWorkers is the largest DispatcherConfig.Workers.
	MaxWorkers = 1024
)

// maxErrorLen bounds the LastError a dispatcher writes.
const maxErrorLen = 1000

// DispatcherConfig configures a Dispatcher. Channels and Renderer are
// required; every other zero field means its default.
type DispatcherConfig struct {
	// Channels are the channels messages go through, each under its
	// Name; names must be unique.
	Channels []adapters.Channel
	// Renderer renders a message for a channel and locale.
	Renderer Renderer
	// Unsubscribe, when set, makes the one-click unsubscribe link each
	// message carries (none on the confirmation of an opt-out).
	Unsubscribe UnsubscribeLinker
	// Owner identifies the dispatcher in outbox leases; empty means a
	// random id. Give each process its own.
	Owner string
	// Workers is how many sends run at once; 0 means DefaultWorkers, at
	// most MaxWorkers.
	Workers int
	// Batch is how many messages one claim takes; 0 means DefaultBatch,
	// at most adapters.MaxClaim.
	Batch int
	// Lease is how long a claim holds; 0 means DefaultLease. A message
	// whose dispatcher dies is claimed again when its lease expires.
	Lease time.Duration
	// MaxAttempts is how many attempts a message gets before it is dead;
	// 0 means DefaultMaxAttempts.
	MaxAttempts int
	// BaseBackoff and MaxBackoff bound the wait before a retry: attempt n
	// waits a uniformly random time in [0, min(MaxBackoff,
	// BaseBackoff*2^(n-1))) ("full jitter"). Zero means
	// DefaultBaseBackoff and DefaultMaxBackoff.
	BaseBackoff, MaxBackoff time.Duration
	// SendTimeout bounds one Send; 0 means DefaultSendTimeout, or half
	// the lease when that is shorter. It must be shorter than Lease.
	SendTimeout time.Duration
	// PollInterval is the pause between claims when the outbox had less
	// than a full batch due; 0 means DefaultPollInterval.
	PollInterval time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand returns a uniformly random number in [0, 1) for backoff
	// jitter; nil means math/rand/v2's Float64. It must be safe for
	// concurrent use.
	Rand func() float64
	// Logger receives the dispatcher's logs, which carry ids, channel
	// names and states, never addresses or bodies; nil discards them.
	Logger *slog.Logger
}

// Validate reports every problem of the configuration.
func (c *DispatcherConfig) Validate() error {
	var errs []error
	add := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("feedback: dispatcher "+format, args...))
	}
	if len(c.Channels) == 0 {
		add("needs at least one channel")
	}
	seen := map[string]bool{}
	for i, ch := range c.Channels {
		switch {
		case ch == nil:
			add("channel %d is nil", i)
		case ch.Name() == "":
			add("channel %d has no name", i)
		case seen[ch.Name()]:
			add("has two channels named %q", ch.Name())
		default:
			seen[ch.Name()] = true
		}
	}
	if c.Renderer == nil {
		add("needs a renderer")
	}
	if c.Workers < 0 || c.Workers > MaxWorkers {
		add("workers %d is outside 0..%d", c.Workers, MaxWorkers)
	}
	if c.Batch < 0 || c.Batch > adapters.MaxClaim {
		add("batch %d is outside 0..%d", c.Batch, adapters.MaxClaim)
	}
	if c.MaxAttempts < 0 {
		add("max attempts %d is negative", c.MaxAttempts)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"lease", c.Lease}, {"base backoff", c.BaseBackoff}, {"max backoff", c.MaxBackoff}, {"send timeout", c.SendTimeout}, {"poll interval", c.PollInterval}} {
		if d.v < 0 {
			add("%s %s is negative", d.name, d.v)
		}
	}
	if c.BaseBackoff > 0 && c.MaxBackoff > 0 && c.BaseBackoff > c.MaxBackoff {
		add("base backoff %s exceeds max backoff %s", c.BaseBackoff, c.MaxBackoff)
	}
	lease := c.Lease
	if lease == 0 {
		lease = DefaultLease
	}
	if c.SendTimeout >= lease {
		add("send timeout %s is not shorter than the lease %s", c.SendTimeout, lease)
	}
	return errors.Join(errs...)
}

// Dispatcher delivers outbox messages: it claims them, picks each
// recipient's channel, renders, sends, and records the outcome, retrying
// temporary failures with backoff. Delivery is at least once; each
// message's idempotency key travels with it so receivers can drop
// duplicates. Any number of dispatchers, in any number of processes, may
// share one outbox.
//
// # Choosing a channel
//
// A message's Recipient is a person id (adapters.Person.ID) or, for
// someone the PeopleStore does not know, "<channel>:<address>" on a
// configured channel ("email:ana@example.org", "sms:+15551234567").
// Channels are tried in this order: the message's Channel hint when the
// person has an address on it, then the person's Channels. A channel is
// skipped when the person has no address on it, the address is opted out
// (except for the one confirmation message adapters.Reach names), it is
// "sms" and the number has no consent record, or the template has no
// version for it (ErrNoTemplate).
//
// A message is rendered in the person's Locale, else the message's own.
//
// When the first channel left is "sms" and it is quiet hours in the
// person's zone, the message waits: it is retried when quiet hours end,
// without using up an attempt, rather than falling back to a later
// channel. A channel earlier in the order is used as usual.
//
// # Outcomes
//
// A send that succeeds marks the message sent (delivered when the channel
// says so) with the provider's id. A temporary failure, a timeout or a
// panic in the channel retries the message after a backoff, on its next
// claim; after MaxAttempts attempts the message is dead. A permanent
// failure falls back to the next usable channel within the same attempt;
// a provider's opt-out is recorded (adapters.PeopleStore.SetOptOut, Via
// "provider") and falls back too. A message no channel can carry is
// failed (adapters.MessageFailed) with the reasons, channel by channel.
//
// # Errors
//
// Errors of single messages are recorded on the messages, never returned;
// DispatchOnce returns errors of the store. Marks refused because the
// message's lease was taken by another dispatcher are logged and skipped.
//
// # Concurrency
//
// A Dispatcher is safe for concurrent use. Run and DispatchOnce may be
// called from several goroutines; Workers bounds the sends in flight
// across all of them.
type Dispatcher struct {
	outbox   adapters.Outbox
	batch    adapters.OutboxBatch
	receipts adapters.DeliveryReceipts
	people   adapters.PeopleStore
	cfg      DispatcherConfig
	channels map[string]adapters.Channel
	log      *slog.Logger
	sem      chan struct{}
	zones    sync.Map // zone name to *time.Location
	nzones   atomic.Int32
}

var _ adapters.ReceiptHandler = (*Dispatcher)(nil)

// NewDispatcher returns a dispatcher over the outbox and the people store.
// When outbox implements adapters.OutboxBatch, outcomes are marked in
// batches; when it implements adapters.DeliveryReceipts, HandleReceipt
// records receipts.
func NewDispatcher(outbox adapters.Outbox, people adapters.PeopleStore, cfg *DispatcherConfig) (*Dispatcher, error) {
	if outbox == nil || people == nil {
		return nil, errors.New("feedback: dispatcher needs an outbox and a people store")
	}
	if cfg == nil {
		cfg = &DispatcherConfig{}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := *cfg
	c.Channels = append([]adapters.Channel(nil), cfg.Channels...)
	if c.Owner == "" {
		c.Owner = "dispatcher-" + randomID()
	}
	c.Workers = or(c.Workers, DefaultWorkers)
	c.Batch = or(c.Batch, DefaultBatch)
	c.Lease = or(c.Lease, DefaultLease)
	c.MaxAttempts = or(c.MaxAttempts, DefaultMaxAttempts)
	c.BaseBackoff = or(c.BaseBackoff, DefaultBaseBackoff)
	c.MaxBackoff = max(or(c.MaxBackoff, DefaultMaxBackoff), c.BaseBackoff)
	c.SendTimeout = or(c.SendTimeout, min(DefaultSendTimeout, c.Lease/2))
	c.PollInterval = or(c.PollInterval, DefaultPollInterval)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = mrand.Float64
	}
	d := &Dispatcher{outbox: outbox, people: people, cfg: c, log: c.Logger, sem: make(chan struct{}, c.Workers),
		channels: make(map[string]adapters.Channel, len(c.Channels))}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	for _, ch := range c.Channels {
		d.channels[ch.Name()] = ch
	}
	d.batch, _ = outbox.(adapters.OutboxBatch)
	d.receipts, _ = outbox.(adapters.DeliveryReceipts)
	return d, nil
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Owner returns the id the dispatcher leases messages under.
func (d *Dispatcher) Owner() string { return d.cfg.Owner }

// Run dispatches until ctx is done, then returns nil. On cancellation it
// stops claiming, lets the sends in flight finish, and releases the
// messages it holds but has not sent (pending, due at once, the attempt
// not counted), so another dispatcher takes them without waiting for the
// lease. Store errors are logged and retried after PollInterval.
func (d *Dispatcher) Run(ctx context.Context) error {
	// Two claim loops let one wait on the store while the other sends.
	loops := 2 + d.cfg.Workers/64
	var wg sync.WaitGroup
	for range loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.loop(ctx)
		}()
	}
	wg.Wait()
	return nil
}

func (d *Dispatcher) loop(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := d.DispatchOnce(ctx)
		if err != nil && ctx.Err() == nil {
			d.log.LogAttrs(ctx, slog.LevelWarn, "feedback: dispatch", slog.String("error", err.Error()))
		}
		wait := d.cfg.PollInterval
		if n == d.cfg.Batch && err == nil {
			wait = 0 // more may be due
		}
		t.Reset(wait)
	}
}

// DispatchOnce claims one batch of due messages, delivers them and
// records the outcomes. It returns how many it claimed. A ctx cancelled
// meanwhile is handled as Run handles it.
func (d *Dispatcher) DispatchOnce(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	msgs, err := d.outbox.ClaimMessages(ctx, adapters.ClaimParams{
		Owner: d.cfg.Owner, Limit: d.cfg.Batch, Now: d.cfg.Now(), Lease: d.cfg.Lease,
	})
	if err != nil {
		return 0, fmt.Errorf("feedback: claim messages: %w", err)
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	return len(msgs), d.dispatch(ctx, msgs)
}

// HandleReceipt implements adapters.ReceiptHandler through the outbox's
// adapters.DeliveryReceipts; an outbox without it returns
// adapters.ErrNotImplemented.
func (d *Dispatcher) HandleReceipt(ctx context.Context, r adapters.Receipt) error {
	if d.receipts == nil {
		return fmt.Errorf("feedback: record receipt: %w", adapters.ErrNotImplemented)
	}
	if err := d.receipts.RecordReceipt(ctx, r); err != nil {
		return fmt.Errorf("feedback: record receipt: %w", err)
	}
	return nil
}

// job is one claimed message on its way.
type job struct {
	m      adapters.Message
	person adapters.Person
	known  bool
	mark   adapters.MarkParams
	// direct is the channel and address of a "<channel>:<address>"
	// recipient the people store does not know; person.Channels then
	// points into it, so such a recipient costs no allocation.
	direct [1]string
	addr   string
}

// address is the job's recipient's address on the channel.
func (j *job) address(c string) string {
	if j.addr != "" {
		if c == j.direct[0] {
			return j.addr
		}
		return ""
	}
	return j.person.Addresses[c]
}

// reachMap is what PeopleStore.Reach said, per channel and address.
type reachMap map[string]map[string]adapters.Reach

func (d *Dispatcher) dispatch(ctx context.Context, msgs []adapters.Message) error {
	jobs := make([]job, len(msgs))
	for i := range msgs {
		jobs[i].m = msgs[i]
	}
	reach, err := d.resolve(ctx, jobs)
	if err != nil {
		// Nothing was attempted: give the messages back at once.
		now := d.cfg.Now()
		for i := range jobs {
			jobs[i].mark = d.release(&jobs[i].m, now, now)
		}
		return errors.Join(fmt.Errorf("feedback: look up recipients: %w", err), d.markAll(ctx, jobs))
	}
	// Sends run to their own timeout even while ctx is cancelled.
	base := context.WithoutCancel(ctx)
	workers := min(d.cfg.Workers, len(jobs))
	if workers == 1 {
		for i := range jobs {
			d.deliverTurn(ctx, base, &jobs[i], reach)
		}
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1) - 1)
					if i >= len(jobs) {
						return
					}
					d.deliverTurn(ctx, base, &jobs[i], reach)
				}
			}()
		}
		wg.Wait()
	}
	return d.markAll(ctx, jobs)
}

// resolve finds each job's person and what the people store says of the
// addresses they might be sent to.
func (d *Dispatcher) resolve(ctx context.Context, jobs []job) (reachMap, error) {
	ids := make([]string, 0, len(jobs))
	seen := make(map[string]struct{}, len(jobs))
	for i := range jobs {
		r := jobs[i].m.Recipient
		if _, ok := seen[r]; !ok && r != "" {
			seen[r] = struct{}{}
			ids = append(ids, r)
		}
	}
	people, err := d.people.GetPeople(ctx, ids)
	if err != nil {
		return nil, err
	}
	addrs := map[string][]string{}
	dedupe := map[[2]string]struct{}{}
	var buf [8]string
	for i := range jobs {
		j := &jobs[i]
		j.person, j.known = people[j.m.Recipient]
		if !j.known {
			j.known = d.directPerson(j)
		}
		if !j.known {
			continue
		}
		for _, c := range d.order(j, buf[:0]) {
			a := j.address(c)
			if a == "" {
				continue
			}
			if _, dup := dedupe[[2]string{c, a}]; !dup {
				dedupe[[2]string{c, a}] = struct{}{}
				addrs[c] = append(addrs[c], a)
			}
		}
	}
	reach := make(reachMap, len(addrs))
	for c, list := range addrs {
		got := make(map[string]adapters.Reach, len(list))
		for len(list) > 0 {
			n := min(len(list), adapters.MaxClaim)
			part, err := d.people.Reach(ctx, c, list[:n])
			if err != nil {
				return nil, err
			}
			for a, r := range part {
				got[a] = r
			}
			list = list[n:]
		}
		reach[c] = got
	}
	return reach, nil
}

// directPerson reads the job's recipient of the form
// "<channel>:<address>" on a configured channel.
func (d *Dispatcher) directPerson(j *job) bool {
	c, addr, ok := strings.Cut(j.m.Recipient, ":")
	if !ok || addr == "" || d.channels[c] == nil {
		return false
	}
	j.direct[0], j.addr = c, addr
	j.person = adapters.Person{ID: j.m.Recipient, Channels: j.direct[:]}
	return true
}

// order is the channels to try for m, in order: the hint when the person
// has an address on it, then the person's channels, configured ones only.
func (d *Dispatcher) order(j *job, out []string) []string {
	if h := j.m.Channel; h != "" && d.channels[h] != nil && j.address(h) != "" {
		out = append(out, h)
	}
	for _, c := range j.person.Channels {
		if d.channels[c] == nil || (len(out) > 0 && out[0] == c) {
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || o == c
		}
		if !dup {
			out = append(out, c)
		}
	}
	return out
}

// deliverTurn runs deliver holding a worker slot; a panic outside the
// channel (a renderer's, a linker's) is a temporary failure.
func (d *Dispatcher) deliverTurn(ctx, base context.Context, j *job, reach reachMap) {
	d.sem <- struct{}{}
	defer func() { <-d.sem }()
	defer func() {
		if r := recover(); r != nil {
			j.mark = d.retry(&j.m, d.cfg.Now(), "", "", fmt.Sprintf("panic while preparing the message: %v", r))
		}
	}()
	j.mark = d.deliver(ctx, base, j, reach)
}

func (d *Dispatcher) deliver(ctx, base context.Context, j *job, reach reachMap) adapters.MarkParams {
	m, p := &j.m, &j.person
	now := d.cfg.Now()
	if m.Attempts > d.cfg.MaxAttempts {
		// Claimed again after a dispatcher died holding its last attempt.
		return d.final(m, now, adapters.MessageDead, "", "", "no attempts left: "+m.LastError)
	}
	if ctx.Err() != nil || !now.Add(d.cfg.SendTimeout).Before(m.LeaseExpiresAt) {
		// Shutting down, or too little lease left for a send.
		return d.release(m, now, now)
	}
	if !j.known {
		return d.final(m, now, adapters.MessageFailed, "", "", "recipient is neither a known person nor <channel>:<address>")
	}
	var buf [8]string
	var reasons strings.Builder
	via, to := "", ""
	for _, c := range d.order(j, buf[:0]) {
		addr := j.address(c)
		if addr == "" {
			note(&reasons, c, "no address")
			continue
		}
		r := reach[c][addr]
		confirmation := r.ConfirmationID != "" && r.ConfirmationID == m.ID
		switch {
		case r.OptedOut && !confirmation:
			note(&reasons, c, "opted out")
			continue
		case c == adapters.ChannelSMS && !r.Consented && !confirmation:
			note(&reasons, c, "no consent")
			continue
		}
		if c == adapters.ChannelSMS && !confirmation {
			if until, quiet := d.quietUntil(p, now); quiet {
				mark := d.release(m, now, until)
				mark.Via = c
				return mark
			}
		}
		out, err := d.render(m, p, c, addr, confirmation)
		if errors.Is(err, ErrNoTemplate) {
			note(&reasons, c, "no template")
			continue
		}
		if err != nil {
			return d.retry(m, now, c, addr, err.Error())
		}
		via, to = c, addr
		sent, err := d.send(base, d.channels[c], out)
		if err == nil {
			status := adapters.MessageSent
			if sent.Delivered {
				status = adapters.MessageDelivered
			}
			d.log.LogAttrs(ctx, slog.LevelDebug, "feedback: sent", slog.String("message", m.ID), slog.String("channel", c),
				slog.Int("attempt", m.Attempts), slog.String("status", string(status)))
			return adapters.MarkParams{ID: m.ID, Owner: d.cfg.Owner, Status: status, At: d.cfg.Now(),
				ProviderID: bound(sent.ProviderID, adapters.MaxDeliveryField), Via: c, Address: bound(addr, adapters.MaxDeliveryField)}
		}
		if adapters.IsOptedOut(err) {
			d.optOut(ctx, c, addr, now)
			note(&reasons, c, err.Error())
			continue
		}
		if adapters.IsPermanent(err) {
			note(&reasons, c, err.Error())
			continue
		}
		return d.retry(m, d.cfg.Now(), c, addr, c+": "+err.Error())
	}
	if reasons.Len() == 0 {
		reasons.WriteString("the recipient has no channel this dispatcher sends on")
	}
	return d.final(m, d.cfg.Now(), adapters.MessageFailed, via, to, "no usable channel: "+reasons.String())
}

func note(b *strings.Builder, channel, why string) {
	if b.Len() > 0 {
		b.WriteString("; ")
	}
	b.WriteString(channel)
	b.WriteString(": ")
	b.WriteString(why)
}

func (d *Dispatcher) render(m *adapters.Message, p *adapters.Person, c, addr string, confirmation bool) (adapters.Outgoing, error) {
	locale := p.Locale
	if locale == "" {
		locale = m.Locale
	}
	r, err := d.cfg.Renderer.Render(*m, c, locale)
	if err != nil {
		return adapters.Outgoing{}, fmt.Errorf("render for %s: %w", c, err)
	}
	if r.Locale != "" {
		locale = r.Locale
	}
	out := adapters.Outgoing{MessageID: m.ID, IdempotencyKey: m.IdempotencyKey, CaseID: m.CaseID, To: addr,
		Locale: locale, Subject: r.Subject, Text: r.Text, HTML: r.HTML}
	if d.cfg.Unsubscribe != nil && !confirmation {
		u, err := d.cfg.Unsubscribe.UnsubscribeURL(c, addr)
		if err != nil {
			return adapters.Outgoing{}, fmt.Errorf("unsubscribe link for %s: %w", c, err)
		}
		out.UnsubscribeURL = u
	}
	return out, nil
}

// send runs one Send under SendTimeout (base is never cancelled, so that
// a shutdown lets the send finish) and turns a panic into a temporary
// error.
func (d *Dispatcher) send(base context.Context, ch adapters.Channel, out adapters.Outgoing) (sent adapters.Sent, err error) {
	sctx, cancel := context.WithTimeout(base, d.cfg.SendTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("channel panicked: %v", r)
		}
	}()
	sent, err = ch.Send(sctx, out)
	if err != nil && !adapters.IsPermanent(err) && errors.Is(sctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("send timed out after %s: %w", d.cfg.SendTimeout, err)
	}
	return sent, err
}

func (d *Dispatcher) optOut(ctx context.Context, c, addr string, now time.Time) {
	_, err := d.people.SetOptOut(context.WithoutCancel(ctx), adapters.OptOutChange{Channel: c, Address: addr, Out: true, Via: "provider", At: now})
	if err != nil {
		d.log.LogAttrs(ctx, slog.LevelWarn, "feedback: record provider opt-out", slog.String("channel", c), slog.String("error", err.Error()))
	}
}

// retry is the mark of a temporary failure: pending after a backoff, or
// dead on the last attempt.
func (d *Dispatcher) retry(m *adapters.Message, now time.Time, via, addr, why string) adapters.MarkParams {
	if m.Attempts >= d.cfg.MaxAttempts {
		return d.final(m, now, adapters.MessageDead, via, addr,
			"attempt "+strconv.Itoa(m.Attempts)+" of "+strconv.Itoa(d.cfg.MaxAttempts)+": "+why)
	}
	d.log.LogAttrs(context.Background(), slog.LevelDebug, "feedback: retry", slog.String("message", m.ID),
		slog.String("channel", via), slog.Int("attempt", m.Attempts))
	return adapters.MarkParams{ID: m.ID, Owner: d.cfg.Owner, Status: adapters.MessagePending, At: now,
		RetryAt: now.Add(d.Backoff(m.Attempts)), Error: bound(why, maxErrorLen), Via: via, Address: bound(addr, adapters.MaxDeliveryField)}
}

func (d *Dispatcher) final(m *adapters.Message, now time.Time, status adapters.MessageStatus, via, addr, why string) adapters.MarkParams {
	d.log.LogAttrs(context.Background(), slog.LevelWarn, "feedback: gave up on a message", slog.String("message", m.ID),
		slog.String("status", string(status)), slog.String("channel", via), slog.Int("attempt", m.Attempts))
	return adapters.MarkParams{ID: m.ID, Owner: d.cfg.Owner, Status: status, At: now, Error: bound(why, maxErrorLen),
		Via: via, Address: bound(addr, adapters.MaxDeliveryField)}
}

// release gives a message back unattempted, due at the time.
func (d *Dispatcher) release(m *adapters.Message, now, at time.Time) adapters.MarkParams {
	return adapters.MarkParams{ID: m.ID, Owner: d.cfg.Owner, Status: adapters.MessagePending, At: now, RetryAt: at,
		Error: m.LastError, Release: true, Via: m.Via, Address: m.Address, ProviderID: m.ProviderID}
}

// Backoff is the wait before the retry that follows attempt n (1 for the
// first): uniformly random in [0, min(MaxBackoff, BaseBackoff*2^(n-1))).
func (d *Dispatcher) Backoff(n int) time.Duration {
	ceiling := d.cfg.MaxBackoff
	if n < 1 {
		n = 1
	}
	if n <= 62 {
		if b := d.cfg.BaseBackoff << (n - 1); b > 0 && b>>(n-1) == d.cfg.BaseBackoff && b < ceiling {
			ceiling = b
		}
	}
	return time.Duration(d.cfg.Rand() * float64(ceiling))
}

// quietUntil reports whether now falls in the person's quiet hours and,
// if so, when they end.
func (d *Dispatcher) quietUntil(p *adapters.Person, now time.Time) (time.Time, bool) {
	start, end := p.QuietStart, p.QuietEnd
	if start == end || start < 0 || end < 0 || start >= 24*60 || end > 24*60 {
		return time.Time{}, false
	}
	local := now.In(d.zone(p.TimeZone))
	mins := local.Hour()*60 + local.Minute()
	quiet := (start < end && mins >= start && mins < end) || (start > end && (mins >= start || mins < end))
	if !quiet {
		return time.Time{}, false
	}
	y, mo, day := local.Date()
	until := time.Date(y, mo, day, end/60, end%60, 0, 0, local.Location())
	if !until.After(local) {
		until = time.Date(y, mo, day+1, end/60, end%60, 0, 0, local.Location())
	}
	return until, true
}

// zone loads an IANA zone once; an unknown one is UTC.
func (d *Dispatcher) zone(name string) *time.Location {
	if name == "" || name == "UTC" {
		return time.UTC
	}
	if l, ok := d.zones.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		l = time.UTC
	}
	if d.nzones.Add(1) <= 512 { // a bound against junk zone names
		d.zones.Store(name, l)
	}
	return l
}

func bound(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// markAll records the jobs' outcomes: in batches when the outbox can,
// else one by one. It runs to the end even while ctx is cancelled, so
// that a shutdown keeps what was sent.
func (d *Dispatcher) markAll(ctx context.Context, jobs []job) error {
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	marks := make([]adapters.MarkParams, len(jobs))
	for i := range jobs {
		marks[i] = jobs[i].mark
	}
	var errs []error
	if d.batch != nil {
		got, err := d.batch.MarkMessages(mctx, marks)
		switch {
		case err == nil:
			errs = got
		case errors.Is(err, adapters.ErrNotImplemented):
		default:
			return fmt.Errorf("feedback: mark %d messages: %w", len(marks), err)
		}
	}
	if errs == nil {
		errs = make([]error, len(marks))
		for i := range marks {
			errs[i] = d.outbox.MarkMessage(mctx, marks[i])
		}
	}
	var fatal []error
	for i, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, adapters.ErrConflict), errors.Is(err, adapters.ErrNotFound):
			d.log.LogAttrs(ctx, slog.LevelWarn, "feedback: message taken by another dispatcher; outcome skipped",
				slog.String("message", marks[i].ID), slog.String("status", string(marks[i].Status)))
		default:
			fatal = append(fatal, fmt.Errorf("feedback: mark message %q: %w", marks[i].ID, err))
		}
	}
	return errors.Join(fatal...)
}
