package feedback_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/feedback"
	"github.com/civickit/civickit/workflow"
)

// A text that answers a case update becomes a comment on the case; a
// STOP opts the number out instead, and a text naming no case is left
// for the channel to keep for review.
func ExampleInbound() {
	ctx := context.Background()
	store := memory.New()
	prefs, _ := feedback.NewPreferences(store, nil)
	comments, _ := feedback.NewComments(store, nil)
	in, _ := feedback.NewInbound(store, prefs, comments, nil)
	engine, _ := workflow.New(store, nil)
	b := workflow.NewBuilder("pothole", 1).Initial("reported")
	b.State("reported")
	def, _ := b.Build()
	w, _ := workflow.Compile(def, nil)
	_ = engine.Register(w)
	c, _ := engine.Open(ctx, workflow.OpenParams{Type: "pothole", Actor: workflow.Actor{Subject: "r-1"}})
	_ = store.EnqueueMessages(ctx, []adapters.Message{{ID: "m-1", IdempotencyKey: "m-1", CaseID: c.ID,
		Recipient: "sms:+15555550100", Template: "case-update", CreatedAt: time.Now()}})

	for _, r := range []adapters.Reply{
		{Channel: "sms", From: "+15555550100", Body: "It got bigger", InReplyTo: "m-1", ProviderID: "SM1"},
		{Channel: "sms", From: "+15555550100", Body: "It got bigger", InReplyTo: "m-1", ProviderID: "SM1"},
		{Channel: "sms", From: "+15555550100", Body: "Hello?", ProviderID: "SM2"},
		{Channel: "sms", From: "+15555550100", Body: "STOP", ProviderID: "SM3"},
	} {
		err := in.HandleReply(ctx, r)
		fmt.Printf("%q: unrouted=%v err=%v\n", r.Body, errors.Is(err, feedback.ErrUnrouted), err != nil)
	}
	page, _ := store.ListComments(ctx, adapters.CommentQuery{Thread: adapters.CaseTopic(c.ID)})
	for _, cm := range page.Comments {
		fmt.Println(cm.Author, cm.Via, cm.Body)
	}
	reach, _ := store.Reach(ctx, "sms", []string{"+15555550100"})
	fmt.Println("opted out:", reach["+15555550100"].OptedOut)
	// Output:
	// "It got bigger": unrouted=false err=false
	// "It got bigger": unrouted=false err=false
	// "Hello?": unrouted=true err=true
	// "STOP": unrouted=false err=false
	// sms:+15555550100 sms It got bigger
	// opted out: true
}
