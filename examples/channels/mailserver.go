package main

import (
	"bytes"
	"embed"
	"errors"
	"io"
	"net"
	netsmtp "net/smtp"
	"strings"
	"sync"

	"github.com/emersion/go-message/mail"
	gosmtp "github.com/emersion/go-smtp"
)

// templateFiles are the example's own notification templates, one folder
// per template the streetlight workflow names.
//
//go:embed templates
var templateFiles embed.FS

// received is one email the mail server took in.
type received struct {
	to, subject, replyTo, messageID, text string
}

// mailServer is an SMTP server in this process standing in for the
// city's mail relay: it accepts every message and keeps it to print.
type mailServer struct {
	addr    string
	server  *gosmtp.Server
	mu      sync.Mutex
	got     []received
	printed int
}

func startMailServer() (*mailServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	m := &mailServer{addr: ln.Addr().String()}
	m.server = gosmtp.NewServer(m)
	m.server.Domain = "relay.example"
	m.server.AllowInsecureAuth = true
	go func() { _ = m.server.Serve(ln) }()
	return m, nil
}

func (m *mailServer) close() { _ = m.server.Close() }

// NewSession accepts a connection (gosmtp.Backend).
func (m *mailServer) NewSession(*gosmtp.Conn) (gosmtp.Session, error) { return &mailSession{m: m}, nil }

// take returns the messages received since the last call.
func (m *mailServer) take() []received {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.got[m.printed:]
	m.printed = len(m.got)
	return out
}

// last returns the latest message received.
func (m *mailServer) last() received {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.got) == 0 {
		return received{}
	}
	return m.got[len(m.got)-1]
}

type mailSession struct{ m *mailServer }

func (s *mailSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (s *mailSession) Rcpt(string, *gosmtp.RcptOptions) error { return nil }
func (s *mailSession) Reset()                                 {}
func (s *mailSession) Logout() error                          { return nil }

// Data reads the message and keeps its headers and plain-text part.
func (s *mailSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	var got received
	h := mr.Header
	got.subject, _ = h.Subject()
	got.messageID, _ = h.MessageID()
	if to, err := h.AddressList("To"); err == nil && len(to) > 0 {
		got.to = to[0].Address
	}
	if rt, err := h.AddressList("Reply-To"); err == nil && len(rt) > 0 {
		got.replyTo = rt[0].Address
	}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if ih, ok := p.Header.(*mail.InlineHeader); ok {
			if ct, _, _ := ih.ContentType(); ct == "text/plain" && got.text == "" {
				b, _ := io.ReadAll(p.Body)
				got.text = strings.ReplaceAll(string(b), "\r\n", "\n")
			}
		}
	}
	s.m.mu.Lock()
	s.m.got = append(s.m.got, got)
	s.m.mu.Unlock()
	return nil
}

// sendMail sends a raw message from a mail program to addr.
func sendMail(addr, from, to, msg string) error {
	return netsmtp.SendMail(addr, nil, from, []string{to}, []byte(msg))
}
