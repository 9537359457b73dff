package forms

import (
	"context"
	"io"

	"github.com/civickit/civickit/adapters"
)

// FileStore keeps the files that form posts carry (fields with x-widget
// "file"). The documents package implements it over a gocloud.dev/blob
// bucket; a post streams each file part to Put as it arrives, so no file
// is ever held whole in memory.
type FileStore interface {
	// Put stores one file and returns its reference. It reads Body to
	// its end unless it refuses the file; a refusal of the file itself
	// (type not accepted, larger than MaxSize, empty, rejected by the
	// scan) is a *FileError and leaves nothing stored. Other errors are
	// the store's own failures.
	Put(ctx context.Context, up Upload) (adapters.FileRef, error)
	// Ref returns the reference of a stored, not yet submitted file that
	// the owner uploaded, for a file carried from one page of a form to
	// the next. Any other id is adapters.ErrNotFound.
	Ref(ctx context.Context, id, owner, ownerIssuer string) (adapters.FileRef, error)
	// Discard removes files stored for a request that then failed as a
	// whole (a truncated body, a malformed part), so nothing is left
	// behind. Unknown ids are skipped.
	Discard(ctx context.Context, ids ...string) error
}

// Upload is one file part of a post, as FileStore.Put receives it.
type Upload struct {
	// Field is the dotted path of the field the file answers
	// ("photos", "members.2.proof").
	Field string
	// Name is the file name the client sent, uncleaned: Put keeps only a
	// cleaned label of it.
	Name string
	// Accept lists the media types the field accepts (x-accept); Put
	// sniffs the content and refuses any other type.
	Accept []string
	// MaxSize bounds the file's length in bytes.
	MaxSize int64
	// Sealed asks for the bytes to be sealed at rest: the field is
	// marked PII.
	Sealed bool
	// Owner and OwnerIssuer are the identity of the uploader; empty when
	// anonymous.
	Owner, OwnerIssuer string
	// Body is the file's content.
	Body io.Reader
}

// FileError is a refusal of one uploaded file. Kind says why and selects
// the localized message the field error shows.
type FileError struct {
	// Kind is one of FileTooLarge, FileType, FileEmpty, FileRejected.
	Kind string
	// Type is the sniffed media type, for FileType.
	Type string
}

// The kinds of FileError.
const (
	// FileTooLarge: the file is longer than the field allows.
	FileTooLarge = "too-large"
	// FileType: the content is not of an accepted type.
	FileType = "type"
	// FileEmpty: the file has no content.
	FileEmpty = "empty"
	// FileRejected: the scan refused the file.
	FileRejected = "rejected"
)

// Error implements error.
func (e *FileError) Error() string {
	if e.Type != "" {
		return "forms: file refused: " + e.Kind + " (" + e.Type + ")"
	}
	return "forms: file refused: " + e.Kind
}
