package smtp_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/smtp"
)

func ExampleParseReply() {
	routing := smtp.Routing{ReplyTo: "replies@city.example", Secret: []byte("an example secret of 16+ bytes")}
	raw := "From: Ana Pérez <ana@Example.ORG>\r\n" +
		"To: City of Example <" + routing.ReplyAddress("C-17") + ">\r\n" +
		"Subject: =?UTF-8?Q?Re:_Your_report_=E2=80=94_pothole?=\r\n" +
		"Message-ID: <a1@example.org>\r\n" +
		"\r\n" +
		"Still there after the rain.\r\n" +
		"\r\n" +
		"On Mon, Dec 1, 2026 at 9:00 AM City of Example wrote:\r\n" +
		"> We will look at it this week.\r\n"
	r, err := smtp.ParseReply(strings.NewReader(raw), routing, &smtp.ParseOptions{
		Now: func() time.Time { return time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Channel, r.From, r.InReplyTo, r.ProviderID)
	fmt.Println(r.Subject)
	fmt.Printf("%q\n", r.Body)
	// Output:
	// email ana@example.org case:C-17 a1@example.org
	// Re: Your report — pothole
	// "Still there after the rain."
}

func ExampleTrimReply() {
	fmt.Printf("%q\n", smtp.TrimReply("Sí, sigue rota.\r\n\r\nEnviado desde mi iPhone\r\n\r\n"+
		"El 1 dic 2026, a las 9:00, Ciudad <replies@city.example> escribió:\r\n> ¿Sigue rota la farola?\r\n"))
	// Output:
	// "Sí, sigue rota."
}

// The city runs the listener as the mail exchanger of its reply domain,
// or serves the HTTP handler to an inbound-mail service; both hand the
// replies to the feedback package's Inbound and hold those no case is
// found for in the store's review queue.
func ExampleNewListener() {
	var (
		inbound adapters.ReplyHandler // feedback.NewInbound(...)
		queue   adapters.ReplyQueue   // the store's review queue
	)
	routing := smtp.Routing{ReplyTo: "replies@city.example", Secret: []byte(os.Getenv("MAIL_ROUTING_SECRET"))}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))

	l, err := smtp.NewListener(routing, inbound, queue, &smtp.ListenerConfig{
		Addr:     ":25",
		Domain:   "mx.city.example",
		MaxBytes: 2 << 20,
		Logger:   logger,
	})
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		if err := l.ListenAndServe(); err != nil {
			log.Fatal(err)
		}
	}()

	hh, err := smtp.NewHTTPHandler(routing, inbound, queue, &smtp.HTTPConfig{
		Secret: os.Getenv("INBOUND_MAIL_SECRET"),
		Logger: logger,
	})
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("POST /inbound/email", hh)

	// On the way out:
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = l.Shutdown(ctx)
}
