package letter

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/civickit/civickit/adapters"
)

// Job is one letter to print and mail.
type Job struct {
	// PDF is the letter, laid out for the configured paper and envelope.
	PDF []byte
	// Address is the recipient's address, one line per element, as
	// printed in the window.
	Address []string
	// Pages is the letter's page count.
	Pages int
	// IdempotencyKey is the outbox message's key: a job with a key the
	// printer has seen is not printed again.
	IdempotencyKey string
	// MessageID is the outbox message's id; CaseID the case's, or empty.
	MessageID, CaseID string
}

// Printer prints and mails letters: a print-and-mail vendor's API, or a
// FolderDrop in development. Implementations are safe for concurrent use.
type Printer interface {
	// Print accepts one job and returns the printer's id for it. A job
	// whose IdempotencyKey the printer has accepted before is not
	// printed again: Print returns the first job's id and no error.
	// Print honours ctx's deadline. An error the job will always meet
	// (a refused address, a rejected document) is wrapped with
	// adapters.Permanent; any other error is temporary and the send is
	// retried.
	Print(ctx context.Context, job Job) (id string, err error)
}

// MaxNameKey is the most characters of a job's key kept readable in a
// FolderDrop file name.
const MaxNameKey = 64

// FolderDrop is a Printer for development that writes each job into a
// folder as <name>.pdf with a <name>.json sidecar, where name is the
// job's idempotency key made safe for a file name (letters, digits, ".",
// "-" and "_" kept, other characters as "_", at most MaxNameKey of them)
// followed by "-" and 16 hex digits of the key's SHA-256, so that keys
// differing only in unsafe characters do not share a file. A job with no
// key is named by its message id, or else by its PDF's SHA-256.
//
// Both files are written atomically (a temporary file, synced, then
// renamed; the folder synced after), sidecar first, so a PDF in the
// folder always has its sidecar. A second job with the same key writes
// nothing and returns the first one's path. Print's id is the PDF's path.
type FolderDrop struct {
	dir string
	mu  sync.Mutex // one job per key at a time within the process
}

var _ Printer = (*FolderDrop)(nil)

// Sidecar is the JSON written beside each PDF by a FolderDrop.
type Sidecar struct {
	// IdempotencyKey, MessageID and CaseID are the job's.
	IdempotencyKey string `json:"idempotency_key"`
	MessageID      string `json:"message_id"`
	CaseID         string `json:"case_id,omitempty"`
	// Address is the recipient's address, one line per element.
	Address []string `json:"address"`
	// Pages is the letter's page count.
	Pages int `json:"pages"`
	// File is the PDF's file name in the folder; SHA256 its hash in hex.
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
}

// NewFolderDrop returns a FolderDrop writing into dir, which it creates
// (with mode 0750) when missing.
func NewFolderDrop(dir string) (*FolderDrop, error) {
	if dir == "" {
		return nil, fmt.Errorf("letter: folder drop: no folder: %w", adapters.ErrInvalidArgument)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("letter: folder drop: %w", err)
	}
	return &FolderDrop{dir: dir}, nil
}

// Dir returns the folder the drop writes into.
func (f *FolderDrop) Dir() string { return f.dir }

// Print implements Printer. Errors writing the folder are temporary; a
// job with no PDF is refused as a permanent failure wrapping
// adapters.ErrInvalidArgument.
func (f *FolderDrop) Print(ctx context.Context, job Job) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("letter: folder drop: %w", err)
	}
	if len(job.PDF) == 0 {
		return "", adapters.Permanent("", fmt.Errorf("letter: folder drop: message %q: no PDF: %w", job.MessageID, adapters.ErrInvalidArgument))
	}
	sum := sha256.Sum256(job.PDF)
	name := FileName(job.IdempotencyKey)
	switch {
	case job.IdempotencyKey != "":
	case job.MessageID != "":
		name = FileName(job.MessageID)
	default:
		name = "pdf-" + hex.EncodeToString(sum[:8])
	}
	path := filepath.Join(f.dir, name+".pdf")
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := os.Stat(path); err == nil {
		return path, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("letter: folder drop: %w", err)
	}
	side, err := json.MarshalIndent(Sidecar{
		IdempotencyKey: job.IdempotencyKey, MessageID: job.MessageID, CaseID: job.CaseID,
		Address: job.Address, Pages: job.Pages, File: name + ".pdf", SHA256: hex.EncodeToString(sum[:]),
	}, "", "  ")
	if err != nil {
		return "", fmt.Errorf("letter: folder drop: %w", err)
	}
	if err := writeAtomic(f.dir, name+".json", append(side, '\n')); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("letter: folder drop: %w", err)
	}
	if err := writeAtomic(f.dir, name+".pdf", job.PDF); err != nil {
		return "", err
	}
	return path, nil
}

// FileName is the file name (without extension) a FolderDrop gives the
// job with the key.
func FileName(key string) string {
	var b strings.Builder
	for _, r := range key {
		if b.Len() == MaxNameKey {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == '.' && b.Len() > 0: // no hidden files, no ".."
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	sum := sha256.Sum256([]byte(key))
	return b.String() + "-" + hex.EncodeToString(sum[:8])
}

// writeAtomic writes data to dir/name through a synced temporary file
// renamed into place, then syncs dir so the rename survives a crash.
func writeAtomic(dir, name string, data []byte) (err error) {
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("letter: folder drop: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o640)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, name))
	}
	if err != nil {
		return fmt.Errorf("letter: folder drop: write %s: %w", name, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("letter: folder drop: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("letter: folder drop: sync folder: %w", err)
	}
	return nil
}
