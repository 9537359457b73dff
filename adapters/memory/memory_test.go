package memory_test

import (
	"testing"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/adaptertest"
	"github.com/civickit/civickit/adapters/memory"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	adaptertest.RunStoreTests(t, func(t *testing.T) adapters.Store {
		s := memory.New()
		t.Cleanup(func() { _ = s.Close() })
		return s
	}, adaptertest.Features{CaseStats: true})
}

func BenchmarkApplyTransition(b *testing.B) {
	b.Run("memory", func(b *testing.B) {
		adaptertest.BenchApplyTransition(b, memory.New())
	})
}

func BenchmarkApplyTransitionParallel(b *testing.B) {
	b.Run("memory", func(b *testing.B) {
		adaptertest.BenchApplyTransitionParallel(b, memory.New())
	})
}

func TestSessionStoreConformance(t *testing.T) {
	t.Parallel()
	adaptertest.RunSessionStoreTests(t, func(t *testing.T) adapters.SessionStore {
		s := memory.New()
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
