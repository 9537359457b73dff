package feedback_test

import (
	"bytes"
	"encoding/json"
	htmltemplate "html/template"
	"strings"
	"testing"
	texttemplate "text/template"
	"time"

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

// BenchmarkRenderNotification renders benchFiles' email. "raw" is the
// floor on the same machine in the same run: the same files parsed
// straight into text/template and html/template and executed on data
// from json.Unmarshal, with no checks, fallback, redaction or bounds.
func BenchmarkRenderNotification(b *testing.B) {
	data := []byte(`{"type":"deck-permit","state":"in-review","previousState":"submitted","trigger":"accept","recipient":"submitter","due":"2026-03-13T17:00:00Z"}`)
	b.Run("templates", func(b *testing.B) {
		ts, err := feedback.LoadTemplates(mapFS(benchFiles), &feedback.TemplatesConfig{
			OtherFields: []string{"type", "state", "previousState", "trigger", "recipient", "due"}})
		if err != nil {
			b.Fatal(err)
		}
		m := adapters.Message{ID: "c1/3/0", Template: "permit-review", Locale: "en-US", Data: data}
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			r, err := ts.Render(m, "email", m.Locale)
			if err != nil || r.HTML == "" {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		funcs := map[string]any{"date": func(s string) (string, error) {
			t, err := time.Parse(time.RFC3339, s)
			return t.Format("January 2, 2006"), err
		}}
		subject, body, _ := strings.Cut(benchFiles["permit-review/email.en.txt"], "\n\n")
		st := texttemplate.Must(texttemplate.New("s").Funcs(funcs).Parse(strings.TrimPrefix(subject, "Subject: ")))
		tt := texttemplate.Must(texttemplate.New("t").Funcs(funcs).Parse(body))
		ht := htmltemplate.Must(htmltemplate.New("h").Funcs(funcs).Parse(benchFiles["permit-review/email.en.html"]))
		b.ReportAllocs()
		defer reportCPU(b)()
		var sb, tb, hb bytes.Buffer
		for b.Loop() {
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				b.Fatal(err)
			}
			sb.Reset()
			tb.Reset()
			hb.Reset()
			if st.Execute(&sb, m) != nil || tt.Execute(&tb, m) != nil || ht.Execute(&hb, m) != nil {
				b.Fatal("execute")
			}
			_, _, _ = sb.String(), tb.String(), hb.String()
		}
	})
}
