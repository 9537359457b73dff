package smtp_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"
)

// testCert is a self-signed certificate for 127.0.0.1, made once.
var testCert = sync.OnceValues(func() (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mail.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
})

// clientTLS trusts the test certificate only.
func clientTLS() *tls.Config {
	_, pool := testCert()
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// received is one message the test server accepted, parsed.
type received struct {
	From    string
	To      []string
	Raw     []byte
	Header  mail.Header
	Subject string
	Text    string
	HTML    string
	TLS     bool
	User    string
}

// serverOptions shape a mailServer.
type serverOptions struct {
	// plain serves without TLS; implicit serves TLS from the first byte;
	// otherwise the server offers STARTTLS and refuses mail without it.
	plain, implicit bool
	// users, when set, requires AUTH (PLAIN or LOGIN) with these
	// passwords.
	users map[string]string
}

// mailServer is a real SMTP server (go-smtp) on a loopback port that
// keeps what it receives and can be told to refuse, drop or hang.
type mailServer struct {
	t    *testing.T
	srv  *gosmtp.Server
	addr *net.TCPAddr
	opts serverOptions

	mu       sync.Mutex
	got      []received
	failMail error
	failRcpt error
	failData error
	cutData  bool          // close the connection halfway through DATA
	hang     chan struct{} // non-nil: DATA reads the message, then waits for this
	closed   chan struct{}
	auths    int            // AUTH commands received
	sessions int            // connections opened (past STARTTLS)
	logouts  int            // connections ended (past STARTTLS)
	conns    []*gosmtp.Conn // every connection, to drop them
}

func newMailServer(t *testing.T, opts serverOptions) *mailServer {
	t.Helper()
	s := &mailServer{t: t, opts: opts, closed: make(chan struct{})}
	s.srv = gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) {
		// A session that begins before STARTTLS ends when it succeeds, on
		// the same connection: count the one after it.
		_, isTLS := c.TLSConnectionState()
		secured := isTLS || s.opts.plain
		s.mu.Lock()
		if secured {
			s.sessions++
			s.conns = append(s.conns, c)
		}
		s.mu.Unlock()
		return &session{s: s, c: c, counted: secured}, nil
	}))
	s.srv.Domain = "mail.test"
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.MaxMessageBytes = 12 << 20
	s.srv.ErrorLog = discardLog{}
	cert, _ := testCert()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	switch {
	case opts.implicit:
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}})
	case !opts.plain:
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	if opts.plain {
		s.srv.AllowInsecureAuth = true
	}
	s.addr = ln.Addr().(*net.TCPAddr)
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() {
		close(s.closed)
		_ = s.srv.Close()
	})
	return s
}

type discardLog struct{}

func (discardLog) Printf(string, ...any) {}
func (discardLog) Println(...any)        {}

func (s *mailServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

func (s *mailServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.got)
}

// keys returns the idempotency key header of each message, in order.
func (s *mailServer) keys() []string {
	var keys []string
	for _, m := range s.messages() {
		keys = append(keys, m.Header.Get("X-Civickit-Idempotency-Key"))
	}
	return keys
}

// set changes the server's behaviour under its lock; the returned func
// puts the zero behaviour back.
func (s *mailServer) set(f func(s *mailServer)) (restore func()) {
	s.mu.Lock()
	f(s)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		s.failMail, s.failRcpt, s.failData, s.cutData = nil, nil, nil, false
		if s.hang != nil {
			close(s.hang)
			s.hang = nil
		}
		s.mu.Unlock()
	}
}

type session struct {
	s       *mailServer
	c       *gosmtp.Conn
	counted bool // in mailServer.sessions
	user    string
	from    string
	to      []string
}

var _ gosmtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string {
	if ss.s.opts.users == nil {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	ss.s.mu.Lock()
	ss.s.auths++
	ss.s.mu.Unlock()
	check := func(user, pass string) error {
		if want, ok := ss.s.opts.users[user]; !ok || want != pass {
			return gosmtp.ErrAuthFailed
		}
		ss.user = user
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, gosmtp.ErrAuthUnknownMechanism
}

// loginServer is the server side of the LOGIN mechanism, which go-sasl
// has only a client for.
type loginServer struct {
	step  int
	user  string
	check func(user, pass string) error
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	l.step++
	switch l.step {
	case 1:
		return []byte("Username:"), false, nil
	case 2:
		l.user = string(resp)
		return []byte("Password:"), false, nil
	}
	return nil, true, l.check(l.user, string(resp))
}

func (ss *session) Mail(from string, _ *gosmtp.MailOptions) error {
	if ss.s.opts.users != nil && ss.user == "" {
		return gosmtp.ErrAuthRequired
	}
	if _, isTLS := ss.c.TLSConnectionState(); !isTLS && !ss.s.opts.plain {
		return &gosmtp.SMTPError{Code: 530, EnhancedCode: gosmtp.EnhancedCode{5, 7, 0}, Message: "Must issue STARTTLS first"}
	}
	ss.s.mu.Lock()
	err := ss.s.failMail
	ss.s.mu.Unlock()
	ss.from = from
	return err
}

func (ss *session) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	ss.s.mu.Lock()
	err := ss.s.failRcpt
	ss.s.mu.Unlock()
	ss.to = append(ss.to, to)
	return err
}

func (ss *session) Data(r io.Reader) error {
	ss.s.mu.Lock()
	failData, cut, hang := ss.s.failData, ss.s.cutData, ss.s.hang
	ss.s.mu.Unlock()
	if cut {
		_, _ = io.CopyN(io.Discard, r, 64)
		_ = ss.c.Conn().Close()
		return errors.New("connection cut")
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if hang != nil {
		select {
		case <-hang:
		case <-ss.s.closed:
		}
		return &gosmtp.SMTPError{Code: 421, EnhancedCode: gosmtp.EnhancedCode{4, 4, 2}, Message: "gave up"}
	}
	if failData != nil {
		return failData
	}
	m, err := parseReceived(raw)
	if err != nil {
		ss.s.t.Errorf("the server received a message it cannot parse: %v\n%s", err, raw)
		return err
	}
	m.From, m.To, m.User = ss.from, append([]string(nil), ss.to...), ss.user
	_, m.TLS = ss.c.TLSConnectionState()
	ss.s.mu.Lock()
	ss.s.got = append(ss.s.got, m)
	ss.s.mu.Unlock()
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error {
	ss.s.mu.Lock()
	if ss.counted {
		ss.s.logouts++
	}
	ss.s.mu.Unlock()
	return nil
}

// connections returns how many connections were opened and ended.
func (s *mailServer) connections() (opened, ended int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions, s.logouts
}

// drop closes every connection, as a server does with idle ones.
func (s *mailServer) drop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		_ = c.Conn().Close()
	}
}

// parseReceived reads a message as a mail reader would: headers, the
// subject decoded, and the text and HTML parts decoded.
func parseReceived(raw []byte) (received, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return received{}, err
	}
	m := received{Raw: raw, Header: msg.Header}
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return received{}, err
	}
	err = readPart(headerMap(msg.Header), msg.Body, &m)
	return m, err
}

type headerMap map[string][]string

func (h headerMap) get(k string) string {
	if v := h[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func readPart(h headerMap, body io.Reader, m *received) error {
	mt, params, err := mime.ParseMediaType(h.get("Content-Type"))
	if err != nil {
		return err
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := readPart(headerMap(p.Header), p, m); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(h.get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	switch mt {
	case "text/plain":
		m.Text = string(b)
	case "text/html":
		m.HTML = string(b)
	}
	return nil
}

// rawServer is a TCP server that runs serve on each connection instead of
// speaking SMTP: a server that talks nonsense, or says nothing at all.
func rawServer(t *testing.T, serve func(c net.Conn)) *net.TCPAddr {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	done := make(chan struct{})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				go func() { <-done; _ = c.Close() }()
				serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		close(done)
		wg.Wait()
	})
	return ln.Addr().(*net.TCPAddr)
}
