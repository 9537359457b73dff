package documents_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/documents"
	"github.com/civickit/civickit/forms"
)

func TestLinks(t *testing.T) {
	t.Parallel()
	f := newFixture(t, memSetup(t))
	ref, err := f.store.Put(context.Background(), upload("permit.txt", []byte("permit"), "text/plain"))
	require.NoError(t, err)
	a, err := f.records.GetAttachment(context.Background(), ref.ID)
	require.NoError(t, err)
	link := f.store.Link(a, false)
	require.True(t, strings.HasPrefix(link, documents.DefaultLinkPath), "link %q", link)
	token := strings.TrimPrefix(link, documents.DefaultLinkPath)
	for _, c := range token {
		require.True(t, strings.ContainsRune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", c), "link %q is not URL-safe", link)
	}
	parts := strings.Split(token, ".")
	require.Len(t, parts, 4)

	flip := func(s string) string {
		if s[len(s)-2] == 'A' {
			return s[:len(s)-2] + "B" + s[len(s)-1:]
		}
		return s[:len(s)-2] + "A" + s[len(s)-1:]
	}
	other := a
	other.ID = rand.Text()
	tests := []struct {
		name string
		path string
		want int
	}{
		{"valid", link, http.StatusOK},
		{"mounted elsewhere", "/city/uploads/" + token, http.StatusOK},
		{"signature changed", documents.DefaultLinkPath + flip(token), http.StatusNotFound},
		{"other id, same signature", documents.DefaultLinkPath + strings.Join([]string{other.ID, parts[1], parts[2], parts[3]}, "."), http.StatusNotFound},
		{"public variant, same signature", documents.DefaultLinkPath + strings.Join([]string{parts[0], "p", parts[2], parts[3]}, "."), http.StatusNotFound},
		{"later expiry, same signature", documents.DefaultLinkPath + strings.Join([]string{parts[0], parts[1], "99999999999", parts[3]}, "."), http.StatusNotFound},
		{"guessed", documents.DefaultLinkPath + a.ID, http.StatusNotFound},
		{"guessed with a signature", documents.DefaultLinkPath + a.ID + ".o.9999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", http.StatusNotFound},
		{"signed for an unknown id", f.store.Link(other, false), http.StatusNotFound},
		{"empty", documents.DefaultLinkPath, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := f.get(t, tt.path)
			assert.Equal(t, tt.want, resp.StatusCode)
			body, _ := io.ReadAll(resp.Body)
			assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
			assert.Equal(t, "private, no-store", resp.Header.Get("Cache-Control"))
			if tt.want != http.StatusOK {
				assert.NotContains(t, string(body), "permit", "a refused link must not show the file")
			}
		})
	}

	rec := httptest.NewRecorder()
	f.store.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, link, nil))
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	rec = httptest.NewRecorder()
	f.store.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodHead, link, nil))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Empty(t, rec.Body.Bytes(), "HEAD has no body")

	f.clock.Add(documents.DefaultLinkTTL - time.Second)
	assert.Equal(t, http.StatusOK, f.get(t, link).StatusCode, "a link serves for its whole TTL")
	f.clock.Add(2 * time.Second)
	assert.Equal(t, http.StatusNotFound, f.get(t, link).StatusCode, "an expired link must be 404")

	// Another store's key does not sign for this one.
	g := newFixture(t, memSetup(t), func(c *documents.Config) {
		c.LinkKey = bytes.Repeat([]byte{1}, 32)
		c.Records = f.records
		c.Now = f.clock.Now
	})
	assert.Equal(t, http.StatusNotFound, f.get(t, g.store.Link(a, false)).StatusCode)
}

func TestScannerUnavailable(t *testing.T) {
	t.Parallel()
	for name, bucketURL := range buckets(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, bucketURL(t))
			ctx := context.Background()
			f.down.Store(true)
			cleanRef, err := f.store.Put(ctx, upload("a.txt", []byte("fine"), "text/plain"))
			require.NoError(t, err, "an upload the scanner could not scan yet is stored, quarantined")
			badRef, err := f.store.Put(ctx, upload("b.txt", []byte(eicar), "text/plain"))
			require.NoError(t, err)
			clean, err := f.records.GetAttachment(ctx, cleanRef.ID)
			require.NoError(t, err)
			assert.Equal(t, adapters.AttachmentQuarantined, clean.Status)
			assert.Equal(t, http.StatusNotFound, f.get(t, f.store.Link(clean, false)).StatusCode, "nobody reads a quarantined file")
			_, err = f.store.Ref(ctx, cleanRef.ID, "resident-1", "https://id.example.gov")
			require.NoError(t, err, "a quarantined upload still carries to the next page")

			n, err := f.store.ScanPending(ctx)
			require.NoError(t, err)
			assert.Zero(t, n, "files Put may still be scanning are left alone")
			f.clock.Add(2 * time.Minute)
			n, err = f.store.ScanPending(ctx)
			assert.Error(t, err, "the scanner's failure is reported")
			assert.Zero(t, n)

			f.down.Store(false)
			n, err = f.store.ScanPending(ctx)
			require.NoError(t, err)
			assert.Equal(t, 2, n)
			clean, err = f.records.GetAttachment(ctx, cleanRef.ID)
			require.NoError(t, err)
			assert.Equal(t, adapters.AttachmentClean, clean.Status)
			resp := f.get(t, f.store.Link(clean, false))
			require.Equal(t, http.StatusOK, resp.StatusCode)
			body, _ := io.ReadAll(resp.Body)
			assert.Equal(t, "fine", string(body))

			bad, err := f.records.GetAttachment(ctx, badRef.ID)
			require.NoError(t, err)
			assert.Equal(t, adapters.AttachmentRejected, bad.Status)
			assert.Equal(t, "Eicar-Test-Signature", bad.Reason)
			assert.Equal(t, []string{clean.Key}, f.keys(t), "a rejected file's bytes are removed")
			assert.Equal(t, http.StatusNotFound, f.get(t, f.store.Link(bad, false)).StatusCode)
			_, err = f.store.Ref(ctx, badRef.ID, "resident-1", "https://id.example.gov")
			assert.ErrorIs(t, err, adapters.ErrNotFound, "a rejected upload does not carry on")
		})
	}
}

func TestSealedFiles(t *testing.T) {
	t.Parallel()
	for name, bucketURL := range buckets(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, bucketURL(t))
			ctx := context.Background()
			secret := bytes.Repeat([]byte("SSN 078-05-1120; "), 10_000) // several chunks
			up := upload("id-card.txt", secret, "text/plain")
			up.Sealed = true
			ref, err := f.store.Put(ctx, up)
			require.NoError(t, err)
			assert.Equal(t, sha(secret), ref.SHA256, "the hash is of the plaintext")
			a, err := f.records.GetAttachment(ctx, ref.ID)
			require.NoError(t, err)
			assert.True(t, a.Sealed)
			stored, err := documents.BucketOf(f.store).ReadAll(ctx, a.Key)
			require.NoError(t, err)
			assert.False(t, bytes.Contains(stored, []byte("078-05")), "sealed bytes must not hold the plaintext")

			resp := f.get(t, f.store.Link(a, false))
			require.Equal(t, http.StatusOK, resp.StatusCode)
			got, _ := io.ReadAll(resp.Body)
			assert.Equal(t, secret, got)

			photo := testJPEG(t, 24, 24, true)
			up = upload("passport.jpg", photo, "image/jpeg")
			up.Sealed = true
			ref, err = f.store.Put(ctx, up)
			require.NoError(t, err)
			a, err = f.records.GetAttachment(ctx, ref.ID)
			require.NoError(t, err)
			pub, err := documents.BucketOf(f.store).ReadAll(ctx, a.PublicKey)
			require.NoError(t, err)
			r, err := f.ring.OpenStream(bytes.NewReader(pub), "x")
			if err == nil {
				_, err = io.ReadAll(r)
			}
			assert.Error(t, err, "the public copy's purpose is bound to its key")
			resp = f.get(t, f.store.Link(a, true))
			require.Equal(t, http.StatusOK, resp.StatusCode)
			shown, _ := io.ReadAll(resp.Body)
			assert.Equal(t, []byte{0xFF, 0xD8}, shown[:2], "the sealed public copy opens to a JPEG")
			assert.False(t, bytes.Contains(shown, []byte("GPS")))

			// Bytes swapped between attachments do not open.
			require.NoError(t, documents.BucketOf(f.store).WriteAll(ctx, a.Key, stored, nil))
			resp = f.get(t, f.store.Link(a, false))
			body, _ := io.ReadAll(resp.Body)
			assert.NotEqual(t, secret, body)
			assert.False(t, bytes.Contains(body, []byte("078-05")), "another attachment's sealed bytes must not open here")
		})
	}
}

// submit links attachments to a new case, as a submission naming them
// does.
func submit(t *testing.T, f *fixture, caseID string, refs ...adapters.FileRef) {
	t.Helper()
	at := f.clock.Now()
	_, err := f.records.CreateCase(context.Background(), adapters.CreateCaseParams{
		Case:       adapters.Case{ID: caseID, Type: "pothole", DefinitionVersion: 1, State: "submitted", Channel: "web", CreatedAt: at},
		Events:     []adapters.Event{{Kind: "opened", ToState: "submitted", Actor: "resident-1", At: at}},
		Submission: adapters.Submission{ID: "sub-" + caseID, FormID: "pothole", FormVersion: 1, SubmittedAt: at, Files: refs},
	})
	require.NoError(t, err)
}

func TestRefDiscardPurge(t *testing.T) {
	t.Parallel()
	for name, bucketURL := range buckets(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, bucketURL(t))
			ctx := context.Background()
			put := func(name string) adapters.FileRef {
				ref, err := f.store.Put(ctx, upload(name, testJPEG(t, 8, 8, false), "image/jpeg"))
				require.NoError(t, err)
				return ref
			}
			kept, dropped, submitted, orphan := put("a.jpg"), put("b.jpg"), put("c.jpg"), put("d.jpg")
			assert.Len(t, f.keys(t), 8, "an original and a public copy each")

			got, err := f.store.Ref(ctx, kept.ID, "resident-1", "https://id.example.gov")
			require.NoError(t, err)
			assert.Equal(t, kept, got)
			for _, c := range []struct{ name, id, owner, issuer string }{
				{"other owner", kept.ID, "resident-2", "https://id.example.gov"},
				{"other issuer", kept.ID, "resident-1", "https://evil.example"},
				{"anonymous", kept.ID, "", ""},
				{"unknown", "NOPE", "resident-1", "https://id.example.gov"},
				{"empty", "", "resident-1", "https://id.example.gov"},
			} {
				_, err := f.store.Ref(ctx, c.id, c.owner, c.issuer)
				assert.ErrorIs(t, err, adapters.ErrNotFound, c.name)
			}

			submit(t, f, "case-1", submitted)
			_, err = f.store.Ref(ctx, submitted.ID, "resident-1", "https://id.example.gov")
			assert.ErrorIs(t, err, adapters.ErrNotFound, "a submitted file is no longer carried by a form")

			require.NoError(t, f.store.Discard(ctx, dropped.ID, "unknown", submitted.ID))
			_, err = f.records.GetAttachment(ctx, dropped.ID)
			assert.ErrorIs(t, err, adapters.ErrNotFound)
			_, err = f.records.GetAttachment(ctx, submitted.ID)
			require.NoError(t, err, "Discard never removes a submitted file")
			assert.Len(t, f.keys(t), 6)

			f.clock.Add(documents.DefaultOrphanAge - time.Minute)
			n, err := f.store.PurgeOrphans(ctx)
			require.NoError(t, err)
			assert.Zero(t, n, "uploads younger than OrphanAge stay")
			_, err = f.store.Ref(ctx, orphan.ID, "resident-1", "https://id.example.gov")
			require.NoError(t, err)

			f.clock.Add(2 * time.Minute)
			_, err = f.store.Ref(ctx, orphan.ID, "resident-1", "https://id.example.gov")
			assert.ErrorIs(t, err, adapters.ErrNotFound, "an upload due for purging is not carried on")
			n, err = f.store.PurgeOrphans(ctx)
			require.NoError(t, err)
			assert.Equal(t, 2, n)
			left := f.allRecords(t)
			require.Len(t, left, 1)
			assert.Equal(t, submitted.ID, left[0].ID)
			assert.ElementsMatch(t, []string{left[0].Key, left[0].PublicKey}, f.keys(t))
		})
	}
}

func TestSkipScan(t *testing.T) {
	t.Parallel()
	f := newFixture(t, memSetup(t), func(c *documents.Config) { c.Scanner, c.SkipScan = nil, true })
	ref, err := f.store.Put(context.Background(), upload("a.txt", []byte(eicar), "text/plain"))
	require.NoError(t, err, "without a scanner nothing is scanned")
	a, err := f.records.GetAttachment(context.Background(), ref.ID)
	require.NoError(t, err)
	assert.Equal(t, adapters.AttachmentClean, a.Status)
	n, err := f.store.ScanPending(context.Background())
	assert.NoError(t, err)
	assert.Zero(t, n)
}

func TestEICAR(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		body  string
		clean bool
	}{
		{"the test file", eicar, false},
		{"inside other bytes", "abc" + eicar + "xyz", false},
		{"nearly", eicar[:len(eicar)-1], true},
		{"nothing", "", true},
	} {
		v, err := documents.EICAR{}.Scan(context.Background(), strings.NewReader(tt.body))
		require.NoError(t, err)
		assert.Equal(t, tt.clean, v.Clean, tt.name)
		if !tt.clean {
			assert.Equal(t, "Eicar-Test-Signature", v.Reason)
		}
	}
	assert.False(t, documents.Verdict{}.Clean, "the zero verdict must reject")
}

func TestBrokenUploadsLeaveNothing(t *testing.T) {
	t.Parallel()
	for name, bucketURL := range buckets(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, bucketURL(t))
			// The client goes away halfway through a large file.
			up := upload("a.txt", nil, "text/plain")
			up.Body = io.MultiReader(strings.NewReader(strings.Repeat("line of text\n", 10_000)), iotest.ErrReader(io.ErrUnexpectedEOF))
			_, err := f.store.Put(context.Background(), up)
			require.ErrorIs(t, err, io.ErrUnexpectedEOF)
			var fe *forms.FileError
			assert.False(t, errors.As(err, &fe), "a broken request is not a refusal of the file")

			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, err = f.store.Put(ctx, upload("b.jpg", testJPEG(t, 8, 8, true), "image/jpeg"))
			require.Error(t, err)
			assert.Empty(t, f.keys(t), "a broken upload must leave nothing in the bucket")
			assert.Empty(t, f.allRecords(t), "a broken upload must leave no record")
		})
	}
}
