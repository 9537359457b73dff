package documents

import (
	"mime"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"
)

// MaxNameLen is the most runes a cleaned file name keeps.
const MaxNameLen = 100

// maxExtLen is the longest extension truncation keeps.
const maxExtLen = 16

// cleanName turns the name a client sent into a label safe to show and
// to offer as a download name: the base name only (after the last slash
// of either kind), valid UTF-8 without control, format (bidi overrides,
// zero-width) or reserved characters, no leading or trailing dots or
// spaces, an extension that matches the sniffed type (appended when it
// does not), at most MaxNameLen runes keeping the extension, and "file"
// when nothing is left.
func cleanName(name, typ string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == utf8.RuneError:
			return -1
		case unicode.IsSpace(r):
			return ' '
		case strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		}
		return r
	}, name)
	name = trimName(name)
	if name == "" {
		name = "file"
	}
	base, ext := splitExt(name)
	if want := typeExt(typ); want != "" && !extFits(ext, typ) {
		base, ext = name, want
	}
	if n := utf8.RuneCountInString(base) + utf8.RuneCountInString(ext); n > MaxNameLen {
		if utf8.RuneCountInString(ext) > maxExtLen {
			base, ext = base+ext, ""
		}
		r := []rune(base)
		base = trimName(string(r[:MaxNameLen-utf8.RuneCountInString(ext)]))
		if base == "" {
			base = "file"
		}
	}
	return base + ext
}

func trimName(s string) string { return strings.Trim(s, " .") }

// splitExt splits "photo.JPG" into "photo" and ".JPG"; a name with no dot
// but the first has no extension.
func splitExt(name string) (string, string) {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 {
		return name, ""
	}
	return name[:i], name[i:]
}

// typeExt is the extension mimetype gives the type.
func typeExt(typ string) string {
	if m := mimetype.Lookup(typ); m != nil {
		return m.Extension()
	}
	return ""
}

// extFits reports whether ext is an extension of typ, by mimetype or by
// the system's table (".jpeg" and ".jpg" alike).
func extFits(ext, typ string) bool {
	if ext == "" {
		return false
	}
	ext = strings.ToLower(ext)
	if ext == typeExt(typ) {
		return true
	}
	exts, _ := mime.ExtensionsByType(typ)
	for _, e := range exts {
		if e == ext {
			return true
		}
	}
	return false
}
