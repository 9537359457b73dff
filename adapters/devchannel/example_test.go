package devchannel_test

import (
	"context"
	"fmt"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/devchannel"
)

// A mailbox keeps what its channels send, once per idempotency key, so a
// test or a development server can show what residents would receive.
func ExampleMailbox() {
	ctx := context.Background()
	box := devchannel.NewMailbox()
	email := box.Channel(adapters.ChannelEmail)

	m := adapters.Outgoing{MessageID: "c1/2/0", IdempotencyKey: "c1/2/0", To: "ana@example.org",
		Subject: "Your permit is approved", Text: "Your building permit is approved."}
	sent, _ := email.Send(ctx, m)
	_, _ = email.Send(ctx, m) // a retry after a lost answer: dropped

	fmt.Println(sent.Delivered, box.Len())
	for _, got := range box.Messages(adapters.ChannelEmail) {
		fmt.Println(got.To, got.Subject)
	}
	// Output:
	// true 1
	// ana@example.org Your permit is approved
}
