package feedback

import (
	"embed"
	"io"
	"io/fs"
	"maps"
	"slices"
	"sort"

	"github.com/civickit/civickit/workflow"
)

// The names of the templates DefaultTemplates ships, each with email
// and sms versions in English and Spanish (ConversationTemplate: sms
// only).
const (
	// OptOutTemplate confirms that a person stopped receiving messages
	// on a channel. Fields: OptOutTemplateFields.
	OptOutTemplate = "optout-confirmation"
	// OptInTemplate confirms that a person will receive messages on a
	// channel. Fields: OptInTemplateFields.
	OptInTemplate = "optin-confirmation"
	// OfficialUpdateTemplate carries an official update on a topic to its
	// subscribers. Fields: OfficialUpdateTemplateFields.
	OfficialUpdateTemplate = "official-update"
	// SurveyTemplate asks a resident about a closed case. Fields:
	// SurveyTemplateFields.
	SurveyTemplate = "survey"
	// ConversationTemplate carries one message of a form answered by
	// text (casework.Texting): a question, an error, a summary, already
	// written in the person's language. It has sms versions only.
	// Fields: ConversationTemplateFields.
	ConversationTemplate = "conversation"
)

// The fields the data of the shipped templates' messages supplies.
// LoadTemplates declares them unless TemplatesConfig.Fields names the
// template.
var (
	// OptOutTemplateFields: channel is the channel opted out of ("sms",
	// "email", or another channel's name).
	OptOutTemplateFields = []string{"channel"}
	// OptInTemplateFields: channel is the channel opted in to.
	OptInTemplateFields = []string{"channel"}
	// OfficialUpdateTemplateFields: the topic's name, the update's
	// title, its plain-text body and its id.
	OfficialUpdateTemplateFields = []string{"topic", "title", "body", "updateId"}
	// SurveyTemplateFields: the case id, the case type and the link to
	// the survey (an https URL).
	SurveyTemplateFields = []string{"caseId", "type", "link"}
	// ConversationTemplateFields: the text of the message.
	ConversationTemplateFields = []string{"text"}
)

// shippedFields declares the shipped templates' fields.
var shippedFields = map[string][]string{
	OptOutTemplate:          OptOutTemplateFields,
	OptInTemplate:           OptInTemplateFields,
	OfficialUpdateTemplate:  OfficialUpdateTemplateFields,
	SurveyTemplate:          SurveyTemplateFields,
	AgendaPublishedTemplate: AgendaTemplateFields,
	AgendaChangedTemplate:   AgendaTemplateFields,
	IdeaUpdateTemplate:      workflow.MessageFields,
	ConversationTemplate:    ConversationTemplateFields,
}

//go:embed templates
var shipped embed.FS

// DefaultTemplates returns the SDK's own notification templates
// (OptOutTemplate, OptInTemplate, OfficialUpdateTemplate,
// SurveyTemplate, AgendaPublishedTemplate, AgendaChangedTemplate,
// IdeaUpdateTemplate) in English and Spanish, for email and sms, and
// ConversationTemplate for sms, in the
// layout LoadTemplates reads. Layer a program's own templates over them
// with Overlay.
func DefaultTemplates() fs.FS {
	sub, err := fs.Sub(shipped, "templates")
	if err != nil {
		panic(err) // the embedded folder is there
	}
	return sub
}

// Overlay returns a read-only file system showing the files of every
// layer, later layers over earlier ones: a file of a later layer hides
// the file at the same path in an earlier one, and folders present in
// several layers show the entries of all. So
// Overlay(DefaultTemplates(), city) keeps every shipped file the city
// does not replace: a city that writes survey/email.en.txt replaces that
// one file and keeps the shipped Spanish and sms versions. To replace a
// whole template, replace each of its files. Nil layers are skipped.
func Overlay(layers ...fs.FS) fs.FS {
	var o overlay
	for _, l := range layers {
		if l != nil {
			o = append(o, l)
		}
	}
	return o
}

type overlay []fs.FS

var (
	_ fs.ReadDirFS  = overlay(nil)
	_ fs.ReadFileFS = overlay(nil)
)

// Open opens the topmost layer's file, or a folder merging the layers'.
func (o overlay) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	for i := len(o) - 1; i >= 0; i-- {
		info, err := fs.Stat(o[i], name)
		if err != nil {
			continue
		}
		if !info.IsDir() {
			return o[i].Open(name)
		}
		entries, err := o.ReadDir(name)
		if err != nil {
			return nil, err
		}
		return &overlayDir{info: info, entries: entries}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// ReadFile reads the topmost layer's file.
func (o overlay) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: fs.ErrInvalid}
	}
	for i := len(o) - 1; i >= 0; i-- {
		if info, err := fs.Stat(o[i], name); err == nil && !info.IsDir() {
			return fs.ReadFile(o[i], name)
		}
	}
	return nil, &fs.PathError{Op: "readfile", Path: name, Err: fs.ErrNotExist}
}

// ReadDir merges the entries of the folder in every layer, sorted by
// name; of entries with the same name, the topmost layer's shows.
func (o overlay) ReadDir(name string) ([]fs.DirEntry, error) {
	merged := map[string]fs.DirEntry{}
	found := false
	for _, l := range o {
		entries, err := fs.ReadDir(l, name)
		if err != nil {
			continue
		}
		found = true
		for _, e := range entries {
			merged[e.Name()] = e
		}
	}
	if !found {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	out := slices.Collect(maps.Values(merged))
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// overlayDir is an open merged folder.
type overlayDir struct {
	info    fs.FileInfo
	entries []fs.DirEntry
	off     int
}

func (d *overlayDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *overlayDir) Close() error               { return nil }
func (d *overlayDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.Name(), Err: fs.ErrInvalid}
}

func (d *overlayDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.off += n
	return rest[:n], nil
}
