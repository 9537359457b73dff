package workflow

import (
	"errors"
	"fmt"
	"time"
)

// Unit is the unit of a Duration.
type Unit string

// The units of a Duration.
const (
	// UnitHours counts wall-clock hours.
	UnitHours Unit = "hours"
	// UnitDays counts calendar days (same clock time, DST aware).
	UnitDays Unit = "days"
	// UnitBusinessHours counts hours within business hours on business
	// days.
	UnitBusinessHours Unit = "business-hours"
	// UnitBusinessDays counts business days, keeping the clock time.
	UnitBusinessDays Unit = "business-days"
)

// Duration is an amount of time measured on a Calendar.
type Duration struct {
	// Amount counts units, 1 to 10000.
	Amount int `json:"amount"`
	// Unit is what Amount counts.
	Unit Unit `json:"unit"`
}

// String returns e.g. "10 business-days".
func (d Duration) String() string { return fmt.Sprintf("%d %s", d.Amount, d.Unit) }

// CalendarConfig configures a Calendar. The zero value means UTC, weekends
// on Saturday and Sunday, no holidays, business hours 09:00 to 17:00.
type CalendarConfig struct {
	// Location is the time zone days and hours are counted in.
	Location *time.Location
	// Weekend lists the non-working weekdays; nil means Saturday and
	// Sunday. Use an empty, non-nil slice for a seven-day service.
	Weekend []time.Weekday
	// Holidays lists non-working dates as "2006-01-02".
	Holidays []string
	// DayStart and DayEnd bound business hours as offsets from midnight.
	DayStart, DayEnd time.Duration
}

// Calendar counts business days and hours for SLAs. It is immutable and
// safe for concurrent use.
type Calendar struct {
	loc        *time.Location
	weekend    [7]bool
	holidays   map[[3]int]bool
	start, end time.Duration
}

// NewCalendar returns the calendar cfg describes (nil: the defaults).
func NewCalendar(cfg *CalendarConfig) (*Calendar, error) {
	if cfg == nil {
		cfg = &CalendarConfig{}
	}
	c := &Calendar{loc: cfg.Location, holidays: map[[3]int]bool{}, start: cfg.DayStart, end: cfg.DayEnd}
	if c.loc == nil {
		c.loc = time.UTC
	}
	if c.start == 0 && c.end == 0 {
		c.start, c.end = 9*time.Hour, 17*time.Hour
	}
	weekend := cfg.Weekend
	if weekend == nil {
		weekend = []time.Weekday{time.Saturday, time.Sunday}
	}
	var errs []error
	for _, d := range weekend {
		if d < time.Sunday || d > time.Saturday {
			errs = append(errs, fmt.Errorf("workflow: calendar: weekday %d is not a weekday", d))
			continue
		}
		c.weekend[d] = true
	}
	if len(weekend) >= 7 && c.weekend == [7]bool{true, true, true, true, true, true, true} {
		errs = append(errs, errors.New("workflow: calendar: every day is a weekend day"))
	}
	if len(cfg.Holidays) > 10000 {
		errs = append(errs, errors.New("workflow: calendar: more than 10000 holidays"))
	}
	for _, h := range cfg.Holidays {
		t, err := time.Parse(time.DateOnly, h)
		if err != nil {
			errs = append(errs, fmt.Errorf("workflow: calendar: holiday %q is not a date like 2006-01-02", h))
			continue
		}
		c.holidays[[3]int{t.Year(), int(t.Month()), t.Day()}] = true
	}
	if c.start < 0 || c.end > 24*time.Hour || c.start >= c.end {
		errs = append(errs, fmt.Errorf("workflow: calendar: business hours %s to %s are not a time range within a day", c.start, c.end))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// IsBusinessDay reports whether t's date (in the calendar's location) is
// neither a weekend day nor a holiday.
func (c *Calendar) IsBusinessDay(t time.Time) bool {
	t = t.In(c.loc)
	if c.weekend[t.Weekday()] {
		return false
	}
	return !c.holidays[[3]int{t.Year(), int(t.Month()), t.Day()}]
}

func (c *Calendar) at(t time.Time, dayOffset int, clock time.Duration) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+dayOffset, 0, 0, 0, 0, c.loc).Add(clock)
}

// maxSteps bounds day-by-day walks; a calendar always has a business day
// within a week plus its holidays, so this is never reached in practice.
const maxSteps = 200000

// Add returns t moved forward by d. Business days keep the clock time;
// business hours only count time within business hours.
func (c *Calendar) Add(t time.Time, d Duration) time.Time { return c.move(t, d, 1) }

// Sub returns t moved back by d, as Add would move forward.
func (c *Calendar) Sub(t time.Time, d Duration) time.Time { return c.move(t, d, -1) }

func (c *Calendar) move(t time.Time, d Duration, dir int) time.Time {
	t = t.In(c.loc)
	n := d.Amount
	switch d.Unit {
	case UnitHours:
		return t.Add(time.Duration(dir*n) * time.Hour)
	case UnitDays:
		return t.AddDate(0, 0, dir*n)
	case UnitBusinessDays:
		clock := t.Sub(c.at(t, 0, 0))
		for i := 0; n > 0 && i < maxSteps; i++ {
			t = c.at(t, dir, clock)
			if c.IsBusinessDay(t) {
				n--
			}
		}
		return t
	case UnitBusinessHours:
		remaining := time.Duration(n) * time.Hour
		for i := 0; i < maxSteps; i++ {
			start, end := c.at(t, 0, c.start), c.at(t, 0, c.end)
			if dir > 0 {
				if !c.IsBusinessDay(t) || !t.Before(end) {
					t = c.at(t, 1, c.start)
					continue
				}
				if t.Before(start) {
					t = start
				}
				if avail := end.Sub(t); remaining <= avail {
					return t.Add(remaining)
				} else {
					remaining -= avail
				}
				t = c.at(t, 1, c.start)
			} else {
				if !c.IsBusinessDay(t) || !t.After(start) {
					t = c.at(t, -1, c.end)
					continue
				}
				if t.After(end) {
					t = end
				}
				if avail := t.Sub(start); remaining <= avail {
					return t.Add(-remaining)
				} else {
					remaining -= avail
				}
				t = c.at(t, -1, c.end)
			}
		}
		return t
	}
	return t
}
