package postgres

import (
	"time"

	"github.com/civickit/civickit/adapters"
)

var testTime = time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)

func testCase(id string) adapters.CreateCaseParams {
	return adapters.CreateCaseParams{
		Case:   adapters.Case{ID: id, Type: "pothole", DefinitionVersion: 1, State: "submitted", Channel: "web", CreatedAt: testTime},
		Events: []adapters.Event{{Kind: "opened", ToState: "submitted", Actor: "resident-1", At: testTime}},
	}
}
