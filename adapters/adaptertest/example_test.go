package adaptertest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/adaptertest"
	"github.com/civickit/civickit/adapters/memory"
)

// A store's own benchmark applies the same transition the suite's
// benchmarks do, so figures for different stores compare. In a vendor's
// test file this is simply:
//
//	func BenchmarkApplyTransition(b *testing.B) {
//		b.Run("mystore", func(b *testing.B) { adaptertest.BenchApplyTransition(b, newStore(b)) })
//	}
func ExampleBenchTransition() {
	s := memory.New()
	defer s.Close()
	at := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	_, err := s.CreateCase(context.Background(), adapters.CreateCaseParams{
		Case:   adapters.Case{ID: "case-1", Type: "pothole", State: "submitted", CreatedAt: at},
		Events: []adapters.Event{{Kind: "opened", ToState: "submitted", At: at}},
	})
	if err != nil {
		panic(err)
	}
	for v := int64(1); v <= 2; v++ {
		res, err := s.ApplyTransition(context.Background(), adaptertest.BenchTransition("case-1", v, at))
		if err != nil {
			panic(err)
		}
		fmt.Println(res.Case.State, res.Case.Version, len(res.Events))
	}
	// Output:
	// in-review 2 1
	// submitted 3 1
}
