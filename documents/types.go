package documents

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"mime"
	"strings"

	"github.com/gabriel-vasile/mimetype"
	"gocloud.dev/blob"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/forms"
)

// activeTypes are the types a browser may run as a page or a script.
// Neither they nor any type sniffed as one of their kind (XHTML, RSS and
// other XML) is ever accepted, whatever an Accept list says.
var activeTypes = []string{"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "text/javascript"}

func isActive(m *mimetype.MIME) bool {
	for ; m != nil; m = m.Parent() {
		for _, t := range activeTypes {
			if m.Is(t) {
				return true
			}
		}
	}
	return false
}

// parseAccept normalizes an Accept list ("image/jpeg", "image/*") and
// refuses one that names an active type or "*/*".
func parseAccept(list []string) ([]string, error) {
	if len(list) == 0 {
		return nil, invalid("upload accepts no media type")
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		t, _, err := mime.ParseMediaType(e)
		if err != nil || strings.Count(t, "/") != 1 {
			return nil, invalid("accepted media type %q is malformed", e)
		}
		major, minor, _ := strings.Cut(t, "/")
		if major == "*" || major == "" || minor == "" {
			return nil, invalid("accepted media type %q is not type/subtype or type/*", e)
		}
		if minor != "*" {
			if m := mimetype.Lookup(t); m != nil && isActive(m) {
				return nil, invalid("accepted media type %q can run as a page or script in a browser", e)
			}
			for _, a := range activeTypes {
				if t == a {
					return nil, invalid("accepted media type %q can run as a page or script in a browser", e)
				}
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// sniff returns the media type of a file from its first bytes, without
// parameters, and whether accept admits it.
func sniff(head []byte, accept []string) (string, bool) {
	m := mimetype.Detect(head)
	typ, _, err := mime.ParseMediaType(m.String())
	if err != nil {
		typ = "application/octet-stream"
	}
	if isActive(m) {
		return typ, false
	}
	major, _, _ := strings.Cut(typ, "/")
	for _, a := range accept {
		if a == major+"/*" || m.Is(a) {
			return typ, true
		}
	}
	return typ, false
}

func isImage(typ string) bool { return strings.HasPrefix(typ, "image/") }

// The image formats the standard library decodes: a file of one of these
// types must decode whole to be accepted.
var decoders = map[string]struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
	encode func(io.Writer, image.Image) error // nil: no public copy
}{
	"image/jpeg": {jpeg.DecodeConfig, jpeg.Decode, func(w io.Writer, m image.Image) error {
		return jpeg.Encode(w, m, &jpeg.Options{Quality: 90})
	}},
	"image/png": {png.DecodeConfig, png.Decode, png.Encode},
	"image/gif": {gif.DecodeConfig, gif.Decode, nil},
}

// htmlMarkers are the markup an image never holds; one found anywhere in
// an image's bytes (ASCII case folded) makes it a polyglot, refused. They
// are long enough that compressed pixels do not hold one by chance.
var htmlMarkers = []string{
	"<script", "<iframe", "<!doctype", "<html>", "<html ", "<body>", "<body ",
	"<object", "<embed ", "javascript:", "onerror=", "onload=",
}

// checkImage decodes an image of a type the standard library knows, after
// checking its dimensions, and writes the public copy: the pixels encoded
// anew, without the metadata (EXIF, GPS, comments) of the original.
// Refusals are *forms.FileError.
func (s *Store) checkImage(ctx context.Context, a *adapters.Attachment) error {
	d, ok := decoders[a.Type]
	if !ok {
		return nil
	}
	refuse := &forms.FileError{Kind: forms.FileType, Type: a.Type}
	r, err := s.read(ctx, *a, a.Key)
	if err != nil {
		return fmt.Errorf("documents: read %s: %w", a.Key, err)
	}
	cfg, err := d.config(r)
	_ = r.Close()
	if err != nil {
		return refuse
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return refuse
	}
	if int64(cfg.Width)*int64(cfg.Height) > s.maxPixels {
		return &forms.FileError{Kind: forms.FileTooLarge, Type: a.Type}
	}
	if r, err = s.read(ctx, *a, a.Key); err != nil {
		return fmt.Errorf("documents: read %s: %w", a.Key, err)
	}
	img, err := d.decode(r)
	_ = r.Close()
	if err != nil {
		return refuse
	}
	if d.encode == nil {
		return nil
	}
	key := publicKey(a.ID)
	var buf bytes.Buffer // at most the pixels once more, bounded by MaxPixels
	if err := d.encode(&buf, img); err != nil {
		return fmt.Errorf("documents: encode the public copy of %s: %w", a.ID, err)
	}
	if err := s.writeAll(ctx, *a, key, &buf); err != nil {
		return err
	}
	a.PublicKey = key
	return nil
}

// writeAll writes r to the bucket under key, sealed when a is.
func (s *Store) writeAll(ctx context.Context, a adapters.Attachment, key string, r io.Reader) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(wctx, key, &blob.WriterOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return fmt.Errorf("documents: write %s: %w", key, err)
	}
	err = func() error {
		if !a.Sealed {
			_, err := copyBytes(w, r)
			return err
		}
		sw, err := s.ring.SealStream(w, purpose(key))
		if err != nil {
			return err
		}
		if _, err := copyBytes(sw, r); err != nil {
			return err
		}
		return sw.Close()
	}()
	if err != nil {
		cancel()
		_ = w.Close()
		return fmt.Errorf("documents: write %s: %w", key, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("documents: write %s: %w", key, err)
	}
	return nil
}
