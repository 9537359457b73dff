package feedback_test

import (
	"testing"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/feedback"
)

// A realistic workflow notification: an email with a subject, a text
// and an HTML part, several placeholders, a condition and a date.
var benchFiles = map[string]string{
	"permit-review/email.en.txt": `Subject: Your {{.type}} request is now {{.state}}

Hello,

Your {{.type}} request moved from {{.previousState}} to {{.state}} ({{.trigger}}).
{{if .due}}We will get back to you by {{date .due}}.{{end}}

You are receiving this message as the {{.recipient}} of the request.
`,
	"permit-review/email.en.html": `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Your {{.type}} request is now {{.state}}</title></head>
<body>
<p>Hello,</p>
<p>Your <strong>{{.type}}</strong> request moved from {{.previousState}} to <strong>{{.state}}</strong> ({{.trigger}}).</p>
{{if .due}}<p>We will get back to you by {{date .due}}.</p>{{end}}
<p><a href="https://city.example/requests?type={{.type}}&amp;state={{.state}}">See your request</a></p>
<p>You are receiving this message as the {{.recipient}} of the request.</p>
</body>
</html>
`,
}

func BenchmarkRenderNotification(b *testing.B) {
	ts, err := feedback.LoadTemplates(mapFS(benchFiles), &feedback.TemplatesConfig{
		OtherFields: []string{"type", "state", "previousState", "trigger", "recipient", "due"}})
	if err != nil {
		b.Fatal(err)
	}
	m := adapters.Message{ID: "c1/3/0", Template: "permit-review", Locale: "en-US",
		Data: []byte(`{"type":"deck-permit","state":"in-review","previousState":"submitted","trigger":"accept","recipient":"submitter","due":"2026-03-13T17:00:00Z"}`)}
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		r, err := ts.Render(m, "email", m.Locale)
		if err != nil || r.HTML == "" {
			b.Fatal(err)
		}
	}
}
