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
	"github.com/civickit/civickit/adapters/memory"
)

const inHTTPSecret = "s3cret-token-0123456789"

func startInHTTP(t *testing.T, h adapters.ReplyHandler, q adapters.ReplyQueue, maxBytes int64) *httptest.Server {
	t.Helper()
	hh, err := NewHTTPHandler(inRouting, h, q, &HTTPConfig{Secret: inHTTPSecret, MaxBytes: maxBytes, Parse: &ParseOptions{Now: inFixedNow}})
	require.NoError(t, err)
	srv := httptest.NewServer(hh)
	t.Cleanup(srv.Close)
	return srv
}

type inPost struct {
	method      string
	contentType string
	body        []byte
	auth        func(*http.Request)
}

func inBearer(r *http.Request) { r.Header.Set("Authorization", "Bearer "+inHTTPSecret) }

func doIn(t *testing.T, srv *httptest.Server, p inPost) *http.Response {
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
func inForm(t *testing.T, fields ...string) (string, []byte) {
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
	h, q := newInRecorder("C-17"), memory.New()
	srv := startInHTTP(t, h, q, 0)
	res := doIn(t, srv, inPost{contentType: "message/rfc822", body: []byte(inGmailReply()), auth: inBearer})
	assert.Equal(t, http.StatusOK, res.StatusCode)
	got := h.got()
	require.Len(t, got, 1)
	assert.Equal(t, "case:C-17", got[0].InReplyTo)
	assert.Equal(t, "email", got[0].Channel)

	res = doIn(t, srv, inPost{contentType: "message/rfc822", body: []byte(inGmailReply()), auth: func(r *http.Request) { r.SetBasicAuth("sendgrid", inHTTPSecret) }})
	assert.Equal(t, http.StatusOK, res.StatusCode, "the secret as a basic password")
}

func TestHTTPHandlerSendGridForm(t *testing.T) {
	h, q := newInRecorder("C-5"), memory.New()
	srv := startInHTTP(t, h, q, 0)
	msg := inCRLF("From: p@example.org\nTo: City <replies@city.example>\nMessage-ID: <sg1@example.org>\n\nThe sidewalk is cracked.\n")
	ct, body := inForm(t,
		"headers", "Received: by mx.sendgrid.net",
		"envelope", `{"to":["`+inRouting.ReplyAddress("C-5")+`"],"from":"p@example.org"}`,
		"email", msg,
		"spam_score", "0.1")
	res := doIn(t, srv, inPost{contentType: ct, body: body, auth: inBearer})
	assert.Equal(t, http.StatusOK, res.StatusCode)
	got := h.got()
	require.Len(t, got, 1)
	assert.Equal(t, "case:C-5", got[0].InReplyTo, "routed by the envelope's recipient")
	assert.Equal(t, "The sidewalk is cracked.", got[0].Body)
}

func TestHTTPHandlerMailgunFormHeldWhenUnrouted(t *testing.T) {
	h, q := newInRecorder(), memory.New()
	srv := startInHTTP(t, h, q, 0)
	msg := inCRLF("From: p@example.org\nTo: replies@city.example\nMessage-ID: <mg1@example.org>\n\nWho do I call?\n")
	ct, body := inForm(t, "recipient", "replies@city.example", "sender", "p@example.org", "body-mime", msg)
	res := doIn(t, srv, inPost{contentType: ct, body: body, auth: inBearer})
	assert.Equal(t, http.StatusAccepted, res.StatusCode)
	held := inHeld(t, q)
	require.Len(t, held, 1)
	assert.Equal(t, "mg1@example.org", held[0].Reply.ProviderID)
	assert.Equal(t, "no reference", held[0].Reason)

	res = doIn(t, srv, inPost{contentType: ct, body: body, auth: inBearer})
	assert.Equal(t, http.StatusAccepted, res.StatusCode, "a redelivery")
	assert.Len(t, inHeld(t, q), 1, "is held once")
}

func TestHTTPHandlerRefusals(t *testing.T) {
	h, q := newInRecorder("C-1"), memory.New()
	srv := startInHTTP(t, h, q, 4096)
	good := []byte(inCRLF("From: p@example.org\nTo: " + inRouting.ReplyAddress("C-1") + "\nMessage-ID: <g@x>\n\nFine.\n"))
	bigCT, bigForm := inForm(t, "email", string(good)+strings.Repeat("x", 5000))
	noMsgCT, noMsgForm := inForm(t, "to", "replies@city.example")
	cases := []struct {
		name string
		p    inPost
		want int
	}{
		{"no secret", inPost{contentType: "message/rfc822", body: good}, http.StatusUnauthorized},
		{"wrong inBearer", inPost{contentType: "message/rfc822", body: good, auth: func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+inHTTPSecret+"x") }}, http.StatusUnauthorized},
		{"wrong password", inPost{contentType: "message/rfc822", body: good, auth: func(r *http.Request) { r.SetBasicAuth("u", "nope") }}, http.StatusUnauthorized},
		{"GET", inPost{method: http.MethodGet, auth: inBearer}, http.StatusMethodNotAllowed},
		{"plain text", inPost{contentType: "text/plain", body: good, auth: inBearer}, http.StatusUnsupportedMediaType},
		{"no content type", inPost{body: good, auth: inBearer}, http.StatusUnsupportedMediaType},
		{"too large raw", inPost{contentType: "message/rfc822", body: append(good, bytes.Repeat([]byte("x"), 5000)...), auth: inBearer}, http.StatusRequestEntityTooLarge},
		{"too large form field", inPost{contentType: bigCT, body: bigForm, auth: inBearer}, http.StatusRequestEntityTooLarge},
		{"form without the message", inPost{contentType: noMsgCT, body: noMsgForm, auth: inBearer}, http.StatusBadRequest},
		{"unparseable", inPost{contentType: "message/rfc822", body: []byte("To: x@y\r\n\r\nno sender\r\n"), auth: inBearer}, http.StatusUnprocessableEntity},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := doIn(t, srv, c.p)
			assert.Equal(t, c.want, res.StatusCode)
			if c.want == http.StatusUnauthorized {
				assert.NotEmpty(t, res.Header.Get("WWW-Authenticate"))
			}
		})
	}
	assert.Empty(t, h.got())
	assert.Empty(t, inHeld(t, q))
}

func TestHTTPHandlerAsksForRetryWhenHandlerFails(t *testing.T) {
	h, q := newInRecorder("C-1"), memory.New()
	h.fail = fmt.Errorf("feedback: %w", errInStoreDown)
	srv := startInHTTP(t, h, q, 0)
	msg := []byte(inCRLF("From: p@example.org\nTo: " + inRouting.ReplyAddress("C-1") + "\nMessage-ID: <r@x>\n\nHello.\n"))
	res := doIn(t, srv, inPost{contentType: "message/rfc822", body: msg, auth: inBearer})
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	assert.Equal(t, "60", res.Header.Get("Retry-After"))
	assert.Empty(t, inHeld(t, q))
}

func TestHTTPHandlerDropsAutomaticMessages(t *testing.T) {
	h, q := newInRecorder("C-1"), memory.New()
	srv := startInHTTP(t, h, q, 0)
	msg := []byte(inCRLF("From: p@example.org\nTo: " + inRouting.ReplyAddress("C-1") + "\nPrecedence: auto_reply\nMessage-ID: <a@x>\n\nAway.\n"))
	res := doIn(t, srv, inPost{contentType: "message/rfc822", body: msg, auth: inBearer})
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Empty(t, h.got())
	assert.Empty(t, inHeld(t, q))
}

func TestNewHTTPHandlerValidates(t *testing.T) {
	_, err := NewHTTPHandler(inRouting, newInRecorder(), memory.New(), nil)
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	_, err = NewHTTPHandler(inRouting, newInRecorder(), memory.New(), &HTTPConfig{Secret: "short", MaxBytes: MaxMaxBytes + 1})
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	assert.ErrorContains(t, err, "Secret is 5 bytes")
	assert.ErrorContains(t, err, "MaxBytes")
}
