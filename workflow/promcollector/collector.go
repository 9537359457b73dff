// Package promcollector exports workflow service metrics to Prometheus: open
// cases per state, time to close, SLA breaches and volumes per intake
// channel, per case type. It lives apart from package workflow so that the
// core does not depend on Prometheus.
//
// Each scrape asks the source (a *workflow.Engine) for fresh metrics, which
// the store computes with aggregates; nothing is cached.
//
// # Errors
//
// A failing source makes the scrape report an invalid metric for the case
// type, which the Prometheus registry turns into a scrape error; the other
// types are still reported.
//
// # Concurrency
//
// A Collector is safe for concurrent scrapes.
package promcollector

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/civickit/civickit/workflow"
)

// Source supplies metrics; *workflow.Engine implements it.
type Source interface {
	// Types lists the case types to report.
	Types() []string
	// Metrics computes the metrics of the cases q selects.
	Metrics(ctx context.Context, q workflow.MetricsQuery) (workflow.Metrics, error)
}

// Config configures a Collector. A nil *Config means every default.
type Config struct {
	// Namespace prefixes metric names; empty means "civickit".
	Namespace string
	// Timeout bounds one scrape; 0 means ten seconds.
	Timeout time.Duration
	// Window, if positive, restricts the metrics to cases opened within
	// it before the scrape (e.g. 30 days); 0 means every case.
	Window time.Duration
	// Now is the clock used for Window; nil means time.Now.
	Now func() time.Time
}

// Validate reports every problem of the configuration.
func (c *Config) Validate() error {
	var errs []error
	if c.Timeout < 0 {
		errs = append(errs, errors.New("prometheus: timeout is negative"))
	}
	if c.Window < 0 {
		errs = append(errs, errors.New("prometheus: window is negative"))
	}
	return errors.Join(errs...)
}

// Collector is a prometheus.Collector of workflow metrics.
type Collector struct {
	src Source
	cfg Config

	open, closed, channel, ttc, breached, breachRate, online, partial *prometheus.Desc
}

// New returns a collector reading src.
func New(src Source, cfg *Config) (*Collector, error) {
	if src == nil {
		return nil, errors.New("prometheus: source is nil")
	}
	if cfg == nil {
		cfg = &Config{}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Collector{src: src, cfg: *cfg}
	if c.cfg.Namespace == "" {
		c.cfg.Namespace = "civickit"
	}
	if c.cfg.Timeout == 0 {
		c.cfg.Timeout = 10 * time.Second
	}
	if c.cfg.Now == nil {
		c.cfg.Now = time.Now
	}
	ns := c.cfg.Namespace
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(ns, "workflow", name), help, append([]string{"type"}, labels...), nil)
	}
	c.open = desc("open_cases", "Open cases per state.", "state")
	c.closed = desc("closed_cases", "Closed cases.")
	c.channel = desc("cases_by_channel", "Cases per intake channel.", "channel")
	c.ttc = desc("time_to_close_seconds", "Time from opening to closing a case, nearest-rank quantiles over closed cases.", "quantile")
	c.breached = desc("sla_breached_cases", "Cases closed after their due time or still open past it.")
	c.breachRate = desc("sla_breach_ratio", "Breached cases over all cases.")
	c.online = desc("online_share_ratio", "Share of cases that came in through an online channel.")
	c.partial = desc("metrics_partial", "1 when the store cannot compute full metrics.")
	return c, nil
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.open, c.closed, c.channel, c.ttc, c.breached, c.breachRate, c.online, c.partial} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.Timeout)
	defer cancel()
	var q workflow.MetricsQuery
	if c.cfg.Window > 0 {
		q.From = c.cfg.Now().Add(-c.cfg.Window)
	}
	for _, t := range c.src.Types() {
		q.Type = t
		m, err := c.src.Metrics(ctx, q)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(c.open, err)
			continue
		}
		gauge := func(d *prometheus.Desc, v float64, labels ...string) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append([]string{t}, labels...)...)
		}
		for state, n := range m.OpenByState {
			gauge(c.open, float64(n), state)
		}
		partial := 0.0
		if m.Partial {
			partial = 1
		}
		gauge(c.partial, partial)
		gauge(c.closed, float64(m.Closed))
		if m.Partial {
			continue
		}
		for channel, n := range m.ByChannel {
			gauge(c.channel, float64(n), channel)
		}
		gauge(c.ttc, m.MedianTimeToClose.Seconds(), "0.5")
		gauge(c.ttc, m.P90TimeToClose.Seconds(), "0.9")
		gauge(c.breached, float64(m.Breached))
		gauge(c.breachRate, m.BreachRate)
		gauge(c.online, m.OnlineShare)
	}
}
