package webhook_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/adaptertest"
	"github.com/civickit/civickit/adapters/webhook"
)

// receiver is a real HTTP endpoint of a receiving system: it verifies every
// request with Verifier.Middleware, drops ids it has seen, and can be told
// to misbehave.
type receiver struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	requests  int // every request that arrived
	verified  int // those that passed the verifier
	keys      []string
	seen      map[string]bool
	events    []webhook.Event
	headers   []http.Header
	answer    func(w http.ResponseWriter, r *http.Request) bool // a fault; true when it answered
	redirects int
}

func newReceiver(t *testing.T, secrets ...string) *receiver {
	t.Helper()
	rx := &receiver{t: t, seen: map[string]bool{}}
	v, err := webhook.NewVerifier(secrets...)
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("POST /hook", v.Middleware(http.HandlerFunc(rx.serve)))
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		rx.mu.Lock()
		rx.redirects++
		rx.mu.Unlock()
	})
	rx.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rx.mu.Lock()
		rx.requests++
		rx.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		rx.srv.Close()
		rx.mu.Lock()
		defer rx.mu.Unlock()
		if rx.requests != rx.verified {
			t.Errorf("every request the channel made verifies: %d requests, %d verified", rx.requests, rx.verified)
		}
	})
	return rx
}

func (rx *receiver) URL() string { return rx.srv.URL + "/hook" }

func (rx *receiver) serve(w http.ResponseWriter, r *http.Request) {
	var ev webhook.Event
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil || ev.Type != webhook.EventType || r.Header.Get("Content-Type") != "application/json" {
		rx.t.Errorf("the body is an Event in JSON: %v, type %q, content type %q", err, ev.Type, r.Header.Get("Content-Type"))
	}
	id := r.Header.Get(webhook.HeaderID)
	rx.mu.Lock()
	rx.verified++
	rx.keys = append(rx.keys, id)
	answer := rx.answer
	rx.mu.Unlock()
	if answer != nil && answer(w, r) {
		return
	}
	rx.mu.Lock()
	defer rx.mu.Unlock()
	if rx.seen[id] {
		return // already processed: acknowledge, do nothing
	}
	rx.seen[id] = true
	rx.events = append(rx.events, ev)
	rx.headers = append(rx.headers, r.Header.Clone())
	w.Header().Set("X-Request-Id", "rx-"+strconv.Itoa(len(rx.events)))
	w.WriteHeader(http.StatusAccepted)
}

// fault makes the receiver answer with f until restore is called.
func (rx *receiver) fault(f func(w http.ResponseWriter, r *http.Request) bool) (restore func()) {
	rx.mu.Lock()
	defer rx.mu.Unlock()
	rx.answer = f
	return func() {
		rx.mu.Lock()
		defer rx.mu.Unlock()
		rx.answer = nil
	}
}

func status(code int) func(w http.ResponseWriter, r *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if code >= 300 && code < 400 {
			w.Header().Set("Location", "/moved")
		}
		w.WriteHeader(code)
		return true
	}
}

// got returns copies of what the receiver processed, its keys, and how
// many requests reached it and its redirect target.
func (rx *receiver) got() (events []webhook.Event, headers []http.Header, keys []string, requests, redirects int) {
	rx.mu.Lock()
	defer rx.mu.Unlock()
	return append(events, rx.events...), append(headers, rx.headers...), append(keys, rx.keys...), rx.requests, rx.redirects
}

func (rx *receiver) deliveries() int {
	rx.mu.Lock()
	defer rx.mu.Unlock()
	return len(rx.events)
}

func testConfig(secrets ...string) *webhook.Config {
	return &webhook.Config{Secrets: secrets, InsecureAllowHTTP: true, InsecureAllowPrivateNetworks: true}
}

func newChannel(t *testing.T, cfg *webhook.Config) *webhook.Channel {
	t.Helper()
	ch, err := webhook.New(cfg)
	require.NoError(t, err)
	return ch
}

// suiteChannel is the channel with its receiver. The suite's messages
// have no address; Send addresses them to the receiver.
type suiteChannel struct {
	*webhook.Channel
	rx *receiver
}

func (c *suiteChannel) Send(ctx context.Context, m adapters.Outgoing) (adapters.Sent, error) {
	m.To = c.rx.URL()
	return c.Channel.Send(ctx, m)
}

func TestChannelConformance(t *testing.T) {
	secret := webhook.NewSecret().Text()
	adaptertest.RunChannelTests(t, func(t *testing.T) adapters.Channel {
		return &suiteChannel{Channel: newChannel(t, testConfig(secret)), rx: newReceiver(t, secret)}
	}, adaptertest.ChannelFeatures{
		Outgoing: func(i int) adapters.Outgoing {
			id := fmt.Sprintf("c1/%d/0", i)
			return adapters.Outgoing{MessageID: id, IdempotencyKey: "key-" + id, CaseID: "c1", Locale: "en",
				Subject: "Your request", Text: "We fixed it."}
		},
		Deliveries: func(t *testing.T, ch adapters.Channel) int { return ch.(*suiteChannel).rx.deliveries() },
		Dedupes:    true,
		Keys: func(t *testing.T, ch adapters.Channel) []string {
			_, _, keys, _, _ := ch.(*suiteChannel).rx.got()
			return keys
		},
		Fail: func(t *testing.T, ch adapters.Channel, permanent bool) func() {
			if permanent {
				return ch.(*suiteChannel).rx.fault(status(http.StatusGone))
			}
			return ch.(*suiteChannel).rx.fault(status(http.StatusServiceUnavailable))
		},
		Hang: func(t *testing.T, ch adapters.Channel) func() {
			release := make(chan struct{})
			restore := ch.(*suiteChannel).rx.fault(func(w http.ResponseWriter, r *http.Request) bool {
				select {
				case <-release:
				case <-r.Context().Done():
				}
				w.WriteHeader(http.StatusServiceUnavailable)
				return true
			})
			var once sync.Once
			return func() { once.Do(func() { close(release); restore() }) }
		},
	})
}

func message(to string) adapters.Outgoing {
	return adapters.Outgoing{MessageID: "c7/3/0", IdempotencyKey: "c7/3/0#email", CaseID: "c7", To: to, Locale: "es",
		Subject: "Su solicitud", Text: "Reparamos el bache.", HTML: "<p>Reparamos el bache.</p>",
		UnsubscribeURL: "https://city.example/unsubscribe?t=abc"}
}

func TestSendPostsASignedEvent(t *testing.T) {
	t.Parallel()
	oldS, newS := webhook.NewSecret().Text(), webhook.NewSecret().Text()
	rxOld, rxNew := newReceiver(t, oldS), newReceiver(t, newS)
	now := time.Now().UTC() // the receivers' clock
	cfg := testConfig(newS, oldS)
	cfg.Now = func() time.Time { return now }
	cfg.UserAgent = "city-of-example/2"
	ch := newChannel(t, cfg)
	assert.Equal(t, "webhook", ch.Name())
	assert.Equal(t, adapters.ChannelWebhook, ch.Name())

	for _, rx := range []*receiver{rxOld, rxNew} {
		sent, err := ch.Send(context.Background(), message(rx.URL()))
		require.NoError(t, err)
		assert.Equal(t, "rx-1", sent.ProviderID, "the receiver's request id is the provider id")
		assert.False(t, sent.Delivered)
		events, headers, _, _, _ := rx.got()
		require.Len(t, events, 1, "a receiver holding either secret of a rotation verifies the message")
		assert.Equal(t, webhook.Event{Type: "civickit.message", Timestamp: now.Truncate(time.Second), Data: webhook.EventData{
			MessageID: "c7/3/0", CaseID: "c7", Locale: "es", Subject: "Su solicitud", Text: "Reparamos el bache.",
			HTML: "<p>Reparamos el bache.</p>", UnsubscribeURL: "https://city.example/unsubscribe?t=abc"}}, events[0])
		h := headers[0]
		assert.Equal(t, "c7/3/0#email", h.Get(webhook.HeaderID), "the id is the idempotency key")
		assert.Equal(t, strconv.FormatInt(now.Unix(), 10), h.Get(webhook.HeaderTimestamp))
		assert.Len(t, strings.Fields(h.Get(webhook.HeaderSignature)), 2, "one signature per secret")
		assert.Equal(t, "city-of-example/2", h.Get("User-Agent"))
	}
}

func TestSendEncodesTheEventCompactlyAndOmitsEmptyBodies(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret().Text()
	bodies := make(chan []byte, 1)
	v, err := webhook.NewVerifier(secret)
	require.NoError(t, err)
	v.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	srv := httptest.NewServer(v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies <- b
	})))
	t.Cleanup(srv.Close)
	cfg := testConfig(secret)
	cfg.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	m := adapters.Outgoing{MessageID: "m1", To: srv.URL, Text: "<b>&"}
	_, err = newChannel(t, cfg).Send(context.Background(), m)
	require.NoError(t, err)
	raw := <-bodies
	assert.JSONEq(t, `{"type":"civickit.message","timestamp":"2026-01-02T03:04:05Z","data":{"messageId":"m1","caseId":"","locale":"","subject":"","text":"<b>&"}}`, string(raw))
	assert.NotContains(t, string(raw), "<b>", "HTML-sensitive characters are escaped in the JSON")
}

func TestSendUsesTheMessageIDWithoutAnIdempotencyKey(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret().Text()
	rx := newReceiver(t, secret)
	m := message(rx.URL())
	m.IdempotencyKey = ""
	_, err := newChannel(t, testConfig(secret)).Send(context.Background(), m)
	require.NoError(t, err)
	_, _, keys, _, _ := rx.got()
	assert.Equal(t, []string{"c7/3/0"}, keys)
}

func TestSendClassifiesTheReceiversAnswers(t *testing.T) {
	t.Parallel()
	hangUp := func(w http.ResponseWriter, r *http.Request) bool {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
		}
		return true
	}
	garbage := func(w http.ResponseWriter, r *http.Request) bool {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_, _ = buf.WriteString("SMTP ready, not HTTP\r\n\r\n")
			_ = buf.Flush()
			_ = conn.Close()
		}
		return true
	}
	tests := []struct {
		name      string
		answer    func(w http.ResponseWriter, r *http.Request) bool
		permanent bool
		code      string
	}{
		{"500 is temporary", status(500), false, "500"},
		{"502 is temporary", status(502), false, "502"},
		{"503 is temporary", status(503), false, "503"},
		{"504 is temporary", status(504), false, "504"},
		{"429 is temporary", status(429), false, "429"},
		{"408 is temporary", status(408), false, "408"},
		{"410 Gone is permanent", status(410), true, "410"},
		{"400 is permanent", status(400), true, "400"},
		{"401 is permanent", status(401), true, "401"},
		{"404 is permanent", status(404), true, "404"},
		{"422 is permanent", status(422), true, "422"},
		{"301 is permanent and not followed", status(301), true, "301"},
		{"307 is permanent and not followed", status(307), true, "307"},
		{"308 is permanent and not followed", status(308), true, "308"},
		{"a closed connection is temporary", hangUp, false, ""},
		{"an answer that is not HTTP is temporary", garbage, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			secret := webhook.NewSecret().Text()
			rx := newReceiver(t, secret)
			ch := newChannel(t, testConfig(secret))
			restore := rx.fault(tc.answer)
			_, err := ch.Send(context.Background(), message(rx.URL()+"?token=s3cret"))
			require.Error(t, err)
			assert.Equal(t, tc.permanent, adapters.IsPermanent(err), "%v", err)
			var se *adapters.SendError
			if tc.code != "" {
				require.ErrorAs(t, err, &se)
				assert.Equal(t, tc.code, se.Code)
			}
			assert.NotContains(t, err.Error(), "s3cret", "errors do not carry the endpoint's query")
			assert.Zero(t, rx.deliveries())
			_, _, _, _, redirects := rx.got()
			assert.Zero(t, redirects, "redirects are not followed")
			restore()
			_, err = ch.Send(context.Background(), message(rx.URL()))
			require.NoError(t, err, "the channel sends again once the receiver recovers")
		})
	}
}

func TestSendReadsABoundedAnswer(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret().Text()
	rx := newReceiver(t, secret)
	wrote := make(chan int64, 1)
	rx.fault(func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("X-Request-Id", "big-1")
		bw := bufio.NewWriter(w)
		var n int64
		chunk := []byte(strings.Repeat("x", 32<<10))
		for n < 64<<20 { // 64 MiB, unless the channel stops reading
			k, err := bw.Write(chunk)
			n += int64(k)
			if err != nil {
				break
			}
		}
		wrote <- n
		return true
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sent, err := newChannel(t, testConfig(secret)).Send(ctx, message(rx.URL()))
	require.NoError(t, err, "a 200 with a huge body is a delivery")
	assert.Equal(t, "big-1", sent.ProviderID)
	select {
	case n := <-wrote:
		assert.Less(t, n, int64(64<<20), "the channel closed the connection instead of reading everything")
	case <-time.After(5 * time.Second):
		t.Fatal("the receiver kept writing after the channel was done")
	}
}

func TestSendIgnoresAProviderIDThatIsNotPrintable(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret().Text()
	rx := newReceiver(t, secret)
	rx.fault(func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("X-Request-Id", strings.Repeat("a", 300))
		return true
	})
	sent, err := newChannel(t, testConfig(secret)).Send(context.Background(), message(rx.URL()))
	require.NoError(t, err)
	assert.Empty(t, sent.ProviderID, "an over-long id is dropped")
}

func TestSendRefusesBadMessages(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret().Text()
	strict := newChannel(t, &webhook.Config{Secrets: []string{secret}})
	lax := newChannel(t, testConfig(secret))
	tests := []struct {
		name string
		ch   *webhook.Channel
		m    func(m adapters.Outgoing) adapters.Outgoing
	}{
		{"http without InsecureAllowHTTP", strict, func(m adapters.Outgoing) adapters.Outgoing { m.To = "http://example.org/hook"; return m }},
		{"another scheme", lax, func(m adapters.Outgoing) adapters.Outgoing { m.To = "ftp://example.org/hook"; return m }},
		{"an email address", lax, func(m adapters.Outgoing) adapters.Outgoing { m.To = "ana@example.org"; return m }},
		{"no host", lax, func(m adapters.Outgoing) adapters.Outgoing { m.To = "https:///hook"; return m }},
		{"credentials in the URL", lax, func(m adapters.Outgoing) adapters.Outgoing { m.To = "https://u:p@example.org/hook"; return m }},
		{"a URL too long", lax, func(m adapters.Outgoing) adapters.Outgoing {
			m.To = "https://example.org/" + strings.Repeat("a", webhook.MaxURLLen)
			return m
		}},
		{"not a URL", lax, func(m adapters.Outgoing) adapters.Outgoing { m.To = "https://exa mple.org/%zz"; return m }},
		{"no id", lax, func(m adapters.Outgoing) adapters.Outgoing { m.MessageID, m.IdempotencyKey = "", ""; return m }},
		{"an id with a newline", lax, func(m adapters.Outgoing) adapters.Outgoing { m.IdempotencyKey = "k\r\nX-Evil: 1"; return m }},
		{"an id too long", lax, func(m adapters.Outgoing) adapters.Outgoing {
			m.IdempotencyKey = strings.Repeat("k", webhook.MaxIDLen+1)
			return m
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := tc.ch.Send(context.Background(), tc.m(message("https://example.org/hook")))
			require.ErrorIs(t, err, adapters.ErrInvalidArgument)
			assert.True(t, adapters.IsPermanent(err), "a bad message will not get better: %v", err)
		})
	}
}

func TestSendRefusesPrivateAddresses(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret().Text()
	rx := newReceiver(t, secret)
	_, port, _ := strings.Cut(rx.srv.Listener.Addr().String(), ":")
	clients := map[string]*http.Client{"its own client": nil, "a given *http.Transport": {Transport: &http.Transport{}}}
	for name, client := range clients {
		ch := newChannel(t, &webhook.Config{Secrets: []string{secret}, InsecureAllowHTTP: true, HTTPClient: client})
		for _, to := range []string{rx.URL(), "http://localhost:" + port + "/hook", "http://[::1]:" + port + "/hook"} {
			_, err := ch.Send(context.Background(), message(to))
			require.ErrorIs(t, err, webhook.ErrPrivateAddress, "%s, %s", name, to)
			assert.True(t, adapters.IsPermanent(err), "%s, %s: a refused address is permanent", name, to)
		}
	}
	_, _, _, requests, _ := rx.got()
	assert.Zero(t, requests, "nothing reached the private address")
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	good := webhook.NewSecret().Text()
	type roundTripper struct{ http.RoundTripper }
	tests := []struct {
		name string
		cfg  *webhook.Config
		want []string // parts of the error; none means valid
	}{
		{"nil", nil, []string{"at least one secret"}},
		{"no secrets", &webhook.Config{}, []string{"at least one webhook secret"}},
		{"valid", &webhook.Config{Secrets: []string{good}}, nil},
		{"every problem at once", &webhook.Config{Secrets: []string{good, "whsec_c2hvcnQ="}, Timeout: -time.Second,
			UserAgent: "a\nb", ProviderIDHeader: "X Id"}, []string{"secret 1", "timeout", "user agent", "provider id header"}},
		{"a transport that cannot be checked", &webhook.Config{Secrets: []string{good}, HTTPClient: &http.Client{Transport: roundTripper{}}},
			[]string{"InsecureAllowPrivateNetworks"}},
		{"a transport that filters addresses itself", &webhook.Config{Secrets: []string{good}, HTTPClient: &http.Client{Transport: roundTripper{}},
			InsecureAllowPrivateNetworks: true}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.cfg.Validate()
			_, nerr := webhook.New(tc.cfg)
			if tc.want == nil {
				require.NoError(t, err)
				require.NoError(t, nerr)
				return
			}
			require.ErrorIs(t, err, adapters.ErrInvalidArgument)
			require.ErrorIs(t, nerr, adapters.ErrInvalidArgument)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), "c2hvcnQ", "errors never repeat a secret")
		})
	}
}

func TestSendGivesUpAtItsOwnTimeout(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret().Text()
	rx := newReceiver(t, secret)
	release := make(chan struct{})
	defer close(release)
	rx.fault(func(w http.ResponseWriter, r *http.Request) bool {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return true
	})
	cfg := testConfig(secret)
	cfg.Timeout = 200 * time.Millisecond
	start := time.Now()
	_, err := newChannel(t, cfg).Send(context.Background(), message(rx.URL()))
	require.Error(t, err)
	assert.False(t, adapters.IsPermanent(err), "a timeout is temporary: %v", err)
	assert.Less(t, time.Since(start), 5*time.Second)
}
