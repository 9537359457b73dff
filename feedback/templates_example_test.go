package feedback_test

import (
	"errors"
	"fmt"
	"testing/fstest"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/feedback"
)

// A city's own template for a workflow notification, layered over the
// shipped set, rendered for a Mexican Spanish reader who gets the
// Spanish version; the applicant's name is personal data that only
// letters may carry.
func ExampleLoadTemplates() {
	city := fstest.MapFS{
		"permit-approved/sms.en.txt":    {Data: []byte("{{.name}}, your {{.type}} permit is {{.state}}. Decided {{date .decided}}.\n")},
		"permit-approved/sms.es.txt":    {Data: []byte("{{.name}}, su permiso de {{.type}} está {{.state}}. Resuelto el {{date .decided}}.\n")},
		"permit-approved/letter.en.txt": {Data: []byte("Subject: Your {{.type}} permit\n\nDear {{.name}},\n\nYour permit is {{.state}}.\n")},
	}
	ts, err := feedback.LoadTemplates(feedback.Overlay(feedback.DefaultTemplates(), city), &feedback.TemplatesConfig{
		Fields:      map[string][]string{"permit-approved": {"name", "type", "state", "decided"}},
		PII:         []string{"name"},
		PIIChannels: []string{"letter"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	m := adapters.Message{ID: "c1/4/0", Template: "permit-approved",
		Data: []byte(`{"name":"Ana","type":"deck","state":"approved","decided":"2026-03-02T15:00:00Z"}`)}
	for _, ch := range []string{"sms", "letter"} {
		r, err := ts.Render(m, ch, "es-MX")
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s (%s): %s %q\n", ch, r.Locale, r.Subject, r.Text)
	}
	_, err = ts.Render(m, "email", "en")
	fmt.Println("email:", errors.Is(err, feedback.ErrNoTemplate))
	// Output:
	// sms (es):  "[redacted], su permiso de deck está approved. Resuelto el 2 de marzo de 2026."
	// letter (en): Your deck permit "Dear Ana,\n\nYour permit is approved.\n"
	// email: true
}
