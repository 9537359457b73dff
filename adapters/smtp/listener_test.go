package smtp

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	netsmtp "net/smtp"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
)

// inLogBuffer is a log sink safe for the server's goroutines.
type inLogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *inLogBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *inLogBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startInListener serves a Listener on a loopback port until the test ends.
func startInListener(t *testing.T, h adapters.ReplyHandler, q adapters.ReplyQueue, cfg *ListenerConfig) (string, *Listener) {
	t.Helper()
	if cfg == nil {
		cfg = &ListenerConfig{}
	}
	if cfg.Parse == nil {
		cfg.Parse = &ParseOptions{Now: inFixedNow}
	}
	l, err := NewListener(inRouting, h, q, cfg)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- l.Serve(ln) }()
	t.Cleanup(func() {
		require.NoError(t, l.Close())
		assert.NoError(t, <-done, "Serve returns nil once closed")
		assert.ErrorIs(t, l.Close(), gosmtp.ErrServerClosed)
	})
	return ln.Addr().String(), l
}

// send sends one message with the standard library's SMTP client and
// returns the first refusal.
func sendIn(t *testing.T, addr, from string, rcpts []string, msg string) error {
	t.Helper()
	c, err := netsmtp.Dial(addr)
	require.NoError(t, err)
	defer c.Close()
	if err := c.Mail(from); err != nil {
		return err
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(msg)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func inSMTPCode(t *testing.T, err error) int {
	t.Helper()
	var te *textproto.Error
	require.ErrorAs(t, err, &te)
	return te.Code
}

func TestListenerHandsRoutedReplyOn(t *testing.T) {
	h, q := newInRecorder("C-17"), memory.New()
	var logs inLogBuffer
	addr, _ := startInListener(t, h, q, &ListenerConfig{Logger: slog.New(slog.NewTextHandler(&logs, nil))})

	require.NoError(t, sendIn(t, addr, "ana.perez@gmail.com", []string{inRouting.ReplyAddress("C-17")}, inGmailReply()))
	got := h.got()
	require.Len(t, got, 1)
	assert.Equal(t, "case:C-17", got[0].InReplyTo)
	assert.Equal(t, "Ana.Perez@gmail.com", got[0].From)
	assert.Equal(t, inNow, got[0].At)
	assert.Contains(t, got[0].Body, "still there")
	assert.Empty(t, inHeld(t, q))

	out := logs.String()
	assert.Contains(t, out, "CAF=q8x1Yy2n@mail.gmail.com", "logged by Message-ID")
	assert.NotContains(t, strings.ToLower(out), "ana.perez", "never by address")
	assert.NotContains(t, out, "pothole", "never by body or subject")
}

func TestListenerHoldsUnroutedReplyOnce(t *testing.T) {
	h, q := newInRecorder(), memory.New()
	addr, _ := startInListener(t, h, q, nil)
	msg := inCRLF("From: p@example.org\nTo: replies@city.example\nMessage-ID: <u1@example.org>\nSubject: about my street\n\nThe tree fell.\n")
	require.NoError(t, sendIn(t, addr, "p@example.org", []string{"replies@city.example"}, msg))
	require.NoError(t, sendIn(t, addr, "p@example.org", []string{"Replies@CITY.example"}, msg), "a redelivery is accepted")
	held := inHeld(t, q)
	require.Len(t, held, 1, "and held once")
	assert.Equal(t, "no reference", held[0].Reason)
	assert.Equal(t, "The tree fell.", held[0].Reply.Body)
	assert.Equal(t, inNow, held[0].HeldAt)
	assert.Empty(t, h.got())
}

func TestListenerHoldsReplyTheHandlerRefusesAsInvalid(t *testing.T) {
	h, q := newInRecorder("C-1"), memory.New()
	addr, _ := startInListener(t, h, q, nil)
	msg := inCRLF("From: p@example.org\nTo: " + inRouting.ReplyAddress("C-1") + "\nMessage-ID: <e1@example.org>\n\n\n")
	require.NoError(t, sendIn(t, addr, "p@example.org", []string{inRouting.ReplyAddress("C-1")}, msg))
	held := inHeld(t, q)
	require.Len(t, held, 1)
	assert.Equal(t, "not accepted as a comment", held[0].Reason)
	assert.Equal(t, "case:C-1", held[0].Reply.InReplyTo)
}

func TestListenerRefusals(t *testing.T) {
	h, q := newInRecorder("C-1"), memory.New()
	addr, _ := startInListener(t, h, q, &ListenerConfig{MaxBytes: 4096, MaxRecipients: 2})
	to := []string{inRouting.ReplyAddress("C-1")}
	ok := inCRLF("From: p@example.org\nTo: " + to[0] + "\nMessage-ID: <ok@example.org>\n\nFine.\n")

	t.Run("other domain", func(t *testing.T) {
		assert.Equal(t, 550, inSMTPCode(t, sendIn(t, addr, "p@example.org", []string{"replies@elsewhere.example"}, ok)))
	})
	t.Run("other mailbox", func(t *testing.T) {
		assert.Equal(t, 550, inSMTPCode(t, sendIn(t, addr, "p@example.org", []string{"mayor@city.example"}, ok)))
	})
	t.Run("too many recipients", func(t *testing.T) {
		assert.Equal(t, 452, inSMTPCode(t, sendIn(t, addr, "p@example.org", []string{to[0], to[0], to[0]}, ok)))
	})
	t.Run("too large", func(t *testing.T) {
		big := inCRLF("From: p@example.org\n\n") + strings.Repeat("0123456789abcdef\r\n", 400)
		assert.Equal(t, 552, inSMTPCode(t, sendIn(t, addr, "p@example.org", to, big)))
	})
	t.Run("unparseable", func(t *testing.T) {
		assert.Equal(t, 554, inSMTPCode(t, sendIn(t, addr, "p@example.org", to, inCRLF("To: x@y.example\n\nno sender\n"))))
	})
	assert.Empty(t, h.got())
	assert.Empty(t, inHeld(t, q))

	require.NoError(t, sendIn(t, addr, "p@example.org", to, ok), "the same session settings take a good message")
	assert.Len(t, h.got(), 1)
}

func TestListenerAsksForRetryWhenHandlerFails(t *testing.T) {
	h, q := newInRecorder("C-1"), &inFailingQueue{ReplyQueue: memory.New()}
	h.fail = fmt.Errorf("feedback: %w", errInStoreDown)
	addr, _ := startInListener(t, h, q, nil)
	to := []string{inRouting.ReplyAddress("C-1")}
	msg := inCRLF("From: p@example.org\nTo: " + to[0] + "\nMessage-ID: <t1@example.org>\n\nHello.\n")
	assert.Equal(t, 451, inSMTPCode(t, sendIn(t, addr, "p@example.org", to, msg)))
	assert.Empty(t, inHeld(t, q), "a temporary failure is not held: the sender retries")

	h.mu.Lock()
	h.fail = nil
	h.mu.Unlock()
	require.NoError(t, sendIn(t, addr, "p@example.org", to, msg), "the retry is taken in")
	assert.Len(t, h.got(), 1)

	// The queue failing for an unrouted reply also asks for a retry.
	q.mu.Lock()
	q.fail = errInStoreDown
	q.mu.Unlock()
	unrouted := inCRLF("From: p@example.org\nTo: replies@city.example\nMessage-ID: <t2@example.org>\n\nHello.\n")
	assert.Equal(t, 451, inSMTPCode(t, sendIn(t, addr, "p@example.org", []string{"replies@city.example"}, unrouted)))
}

func TestListenerDropsAutomaticMessages(t *testing.T) {
	h, q := newInRecorder("C-1"), memory.New()
	var logs inLogBuffer
	addr, _ := startInListener(t, h, q, &ListenerConfig{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	to := []string{inRouting.ReplyAddress("C-1")}
	ooo := inCRLF("From: p@example.org\nTo: " + to[0] + "\nAuto-Submitted: auto-replied\nMessage-ID: <ooo@example.org>\nSubject: Out of office\n\nI am away.\n")
	require.NoError(t, sendIn(t, addr, "p@example.org", to, ooo))
	bounce := inCRLF("From: Mail Delivery Subsystem <mailer-daemon@mx.example>\nTo: " + to[0] + "\nMessage-ID: <dsn@mx.example>\n\nUndeliverable.\n")
	require.NoError(t, sendIn(t, addr, "", to, bounce), "a null sender's message is accepted")
	assert.Empty(t, h.got())
	assert.Empty(t, inHeld(t, q))
	assert.Contains(t, logs.String(), "ooo@example.org")
	assert.Contains(t, logs.String(), "dsn@mx.example")
}

func TestListenerShutdownWaitsForIdleClose(t *testing.T) {
	l, err := NewListener(inRouting, newInRecorder(), memory.New(), nil)
	require.NoError(t, err)
	assert.Equal(t, DefaultListenAddr, l.Addr())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- l.Serve(ln) }()
	// Wait until it answers, then shut it down.
	c, err := netsmtp.Dial(ln.Addr().String())
	require.NoError(t, err)
	require.NoError(t, c.Quit())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, l.Shutdown(ctx))
	assert.NoError(t, <-done)
	_, err = net.DialTimeout("tcp", ln.Addr().String(), time.Second)
	assert.Error(t, err, "no longer listening")
}

func TestNewListenerValidates(t *testing.T) {
	_, err := NewListener(Routing{}, nil, nil, &ListenerConfig{MaxBytes: -1, MaxRecipients: 1000, Parse: &ParseOptions{NullSender: true}})
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	for _, want := range []string{"reply-to", "routing secret", "nil reply handler", "nil reply queue", "MaxBytes -1", "MaxRecipients 1000"} {
		assert.ErrorContains(t, err, want)
	}
	_, err = NewListener(inRouting, newInRecorder(), memory.New(), &ListenerConfig{Parse: &ParseOptions{NullSender: true}})
	assert.ErrorContains(t, err, "per message")
	assert.True(t, errors.Is(err, adapters.ErrInvalidArgument))
}

// inSelfSigned returns a server certificate for name and a pool trusting it.
func inSelfSigned(t *testing.T, name string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func TestListenerOffersSTARTTLS(t *testing.T) {
	cert, pool := inSelfSigned(t, "mx.city.example")
	h, q := newInRecorder("C-1"), memory.New()
	addr, _ := startInListener(t, h, q, &ListenerConfig{Domain: "mx.city.example", TLS: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}})

	c, err := netsmtp.Dial(addr)
	require.NoError(t, err)
	defer c.Close()
	ok, _ := c.Extension("STARTTLS")
	require.True(t, ok, "STARTTLS is offered")
	require.NoError(t, c.StartTLS(&tls.Config{ServerName: "mx.city.example", RootCAs: pool, MinVersion: tls.VersionTLS12}))
	state, isTLS := c.TLSConnectionState()
	require.True(t, isTLS)
	assert.True(t, state.HandshakeComplete)
	to := inRouting.ReplyAddress("C-1")
	require.NoError(t, c.Mail("p@example.org"))
	require.NoError(t, c.Rcpt(to))
	w, err := c.Data()
	require.NoError(t, err)
	_, err = w.Write([]byte(inCRLF("From: p@example.org\nTo: " + to + "\nMessage-ID: <tls@x>\n\nOver TLS.\n")))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.NoError(t, c.Quit())
	require.Len(t, h.got(), 1)
	assert.Equal(t, "Over TLS.", h.got()[0].Body)
}
