package adapters_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/civickit/civickit/adapters"
)

func TestPeopleRecordsValidate(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	person := adapters.Person{ID: "r1", Channels: []string{"sms"}, Addresses: map[string]string{"sms": "+15555550100"}, UpdatedAt: at}
	confirm := adapters.Message{ID: "m1", IdempotencyKey: "m1", Channel: "sms", CreatedAt: at}
	tests := []struct {
		name   string
		err    error
		errors int
	}{
		{"person", person.Validate(), 0},
		{"person with every problem", adapters.Person{
			ID: strings.Repeat("x", adapters.MaxPersonIDLen+1), Channels: []string{"", "sms", "sms"},
			Addresses: map[string]string{"": "a"}, QuietStart: -1,
		}.Validate(), 6},
		{"too many channels", adapters.Person{ID: "r", Channels: make([]string, adapters.MaxPersonChannels+1), UpdatedAt: at}.Validate(), 1},
		{"consent", adapters.Consent{Channel: "sms", Address: "+15555550100", Via: "web", At: at}.Validate(), 0},
		{"consent with every problem", adapters.Consent{Person: strings.Repeat("p", adapters.MaxPersonIDLen+1), Words: strings.Repeat("w", adapters.MaxWordsLen+1)}.Validate(), 6},
		{"opt-out", adapters.OptOutChange{Channel: "sms", Address: "+15555550100", Out: true, Via: "keyword", At: at, Confirmation: confirm}.Validate(), 0},
		{"opt-out with a bad confirmation", adapters.OptOutChange{Channel: "sms", Address: "+1", Via: "keyword", At: at, Confirmation: adapters.Message{ID: "m"}}.Validate(), 2},
		{"opt-out with every problem", adapters.OptOutChange{Channel: strings.Repeat("c", adapters.MaxChannelLen+1), Via: strings.Repeat("v", adapters.MaxViaLen+1)}.Validate(), 4},
		{"person ids", adapters.ValidatePersonIDs([]string{"a", "b"}), 0},
		{"empty person id", adapters.ValidatePersonIDs([]string{"a", ""}), 1},
		{"too many person ids", adapters.ValidatePersonIDs(make([]string, adapters.MaxClaim+1)), 1},
		{"reach", adapters.ValidateReach("sms", []string{"+15555550100"}), 0},
		{"reach without channel", adapters.ValidateReach("", []string{""}), 2},
		{"reach of too many", adapters.ValidateReach("sms", make([]string, adapters.MaxClaim+1)), 1},
		{"channel and address", adapters.ValidateChannelAddress("sms", strings.Repeat("1", adapters.MaxAddressLen+1)), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.errors == 0 {
				assert.NoError(t, tt.err)
				return
			}
			assert.ErrorIs(t, tt.err, adapters.ErrInvalidArgument)
			assert.Equal(t, tt.errors, strings.Count(tt.err.Error(), adapters.ErrInvalidArgument.Error()), "every problem is reported once: %v", tt.err)
		})
	}
}
