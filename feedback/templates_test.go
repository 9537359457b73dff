package feedback_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/feedback"
	"github.com/civickit/civickit/workflow"
)

// mapFS makes a file system of path -> contents.
func mapFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for p, s := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(s)}
	}
	return fsys
}

// noticeFields are the fields of the "notice" template the tests use.
var noticeFields = map[string][]string{"notice": {"state", "type", "site.city", "due"}}

func msg(template, data string) adapters.Message {
	return adapters.Message{ID: "m1", Template: template, Data: json.RawMessage(data)}
}

func TestLoadTemplatesRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		cfg   *feedback.TemplatesConfig
		file  string   // the *TemplateError's File
		want  []string // in the message
	}{
		{"unknown placeholder names file, placeholder and nearest field",
			map[string]string{"notice/sms.en.txt": "Case is {{.stat}}"}, nil,
			"notice/sms.en.txt", []string{"notice/sms.en.txt:1", "{{.stat}}", "nearest: .state"}},
		{"unknown placeholder in the subject",
			map[string]string{"notice/email.en.txt": "Subject: {{.tyep}}\n\nNow {{.state}}"}, nil,
			"notice/email.en.txt", []string{"notice/email.en.txt:1", "{{.tyep}}", "nearest: .type"}},
		{"unknown placeholder in the body counts the subject's lines",
			map[string]string{"notice/email.en.txt": "Subject: News\n\nline 3\n{{.sate}}"}, nil,
			"notice/email.en.txt", []string{"notice/email.en.txt:4", "{{.sate}}", "nearest: .state"}},
		{"unknown placeholder in the HTML part",
			map[string]string{"notice/email.en.txt": "Subject: x\n\n{{.state}}", "notice/email.en.html": "<p>\n{{.stae}}</p>"}, nil,
			"notice/email.en.html", []string{"notice/email.en.html:2", "{{.stae}}", "nearest: .state"}},
		{"undeclared nested field",
			map[string]string{"notice/sms.en.txt": "In {{.site.street}}"}, nil,
			"notice/sms.en.txt", []string{"{{.site.street}}", "nearest: .site.city"}},
		{"undeclared field through $",
			map[string]string{"notice/sms.en.txt": "In {{$.city}}"}, nil,
			"notice/sms.en.txt", []string{"{{.city}}", "nearest: .site.city"}},
		{"unknown function",
			map[string]string{"notice/sms.en.txt": "{{shout .state}}"}, nil,
			"notice/sms.en.txt", []string{`function "shout" not defined`, "date, datetime, upper, lower"}},
		{"built-in function outside the set",
			map[string]string{"notice/sms.en.txt": "x\n{{printf \"%s\" .state}}"}, nil,
			"notice/sms.en.txt", []string{"notice/sms.en.txt:2", `function "printf" is not allowed`}},
		{"does not parse",
			map[string]string{"notice/sms.en.txt": "{{.state"}, nil,
			"notice/sms.en.txt", []string{"does not parse"}},
		{"range",
			map[string]string{"notice/sms.en.txt": "{{range .state}}x{{end}}"}, nil,
			"notice/sms.en.txt", []string{"range is not allowed"}},
		{"with",
			map[string]string{"notice/sms.en.txt": "{{with .state}}x{{end}}"}, nil,
			"notice/sms.en.txt", []string{"with is not allowed"}},
		{"variables",
			map[string]string{"notice/sms.en.txt": "{{$x := .state}}{{$x}}"}, nil,
			"notice/sms.en.txt", []string{"variables are not allowed"}},
		{"bare dot",
			map[string]string{"notice/sms.en.txt": "{{.}}"}, nil,
			"notice/sms.en.txt", []string{"{{.}} is not allowed"}},
		{"bare $",
			map[string]string{"notice/sms.en.txt": "{{$}}"}, nil,
			"notice/sms.en.txt", []string{"$ is not allowed"}},
		{"define",
			map[string]string{"notice/sms.en.txt": `{{define "x"}}a{{end}}{{.state}}`}, nil,
			"notice/sms.en.txt", []string{"define and block are not allowed"}},
		{"block",
			map[string]string{"notice/sms.en.txt": `{{block "x" .state}}a{{end}}`}, nil,
			"notice/sms.en.txt", []string{"define and block are not allowed"}},
		{"template call",
			map[string]string{"notice/sms.en.txt": `{{template "x"}}`}, nil,
			"notice/sms.en.txt", []string{"template is not allowed"}},
		{"missing default locale",
			map[string]string{"notice/sms.es.txt": "{{.state}}"}, nil,
			"notice/sms.en.txt", []string{"default locale en"}},
		{"missing configured default locale",
			map[string]string{"notice/sms.en.txt": "{{.state}}"}, &feedback.TemplatesConfig{Fields: noticeFields, DefaultLocale: "es"},
			"notice/sms.es.txt", []string{"default locale es"}},
		{"empty file",
			map[string]string{"notice/sms.en.txt": " \n\t"}, nil,
			"notice/sms.en.txt", []string{"empty"}},
		{"empty body after the subject",
			map[string]string{"notice/email.en.txt": "Subject: {{.state}}\n\n \n"}, nil,
			"notice/email.en.txt", []string{"body is empty"}},
		{"empty subject",
			map[string]string{"notice/email.en.txt": "Subject:  \n\nx"}, nil,
			"notice/email.en.txt", []string{"Subject: line is empty"}},
		{"too large",
			map[string]string{"notice/sms.en.txt": strings.Repeat("x", 65)}, &feedback.TemplatesConfig{Fields: noticeFields, MaxFileBytes: 64},
			"notice/sms.en.txt", []string{"larger than the limit of 64 bytes"}},
		{"email without subject",
			map[string]string{"notice/email.en.txt": "Now {{.state}}"}, nil,
			"notice/email.en.txt", []string{"email needs a subject"}},
		{"letter without subject",
			map[string]string{"notice/letter.en.txt": "Now {{.state}}"}, nil,
			"notice/letter.en.txt", []string{"letter needs a subject"}},
		{"HTML without text",
			map[string]string{"notice/email.en.html": "<p>{{.state}}</p>"}, nil,
			"notice/email.en.html", []string{"needs its text version notice/email.en.txt"}},
		{"script element",
			map[string]string{"notice/email.en.txt": "Subject: x\n\ny", "notice/email.en.html": "<p>x</p>\n<SCRIPT>var s = {{.state}}</SCRIPT>"}, nil,
			"notice/email.en.html", []string{"notice/email.en.html:2", "script element"}},
		{"ambiguous URL context html/template cannot escape",
			map[string]string{"notice/email.en.txt": "Subject: x\n\ny",
				"notice/email.en.html": `<a href="{{if .state}}/p/{{else}}/s?q={{end}}{{.type}}">x</a>`}, nil,
			"notice/email.en.html", []string{"cannot escape it safely", "ambiguous"}},
		{"unclosed attribute html/template cannot escape",
			map[string]string{"notice/email.en.txt": "Subject: x\n\ny", "notice/email.en.html": `<a href="{{.type}}`}, nil,
			"notice/email.en.html", []string{"cannot escape it safely"}},
		{"template without declared fields",
			map[string]string{"mystery/sms.en.txt": "hello"}, nil,
			"mystery/sms.en.txt", []string{`"mystery" has no declared fields`}},
		{"file name outside the layout",
			map[string]string{"notice/email.txt": "x"}, nil,
			"notice/email.txt", []string{"not a template file"}},
		{"unknown extension",
			map[string]string{"notice/email.en.htm": "x"}, nil,
			"notice/email.en.htm", []string{"not a template file"}},
		{"bad locale",
			map[string]string{"notice/sms.q!.txt": "x"}, nil,
			"notice/sms.q!.txt", []string{"not a BCP 47 language tag"}},
		{"und locale",
			map[string]string{"notice/sms.und.txt": "x"}, nil,
			"notice/sms.und.txt", []string{"not a BCP 47 language tag"}},
		{"file outside a template folder",
			map[string]string{"sms.en.txt": "x"}, nil,
			"sms.en.txt", []string{"outside a template folder"}},
		{"folder inside a template folder",
			map[string]string{"notice/old/sms.en.txt": "x"}, nil,
			"notice/old", []string{"folder inside a template folder"}},
		{"bad template name",
			map[string]string{"no tice/sms.en.txt": "x"}, nil,
			"no tice", []string{"template name"}},
		{"same locale twice",
			map[string]string{"notice/sms.en-us.txt": "{{.state}}", "notice/sms.en-US.txt": "{{.state}}", "notice/sms.en.txt": "x"}, nil,
			"notice/sms.en-us.txt", []string{"same version as notice/sms.en-US.txt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.cfg
			if cfg == nil {
				cfg = &feedback.TemplatesConfig{Fields: noticeFields}
			}
			ts, err := feedback.LoadTemplates(mapFS(tt.files), cfg)
			require.Error(t, err)
			assert.Nil(t, ts)
			assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
			var te *feedback.TemplateError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, tt.file, te.File)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestLoadTemplatesReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := feedback.LoadTemplates(mapFS(map[string]string{
		"notice/sms.en.txt":   "{{.stat}}",
		"notice/email.en.txt": "Subject: {{.tipe}}\n\nx",
	}), &feedback.TemplatesConfig{Fields: noticeFields})
	require.Error(t, err)
	var joined interface{ Unwrap() []error }
	require.ErrorAs(t, err, &joined)
	assert.Len(t, joined.Unwrap(), 2)
	assert.Contains(t, err.Error(), "notice/sms.en.txt:1: placeholder {{.stat}}")
	assert.Contains(t, err.Error(), "notice/email.en.txt:1: placeholder {{.tipe}}")
}

func TestLoadTemplatesBoundsProblemsAndFiles(t *testing.T) {
	t.Parallel()
	files := map[string]string{}
	for i := range 80 {
		files[fmt.Sprintf("notice/sms.q%03d!.txt", i)] = "x" // not a tag
	}
	_, err := feedback.LoadTemplates(mapFS(files), &feedback.TemplatesConfig{Fields: noticeFields})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "more problems not shown")
	assert.LessOrEqual(t, strings.Count(err.Error(), "\n"), 51)

	_, err = feedback.LoadTemplates(mapFS(files), &feedback.TemplatesConfig{Fields: noticeFields, MaxFiles: 10})
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "more than 10 files")
}

func TestLoadTemplatesSkipsNotes(t *testing.T) {
	t.Parallel()
	ts, err := feedback.LoadTemplates(mapFS(map[string]string{
		"README.md": "# Templates", "notice/NOTES.md": "x", ".git/config": "x", "notice/.draft.en.txt": "{{.nope}}",
		"notice/sms.en.txt": "{{.state}}",
	}), &feedback.TemplatesConfig{Fields: noticeFields})
	require.NoError(t, err)
	assert.Equal(t, []string{"notice"}, ts.Names())
	assert.Equal(t, []string{"sms"}, ts.Channels("notice"))
	assert.Nil(t, ts.Channels("other"))
}

func TestTemplatesConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  feedback.TemplatesConfig
		want string
	}{
		{"bad default locale", feedback.TemplatesConfig{DefaultLocale: "not a tag"}, "DefaultLocale"},
		{"bad template name", feedback.TemplatesConfig{Fields: map[string][]string{"a b": {"x"}}}, `template name "a b"`},
		{"no fields", feedback.TemplatesConfig{Fields: map[string][]string{"a": {}}}, "declares no field"},
		{"field not an identifier", feedback.TemplatesConfig{Fields: map[string][]string{"a": {"first-name"}}}, `field "first-name"`},
		{"other field not an identifier", feedback.TemplatesConfig{OtherFields: []string{"a..b"}}, `OtherFields: field "a..b"`},
		{"empty PII path segment", feedback.TemplatesConfig{PII: []string{"a..b"}}, `PII: "a..b"`},
		{"nil PII source", feedback.TemplatesConfig{PIIFrom: []feedback.PIISource{nil}}, "PIIFrom[0] is nil"},
		{"bad PII channel", feedback.TemplatesConfig{PIIChannels: []string{"e mail"}}, "PIIChannels"},
		{"bad template PII channel", feedback.TemplatesConfig{TemplatePIIChannels: map[string][]string{"a": {""}}}, "TemplatePIIChannels"},
		{"negative limit", feedback.TemplatesConfig{MaxRenderedBytes: -1}, "MaxRenderedBytes is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			require.ErrorIs(t, err, adapters.ErrInvalidArgument)
			assert.Contains(t, err.Error(), tt.want)
			_, err = feedback.LoadTemplates(mapFS(nil), &tt.cfg)
			assert.ErrorIs(t, err, adapters.ErrInvalidArgument, "LoadTemplates validates its config")
		})
	}
	var nilCfg *feedback.TemplatesConfig
	assert.NoError(t, nilCfg.Validate())
	assert.NoError(t, (&feedback.TemplatesConfig{}).Validate())
}

func TestLoadTemplatesPIISourceIsChecked(t *testing.T) {
	t.Parallel()
	_, err := feedback.LoadTemplates(mapFS(nil), &feedback.TemplatesConfig{PIIFrom: []feedback.PIISource{piiPaths{""}}})
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "PIIFrom[0]")
}

func TestRenderLocaleFallback(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"notice/sms.en.txt":    "en {{.state}}",
		"notice/sms.es.txt":    "es {{.state}}",
		"notice/sms.pt-BR.txt": "pt-BR {{.state}}",
		"notice/sms.fr-CA.txt": "fr-CA {{.state}}",
		"notice/email.en.txt":  "Subject: en\n\nen",
	}
	ts, err := feedback.LoadTemplates(mapFS(files), &feedback.TemplatesConfig{Fields: noticeFields})
	require.NoError(t, err)
	esDefault, err := feedback.LoadTemplates(mapFS(map[string]string{"notice/sms.en.txt": "en", "notice/sms.es.txt": "es"}),
		&feedback.TemplatesConfig{Fields: noticeFields, DefaultLocale: "es"})
	require.NoError(t, err)
	tests := []struct {
		name, channel, locale string
		ts                    *feedback.Templates
		want                  string
	}{
		{"exact", "sms", "es", ts, "es"},
		{"exact with region", "sms", "pt-BR", ts, "pt-BR"},
		{"exact in another case", "sms", "pt-br", ts, "pt-BR"},
		{"region to language", "sms", "es-MX", ts, "es"},
		{"language to its only region", "sms", "pt", ts, "pt-BR"},
		{"another region of the language", "sms", "fr-FR", ts, "fr-CA"},
		{"unknown language to default", "sms", "de", ts, "en"},
		{"empty to default", "sms", "", ts, "en"},
		{"not a tag to default", "sms", "!!", ts, "en"},
		{"channel with only the default", "email", "es", ts, "en"},
		{"configured default", "sms", "de", esDefault, "es"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for range 2 { // the second time from the remembered choice
				r, err := tt.ts.Render(msg("notice", `{"state":"open"}`), tt.channel, tt.locale)
				require.NoError(t, err)
				assert.Equal(t, tt.want, r.Locale)
				assert.True(t, strings.HasPrefix(r.Text, tt.want), "rendered the %s version: %q", tt.want, r.Text)
			}
		})
	}
}

func TestRenderEscapesHTMLOnly(t *testing.T) {
	t.Parallel()
	ts, err := feedback.LoadTemplates(mapFS(map[string]string{
		"notice/email.en.txt":  "Subject: Case {{.type}}\n\nState: {{.state}}\n",
		"notice/email.en.html": `<p>State: {{.state}}</p><a href="{{.site.city}}">more</a>`,
		"notice/sms.en.txt":    "State: {{.state}}",
	}), &feedback.TemplatesConfig{Fields: noticeFields})
	require.NoError(t, err)
	data := `{"state":"<script>alert(1)</script>","type":"a\r\nBcc: evil@example.org","site":{"city":"javascript:alert(1)"}}`

	r, err := ts.Render(msg("notice", data), "email", "en")
	require.NoError(t, err)
	assert.NotContains(t, r.HTML, "<script>")
	assert.Contains(t, r.HTML, "&lt;script&gt;alert(1)&lt;/script&gt;")
	assert.Contains(t, r.HTML, `href="#ZgotmplZ"`, "an unsafe URL is filtered")
	assert.Equal(t, "State: <script>alert(1)</script>\n", r.Text, "plain text is passed as it is")
	assert.Equal(t, "Case a Bcc: evil@example.org", r.Subject, "a value cannot add a header line")

	r, err = ts.Render(msg("notice", data), "sms", "en")
	require.NoError(t, err)
	assert.Equal(t, "State: <script>alert(1)</script>", r.Text)
	assert.Empty(t, r.HTML)
	assert.Empty(t, r.Subject)
}

// piiPaths is a PIISource, as *forms.Form is one.
type piiPaths []string

func (p piiPaths) PIIPaths() []string { return p }

func TestRenderRedactsPIIPerChannel(t *testing.T) {
	t.Parallel()
	files := map[string]string{}
	body := "{{.name}}|{{.site.street}}|{{.site.city}}|{{.contact}}|{{.members}}"
	for _, tmpl := range []string{"notice", "reminder"} {
		files[tmpl+"/sms.en.txt"] = body
		files[tmpl+"/letter.en.txt"] = "Subject: For {{.name}}\n\n" + body
		files[tmpl+"/email.en.txt"] = "Subject: For {{.name}}\n\n" + body
		files[tmpl+"/email.en.html"] = "<p>" + body + "</p>"
	}
	fields := []string{"name", "site.street", "site.city", "contact", "members"}
	ts, err := feedback.LoadTemplates(mapFS(files), &feedback.TemplatesConfig{
		Fields:              map[string][]string{"notice": fields, "reminder": fields},
		PII:                 []string{"name", "site.street"},
		PIIFrom:             []feedback.PIISource{piiPaths{"contact", "members.*.dob", "unused.path"}},
		PIIChannels:         []string{"letter"},
		TemplatePIIChannels: map[string][]string{"reminder": {"email"}},
	})
	require.NoError(t, err)
	data := `{"name":"Ana","site":{"street":"12 Main","city":"Springfield"},"contact":{"email":"ana@example.org","phones":["555"]},
		"members":[{"dob":"1990-01-01","role":"owner"}]}`
	const redacted = "[redacted]|[redacted]|Springfield|map[email:[redacted] phones:[[redacted]]]|[map[dob:[redacted] role:owner]]"
	const clear = "Ana|12 Main|Springfield|map[email:ana@example.org phones:[555]]|[map[dob:1990-01-01 role:owner]]"
	tests := []struct {
		name, template, channel string
		want, subject           string
	}{
		{"sms may not carry PII", "notice", "sms", redacted, ""},
		{"email may not carry PII", "notice", "email", redacted, "For [redacted]"},
		{"letter may", "notice", "letter", clear, "For Ana"},
		{"per template: email may", "reminder", "email", clear, "For Ana"},
		{"per template: letter no longer may", "reminder", "letter", redacted, "For [redacted]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := ts.Render(msg(tt.template, data), tt.channel, "en")
			require.NoError(t, err)
			assert.Equal(t, tt.want, strings.TrimSpace(r.Text))
			assert.Equal(t, tt.subject, r.Subject)
			if tt.channel == "email" {
				assert.Equal(t, "<p>"+strings.ReplaceAll(tt.want, "&", "&amp;")+"</p>", r.HTML)
			}
		})
	}
}

func TestRenderErrNoTemplate(t *testing.T) {
	t.Parallel()
	ts, err := feedback.LoadTemplates(mapFS(map[string]string{"notice/sms.en.txt": "{{.state}}"}), &feedback.TemplatesConfig{Fields: noticeFields})
	require.NoError(t, err)
	tests := []struct{ name, template, channel, want string }{
		{"channel without a version", "notice", "email", `template "notice" has no email version`},
		{"template not in the set", "other", "sms", `no template named "other"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ts.Render(msg(tt.template, `{}`), tt.channel, "en")
			require.ErrorIs(t, err, feedback.ErrNoTemplate)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestRenderData(t *testing.T) {
	t.Parallel()
	ts, err := feedback.LoadTemplates(mapFS(map[string]string{
		"notice/sms.en.txt":   "[{{.state}}|{{.type}}|{{.site.city}}{{if .due}}|due {{date .due}}{{end}}]",
		"notice/email.en.txt": "Subject: {{.state}}\n\n" + strings.Repeat("{{.type}}", 10),
	}), &feedback.TemplatesConfig{Fields: noticeFields, MaxDataBytes: 200, MaxRenderedBytes: 100})
	require.NoError(t, err)
	tests := []struct {
		name, channel, data string
		want                string // the text, or the error's text
		err                 error
	}{
		{"all present", "sms", `{"state":"open","type":"permit","site":{"city":"Springfield"},"due":"2026-03-01T12:00:00Z"}`, "[open|permit|Springfield|due March 1, 2026]", nil},
		{"missing fields render empty", "sms", `{"state":"open"}`, "[open||]", nil},
		{"null fields render empty", "sms", `{"state":null,"site":null,"due":null}`, "[||]", nil},
		{"empty data", "sms", ``, "[||]", nil},
		{"null data", "sms", `null`, "[||]", nil},
		{"numbers keep their digits", "sms", `{"state":12345678901234567890,"type":1.5e3}`, "[12345678901234567890|1.5e3|]", nil},
		{"undeclared data is ignored", "sms", `{"state":"a","secret":"s"}`, "[a||]", nil},
		{"not an object", "sms", `["open"]`, "not a JSON object", adapters.ErrInvalidArgument},
		{"not JSON", "sms", `{"state":`, "not a JSON object", adapters.ErrInvalidArgument},
		{"two values", "sms", `{} {}`, "more than one JSON value", adapters.ErrInvalidArgument},
		{"data too large", "sms", `{"state":"` + strings.Repeat("x", 200) + `"}`, "larger than the limit of 200", adapters.ErrInvalidArgument},
		{"nested field of a string", "sms", `{"site":"Springfield"}`, "notice/sms.en text", adapters.ErrInvalidArgument},
		{"not a date, without the value", "sms", `{"due":"soon"}`, `value that is not an RFC 3339 time`, adapters.ErrInvalidArgument},
		{"output too large", "email", `{"type":"` + strings.Repeat("x", 20) + `"}`, "longer than the limit", adapters.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := ts.Render(msg("notice", tt.data), tt.channel, "en")
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				assert.Contains(t, err.Error(), tt.want)
				assert.NotContains(t, err.Error(), "soon", "no data value in the error")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, r.Text)
		})
	}
}

func TestRenderFunctions(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	files := map[string]string{}
	for _, l := range []string{"en", "es", "tr", "de"} {
		files["notice/sms."+l+".txt"] = "{{date .due}}|{{datetime .due}}|{{date .state}}|{{upper .type}}|{{lower .type}}|{{if and (eq .state \"\") (ne .type \"\") (not .due | not)}}ok{{end}}"
	}
	ts, err := feedback.LoadTemplates(mapFS(files), &feedback.TemplatesConfig{Fields: noticeFields, Location: ny})
	require.NoError(t, err)
	custom, err := feedback.LoadTemplates(mapFS(files), &feedback.TemplatesConfig{Fields: noticeFields,
		FormatDate: func(t time.Time, locale string, withTime bool) string { return fmt.Sprint(locale, t.Day(), withTime) }})
	require.NoError(t, err)
	tests := []struct {
		name, locale string
		ts           *feedback.Templates
		data, want   string
	}{
		{"English, in the configured zone", "en", ts, `{"due":"2026-03-02T03:30:00Z","type":"Permit"}`,
			"March 1, 2026|March 1, 2026, 10:30 PM EST||PERMIT|permit|ok"},
		{"Spanish", "es", ts, `{"due":"2026-03-02T03:30:00Z","type":"Permit"}`,
			"1 de marzo de 2026|1 de marzo de 2026, 22:30 EST||PERMIT|permit|ok"},
		{"calendar dates stay the same day", "en", ts, `{"due":"2026-03-02","state":"2026-12-31"}`,
			"March 2, 2026|March 2, 2026|December 31, 2026|||"},
		{"ISO 8601 for other languages; Turkish casing", "tr", ts, `{"due":"2026-03-02T03:30:00Z","type":"izin"}`,
			"2026-03-01|2026-03-01 22:30 EST||İZİN|izin|ok"},
		{"a program's own format", "de", custom, `{"due":"2026-03-02T03:30:00Z"}`,
			"de2 false|de2 true||||"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := tt.ts.Render(msg("notice", tt.data), "sms", tt.locale)
			require.NoError(t, err)
			assert.Equal(t, tt.want, r.Text)
		})
	}
}

func TestRenderTrimsSMSOnly(t *testing.T) {
	t.Parallel()
	ts, err := feedback.LoadTemplates(mapFS(map[string]string{
		"notice/sms.en.txt":     "\n  Now {{.state}}  \n\n",
		"notice/webhook.en.txt": "\n  Now {{.state}}  \n\n",
	}), &feedback.TemplatesConfig{Fields: noticeFields})
	require.NoError(t, err)
	r, err := ts.Render(msg("notice", `{"state":" open "}`), "sms", "en")
	require.NoError(t, err)
	assert.Equal(t, "Now  open", r.Text)
	r, err = ts.Render(msg("notice", `{"state":"open"}`), "webhook", "en")
	require.NoError(t, err)
	assert.Equal(t, "\n  Now open  \n\n", r.Text)
}

func TestRenderConcurrently(t *testing.T) {
	t.Parallel()
	ts, err := feedback.LoadTemplates(feedback.DefaultTemplates(), nil)
	require.NoError(t, err)
	locales := []string{"en", "es", "es-MX", "fr", "pt", "en-GB"}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				loc := locales[(g+i)%len(locales)] + strings.Repeat("-x", i%3) // grows past the remembered choices
				r, err := ts.Render(msg(feedback.SurveyTemplate, `{"caseId":"C-1","type":"permit","link":"https://city.example/s/1"}`), "email", loc)
				if err == nil && r.Locale != "en" && r.Locale != "es" {
					err = errors.New("locale " + r.Locale)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestDefaultTemplates(t *testing.T) {
	t.Parallel()
	ts, err := feedback.LoadTemplates(feedback.DefaultTemplates(), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{feedback.AgendaChangedTemplate, feedback.AgendaPublishedTemplate, feedback.ConversationTemplate, feedback.IdeaUpdateTemplate,
		feedback.OfficialUpdateTemplate, feedback.OptInTemplate, feedback.OptOutTemplate, feedback.SurveyTemplate}, ts.Names())
	// A conversation's text is written by the conversation in the
	// person's language; the template only carries it, on sms alone.
	assert.Equal(t, []string{"sms"}, ts.Channels(feedback.ConversationTemplate))
	said, err := ts.Render(msg(feedback.ConversationTemplate, `{"text":"What is the address? <3 & more"}`), "sms", "es")
	require.NoError(t, err)
	assert.Equal(t, "What is the address? <3 & more", said.Text, "text templates do not escape")
	agenda := `{"body":"City Council","bodyId":"council","meeting":"m-1","title":"Regular meeting","startsAt":"2026-11-02T18:00:00-05:00","timeZone":"America/New_York","mode":"hybrid","location":"City Hall","remoteUrl":"https://meet.example/c","link":"https://city.example/m/m-1","agendaVersion":"2"}`
	data := map[string]string{
		feedback.OptOutTemplate:          `{"channel":"sms"}`,
		feedback.OptInTemplate:           `{"channel":"email"}`,
		feedback.OfficialUpdateTemplate:  `{"topic":"Main St. repaving","title":"Work starts Monday","body":"Crews start at 7 AM.","updateId":"u-42"}`,
		feedback.SurveyTemplate:          `{"caseId":"C-1","type":"pothole","link":"https://city.example/s/C-1"}`,
		feedback.AgendaPublishedTemplate: agenda,
		feedback.AgendaChangedTemplate:   agenda,
		feedback.IdeaUpdateTemplate:      `{"type":"idea","state":"under-review","previousState":"submitted","trigger":"review","recipient":"submitter"}`,
	}
	fields := map[string][]string{
		feedback.OptOutTemplate:         feedback.OptOutTemplateFields,
		feedback.OptInTemplate:          feedback.OptInTemplateFields,
		feedback.OfficialUpdateTemplate: feedback.OfficialUpdateTemplateFields,
		feedback.SurveyTemplate:         feedback.SurveyTemplateFields,
		// the fields every version shows; the rest are worded or optional
		feedback.AgendaPublishedTemplate: {"body", "title", "link"},
		feedback.AgendaChangedTemplate:   {"body", "title", "link"},
		feedback.IdeaUpdateTemplate:      {"state"},
	}
	for _, name := range ts.Names() {
		if name == feedback.ConversationTemplate {
			continue
		}
		assert.Equal(t, []string{"email", "sms"}, ts.Channels(name), name)
		for _, ch := range []string{"email", "sms"} {
			en, err := ts.Render(msg(name, data[name]), ch, "en-US")
			require.NoError(t, err, name)
			es, err := ts.Render(msg(name, data[name]), ch, "es-MX")
			require.NoError(t, err, name)
			assert.Equal(t, "en", en.Locale)
			assert.Equal(t, "es", es.Locale)
			assert.NotEqual(t, en.Text, es.Text, "%s/%s is translated", name, ch)
			for _, r := range []feedback.Rendered{en, es} {
				assert.NotContains(t, r.Text+r.Subject+r.HTML, "<no value>")
				if ch == "email" {
					assert.NotEmpty(t, r.Subject, name)
				}
				if ch == "sms" {
					assert.LessOrEqual(t, len([]rune(r.Text)), 320, "%s fits two SMS segments", name)
				}
			}
			// every declared field shows in some part
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(data[name]), &m))
			for _, f := range fields[name] {
				if name == feedback.OfficialUpdateTemplate && ch == "sms" && f == "body" {
					continue // too long for a text message
				}
				if f == "channel" {
					continue // worded, not shown
				}
				assert.Contains(t, en.Subject+en.Text, m[f], "%s/%s shows %s", name, ch, f)
			}
		}
	}
	r, err := ts.Render(msg(feedback.OptOutTemplate, `{"channel":"sms"}`), "sms", "es")
	require.NoError(t, err)
	assert.Equal(t, "Ya no recibirá mensajes de texto de nuestra parte. Responda START para volver a suscribirse.", r.Text)
	r, err = ts.Render(msg(feedback.SurveyTemplate, data[feedback.SurveyTemplate]), "email", "en")
	require.NoError(t, err)
	assert.Contains(t, r.HTML, `<a href="https://city.example/s/C-1">`)
}

func TestOverlay(t *testing.T) {
	t.Parallel()
	city := mapFS(map[string]string{
		"survey/email.en.txt":        "Subject: Springfield wants to hear from you\n\nCase {{.caseId}}: {{.link}}\n",
		"permit-approved/sms.en.txt": "Your {{.type}} permit is {{.state}}.",
	})
	fsys := feedback.Overlay(feedback.DefaultTemplates(), city)
	require.NoError(t, fstest.TestFS(fsys, "survey/email.en.txt", "survey/email.es.txt", "survey/sms.en.txt", "permit-approved/sms.en.txt", "official-update/email.en.html"))

	ts, err := feedback.LoadTemplates(fsys, &feedback.TemplatesConfig{OtherFields: workflow.MessageFields})
	require.NoError(t, err)
	data := `{"caseId":"C-1","type":"pothole","link":"https://city.example/s/C-1"}`
	r, err := ts.Render(msg(feedback.SurveyTemplate, data), "email", "en")
	require.NoError(t, err)
	assert.Equal(t, "Springfield wants to hear from you", r.Subject, "the city's file hides the shipped one")
	assert.Contains(t, r.HTML, "Please tell us how we did", "the shipped HTML part stays")
	r, err = ts.Render(msg(feedback.SurveyTemplate, data), "email", "es")
	require.NoError(t, err)
	assert.Contains(t, r.Subject, "¿Cómo lo hicimos", "the shipped Spanish version stays")
	r, err = ts.Render(msg("permit-approved", `{"type":"deck","state":"approved"}`), "sms", "en")
	require.NoError(t, err)
	assert.Equal(t, "Your deck permit is approved.", r.Text)

	_, err = feedback.LoadTemplates(nil, nil)
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	_, err = feedback.LoadTemplates(feedback.Overlay(nil, feedback.DefaultTemplates(), nil), nil)
	require.NoError(t, err, "nil layers are skipped")

	_, err = fsys.Open("../x")
	assert.ErrorIs(t, err, fs.ErrInvalid)
	_, err = fsys.Open("nothing/here.txt")
	assert.ErrorIs(t, err, fs.ErrNotExist)
}
