package feedback_test

import (
	"context"
	"fmt"
	"testing/fstest"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/devchannel"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/feedback"
)

// A case update written to the outbox reaches the resident by the channel
// their preferences name, rendered from the city's template.
func ExampleDispatcher() {
	ctx := context.Background()
	store := memory.New()
	templates, err := feedback.LoadTemplates(fstest.MapFS{
		"case-update/email.en.txt": {Data: []byte("Subject: Your report {{.case}}\n\nThe crew marked it {{.state}}.\n")},
	}, &feedback.TemplatesConfig{Fields: map[string][]string{"case-update": {"case", "state"}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	prefs, _ := feedback.NewPreferences(store, nil)
	err = prefs.SavePreferences(ctx, adapters.Person{ID: "r-1", Channels: []string{"email"},
		Addresses: map[string]string{"email": "ana@example.org"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	box := devchannel.NewMailbox()
	d, err := feedback.NewDispatcher(store, store, &feedback.DispatcherConfig{
		Channels: []adapters.Channel{box.Channel("email")}, Renderer: templates})
	if err != nil {
		fmt.Println(err)
		return
	}

	_ = store.EnqueueMessages(ctx, []adapters.Message{{ID: "c-7/2/0", IdempotencyKey: "c-7/2/0", CaseID: "c-7",
		Recipient: "r-1", Template: "case-update", Data: []byte(`{"case":"c-7","state":"repaired"}`), CreatedAt: time.Now()}})
	n, err := d.DispatchOnce(ctx)
	fmt.Println("dispatched:", n, err)
	for _, m := range box.Messages("email") {
		fmt.Printf("to %s: %s: %q\n", m.To, m.Subject, m.Text)
	}
	// Output:
	// dispatched: 1 <nil>
	// to ana@example.org: Your report c-7: "The crew marked it repaired.\n"
}
