package workflow_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/workflow"
)

// benchWorkflow toggles a case between two states; each transition writes
// one event and one outbox message, as adaptertest.BenchTransition does,
// so BenchmarkFire compares with BenchmarkApplyTransition/<impl>-raw.
func benchWorkflow(t testing.TB) *workflow.Workflow {
	b := workflow.NewBuilder("bench", 1).Initial("submitted")
	b.State("submitted").Notify("state-changed", workflow.ToSubmitter)
	b.State("in-review").Notify("state-changed", workflow.ToSubmitter)
	b.Permit("review", "in-review", "submitted").Roles("staff")
	b.Permit("return", "submitted", "in-review").Roles("staff")
	def, err := b.Build()
	require.NoError(t, err)
	w, err := workflow.Compile(def, nil)
	require.NoError(t, err)
	return w
}

func benchFire(b *testing.B, s adapters.Store) {
	ctx := context.Background()
	e, err := workflow.New(s, nil)
	require.NoError(b, err)
	require.NoError(b, e.Register(benchWorkflow(b)))
	staff := workflow.Actor{Subject: "staff-1", Roles: []string{"staff"}, Assurance: 2}
	c, err := e.Open(ctx, workflow.OpenParams{Type: "bench", Actor: workflow.Actor{Subject: "resident@example.org"}})
	require.NoError(b, err)
	triggers := [2]string{"review", "return"}
	payload := []byte(`{}`)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := e.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: triggers[i%2], Actor: staff, Payload: payload, ExpectedVersion: int64(i + 1)}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "fires/s")
}

// BenchmarkFire measures Engine.Fire (read the case, evaluate the machine,
// write one event and one message) on every store on this branch.
func BenchmarkFire(b *testing.B) {
	for _, impl := range storeImpls {
		b.Run(impl.name, func(b *testing.B) { benchFire(b, impl.open(b)) })
	}
}

// twelveStates is a 12-state definition with substates, guards and a mix
// of roles, the size BenchmarkPermitted is specified on.
func twelveStates(t testing.TB) *workflow.Workflow {
	b := workflow.NewBuilder("twelve", 1).Initial("s01")
	for i := 1; i <= 12; i++ {
		s := b.State(fmt.Sprintf("s%02d", i))
		if i == 5 || i == 6 {
			s.Parent("s04")
		}
		if i == 12 {
			s.Terminal(workflow.TerminalClosed)
		}
	}
	for i := 1; i <= 11; i++ {
		b.Permit(fmt.Sprintf("next-%02d", i), fmt.Sprintf("s%02d", i+1), fmt.Sprintf("s%02d", i)).Roles("staff", "supervisor").Guards("ok")
	}
	b.Permit("close", "s12", "s01", "s02", "s03", "s04", "s07", "s08").Roles("supervisor").Assurance(3)
	b.Internal("note", "s01", "s02", "s03", "s04", "s07", "s08", "s09", "s10", "s11").Roles("staff")
	b.Permit("reopen", "s01", "s09", "s10", "s11").Roles("supervisor").Guards("ok", "ok2")
	def, err := b.Build()
	require.NoError(t, err)
	yes := func(context.Context, *workflow.Input) (bool, string) { return true, "" }
	w, err := workflow.Compile(def, &workflow.Hooks{Guards: map[string]workflow.Guard{"ok": yes, "ok2": yes}})
	require.NoError(t, err)
	return w
}

// BenchmarkPermitted measures Engine.Permitted on a 12-state definition
// with the case in a substate, on the memory store.
func BenchmarkPermitted(b *testing.B) {
	ctx := context.Background()
	e, err := workflow.New(storeImpls[0].open(b), nil)
	require.NoError(b, err)
	require.NoError(b, e.Register(twelveStates(b)))
	staff := workflow.Actor{Subject: "staff-1", Roles: []string{"staff"}, Assurance: 2}
	c, err := e.Open(ctx, workflow.OpenParams{Type: "twelve", Actor: staff})
	require.NoError(b, err)
	for i := 1; i <= 4; i++ {
		_, err := e.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: fmt.Sprintf("next-%02d", i), Actor: staff})
		require.NoError(b, err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		actions, err := e.Permitted(ctx, c.ID, staff)
		if err != nil || len(actions) != 14 {
			b.Fatal(err, len(actions))
		}
	}
}

// BenchmarkQueue measures Engine.Queue, a page of 50 cases of the
// 12-state definition with the permitted actions of one actor, on SQLite
// ("sqlite"), beside the same ListCases page alone ("sqlite-list"); the
// budget is Queue ≤ 2 × ListCases.
func BenchmarkQueue(b *testing.B) {
	ctx := context.Background()
	var sqliteImpl storeImpl
	for _, impl := range storeImpls {
		if impl.name == "sqlite" {
			sqliteImpl = impl
		}
	}
	setup := func(b *testing.B) (*workflow.Engine, adapters.Store, workflow.Actor) {
		s := sqliteImpl.open(b)
		e, err := workflow.New(s, nil)
		require.NoError(b, err)
		require.NoError(b, e.Register(twelveStates(b)))
		staff := workflow.Actor{Subject: "staff-1", Roles: []string{"staff"}, Assurance: 2}
		for i := range 50 {
			c, err := e.Open(ctx, workflow.OpenParams{Type: "twelve", Actor: staff})
			require.NoError(b, err)
			for j := range i % 5 {
				_, err := e.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: fmt.Sprintf("next-%02d", j+1), Actor: staff})
				require.NoError(b, err)
			}
		}
		return e, s, staff
	}
	q := adapters.CaseQuery{Type: "twelve", Limit: 50}
	b.Run("sqlite", func(b *testing.B) {
		e, _, staff := setup(b)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			page, err := e.Queue(ctx, staff, q)
			if err != nil || len(page.Items) != 50 || len(page.Items[49].Actions) == 0 {
				b.Fatal(err, len(page.Items))
			}
		}
	})
	b.Run("sqlite-list", func(b *testing.B) {
		_, s, _ := setup(b)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			page, err := s.ListCases(ctx, q)
			if err != nil || len(page.Cases) != 50 {
				b.Fatal(err, len(page.Cases))
			}
		}
	})
}
