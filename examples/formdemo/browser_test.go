package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/internal/browsertest"
)

// TestBrowserFillsEveryStep goes through the form in headless Chromium as
// a resident would, under the page's real security headers, and runs
// axe-core on each page, styled by the design system, which hides the
// radio and checkbox inputs behind their labels, so the test clicks the
// labels as a resident does: no WCAG 2.1 A or AA violation, in English and
// Spanish, with and without the error summary.
func TestBrowserFillsEveryStep(t *testing.T) {
	b := browsertest.Start(t)

	out := &lockedBuffer{}
	h, err := newServer(out, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	ctx, cancelTimeout := context.WithTimeout(b.Ctx, 2*time.Minute)
	defer cancelTimeout()
	check := func(page string) {
		t.Helper()
		for _, v := range b.Axe(t, ctx, page) {
			t.Errorf("%s: %s", page, v)
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
	assert.Contains(t, text(`#error-summary`), "Elija al menos un objeto que recoger.")
	check("Spanish step 1 with errors")

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(`#f-itemCount`)))
	check("English step 1")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(`label[for="f-items-1"]`),
		chromedp.SendKeys(`#f-itemCount`, "12"),
		submit, chromedp.WaitVisible(`#error-summary`)))
	summary := text(`#error-summary`)
	assert.Contains(t, summary, "The number of items must be 10 or less.")
	assert.Contains(t, summary, "Select yes if any item holds refrigerant.")
	check("English step 1 with errors")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(`#f-itemCount`, "2"),
		chromedp.Click(`label[for="f-refrigerant-0"]`),
		submit, chromedp.WaitVisible(`#f-street`)))
	check("English step 2")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(`#f-street`, "12 Elm St"),
		chromedp.SendKeys(`#f-postalCode`, "12345"),
		chromedp.Click(`label[for="f-placement-1"]`),
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
