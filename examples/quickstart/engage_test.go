package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/feedback"
	"github.com/civickit/civickit/workflow"
)

// TestTemplatesCoverTheWorkflow checks that every template the permit
// workflow notifies with is loaded for email, next to the SDK's own, and
// renders the engine's message data.
func TestTemplatesCoverTheWorkflow(t *testing.T) {
	t.Parallel()
	reg, err := loadForms(t.Context())
	require.NoError(t, err)
	w, err := permitWorkflow(reg)
	require.NoError(t, err)
	names := notificationTemplates(w.Definition())
	assert.Equal(t, []string{"permit-approved", "permit-in-review", "permit-info-requested", "permit-received", "permit-rejected", "screening-due-soon"}, names)
	ts, err := loadTemplates(w)
	require.NoError(t, err)
	for _, name := range append(names, feedback.SurveyTemplate, feedback.OfficialUpdateTemplate) {
		assert.Contains(t, ts.Channels(name), adapters.ChannelEmail, name)
	}
	for _, tc := range []struct{ name, recipient, subject string }{
		{name: "submitter", recipient: string(workflow.ToSubmitter), subject: "Your building permit is approved"},
		{name: "subscriber", recipient: string(workflow.ToSubscribers), subject: "A building permit you follow is approved"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := adapters.Message{ID: "c/5/0", Template: "permit-approved",
				Data: []byte(`{"type":"building-permit","state":"approved","previousState":"in-review","trigger":"approve","recipient":"` + tc.recipient + `"}`)}
			r, err := ts.Render(m, adapters.ChannelEmail, "en-GB")
			require.NoError(t, err)
			assert.Equal(t, "en", r.Locale)
			assert.Equal(t, tc.subject, r.Subject)
		})
	}
}

func TestSurveyToken(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, text, want string }{
		{name: "link on its own line", text: "Please tell us.\n\n" + surveyURL + "?t=abc.def%2B1\n", want: "abc.def+1"},
		{name: "link at the end", text: "Tell us: " + surveyURL + "?t=xyz", want: "xyz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := surveyToken(tc.text)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := surveyToken("no link here")
	assert.Error(t, err)
}
