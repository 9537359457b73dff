package twilio_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Test credentials in Twilio's formats.
var (
	testAccount = "AC" + strings.Repeat("a1", 16)
	testToken   = "test-auth-token"
	testService = "MG" + strings.Repeat("b2", 16)
	testKeySID  = "SK" + strings.Repeat("c3", 16)
	testSecret  = "test-key-secret"
)

// fakeTwilio behaves like Twilio's Messages endpoint and checks every
// request the way Twilio reads it: a request that Twilio would not take
// fails the test and is answered 400.
type fakeTwilio struct {
	t   *testing.T
	srv *httptest.Server
	// What the requests must carry.
	user, pass     string
	service, from  string
	statusCallback string

	mu        sync.Mutex
	delivered []fakeMessage
	keys      []string
	byKey     map[string][]byte // idempotency token → first answer
	requests  int
	mode      fakeMode
	release   chan struct{}
}

// fakeMessage is a message the fake accepted.
type fakeMessage struct {
	SID, To, Body, Key string
}

// fakeMode is how the fake answers, to test faults.
type fakeMode struct {
	status int    // answer this status with body (0: behave)
	body   string // the answer's body
	close  bool   // close the connection without an answer
	hang   bool   // read the request and never answer
}

func newFakeTwilio(t *testing.T) *fakeTwilio {
	f := &fakeTwilio{t: t, user: testAccount, pass: testToken, service: testService,
		byKey: map[string][]byte{}, release: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		f.unhang()
		f.srv.Close()
	})
	return f
}

var (
	e164Pattern = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	sidPattern  = regexp.MustCompile(`^SM[0-9a-f]{32}$`)
)

// allowedFields are the form fields Send may use.
var allowedFields = map[string]bool{"To": true, "Body": true, "From": true, "MessagingServiceSid": true, "StatusCallback": true}

func (f *fakeTwilio) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	mode := f.mode
	release := f.release
	f.mu.Unlock()

	problems := f.check(r)
	form, _ := url.ParseQuery(string(mustRead(r)))
	if mode.hang {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return
	}
	if mode.close {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	if len(problems) > 0 {
		f.t.Errorf("twilio would refuse this request: %s", strings.Join(problems, "; "))
		writeTwilioError(w, 400, 21601, "refused by the test's twilio")
		return
	}
	if mode.status != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(mode.status)
		_, _ = io.WriteString(w, mode.body)
		return
	}
	key := r.Header.Get("I-Twilio-Idempotency-Token")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys = append(f.keys, key)
	if prev, ok := f.byKey[key]; ok && key != "" {
		// Twilio answers a repeated token with the first answer and
		// sends nothing.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(prev)
		return
	}
	sid := "SM" + randomHex(16)
	answer, _ := json.Marshal(map[string]any{
		"account_sid": testAccount, "api_version": "2010-04-01", "body": form.Get("Body"),
		"date_created": time.Now().UTC().Format(time.RFC1123Z), "date_sent": nil, "date_updated": time.Now().UTC().Format(time.RFC1123Z),
		"direction": "outbound-api", "error_code": nil, "error_message": nil, "from": nilIfEmpty(form.Get("From")),
		"messaging_service_sid": nilIfEmpty(form.Get("MessagingServiceSid")), "num_media": "0", "num_segments": "1",
		"price": nil, "price_unit": "USD", "sid": sid, "status": "queued", "to": form.Get("To"),
		"uri": "/2010-04-01/Accounts/" + testAccount + "/Messages/" + sid + ".json",
	})
	if key != "" {
		f.byKey[key] = answer
	}
	f.delivered = append(f.delivered, fakeMessage{SID: sid, To: form.Get("To"), Body: form.Get("Body"), Key: key})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(answer)
}

// check lists what makes r a request Twilio's Messages endpoint would
// not take as the channel's configuration says.
func (f *fakeTwilio) check(r *http.Request) []string {
	var p []string
	if r.Method != http.MethodPost {
		p = append(p, "method "+r.Method)
	}
	if want := "/2010-04-01/Accounts/" + testAccount + "/Messages.json"; r.URL.Path != want {
		p = append(p, fmt.Sprintf("path %q, want %q", r.URL.Path, want))
	}
	if r.URL.RawQuery != "" {
		p = append(p, "a query string")
	}
	if u, pw, ok := r.BasicAuth(); !ok || u != f.user || pw != f.pass {
		p = append(p, "basic auth is not the configured credential")
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		p = append(p, "content type "+ct)
	}
	if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "civickit-twilio/") {
		p = append(p, "user agent "+ua)
	}
	if r.Header.Get("I-Twilio-Idempotency-Token") == "" {
		p = append(p, "no idempotency token")
	}
	body := mustRead(r)
	if !utf8.Valid(body) {
		p = append(p, "body is not UTF-8")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return append(p, "body is not a form: "+err.Error())
	}
	for k, vs := range form {
		if !allowedFields[k] {
			p = append(p, "unexpected field "+k)
		}
		if len(vs) != 1 {
			p = append(p, "field "+k+" repeated")
		}
	}
	if !e164Pattern.MatchString(form.Get("To")) {
		p = append(p, "To is not E.164")
	}
	if b := form.Get("Body"); b == "" || utf8.RuneCountInString(b) > 1600 {
		p = append(p, "Body empty or above 1600 characters")
	}
	if form.Get("MessagingServiceSid") != f.service {
		p = append(p, fmt.Sprintf("MessagingServiceSid %q, want %q", form.Get("MessagingServiceSid"), f.service))
	}
	if form.Get("From") != f.from {
		p = append(p, fmt.Sprintf("From %q, want %q", form.Get("From"), f.from))
	}
	if form.Get("StatusCallback") != f.statusCallback {
		p = append(p, fmt.Sprintf("StatusCallback %q, want %q", form.Get("StatusCallback"), f.statusCallback))
	}
	return p
}

// mustRead reads the request body once and keeps it for a second read.
func mustRead(r *http.Request) []byte {
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(strings.NewReader(string(b)))
	return b
}

func writeTwilioError(w http.ResponseWriter, status, code int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "message": message,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), "status": status})
}

func twilioError(status, code int, message string) fakeMode {
	b, _ := json.Marshal(map[string]any{"code": code, "message": message,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), "status": status})
	return fakeMode{status: status, body: string(b)}
}

func (f *fakeTwilio) set(m fakeMode) (restore func()) {
	f.mu.Lock()
	f.mode = m
	f.mu.Unlock()
	return func() {
		f.unhang()
		f.mu.Lock()
		f.mode = fakeMode{}
		f.mu.Unlock()
	}
}

// unhang answers (with nothing) every request the fake holds.
func (f *fakeTwilio) unhang() {
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-f.release:
	default:
		close(f.release)
	}
	f.release = make(chan struct{})
}

func (f *fakeTwilio) messages() []fakeMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeMessage(nil), f.delivered...)
}

func (f *fakeTwilio) seenKeys() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.keys...)
}

func (f *fakeTwilio) requestCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
