package postgres

import (
	"testing"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/adaptertest"
)

var (
	_ adapters.Store        = (*Store)(nil)
	_ adapters.CaseStats    = (*Store)(nil)
	_ adapters.SessionStore = (*Store)(nil)
)

func TestConformance(t *testing.T) {
	t.Parallel()
	adaptertest.RunStoreTests(t, func(t *testing.T) adapters.Store {
		return openTestStore(t)
	}, adaptertest.Features{CaseStats: true})
}

func TestSessionStoreConformance(t *testing.T) {
	t.Parallel()
	adaptertest.RunSessionStoreTests(t, func(t *testing.T) adapters.SessionStore {
		return openTestStore(t)
	})
}
