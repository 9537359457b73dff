// Command peerbench compares the throughput of civickit's outbox delivery
// with River's (github.com/riverqueue/river), a job queue on PostgreSQL,
// on the same server: no-op work, a given number of workers, messages
// (jobs) per second from start until every pre-inserted item is completed.
//
// Rounds alternate between the two systems at each worker count (River,
// civickit, River, ...). Each round gets fresh schemas and a fresh pool of
// the same size for both, pre-inserts -n items (not timed), starts the
// workers, stops the clock when all are completed, then stops and drops
// the schema. It prints the machine, every round, and a table of the
// medians.
//
// It is a module of its own so that River stays out of civickit's
// dependencies; see README.md.
//
//	go run . -workers 4,16,64 -rounds 5 -n 20000
package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The server is the one civickit's tests use.
const (
	urlEnv     = "CIVICKIT_TEST_POSTGRES_URL"
	defaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
)

// Bounds on the flags, so a typo cannot flood a shared server.
const (
	maxWorkers = 512
	maxRounds  = 100
	maxItems   = 1_000_000
)

// The systems, in the order each round pair runs them.
const (
	systemRiver    = "River"
	systemCivickit = "civickit"
)

type options struct {
	url     string
	workers []int
	rounds  int
	n       int
	conns   int
	timeout time.Duration
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "peerbench:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	opts, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	if err := printMachine(ctx, stdout, opts); err != nil {
		return err
	}
	results := map[string]map[int][]float64{systemRiver: {}, systemCivickit: {}}
	for _, workers := range opts.workers {
		for round := 1; round <= opts.rounds; round++ {
			for _, system := range []string{systemRiver, systemCivickit} {
				elapsed, err := runRound(ctx, opts, system, workers, logger)
				if err != nil {
					return fmt.Errorf("%s, %d workers, round %d: %w", system, workers, round, err)
				}
				rate := float64(opts.n) / elapsed.Seconds()
				results[system][workers] = append(results[system][workers], rate)
				fmt.Fprintf(stdout, "round %d  workers %3d  %-8s  %8.0f msgs/s  (%s)\n",
					round, workers, system, rate, elapsed.Round(time.Millisecond))
			}
		}
	}
	fmt.Fprintf(stdout, "\nload average at the end: %s\n", loadAverage())
	printTable(stdout, opts, results)
	return nil
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("peerbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := cmp.Or(os.Getenv(urlEnv), defaultURL)
	opts := options{}
	workers := fs.String("workers", "4,16,64", "comma-separated worker counts")
	fs.IntVar(&opts.rounds, "rounds", 5, "rounds per system at each worker count")
	fs.IntVar(&opts.n, "n", 20000, "messages (jobs) pre-inserted per round")
	fs.IntVar(&opts.conns, "conns", 0, "pool size for each round, the same for both systems (0: workers+4)")
	fs.DurationVar(&opts.timeout, "timeout", 5*time.Minute, "limit on one round")
	fs.StringVar(&opts.url, "url", url, "PostgreSQL URL (default from "+urlEnv+")")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if opts.workers, err = parseWorkers(*workers); err != nil {
		return options{}, err
	}
	var errs []error
	if opts.rounds < 1 || opts.rounds > maxRounds {
		errs = append(errs, fmt.Errorf("-rounds %d: want 1..%d", opts.rounds, maxRounds))
	}
	if opts.n < 1 || opts.n > maxItems {
		errs = append(errs, fmt.Errorf("-n %d: want 1..%d", opts.n, maxItems))
	}
	if opts.conns < 0 || opts.conns > maxWorkers {
		errs = append(errs, fmt.Errorf("-conns %d: want 0..%d", opts.conns, maxWorkers))
	}
	if opts.timeout <= 0 {
		errs = append(errs, fmt.Errorf("-timeout %s: want a positive duration", opts.timeout))
	}
	return opts, errors.Join(errs...)
}

// parseWorkers reads a list such as "4,16,64": distinct counts in
// 1..maxWorkers, kept in the order given.
func parseWorkers(s string) ([]int, error) {
	var out []int
	for field := range strings.SplitSeq(s, ",") {
		w, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || w < 1 || w > maxWorkers {
			return nil, fmt.Errorf("-workers %q: %q is not a count in 1..%d", s, field, maxWorkers)
		}
		if slices.Contains(out, w) {
			return nil, fmt.Errorf("-workers %q: %d given twice", s, w)
		}
		out = append(out, w)
	}
	return out, nil
}

// runRound gives one system a fresh pool and schema for one round and
// drops the schema afterwards, whatever happened.
func runRound(ctx context.Context, opts options, system string, workers int, logger *slog.Logger) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, opts.timeout)
	defer cancel()
	pool, err := newPool(ctx, opts.url, cmp.Or(opts.conns, workers+4))
	if err != nil {
		return 0, err
	}
	defer pool.Close()
	schema := newSchemaName(system)
	defer func() {
		dropCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if _, err := pool.Exec(dropCtx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			logger.Error("drop schema", "schema", schema, "err", err)
		}
	}()
	if system == systemRiver {
		return riverRound(ctx, pool, schema, opts.n, workers, logger)
	}
	return civickitRound(ctx, pool, schema, opts.n, workers, logger)
}

func newPool(ctx context.Context, url string, conns int) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse PostgreSQL URL: %w", err)
	}
	cfg.MaxConns = int32(conns)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", cfg.ConnConfig.Host, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s: %w", cfg.ConnConfig.Host, err)
	}
	return pool, nil
}

// newSchemaName is a schema no other run uses: peerbench_<system>_<random>.
func newSchemaName(system string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "peerbench_" + strings.ToLower(system) + "_" + hex.EncodeToString(b)
}

func printMachine(ctx context.Context, w io.Writer, opts options) error {
	pool, err := newPool(ctx, opts.url, 1)
	if err != nil {
		return err
	}
	defer pool.Close()
	var pgVersion, syncCommit string
	if err := pool.QueryRow(ctx, "SELECT version(), current_setting('synchronous_commit')").Scan(&pgVersion, &syncCommit); err != nil {
		return fmt.Errorf("read server version: %w", err)
	}
	fmt.Fprintf(w, "machine     %d CPUs, %s/%s, %s, load average %s\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), loadAverage())
	fmt.Fprintf(w, "postgres    %s (synchronous_commit=%s)\n", pgVersion, syncCommit)
	fmt.Fprintf(w, "modules     %s\n", moduleVersions("github.com/riverqueue/river", "github.com/jackc/pgx/v5"))
	fmt.Fprintf(w, "river       FetchCooldown=%s FetchPollInterval=%s MaxWorkers=workers, one queue\n", riverFetchCooldown, riverFetchPollInterval)
	fmt.Fprintf(w, "civickit    feedback.Dispatcher Workers=workers Batch=%d PollInterval=%s Lease=%s, batched marks, %d people, template %q\n",
		civickitBatch, civickitPollInterval, civickitLease, civickitPeople, benchTemplate)
	conns := "workers+4"
	if opts.conns > 0 {
		conns = strconv.Itoa(opts.conns)
	}
	fmt.Fprintf(w, "run         n=%d per round, %d rounds per system, pool of %s connections\n\n", opts.n, opts.rounds, conns)
	return nil
}

// loadAverage is the first three fields of /proc/loadavg, or "unknown"
// where there is none: other work on the machine moves the figures.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// moduleVersions names the versions of the modules built in.
func moduleVersions(paths ...string) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	var out []string
	for _, dep := range info.Deps {
		if slices.Contains(paths, dep.Path) {
			out = append(out, dep.Path+" "+dep.Version)
		}
	}
	return strings.Join(out, ", ")
}

func printTable(w io.Writer, opts options, results map[string]map[int][]float64) {
	fmt.Fprintf(w, "median of %d rounds, %d items per round\n\n", opts.rounds, opts.n)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workers\tRiver msgs/s\tcivickit msgs/s\tcivickit / River\t")
	for _, workers := range opts.workers {
		r := median(results[systemRiver][workers])
		c := median(results[systemCivickit][workers])
		fmt.Fprintf(tw, "%d\t%.0f\t%.0f\t%.2f\t\n", workers, r, c, c/r)
	}
	_ = tw.Flush()
}

// median of xs; zero for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	mid := len(s) / 2
	if len(s)%2 == 1 {
		return s[mid]
	}
	return (s[mid-1] + s[mid]) / 2
}
