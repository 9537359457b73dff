package forms

import (
	"fmt"
	"math"
	"mime"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/civickit/civickit/adapters"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// DefaultMaxFileSize bounds each file of a file field without
// x-maxFileSize: 10 MiB, or the registry's MaxUploadBytes when that is
// smaller.
const DefaultMaxFileSize = 10 << 20

// maxFilesPerField bounds maxItems of a file list.
const maxFilesPerField = 100

// unsafeTypes are media types a browser runs as a page or a script when
// it opens the file: a city cannot accept them from residents and show
// them to staff.
var unsafeTypes = []string{"text/html", "image/svg+xml", "application/xhtml+xml", "text/javascript", "application/javascript"}

// fileField reads x-accept and x-maxFileSize into fl and records the
// problems of a file field (and of those keywords on any other field).
func (b *builder) fileField(fl *Field, s *jsonschema.Schema, kw *keywords) {
	ptr := fragment(s)
	if fl.Widget != "file" {
		if kw.hasAccept {
			b.fail(ptr+"/x-accept", fmt.Sprintf("x-accept belongs to a file field (x-widget \"file\"), and %q is not one", fl.Path))
		}
		if kw.maxFileSize != 0 {
			b.fail(ptr+"/x-maxFileSize", fmt.Sprintf("x-maxFileSize belongs to a file field (x-widget \"file\"), and %q is not one", fl.Path))
		}
		return
	}
	switch {
	case fl.Type == "string":
		fl.MaxFiles = 1
	case fl.Type == "array" && fl.ItemType == "string":
		if s.MaxItems == nil {
			b.fail(ptr, fmt.Sprintf("file list %q needs maxItems, the most files it takes", fl.Path))
		} else if *s.MaxItems < 1 || *s.MaxItems > maxFilesPerField {
			b.fail(ptr+"/maxItems", fmt.Sprintf("file list %q takes 1 to %d files", fl.Path, maxFilesPerField))
		}
		if s.MaxItems != nil {
			fl.MaxFiles = min(*s.MaxItems, maxFilesPerField)
		}
	default:
		b.fail(ptr+"/x-widget", `x-widget "file" needs a string (one file) or an array of strings (several files)`)
		return
	}
	if len(fl.Options) > 0 {
		b.fail(ptr+"/x-widget", fmt.Sprintf("file field %q cannot have an enum: its value is the id of a stored file", fl.Path))
	}
	if !kw.hasAccept {
		b.fail(ptr, fmt.Sprintf("file field %q needs x-accept, the media types it takes", fl.Path))
	}
	for i, t := range kw.accept {
		at := fmt.Sprintf("%s/x-accept/%d", ptr, i)
		mt, params, err := mime.ParseMediaType(t)
		switch {
		case err != nil || len(params) > 0 || mt != t || strings.Count(mt, "/") != 1 || strings.Contains(mt, "*"):
			b.fail(at, fmt.Sprintf("%q is not a media type such as \"image/jpeg\" (lower case, no parameters, no wildcard)", t))
		case slices.Contains(unsafeTypes, mt):
			b.fail(at, fmt.Sprintf("%q is refused: a browser would run the file as a page or a script", t))
		default:
			fl.Accept = append(fl.Accept, mt)
		}
	}
	fl.MaxFileSize = min(DefaultMaxFileSize, b.form.limits.maxUpload)
	if kw.maxFileSize != 0 {
		fl.MaxFileSize = kw.maxFileSize
		if kw.maxFileSize > b.form.limits.maxUpload {
			b.fail(ptr+"/x-maxFileSize", fmt.Sprintf("x-maxFileSize %d is more than the registry's MaxUploadBytes %d: no such file could be posted", kw.maxFileSize, b.form.limits.maxUpload))
		}
	}
}

// fileLimits lists the form's file fields and checks x-form.maxTotalSize.
func (b *builder) fileLimits(maxTotal int64) {
	f := b.form
	for _, fl := range f.ordered {
		if fl.Widget == "file" {
			f.files = append(f.files, fl)
		}
	}
	var mark func(fl *Field) bool
	mark = func(fl *Field) bool {
		fl.holdsFiles = fl.Widget == "file"
		for _, c := range fl.Fields {
			fl.holdsFiles = mark(c) || fl.holdsFiles
		}
		return fl.holdsFiles
	}
	for _, fl := range f.ordered {
		if fl.Path == fl.Name && mark(fl) { // ordered lists the top level in form order
			f.fileTops = append(f.fileTops, fl)
		}
	}
	f.maxTotal = f.limits.maxUpload
	if maxTotal == 0 {
		return
	}
	if maxTotal > f.limits.maxUpload {
		b.fail("/x-form/maxTotalSize", fmt.Sprintf("maxTotalSize %d is more than the registry's MaxUploadBytes %d", maxTotal, f.limits.maxUpload))
		return
	}
	if len(f.files) == 0 {
		b.fail("/x-form/maxTotalSize", "maxTotalSize bounds the files of a form that has no file field")
	}
	f.maxTotal = maxTotal
}

// int64Of reads an integer keyword; one too large for int64 reads as the
// largest, which every bound then refuses.
func int64Of(v any) int64 {
	switch n := v.(type) {
	case float64:
		if n >= math.MaxInt64 {
			return math.MaxInt64
		}
		return int64(n)
	case interface{ Int64() (int64, error) }:
		i, err := n.Int64()
		if err != nil {
			return math.MaxInt64
		}
		return i
	}
	return 0
}

// The codes of the problems of a file field.
const (
	codeFileTooLarge  = "fileTooLarge"
	codeFileType      = "fileType"
	codeFileEmpty     = "fileEmpty"
	codeFileRejected  = "fileRejected"
	codeTooManyFiles  = "tooManyFiles"
	codeFilesTooLarge = "filesTooLarge"
	codeFileUnknown   = "fileUnknown"
)

// fileCodes maps FileError kinds to field error codes.
var fileCodes = map[string]string{FileTooLarge: codeFileTooLarge, FileType: codeFileType,
	FileEmpty: codeFileEmpty, FileRejected: codeFileRejected}

// fileParams are the figures of a file field's message: limit in
// human units ("10 MB") with limitBytes, or the accepted kinds.
func fileParams(fl *Field, code string, limit int64) map[string]any {
	switch code {
	case codeFileTooLarge, codeFilesTooLarge:
		return map[string]any{"limit": FileSize(limit), "limitBytes": limit}
	case codeFileType:
		return map[string]any{"accepted": acceptedKinds(fl.Accept), "allowed": fl.Accept}
	case codeTooManyFiles:
		return map[string]any{"limit": fl.MaxFiles}
	}
	return nil
}

// FileSize writes a byte count the way people read file sizes, in whole
// units so no decimal mark depends on the language: exact ("10 MB",
// "512 KB"), else rounded down where that loses less than 1% ("9765
// KB"), else in bytes ("3000 B"). Rounding down never promises more than
// the limit allows. Messages of file fields write their limits with it,
// and pages that list files their sizes.
func FileSize(n int64) string {
	for _, u := range []struct {
		shift uint
		name  string
	}{{30, "GB"}, {20, "MB"}, {10, "KB"}} {
		if n >= 1<<u.shift && (n%(1<<u.shift) == 0 || n >= 100<<u.shift) {
			return strconv.FormatInt(n>>u.shift, 10) + " " + u.name
		}
	}
	return strconv.FormatInt(n, 10) + " B"
}

// kindNames are how people name common file types.
var kindNames = map[string]string{
	"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WebP", "image/heic": "HEIC",
	"image/heif": "HEIF", "image/tiff": "TIFF", "application/pdf": "PDF", "text/plain": "TXT", "text/csv": "CSV",
	"application/msword": "Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
	"application/vnd.ms-excel": "Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
	"video/mp4": "MP4", "audio/mpeg": "MP3",
}

// FileKind names a media type the way people name file types: "JPEG"
// for image/jpeg, "Word" for a .docx document, else the subtype in
// capitals ("AVIF"). Messages of file fields and pages that list files
// use it.
func FileKind(mediaType string) string {
	if n, ok := kindNames[mediaType]; ok {
		return n
	}
	_, sub, _ := strings.Cut(mediaType, "/")
	sub, _, _ = strings.Cut(sub, "+")
	sub = strings.TrimPrefix(strings.TrimPrefix(sub, "x-"), "vnd.")
	sub = sub[strings.LastIndexByte(sub, '.')+1:]
	return strings.ToUpper(sub)
}

// acceptedKinds names the accepted media types for a message: "JPEG,
// PNG, PDF".
func acceptedKinds(accept []string) string {
	var names []string
	for _, t := range accept {
		n := FileKind(t)
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// FileView is one file already uploaded to a file field, drawn by name
// with a hidden input that carries it to the next post and a checkbox
// that takes it out.
type FileView struct {
	// Name is the cleaned name the resident's file had (the id when the
	// page was not given the file's reference); ID is the file's id.
	Name, ID string
	// Input is the hidden input's name: "_file." and the field's path.
	Input string
	// DropID, DropName and DropText are the id, the name ("_drop." and
	// the field's path; its value is ID) and the label ("Remove
	// fence.jpg") of the checkbox that, ticked, takes the file out of
	// the field on the next post and discards it.
	DropID, DropName, DropText string
}

// fileView fills the view of a file field: the file input and the files
// already uploaded to it.
func (b *viewBuilder) fileView(fv *FieldView, fl *Field, path string, val any) {
	fv.IsFile, fv.Multiple, fv.Accept = true, fl.MaxFiles > 1, strings.Join(fl.Accept, ",")
	inputAttrs(fv, fl, "usa-file-input", "file")
	for i, id := range fileIDs(val) {
		name := id
		for _, ref := range b.files {
			if ref.ID == id && ref.Name != "" {
				name = ref.Name
				break
			}
		}
		fv.Files = append(fv.Files, FileView{Name: name, ID: id, Input: carriedPrefix + path,
			DropID: fv.ID + "-remove-" + strconv.Itoa(i), DropName: dropPrefix + path, DropText: fmt.Sprintf(b.removeFile, name)})
	}
}

// carriedPrefix starts the name of the hidden inputs that carry file ids
// from one post to the next; DecodeForm skips such names, as it skips
// every name starting with "_".
const carriedPrefix = "_file."

// fileIDs returns the ids a file field's value holds.
func fileIDs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		ids := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				ids = append(ids, s)
			}
		}
		return ids
	case []string:
		return x
	}
	return nil
}

// carryField flattens the value of a field of another step into hidden
// inputs named path: as carry does, but the ids of file fields, in rows
// too, go in "_file." inputs, which the next post checks with the file
// store.
func (f *Form) carryField(fl *Field, path string, v any, out []HiddenView) []HiddenView {
	if !fl.holdsFiles {
		return carry(path, v, out)
	}
	switch {
	case fl.Widget == "file":
		for _, id := range fileIDs(v) {
			out = append(out, HiddenView{Name: carriedPrefix + path, Value: id})
		}
		return out
	case fl.Widget == "group":
		rows, ok := v.([]any)
		if !ok {
			return carry(path, v, out)
		}
		for i, r := range rows {
			row := path + "." + strconv.Itoa(i)
			out = append(out, HiddenView{Name: row + "." + rowMarker})
			out = f.carryObject(fl, row, r, out)
		}
		return out
	}
	return f.carryObject(fl, path, v, out)
}

// carryObject carries the fields of an object (or of one row) named path.
func (f *Form) carryObject(fl *Field, path string, v any, out []HiddenView) []HiddenView {
	m, ok := v.(map[string]any)
	if !ok {
		return carry(path, v, out)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if c := fl.names[k]; c != nil {
			out = f.carryField(c, path+"."+k, m[k], out)
		} else {
			out = carry(path+"."+k, m[k], out)
		}
	}
	return out
}

// fileSlot is the place of one file field in a submission's values: the
// field (a row's template field in a group), its path with the row
// indexes ("members.2.proof"), and the object that holds its value.
type fileSlot struct {
	fl   *Field
	path string
	obj  map[string]any
}

func (s fileSlot) value() any { return s.obj[s.fl.Name] }

// set replaces the slot's value; nil removes it.
func (s fileSlot) set(v any) {
	if v == nil {
		delete(s.obj, s.fl.Name)
		return
	}
	s.obj[s.fl.Name] = v
}

// fileSlots lists the file fields of vals, in form order and row by row
// ("members.0.proof" before "members.1.name" before "members.1.proof"),
// as far as vals holds the objects and rows they sit in.
func (f *Form) fileSlots(vals map[string]any) []fileSlot {
	if len(f.fileTops) == 0 || vals == nil {
		return nil
	}
	var out []fileSlot
	var walk func(fl *Field, obj map[string]any, path string)
	walk = func(fl *Field, obj map[string]any, path string) {
		switch v := obj[fl.Name]; {
		case fl.Widget == "file":
			out = append(out, fileSlot{fl: fl, path: path, obj: obj})
		case fl.Widget == "group":
			rows, _ := v.([]any)
			for i, r := range rows {
				if row, ok := r.(map[string]any); ok {
					at := path + "." + strconv.Itoa(i)
					for _, c := range fl.Fields {
						if c.holdsFiles {
							walk(c, row, at+"."+c.Name)
						}
					}
				}
			}
		default:
			if child, ok := v.(map[string]any); ok {
				for _, c := range fl.Fields {
					if c.holdsFiles {
						walk(c, child, path+"."+c.Name)
					}
				}
			}
		}
	}
	for _, fl := range f.fileTops {
		walk(fl, vals, fl.Name)
	}
	return out
}

// refsIn returns the references of the files vals names, in form order
// and row by row, from those known; each names the field's path with
// its row indexes.
func (f *Form) refsIn(vals map[string]any, known map[string]adapters.FileRef) []adapters.FileRef {
	var out []adapters.FileRef
	for _, s := range f.fileSlots(vals) {
		for _, id := range fileIDs(s.value()) {
			if ref, ok := known[id]; ok {
				ref.Field = s.path
				out = append(out, ref)
			}
		}
	}
	return out
}

// fileField returns the file field a posted path names ("photos",
// "members.2.proof"), checking each row index: nil when the path names
// no file field, an ErrRowIndex input error when a row cannot be.
func (f *Form) fileField(path string) (*Field, error) {
	if !f.groups {
		if fl := f.byPath[path]; fl != nil && fl.Widget == "file" {
			return fl, nil
		}
		return nil, nil
	}
	names := strings.Split(path, ".")
	if len(names) > f.limits.maxDepth {
		return nil, &inputError{kind: ErrTooDeep, offset: -1, detail: "field name nested too deeply"}
	}
	fl, _, err := f.postedField(names)
	if err != nil || fl == nil || fl.Widget != "file" {
		return nil, err
	}
	return fl, nil
}
