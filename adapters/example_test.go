package adapters_test

import (
	"context"
	"fmt"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
)

// Listing pages through cases with an opaque cursor until it is empty.
func ExampleCaseQuery() {
	ctx := context.Background()
	var store adapters.Store = memory.New()
	defer store.Close()

	opened := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		at := opened.Add(time.Duration(i) * time.Minute)
		_, err := store.CreateCase(ctx, adapters.CreateCaseParams{
			Case:   adapters.Case{ID: fmt.Sprintf("case-%d", i), Type: "pothole", State: "submitted", CreatedAt: at},
			Events: []adapters.Event{{Kind: "opened", ToState: "submitted", At: at}},
		})
		if err != nil {
			panic(err)
		}
	}
	q := adapters.CaseQuery{Type: "pothole", State: "submitted", Limit: 2}
	for {
		page, err := store.ListCases(ctx, q)
		if err != nil {
			panic(err)
		}
		for _, c := range page.Cases {
			fmt.Print(c.ID, " ")
		}
		fmt.Println("|")
		if page.NextCursor == "" {
			break
		}
		q.Cursor = page.NextCursor
	}
	// Output:
	// case-0 case-1 |
	// case-2 case-3 |
	// case-4 |
}

// Percentile is the nearest-rank percentile every store's metrics use.
func ExamplePercentile() {
	ds := []time.Duration{4 * time.Hour, time.Hour, 3 * time.Hour, 2 * time.Hour}
	fmt.Println(adapters.Percentile(ds, 0.5), adapters.Percentile(ds, 0.9))
	// Output: 2h0m0s 4h0m0s
}
