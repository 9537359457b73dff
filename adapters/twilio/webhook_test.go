package twilio_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/adapters/twilio"
)

const (
	publicBase = "https://city.example.org"
	hookToken  = "webhook-auth-token"
)

var testNow = time.Date(2026, 11, 30, 15, 4, 5, 0, time.UTC)

// replies is a ReplyHandler that records what it is given and answers
// with err.
type replies struct {
	mu  sync.Mutex
	got []adapters.Reply
	err error
}

func (h *replies) HandleReply(_ context.Context, r adapters.Reply) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err != nil {
		return h.err
	}
	h.got = append(h.got, r)
	return nil
}

func (h *replies) fail(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.err = err
}

func (h *replies) all() []adapters.Reply {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]adapters.Reply(nil), h.got...)
}

// heldCount is how many replies wait in q.
func heldCount(t *testing.T, q adapters.ReplyQueue) int {
	t.Helper()
	n, hq := 0, adapters.HeldReplyQuery{}
	for {
		page, err := q.ListHeldReplies(context.Background(), hq)
		require.NoError(t, err)
		n += len(page.Replies)
		if page.NextCursor == "" {
			return n
		}
		hq.Cursor = page.NextCursor
	}
}

// failingQueue is a ReplyQueue whose HoldReply returns err when set.
type failingQueue struct {
	adapters.ReplyQueue
	err error
}

func (q *failingQueue) HoldReply(ctx context.Context, h adapters.HeldReply) error {
	if q.err != nil {
		return q.err
	}
	return q.ReplyQueue.HoldReply(ctx, h)
}

func hookConfig(edit func(c *twilio.WebhookConfig)) *twilio.WebhookConfig {
	c := &twilio.WebhookConfig{AuthTokens: []string{hookToken}, PublicBase: publicBase, DefaultRegion: "US",
		HelpText: "City Hall <alerts> & updates. Reply STOP to stop.", Now: func() time.Time { return testNow }}
	if edit != nil {
		edit(c)
	}
	return c
}

func smsSID(n int) string { return fmt.Sprintf("SM%032x", n) }

// incoming is the form Twilio posts for an incoming text.
func incoming(sid, body string) url.Values {
	return url.Values{
		"ToCountry": {"US"}, "ToState": {"DC"}, "SmsMessageSid": {sid}, "NumMedia": {"0"}, "ToCity": {""},
		"FromZip": {"20001"}, "SmsSid": {sid}, "FromState": {"DC"}, "SmsStatus": {"received"}, "FromCity": {"WASHINGTON"},
		"Body": {body}, "FromCountry": {"US"}, "To": {"+12025550100"}, "ToZip": {""}, "NumSegments": {"1"},
		"MessageSid": {sid}, "AccountSid": {testAccount}, "From": {"+12025550142"}, "ApiVersion": {"2010-04-01"},
	}
}

// post sends params to h as Twilio would, signed with token over the
// public URL of path (no signature when token is empty).
func post(h http.Handler, path string, params url.Values, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(params.Encode()))
	req.Host = "internal-app:8080" // behind a proxy: not the public host
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.Header.Set(twilio.SignatureHeader, signFor(token, publicBase+path, params))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func newInbound(t *testing.T, edit func(c *twilio.WebhookConfig)) (*twilio.InboundHandler, *replies, *memory.Store) {
	t.Helper()
	rh, q := &replies{}, memory.New()
	h, err := twilio.NewInboundHandler(rh, q, hookConfig(edit))
	require.NoError(t, err)
	return h, rh, q
}

func TestInboundPassesATextToTheReplyHandler(t *testing.T) {
	t.Parallel()
	h, rh, q := newInbound(t, nil)
	rec := post(h, "/twilio/sms", incoming(smsSID(1), "The pothole is back ñ 🚧"), hookToken)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, "text/xml; charset=utf-8", rec.Header().Get("Content-Type"))
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Response/>", rec.Body.String())
	assert.Equal(t, []adapters.Reply{{Channel: "sms", From: "+12025550142", To: "+12025550100", Body: "The pothole is back ñ 🚧",
		ProviderID: smsSID(1), At: testNow}}, rh.all())
	assert.Zero(t, heldCount(t, q), "a routed text is not held")
}

func TestInboundNormalisesANationalSender(t *testing.T) {
	t.Parallel()
	h, rh, _ := newInbound(t, nil)
	p := incoming(smsSID(1), "hi")
	p.Set("From", "2025550142")
	require.Equal(t, http.StatusOK, post(h, "/twilio/sms", p, hookToken).Code)
	require.Len(t, rh.all(), 1)
	assert.Equal(t, "+12025550142", rh.all()[0].From)
}

func TestInboundRefusesUnsignedRequestsAndChangesNothing(t *testing.T) {
	t.Parallel()
	h, rh, q := newInbound(t, nil)
	p := incoming(smsSID(2), "STOP")
	tests := []struct {
		name string
		req  func() *http.Request
	}{
		{"NoSignature", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/twilio/sms", strings.NewReader(p.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}},
		{"OtherToken", func() *http.Request { return signedRequest("/twilio/sms", p, "other-token", publicBase+"/twilio/sms") }},
		{"SignedForTheInternalHost", func() *http.Request {
			return signedRequest("/twilio/sms", p, hookToken, "http://internal-app:8080/twilio/sms")
		}},
		{"SignedForAnotherPath", func() *http.Request { return signedRequest("/twilio/sms", p, hookToken, publicBase+"/twilio/status") }},
		{"BodyChanged", func() *http.Request {
			r := signedRequest("/twilio/sms", p, hookToken, publicBase+"/twilio/sms")
			changed := incoming(smsSID(2), "START")
			r.Body = io.NopCloser(strings.NewReader(changed.Encode()))
			return r
		}},
	}
	for _, tc := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, tc.req())
		assert.Equal(t, http.StatusForbidden, rec.Code, tc.name)
	}
	assert.Empty(t, rh.all(), "nothing reaches the reply handler")
	assert.Zero(t, heldCount(t, q), "nothing is held")
	rec := post(h, "/twilio/sms", p, hookToken)
	assert.Equal(t, http.StatusOK, rec.Code, "the same text, signed, is taken: the refusals recorded nothing")
}

func signedRequest(path string, p url.Values, token, signedURL string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(p.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set(twilio.SignatureHeader, signFor(token, signedURL, p))
	return r
}

func TestInboundRefusesAReplayedMessage(t *testing.T) {
	t.Parallel()
	h, rh, _ := newInbound(t, nil)
	p := incoming(smsSID(3), "STOP")
	require.Equal(t, http.StatusOK, post(h, "/twilio/sms", p, hookToken).Code)
	rec := post(h, "/twilio/sms", p, hookToken)
	assert.Equal(t, http.StatusForbidden, rec.Code, "a message sid handled before is refused")
	assert.Len(t, rh.all(), 1, "a replay reaches the handler not at all")
}

func TestInboundRetriesAfterATemporaryFailure(t *testing.T) {
	t.Parallel()
	store := memory.New()
	h, rh, _ := newInbound(t, func(c *twilio.WebhookConfig) { c.Once = store })
	p := incoming(smsSID(4), "Thanks, the light works now")
	rh.fail(fmt.Errorf("store: %w", adapters.ErrUnavailable))
	assert.Equal(t, http.StatusServiceUnavailable, post(h, "/twilio/sms", p, hookToken).Code)
	rh.fail(nil)
	assert.Equal(t, http.StatusOK, post(h, "/twilio/sms", p, hookToken).Code, "the failed sid was not recorded: Twilio's retry is taken")
	assert.Len(t, rh.all(), 1)
	err := store.ConsumeFlow(context.Background(), "twilio-sms:"+smsSID(4), testNow.Add(time.Hour))
	assert.ErrorIs(t, err, adapters.ErrDuplicate, "the handled sid is recorded in the shared store")
}

func TestInboundHoldsATextWithoutACase(t *testing.T) {
	t.Parallel()
	h, rh, q := newInbound(t, nil)
	rh.fail(fmt.Errorf("feedback: reply names no case: %w", adapters.ErrNotFound))
	require.Equal(t, http.StatusOK, post(h, "/twilio/sms", incoming(smsSID(5), "Is anyone there?"), hookToken).Code)
	require.Equal(t, 1, heldCount(t, q))
	held, err := q.GetHeldReply(context.Background(), adapters.HeldReplyID(adapters.Reply{Channel: "sms", ProviderID: smsSID(5)}))
	require.NoError(t, err)
	assert.Equal(t, "no reference", held.Reason)
	assert.Equal(t, "Is anyone there?", held.Reply.Body)
	assert.Equal(t, testNow, held.HeldAt)
}

func TestInboundHoldsATextTheHandlerRefuses(t *testing.T) {
	t.Parallel()
	h, rh, q := newInbound(t, nil)
	rh.fail(fmt.Errorf("feedback: body is blank: %w", adapters.ErrInvalidArgument))
	p := incoming(smsSID(6), "")
	p.Set("NumMedia", "1")
	p.Set("MediaUrl0", "https://api.twilio.com/2010-04-01/Accounts/x/Messages/y/Media/z")
	require.Equal(t, http.StatusOK, post(h, "/twilio/sms", p, hookToken).Code, "a picture without text is not refused")
	assert.Equal(t, 1, heldCount(t, q), "it is held for staff")
}

func TestInboundAnswers503WhenTheQueueFails(t *testing.T) {
	t.Parallel()
	rh, store := &replies{}, memory.New()
	q := &failingQueue{ReplyQueue: store, err: adapters.ErrUnavailable}
	h, err := twilio.NewInboundHandler(rh, q, hookConfig(nil))
	require.NoError(t, err)
	rh.fail(adapters.ErrNotFound)
	assert.Equal(t, http.StatusServiceUnavailable, post(h, "/twilio/sms", incoming(smsSID(7), "hello"), hookToken).Code)
	q.err = nil
	assert.Equal(t, http.StatusOK, post(h, "/twilio/sms", incoming(smsSID(7), "hello"), hookToken).Code)
	assert.Equal(t, 1, heldCount(t, q))
}

func TestInboundAnswersHelp(t *testing.T) {
	t.Parallel()
	for i, body := range []string{"HELP", "help", " Info. ", "AYUDA", "¿ayuda?"} {
		h, rh, _ := newInbound(t, nil)
		rec := post(h, "/twilio/sms", incoming(smsSID(100+i), body), hookToken)
		require.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
			`<Response><Message>City Hall &lt;alerts&gt; &amp; updates. Reply STOP to stop.</Message></Response>`, rec.Body.String(), body)
		assert.Len(t, rh.all(), 1, "HELP is passed to the handler too")
	}
	h, _, _ := newInbound(t, nil)
	rec := post(h, "/twilio/sms", incoming(smsSID(200), "I need help with my permit"), hookToken)
	assert.NotContains(t, rec.Body.String(), "<Message>", "a sentence with help in it is not a HELP keyword")
	h, _, _ = newInbound(t, func(c *twilio.WebhookConfig) { c.HelpText = "" })
	rec = post(h, "/twilio/sms", incoming(smsSID(201), "HELP"), hookToken)
	assert.Contains(t, rec.Body.String(), "<Response/>", "without a help text, Twilio's opt-out management answers")
}

func TestInboundRefusesMalformedRequests(t *testing.T) {
	t.Parallel()
	h, rh, _ := newInbound(t, nil)
	noSID := incoming("", "hi")
	noSID.Del("SmsMessageSid")
	noSID.Del("SmsSid")
	twice := incoming(smsSID(8), "hi")
	twice.Add("From", "+12025550199")
	for name, p := range map[string]url.Values{"NoSid": noSID, "RepeatedFrom": twice,
		"NoFrom":        func() url.Values { p := incoming(smsSID(9), "hi"); p.Del("From"); return p }(),
		"BadMediaCount": func() url.Values { p := incoming(smsSID(10), "hi"); p.Set("NumMedia", "x"); return p }(),
	} {
		assert.Equal(t, http.StatusBadRequest, post(h, "/twilio/sms", p, hookToken).Code, name)
	}
	assert.Empty(t, rh.all())

	req := httptest.NewRequest(http.MethodGet, "/twilio/sms", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	assert.Equal(t, "POST", rec.Header().Get("Allow"))

	big := incoming(smsSID(11), strings.Repeat("x", twilio.MaxWebhookBody))
	assert.Equal(t, http.StatusRequestEntityTooLarge, post(h, "/twilio/sms", big, hookToken).Code)
}

func TestInboundWithAPublicURLFuncAndRotatedTokens(t *testing.T) {
	t.Parallel()
	h, rh, _ := newInbound(t, func(c *twilio.WebhookConfig) {
		c.PublicBase = ""
		c.PublicURL = func(r *http.Request) string { return "https://city.example.org:443/hooks" + r.URL.RequestURI() }
		c.AuthTokens = []string{"new-token", hookToken}
	})
	p := incoming(smsSID(12), "hi")
	for i, token := range []string{hookToken, "new-token"} {
		p.Set("MessageSid", smsSID(12+i))
		req := signedRequest("/sms?x=1", p, token, "https://city.example.org/hooks/sms?x=1")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusOK, rec.Code, "signed with %s, without the port Twilio's console showed", token)
	}
	assert.Len(t, rh.all(), 2)
}

func TestInboundRefusesAReplayInAnotherProcess(t *testing.T) {
	t.Parallel()
	store := memory.New() // an adapters.SessionStore both processes share
	a, rha, _ := newInbound(t, func(c *twilio.WebhookConfig) { c.Once = store })
	b, rhb, _ := newInbound(t, func(c *twilio.WebhookConfig) { c.Once = store })
	p := incoming(smsSID(20), "STOP")
	require.Equal(t, http.StatusOK, post(a, "/twilio/sms", p, hookToken).Code)
	assert.Equal(t, http.StatusForbidden, post(b, "/twilio/sms", p, hookToken).Code, "another process refuses the replay")
	assert.Len(t, rha.all(), 1)
	assert.Empty(t, rhb.all(), "before it reaches the reply handler")
}

func TestInboundForgetsASharedSIDAfterTheReplayWindow(t *testing.T) {
	t.Parallel()
	store := memory.New()
	a, _, _ := newInbound(t, func(c *twilio.WebhookConfig) { c.Once = store; c.ReplayWindow = time.Hour })
	b, rhb, _ := newInbound(t, func(c *twilio.WebhookConfig) {
		c.Once = store
		c.Now = func() time.Time { return testNow.Add(time.Hour) }
	})
	p := incoming(smsSID(22), "Still dark")
	require.Equal(t, http.StatusOK, post(a, "/twilio/sms", p, hookToken).Code)
	assert.Equal(t, http.StatusOK, post(b, "/twilio/sms", p, hookToken).Code,
		"the shared store is asked with the handler's clock: a SID past its window is no longer refused")
	assert.Len(t, rhb.all(), 1)
}

// recordOnly hides FlowConsumed: an OnceStore that can record, not check.
type recordOnly struct{ twilio.OnceStore }

func TestInboundWithARecordOnlyStoreRecordsAfterHandling(t *testing.T) {
	t.Parallel()
	store := recordOnly{memory.New()}
	a, rha, _ := newInbound(t, func(c *twilio.WebhookConfig) { c.Once = store })
	b, rhb, _ := newInbound(t, func(c *twilio.WebhookConfig) { c.Once = store })
	p := incoming(smsSID(21), "The light is out again")
	require.Equal(t, http.StatusOK, post(a, "/twilio/sms", p, hookToken).Code)
	assert.Equal(t, http.StatusForbidden, post(a, "/twilio/sms", p, hookToken).Code, "the same process refuses the replay")
	assert.Equal(t, http.StatusOK, post(b, "/twilio/sms", p, hookToken).Code,
		"another process cannot check first: it hands the text on, and the handler's idempotency in ProviderID absorbs it")
	require.Len(t, rhb.all(), 1)
	assert.Equal(t, rha.all()[0].ProviderID, rhb.all()[0].ProviderID, "with the same provider id")
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestWebhookConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(c *twilio.WebhookConfig)
		want string
	}{
		{"NoToken", func(c *twilio.WebhookConfig) { c.AuthTokens = nil }, "auth tokens"},
		{"EmptyToken", func(c *twilio.WebhookConfig) { c.AuthTokens = []string{""} }, "empty"},
		{"NoPublicURL", func(c *twilio.WebhookConfig) { c.PublicBase = "" }, "PublicBase"},
		{"BaseWithPath", func(c *twilio.WebhookConfig) { c.PublicBase = "https://city.example.org/hooks" }, "PublicBase"},
		{"BaseWithoutScheme", func(c *twilio.WebhookConfig) { c.PublicBase = "city.example.org" }, "PublicBase"},
		{"UnknownRegion", func(c *twilio.WebhookConfig) { c.DefaultRegion = "QQ" }, "DefaultRegion"},
		{"NegativeWindow", func(c *twilio.WebhookConfig) { c.ReplayWindow = -time.Second }, "ReplayWindow"},
	}
	for _, tc := range tests {
		err := hookConfig(tc.edit).Validate()
		require.ErrorIs(t, err, adapters.ErrInvalidArgument, tc.name)
		assert.ErrorContains(t, err, tc.want, tc.name)
	}
	require.NoError(t, hookConfig(nil).Validate())
	_, err := twilio.NewInboundHandler(nil, nil, hookConfig(nil))
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
	_, err = twilio.NewStatusHandler(nil, nil)
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
}

// receipts is a ReceiptHandler that records receipts and knows the
// message sids in known.
type receipts struct {
	mu    sync.Mutex
	known map[string]bool
	got   []adapters.Receipt
	err   error
}

func (h *receipts) HandleReceipt(_ context.Context, r adapters.Receipt) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err != nil {
		return h.err
	}
	if !h.known[r.ProviderID] {
		return fmt.Errorf("no message %s: %w", r.ProviderID, adapters.ErrNotFound)
	}
	h.got = append(h.got, r)
	return nil
}

func statusForm(sid, status, code string) url.Values {
	p := url.Values{"SmsSid": {sid}, "SmsStatus": {status}, "MessageStatus": {status}, "To": {"+12025550142"},
		"MessageSid": {sid}, "AccountSid": {testAccount}, "From": {"+12025550100"}, "ApiVersion": {"2010-04-01"}}
	if code != "" {
		p.Set("ErrorCode", code)
	}
	return p
}

func TestStatusHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, status, code string
		want               *adapters.Receipt
	}{
		{"Delivered", "delivered", "", &adapters.Receipt{Delivered: true}},
		{"UnreachableIsTemporary", "undelivered", "30003", &adapters.Receipt{Error: "twilio: message undelivered (error 30003)"}},
		{"UnknownNumberIsPermanent", "undelivered", "30005", &adapters.Receipt{Permanent: true, Error: "twilio: message undelivered (error 30005)"}},
		{"LandlineIsPermanent", "failed", "30006", &adapters.Receipt{Permanent: true, Error: "twilio: message failed (error 30006)"}},
		{"FilteredIsPermanent", "undelivered", "30007", &adapters.Receipt{Permanent: true, Error: "twilio: message undelivered (error 30007)"}},
		{"OptedOutIsPermanent", "failed", "21610", &adapters.Receipt{Permanent: true, Error: "twilio: message failed (error 21610)"}},
		{"FailedWithoutCodeIsTemporary", "failed", "", &adapters.Receipt{Error: "twilio: message failed"}},
		{"QueuedIsNothing", "queued", "", nil},
		{"SentIsNothing", "sent", "", nil},
		{"SendingIsNothing", "sending", "", nil},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sid := smsSID(300 + i)
			rh := &receipts{known: map[string]bool{sid: true}}
			h, err := twilio.NewStatusHandler(rh, hookConfig(nil))
			require.NoError(t, err)
			rec := post(h, "/twilio/status", statusForm(sid, tc.status, tc.code), hookToken)
			require.Equal(t, http.StatusOK, rec.Code)
			if tc.want == nil {
				assert.Empty(t, rh.got)
				return
			}
			want := *tc.want
			want.Channel, want.ProviderID, want.At = "sms", sid, testNow
			assert.Equal(t, []adapters.Receipt{want}, rh.got)
		})
	}
}

func TestStatusHandlerRefusalsAndFailures(t *testing.T) {
	t.Parallel()
	rh := &receipts{known: map[string]bool{smsSID(1): true}}
	h, err := twilio.NewStatusHandler(rh, hookConfig(nil))
	require.NoError(t, err)
	assert.Equal(t, http.StatusForbidden, post(h, "/twilio/status", statusForm(smsSID(1), "delivered", ""), "").Code)
	assert.Equal(t, http.StatusForbidden, post(h, "/twilio/status", statusForm(smsSID(1), "delivered", ""), "wrong").Code)
	assert.Empty(t, rh.got, "an unsigned receipt changes nothing")
	assert.Equal(t, http.StatusOK, post(h, "/twilio/status", statusForm(smsSID(2), "delivered", ""), hookToken).Code,
		"an unknown sid answers 200 so Twilio stops")
	assert.Equal(t, http.StatusBadRequest, post(h, "/twilio/status", statusForm("SMnot", "delivered", ""), hookToken).Code)
	assert.Equal(t, http.StatusBadRequest, post(h, "/twilio/status", statusForm(smsSID(1), "failed", "x1"), hookToken).Code)
	rh.err = adapters.ErrUnavailable
	assert.Equal(t, http.StatusServiceUnavailable, post(h, "/twilio/status", statusForm(smsSID(1), "delivered", ""), hookToken).Code)
}

func TestStatusHandlerTakesAJSONBody(t *testing.T) {
	t.Parallel()
	sid := smsSID(400)
	rh := &receipts{known: map[string]bool{sid: true}}
	h, err := twilio.NewStatusHandler(rh, hookConfig(nil))
	require.NoError(t, err)
	body := `{"MessageSid":"` + sid + `","MessageStatus":"undelivered","ErrorCode":30005}`
	sum := sha256Hex(body)
	path := "/twilio/status?bodySHA256=" + sum
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(twilio.SignatureHeader, signFor(hookToken, publicBase+path, nil))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Len(t, rh.got, 1)
	assert.True(t, rh.got[0].Permanent)

	req = httptest.NewRequest(http.MethodPost, path, strings.NewReader(body+" "))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(twilio.SignatureHeader, signFor(hookToken, publicBase+path, nil))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusForbidden, rec.Code, "a body that does not hash to bodySHA256 is refused")
}

func TestPermanentDeliveryCodes(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"30004", "30005", "30006", "30007", "21610", "30034"} {
		assert.True(t, twilio.Permanent(code), code)
	}
	for _, code := range []string{"", "30001", "30003", "30008", "30017", "30022"} {
		assert.False(t, twilio.Permanent(code), code)
	}
}

func FuzzInboundForm(f *testing.F) {
	f.Add(incoming(smsSID(1), "hello").Encode())
	f.Add(incoming(smsSID(2), "STOP").Encode() + "&From=%2B1")
	f.Add("MessageSid=SM0&From=&NumMedia=-1")
	f.Add("%zz=1&Body=%")
	f.Add("MessageSid=" + smsSID(3) + "&From=abc&To=%00&NumMedia=99999")
	f.Fuzz(func(t *testing.T, form string) {
		params, err := url.ParseQuery(form)
		if err != nil {
			return
		}
		m, err := twilio.ParseInbound(params, "US")
		if err != nil {
			if !errors.Is(err, adapters.ErrInvalidArgument) {
				t.Fatalf("a refused form is ErrInvalidArgument: %v", err)
			}
			return
		}
		if m.SID == "" || m.From == "" || len(m.From) > 64 || m.NumMedia < 0 {
			t.Fatalf("a parsed message has a sid and a bounded sender: %+v", m)
		}
		_, _, _ = twilio.ParseStatus(params)
		// The whole handler, signed, never panics and answers a status
		// Twilio understands.
		h, rh, _ := newInboundForFuzz(t)
		rec := post(h, "/twilio/sms", params, hookToken)
		if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest && rec.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d for %q", rec.Code, form)
		}
		_ = rh
	})
}

func newInboundForFuzz(t *testing.T) (*twilio.InboundHandler, *replies, *memory.Store) {
	rh, q := &replies{}, memory.New()
	h, err := twilio.NewInboundHandler(rh, q, hookConfig(nil))
	if err != nil {
		t.Fatal(err)
	}
	return h, rh, q
}
