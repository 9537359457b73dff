package forms

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// loadPermit returns the 25-field permit form from testdata.
func loadPermit(tb testing.TB) *Form {
	tb.Helper()
	data, err := os.ReadFile("testdata/forms/permit.json")
	require.NoError(tb, err)
	r, err := NewRegistry(nil)
	require.NoError(tb, err)
	f, err := r.Load(context.Background(), "permit.json", data)
	require.NoError(tb, err)
	return f
}

// validPermit is a complete, valid permit submission with 25 fields.
const validPermit = `{
  "applicant": {"firstName": "Ana", "lastName": "García", "email": "ana@example.org", "phone": "+1 555 123 4567"},
  "applicantType": "business",
  "businessName": "García Builders",
  "licenseNumber": "BL-123456",
  "site": {"street": "12 Main Street", "city": "Springfield", "postalCode": "12345"},
  "parcelNumber": "123-456-789",
  "ownerConsent": true,
  "workType": "addition",
  "description": "Add a room at the back of the house.",
  "startDate": "2026-03-01",
  "endDate": "2026-06-30",
  "estimatedCost": 45000.50,
  "floors": 2,
  "areaSqFt": 320,
  "contractorUsed": true,
  "contractorName": "Bob's Carpentry",
  "trades": ["electrical", "structural"],
  "demolition": true,
  "asbestos": false,
  "notes": "Weekday work only.",
  "agree": true
}`

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
