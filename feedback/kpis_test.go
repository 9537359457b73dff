package feedback_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/feedback"
	"github.com/civickit/civickit/workflow"
)

func TestKPIsJoinCaseMetricsWithSatisfactionPerMonth(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, store adapters.Store) {
		ctx := context.Background()
		chicago, err := time.LoadLocation("America/Chicago")
		require.NoError(t, err)
		f := newSurveyFixture(t, store)
		at := func(month time.Month, day, hour int) time.Time {
			return time.Date(2026, month, day, hour, 0, 0, 0, chicago)
		}

		// January: three cases, two online; closed after 2h and 6h, one
		// left open. Both closings are answered in January: 5 (resolved)
		// and 2 (not resolved).
		// February: one phone case opened on the 1st at 00:30 Chicago
		// time (still January in UTC), closed after 4h, answered 3.
		type step struct {
			opened   time.Time
			channel  string
			closeIn  time.Duration
			rating   int
			resolved *bool
		}
		steps := []step{
			{at(time.January, 5, 9), "web", 2 * time.Hour, 5, ptr(true)},
			{at(time.January, 12, 9), "web", 6 * time.Hour, 2, ptr(false)},
			{at(time.January, 20, 9), "phone", 0, 0, nil},
			{time.Date(2026, time.February, 1, 0, 30, 0, 0, chicago), "phone", 4 * time.Hour, 3, nil},
		}
		for _, s := range steps {
			f.clock.Set(s.opened)
			p := workflow.OpenParams{Type: "pothole", Actor: resident, Channel: s.channel}
			if s.channel == "phone" {
				p = workflow.OpenParams{Type: "pothole", Actor: crew, OnBehalf: true, Submitter: resident.Subject, SubmitterIssuer: resident.Issuer, Channel: "phone"}
			}
			c, err := f.engine.Open(ctx, p)
			require.NoError(t, err)
			if s.closeIn == 0 {
				continue
			}
			f.clock.Set(s.opened.Add(s.closeIn))
			_, err = f.engine.Fire(ctx, workflow.FireParams{CaseID: c.ID, Trigger: "repair", Actor: crew})
			require.NoError(t, err)
			f.clock.Add(time.Hour)
			require.NoError(t, f.surveys.Respond(ctx, f.surveyToken(t, c.ID), feedback.Answer{Rating: s.rating, Resolved: s.resolved}))
		}

		f.clock.Set(at(time.March, 1, 0))
		report, err := feedback.KPIs(ctx, f.engine, store, feedback.KPIQuery{
			From: at(time.January, 1, 0), To: at(time.March, 1, 0), Location: chicago,
		})
		require.NoError(t, err)
		require.Len(t, report, 1, "one service type registered")
		require.Equal(t, "pothole", report[0].Type)
		require.Len(t, report[0].Periods, 2, "January and February")

		jan, feb := report[0].Periods[0], report[0].Periods[1]
		assert.True(t, jan.From.Equal(at(time.January, 1, 0)) && jan.To.Equal(at(time.February, 1, 0)), "January in Chicago: %v–%v", jan.From, jan.To)
		assert.Equal(t, int64(3), jan.Metrics.Total)
		assert.Equal(t, int64(2), jan.Metrics.Closed)
		assert.InDelta(t, 2.0/3, jan.Metrics.OnlineShare, 1e-9, "adoption: two of three cases came in online")
		assert.False(t, jan.Metrics.Partial, "every store here computes case stats")
		assert.Equal(t, 2*time.Hour, jan.Metrics.MedianTimeToClose, "nearest-rank median of 2h and 6h")
		assert.Equal(t, 6*time.Hour, jan.Metrics.P90TimeToClose)
		assert.Equal(t, int64(1), jan.Metrics.OpenByState["reported"])
		assert.Equal(t, adapters.SurveyTally{Type: "pothole", Count: 2, Sum: 7, Ratings: [5]int64{0, 1, 0, 0, 1}, Resolved: 1, Unresolved: 1}, jan.Satisfaction)
		assert.InDelta(t, 3.5, jan.SatisfactionMean(), 1e-9)
		assert.InDelta(t, 0.5, jan.ResolvedShare(), 1e-9)

		assert.Equal(t, int64(1), feb.Metrics.Total, "the case opened at 00:30 on 1 February in Chicago counts in February")
		assert.Equal(t, int64(1), feb.Metrics.Closed)
		assert.Zero(t, feb.Metrics.OnlineShare)
		assert.Equal(t, int64(1), feb.Satisfaction.Count)
		assert.InDelta(t, 3.0, feb.SatisfactionMean(), 1e-9)
		assert.Zero(t, feb.ResolvedShare(), "no one said either way")
	})
}

func TestKPIsRefuseBadRanges(t *testing.T) {
	t.Parallel()
	store := storeImpls[0].open(t)
	f := newSurveyFixture(t, store)
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		q    feedback.KPIQuery
	}{
		{"empty", feedback.KPIQuery{From: t0, To: t0}},
		{"reversed", feedback.KPIQuery{From: t0, To: t0.AddDate(0, -1, 0)}},
		{"no start", feedback.KPIQuery{To: t0}},
		{"too long", feedback.KPIQuery{From: t0, To: t0.AddDate(11, 0, 0)}},
	} {
		_, err := feedback.KPIs(ctx, f.engine, store, tt.q)
		require.ErrorIs(t, err, adapters.ErrInvalidArgument, tt.name)
	}
	jan := time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)
	r, err := feedback.KPIs(ctx, f.engine, store, feedback.KPIQuery{From: jan, To: jan.AddDate(10, 0, 0)})
	require.NoError(t, err)
	assert.Len(t, r[0].Periods, feedback.MaxKPIPeriods, "ten whole years are 120 months")
	_, err = feedback.KPIs(ctx, f.engine, store, feedback.KPIQuery{From: jan.AddDate(0, 0, 1), To: jan.AddDate(10, 0, 1)})
	require.ErrorIs(t, err, adapters.ErrInvalidArgument, "ten years starting on a month's second day touch 121 months")
}
