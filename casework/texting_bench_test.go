package casework_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/adaptertest"
	"github.com/civickit/civickit/adapters/sqlite"
)

// BenchmarkConversationStep measures one answer to a form asked by text
// on the SQLite store (load the conversation, validate the answer, store
// the state with the next question in one transaction), beside one
// ApplyTransition on the same kind of store, so the two can be compared
// in one run (the target: step ≤ 2 × transition).
func BenchmarkConversationStep(b *testing.B) {
	open := func(b *testing.B) *sqlite.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		return s
	}
	b.Run("step", func(b *testing.B) {
		store := open(b)
		tt := &texter{world: newWorldOn(b, store, potholeFlow), db: store, now: benchT0}
		tx := tt.texting(b)
		ctx := context.Background()
		// Each iteration answers the first question of its own
		// conversation, started before the clock runs.
		for i := range b.N {
			if err := tx.HandleReply(ctx, adapters.Reply{Channel: "sms", From: benchPhone(i), Body: "POTHOLE", At: benchT0}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if err := tx.HandleReply(ctx, adapters.Reply{Channel: "sms", From: benchPhone(i), Body: "Main St and 3rd Ave",
				ProviderID: fmt.Sprintf("SM%d", i), At: benchT0}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("transition", func(b *testing.B) {
		adaptertest.BenchApplyTransition(b, open(b))
	})
}

func benchPhone(i int) string { return fmt.Sprintf("+1555%07d", i) }
