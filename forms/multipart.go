package forms

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/civickit/civickit/adapters"
)

// uploaderKey keys the uploader's identity on a context.
type uploaderKey struct{}

type uploaderID struct{ subject, issuer string }

// WithUploader returns a context that names the resident posting a form:
// the subject and issuer of their identity. ReadPost and ValidateRequest
// read it from the request's context, store the post's files as theirs
// (Upload.Owner, Upload.OwnerIssuer) and accept a file carried from an
// earlier page only when it is theirs (FileStore.Ref). Without it a post
// is anonymous: its files have no owner.
func WithUploader(ctx context.Context, subject, issuer string) context.Context {
	return context.WithValue(ctx, uploaderKey{}, uploaderID{subject: subject, issuer: issuer})
}

func uploaderOf(ctx context.Context) uploaderID {
	u, _ := ctx.Value(uploaderKey{}).(uploaderID)
	return u
}

// Bounds of a multipart body beyond its size.
const (
	// maxPartHeaderBytes bounds the headers of one part (its name and
	// file name): a browser sends a few hundred bytes.
	maxPartHeaderBytes = 8 << 10
	// maxFileNameBytes bounds the file name handed to the store, which
	// keeps a cleaned label of it.
	maxFileNameBytes = 255
)

// fileSet is what the file parts of one post left: the files stored, the
// references known (stored now or carried), and the problems per field.
type fileSet struct {
	store  FileStore
	owner  uploaderID
	stored []string // ids stored by this post, in order
	refs   map[string]adapters.FileRef
	fresh  map[string][]string // field path ("members.2.proof") -> ids stored by this post
	probs  map[string]fileProblem
	total  int64
	// gone are carried ids the post took out: ticked "_drop." boxes and
	// the files of a removed row. Those no field keeps are discarded
	// once the post is read (settle).
	gone []string
}

type fileProblem struct {
	fl    *Field
	code  string
	limit int64
}

func (f *Form) newFileSet(ctx context.Context) *fileSet {
	s := &fileSet{store: f.limits.files}
	if len(f.files) > 0 { // a form without file fields writes none of these
		s.owner, s.refs = uploaderOf(ctx), map[string]adapters.FileRef{}
		s.fresh, s.probs = map[string][]string{}, map[string]fileProblem{}
	}
	return s
}

// fail records a field's first problem.
func (s *fileSet) fail(fl *Field, path, code string, limit int64) {
	if _, ok := s.probs[path]; !ok {
		s.probs[path] = fileProblem{fl: fl, code: code, limit: limit}
	}
}

// renumber moves the problems of files in rows whose index changed as
// the rows closed up (moved, from rows) to the rows' new paths; those of
// a removed row go with it.
func (s *fileSet) renumber(moved map[string]string) {
	if len(moved) == 0 || len(s.probs) == 0 {
		return
	}
	probs := make(map[string]fileProblem, len(s.probs))
	for path, p := range s.probs {
		at := path
		for i := strings.LastIndexByte(path, '.'); i > 0; i = strings.LastIndexByte(path[:i], '.') {
			if to, ok := moved[path[:i]]; ok {
				at = ""
				if to != "" {
					at = to + path[i:]
				}
				break
			}
		}
		if at != "" {
			probs[at] = p
		}
	}
	s.probs = probs
}

// discard removes files stored by this post, even when the request's
// context is already canceled, so nothing is left behind.
func (s *fileSet) discard(ctx context.Context, ids ...string) {
	if len(ids) == 0 || s.store == nil {
		return
	}
	_ = s.store.Discard(context.WithoutCancel(ctx), ids...)
	s.stored = slices.DeleteFunc(s.stored, func(id string) bool { return slices.Contains(ids, id) })
	for path, list := range s.fresh {
		s.fresh[path] = slices.DeleteFunc(list, func(id string) bool { return slices.Contains(ids, id) })
	}
	for _, id := range ids {
		delete(s.refs, id)
	}
}

// bodyReader bounds a multipart body, and the bytes multipart.Reader
// pulls while it reads one part's headers.
type bodyReader struct {
	r         io.Reader
	left      int64 // bytes the body may still have
	over      bool  // the body is longer than allowed
	headers   int64 // bytes the current headers may still pull; < 0: not reading headers
	overHeads bool
}

var errBodyLimit = errors.New("forms: body over its limit")

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// one byte more tells a body of exactly the limit from a longer one
		var one [1]byte
		n, err := b.r.Read(one[:])
		if n > 0 {
			b.over = true
			return 0, errBodyLimit
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	if b.headers >= 0 {
		if b.headers == 0 {
			b.overHeads = true
			return 0, errBodyLimit
		}
		if int64(len(p)) > b.headers {
			p = p[:b.headers]
		}
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if b.headers >= 0 {
		b.headers -= int64(n)
	}
	return n, err
}

// partReader reads one file part for the store, remembering how much it
// read and whether the body failed under it, so a store error can be told
// from a broken body. It gives at most limit+1 bytes: enough for the store
// to see that a file is too large, never more.
type partReader struct {
	r       io.Reader
	limit   int64
	n       int64
	readErr error
}

var errFileOverLimit = errors.New("forms: file over its limit")

func (p *partReader) Read(b []byte) (int, error) {
	if p.n > p.limit {
		return 0, errFileOverLimit
	}
	if int64(len(b)) > p.limit+1-p.n {
		b = b[:p.limit+1-p.n]
	}
	n, err := p.r.Read(b)
	p.n += int64(n)
	if err != nil && err != io.EOF {
		p.readErr = err
	}
	return n, err
}

// readMultipart streams a multipart/form-data body: each file part to the
// file store as it arrives, the other parts into form values, within
// MaxUploadBytes for the body and MaxBodyBytes for the non-file parts
// together. A body that cannot be read whole is an *inputError (or the
// store's or the context's error), and every file it stored is
// discarded. A file the store or a limit refuses is a problem of its
// field, and reading goes on.
func (f *Form) readMultipart(ctx context.Context, body io.Reader, params map[string]string, files *fileSet) (url.Values, error) {
	vals, err := f.readParts(ctx, body, params["boundary"], files)
	if err != nil {
		files.discard(ctx, files.stored...)
		return nil, err
	}
	return vals, nil
}

func (f *Form) readParts(ctx context.Context, body io.Reader, boundary string, files *fileSet) (url.Values, error) {
	if boundary == "" || len(boundary) > 70 {
		return nil, &inputError{kind: ErrSyntax, offset: -1, detail: "multipart body without a valid boundary"}
	}
	br := &bodyReader{r: body, left: f.limits.maxUpload, headers: -1}
	broken := func(err error, what string) error {
		switch {
		case br.over:
			return &inputError{kind: ErrTooLarge, offset: -1}
		case br.overHeads:
			return &inputError{kind: ErrSyntax, offset: -1, detail: "part headers too large"}
		case ctx.Err() != nil:
			return ctx.Err()
		}
		return &inputError{kind: ErrSyntax, offset: -1, detail: what}
	}
	mr := multipart.NewReader(br, boundary)
	vals := url.Values{}
	textLeft := f.limits.maxBody
	count := map[string]int{} // file parts per field
	for parts := 0; ; parts++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// the part's headers, its boundary line and what the reader's
		// buffer may hold ahead of them
		br.headers = maxPartHeaderBytes + int64(len(boundary)) + 4096 + 8
		part, err := mr.NextPart()
		br.headers = -1
		if err == io.EOF { // the closing boundary, and only it
			return vals, nil
		}
		if err != nil {
			return nil, broken(err, "malformed or truncated multipart body")
		}
		if parts == maxFormValues {
			return nil, &inputError{kind: ErrTooManyFields, offset: -1}
		}
		if headerBytes(part) > maxPartHeaderBytes {
			return nil, &inputError{kind: ErrSyntax, offset: -1, detail: "part headers too large"}
		}
		name := part.FormName()
		if name == "" {
			return nil, &inputError{kind: ErrSyntax, offset: -1, detail: "a part without a form-data name"}
		}
		if !utf8.ValidString(name) {
			return nil, &inputError{kind: ErrInvalidUTF8, offset: -1}
		}
		_, disp, _ := mime.ParseMediaType(part.Header.Get("Content-Disposition")) // FormName parsed it
		fileName, isFile := disp["filename"]
		if !isFile {
			v, err := io.ReadAll(io.LimitReader(part, textLeft+1))
			if err != nil {
				return nil, broken(err, "truncated multipart body")
			}
			if textLeft -= int64(len(name) + len(v)); textLeft < 0 {
				return nil, &inputError{kind: ErrTooLarge, offset: -1}
			}
			vals.Add(name, string(v))
			continue
		}
		fl, err := f.partField(name)
		if err != nil {
			return nil, err
		}
		if count[name]++; count[name] > 1 && fl.MaxFiles == 1 {
			return nil, &inputError{kind: ErrSyntax, offset: -1, pointer: pointerOf(strings.Split(name, ".")), detail: "two files for a field that takes one"}
		}
		if err := f.storePart(ctx, part, fl, name, fileName, files); err != nil {
			if bb, ok := err.(brokenBody); ok {
				return nil, broken(bb.err, "truncated multipart body")
			}
			return nil, err
		}
		// the rest of a refused file, read here so the next headers are
		// bounded on their own
		if _, err := io.Copy(io.Discard, part); err != nil {
			return nil, broken(err, "truncated multipart body")
		}
	}
}

// partField finds the file field of a file part's name: a field's path,
// with row indexes in a repeating group ("members.2.proof"), each read as
// the renderer writes it (a bad one is ErrRowIndex).
func (f *Form) partField(name string) (*Field, error) {
	var fl *Field
	if f.groups {
		names := strings.Split(name, ".")
		if len(names) > f.limits.maxDepth {
			return nil, &inputError{kind: ErrTooDeep, offset: -1, detail: "field name nested too deeply"}
		}
		var err error
		if fl, _, err = f.postedField(names); err != nil {
			return nil, err
		}
	} else {
		fl = f.byPath[name]
	}
	switch {
	case fl == nil:
		return nil, &inputError{kind: ErrSyntax, offset: -1, detail: "a file for a name the form does not declare"}
	case fl.Widget != "file":
		return nil, &inputError{kind: ErrSyntax, offset: -1, pointer: fl.Pointer, detail: "a file for a field that takes no file"}
	}
	return fl, nil
}

// headerBytes counts the bytes of a part's headers.
func headerBytes(p *multipart.Part) int {
	n := 0
	for k, vs := range p.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// storePart hands one file part for fl, posted as path, to the store. It
// returns an error only when the request fails as a whole: the body broke
// under the store, or the store itself failed; a refused file is a
// problem of its field.
func (f *Form) storePart(ctx context.Context, part io.Reader, fl *Field, path, fileName string, files *fileSet) error {
	// a file input left empty posts a part with no file name and no bytes
	var first [1]byte
	n, err := io.ReadFull(part, first[:])
	if n == 0 {
		if err != io.EOF {
			return brokenBody{err}
		}
		if fileName == "" {
			return nil
		}
	}
	if files.store == nil {
		return fmt.Errorf("forms: a file part and no file store: %w", ErrUnsupportedMediaType)
	}
	if len(files.fresh[path]) >= fl.MaxFiles {
		files.fail(fl, path, codeTooManyFiles, 0)
		return nil
	}
	room := f.maxTotal - files.total
	if room <= 0 {
		files.fail(fl, path, codeFilesTooLarge, f.maxTotal)
		return nil
	}
	limit := min(fl.MaxFileSize, room)
	pr := &partReader{r: io.MultiReader(bytes.NewReader(first[:n]), part), limit: limit}
	up := Upload{Field: path, Name: clipName(fileName), Accept: slices.Clone(fl.Accept), MaxSize: limit,
		Sealed: fl.PII != "", Owner: files.owner.subject, OwnerIssuer: files.owner.issuer, Body: pr}
	ref, err := files.store.Put(ctx, up)
	var fe *FileError
	switch {
	case pr.readErr != nil:
		if err == nil {
			files.discard(ctx, ref.ID)
		}
		return brokenBody{pr.readErr}
	case pr.n > limit:
		// the store read past the bound: the file is too large whatever
		// the store says
		if err == nil {
			files.discard(ctx, ref.ID)
		}
		f.tooLarge(fl, path, limit, files)
		return nil
	case errors.As(err, &fe):
		if fe.Kind == FileTooLarge {
			f.tooLarge(fl, path, limit, files)
		} else if code, ok := fileCodes[fe.Kind]; ok {
			files.fail(fl, path, code, 0)
		} else {
			files.fail(fl, path, codeFileRejected, 0)
		}
		return nil
	case err != nil:
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("forms: store a file of %s: %w", path, err)
	}
	if ref.ID == "" {
		return fmt.Errorf("forms: the file store returned no id for a file of %s", path)
	}
	ref.Field = path
	files.stored = append(files.stored, ref.ID)
	files.refs[ref.ID] = ref
	files.fresh[path] = append(files.fresh[path], ref.ID)
	files.total += pr.n
	return nil
}

// brokenBody is a body that failed under a file part: the request fails
// as a whole, as a bad request rather than the store's failure.
type brokenBody struct{ err error }

func (b brokenBody) Error() string { return b.err.Error() }

// tooLarge records a file over limit: over its own field's bound, or
// over what the form's other files left of the total.
func (f *Form) tooLarge(fl *Field, path string, limit int64, files *fileSet) {
	if limit < fl.MaxFileSize {
		files.fail(fl, path, codeFilesTooLarge, f.maxTotal)
		return
	}
	files.fail(fl, path, codeFileTooLarge, fl.MaxFileSize)
}

// clipName bounds a client's file name on a rune boundary; the store
// cleans what is left.
func clipName(s string) string {
	if len(s) <= maxFileNameBytes {
		return s
	}
	cut := maxFileNameBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// dropPrefix starts the name of the checkbox drawn beside each carried
// file: ticked, it posts "_drop." and the field's path with the file's
// id, and the post takes that file out.
const dropPrefix = "_drop."

// formFiles sets the value of each file field of an HTML post, in rows
// too ("members.2.proof"): the files this post stored and those carried
// from an earlier post ("_file." inputs), less those whose "_drop." box
// is ticked. A new file replaces the carried one of a field that takes
// one; a list keeps its carried files first. The error is a row index
// that cannot be (ErrRowIndex).
func (f *Form) formFiles(vals url.Values, files *fileSet) error {
	if len(f.files) == 0 {
		return nil
	}
	paths := map[string]bool{}
	for p := range files.fresh {
		paths[p] = true
	}
	for k := range vals {
		if p, ok := strings.CutPrefix(k, carriedPrefix); ok {
			paths[p] = true
		} else if p, ok := strings.CutPrefix(k, dropPrefix); ok {
			paths[p] = true
		}
	}
	for _, p := range slices.Sorted(maps.Keys(paths)) {
		fl, err := f.fileField(p)
		if err != nil {
			return err
		}
		if fl == nil {
			continue // a name the form does not declare: no value to set
		}
		fresh := files.fresh[p]
		ids := slices.Concat(vals[p], vals[carriedPrefix+p])
		if drops := vals[dropPrefix+p]; len(drops) > 0 {
			ids = slices.DeleteFunc(ids, func(id string) bool {
				if slices.Contains(drops, id) {
					files.gone = append(files.gone, id)
					return true
				}
				return false
			})
		}
		if fl.MaxFiles == 1 && len(fresh) > 0 {
			ids = nil
		}
		for _, id := range fresh {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			delete(vals, p)
			continue
		}
		vals[p] = ids
	}
	return nil
}

// removedFiles records as gone the files of the row a post removed:
// vals holds them, by their paths as posted, after formFiles.
func (f *Form) removedFiles(vals url.Values, edit *RowEdit, files *fileSet) {
	if edit == nil || !edit.Remove || len(f.files) == 0 {
		return
	}
	row := edit.Group + "." + strconv.Itoa(edit.Row) + "."
	for k, ids := range vals {
		if strings.HasPrefix(k, row) {
			if fl, _ := f.fileField(k); fl != nil {
				files.gone = append(files.gone, ids...)
			}
		}
	}
}

// attachFiles checks the file ids of entered, a post's decoded values,
// in every row: each is a file this post stored or one the uploader
// stored before (FileStore.Ref), else a problem of its field, and the id
// is dropped. A field given more files than it takes keeps the first
// ones. The error is the store's failure.
func (f *Form) attachFiles(ctx context.Context, entered any, files *fileSet) error {
	m, ok := entered.(map[string]any)
	if !ok || len(f.files) == 0 {
		return nil
	}
	for _, slot := range f.fileSlots(m) {
		fl, path, v := slot.fl, slot.path, slot.value()
		if v == nil {
			continue
		}
		ids := fileIDs(v)
		if list, isList := v.([]any); isList && len(list) != len(ids) || !isList && len(ids) == 0 {
			continue // not ids at all: validation refuses the value and it is never submitted
		}
		if len(ids) > fl.MaxFiles {
			files.fail(fl, path, codeTooManyFiles, 0)
			var drop []string
			for _, id := range ids[fl.MaxFiles:] {
				if slices.Contains(files.stored, id) {
					drop = append(drop, id)
				}
			}
			files.discard(ctx, drop...)
			ids = ids[:fl.MaxFiles]
		}
		kept := make([]any, 0, len(ids))
		for _, id := range ids {
			if _, ok := files.refs[id]; ok {
				kept = append(kept, id)
				continue
			}
			if files.store == nil || id == "" || len(id) > 200 {
				files.fail(fl, path, codeFileUnknown, 0)
				continue
			}
			ref, err := files.store.Ref(ctx, id, files.owner.subject, files.owner.issuer)
			switch {
			case errors.Is(err, adapters.ErrNotFound):
				files.fail(fl, path, codeFileUnknown, 0)
				continue
			case err != nil:
				return fmt.Errorf("forms: find a carried file of %s: %w", fl.Path, err)
			}
			ref.Field = path
			files.refs[id] = ref
			kept = append(kept, id)
		}
		switch {
		case len(kept) == 0:
			slot.set(nil)
		case fl.MaxFiles > 1:
			slot.set(kept)
		default:
			slot.set(kept[0])
		}
	}
	return nil
}

// settle discards the files the post took out (gone) that no field of
// vals still names: those this post stored, and carried ones the store
// confirms as the uploader's own and not yet submitted (FileStore.Ref),
// so a post can never discard someone else's file. A failure here fails
// nothing: the store's orphan sweep removes what is left.
func (f *Form) settle(ctx context.Context, vals map[string]any, files *fileSet) {
	if len(files.gone) == 0 || files.store == nil {
		return
	}
	kept := map[string]bool{}
	for _, s := range f.fileSlots(vals) {
		for _, id := range fileIDs(s.value()) {
			kept[id] = true
		}
	}
	var drop []string
	for _, id := range files.gone {
		switch {
		case kept[id] || slices.Contains(drop, id) || id == "" || len(id) > 200:
		case slices.Contains(files.stored, id):
			drop = append(drop, id)
		default:
			if _, err := files.store.Ref(ctx, id, files.owner.subject, files.owner.issuer); err == nil {
				drop = append(drop, id)
			}
		}
	}
	files.discard(ctx, drop...)
	files.gone = nil
}

// withFileErrors adds the file problems to a refusal (or makes one), one
// error per field: a field's file problem replaces what validation said
// of it, since its file never reached the values. Errors stay in form
// order, row by row.
func (f *Form) withFileErrors(ve *ValidationError, files *fileSet, l *lang, upTo int) *ValidationError {
	if files == nil || len(files.probs) == 0 {
		return ve
	}
	if ve == nil {
		ve = &ValidationError{Form: f.Pin()}
	} else {
		ve = &ValidationError{Form: ve.Form, Errors: slices.Clone(ve.Errors), cause: ve.cause}
	}
	ve.Errors = slices.DeleteFunc(ve.Errors, func(fe FieldError) bool {
		_, ok := files.probs[fe.Field]
		return ok
	})
	for _, path := range slices.Sorted(maps.Keys(files.probs)) {
		p := files.probs[path]
		fl := p.fl
		if top, _, _ := strings.Cut(path, "."); upTo >= 0 && f.stepOf(top) > upTo {
			continue
		}
		ptr := fl.Pointer
		if path != fl.Path {
			ptr = pointerOf(strings.Split(path, "."))
		}
		params := fileParams(fl, p.code, p.limit)
		ve.Errors = append(ve.Errors, FieldError{Pointer: ptr, Field: path, Code: p.code, Params: params,
			Message: l.fieldMessage(fl, p.code, params)})
	}
	rank := func(fe FieldError) []int {
		if fe.Code == "moreErrors" {
			return []int{len(f.ordered) + 1}
		}
		if fe.Field == "" {
			return []int{len(f.ordered)}
		}
		return f.errorRank(strings.Split(fe.Field, "."))
	}
	sort.SliceStable(ve.Errors, func(i, j int) bool { return slices.Compare(rank(ve.Errors[i]), rank(ve.Errors[j])) < 0 })
	if len(ve.Errors) == 0 {
		return nil
	}
	return ve
}
