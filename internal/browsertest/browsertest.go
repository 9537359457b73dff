// Package browsertest runs civickit's pages in headless Chromium and
// checks them with axe-core. Chromium comes from Debian's chromium package
// (or CIVICKIT_CHROMIUM), axe-core from npm (CIVICKIT_AXE_JS names its
// axe.min.js; .ci/run installs both). Where either is missing the test
// skips saying how to run it, or fails when CIVICKIT_REQUIRE_BROWSER=1, as
// CI sets.
package browsertest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Browser is a headless Chromium for one test, with axe-core at hand.
type Browser struct {
	// Ctx is the browser's context: pass it (or one derived from it) to
	// chromedp. It ends when the test does.
	Ctx context.Context
	axe []byte
}

// Violation is one accessibility rule a page breaks.
type Violation struct {
	ID, Help string
	// Nodes are the offending elements' HTML.
	Nodes []string
}

// String formats the violation for a test failure.
func (v Violation) String() string {
	return v.ID + " (" + v.Help + ") on " + strings.Join(v.Nodes, " | ")
}

// Start finds Chromium and axe-core and starts the browser with the flags
// a closed, sandboxed machine needs and a fresh profile.
func Start(t *testing.T) *Browser {
	t.Helper()
	chromium, axePath := tools(t)
	axe, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatalf("read axe-core: %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0],
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return &Browser{Ctx: ctx, axe: axe}
}

const axeRun = `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
  .then(r => JSON.stringify({passes: r.passes.length, violations: r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.html)}))}))`

// Axe runs axe-core's WCAG 2.1 A and AA rules on the page ctx shows and
// returns what the page breaks. It fails the test when axe did not run.
func (b *Browser) Axe(t *testing.T, ctx context.Context, page string) []Violation {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](string(b.axe))); err != nil {
		t.Fatalf("%s: load axe-core: %v", page, err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: run axe-core: %v", page, err)
	}
	var res struct {
		Passes     int
		Violations []Violation
	}
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		t.Fatalf("%s: read axe-core's answer: %v", page, err)
	}
	if res.Passes == 0 {
		t.Fatalf("%s: axe-core ran no rule", page)
	}
	t.Logf("%s: %d rules passed, %d violations", page, res.Passes, len(res.Violations))
	return res.Violations
}

// tools finds Chromium and axe.min.js, or skips (fails) the test.
func tools(t *testing.T) (chromium, axe string) {
	t.Helper()
	missing := func(what string) {
		msg := what + "; install Debian's chromium and axe-core from npm (CIVICKIT_AXE_JS names axe.min.js) to run the browser checks"
		if os.Getenv("CIVICKIT_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	for _, name := range []string{os.Getenv("CIVICKIT_CHROMIUM"), "chromium", "chromium-browser"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			chromium = p
			break
		}
	}
	if chromium == "" {
		missing("Chromium not found")
	}
	candidates := []string{os.Getenv("CIVICKIT_AXE_JS")}
	if cache, err := os.UserCacheDir(); err == nil {
		// where .ci/run installs it
		matches, _ := filepath.Glob(filepath.Join(cache, "civickit", "axe-core-*", "node_modules", "axe-core", "axe.min.js"))
		candidates = append(candidates, matches...)
	}
	if out, err := exec.Command("node", "-p", "require.resolve('axe-core/axe.min.js')").Output(); err == nil {
		candidates = append(candidates, strings.TrimSpace(string(out)))
	}
	if out, err := exec.Command("npm", "root", "-g").Output(); err == nil {
		candidates = append(candidates, filepath.Join(strings.TrimSpace(string(out)), "axe-core", "axe.min.js"))
	}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if _, err := os.Stat(c); err == nil {
			return chromium, c
		}
	}
	missing("axe-core not found")
	return "", ""
}
