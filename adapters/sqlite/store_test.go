package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/adaptertest"
	"github.com/civickit/civickit/adapters/sqlite"
)

var (
	_ adapters.Store        = (*sqlite.Store)(nil)
	_ adapters.CaseStats    = (*sqlite.Store)(nil)
	_ adapters.SessionStore = (*sqlite.Store)(nil)
)

// openTemp opens a store on a fresh file that the test removes.
func openTemp(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "civickit.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	adaptertest.RunStoreTests(t, func(t *testing.T) adapters.Store {
		return openTemp(t)
	}, adaptertest.Features{CaseStats: true})
}

func TestSessionStoreConformance(t *testing.T) {
	t.Parallel()
	adaptertest.RunSessionStoreTests(t, func(t *testing.T) adapters.SessionStore {
		return openTemp(t)
	})
}
