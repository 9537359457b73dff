package memory_test

import (
	"testing"

	"github.com/civickit/civickit/adapters/adaptertest"
	"github.com/civickit/civickit/adapters/memory"
)

// BenchmarkExpandSubscribers posts one update to BenchSubscribers
// followers per iteration.
func BenchmarkExpandSubscribers(b *testing.B) {
	b.Run("memory", func(b *testing.B) {
		adaptertest.BenchExpandSubscribers(b, memory.New())
	})
}
