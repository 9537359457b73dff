package smtp

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
)

const testSecret = "s3cret-token-0123456789"

func startHTTP(t *testing.T, h adapters.ReplyHandler, q adapters.ReplyQueue, maxBytes int64) *httptest.Server {
	t.Helper()
	hh, err := NewHTTPHandler(testRouting, h, q, &HTTPConfig{Secret: testSecret, MaxBytes: maxBytes, Parse: &ParseOptions{Now: fixedNow}})
	require.NoError(t, err)
	srv := httptest.NewServer(hh)
	t.Cleanup(srv.Close)
	return srv
}

type post struct {
	method      string
	contentType string
	body        []byte
	auth        func(*http.Request)
}

func bearer(r *http.Request) { r.Header.Set("Authorization", "Bearer "+testSecret) }

func do(t *testing.T, srv *httptest.Server, p post) *http.Response {
	t.Helper()
	if p.method == "" {
		p.method = http.MethodPost
	}
	req, err := http.NewRequest(p.method, srv.URL+"/inbound/email", bytes.NewReader(p.body))
	require.NoError(t, err)
	if p.contentType != "" {
		req.Header.Set("Content-Type", p.contentType)
	}
	if p.auth != nil {
		p.auth(req)
	}
	res, err := srv.Client().Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	require.NoError(t, res.Body.Close())
	return res
}

// form builds a multipart/form-data body with the fields in order.
func form(t *testing.T, fields ...string) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		require.NoError(t, w.WriteField(fields[i], fields[i+1]))
	}
	require.NoError(t, w.Close())
	return w.FormDataContentType(), b.Bytes()
}

func TestHTTPHandlerRawMessage(t *testing.T) {
	h, q := newRecorder("C-17"), newTestQueue()
	srv := startHTTP(t, h, q, 0)
	res := do(t, srv, post{contentType: "message/rfc822", body: []byte(gmailReply()), auth: bearer})
	assert.Equal(t, http.StatusOK, res.StatusCode)
	got := h.got()
	require.Len(t, got, 1)
	assert.Equal(t, "case:C-17", got[0].InReplyTo)
	assert.Equal(t, "email", got[0].Channel)

	res = do(t, srv, post{contentType: "message/rfc822", body: []byte(gmailReply()), auth: func(r *http.Request) { r.SetBasicAuth("sendgrid", testSecret) }})
	assert.Equal(t, http.StatusOK, res.StatusCode, "the secret as a basic password")
}

func TestHTTPHandlerSendGridForm(t *testing.T) {
	h, q := newRecorder("C-5"), newTestQueue()
	srv := startHTTP(t, h, q, 0)
	msg := crlf("From: p@example.org\nTo: City <replies@city.example>\nMessage-ID: <sg1@example.org>\n\nThe sidewalk is cracked.\n")
	ct, body := form(t,
		"headers", "Received: by mx.sendgrid.net",
		"envelope", `{"to":["`+testRouting.ReplyAddress("C-5")+`"],"from":"p@example.org"}`,
		"email", msg,
		"spam_score", "0.1")
	res := do(t, srv, post{contentType: ct, body: body, auth: bearer})
	assert.Equal(t, http.StatusOK, res.StatusCode)
	got := h.got()
	require.Len(t, got, 1)
	assert.Equal(t, "case:C-5", got[0].InReplyTo, "routed by the envelope's recipient")
	assert.Equal(t, "The sidewalk is cracked.", got[0].Body)
}

func TestHTTPHandlerMailgunFormHeldWhenUnrouted(t *testing.T) {
	h, q := newRecorder(), newTestQueue()
	srv := startHTTP(t, h, q, 0)
	msg := crlf("From: p@example.org\nTo: replies@city.example\nMessage-ID: <mg1@example.org>\n\nWho do I call?\n")
	ct, body := form(t, "recipient", "replies@city.example", "sender", "p@example.org", "body-mime", msg)
	res := do(t, srv, post{contentType: ct, body: body, auth: bearer})
	assert.Equal(t, http.StatusAccepted, res.StatusCode)
	held := q.all()
	require.Len(t, held, 1)
	assert.Equal(t, "mg1@example.org", held[0].Reply.ProviderID)
	assert.Equal(t, "no reference", held[0].Reason)

	res = do(t, srv, post{contentType: ct, body: body, auth: bearer})
	assert.Equal(t, http.StatusAccepted, res.StatusCode, "a redelivery")
	assert.Len(t, q.all(), 1, "is held once")
}

func TestHTTPHandlerRefusals(t *testing.T) {
	h, q := newRecorder("C-1"), newTestQueue()
	srv := startHTTP(t, h, q, 4096)
	good := []byte(crlf("From: p@example.org\nTo: " + testRouting.ReplyAddress("C-1") + "\nMessage-ID: <g@x>\n\nFine.\n"))
	bigCT, bigForm := form(t, "email", string(good)+strings.Repeat("x", 5000))
	noMsgCT, noMsgForm := form(t, "to", "replies@city.example")
	cases := []struct {
		name string
		p    post
		want int
	}{
		{"no secret", post{contentType: "message/rfc822", body: good}, http.StatusUnauthorized},
		{"wrong bearer", post{contentType: "message/rfc822", body: good, auth: func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+testSecret+"x") }}, http.StatusUnauthorized},
		{"wrong password", post{contentType: "message/rfc822", body: good, auth: func(r *http.Request) { r.SetBasicAuth("u", "nope") }}, http.StatusUnauthorized},
		{"GET", post{method: http.MethodGet, auth: bearer}, http.StatusMethodNotAllowed},
		{"plain text", post{contentType: "text/plain", body: good, auth: bearer}, http.StatusUnsupportedMediaType},
		{"no content type", post{body: good, auth: bearer}, http.StatusUnsupportedMediaType},
		{"too large raw", post{contentType: "message/rfc822", body: append(good, bytes.Repeat([]byte("x"), 5000)...), auth: bearer}, http.StatusRequestEntityTooLarge},
		{"too large form field", post{contentType: bigCT, body: bigForm, auth: bearer}, http.StatusRequestEntityTooLarge},
		{"form without the message", post{contentType: noMsgCT, body: noMsgForm, auth: bearer}, http.StatusBadRequest},
		{"unparseable", post{contentType: "message/rfc822", body: []byte("To: x@y\r\n\r\nno sender\r\n"), auth: bearer}, http.StatusUnprocessableEntity},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := do(t, srv, c.p)
			assert.Equal(t, c.want, res.StatusCode)
			if c.want == http.StatusUnauthorized {
				assert.NotEmpty(t, res.Header.Get("WWW-Authenticate"))
			}
		})
	}
	assert.Empty(t, h.got())
	assert.Empty(t, q.all())
}

func TestHTTPHandlerAsksForRetryWhenHandlerFails(t *testing.T) {
	h, q := newRecorder("C-1"), newTestQueue()
	h.fail = fmt.Errorf("feedback: %w", errStoreDown)
	srv := startHTTP(t, h, q, 0)
	msg := []byte(crlf("From: p@example.org\nTo: " + testRouting.ReplyAddress("C-1") + "\nMessage-ID: <r@x>\n\nHello.\n"))
	res := do(t, srv, post{contentType: "message/rfc822", body: msg, auth: bearer})
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	assert.Equal(t, "60", res.Header.Get("Retry-After"))
	assert.Empty(t, q.all())
}

func TestHTTPHandlerDropsAutomaticMessages(t *testing.T) {
	h, q := newRecorder("C-1"), newTestQueue()
	srv := startHTTP(t, h, q, 0)
	msg := []byte(crlf("From: p@example.org\nTo: " + testRouting.ReplyAddress("C-1") + "\nPrecedence: auto_reply\nMessage-ID: <a@x>\n\nAway.\n"))
	res := do(t, srv, post{contentType: "message/rfc822", body: msg, auth: bearer})
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Empty(t, h.got())
	assert.Empty(t, q.all())
}

func TestNewHTTPHandlerValidates(t *testing.T) {
	_, err := NewHTTPHandler(testRouting, newRecorder(), newTestQueue(), nil)
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	_, err = NewHTTPHandler(testRouting, newRecorder(), newTestQueue(), &HTTPConfig{Secret: "short", MaxBytes: MaxMaxBytes + 1})
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	assert.ErrorContains(t, err, "Secret is 5 bytes")
	assert.ErrorContains(t, err, "MaxBytes")
}
