package main

import (
	"bytes"
	"context"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunSendsByEmailAndTakesAFormByText(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	got := out.String()
	for _, want := range []string{
		// Email out through the SMTP server, each with a signed Reply-To.
		`  email to ana@example.org: "We received your streetlight report [#`,
		`  email to ana@example.org: "A repair of the streetlight is scheduled [#`,
		"    reply-to replies+",
		// The email reply, its quoted history trimmed, is a comment.
		`by ana via email: "The light is behind the bus shelter."`,
		// The form asked by text, with numbered choices, a refused answer
		// and the form's own error, an optional question and a summary.
		"ben> light\n  city> Report a streetlight problem\n",
		"  city> 1. It is out\n  city> 2. It flickers\n  city> 3. It is on during the day\n",
		"ben> 4\n  city> Select one of the options.\n",
		"ben> 1\n  city> Where is the light?\n",
		"  city> (optional, reply SKIP)\n",
		"  city> 2. Where is the light? Oak Rd by the library\n",
		"ben> YES\n",
		`on channel sms: {"location":"Oak Rd by the library","problem":"out"}`,
		// The case's updates come back by text.
		"  city> City of Springfield: a repair of the streetlight you reported is scheduled.\n",
		"  city> City of Springfield: the streetlight you reported is fixed. Thank you!\n",
	} {
		assert.Contains(t, got, want)
	}
	assert.NotContains(t, got, "wrote:", "quoted history is trimmed from the reply")
	ref := regexp.MustCompile(`Its reference is ([0-9a-f]+):`).FindStringSubmatch(got)
	require.Len(t, ref, 2, "the last text gives the case reference")
	assert.Contains(t, got, "case "+ref[1][:8]+" opened by sms:+12025550143 on channel sms")
}
