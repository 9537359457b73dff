package feedback_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
)

func TestSurveyHandler(t *testing.T) {
	t.Parallel()
	store := storeImpls[0].open(t)
	f := newSurveyFixture(t, store)
	c := f.closedCase(t)
	token := f.surveyToken(t, c.ID)
	h := f.surveys.Handler()
	ctx := context.Background()

	get := func(q string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/survey?"+q, nil))
		return w
	}
	post := func(form url.Values) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/survey?t="+url.QueryEscape(token), strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	t.Run("the form is accessible", func(t *testing.T) {
		w := get("t=" + url.QueryEscape(token))
		require.Equal(t, http.StatusOK, w.Code)
		body := w.Body.String()
		for _, want := range []string{
			`<html lang="en">`, `<fieldset`, `<legend>How satisfied`, `<legend>Was your issue resolved?</legend>`,
			`<input type="radio" id="rating-1" name="rating" value="1" required>`, `<label for="rating-5">5</label>`,
			`<label for="resolved-yes">Yes</label>`, `<label for="comment">`, `maxlength="2000"`, `<form method="post">`,
		} {
			assert.Contains(t, body, want)
		}
		assert.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"))
		assert.Equal(t, "no-referrer", w.Header().Get("Referrer-Policy"), "the token in the URL never leaks through a referrer")
		assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	})

	t.Run("a bad link is a 404 page", func(t *testing.T) {
		for _, q := range []string{"", "t=nope", "t=" + url.QueryEscape(token[:len(token)-3])} {
			w := get(q)
			assert.Equal(t, http.StatusNotFound, w.Code, q)
			assert.Contains(t, w.Body.String(), "not valid or has expired")
		}
	})

	t.Run("an answer out of range is shown again, escaped, and not recorded", func(t *testing.T) {
		w := post(url.Values{"t": {token}, "rating": {"9"}, "resolved": {"no"}, "comment": {`<script>alert(1)</script>`}})
		require.Equal(t, http.StatusUnprocessableEntity, w.Code)
		body := w.Body.String()
		assert.Contains(t, body, `role="alert"`)
		assert.Contains(t, body, `id="rating-error"`)
		assert.Contains(t, body, "&lt;script&gt;alert(1)&lt;/script&gt;")
		assert.NotContains(t, body, "<script>")
		assert.Contains(t, body, `value="no" checked`)
		_, err := store.GetSurveyResponse(ctx, c.ID)
		require.ErrorIs(t, err, adapters.ErrNotFound)
	})

	t.Run("a body too large is refused", func(t *testing.T) {
		w := post(url.Values{"t": {token}, "rating": {"3"}, "comment": {strings.Repeat("x", 20<<10)}})
		assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
		_, err := store.GetSurveyResponse(ctx, c.ID)
		require.ErrorIs(t, err, adapters.ErrNotFound)
	})

	t.Run("a post with a bad token is a 404 page", func(t *testing.T) {
		w := post(url.Values{"t": {"forged"}, "rating": {"5"}})
		assert.Equal(t, http.StatusNotFound, w.Code)
	})

	t.Run("an answer is recorded once", func(t *testing.T) {
		w := post(url.Values{"t": {token}, "rating": {"5"}, "resolved": {"yes"}, "comment": {"Thanks!"}})
		require.Equal(t, http.StatusOK, w.Code)
		assert.Contains(t, w.Body.String(), "Your answer has been recorded")
		got, err := store.GetSurveyResponse(ctx, c.ID)
		require.NoError(t, err)
		assert.Equal(t, 5, got.Rating)
		require.NotNil(t, got.Resolved)
		assert.True(t, *got.Resolved)
		assert.Equal(t, "Thanks!", got.Comment)

		w = post(url.Values{"t": {token}, "rating": {"1"}})
		assert.Equal(t, http.StatusConflict, w.Code)
		assert.Contains(t, w.Body.String(), "already answered")
		w = get("t=" + url.QueryEscape(token))
		assert.Equal(t, http.StatusOK, w.Code)
		assert.Contains(t, w.Body.String(), "already answered")
		assert.NotContains(t, w.Body.String(), "<form")
	})

	t.Run("other methods are refused", func(t *testing.T) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPut, "/survey", nil))
		assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
		assert.Equal(t, "GET, HEAD, POST", w.Header().Get("Allow"))
	})
}
