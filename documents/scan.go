package documents

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/civickit/civickit/adapters"
)

// Scanner checks a file before anyone may read it: a city plugs its
// antivirus in here (a clamd client, a cloud scanning API).
type Scanner interface {
	// Scan reads the file's bytes (the original, opened if sealed) and
	// returns its verdict. An error means the file could not be scanned
	// now (the scanner is unavailable): the file stays quarantined and
	// Store.ScanPending tries again. A file the scanner cannot judge (an
	// encrypted archive) should get a verdict, not an error, or it is
	// tried again forever.
	Scan(ctx context.Context, r io.Reader) (Verdict, error)
}

// Verdict is a scanner's judgment of one file. The zero Verdict is not
// clean: a scanner that forgets to say so rejects.
type Verdict struct {
	// Clean reports that the scan found nothing.
	Clean bool
	// Reason says what was found ("Eicar-Test-Signature"), kept in the
	// attachment's record. It must not quote the file's content.
	Reason string
}

// ScanFunc adapts a function to the Scanner interface.
type ScanFunc func(ctx context.Context, r io.Reader) (Verdict, error)

// Scan calls f.
func (f ScanFunc) Scan(ctx context.Context, r io.Reader) (Verdict, error) { return f(ctx, r) }

// eicarSignature is the antivirus test file's content, which every
// antivirus detects and which is harmless.
const eicarSignature = `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`

// EICAR is a Scanner for tests and demos, not an antivirus: it rejects
// any file containing the EICAR antivirus test string (reason
// "Eicar-Test-Signature") and passes every other file. A real antivirus
// rejects the same test file, so a test written against EICAR holds in
// production.
type EICAR struct{}

// Scan implements Scanner.
func (EICAR) Scan(ctx context.Context, r io.Reader) (Verdict, error) {
	f := newFinder([]string{eicarSignature}, false)
	if _, err := copyBytes(f, r); err != nil {
		return Verdict{}, err
	}
	if f.found() {
		return Verdict{Reason: "Eicar-Test-Signature"}, nil
	}
	return Verdict{Clean: true}, nil
}

// scan runs the scanner over an attachment's original bytes.
func (s *Store) scan(ctx context.Context, a adapters.Attachment) (Verdict, error) {
	r, err := s.read(ctx, a, a.Key)
	if err != nil {
		return Verdict{}, fmt.Errorf("documents: read %s: %w", a.Key, err)
	}
	defer r.Close()
	v, err := s.scanner.Scan(ctx, r)
	if err != nil {
		return Verdict{}, fmt.Errorf("documents: scan %s: %w", a.ID, err)
	}
	return v, nil
}

// scanPendingAfter keeps ScanPending off the files whose Put is still
// scanning them.
const scanPendingAfter = time.Minute

// ScanPending scans the quarantined files the scanner could not scan when
// they were uploaded, oldest first, up to adapters.MaxPageSize of them
// uploaded more than a minute ago, and returns how many it decided: clean
// files become readable; rejected ones lose their bytes and keep a record
// with status rejected and the scanner's reason (a submitted file stays
// listed on its case). Files the scanner still cannot scan stay
// quarantined; their errors are returned joined. A worker calls it now and
// then (every few minutes). Without a scanner it does nothing.
func (s *Store) ScanPending(ctx context.Context) (int, error) {
	if s.scanner == nil {
		return 0, nil
	}
	list, err := s.records.ListAttachmentsByStatus(ctx, adapters.AttachmentQuarantined, scanBatch)
	if err != nil {
		return 0, fmt.Errorf("documents: list quarantined: %w", err)
	}
	cutoff := s.now().Add(-scanPendingAfter)
	decided := 0
	var errs []error
	for _, a := range list {
		if !a.CreatedAt.Before(cutoff) {
			break // oldest first: the rest are newer still
		}
		if err := ctx.Err(); err != nil {
			return decided, errors.Join(append(errs, err)...)
		}
		v, err := s.scan(ctx, a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if v.Clean {
			err = s.setStatus(ctx, a, adapters.AttachmentClean, "")
		} else if err = s.deleteBlobs(ctx, a); err == nil {
			err = s.setStatus(ctx, a, adapters.AttachmentRejected, cmpOr(v.Reason, "rejected by the scanner"))
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		decided++
	}
	return decided, errors.Join(errs...)
}
