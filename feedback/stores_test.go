package feedback_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/adapters/postgres"
	"github.com/civickit/civickit/adapters/sqlite"
	"github.com/civickit/civickit/internal/pgtest"
	"github.com/civickit/civickit/keyring"
	"github.com/civickit/civickit/workflow"
)

// storeImpl is one store the feedback package is tested against.
type storeImpl struct {
	name string
	open func(t testing.TB) adapters.Store
}

var storeImpls = []storeImpl{
	{name: "memory", open: func(t testing.TB) adapters.Store {
		s := memory.New()
		t.Cleanup(func() { _ = s.Close() })
		return s
	}},
	{name: "sqlite", open: func(t testing.TB) adapters.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "civickit.db"), nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		return s
	}},
	{name: "postgres", open: func(t testing.TB) adapters.Store { return openPostgres(t) }},
}

// openPostgres opens a store in a fresh schema that the test drops; it
// skips when PostgreSQL is unreachable (see internal/pgtest).
func openPostgres(t testing.TB) *postgres.Store {
	t.Helper()
	pool := pgtest.Pool(t)
	schema := pgtest.Schema(t, pool, "civickit_fb_")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := postgres.New(ctx, pool, &postgres.Config{Schema: schema})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// forEachStore runs fn against every store, in parallel.
func forEachStore(t *testing.T, fn func(t *testing.T, s adapters.Store)) {
	t.Helper()
	for _, impl := range storeImpls {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			fn(t, impl.open(t))
		})
	}
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

func newRing(t testing.TB, now func() time.Time) *keyring.KeyRing {
	t.Helper()
	ring, err := keyring.New(keyring.GenerateKey("k1"), nil, &keyring.Config{Now: now})
	require.NoError(t, err)
	return ring
}

var (
	resident = workflow.Actor{Subject: "r-1", Issuer: "https://login.example.gov", Assurance: workflow.AssuranceLow}
	crew     = workflow.Actor{Subject: "crew-1", Issuer: "https://login.example.gov", Roles: []string{"crew"}, Assurance: workflow.AssuranceSubstantial}
)

// potholes is a small service workflow: reported → repaired (closed), or
// withdrawn by the resident.
func potholes(t testing.TB) *workflow.Workflow {
	t.Helper()
	b := workflow.NewBuilder("pothole", 1).Initial("reported").Intake(workflow.AssuranceLow, "crew")
	b.State("reported")
	b.State("repaired").Terminal(workflow.TerminalClosed)
	b.State("withdrawn").Terminal(workflow.TerminalClosed)
	b.Permit("repair", "repaired", "reported").Roles("crew")
	b.Permit("withdraw", "withdrawn", "reported").Roles("submitter")
	def, err := b.Build()
	require.NoError(t, err)
	w, err := workflow.Compile(def, nil)
	require.NoError(t, err)
	return w
}
