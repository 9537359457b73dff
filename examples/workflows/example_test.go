package workflows_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/civickit/civickit/examples/workflows"
	"github.com/civickit/civickit/workflow"
)

// Example loads the pothole workflow and lists its states with the status
// Open311 reports for each.
func Example() {
	def, err := workflow.ParseDefinition(workflows.Pothole())
	if err != nil {
		panic(err)
	}
	w, err := workflow.Compile(def, &workflow.Hooks{
		Guards: map[string]workflow.Guard{
			"photo-attached": func(_ context.Context, in *workflow.Input) (bool, string) {
				var d struct {
					Photo string `json:"photo"`
				}
				_ = json.Unmarshal(in.Case.Data, &d)
				return d.Photo != "", "attach a photo of the repair"
			},
		},
		Destinations: map[string]workflow.Destination{
			"pothole-route": func(context.Context, *workflow.Input) (string, error) { return "triaged", nil },
		},
	})
	if err != nil {
		panic(err)
	}
	for _, s := range w.Definition().States {
		fmt.Println(s.Name, w.Status(s.Name))
	}
	// Output:
	// new open
	// triaged open
	// scheduled open
	// fixed closed
	// duplicate closed
	// referred open
}
