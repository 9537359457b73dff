package documents

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// buckets
	_ "gocloud.dev/blob/memblob"  // mem:// buckets
	"gocloud.dev/gcerrors"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/keyring"
)

// Defaults of a zero Config field.
const (
	// DefaultLinkTTL is how long a link from Store.Link serves its file.
	DefaultLinkTTL = 5 * time.Minute
	// DefaultOrphanAge is how long an upload no submission names is kept:
	// as long as a draft that carries it stays resumable
	// (forms.DefaultDraftTTL), so resuming a draft never finds its files
	// gone.
	DefaultOrphanAge = forms.DefaultDraftTTL
	// DefaultMaxPixels bounds the width times height of an image: a
	// larger one is refused before it is decoded.
	DefaultMaxPixels = 50_000_000
	// DefaultLinkPath is the URL path Store.Link puts before its tokens.
	DefaultLinkPath = "/files/"
	// MinLinkKeyLen is the shortest Config.LinkKey.
	MinLinkKeyLen = 32
)

// scanBatch is how many records ScanPending and PurgeOrphans take per
// listing.
const scanBatch = adapters.MaxPageSize

// Config configures a Store. Bucket, Records, LinkKey and a Scanner (or
// SkipScan) are required; zero durations and limits mean the defaults.
type Config struct {
	// Bucket is the gocloud.dev/blob URL of the bucket the bytes are kept
	// in: "file:///var/lib/cityhall/files?create_dir=1", "mem://" in
	// tests. This package registers file:// and mem://; for "s3://",
	// "gs://" or "azblob://" the program imports the driver itself
	// (import _ "gocloud.dev/blob/s3blob"). A file:// bucket on another
	// mount than the system's temporary folder needs no_tmp_dir=1 (see
	// gocloud.dev/blob/fileblob).
	Bucket string
	// Records keeps the attachment records.
	Records adapters.AttachmentStore
	// Scanner checks every file before anyone may read it.
	Scanner Scanner
	// SkipScan marks files clean without a scan. It is for programs with
	// no scanner at all (a demo); it cannot be set with Scanner.
	SkipScan bool
	// Ring seals the bytes of files from fields marked PII. A Store
	// without one refuses such uploads.
	Ring *keyring.KeyRing
	// LinkKey is the HMAC-SHA256 key of the links Store.Link signs, at
	// least MinLinkKeyLen random bytes, shared by every process that
	// serves the links.
	LinkKey []byte
	// LinkPath is the URL path Store.Handler is mounted at; Link puts it
	// before its tokens. Default DefaultLinkPath.
	LinkPath string
	// LinkTTL is how long a link serves its file. Default
	// DefaultLinkTTL.
	LinkTTL time.Duration
	// OrphanAge is how long an upload that no submission names is kept
	// before PurgeOrphans removes it. Default DefaultOrphanAge. Where
	// drafts carry files, keep it at least the drafts' TTL
	// (forms.DraftsConfig.TTL): Ref refuses, and PurgeOrphans removes,
	// files older than this.
	OrphanAge time.Duration
	// MaxPixels bounds width times height of the images decoded. Default
	// DefaultMaxPixels.
	MaxPixels int64
	// Now is the clock; default time.Now.
	Now func() time.Time
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("documents: %w: "+format, append([]any{adapters.ErrInvalidArgument}, args...)...)
}

// Validate reports every problem of the configuration, each wrapping
// adapters.ErrInvalidArgument.
func (c Config) Validate() error {
	var errs []error
	if c.Bucket == "" {
		errs = append(errs, invalid("no bucket URL"))
	}
	if c.Records == nil {
		errs = append(errs, invalid("no attachment store (Records)"))
	}
	switch {
	case c.Scanner == nil && !c.SkipScan:
		errs = append(errs, invalid("no Scanner: set one, or SkipScan to store files unscanned"))
	case c.Scanner != nil && c.SkipScan:
		errs = append(errs, invalid("both a Scanner and SkipScan"))
	}
	if len(c.LinkKey) < MinLinkKeyLen {
		errs = append(errs, invalid("link key is %d bytes, want at least %d", len(c.LinkKey), MinLinkKeyLen))
	}
	if c.LinkPath != "" && c.LinkPath[0] != '/' {
		errs = append(errs, invalid("link path %q does not start with /", c.LinkPath))
	}
	if c.LinkTTL < 0 {
		errs = append(errs, invalid("link TTL %v is negative", c.LinkTTL))
	}
	if c.OrphanAge < 0 {
		errs = append(errs, invalid("orphan age %v is negative", c.OrphanAge))
	}
	if c.MaxPixels < 0 {
		errs = append(errs, invalid("max pixels %d is negative", c.MaxPixels))
	}
	return errors.Join(errs...)
}

// Store keeps uploaded files in a blob bucket and their records in an
// adapters.AttachmentStore. It implements forms.FileStore.
type Store struct {
	bucket    *blob.Bucket
	records   adapters.AttachmentStore
	scanner   Scanner
	ring      *keyring.KeyRing
	linkKey   []byte
	linkPath  string
	linkTTL   time.Duration
	orphanAge time.Duration
	maxPixels int64
	now       func() time.Time
}

var _ forms.FileStore = (*Store)(nil)

// Open validates cfg and opens the bucket.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	b, err := blob.OpenBucket(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("documents: open bucket: %w", err)
	}
	s := &Store{
		bucket:    b,
		records:   cfg.Records,
		scanner:   cfg.Scanner,
		ring:      cfg.Ring,
		linkKey:   append([]byte(nil), cfg.LinkKey...),
		linkPath:  cmpOr(cfg.LinkPath, DefaultLinkPath),
		linkTTL:   cmpOr(cfg.LinkTTL, DefaultLinkTTL),
		orphanAge: cmpOr(cfg.OrphanAge, DefaultOrphanAge),
		maxPixels: cmpOr(cfg.MaxPixels, DefaultMaxPixels),
		now:       cfg.Now,
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Close closes the bucket. It does not close Records.
func (s *Store) Close() error { return s.bucket.Close() }

// The blob keys of an attachment. Quarantine is the record's status, not
// a place: the record's key cannot change after the scan.
func originalKey(id string) string { return "original/" + id }
func publicKey(id string) string   { return "public/" + id }

// purpose binds a sealed blob to its key, so the bytes of one attachment
// never open as another's.
func purpose(key string) string { return "civickit/documents\x00" + key }

// Put stores one uploaded file; see forms.FileStore and the package doc
// for what it checks. Refusals are *forms.FileError and leave nothing in
// the bucket or the records. A file the scanner could not scan (the
// scanner failed) is stored quarantined and returned without an error:
// ScanPending scans it later.
func (s *Store) Put(ctx context.Context, up forms.Upload) (adapters.FileRef, error) {
	accept, err := parseAccept(up.Accept)
	switch {
	case err != nil:
	case up.Field == "":
		err = invalid("upload names no field")
	case up.MaxSize <= 0:
		err = invalid("field %q has no MaxSize", up.Field)
	case up.Body == nil:
		err = invalid("field %q upload has no body", up.Field)
	case up.Sealed && s.ring == nil:
		err = invalid("field %q is sealed (PII) but the store has no key ring", up.Field)
	}
	if err != nil {
		return adapters.FileRef{}, err
	}
	id := rand.Text()
	a := adapters.Attachment{
		FileRef:     adapters.FileRef{ID: id, Field: up.Field},
		Owner:       up.Owner,
		OwnerIssuer: up.OwnerIssuer,
		Status:      adapters.AttachmentQuarantined,
		Key:         originalKey(id),
		Sealed:      up.Sealed,
	}
	// Clean-up outlives a cancelled request: nothing is left behind.
	bg := context.WithoutCancel(ctx)
	typ, err := s.write(ctx, &a, up, accept)
	if err != nil {
		return adapters.FileRef{}, err
	}
	a.Name = cleanName(up.Name, typ)
	if err := s.checkImage(ctx, &a); err != nil {
		_ = s.deleteBlobs(bg, a)
		return adapters.FileRef{}, err
	}
	a.CreatedAt = s.now()
	a.UpdatedAt = a.CreatedAt
	if err := s.records.PutAttachment(ctx, a); err != nil {
		_ = s.deleteBlobs(bg, a)
		return adapters.FileRef{}, fmt.Errorf("documents: record upload of field %q: %w", up.Field, err)
	}
	if s.scanner == nil {
		if err := s.setStatus(ctx, a, adapters.AttachmentClean, ""); err != nil {
			_ = s.remove(bg, a)
			return adapters.FileRef{}, err
		}
		return a.FileRef, nil
	}
	v, err := s.scan(ctx, a)
	switch {
	case err != nil:
		// The scanner is unavailable: the file stays quarantined, unread
		// by anyone, until ScanPending scans it.
		return a.FileRef, nil
	case !v.Clean:
		if err := s.remove(bg, a); err != nil {
			return adapters.FileRef{}, err
		}
		return adapters.FileRef{}, &forms.FileError{Kind: forms.FileRejected, Type: a.Type}
	}
	if err := s.setStatus(ctx, a, adapters.AttachmentClean, ""); err != nil {
		_ = s.remove(bg, a)
		return adapters.FileRef{}, err
	}
	return a.FileRef, nil
}

// sniffLen is how much of a file the type is sniffed from: what mimetype
// reads by default.
const sniffLen = 4096

// write streams up.Body to the bucket under a.Key, sealed when asked,
// counting its length and SHA-256 on the way, and returns the sniffed
// media type. On any error nothing is left under the key.
func (s *Store) write(ctx context.Context, a *adapters.Attachment, up forms.Upload, accept []string) (string, error) {
	hash := sha256.New()
	var size counter
	markup := newFinder(htmlMarkers, true)
	src := io.TeeReader(io.LimitReader(up.Body, up.MaxSize+1), io.MultiWriter(hash, &size, markup))

	head := make([]byte, sniffLen)
	n, err := io.ReadFull(src, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return "", fmt.Errorf("documents: read upload of field %q: %w", up.Field, err)
	}
	head = head[:n]
	if n == 0 {
		return "", &forms.FileError{Kind: forms.FileEmpty}
	}
	typ, ok := sniff(head, accept)
	if !ok {
		return "", &forms.FileError{Kind: forms.FileType, Type: typ}
	}
	if int64(n) > up.MaxSize {
		return "", &forms.FileError{Kind: forms.FileTooLarge, Type: typ}
	}
	// markup matters only where a browser could be led to render an
	// image as a page; a PDF or a text file is served as an attachment
	markup.off = !isImage(typ)

	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(wctx, a.Key, &blob.WriterOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return "", fmt.Errorf("documents: write %s: %w", a.Key, err)
	}
	abort := func(err error) (string, error) {
		cancel() // a cancelled writer discards what it was given
		_ = w.Close()
		_ = s.deleteKey(context.WithoutCancel(ctx), a.Key)
		return "", err
	}
	var dst io.Writer = w
	var sw io.WriteCloser
	if a.Sealed {
		if sw, err = s.ring.SealStream(w, purpose(a.Key)); err != nil {
			return abort(fmt.Errorf("documents: seal %s: %w", a.Key, err))
		}
		dst = sw
	}
	if _, err := dst.Write(head); err != nil {
		return abort(fmt.Errorf("documents: write %s: %w", a.Key, err))
	}
	if _, err := copyBytes(dst, src); err != nil {
		return abort(fmt.Errorf("documents: store upload of field %q: %w", up.Field, err))
	}
	if size.n > up.MaxSize {
		return abort(&forms.FileError{Kind: forms.FileTooLarge, Type: typ})
	}
	if isImage(typ) && markup.found() {
		return abort(&forms.FileError{Kind: forms.FileType, Type: typ})
	}
	if sw != nil {
		if err := sw.Close(); err != nil {
			return abort(fmt.Errorf("documents: seal %s: %w", a.Key, err))
		}
	}
	if err := w.Close(); err != nil {
		return abort(fmt.Errorf("documents: write %s: %w", a.Key, err))
	}
	a.Type, a.Size, a.SHA256 = typ, size.n, hex.EncodeToString(hash.Sum(nil))
	return typ, nil
}

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// read opens the plaintext of the blob under key.
func (s *Store) read(ctx context.Context, a adapters.Attachment, key string) (io.ReadCloser, error) {
	r, err := s.bucket.NewReader(ctx, key, nil)
	if err != nil {
		return nil, err
	}
	if !a.Sealed {
		// hide the blob reader's WriteTo, which allocates 1 MiB a call,
		// from the scanner's and the handler's copies
		return struct {
			io.Reader
			io.Closer
		}{r, r}, nil
	}
	if s.ring == nil {
		_ = r.Close()
		return nil, fmt.Errorf("documents: %s is sealed and the store has no key ring", key)
	}
	pr, err := s.ring.OpenStream(r, purpose(key))
	if err != nil {
		_ = r.Close()
		return nil, fmt.Errorf("documents: open sealed %s: %w", key, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{pr, r}, nil
}

func (s *Store) setStatus(ctx context.Context, a adapters.Attachment, st adapters.AttachmentStatus, reason string) error {
	pk := a.PublicKey
	if st == adapters.AttachmentRejected {
		pk = ""
	}
	err := s.records.UpdateAttachment(ctx, adapters.AttachmentUpdate{ID: a.ID, Status: st, Reason: reason, PublicKey: pk, At: s.now()})
	if err != nil {
		return fmt.Errorf("documents: mark attachment %s %s: %w", a.ID, st, err)
	}
	return nil
}

// deleteKey removes a blob; one already gone is no error.
func (s *Store) deleteKey(ctx context.Context, key string) error {
	if key == "" {
		return nil
	}
	if err := s.bucket.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("documents: delete %s: %w", key, err)
	}
	return nil
}

// deleteBlobs removes every blob of an attachment.
func (s *Store) deleteBlobs(ctx context.Context, a adapters.Attachment) error {
	keys := []string{a.Key, publicKey(a.ID)}
	if a.PublicKey != "" && a.PublicKey != keys[1] {
		keys = append(keys, a.PublicKey)
	}
	var errs []error
	for _, k := range keys {
		errs = append(errs, s.deleteKey(ctx, k))
	}
	return errors.Join(errs...)
}

// remove deletes an attachment's blobs, then its record: a record is
// never left without its bytes being gone or still to remove.
func (s *Store) remove(ctx context.Context, a adapters.Attachment) error {
	if err := s.deleteBlobs(ctx, a); err != nil {
		return err
	}
	if err := s.records.DeleteAttachment(ctx, a.ID); err != nil && !errors.Is(err, adapters.ErrNotFound) {
		return fmt.Errorf("documents: delete attachment %s: %w", a.ID, err)
	}
	return nil
}

// Ref returns the reference of an upload for a later page of the same
// form: an attachment the owner (subject and issuer, both empty for an
// anonymous upload) stored, not yet submitted, not rejected (clean, or
// quarantined while its scan is pending) and younger than OrphanAge.
// Anything else is adapters.ErrNotFound. Attachment ids are 128 random
// bits: an anonymous upload is found only by who was given its id.
func (s *Store) Ref(ctx context.Context, id, owner, ownerIssuer string) (adapters.FileRef, error) {
	if id == "" {
		return adapters.FileRef{}, fmt.Errorf("documents: ref: %w", adapters.ErrNotFound)
	}
	a, err := s.records.GetAttachment(ctx, id)
	if err != nil {
		return adapters.FileRef{}, fmt.Errorf("documents: ref %s: %w", id, err)
	}
	if a.CaseID != "" || a.SubmissionID != "" || a.Owner != owner || a.OwnerIssuer != ownerIssuer ||
		a.Status == adapters.AttachmentRejected || !s.now().Before(a.CreatedAt.Add(s.orphanAge)) {
		return adapters.FileRef{}, fmt.Errorf("documents: ref %s: %w", id, adapters.ErrNotFound)
	}
	return a.FileRef, nil
}

// Discard removes the blobs and records of uploads no submission names.
// Unknown ids and submitted files are skipped.
func (s *Store) Discard(ctx context.Context, ids ...string) error {
	var errs []error
	for _, id := range ids {
		if id == "" {
			continue
		}
		a, err := s.records.GetAttachment(ctx, id)
		if errors.Is(err, adapters.ErrNotFound) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("documents: discard %s: %w", id, err))
			continue
		}
		if a.CaseID != "" || a.SubmissionID != "" {
			continue
		}
		errs = append(errs, s.remove(ctx, a))
	}
	return errors.Join(errs...)
}

// PurgeOrphans removes the uploads no submission named within OrphanAge
// of their upload, bytes and records, and returns how many it removed. A
// worker calls it now and then (hourly); it stops at the first listing
// that fails and reports the removals that failed, joined.
func (s *Store) PurgeOrphans(ctx context.Context) (int, error) {
	before := s.now().Add(-s.orphanAge)
	removed := 0
	var errs []error
	for {
		list, err := s.records.ListOrphanAttachments(ctx, before, scanBatch)
		if err != nil {
			return removed, errors.Join(append(errs, fmt.Errorf("documents: list orphans: %w", err))...)
		}
		n := 0
		for _, a := range list {
			if err := s.remove(ctx, a); err != nil {
				errs = append(errs, err)
				continue
			}
			n++
		}
		removed += n
		if len(list) < scanBatch || n == 0 {
			return removed, errors.Join(errs...)
		}
	}
}
