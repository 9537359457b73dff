package smtp_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net"
	"net/mail"
	"sync"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/smtp"
)

// exampleInbox is a go-smtp backend that keeps each message it receives.
type exampleInbox struct {
	mu   sync.Mutex
	msgs [][]byte
}

func (b *exampleInbox) NewSession(*gosmtp.Conn) (gosmtp.Session, error) { return b, nil }
func (b *exampleInbox) Mail(string, *gosmtp.MailOptions) error          { return nil }
func (b *exampleInbox) Rcpt(string, *gosmtp.RcptOptions) error          { return nil }
func (b *exampleInbox) Reset()                                          {}
func (b *exampleInbox) Logout() error                                   { return nil }
func (b *exampleInbox) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	b.mu.Lock()
	b.msgs = append(b.msgs, raw)
	b.mu.Unlock()
	return err
}

// A channel sends a rendered message with the headers that bring a reply
// back to its case and let the resident unsubscribe in one click. Here it
// sends to an SMTP server inside the program; a city's channel uses its
// mail server, with the default StartTLS and a username and password.
func ExampleChannel_Send() {
	inbox := &exampleInbox{}
	server := gosmtp.NewServer(inbox)
	server.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() { _ = server.Serve(ln) }()
	defer server.Close()

	email, err := smtp.New(smtp.Config{
		Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port,
		TLS:  smtp.InsecureNoTLS, // a server on this machine, for the example only
		From: "City of Example <noreply@city.example>",
		Routing: smtp.Routing{ReplyTo: "replies@city.example",
			Secret: []byte("a secret of 16+ bytes, from the key store")},
	})
	if err != nil {
		panic(err)
	}
	sent, err := email.Send(context.Background(), adapters.Outgoing{
		MessageID: "c-41/3/0", IdempotencyKey: "c-41/3/0", CaseID: "C-41",
		To: "ana@example.org", Locale: "en", Subject: "Your permit is approved",
		Text: "Your building permit is approved.", HTML: "<p>Your building permit is <b>approved</b>.</p>",
		UnsubscribeURL: "https://city.example/unsubscribe?t=signed-token",
	})
	if err != nil {
		panic(err)
	}

	m, err := mail.ReadMessage(bytes.NewReader(inbox.msgs[0]))
	if err != nil {
		panic(err)
	}
	fmt.Println("sent:", sent.ProviderID)
	for _, h := range []string{"From", "To", "Subject", "Reply-To", "Message-Id", "X-Civickit-Idempotency-Key",
		"List-Unsubscribe", "List-Unsubscribe-Post", "Content-Language"} {
		fmt.Printf("%s: %s\n", h, m.Header.Get(h))
	}
	body, _, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	fmt.Println("Content-Type:", body) // a text part and its HTML alternative
	// Output:
	// sent: ck.le2jodszaqs2h5p2ghfl76o6yuofctzl@city.example
	// From: "City of Example" <noreply@city.example>
	// To: <ana@example.org>
	// Subject: Your permit is approved [#C-41.epyue7ojy5]
	// Reply-To: <replies+C-41.epyue7ojy5@city.example>
	// Message-Id: <ck.le2jodszaqs2h5p2ghfl76o6yuofctzl@city.example>
	// X-Civickit-Idempotency-Key: c-41/3/0
	// List-Unsubscribe: <https://city.example/unsubscribe?t=signed-token>
	// List-Unsubscribe-Post: List-Unsubscribe=One-Click
	// Content-Language: en
	// Content-Type: multipart/alternative
}
