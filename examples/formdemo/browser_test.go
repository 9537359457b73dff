package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// browserTools finds headless Chromium and axe-core, or skips the test
// (fails instead when CIVICKIT_REQUIRE_BROWSER=1, as CI sets).
func browserTools(t *testing.T) (chromium, axe string) {
	t.Helper()
	missing := func(what string) {
		msg := what + "; install Debian's chromium and axe-core from npm (CIVICKIT_AXE_JS names axe.min.js) to run the browser check"
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
		candidates = append(candidates, filepath.Join(cache, "civickit", "axe-core-4.14.1", "node_modules", "axe-core", "axe.min.js"))
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

// TestBrowserFillsEveryStep goes through the form in headless Chromium as
// a resident would, under the page's real security headers, and runs
// axe-core on each page: no WCAG 2.1 A or AA violation, in English and
// Spanish, with and without the error summary.
func TestBrowserFillsEveryStep(t *testing.T) {
	chromium, axePath := browserTools(t)
	axeJS, err := os.ReadFile(axePath)
	require.NoError(t, err)

	out := &lockedBuffer{}
	h, err := newServer(out, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

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
	defer cancelAlloc()
	browser, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(browser, 2*time.Minute)
	defer cancelTimeout()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("about:blank")), "start Chromium")

	const axeRun = `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
	  .then(r => JSON.stringify({passes: r.passes.length, violations: r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.html)}))}))`
	check := func(page string) {
		t.Helper()
		require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](string(axeJS))), page)
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
		require.NoError(t, err, page)
		var res struct {
			Passes     int
			Violations []struct {
				ID, Help string
				Nodes    []string
			}
		}
		require.NoError(t, json.Unmarshal([]byte(raw), &res), page)
		require.Positive(t, res.Passes, "%s: axe ran its rules", page)
		for _, v := range res.Violations {
			t.Errorf("%s: %s (%s) on %s", page, v.ID, v.Help, strings.Join(v.Nodes, " | "))
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		require.NoError(t, err, sel)
		return s
	}
	submit := chromedp.Click(`button.usa-button`)

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/?lang=es"),
		submit, chromedp.WaitVisible(`#error-summary`)))
	assert.Contains(t, text(`#error-summary`), "Complete «Objetos que recoger».")
	check("Spanish step 1 with errors")

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(`#f-itemCount`)))
	check("English step 1")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(`#f-items-1`),
		chromedp.SendKeys(`#f-itemCount`, "12"),
		submit, chromedp.WaitVisible(`#error-summary`)))
	summary := text(`#error-summary`)
	assert.Contains(t, summary, "Number of items must be at most 10.")
	assert.Contains(t, summary, "Enter Items holding refrigerant.")
	check("English step 1 with errors")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(`#f-itemCount`, "2"),
		chromedp.Click(`#f-refrigerant-0`),
		submit, chromedp.WaitVisible(`#f-street`)))
	check("English step 2")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(`#f-street`, "12 Elm St"),
		chromedp.SendKeys(`#f-postalCode`, "12345"),
		chromedp.Click(`#f-placement-1`),
		chromedp.SendKeys(`#f-refrigerantCount`, "2"),
		submit, chromedp.WaitVisible(`#f-email`)))
	check("English step 3")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(`#f-name`, "Ana Ruiz"),
		chromedp.SendKeys(`#f-email`, "ana@example.org"),
		submit, chromedp.WaitVisible(`pre.submission`)))
	check("English confirmation")

	shown := text(`pre.submission`)
	assert.Contains(t, shown, `"name": "[redacted:identity]"`)
	assert.NotContains(t, shown, "Ana Ruiz")
	assert.JSONEq(t, `{"items": ["appliance"], "itemCount": 2, "refrigerant": true, "street": "12 Elm St",
		"postalCode": "12345", "placement": "alley", "refrigerantCount": 2, "name": "Ana Ruiz", "email": "ana@example.org"}`,
		out.String())
}
