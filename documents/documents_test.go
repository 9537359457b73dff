package documents_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/adapters/sqlite"
	"github.com/civickit/civickit/documents"
	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/keyring"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

type fixture struct {
	store   *documents.Store
	records adapters.Store
	clock   *clock
	ring    *keyring.KeyRing
	down    *atomic.Bool // the scanner is unavailable
}

// setup is where a store keeps bytes and records.
type setup struct {
	bucket  string
	records adapters.Store
}

func memSetup(*testing.T) setup { return setup{"mem://", memory.New()} }

// buckets are the setups a test runs against: everything in memory, and
// a folder bucket with an SQLite store, as a small town would run.
func buckets(*testing.T) map[string]func(*testing.T) setup {
	return map[string]func(*testing.T) setup{
		"mem+memory": memSetup,
		"file+sqlite": func(t *testing.T) setup {
			db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "city.db"), nil)
			require.NoError(t, err)
			t.Cleanup(func() { _ = db.Close() })
			return setup{"file://" + t.TempDir(), db}
		},
	}
}

func newFixture(t *testing.T, su setup, edit ...func(*documents.Config)) *fixture {
	t.Helper()
	f := &fixture{records: su.records, clock: &clock{t: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}, down: new(atomic.Bool)}
	ring, err := keyring.New(keyring.GenerateKey("k1"), nil, &keyring.Config{Grace: keyring.GraceForever})
	require.NoError(t, err)
	f.ring = ring
	cfg := documents.Config{
		Bucket:  su.bucket,
		Records: f.records,
		Scanner: documents.ScanFunc(func(ctx context.Context, r io.Reader) (documents.Verdict, error) {
			if f.down.Load() {
				return documents.Verdict{}, errors.New("clamd: connection refused")
			}
			return documents.EICAR{}.Scan(ctx, r)
		}),
		Ring:    ring,
		LinkKey: bytes.Repeat([]byte{0x42}, 32),
		Now:     f.clock.Now,
	}
	for _, e := range edit {
		e(&cfg)
	}
	s, err := documents.Open(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	f.store = s
	return f
}

func (f *fixture) keys(t *testing.T) []string {
	t.Helper()
	var keys []string
	it := documents.BucketOf(f.store).List(nil)
	for {
		o, err := it.Next(context.Background())
		if err == io.EOF {
			return keys
		}
		require.NoError(t, err)
		keys = append(keys, o.Key)
	}
}

func (f *fixture) allRecords(t *testing.T) []adapters.Attachment {
	t.Helper()
	var all []adapters.Attachment
	for _, st := range []adapters.AttachmentStatus{adapters.AttachmentQuarantined, adapters.AttachmentClean, adapters.AttachmentRejected} {
		list, err := f.records.ListAttachmentsByStatus(context.Background(), st, adapters.MaxPageSize)
		require.NoError(t, err)
		all = append(all, list...)
	}
	return all
}

func (f *fixture) get(t *testing.T, link string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	f.store.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, link, nil))
	return rec.Result()
}

func upload(name string, body []byte, accept ...string) forms.Upload {
	return forms.Upload{
		Field: "proof", Name: name, Accept: accept, MaxSize: 1 << 20,
		Owner: "resident-1", OwnerIssuer: "https://id.example.gov", Body: bytes.NewReader(body),
	}
}

// testJPEG is a small photo, optionally with an EXIF block holding a GPS
// position, as phones write it (an APP1 segment after the SOI marker).
func testJPEG(t testing.TB, w, h int, exif bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(x * 7), uint8(y * 5), 90, 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, nil))
	if !exif {
		return buf.Bytes()
	}
	return insertSegment(buf.Bytes(), 0xE1, exifGPS())
}

// exifGPS is an EXIF payload whose IFD0 points to a GPS IFD with a
// latitude of 40° 26' 46" N.
func exifGPS() []byte {
	var b bytes.Buffer
	b.WriteString("Exif\x00\x00")
	le := binary.BigEndian
	tiff := new(bytes.Buffer)
	tiff.WriteString("MM\x00\x2a")
	_ = binary.Write(tiff, le, uint32(8))
	// IFD0: one entry, the GPS IFD pointer (tag 0x8825).
	_ = binary.Write(tiff, le, uint16(1))
	_ = binary.Write(tiff, le, []uint16{0x8825, 4})
	_ = binary.Write(tiff, le, []uint32{1, 26})
	_ = binary.Write(tiff, le, uint32(0))
	// GPS IFD at 26: GPSLatitudeRef "N" and GPSLatitude (3 rationals at 56).
	_ = binary.Write(tiff, le, uint16(2))
	_ = binary.Write(tiff, le, []uint16{1, 2})
	_ = binary.Write(tiff, le, uint32(2))
	tiff.WriteString("N\x00\x00\x00")
	_ = binary.Write(tiff, le, []uint16{2, 5})
	_ = binary.Write(tiff, le, []uint32{3, 56})
	_ = binary.Write(tiff, le, uint32(0))
	_ = binary.Write(tiff, le, []uint32{40, 1, 26, 1, 46, 1})
	b.Write(tiff.Bytes())
	b.WriteString("GPSLatitude")
	return b.Bytes()
}

// insertSegment puts a JPEG marker segment right after SOI.
func insertSegment(jpg []byte, marker byte, payload []byte) []byte {
	seg := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{}, jpg[:2]...)
	out = append(append(out, seg...), payload...)
	return append(out, jpg[2:]...)
}

func testPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))))
	return buf.Bytes()
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

const eicar = `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`

func TestOpenValidatesConfig(t *testing.T) {
	t.Parallel()
	good := documents.Config{Bucket: "mem://", Records: memory.New(), Scanner: documents.EICAR{}, LinkKey: make([]byte, 32)}
	tests := []struct {
		name string
		edit func(*documents.Config)
		want string
	}{
		{"no bucket", func(c *documents.Config) { c.Bucket = "" }, "no bucket"},
		{"no records", func(c *documents.Config) { c.Records = nil }, "no attachment store"},
		{"no scanner", func(c *documents.Config) { c.Scanner = nil }, "no Scanner"},
		{"scanner and skip", func(c *documents.Config) { c.SkipScan = true }, "both a Scanner and SkipScan"},
		{"short link key", func(c *documents.Config) { c.LinkKey = make([]byte, 16) }, "link key is 16 bytes"},
		{"relative link path", func(c *documents.Config) { c.LinkPath = "files/" }, "does not start with /"},
		{"negative ttl", func(c *documents.Config) { c.LinkTTL = -time.Second }, "link TTL"},
		{"negative orphan age", func(c *documents.Config) { c.OrphanAge = -time.Second }, "orphan age"},
		{"negative max pixels", func(c *documents.Config) { c.MaxPixels = -1 }, "max pixels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := good
			tt.edit(&cfg)
			_, err := documents.Open(context.Background(), cfg)
			require.ErrorIs(t, err, adapters.ErrInvalidArgument)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	_, err := documents.Open(context.Background(), documents.Config{})
	require.Error(t, err)
	assert.GreaterOrEqual(t, strings.Count(err.Error(), "\n"), 3, "Validate must report every problem at once: %v", err)
	_, err = documents.Open(context.Background(), documents.Config{Bucket: "nope://x", Records: memory.New(), SkipScan: true, LinkKey: make([]byte, 32)})
	assert.ErrorContains(t, err, "open bucket", "a bucket scheme nobody registered must fail at Open")
}

func TestPutStoresAndServes(t *testing.T) {
	t.Parallel()
	for name, bucketURL := range buckets(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, bucketURL(t))
			body := []byte("Lease agreement, 12 Elm Street.\n")
			ref, err := f.store.Put(context.Background(), upload("lease.txt", body, "text/plain", "application/pdf"))
			require.NoError(t, err)
			assert.Equal(t, "text/plain", ref.Type)
			assert.Equal(t, int64(len(body)), ref.Size)
			assert.Equal(t, sha(body), ref.SHA256)
			assert.Equal(t, "lease.txt", ref.Name)
			assert.Equal(t, "proof", ref.Field)

			a, err := f.records.GetAttachment(context.Background(), ref.ID)
			require.NoError(t, err)
			assert.Equal(t, adapters.AttachmentClean, a.Status, "a file the scanner passed is clean")
			assert.Equal(t, "resident-1", a.Owner)
			assert.Empty(t, a.PublicKey, "only images get a public copy")
			assert.Equal(t, []string{a.Key}, f.keys(t))

			resp := f.get(t, f.store.Link(a, false))
			require.Equal(t, http.StatusOK, resp.StatusCode)
			got, _ := io.ReadAll(resp.Body)
			assert.Equal(t, body, got)
			assert.Equal(t, "text/plain", resp.Header.Get("Content-Type"))
			assert.Equal(t, "attachment; filename*=UTF-8''lease.txt", resp.Header.Get("Content-Disposition"))
			assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
			assert.Equal(t, "sandbox; default-src 'none'", resp.Header.Get("Content-Security-Policy"))
			assert.Equal(t, "private, no-store", resp.Header.Get("Cache-Control"))
			assert.Equal(t, "32", resp.Header.Get("Content-Length"))
			assert.Empty(t, f.store.Link(a, true), "no public link to a file with no public copy")
		})
	}
}

func TestPutRefusesAndLeavesNothing(t *testing.T) {
	t.Parallel()
	polyglot := insertSegment(testJPEG(t, 16, 16, false), 0xFE, []byte("<SCRIPT>alert(document.cookie)</script>"))
	truncated := testJPEG(t, 64, 64, false)
	truncated = truncated[:len(truncated)/2]
	big := bytes.Repeat([]byte("all work and no play\n"), 100_000) // 2.1 MB
	tests := []struct {
		name   string
		up     forms.Upload
		kind   string
		typ    string
		config func(*documents.Config)
		body   []byte
	}{
		{name: "eicar", up: upload("notes.txt", []byte(eicar), "text/plain"), kind: forms.FileRejected},
		{name: "eicar deep inside", up: upload("notes.txt", append(bytes.Repeat([]byte("a"), 70_000), eicar...), "text/plain"), kind: forms.FileRejected},
		{name: "jpeg that is also html", up: upload("cat.jpg", polyglot, "image/jpeg"), kind: forms.FileType, typ: "image/jpeg"},
		{name: "html named .jpg", up: upload("cat.jpg", []byte("<html><body><script>alert(1)</script>"), "image/jpeg", "image/png"), kind: forms.FileType, typ: "text/html"},
		{name: "html as text/*", up: upload("a.txt", []byte("<!DOCTYPE html><title>x</title>"), "text/*"), kind: forms.FileType, typ: "text/html"},
		{name: "svg as image/*", up: upload("logo.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), "image/*"), kind: forms.FileType, typ: "image/svg+xml"},
		{name: "xhtml as text/*", up: upload("a.txt", []byte(`<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>`), "text/*"), kind: forms.FileType},
		{name: "elf named .jpg", up: upload("photo.jpg", append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 200)...), "image/jpeg"), kind: forms.FileType, typ: "application/x-elf"},
		{name: "windows exe named .jpg", up: upload("photo.jpg", append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 200)...), "image/jpeg", "application/pdf"), kind: forms.FileType},
		{name: "truncated jpeg", up: upload("photo.jpg", truncated, "image/jpeg"), kind: forms.FileType, typ: "image/jpeg"},
		{name: "empty", up: upload("empty.txt", nil, "text/plain"), kind: forms.FileEmpty},
		{name: "larger than MaxSize at once", up: func() forms.Upload { u := upload("a.txt", big, "text/plain"); u.MaxSize = 100; return u }(), kind: forms.FileTooLarge, typ: "text/plain"},
		{name: "larger than MaxSize while streaming", up: upload("a.txt", big, "text/plain"), kind: forms.FileTooLarge, typ: "text/plain"},
		{name: "sealed larger than MaxSize", up: func() forms.Upload { u := upload("a.txt", big, "text/plain"); u.Sealed = true; return u }(), kind: forms.FileTooLarge, typ: "text/plain"},
		{name: "image past MaxPixels", up: upload("a.png", testPNG(t, 20, 20), "image/png"), kind: forms.FileTooLarge, typ: "image/png", config: func(c *documents.Config) { c.MaxPixels = 399 }},
	}
	for i := range tests {
		tests[i].body, _ = io.ReadAll(tests[i].up.Body)
	}
	for name, bucketURL := range buckets(t) {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				edits := []func(*documents.Config){}
				if tt.config != nil {
					edits = append(edits, tt.config)
				}
				f := newFixture(t, bucketURL(t), edits...)
				up := tt.up
				up.Body = bytes.NewReader(tt.body)
				_, err := f.store.Put(context.Background(), up)
				var fe *forms.FileError
				require.ErrorAs(t, err, &fe)
				assert.Equal(t, tt.kind, fe.Kind)
				if tt.typ != "" {
					assert.Equal(t, tt.typ, fe.Type)
				}
				assert.Empty(t, f.keys(t), "a refused file must leave nothing in the bucket")
				assert.Empty(t, f.allRecords(t), "a refused file must leave no record")
			})
		}
	}
}

func TestPutRefusesActiveAcceptLists(t *testing.T) {
	t.Parallel()
	f := newFixture(t, memSetup(t))
	for _, accept := range [][]string{nil, {"text/html"}, {"image/svg+xml"}, {"application/xhtml+xml"}, {"application/xml"}, {"*/*"}, {"image/jpeg", "TEXT/HTML; charset=utf-8"}, {"jpeg"}} {
		_, err := f.store.Put(context.Background(), upload("a.jpg", testJPEG(t, 8, 8, false), accept...))
		assert.ErrorIs(t, err, adapters.ErrInvalidArgument, "accept %q", accept)
		var fe *forms.FileError
		assert.False(t, errors.As(err, &fe), "accept %q is the form's mistake, not the file's", accept)
	}
	up := upload("a.txt", []byte("x"), "text/plain")
	up.Sealed = true
	s, err := documents.Open(context.Background(), documents.Config{Bucket: "mem://", Records: memory.New(), SkipScan: true, LinkKey: make([]byte, 32)})
	require.NoError(t, err)
	defer s.Close()
	_, err = s.Put(context.Background(), up)
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument, "a sealed upload needs a key ring")
	assert.ErrorContains(t, err, "no key ring")
	assert.Empty(t, f.keys(t))
}

func TestImagesLoseTheirMetadata(t *testing.T) {
	t.Parallel()
	for name, bucketURL := range buckets(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, bucketURL(t))
			photo := testJPEG(t, 40, 30, true)
			require.True(t, bytes.Contains(photo, []byte("Exif")) && bytes.Contains(photo, []byte("GPSLatitude")))
			_, err := jpeg.Decode(bytes.NewReader(photo))
			require.NoError(t, err, "the test photo must be a valid JPEG")

			ref, err := f.store.Put(context.Background(), upload("IMG_0001.JPG", photo, "image/jpeg", "image/png"))
			require.NoError(t, err)
			assert.Equal(t, "image/jpeg", ref.Type)
			a, err := f.records.GetAttachment(context.Background(), ref.ID)
			require.NoError(t, err)
			require.NotEmpty(t, a.PublicKey)
			assert.ElementsMatch(t, []string{a.Key, a.PublicKey}, f.keys(t))

			resp := f.get(t, f.store.Link(a, false))
			require.Equal(t, http.StatusOK, resp.StatusCode)
			orig, _ := io.ReadAll(resp.Body)
			assert.Equal(t, photo, orig, "staff get the original, metadata and all")
			assert.True(t, strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;"))

			resp = f.get(t, f.store.Link(a, true))
			require.Equal(t, http.StatusOK, resp.StatusCode)
			pub, _ := io.ReadAll(resp.Body)
			assert.False(t, bytes.Contains(pub, []byte("Exif")), "the public copy still holds an EXIF block")
			assert.False(t, bytes.Contains(pub, []byte("GPS")), "the public copy still holds GPS data")
			cfg, err := jpeg.DecodeConfig(bytes.NewReader(pub))
			require.NoError(t, err)
			assert.Equal(t, [2]int{40, 30}, [2]int{cfg.Width, cfg.Height})
			assert.Equal(t, "image/jpeg", resp.Header.Get("Content-Type"))
			assert.Equal(t, "inline; filename*=UTF-8''IMG_0001.JPG", resp.Header.Get("Content-Disposition"))
			assert.Equal(t, "sandbox; default-src 'none'", resp.Header.Get("Content-Security-Policy"))

			pngRef, err := f.store.Put(context.Background(), upload("scan", testPNG(t, 10, 12), "image/*"))
			require.NoError(t, err)
			assert.Equal(t, "scan.png", pngRef.Name, "the sniffed type's extension is added")
			pa, err := f.records.GetAttachment(context.Background(), pngRef.ID)
			require.NoError(t, err)
			resp = f.get(t, f.store.Link(pa, true))
			require.Equal(t, http.StatusOK, resp.StatusCode)
			m, err := png.Decode(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, image.Rect(0, 0, 10, 12), m.Bounds())
		})
	}
}

func TestNamesAreCleaned(t *testing.T) {
	t.Parallel()
	f := newFixture(t, memSetup(t))
	tests := []struct {
		name, sent, want string
	}{
		{"path", "../../etc/passwd.txt", "passwd.txt"},
		{"windows path", `C:\Users\ana\..\lease.txt`, "lease.txt"},
		{"bidi override", "invoice\u202etxt.exe", "invoicetxt.exe.txt"},
		{"controls", "a\x00b\x1b[31mc\r\n.txt", "ab[31mc.txt"},
		{"dots", "...", "file.txt"},
		{"empty", "", "file.txt"},
		{"reserved", `a<b>:"c|?*.txt`, "a_b___c___.txt"},
		{"extension in capitals kept", "NOTE.TXT", "NOTE.TXT"},
		{"extension of another type", "photo.jpg", "photo.jpg.txt"},
	}
	for _, tt := range tests {
		ref, err := f.store.Put(context.Background(), upload(tt.sent, []byte("hello"), "text/plain"))
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.want, ref.Name, tt.name)
	}
	long := strings.Repeat("../", 1000) + strings.Repeat("é", 10_000) + ".txt"
	ref, err := f.store.Put(context.Background(), upload(long, []byte("hello"), "text/plain"))
	require.NoError(t, err)
	assert.Equal(t, documents.MaxNameLen, utf8.RuneCountInString(ref.Name))
	assert.True(t, strings.HasSuffix(ref.Name, "é.txt"), "a long name keeps its extension: %q", ref.Name)
	assert.NotContains(t, ref.Name, "/")
}
