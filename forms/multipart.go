package forms

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"slices"
	"sort"
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
	fresh  map[string][]string // field path -> ids stored by this post
	probs  map[string]fileProblem
	total  int64
}

type fileProblem struct {
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
func (s *fileSet) fail(path, code string, limit int64) {
	if _, ok := s.probs[path]; !ok {
		s.probs[path] = fileProblem{code: code, limit: limit}
	}
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
		fl := f.byPath[name]
		switch {
		case fl == nil:
			return nil, &inputError{kind: ErrSyntax, offset: -1, detail: "a file for a name the form does not declare"}
		case fl.Widget != "file":
			return nil, &inputError{kind: ErrSyntax, offset: -1, pointer: fl.Pointer, detail: "a file for a field that takes no file"}
		}
		if count[name]++; count[name] > 1 && fl.MaxFiles == 1 {
			return nil, &inputError{kind: ErrSyntax, offset: -1, pointer: fl.Pointer, detail: "two files for a field that takes one"}
		}
		if err := f.storePart(ctx, part, fl, fileName, files); err != nil {
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

// storePart hands one file part to the store. It returns an error only
// when the request fails as a whole: the body broke under the store, or
// the store itself failed; a refused file is a problem of its field.
func (f *Form) storePart(ctx context.Context, part io.Reader, fl *Field, fileName string, files *fileSet) error {
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
	if len(files.fresh[fl.Path]) >= fl.MaxFiles {
		files.fail(fl.Path, codeTooManyFiles, 0)
		return nil
	}
	room := f.maxTotal - files.total
	if room <= 0 {
		files.fail(fl.Path, codeFilesTooLarge, f.maxTotal)
		return nil
	}
	limit := min(fl.MaxFileSize, room)
	pr := &partReader{r: io.MultiReader(bytes.NewReader(first[:n]), part), limit: limit}
	up := Upload{Field: fl.Path, Name: clipName(fileName), Accept: slices.Clone(fl.Accept), MaxSize: limit,
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
		f.tooLarge(fl, limit, files)
		return nil
	case errors.As(err, &fe):
		if fe.Kind == FileTooLarge {
			f.tooLarge(fl, limit, files)
		} else if code, ok := fileCodes[fe.Kind]; ok {
			files.fail(fl.Path, code, 0)
		} else {
			files.fail(fl.Path, codeFileRejected, 0)
		}
		return nil
	case err != nil:
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("forms: store a file of %s: %w", fl.Path, err)
	}
	if ref.ID == "" {
		return fmt.Errorf("forms: the file store returned no id for a file of %s", fl.Path)
	}
	ref.Field = fl.Path
	files.stored = append(files.stored, ref.ID)
	files.refs[ref.ID] = ref
	files.fresh[fl.Path] = append(files.fresh[fl.Path], ref.ID)
	files.total += pr.n
	return nil
}

// brokenBody is a body that failed under a file part: the request fails
// as a whole, as a bad request rather than the store's failure.
type brokenBody struct{ err error }

func (b brokenBody) Error() string { return b.err.Error() }

// tooLarge records a file over limit: over its own field's bound, or
// over what the form's other files left of the total.
func (f *Form) tooLarge(fl *Field, limit int64, files *fileSet) {
	if limit < fl.MaxFileSize {
		files.fail(fl.Path, codeFilesTooLarge, f.maxTotal)
		return
	}
	files.fail(fl.Path, codeFileTooLarge, fl.MaxFileSize)
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

// formFiles sets the value of each file field of an HTML post: the files
// this post stored and those carried from an earlier post ("_file."
// inputs). A new file replaces the carried one of a field that takes
// one; a list keeps its carried files first.
func (f *Form) formFiles(vals url.Values, files *fileSet) {
	for _, fl := range f.files {
		carried := vals[carriedPrefix+fl.Path]
		fresh := files.fresh[fl.Path]
		if len(carried) == 0 && len(fresh) == 0 {
			continue
		}
		ids := slices.Concat(vals[fl.Path], carried)
		if fl.MaxFiles == 1 && len(fresh) > 0 {
			ids = nil
		}
		for _, id := range fresh {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		vals[fl.Path] = ids
	}
}

// attachFiles checks the file ids of entered, a post's decoded values:
// each is a file this post stored or one the uploader stored before
// (FileStore.Ref), else a problem of its field, and the id is dropped. A
// field given more files than it takes keeps the first ones. The error
// is the store's failure.
func (f *Form) attachFiles(ctx context.Context, entered any, files *fileSet) error {
	m, ok := entered.(map[string]any)
	if !ok || len(f.files) == 0 {
		return nil
	}
	for _, fl := range f.files {
		v := valueAt(m, fl.Path)
		if v == nil {
			continue
		}
		ids := fileIDs(v)
		if list, isList := v.([]any); isList && len(list) != len(ids) || !isList && len(ids) == 0 {
			continue // not ids at all: validation refuses the value and it is never submitted
		}
		if len(ids) > fl.MaxFiles {
			files.fail(fl.Path, codeTooManyFiles, 0)
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
				files.fail(fl.Path, codeFileUnknown, 0)
				continue
			}
			ref, err := files.store.Ref(ctx, id, files.owner.subject, files.owner.issuer)
			switch {
			case errors.Is(err, adapters.ErrNotFound):
				files.fail(fl.Path, codeFileUnknown, 0)
				continue
			case err != nil:
				return fmt.Errorf("forms: find a carried file of %s: %w", fl.Path, err)
			}
			ref.Field = fl.Path
			files.refs[id] = ref
			kept = append(kept, id)
		}
		switch {
		case fl.MaxFiles > 1:
			setAt(m, fl.Path, kept)
			if len(kept) == 0 {
				setAt(m, fl.Path, nil)
			}
		case len(kept) == 1:
			setAt(m, fl.Path, kept[0])
		default:
			setAt(m, fl.Path, nil)
		}
	}
	return nil
}

// withFileErrors adds the file problems to a refusal (or makes one), one
// error per field: a field's file problem replaces what validation said
// of it, since its file never reached the values. Errors stay in form
// order.
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
	for path, p := range files.probs {
		fl := f.byPath[path]
		if upTo >= 0 && f.stepOf(splitPath(path)) > upTo {
			continue
		}
		params := fileParams(fl, p.code, p.limit)
		ve.Errors = append(ve.Errors, FieldError{Pointer: fl.Pointer, Field: fl.Path, Code: p.code, Params: params,
			Message: l.fieldMessage(fl, p.code, params)})
	}
	order := func(fe FieldError) int {
		switch fl := f.byPath[fe.Field]; {
		case fe.Code == "moreErrors":
			return len(f.ordered) + 1
		case fl != nil:
			return fl.order
		}
		return len(f.ordered)
	}
	sort.SliceStable(ve.Errors, func(i, j int) bool { return order(ve.Errors[i]) < order(ve.Errors[j]) })
	if len(ve.Errors) == 0 {
		return nil
	}
	return ve
}

// splitPath returns the top-level name of a dotted path.
func splitPath(path string) string {
	for i := 0; i < len(path); i++ {
		if path[i] == '.' {
			return path[:i]
		}
	}
	return path
}
