package twilio_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/adapters/twilio"
	"github.com/civickit/civickit/feedback"
)

// With the feedback package's Inbound behind it, a STOP texted to the
// webhook opts the number out, START opts it in again, and a replay of
// the old STOP is refused before it can opt the number out once more.
func TestInboundWithFeedbackOptWords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := memory.New()
	prefs, err := feedback.NewPreferences(store, nil)
	require.NoError(t, err)
	comments, err := feedback.NewComments(store, nil)
	require.NoError(t, err)
	in, err := feedback.NewInbound(store, prefs, comments, nil)
	require.NoError(t, err)
	h, err := twilio.NewInboundHandler(in, store, hookConfig(func(c *twilio.WebhookConfig) { c.Once = store }))
	require.NoError(t, err)
	optedOut := func() bool {
		reach, err := store.Reach(ctx, "sms", []string{"+12025550142"})
		require.NoError(t, err)
		return reach["+12025550142"].OptedOut
	}

	stop := incoming(smsSID(500), "STOP")
	require.Equal(t, http.StatusOK, post(h, "/twilio/sms", stop, hookToken).Code)
	assert.True(t, optedOut(), "STOP opts the sender out")
	require.Equal(t, http.StatusOK, post(h, "/twilio/sms", incoming(smsSID(501), "START"), hookToken).Code)
	assert.False(t, optedOut(), "START opts the sender in again")
	assert.Equal(t, http.StatusForbidden, post(h, "/twilio/sms", stop, hookToken).Code, "the replayed STOP is refused")
	assert.False(t, optedOut(), "and changes nothing")
}
