// Package documents keeps the files residents upload with forms: it
// stores them in a gocloud.dev/blob bucket, checks and scans them before
// anyone may read them, and serves them through short-lived signed links.
// It also makes documents from a city service's records: a PDF copy of a
// form submission in the resident's language (WriteCopy).
//
// # How it fits
//
// A Store implements forms.FileStore: forms streams each file part of a
// post to Store.Put, which answers with the adapters.FileRef the
// submission names; workflow opens the case and the attachment store links
// the files to it. The app or casework decides who may see a file (the
// resident who uploaded it, staff allowed to see its case), then calls
// Store.Link and puts the link on the page; Store.Handler serves it. A
// worker calls Store.ScanPending every few minutes and Store.PurgeOrphans
// every hour.
//
// The bytes live in the bucket named by Config.Bucket, the records in an
// adapters.AttachmentStore (the app's memory, sqlite or postgres store).
// This package registers the file:// and mem:// bucket schemes; a city on
// a cloud imports the driver it needs itself:
//
//	import _ "gocloud.dev/blob/s3blob"
//
// # What Put checks
//
// Put trusts nothing the client says about a file. It streams the body to
// the bucket without holding it in memory, counting its length and
// SHA-256 on the way, and refuses it with a *forms.FileError when:
//
//   - it is empty (FileEmpty), or longer than Upload.MaxSize (FileTooLarge);
//   - the type sniffed from its first bytes (github.com/gabriel-vasile/mimetype)
//     is not in Upload.Accept (FileType). Accept holds exact media types
//     ("application/pdf", aliases included) or "type/*" wildcards
//     ("image/*");
//   - it is active content, which a browser may run as a page or a script:
//     HTML, XHTML, SVG, any XML, JavaScript (FileType). No Accept list may
//     name these, nor "*/*": Put refuses such a list with
//     adapters.ErrInvalidArgument;
//   - it is an image holding markup ("<script", "<html ", "onerror=" ...,
//     case folded, anywhere in its bytes): a polyglot (FileType);
//   - it is a JPEG, PNG or GIF that does not decode whole (FileType), or
//     whose width times height exceeds Config.MaxPixels (FileTooLarge),
//     checked before decoding;
//   - the Scanner rejects it (FileRejected).
//
// A refusal leaves nothing in the bucket or the records. The file name is
// kept only as a cleaned label: its base name, without control, bidi or
// reserved characters, at most MaxNameLen runes, with the sniffed type's
// extension appended when it has another.
//
// # Scans and images
//
// The Scanner runs in Put, before the file is readable: the record is
// written quarantined, then marked clean or removed. A city plugs its
// antivirus in as a Scanner; EICAR is one for tests and demos. When the
// scanner fails, the file stays quarantined, unreadable, and Put still
// returns its reference; ScanPending scans it later and either marks it
// clean or removes its bytes and marks the record rejected with the
// scanner's reason (a submitted file stays listed on its case).
//
// A JPEG or PNG gets a public copy: its pixels decoded and encoded anew,
// which drops EXIF (GPS positions included) and every other metadata. The
// original stays for staff. EXIF orientation is not applied to the copy.
//
// # Sealed files
//
// A file from a field marked PII (Upload.Sealed) is sealed at rest with
// Config.Ring (keyring.KeyRing.SealStream, in chunks), and so is its
// public copy, each bound to its blob key. Its size and SHA-256 are those
// of the plaintext. The Handler opens it as it serves it.
//
// # Links
//
// Store.Link signs a link with HMAC-SHA256 over the attachment's id, the
// variant (original or public copy) and the expiry, Config.LinkTTL
// (default five minutes) ahead. A link is a capability: whoever holds it
// reads the file until it expires, so a link is made only after the
// caller's own check. The Handler answers 404, and nothing more, to a link
// that is malformed, tampered with, expired or signed with another key,
// and to a file that is unknown or not clean. It serves the original as a
// download (Content-Disposition attachment) and the public copy inline,
// with the sniffed Content-Type, nosniff, a sandboxing
// Content-Security-Policy and no caching.
//
// # Errors
//
// Refusals of a file are *forms.FileError. Open, Put (for a malformed
// Upload or Accept list, or a sealed upload without a key ring) and
// Config.Validate fail with errors wrapping adapters.ErrInvalidArgument.
// Ref answers adapters.ErrNotFound for every id it does not return. Other
// errors are the bucket's or the record store's, wrapped once.
//
// # Concurrency
//
// A Store is safe for concurrent use, and several processes may share a
// bucket and a record store: ScanPending and PurgeOrphans may run in
// several workers at once (a file scanned twice gets the same verdict).
package documents
