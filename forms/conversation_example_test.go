package forms_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/civickit/civickit/forms"
)

const potholeForm = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "x-form": {"id": "pothole", "version": 1},
  "title": "Report a pothole",
  "type": "object",
  "required": ["size", "location"],
  "properties": {
    "size": {"type": "string", "title": "How big is it?", "enum": ["small", "large"],
      "x-options": {"small": {"en": "Smaller than a plate"}, "large": {"en": "Larger than a plate"}}},
    "location": {"type": "string", "title": "Where is it?", "minLength": 5,
      "x-errorName": {"en": "the location"}, "x-pii": "location", "x-channels": ["sms"]},
    "urgent": {"type": "boolean", "title": "Is it dangerous?"}
  }
}`

// ExampleConversation holds a short text-message dialog: the state is
// stored as JSON between messages, and the confirmed values are
// submitted as a web form's would be.
func ExampleConversation() {
	reg, err := forms.NewRegistry(nil)
	if err != nil {
		panic(err)
	}
	form, err := reg.Load(context.Background(), "pothole.json", []byte(potholeForm))
	if err != nil {
		panic(err)
	}
	conv, err := forms.NewConversation(form, &forms.ConversationConfig{Channel: "sms"})
	if err != nil {
		panic(err)
	}
	state, turn := conv.Start("en-US")
	fmt.Printf("> %s\n", turn.Text)
	for _, msg := range []string{"2", "Elm", "12 Elm Street", "skip", "YES"} {
		stored, _ := json.Marshal(state) // what the caller keeps between messages
		var loaded forms.ChatState
		_ = json.Unmarshal(stored, &loaded)
		state, turn = conv.Step(loaded, msg)
		fmt.Printf("< %s\n> %s\n", msg, turn.Text)
	}
	values, err := conv.Values(state)
	fmt.Println(turn.Submit, values, err)
	// Output:
	// > Report a pothole
	// Reply HELP for help or STOP to end.
	//
	// How big is it?
	// 1. Smaller than a plate
	// 2. Larger than a plate
	// < 2
	// > Where is it?
	// < Elm
	// > The location must be 5 characters or more.
	//
	// Where is it?
	// < 12 Elm Street
	// > Is it dangerous?
	// 1. Yes
	// 2. No
	// (optional, reply SKIP)
	// < skip
	// > Please check your answers:
	// 1. How big is it? Larger than a plate
	// 2. Where is it? 12 Elm Street
	// Reply YES to submit, BACK to change the last answer, or RESTART.
	// < YES
	// > Thank you. Your answers were sent.
	// true map[location:12 Elm Street size:large] <nil>
}
