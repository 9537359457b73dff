package feedback_test

import (
	"context"
	"fmt"
	"time"

	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/feedback"
)

func ExampleParseOptWords() {
	for _, text := range []string{"STOP", "Sí", "please stop texting me", "the stop sign is down", "YES", "ayuda"} {
		fmt.Printf("%q: %v\n", text, feedback.ParseOptWords(text))
	}
	// Output:
	// "STOP": opt-out
	// "Sí": opt-in
	// "please stop texting me": opt-out
	// "the stop sign is down": none
	// "YES": none
	// "ayuda": help
}

func ExamplePreferences_HandleWords() {
	ctx := context.Background()
	store := memory.New()
	prefs, err := feedback.NewPreferences(store, nil)
	if err != nil {
		panic(err)
	}
	at := time.Date(2026, 5, 1, 14, 30, 0, 0, time.UTC)
	for _, text := range []string{"STOP", "stop", "START"} {
		words, changed, err := prefs.HandleWords(ctx, "sms", "+15555550100", text, at)
		if err != nil {
			panic(err)
		}
		fmt.Println(text, words, changed)
		at = at.Add(time.Minute)
	}
	history, _ := store.ListOptOutChanges(ctx, "sms", "+15555550100")
	for _, c := range history {
		m, _ := store.GetMessage(ctx, c.Confirmation.ID)
		fmt.Println(c.Out, c.Via, m.Template, m.Recipient)
	}
	// Output:
	// STOP opt-out true
	// stop opt-out false
	// START opt-in true
	// true keyword optout-confirmation sms:+15555550100
	// false keyword optin-confirmation sms:+15555550100
}
