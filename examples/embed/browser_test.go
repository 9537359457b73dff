package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/internal/browsertest"
)

// screenshotDir holds the pages' screenshots; git ignores it.
const screenshotDir = "testdata/screenshots"

// TestBrowserPagesAreAccessible uses the example in headless Chromium as a
// resident and a staff member would, and runs axe-core's WCAG 2.1 A and
// AA rules on every page it draws, styled by the vendored design system:
// the form in English and Spanish, both with errors, the confirmation,
// the staff queue before and after an action, and the error page of an
// action on a case that changed. A screenshot of each is saved under
// testdata/screenshots.
func TestBrowserPagesAreAccessible(t *testing.T) {
	b := browsertest.Start(t)
	s := start(t)
	require.NoError(t, os.MkdirAll(screenshotDir, 0o755))
	ctx, cancel := context.WithTimeout(b.Ctx, 2*time.Minute)
	defer cancel()

	check := func(name string) {
		t.Helper()
		font, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.body).fontFamily`))
		require.NoError(t, err, name)
		assert.Contains(t, font, "Source Sans Pro", "%s: the design system's stylesheet applies", name)
		for _, v := range b.Axe(t, ctx, name) {
			t.Errorf("%s: %s", name, v)
		}
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		require.NoError(t, err, name)
		require.NoError(t, os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644))
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		require.NoError(t, err, sel)
		return s
	}
	submit := chromedp.Click(`main button[type="submit"]`)
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1024, 900)))

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.app.URL+"/"), chromedp.WaitVisible(`#f-location`)))
	check("form-en")
	require.NoError(t, chromedp.Do(ctx, submit, chromedp.WaitVisible(`#error-summary`)))
	assert.Contains(t, text(`#error-summary`), "Enter where the streetlight is.")
	check("form-en-errors")

	require.NoError(t, chromedp.Do(ctx, chromedp.Click(`a[hreflang="es"]`), chromedp.WaitVisible(`#f-location`)))
	assert.Contains(t, text(`h1`), "Reportar una farola rota")
	check("form-es")
	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(`#f-details`, "Parpadea toda la noche"), submit, chromedp.WaitVisible(`#error-summary`)))
	assert.Contains(t, text(`#error-summary`), "Indique dónde está la farola.")
	details, err := chromedp.Run(ctx, chromedp.Value(`#f-details`))
	require.NoError(t, err)
	assert.Equal(t, "Parpadea toda la noche", details, "what the resident typed is kept")
	check("form-es-errors")

	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(`#f-location`, "Calle Olmo 12"), submit, chromedp.WaitVisible(`.usa-alert--success`)))
	assert.Contains(t, text(`main`), "Solicitud recibida")
	check("received-es")
	cases := s.cases(t)
	require.Len(t, cases, 1)
	id := cases[0].ID

	// staff sign in on the development provider's page and work the queue
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.app.URL+"/queue/"),
		chromedp.Click(chromedp.CSS(`form:has(input[name="account"][value="staff"]) button`)),
		chromedp.WaitVisible(`table.usa-table`)))
	assert.Contains(t, text(`table.usa-table`), id)
	check("queue")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form[action$="/start"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/finish"]`))))
	assert.Contains(t, text(`table.usa-table`), "Being repaired")
	check("queue-after-action")

	// a page still showing version 1 acts on the case: refused
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const f = document.querySelector('form[action$="/finish"]');
		f.querySelector('input[name="version"]').value = '1';
		f.submit();
		return true;
	})()`))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(`.usa-alert--error`)))
	assert.Contains(t, text(`main`), "The record was changed by someone else")
	check("queue-conflict")
}
