package smtp_test

import (
	"context"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/adaptertest"
	"github.com/civickit/civickit/adapters/smtp"
)

var testRouting = smtp.Routing{ReplyTo: "replies@city.example", Secret: []byte("0123456789abcdef")}

// configFor is a channel configuration for the server at addr, trusting
// the test certificate.
func configFor(addr *net.TCPAddr) smtp.Config {
	return smtp.Config{
		Host: "127.0.0.1", Port: addr.Port, TLSConfig: clientTLS(),
		From: "City of Example <noreply@city.example>", Routing: testRouting,
		HELO: "civickit.test", Timeout: 10 * time.Second,
	}
}

func newChannel(t *testing.T, cfg smtp.Config) *smtp.Channel {
	t.Helper()
	ch, err := smtp.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ch.Close() })
	return ch
}

func message() adapters.Outgoing {
	return adapters.Outgoing{MessageID: "m-1", IdempotencyKey: "c-7/3/0", CaseID: "C-7", To: "Ana Díaz <ana@example.org>",
		Locale: "es-MX", Subject: "Su solicitud está aprobada", Text: "Hola Ana,\nsu permiso está aprobado.\n",
		HTML: "<p>Hola Ana,</p><p>su permiso está <b>aprobado</b>.</p>", UnsubscribeURL: "https://city.example/unsubscribe?t=abc123"}
}

type channelServer struct{ servers sync.Map } // *smtp.Channel -> *mailServer

func (cs *channelServer) of(ch adapters.Channel) *mailServer {
	s, _ := cs.servers.Load(ch)
	return s.(*mailServer)
}

func TestChannelConformance(t *testing.T) {
	var cs channelServer
	adaptertest.RunChannelTests(t, func(t *testing.T) adapters.Channel {
		s := newMailServer(t, serverOptions{users: map[string]string{"city": "s3cret"}})
		cfg := configFor(s.addr)
		cfg.Username, cfg.Password = "city", "s3cret"
		ch := newChannel(t, cfg)
		cs.servers.Store(ch, s)
		return ch
	}, adaptertest.ChannelFeatures{
		Deliveries: func(t *testing.T, ch adapters.Channel) int { return cs.of(ch).count() },
		Keys:       func(t *testing.T, ch adapters.Channel) []string { return cs.of(ch).keys() },
		Fail: func(t *testing.T, ch adapters.Channel, permanent bool) func() {
			err := &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
			if permanent {
				err = &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
			}
			return cs.of(ch).set(func(s *mailServer) { s.failRcpt = err })
		},
		Hang: func(t *testing.T, ch adapters.Channel) func() {
			return cs.of(ch).set(func(s *mailServer) { s.hang = make(chan struct{}) })
		},
	})
}

func TestSendWritesEveryHeaderAndBothParts(t *testing.T) {
	t.Parallel()
	s := newMailServer(t, serverOptions{users: map[string]string{"city": "s3cret"}})
	cfg := configFor(s.addr)
	cfg.Username, cfg.Password = "city", "s3cret"
	ch := newChannel(t, cfg)
	m := message()
	before := time.Now().Add(-time.Second)
	sent, err := ch.Send(context.Background(), m)
	require.NoError(t, err)

	got := s.messages()
	require.Len(t, got, 1)
	r := got[0]
	assert.True(t, r.TLS, "the message travelled after STARTTLS")
	assert.Equal(t, "city", r.User, "the channel authenticated with AUTH PLAIN")
	assert.Equal(t, "noreply@city.example", r.From, "envelope sender")
	assert.Equal(t, []string{"ana@example.org"}, r.To, "envelope recipient")

	h := r.Header
	from, err := mail.ParseAddress(h.Get("From"))
	require.NoError(t, err)
	assert.Equal(t, &mail.Address{Name: "City of Example", Address: "noreply@city.example"}, from)
	to, err := mail.ParseAddress(h.Get("To"))
	require.NoError(t, err)
	assert.Equal(t, "ana@example.org", to.Address)
	assert.Equal(t, "Ana Díaz", to.Name, "the display name survives (RFC 2047)")
	assert.Equal(t, m.Subject+" "+testRouting.SubjectReference("C-7"), r.Subject)
	id, ok := testRouting.CaseFromSubject(r.Subject)
	assert.True(t, ok && id == "C-7", "the subject's reference routes a reply back to the case")
	assert.Equal(t, "<"+testRouting.MessageID(m.IdempotencyKey)+">", h.Get("Message-ID"))
	assert.Equal(t, testRouting.MessageID(m.IdempotencyKey), sent.ProviderID, "the provider id is the Message-ID")
	assert.False(t, sent.Delivered, "SMTP acceptance is not delivery")
	replyTo, err := mail.ParseAddress(h.Get("Reply-To"))
	require.NoError(t, err)
	assert.Equal(t, testRouting.ReplyAddress("C-7"), replyTo.Address)
	id, ok = testRouting.CaseFromAddress(replyTo.Address)
	assert.True(t, ok && id == "C-7", "the Reply-To address routes a reply back to the case")
	assert.Equal(t, m.IdempotencyKey, h.Get("X-Civickit-Idempotency-Key"))
	assert.Equal(t, "<"+m.UnsubscribeURL+">", h.Get("List-Unsubscribe"))
	assert.Equal(t, "List-Unsubscribe=One-Click", h.Get("List-Unsubscribe-Post"))
	assert.Equal(t, "es-MX", h.Get("Content-Language"))
	date, err := h.Date()
	require.NoError(t, err)
	assert.WithinRange(t, date, before, time.Now().Add(time.Second))
	assert.Equal(t, strings.ReplaceAll(m.Text, "\n", "\r\n"), r.Text, "the text part, decoded")
	assert.Equal(t, m.HTML, r.HTML, "the HTML alternative, decoded")
	assert.Contains(t, h.Get("Content-Type"), "multipart/alternative")
	assert.Empty(t, h.Get("User-Agent"), "no library banner")
}

func TestSendWithoutCaseHTMLOrUnsubscribe(t *testing.T) {
	t.Parallel()
	s := newMailServer(t, serverOptions{})
	ch := newChannel(t, configFor(s.addr))
	_, err := ch.Send(context.Background(), adapters.Outgoing{MessageID: "m-2", IdempotencyKey: "k-2",
		To: "bo@example.org", Subject: "Meeting agenda", Text: "Agenda attached.", Locale: "not a tag!"})
	require.NoError(t, err)
	r := s.messages()[0]
	assert.Equal(t, "Meeting agenda", r.Subject, "no reference without a case")
	replyTo, err := mail.ParseAddress(r.Header.Get("Reply-To"))
	require.NoError(t, err)
	assert.Equal(t, "replies@city.example", replyTo.Address, "replies without a case go to the plain mailbox")
	assert.Empty(t, r.Header.Get("List-Unsubscribe"))
	assert.Empty(t, r.Header.Get("List-Unsubscribe-Post"))
	assert.Empty(t, r.Header.Get("Content-Language"), "a locale that is not a BCP 47 tag is left out")
	assert.Contains(t, r.Header.Get("Content-Type"), "text/plain")
	assert.Equal(t, "Agenda attached.", strings.TrimRight(r.Text, "\r\n"))
	assert.Empty(t, r.HTML)
}

func TestSendRefusesUnsafeMessagesPermanently(t *testing.T) {
	t.Parallel()
	s := newMailServer(t, serverOptions{})
	ch := newChannel(t, configFor(s.addr))
	tests := []struct {
		name string
		edit func(m *adapters.Outgoing)
	}{
		{"NoRecipient", func(m *adapters.Outgoing) { m.To = "" }},
		{"NotAnAddress", func(m *adapters.Outgoing) { m.To = "ana at example.org" }},
		{"TwoRecipients", func(m *adapters.Outgoing) { m.To = "ana@example.org, bo@example.org" }},
		{"HeaderInAddress", func(m *adapters.Outgoing) { m.To = "ana@example.org\r\nBcc: eve@example.org" }},
		{"HeaderInSubject", func(m *adapters.Outgoing) { m.Subject = "Hello\r\nBcc: eve@example.org" }},
		{"LineFeedInSubject", func(m *adapters.Outgoing) { m.Subject = "Hello\nthere" }},
		{"LongSubject", func(m *adapters.Outgoing) { m.Subject = strings.Repeat("a", smtp.MaxSubjectLen) }},
		{"HugeBody", func(m *adapters.Outgoing) { m.Text = strings.Repeat("a", smtp.MaxBodyLen+1) }},
		{"HeaderInKey", func(m *adapters.Outgoing) { m.IdempotencyKey = "k\r\nBcc: eve@example.org" }},
		{"HeaderInUnsubscribe", func(m *adapters.Outgoing) { m.UnsubscribeURL = "https://city.example/u>\r\nBcc: x" }},
		{"UnsubscribeNotHTTP", func(m *adapters.Outgoing) { m.UnsubscribeURL = "javascript:alert(1)" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := message()
			tt.edit(&m)
			_, err := ch.Send(context.Background(), m)
			require.Error(t, err)
			assert.True(t, adapters.IsPermanent(err), "a message that cannot be sent as it is is not retried: %v", err)
			assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
			assert.NotContains(t, err.Error(), "eve@", "the error does not repeat what was injected")
		})
	}
	assert.Zero(t, s.count(), "nothing was sent")
}

func TestSendClassifiesServerAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		set       func(s *mailServer)
		permanent bool
		code      string
	}{
		{"MailFrom421", func(s *mailServer) {
			s.failMail = &gosmtp.SMTPError{Code: 421, EnhancedCode: gosmtp.EnhancedCode{4, 7, 0}, Message: "too many connections"}
		}, false, "421"},
		{"Rcpt451", func(s *mailServer) {
			s.failRcpt = &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "greylisted <ana@example.org>"}
		}, false, "451"},
		{"Rcpt550", func(s *mailServer) {
			s.failRcpt = &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such user <ana@example.org>"}
		}, true, "550"},
		{"Data452", func(s *mailServer) {
			s.failData = &gosmtp.SMTPError{Code: 452, EnhancedCode: gosmtp.EnhancedCode{4, 3, 1}, Message: "mailbox full"}
		}, false, "452"},
		{"Data554", func(s *mailServer) {
			s.failData = &gosmtp.SMTPError{Code: 554, EnhancedCode: gosmtp.EnhancedCode{5, 7, 1}, Message: "rejected as spam"}
		}, true, "554"},
		{"ClosedMidData", func(s *mailServer) { s.cutData = true }, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newMailServer(t, serverOptions{})
			ch := newChannel(t, configFor(s.addr))
			restore := s.set(tt.set)
			_, err := ch.Send(context.Background(), message())
			restore()
			require.Error(t, err)
			assert.Equal(t, tt.permanent, adapters.IsPermanent(err), "classified by the answer: %v", err)
			var se *adapters.SendError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.code, se.Code, "the reply code travels")
			assert.NotContains(t, err.Error(), "ana@example.org", "the recipient's address is kept out of the error")
			assert.Zero(t, s.count(), "nothing was delivered")

			_, err = ch.Send(context.Background(), message())
			require.NoError(t, err, "the channel sends again once the server recovers")
			assert.Equal(t, 1, s.count())
		})
	}
}

func TestSendAuthentication(t *testing.T) {
	t.Parallel()
	s := newMailServer(t, serverOptions{users: map[string]string{"city": "s3cret"}})
	tests := []struct {
		name, user, pass string
		mech             smtp.AuthMechanism
		ok               bool
	}{
		{"PlainRightPassword", "city", "s3cret", smtp.AuthPlain, true},
		{"LoginRightPassword", "city", "s3cret", smtp.AuthLogin, true},
		{"PlainWrongPassword", "city", "guess", smtp.AuthPlain, false},
		{"LoginWrongPassword", "city", "guess", smtp.AuthLogin, false},
		{"NoCredentials", "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := configFor(s.addr)
			cfg.Username, cfg.Password, cfg.Auth = tt.user, tt.pass, tt.mech
			before := s.count()
			_, err := newChannel(t, cfg).Send(context.Background(), message())
			if tt.ok {
				require.NoError(t, err)
				assert.Equal(t, before+1, s.count())
				return
			}
			require.Error(t, err)
			assert.True(t, adapters.IsPermanent(err), "a refused login (5xx) is permanent: %v", err)
			var se *adapters.SendError
			require.ErrorAs(t, err, &se)
			assert.Contains(t, []string{"535", "502", "530"}, se.Code)
			assert.NotContains(t, err.Error(), tt.pass+"\x00", "the password is not in the error")
			assert.Equal(t, before, s.count())
		})
	}
}

func TestSendTLSModes(t *testing.T) {
	t.Parallel()
	t.Run("ImplicitTLS", func(t *testing.T) {
		t.Parallel()
		s := newMailServer(t, serverOptions{implicit: true, users: map[string]string{"city": "s3cret"}})
		cfg := configFor(s.addr)
		cfg.TLS, cfg.Username, cfg.Password = smtp.ImplicitTLS, "city", "s3cret"
		_, err := newChannel(t, cfg).Send(context.Background(), message())
		require.NoError(t, err)
		require.Equal(t, 1, s.count())
		assert.Equal(t, "city", s.messages()[0].User)
	})
	t.Run("InsecureNoTLS", func(t *testing.T) {
		t.Parallel()
		s := newMailServer(t, serverOptions{plain: true})
		cfg := configFor(s.addr)
		cfg.TLS = smtp.InsecureNoTLS
		_, err := newChannel(t, cfg).Send(context.Background(), message())
		require.NoError(t, err)
		require.Equal(t, 1, s.count())
		assert.False(t, s.messages()[0].TLS)
	})
	t.Run("StartTLSRequiredButNotOffered", func(t *testing.T) {
		t.Parallel()
		s := newMailServer(t, serverOptions{plain: true, users: map[string]string{"city": "s3cret"}})
		cfg := configFor(s.addr)
		cfg.Username, cfg.Password = "city", "s3cret"
		_, err := newChannel(t, cfg).Send(context.Background(), message())
		require.Error(t, err, "the default mode refuses to send in plain text")
		assert.False(t, adapters.IsPermanent(err), "a server's TLS setup is fixed by its operator, then retried: %v", err)
		assert.Zero(t, s.count())
		s.mu.Lock()
		defer s.mu.Unlock()
		assert.Zero(t, s.auths, "the password never crossed the unencrypted connection")
	})
	t.Run("UntrustedCertificate", func(t *testing.T) {
		t.Parallel()
		s := newMailServer(t, serverOptions{})
		cfg := configFor(s.addr)
		cfg.TLSConfig = nil // the system's roots do not know the test certificate
		_, err := newChannel(t, cfg).Send(context.Background(), message())
		require.Error(t, err)
		assert.False(t, adapters.IsPermanent(err))
		assert.Zero(t, s.count())
	})
}

func TestSendSurvivesBrokenServers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		serve func(c net.Conn)
	}{
		{"Garbage", func(c net.Conn) {
			_, _ = c.Write([]byte("\x00\xffHELLO?? this is not smtp\r\n\x1b[31m"))
		}},
		{"GarbageAfterGreeting", func(c net.Conn) {
			_, _ = c.Write([]byte("220 mail.test ESMTP\r\n"))
			buf := make([]byte, 512)
			_, _ = c.Read(buf)
			_, _ = c.Write([]byte("25O-what\r\n2x0\r\n"))
		}},
		{"TruncatedReply", func(c net.Conn) { _, _ = c.Write([]byte("22")) }},
		{"ClosesAtOnce", func(c net.Conn) {}},
		{"ReplyWithoutCode", func(c net.Conn) { _, _ = c.Write([]byte("\r\n\r\n")) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr := rawServer(t, tt.serve)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := newChannel(t, configFor(addr)).Send(ctx, message())
			require.Error(t, err)
			assert.False(t, adapters.IsPermanent(err), "a broken server is a temporary failure: %v", err)
		})
	}
	t.Run("ConnectionRefused", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().(*net.TCPAddr)
		require.NoError(t, ln.Close())
		_, err = newChannel(t, configFor(addr)).Send(context.Background(), message())
		require.Error(t, err)
		assert.False(t, adapters.IsPermanent(err), "a refused connection is temporary: %v", err)
	})
}

func TestSendGivesUpAtTheDeadline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		addr func(t *testing.T) *net.TCPAddr
	}{
		{"NoGreeting", func(t *testing.T) *net.TCPAddr {
			return rawServer(t, func(c net.Conn) { _, _ = c.Read(make([]byte, 1)) })
		}},
		{"NoAnswerAfterData", func(t *testing.T) *net.TCPAddr {
			s := newMailServer(t, serverOptions{})
			t.Cleanup(s.set(func(s *mailServer) { s.hang = make(chan struct{}) }))
			return s.addr
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := configFor(tt.addr(t))
			cfg.Timeout = time.Minute // the context's deadline is what stops it
			ch := newChannel(t, cfg)
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := ch.Send(ctx, message())
			took := time.Since(start)
			require.Error(t, err)
			assert.False(t, adapters.IsPermanent(err))
			assert.ErrorIs(t, err, context.DeadlineExceeded, "the error says the deadline passed")
			assert.Less(t, took, 3*time.Second, "abandoned at the deadline")
		})
	}
	t.Run("ConfigTimeout", func(t *testing.T) {
		t.Parallel()
		addr := rawServer(t, func(c net.Conn) { _, _ = c.Read(make([]byte, 1)) })
		cfg := configFor(addr)
		cfg.Timeout = 200 * time.Millisecond
		start := time.Now()
		_, err := newChannel(t, cfg).Send(context.Background(), message())
		require.Error(t, err)
		assert.False(t, adapters.IsPermanent(err))
		assert.Less(t, time.Since(start), 3*time.Second, "Config.Timeout bounds a send without a deadline")
	})
}

func TestSendWithCancelledContextSendsNothing(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var conns int
	addr := rawServer(t, func(c net.Conn) { mu.Lock(); conns++; mu.Unlock() })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newChannel(t, configFor(addr)).Send(ctx, message())
	require.ErrorIs(t, err, context.Canceled)
	assert.False(t, adapters.IsPermanent(err), "a cancelled send is retried later")
	// A connection, had one been opened, would be accepted by now.
	time.Sleep(20 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	assert.Zero(t, conns, "no connection was opened")
}

func TestConfigValidateListsEveryProblem(t *testing.T) {
	t.Parallel()
	cfg := smtp.Config{Port: 70000, TLS: smtp.InsecureNoTLS, Username: "u", Password: "p", Auth: "CRAM-MD5",
		From: "not an address", Routing: smtp.Routing{ReplyTo: "x"}, Timeout: -time.Second, HELO: "bad name"}
	err := cfg.Validate()
	require.Error(t, err)
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
	for _, want := range []string{"host is required", "port 70000", "InsecureNoTLS", "CRAM-MD5", "from address",
		"routing", "secret", "timeout", "HELO"} {
		assert.Contains(t, err.Error(), want)
	}
	_, err = smtp.New(cfg)
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument, "New refuses what Validate refuses")

	for _, from := range []string{"City <noreply@city.example>\r\nBcc: eve@example.org", "a@b.example, c@d.example", "City"} {
		bad := configFor(&net.TCPAddr{Port: 2525})
		bad.From = from
		assert.ErrorContains(t, bad.Validate(), "from address", "From %q is refused", from)
	}

	good := configFor(&net.TCPAddr{Port: 2525})
	require.NoError(t, good.Validate())
	ch := newChannel(t, good)
	assert.Equal(t, "email", ch.Name())
	good.Name = "city-email"
	assert.Equal(t, "city-email", newChannel(t, good).Name())
	good.TLS = smtp.TLSMode(7)
	assert.ErrorContains(t, good.Validate(), "TLSMode(7)")
}

func TestConcurrentSendsOverOneChannel(t *testing.T) {
	t.Parallel()
	s := newMailServer(t, serverOptions{})
	ch := newChannel(t, configFor(s.addr))
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := message()
			m.IdempotencyKey = fmt.Sprintf("k-%d", i)
			_, err := ch.Send(context.Background(), m)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	keys := s.keys()
	assert.Len(t, keys, 16)
	seen := map[string]bool{}
	for _, k := range keys {
		seen[k] = true
	}
	assert.Len(t, seen, 16, "each message arrived once with its own key")
}

func TestSendReusesConnections(t *testing.T) {
	t.Parallel()
	send := func(t *testing.T, ch *smtp.Channel, i int) {
		t.Helper()
		m := message()
		m.IdempotencyKey = fmt.Sprintf("k-%d", i)
		_, err := ch.Send(context.Background(), m)
		require.NoError(t, err)
	}
	newAuthed := func(t *testing.T, edit func(cfg *smtp.Config)) (*mailServer, *smtp.Channel) {
		s := newMailServer(t, serverOptions{users: map[string]string{"city": "s3cret"}})
		cfg := configFor(s.addr)
		cfg.Username, cfg.Password = "city", "s3cret"
		edit(&cfg)
		return s, newChannel(t, cfg)
	}
	t.Run("OneConnectionForSequentialSends", func(t *testing.T) {
		t.Parallel()
		s, ch := newAuthed(t, func(*smtp.Config) {})
		for i := range 5 {
			send(t, ch, i)
		}
		opened, _ := s.connections()
		assert.Equal(t, 1, opened, "five messages went over one connection")
		assert.Equal(t, []string{"k-0", "k-1", "k-2", "k-3", "k-4"}, s.keys(), "each arrived once, in order")
		for _, r := range s.messages() {
			assert.True(t, r.TLS)
			assert.Equal(t, "city", r.User)
		}
		require.NoError(t, ch.Close())
		require.Eventually(t, func() bool { _, ended := s.connections(); return ended == 1 }, 5*time.Second, 5*time.Millisecond,
			"Close says goodbye on the idle connection")
		send(t, ch, 5)
		opened, _ = s.connections()
		assert.Equal(t, 2, opened, "a send after Close opens its own connection")
	})
	t.Run("NoReuseWhenMaxIdleIsNegative", func(t *testing.T) {
		t.Parallel()
		s, ch := newAuthed(t, func(cfg *smtp.Config) { cfg.MaxIdle = -1 })
		for i := range 3 {
			send(t, ch, i)
		}
		opened, _ := s.connections()
		assert.Equal(t, 3, opened)
		require.Eventually(t, func() bool { _, ended := s.connections(); return ended == 3 }, 5*time.Second, 5*time.Millisecond,
			"each connection is closed after its message")
	})
	t.Run("ADroppedIdleConnectionIsReplaced", func(t *testing.T) {
		t.Parallel()
		s, ch := newAuthed(t, func(*smtp.Config) {})
		send(t, ch, 0)
		s.drop()
		send(t, ch, 1)
		opened, _ := s.connections()
		assert.Equal(t, 2, opened)
		assert.Equal(t, []string{"k-0", "k-1"}, s.keys(), "the second message arrived once, on a new connection")
	})
	t.Run("IdleTimeout", func(t *testing.T) {
		t.Parallel()
		s, ch := newAuthed(t, func(cfg *smtp.Config) { cfg.IdleTimeout = 30 * time.Millisecond })
		send(t, ch, 0)
		time.Sleep(60 * time.Millisecond)
		send(t, ch, 1)
		opened, _ := s.connections()
		assert.Equal(t, 2, opened, "a connection idle too long is not used again")
	})
	t.Run("NotReusedAfterAFailure", func(t *testing.T) {
		t.Parallel()
		s, ch := newAuthed(t, func(*smtp.Config) {})
		restore := s.set(func(s *mailServer) {
			s.failRcpt = &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		})
		_, err := ch.Send(context.Background(), message())
		require.Error(t, err)
		restore()
		send(t, ch, 1)
		opened, _ := s.connections()
		assert.Equal(t, 2, opened, "a connection that carried a failure is closed")
	})
}
