package casework_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/internal/browsertest"
)

// screenshotDir holds the pages' screenshots; git ignores it.
const screenshotDir = "testdata/screenshots"

// TestBrowserFilesPageIsAccessible draws a case's files in headless
// Chromium, styled by the vendored design system, and runs axe-core's
// WCAG 2.1 A and AA rules on it: the list with a file in each state in
// English and Spanish, a case without files, and the answer to a case
// that is not the reader's. It follows the page's download link in the
// browser, and saves a screenshot of each page under
// testdata/screenshots.
func TestBrowserFilesPageIsAccessible(t *testing.T) {
	b := browsertest.Start(t)
	fw := newFileWorld(t)
	cf := fw.caseWithFiles(t)
	empty := fw.report(t, resident)
	other := fw.report(t, neighbour)

	mux := http.NewServeMux()
	mux.Handle("/assets/", http.StripPrefix("/assets/", forms.Assets()))
	mux.Handle("/cases/", fw.handler(t, resident))
	mux.Handle("/files/", fw.docs.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	require.NoError(t, os.MkdirAll(screenshotDir, 0o755))

	ctx, cancel := context.WithTimeout(b.Ctx, 2*time.Minute)
	defer cancel()
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1024, 900)))
	for _, p := range []struct{ name, path, wait string }{
		{"files-en", "/cases/" + cf.c.ID, "table.usa-table"},
		{"files-es", "/cases/" + cf.c.ID + "?lang=es", "table.usa-table"},
		{"files-none", "/cases/" + empty.ID, "main p"},
		{"files-not-found", "/cases/" + other.ID, ".usa-alert--error"},
	} {
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+p.path), chromedp.WaitVisible(p.wait)), p.name)
		font, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.body).fontFamily`))
		require.NoError(t, err, p.name)
		assert.Contains(t, font, "Source Sans Pro", "%s: the design system's stylesheet applies", p.name)
		for _, v := range b.Axe(t, ctx, p.name) {
			t.Errorf("%s: %s", p.name, v)
		}
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		require.NoError(t, err, p.name)
		require.NoError(t, os.WriteFile(filepath.Join(screenshotDir, p.name+".png"), png, 0o644))
	}

	// the page's link, fetched as the browser would, serves the file
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/cases/"+cf.c.ID), chromedp.WaitVisible("table.usa-table")))
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelectorAll('a.usa-link[href^="/files/"]')[0].href).then(r => r.text())`,
		chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, string(cf.textBody), got)
}
