package workflow_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/workflow"
)

func TestCalendar(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("time zone data unavailable (%v); runs where tzdata is installed", err)
	}
	city, err := workflow.NewCalendar(&workflow.CalendarConfig{
		Location: ny,
		Holidays: []string{"2026-11-26", "2026-11-27", "2026-12-25"}, // Thanksgiving and the day after; Christmas
	})
	require.NoError(t, err)
	utc, err := workflow.NewCalendar(nil)
	require.NoError(t, err)
	sevenDays, err := workflow.NewCalendar(&workflow.CalendarConfig{Weekend: []time.Weekday{}})
	require.NoError(t, err)
	at := func(loc *time.Location, s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		require.NoError(t, err)
		return v
	}
	tests := []struct {
		name string
		cal  *workflow.Calendar
		from string
		loc  *time.Location
		d    workflow.Duration
		sub  bool
		want string
	}{
		{name: "business days skip the weekend", cal: utc, loc: time.UTC, from: "2026-11-20 10:00", d: workflow.BusinessDays(1), want: "2026-11-23 10:00"},
		{name: "business days skip holidays", cal: city, loc: ny, from: "2026-11-25 10:00", d: workflow.BusinessDays(1), want: "2026-11-30 10:00"},
		{name: "business days from a weekend", cal: utc, loc: time.UTC, from: "2026-11-22 15:00", d: workflow.BusinessDays(2), want: "2026-11-24 15:00"},
		{name: "business days back", cal: utc, loc: time.UTC, from: "2026-11-30 10:00", d: workflow.BusinessDays(1), sub: true, want: "2026-11-27 10:00"},
		{name: "business hours within a day", cal: utc, loc: time.UTC, from: "2026-11-23 10:00", d: workflow.BusinessHours(3), want: "2026-11-23 13:00"},
		{name: "business hours carry to the next day", cal: utc, loc: time.UTC, from: "2026-11-23 15:00", d: workflow.BusinessHours(4), want: "2026-11-24 11:00"},
		{name: "business hours over a weekend", cal: utc, loc: time.UTC, from: "2026-11-20 16:00", d: workflow.BusinessHours(2), want: "2026-11-23 10:00"},
		{name: "business hours start at opening", cal: utc, loc: time.UTC, from: "2026-11-23 06:00", d: workflow.BusinessHours(1), want: "2026-11-23 10:00"},
		{name: "business hours after closing", cal: utc, loc: time.UTC, from: "2026-11-23 20:00", d: workflow.BusinessHours(1), want: "2026-11-24 10:00"},
		{name: "business hours back over a weekend", cal: utc, loc: time.UTC, from: "2026-11-23 10:00", d: workflow.BusinessHours(2), sub: true, want: "2026-11-20 16:00"},
		{name: "business hours back from the evening", cal: utc, loc: time.UTC, from: "2026-11-23 20:00", d: workflow.BusinessHours(1), sub: true, want: "2026-11-23 16:00"},
		{name: "calendar days across DST keep the clock", cal: city, loc: ny, from: "2026-10-31 09:00", d: workflow.Days(2), want: "2026-11-02 09:00"},
		{name: "hours are wall-clock", cal: city, loc: ny, from: "2026-10-31 09:00", d: workflow.Hours(48), want: "2026-11-02 08:00"},
		{name: "seven-day service counts weekends", cal: sevenDays, loc: time.UTC, from: "2026-11-20 10:00", d: workflow.BusinessDays(2), want: "2026-11-22 10:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			from := at(tt.loc, tt.from)
			var got time.Time
			if tt.sub {
				got = tt.cal.Sub(from, tt.d)
			} else {
				got = tt.cal.Add(from, tt.d)
			}
			want := at(tt.loc, tt.want)
			assert.True(t, got.Equal(want), "got %s, want %s", got, want)
		})
	}
	assert.False(t, city.IsBusinessDay(at(ny, "2026-12-25 12:00")))
	assert.True(t, city.IsBusinessDay(at(ny, "2026-12-24 12:00")))
}

func TestCalendarConfigRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  workflow.CalendarConfig
	}{
		{name: "bad holiday", cfg: workflow.CalendarConfig{Holidays: []string{"25/12/2026"}}},
		{name: "every day a weekend", cfg: workflow.CalendarConfig{Weekend: []time.Weekday{0, 1, 2, 3, 4, 5, 6}}},
		{name: "inverted hours", cfg: workflow.CalendarConfig{DayStart: 17 * time.Hour, DayEnd: 9 * time.Hour}},
		{name: "bad weekday", cfg: workflow.CalendarConfig{Weekend: []time.Weekday{9}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := workflow.NewCalendar(&tt.cfg)
			require.Error(t, err)
		})
	}
}

func FuzzCalendar(f *testing.F) {
	f.Add(int64(1795424400), uint8(3), uint8(5), false)
	f.Add(int64(1795597200), uint8(2), uint8(40), true)
	cal, err := workflow.NewCalendar(&workflow.CalendarConfig{Holidays: []string{"2026-12-24", "2026-12-25", "2026-12-28"}})
	if err != nil {
		f.Fatal(err)
	}
	units := []workflow.Unit{workflow.UnitHours, workflow.UnitDays, workflow.UnitBusinessHours, workflow.UnitBusinessDays}
	f.Fuzz(func(t *testing.T, unix int64, unit, amount uint8, back bool) {
		from := time.Unix(unix%(1<<34), 0).UTC()
		d := workflow.Duration{Amount: int(amount%100) + 1, Unit: units[int(unit)%len(units)]}
		var got time.Time
		if back {
			got = cal.Sub(from, d)
			if !got.Before(from) {
				t.Fatalf("Sub(%s, %s) = %s, not earlier", from, d, got)
			}
		} else {
			got = cal.Add(from, d)
			if !got.After(from) {
				t.Fatalf("Add(%s, %s) = %s, not later", from, d, got)
			}
		}
		if d.Unit == workflow.UnitBusinessDays || d.Unit == workflow.UnitBusinessHours {
			if !cal.IsBusinessDay(got) {
				t.Fatalf("%s of %s from %s lands on %s, not a business day", d, map[bool]string{true: "back", false: "forward"}[back], from, got)
			}
		}
	})
}
