package feedback_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/feedback"
)

// FuzzLoadTemplates loads arbitrary file contents (and a file name):
// loading never panics, fails only with an invalid-argument error, and
// a set that loads renders without panicking.
func FuzzLoadTemplates(f *testing.F) {
	for _, seed := range []struct{ name, txt, html, data string }{
		{"email.en", "Subject: {{.title}}\n\n{{.body}}", "<p>{{.body}}</p>", `{"title":"t","body":"<b>"}`},
		{"email.en", "Subject: x\n\n{{if .due}}{{date .due}}{{else}}none{{end}}", `<a href="{{.link}}">{{upper .title}}</a>`, `{"due":"2026-01-02T03:04:05Z","link":"javascript:x"}`},
		{"sms.es-MX", "{{.titel}}", "", `{}`},
		{"sms.en", "{{range .body}}{{.}}{{end}}", "", `[]`},
		{"email.en", "Subject: x\n\ny", `<a href="{{if .title}}/a{{else}}/b?q={{end}}{{.body}}">`, `null`},
		{"email.en", "Subject: x\n\ny", "<script>{{.body}}</script>", `{"body":1e400}`},
		{"letter.en", "Subject: {{define \"x\"}}{{end}}", "", `{"title":{"a":[1,2]}}`},
		{"email.en", "Subject: x\n\n{{$x := .title}}{{$x}}{{.}}{{$}}{{printf \"%v\" .body}}", "{{template \"a\"}}", `{"title":"\u0000"}`},
		{"sms.en", "{{.title", "{{", `{"title":"a"`},
		{"sms.en", "", "", ``},
		{"webhook.en", "{{lower (upper .title)}} {{and .title .body}} {{or 1 \"x\" true}}", "<style>p{color:{{.title}}}</style>", `{"title":"İ"}`},
	} {
		f.Add(seed.name, seed.txt, seed.html, seed.data)
	}
	f.Fuzz(func(t *testing.T, name, txt, html, data string) {
		fsys := fstest.MapFS{"notice/" + name + ".txt": {Data: []byte(txt)}, "notice/sms.en.txt": {Data: []byte(txt)}}
		if html != "" {
			fsys["notice/"+name+".html"] = &fstest.MapFile{Data: []byte(html)}
		}
		ts, err := feedback.LoadTemplates(fsys, &feedback.TemplatesConfig{
			Fields: map[string][]string{"notice": {"title", "body", "due", "link"}}, PII: []string{"body"}, MaxFileBytes: 4096})
		if err != nil {
			if !errors.Is(err, adapters.ErrInvalidArgument) {
				t.Fatalf("load failed with %v, which is not an invalid-argument error", err)
			}
			return
		}
		for _, ch := range ts.Channels("notice") {
			r, err := ts.Render(adapters.Message{ID: "m", Template: "notice", Data: json.RawMessage(data)}, ch, "es")
			if err != nil {
				if !errors.Is(err, adapters.ErrInvalidArgument) {
					t.Fatalf("render failed with %v, which is not an invalid-argument error", err)
				}
				continue
			}
			if strings.ContainsAny(r.Subject, "\r\n") {
				t.Fatalf("subject %q spans lines", r.Subject)
			}
		}
	})
}
