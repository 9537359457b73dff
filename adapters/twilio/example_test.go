package twilio_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/adapters/twilio"
)

// A Channel sends a text; here Twilio's API is a stand-in server that
// answers as Twilio does.
func ExampleNew() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		fmt.Println(r.URL.Path)
		fmt.Println("To:", r.PostForm.Get("To"), "key:", r.Header.Get("I-Twilio-Idempotency-Token"))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"sid": "SM00000000000000000000000000000001", "status": "queued"}`)
	}))
	defer api.Close()

	sms, err := twilio.New(&twilio.Config{
		AccountSID:          "AC00000000000000000000000000000000",
		AuthToken:           "your-auth-token",
		MessagingServiceSID: "MG00000000000000000000000000000000",
		StatusCallback:      "https://city.example.org/twilio/status",
		DefaultRegion:       "US",
		BaseURL:             api.URL, // leave empty for Twilio itself
	})
	if err != nil {
		panic(err)
	}
	sent, err := sms.Send(context.Background(), adapters.Outgoing{MessageID: "msg-1", IdempotencyKey: "msg-1",
		To: "(202) 555-0142", Text: "Your permit request 1042 was approved."})
	fmt.Println(sent.ProviderID, err)
	// Output:
	// /2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json
	// To: +12025550142 key: msg-1
	// SM00000000000000000000000000000001 <nil>
}

// printReplies is a stand-in for feedback.Inbound.
type printReplies struct{}

func (printReplies) HandleReply(_ context.Context, r adapters.Reply) error {
	fmt.Printf("reply %s on %s: %q\n", r.ProviderID, r.Channel, r.Body)
	return nil
}

// The inbound handler is mounted where the number's "A message comes in"
// webhook points; the status handler where Config.StatusCallback points.
func ExampleNewInboundHandler() {
	cfg := &twilio.WebhookConfig{
		AuthTokens: []string{"your-auth-token"},
		PublicBase: "https://city.example.org", // what Twilio calls, not what the proxy forwards to
		HelpText:   "City Hall updates. Msg&data rates may apply. Reply STOP to stop.",
		Now:        func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) },
	}
	inbound, err := twilio.NewInboundHandler(printReplies{}, memory.New(), cfg)
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /twilio/sms", inbound)

	// What Twilio posts when a resident texts HELP.
	form := url.Values{"MessageSid": {"SM00000000000000000000000000000002"}, "From": {"+12025550142"},
		"To": {"+12025550100"}, "Body": {"HELP"}, "NumMedia": {"0"}}
	req := httptest.NewRequest(http.MethodPost, "/twilio/sms", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(twilio.SignatureHeader, signFor("your-auth-token", "https://city.example.org/twilio/sms", form))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body.String())
	// Output:
	// reply SM00000000000000000000000000000002 on sms: "HELP"
	// 200 <?xml version="1.0" encoding="UTF-8"?>
	// <Response><Message>City Hall updates. Msg&amp;data rates may apply. Reply STOP to stop.</Message></Response>
}
