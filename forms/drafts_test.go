package forms_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/keyring"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// spyStore records every draft the store is given.
type spyStore struct {
	adapters.DraftStore
	mu    sync.Mutex
	saved []adapters.Draft
}

func (s *spyStore) SaveDraft(ctx context.Context, d adapters.Draft) error {
	s.mu.Lock()
	s.saved = append(s.saved, d)
	s.mu.Unlock()
	return s.DraftStore.SaveDraft(ctx, d)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func permitRegistry(t *testing.T) (*forms.Registry, *forms.Form) {
	t.Helper()
	reg, err := forms.NewRegistry(nil)
	require.NoError(t, err)
	require.NoError(t, reg.LoadFS(context.Background(), os.DirFS("testdata/forms"), "."))
	f, err := reg.Latest("permit")
	require.NoError(t, err)
	return reg, f
}

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func TestDraftsSaveAndResume(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg, f := permitRegistry(t)
	store := &spyStore{DraftStore: memory.New()}
	clk := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	drafts, err := forms.NewDrafts(store, reg, &forms.DraftsConfig{TTL: 48 * time.Hour, Now: clk.Now})
	require.NoError(t, err)

	values := map[string]any{"applicant": map[string]any{"firstName": "Ana"}, "applicantType": "resident", "notAField": 1}
	token, err := drafts.Save(ctx, forms.SaveParams{Form: f, Step: "site", Values: values})
	require.NoError(t, err)
	assert.Len(t, token, 43, "256 random bits, base64url")

	require.Len(t, store.saved, 1)
	sum := sha256.Sum256([]byte(token))
	assert.Equal(t, hex.EncodeToString(sum[:]), store.saved[0].TokenHash, "only the token's SHA-256 is stored")
	assert.NotContains(t, string(store.saved[0].Data), token)

	got, err := drafts.Resume(ctx, token, "", "")
	require.NoError(t, err)
	assert.Same(t, f, got.Form)
	assert.Equal(t, "site", got.Step)
	assert.Equal(t, map[string]any{"applicant": map[string]any{"firstName": "Ana"}, "applicantType": "resident"}, got.Values,
		"values restored; names the form does not declare are not kept")
	assert.Equal(t, clk.Now().Add(48*time.Hour), got.ExpiresAt)

	// saving again under the token overwrites and renews the expiry
	clk.Add(24 * time.Hour)
	again, err := drafts.Save(ctx, forms.SaveParams{Form: f, Token: token, Step: "work", Values: map[string]any{"workType": "deck"}})
	require.NoError(t, err)
	assert.Equal(t, token, again)
	clk.Add(47 * time.Hour)
	got, err = drafts.Resume(ctx, token, "", "")
	require.NoError(t, err)
	assert.Equal(t, "work", got.Step)
	assert.Equal(t, map[string]any{"workType": "deck"}, got.Values)

	clk.Add(2 * time.Hour)
	_, err = drafts.Resume(ctx, token, "", "")
	assert.ErrorIs(t, err, adapters.ErrNotFound, "drafts expire")

	other, err := drafts.Save(ctx, forms.SaveParams{Form: f, Values: values})
	require.NoError(t, err)
	assert.NotEqual(t, token, other, "each draft gets its own token")
	require.NoError(t, drafts.Discard(ctx, other))
	_, err = drafts.Resume(ctx, other, "", "")
	assert.ErrorIs(t, err, adapters.ErrNotFound)
}

func TestDraftsRefuse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg, f := permitRegistry(t)
	drafts, err := forms.NewDrafts(memory.New(), reg, nil)
	require.NoError(t, err)
	mine, err := drafts.Save(ctx, forms.SaveParams{Form: f, Subject: "user-1", Values: map[string]any{"notes": "x"}})
	require.NoError(t, err)

	tests := []struct {
		name    string
		token   string
		subject string
	}{
		{name: "malformed token", token: "abc"},
		{name: "unknown token", token: strings.Repeat("A", 43)},
		{name: "another resident's draft", token: mine, subject: "user-2"},
		{name: "signed-in draft resumed anonymously", token: mine, subject: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := drafts.Resume(ctx, tt.token, "", tt.subject)
			assert.ErrorIs(t, err, adapters.ErrNotFound)
		})
	}
	got, err := drafts.Resume(ctx, mine, "", "user-1")
	require.NoError(t, err)
	assert.Equal(t, "user-1", got.Subject)

	list, err := drafts.List(ctx, "", "user-1")
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "permit", list[0].FormID)
	owned, err := drafts.ResumeOwned(ctx, list[0].ID, "", "user-1")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"notes": "x"}, owned.Values)
	_, err = drafts.ResumeOwned(ctx, list[0].ID, "", "user-2")
	assert.ErrorIs(t, err, adapters.ErrNotFound, "a listed id resumes for its owner only")
	_, err = drafts.ResumeOwned(ctx, list[0].ID, "", "")
	assert.ErrorIs(t, err, adapters.ErrNotFound)
	none, err := drafts.List(ctx, "", "user-2")
	require.NoError(t, err)
	assert.Empty(t, none)
	_, err = drafts.List(ctx, "", "")
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)

	_, err = drafts.Save(ctx, forms.SaveParams{Form: f, Token: mine, Subject: "user-2", Values: map[string]any{}})
	assert.ErrorIs(t, err, adapters.ErrNotFound, "nobody overwrites another resident's draft")
	_, err = drafts.Save(ctx, forms.SaveParams{Form: f, Step: "nope"})
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
	_, err = drafts.Save(ctx, forms.SaveParams{Form: f, Values: map[string]any{"notes": strings.Repeat("x", forms.DefaultMaxBodyBytes)}})
	assert.ErrorIs(t, err, forms.ErrTooLarge)

	_, err = forms.NewDrafts(nil, nil, &forms.DraftsConfig{TTL: -1})
	require.Error(t, err)
	assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
}

func TestDraftsSealPII(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg, f := permitRegistry(t)
	store := &spyStore{DraftStore: memory.New()}
	ring, err := keyring.New(keyring.Key{ID: "2026-01", Secret: testKey(1)}, nil, &keyring.Config{Grace: keyring.GraceForever})
	require.NoError(t, err)
	drafts, err := forms.NewDrafts(store, reg, &forms.DraftsConfig{Ring: ring})
	require.NoError(t, err)

	pii := map[string]any{
		"applicant": map[string]any{"firstName": "Zelda", "lastName": "Quixote", "email": "zelda@example.org", "phone": "+1 555 987 6543"},
		"site":      map[string]any{"street": "742 Evergreen Terrace", "city": "Springfield"},
		"workType":  "deck",
	}
	token, err := drafts.Save(ctx, forms.SaveParams{Form: f, Values: pii})
	require.NoError(t, err)

	// rotate: a new key seals new drafts, the old draft still opens
	require.NoError(t, ring.Rotate(keyring.Key{ID: "2026-02", Secret: testKey(2)}))
	token2, err := drafts.Save(ctx, forms.SaveParams{Form: f, Values: pii})
	require.NoError(t, err)

	require.Len(t, store.saved, 2)
	for i, d := range store.saved {
		data := string(d.Data)
		for _, secret := range []string{"Zelda", "Quixote", "zelda@example.org", "987", "Evergreen"} {
			assert.NotContains(t, data, secret, "the store never sees PII in clear")
		}
		assert.Contains(t, data, "Springfield", "fields without a PII category are not sealed")
		assert.Contains(t, data, []string{`"v2.2026-01.`, `"v2.2026-02.`}[i], "the key id is stored with the ciphertext")
	}

	for _, tok := range []string{token, token2} {
		got, err := drafts.Resume(ctx, tok, "", "")
		require.NoError(t, err)
		assert.Equal(t, pii, got.Values)
	}

	// a ring without the old key cannot open the old draft
	newOnly, err := keyring.New(keyring.Key{ID: "2026-02", Secret: testKey(2)}, nil, nil)
	require.NoError(t, err)
	d2, err := forms.NewDrafts(store, reg, &forms.DraftsConfig{Ring: newOnly})
	require.NoError(t, err)
	_, err = d2.Resume(ctx, token, "", "")
	assert.ErrorIs(t, err, keyring.ErrUnknownKey)
	_, err = d2.Resume(ctx, token2, "", "")
	assert.NoError(t, err)
}

func TestDraftsKeepTheSubjectsIssuer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg, f := permitRegistry(t)
	store := &spyStore{DraftStore: memory.New()}
	drafts, err := forms.NewDrafts(store, reg, nil)
	require.NoError(t, err)
	token, err := drafts.Save(ctx, forms.SaveParams{Form: f, Subject: "u-1", SubjectIssuer: "https://login.example.gov", Step: "site", Values: map[string]any{}})
	require.NoError(t, err)
	require.Len(t, store.saved, 1)
	assert.Equal(t, "https://login.example.gov", store.saved[0].SubjectIssuer)

	got, err := drafts.Resume(ctx, token, "https://login.example.gov", "u-1")
	require.NoError(t, err)
	assert.Equal(t, "https://login.example.gov", got.SubjectIssuer)

	_, err = drafts.Save(ctx, forms.SaveParams{Form: f, Token: token, Subject: "u-1", SubjectIssuer: "https://other.example.gov", Values: map[string]any{}})
	assert.ErrorIs(t, err, adapters.ErrNotFound, "the same subject at another issuer does not overwrite the draft")
}

// TestDraftsBelongToTheIssuerAndSubject checks that (issuer, subject), not
// the subject alone, owns a draft: two providers may issue the same
// subject to two people.
func TestDraftsBelongToTheIssuerAndSubject(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg, f := permitRegistry(t)
	drafts, err := forms.NewDrafts(memory.New(), reg, nil)
	require.NoError(t, err)
	const login, other = "https://login.example.gov", "https://other.example.gov"
	mine, err := drafts.Save(ctx, forms.SaveParams{Form: f, Subject: "u-1", SubjectIssuer: login, Step: "site", Values: map[string]any{"notes": "mine"}})
	require.NoError(t, err)
	theirs, err := drafts.Save(ctx, forms.SaveParams{Form: f, Subject: "u-1", SubjectIssuer: other, Step: "work", Values: map[string]any{"notes": "theirs"}})
	require.NoError(t, err)

	_, err = drafts.Resume(ctx, mine, other, "u-1")
	assert.ErrorIs(t, err, adapters.ErrNotFound, "the same subject at another issuer cannot resume by token")
	_, err = drafts.Resume(ctx, mine, "", "u-1")
	assert.ErrorIs(t, err, adapters.ErrNotFound, "nor with no issuer")
	_, err = drafts.Resume(ctx, theirs, login, "u-1")
	assert.ErrorIs(t, err, adapters.ErrNotFound, "nor the other way round")
	got, err := drafts.Resume(ctx, mine, login, "u-1")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"notes": "mine"}, got.Values)

	list, err := drafts.List(ctx, login, "u-1")
	require.NoError(t, err)
	require.Len(t, list, 1, "the list holds only the issuer's drafts")
	assert.Equal(t, "site", list[0].Step)
	otherList, err := drafts.List(ctx, other, "u-1")
	require.NoError(t, err)
	require.Len(t, otherList, 1)
	assert.Equal(t, "work", otherList[0].Step)
	none, err := drafts.List(ctx, "https://third.example.gov", "u-1")
	require.NoError(t, err)
	assert.Empty(t, none, "a third issuer lists nothing")

	_, err = drafts.ResumeOwned(ctx, list[0].ID, other, "u-1")
	assert.ErrorIs(t, err, adapters.ErrNotFound, "the same subject at another issuer cannot resume a listed id")
	owned, err := drafts.ResumeOwned(ctx, list[0].ID, login, "u-1")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"notes": "mine"}, owned.Values)

	// an anonymous draft is its token's, whoever holds it
	anon, err := drafts.Save(ctx, forms.SaveParams{Form: f, Values: map[string]any{"notes": "anon"}})
	require.NoError(t, err)
	_, err = drafts.Resume(ctx, anon, other, "u-1")
	assert.NoError(t, err)
}
