package feedback_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/feedback"
	"github.com/civickit/civickit/keyring"
	"github.com/civickit/civickit/workflow"
)

func ExampleSurveys() {
	ctx := context.Background()
	store := memory.New()
	ring, _ := keyring.New(keyring.GenerateKey("2026-11"), nil, nil)
	surveys, _ := feedback.NewSurveys(ring, store, &feedback.SurveysConfig{BaseURL: "https://city.example.gov/survey"})
	engine, _ := workflow.New(store, &workflow.EngineConfig{OnClose: surveys.OnClose})

	b := workflow.NewBuilder("graffiti", 1).Initial("reported")
	b.State("reported")
	b.State("cleaned").Terminal(workflow.TerminalClosed)
	b.Permit("clean", "cleaned", "reported").Roles("crew")
	def, _ := b.Build()
	w, _ := workflow.Compile(def, nil)
	_ = engine.Register(w)

	c, _ := engine.Open(ctx, workflow.OpenParams{Type: "graffiti", Actor: workflow.Actor{Subject: "r-1"}})
	_, _ = engine.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "clean", Actor: workflow.Actor{Subject: "crew-1", Roles: []string{"crew"}}})

	// The closing wrote the survey message; the resident follows its link.
	msgs, _ := store.ListMessages(ctx, c.ID)
	var data map[string]string
	_ = json.Unmarshal(msgs[0].Data, &data)
	link, _ := url.Parse(data["link"])
	fmt.Println(msgs[0].Template, "to", msgs[0].Recipient)

	err := surveys.Respond(ctx, link.Query().Get("t"), feedback.Answer{Rating: 5})
	fmt.Println("answered:", err)
	err = surveys.Respond(ctx, link.Query().Get("t"), feedback.Answer{Rating: 1})
	fmt.Println("again:", err != nil)
	tallies, _ := store.SurveyStats(ctx, adapters.SurveyQuery{Type: "graffiti"})
	fmt.Println("mean:", tallies[0].Mean())
	// Output:
	// survey to r-1
	// answered: <nil>
	// again: true
	// mean: 5
}

func ExampleIdeas() {
	ctx := context.Background()
	store := memory.New()
	engine, _ := workflow.New(store, nil)
	ideas, _ := feedback.NewIdeas(engine, store, &feedback.IdeasConfig{Now: func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }})

	author := workflow.Actor{Subject: "r-1"}
	idea, _ := ideas.Propose(ctx, author, feedback.Proposal{Title: "A dog park", Body: "By the river.", Category: "parks"})
	_ = ideas.Support(ctx, workflow.Actor{Subject: "r-2"}, idea.ID)
	err := ideas.Support(ctx, workflow.Actor{}, idea.ID)
	fmt.Println("anonymous:", err != nil)

	planner := workflow.Actor{Subject: "p-1", Roles: []string{feedback.IdeaStaffRole}}
	idea, _ = ideas.Review(ctx, planner, idea.ID, "")
	idea, _ = ideas.Accept(ctx, planner, idea.ID, "Funded next spring.")
	fmt.Println(idea.Title, "-", idea.State, "-", idea.Supports, "support")
	// Output:
	// anonymous: true
	// A dog park - accepted - 1 support
}

// Two residents follow their ward; one official update reaches both, as
// one outbox message each.
func ExampleUpdates_PostUpdate() {
	ctx := context.Background()
	store := memory.New()
	now := func() time.Time { return time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC) }
	subs, _ := feedback.NewSubscriptions(store, &feedback.SubscriptionsConfig{Now: now})
	updates, _ := feedback.NewUpdates(store, &feedback.UpdatesConfig{Now: now, NewID: func() string { return "u1" }})

	ward := adapters.AreaTopic("ward-3")
	_ = subs.Follow(ctx, "resident-1", ward)
	_ = subs.Follow(ctx, "resident-2", ward)
	u, err := updates.PostUpdate(ctx, feedback.UpdateInput{Topic: ward, Author: "staff-1", Title: "Leaf pickup starts Monday"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range []string{"resident-1", "resident-2"} {
		m, _ := store.GetMessage(ctx, "update/"+u.ID+"/"+p)
		fmt.Println(m.Recipient, m.Template, string(m.Data))
	}
	// Output:
	// resident-1 official-update {"topic":"area:ward-3","title":"Leaf pickup starts Monday","body":"","updateId":"u1"}
	// resident-2 official-update {"topic":"area:ward-3","title":"Leaf pickup starts Monday","body":"","updateId":"u1"}
}
