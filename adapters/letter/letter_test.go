package letter_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/adaptertest"
	"github.com/civickit/civickit/adapters/letter"
)

// switchPrinter is a FolderDrop that a test can make fail, temporarily
// or permanently, or hang until the job's context is done.
type switchPrinter struct {
	drop *letter.FolderDrop
	mu   sync.Mutex
	fail error
	hang bool
}

func (p *switchPrinter) Print(ctx context.Context, job letter.Job) (string, error) {
	p.mu.Lock()
	fail, hang := p.fail, p.hang
	p.mu.Unlock()
	if fail != nil {
		return "", fail
	}
	if hang {
		<-ctx.Done()
		return "", fmt.Errorf("print-and-mail vendor: %w", ctx.Err())
	}
	return p.drop.Print(ctx, job)
}

func (p *switchPrinter) set(fail error, hang bool) func() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fail, p.hang = fail, hang
	return func() { p.set(nil, false) }
}

// printers finds the printer behind each channel the suite opened.
var printers sync.Map // *letter.Channel -> *switchPrinter

func openChannel(t *testing.T) adapters.Channel {
	drop, err := letter.NewFolderDrop(t.TempDir())
	require.NoError(t, err)
	p := &switchPrinter{drop: drop}
	cfg := config(t)
	cfg.Printer = p
	ch := newChannel(t, cfg)
	printers.Store(ch, p)
	t.Cleanup(func() { printers.Delete(ch) })
	return ch
}

func printerOf(ch adapters.Channel) *switchPrinter {
	p, _ := printers.Load(ch.(*letter.Channel))
	return p.(*switchPrinter)
}

// sidecars reads every sidecar of a folder drop in the order the files
// were written.
func sidecars(t *testing.T, dir string) []letter.Sidecar {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	type entry struct {
		s   letter.Sidecar
		mod int64
	}
	var es []entry
	for _, path := range paths {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		var s letter.Sidecar
		require.NoError(t, json.Unmarshal(b, &s), "%s is JSON", path)
		fi, err := os.Stat(path)
		require.NoError(t, err)
		es = append(es, entry{s, fi.ModTime().UnixNano()})
	}
	slices.SortStableFunc(es, func(a, b entry) int { return int(a.mod - b.mod) })
	out := make([]letter.Sidecar, len(es))
	for i, e := range es {
		out[i] = e.s
	}
	return out
}

func pdfs(t *testing.T, dir string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.pdf"))
	require.NoError(t, err)
	return paths
}

func TestChannelConformance(t *testing.T) {
	adaptertest.RunChannelTests(t, openChannel, adaptertest.ChannelFeatures{
		Outgoing: func(i int) adapters.Outgoing {
			id := fmt.Sprintf("c1/%d/0", i)
			return adapters.Outgoing{MessageID: id, IdempotencyKey: id, CaseID: "c1", Locale: "en",
				To:      fmt.Sprintf("Resident %d\n%d Main Street\nSpringfield, IL 62704", i, i),
				Subject: "Your request", Text: "We fixed it."}
		},
		Deliveries: func(t *testing.T, ch adapters.Channel) int { return len(pdfs(t, printerOf(ch).drop.Dir())) },
		Dedupes:    true,
		Keys: func(t *testing.T, ch adapters.Channel) []string {
			var keys []string
			for _, s := range sidecars(t, printerOf(ch).drop.Dir()) {
				keys = append(keys, s.IdempotencyKey)
			}
			return keys
		},
		Fail: func(t *testing.T, ch adapters.Channel, permanent bool) func() {
			err := errors.New("print-and-mail vendor: 503 try later")
			if permanent {
				err = adapters.Permanent("address_undeliverable", errors.New("print-and-mail vendor: the address is undeliverable"))
			}
			return printerOf(ch).set(err, false)
		},
		Hang: func(t *testing.T, ch adapters.Channel) func() { return printerOf(ch).set(nil, true) },
	})
}

func TestSendPrintsTheLetterWithItsKeysAndAddress(t *testing.T) {
	t.Parallel()
	ch := openChannel(t)
	dir := printerOf(ch).drop.Dir()
	sent, err := ch.Send(context.Background(), english)
	require.NoError(t, err)
	assert.False(t, sent.Delivered, "a letter's arrival is not known when it is printed")
	assert.Equal(t, dir, filepath.Dir(sent.ProviderID), "the provider id is the PDF's path in the folder")
	assert.Equal(t, letter.FileName("k-1")+".pdf", filepath.Base(sent.ProviderID))

	doc, err := os.ReadFile(sent.ProviderID)
	require.NoError(t, err)
	pg := read(t, doc)[0]
	inWindow(t, letter.EnvelopeUS10, find(t, pg, "Ana Ruiz"))
	find(t, pg, "Reference: PW-2026-0042")

	sides := sidecars(t, dir)
	require.Len(t, sides, 1)
	assert.Equal(t, letter.Sidecar{IdempotencyKey: "k-1", MessageID: "m-1", CaseID: "PW-2026-0042",
		Address: []string{"Ana Ruiz", "Apartment 4B", "12 Calle Mayor", "Springfield, IL 62704"}, Pages: 1,
		File: filepath.Base(sent.ProviderID), SHA256: sides[0].SHA256}, sides[0])
	assert.Len(t, sides[0].SHA256, 64)

	again, err := ch.Send(context.Background(), english)
	require.NoError(t, err)
	assert.Equal(t, sent, again, "a repeated key answers with the first letter")
	same, err := os.ReadFile(sent.ProviderID)
	require.NoError(t, err)
	assert.Equal(t, doc, same, "the first letter is left as it was")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "one PDF and its sidecar, no temporary file left behind")
}

func TestSendHonoursTheContextBeforePrinting(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cfg := config(t) // refusePrinter fails the test if reached
	_, err := newChannel(t, cfg).Send(ctx, english)
	require.ErrorIs(t, err, context.Canceled)
	assert.False(t, adapters.IsPermanent(err))
}

func TestPrinterErrorsKeepTheirClass(t *testing.T) {
	t.Parallel()
	ch := openChannel(t)
	restore := printerOf(ch).set(adapters.OptedOut("x", errors.New("recipient asked for no mail")), false)
	_, err := ch.Send(context.Background(), english)
	restore()
	assert.True(t, adapters.IsOptedOut(err), "an opt-out from the printer is reported as one: %v", err)
	assert.Contains(t, err.Error(), `letter: print message m-1`)
}

func TestFolderDropNamesFilesSafely(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	drop, err := letter.NewFolderDrop(filepath.Join(dir, "letters"))
	require.NoError(t, err)
	ctx := context.Background()
	ids := map[string]bool{}
	for _, key := range []string{"../../etc/passwd", "a/b", "a_b", ".hidden", "ñandú 2", strings.Repeat("k", 500), ""} {
		id, err := drop.Print(ctx, letter.Job{PDF: []byte("%PDF-1.3 " + key), IdempotencyKey: key, MessageID: "m-" + key})
		require.NoError(t, err, "key %q", key)
		assert.Equal(t, drop.Dir(), filepath.Dir(id), "key %q stays in the folder", key)
		base := filepath.Base(id)
		assert.False(t, strings.HasPrefix(base, "."), "key %q makes no hidden file: %s", key, base)
		assert.LessOrEqual(t, len(base), letter.MaxNameKey+1+16+4, "key %q makes a short name", key)
		assert.Regexp(t, `^[A-Za-z0-9._-]+\.pdf$`, base)
		ids[id] = true
	}
	assert.Len(t, ids, 7, "keys differing only in unsafe characters get files of their own")
	assert.Len(t, pdfs(t, drop.Dir()), 7)

	id, err := drop.Print(ctx, letter.Job{PDF: []byte("%PDF no key")})
	require.NoError(t, err)
	again, err := drop.Print(ctx, letter.Job{PDF: []byte("%PDF no key")})
	require.NoError(t, err)
	assert.Equal(t, id, again, "a job with no key or id is named by its content")

	_, err = drop.Print(ctx, letter.Job{IdempotencyKey: "empty"})
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
	assert.True(t, adapters.IsPermanent(err))

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = drop.Print(cctx, letter.Job{PDF: []byte("%PDF"), IdempotencyKey: "late"})
	assert.ErrorIs(t, err, context.Canceled)
	assert.NoFileExists(t, filepath.Join(drop.Dir(), letter.FileName("late")+".pdf"))

	_, err = letter.NewFolderDrop("")
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
	blocker := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o600))
	_, err = letter.NewFolderDrop(filepath.Join(blocker, "sub"))
	assert.Error(t, err, "a folder that cannot be made is an error")
}

func TestFolderDropWritesEachKeyOnceUnderRacingSends(t *testing.T) {
	t.Parallel()
	drop, err := letter.NewFolderDrop(t.TempDir())
	require.NoError(t, err)
	var wg sync.WaitGroup
	got := make([]string, 16)
	for i := range got {
		wg.Go(func() {
			id, err := drop.Print(context.Background(), letter.Job{PDF: []byte(fmt.Sprintf("%%PDF %d", i)), IdempotencyKey: "same"})
			assert.NoError(t, err)
			got[i] = id
		})
	}
	wg.Wait()
	for _, id := range got {
		assert.Equal(t, got[0], id, "every racing send answers with the one letter")
	}
	assert.Len(t, pdfs(t, drop.Dir()), 1)
}
