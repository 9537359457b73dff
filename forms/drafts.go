package forms

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/keyring"
)

// DefaultDraftTTL is how long a draft stays resumable after its last
// save.
const DefaultDraftTTL = 30 * 24 * time.Hour

// DraftsConfig tunes Drafts. nil means the defaults.
type DraftsConfig struct {
	// TTL is how long a draft lives after each save (default 30 days).
	TTL time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Ring, when set, seals every PII field before the store sees it. Its
	// grace period should be at least TTL (keyring.GraceForever is
	// simplest), so a key rotation never strands a draft.
	Ring *keyring.KeyRing
}

// Validate reports every invalid setting.
func (c *DraftsConfig) Validate() error {
	if c.TTL < 0 {
		return fmt.Errorf("forms: draft TTL %s is negative: %w", c.TTL, adapters.ErrInvalidArgument)
	}
	return nil
}

// Drafts saves and resumes partly filled forms through an
// adapters.DraftStore, for signed-in and anonymous residents alike.
// Saving returns a random resume token; the store keeps only its SHA-256,
// so a leaked database does not let anyone resume. Safe for concurrent
// use.
type Drafts struct {
	store adapters.DraftStore
	reg   *Registry
	ttl   time.Duration
	now   func() time.Time
	ring  *keyring.KeyRing
}

// NewDrafts builds Drafts over store, resolving forms in reg.
func NewDrafts(store adapters.DraftStore, reg *Registry, cfg *DraftsConfig) (*Drafts, error) {
	if cfg == nil {
		cfg = &DraftsConfig{}
	}
	var errs []error
	if store == nil {
		errs = append(errs, fmt.Errorf("forms: drafts need a store: %w", adapters.ErrInvalidArgument))
	}
	if reg == nil {
		errs = append(errs, fmt.Errorf("forms: drafts need a registry: %w", adapters.ErrInvalidArgument))
	}
	errs = append(errs, cfg.Validate())
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	d := &Drafts{store: store, reg: reg, ttl: cfg.TTL, now: cfg.Now, ring: cfg.Ring}
	if d.ttl == 0 {
		d.ttl = DefaultDraftTTL
	}
	if d.now == nil {
		d.now = time.Now
	}
	return d, nil
}

// SaveParams is one save.
type SaveParams struct {
	// Form is the definition being filled.
	Form *Form
	// Token, when set, is the resume token of the draft to overwrite;
	// empty starts a new draft.
	Token string
	// Subject is the signed-in resident's identity subject; empty for an
	// anonymous draft. A draft with a subject resumes, lists and is
	// saved over only for the same issuer and subject.
	Subject string
	// SubjectIssuer is the identity issuer of Subject, kept with the
	// draft: (issuer, subject) is the stable key of a person, as two
	// providers may issue the same subject.
	SubjectIssuer string
	// Step is the step the resident is on.
	Step string
	// Values are the values entered so far; they need not be valid yet.
	Values map[string]any
}

// Save stores the draft and returns its resume token (the one given, or
// a new one). Values go through the form's unknown-field pruning and size
// limit; PII fields are sealed when the Drafts have a key ring.
func (d *Drafts) Save(ctx context.Context, p SaveParams) (string, error) {
	if p.Form == nil {
		return "", fmt.Errorf("forms: save draft: no form: %w", adapters.ErrInvalidArgument)
	}
	f := p.Form
	if p.Step != "" {
		if _, ok := f.Step(p.Step); !ok {
			return "", fmt.Errorf("forms: save draft of %s: no step %q: %w", f.id, p.Step, adapters.ErrInvalidArgument)
		}
	}
	values, err := f.normalize(p.Values)
	if err != nil {
		return "", fmt.Errorf("forms: save draft of %s: %w", f.id, err)
	}
	m, _ := values.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	if !f.allow {
		m = keepDeclared(f.root, m)
	}
	if d.ring != nil {
		if m, err = f.Seal(m, d.ring); err != nil {
			return "", err
		}
	}
	data, err := appendJSON(nil, m)
	if err != nil {
		return "", fmt.Errorf("forms: save draft of %s: %w", f.id, err)
	}
	if int64(len(data)) > f.limits.maxBody {
		return "", fmt.Errorf("forms: save draft of %s: %w", f.id, ErrTooLarge)
	}
	token := p.Token
	if token == "" {
		if token, err = newToken(); err != nil {
			return "", err
		}
	} else if !validToken(token) {
		return "", fmt.Errorf("forms: save draft: malformed token: %w", adapters.ErrInvalidArgument)
	}
	now := d.now()
	rec := adapters.Draft{TokenHash: hashToken(token), FormID: f.id, FormVersion: f.version,
		Subject: p.Subject, SubjectIssuer: p.SubjectIssuer, Step: p.Step, Data: data, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(d.ttl)}
	if p.Token != "" {
		old, err := d.store.GetDraft(ctx, rec.TokenHash, now)
		switch {
		case err == nil:
			if old.Subject != p.Subject || old.SubjectIssuer != p.SubjectIssuer {
				return "", fmt.Errorf("forms: save draft: %w", adapters.ErrNotFound)
			}
			rec.CreatedAt = old.CreatedAt
		case errors.Is(err, adapters.ErrNotFound):
			return "", fmt.Errorf("forms: save draft: token: %w", err)
		default:
			return "", fmt.Errorf("forms: save draft: %w", err)
		}
	}
	if err := d.store.SaveDraft(ctx, rec); err != nil {
		return "", fmt.Errorf("forms: save draft of %s: %w", f.id, err)
	}
	return token, nil
}

// Resumed is a draft brought back.
type Resumed struct {
	// Form is the exact definition version the draft was started on.
	Form *Form
	// Step is where the resident left off.
	Step string
	// Values are the values saved, unsealed.
	Values map[string]any
	// Subject is the owner, empty for an anonymous draft.
	Subject string
	// SubjectIssuer is the identity issuer of Subject, as saved.
	SubjectIssuer string
	// ExpiresAt is when the draft stops being resumable.
	ExpiresAt time.Time
	// Files are the references of the files Values names (the ids of
	// file fields), in form order, so the page lists them by name. A
	// file no longer available to the resumer (discarded, submitted,
	// swept as an orphan, someone else's) is dropped from Values.
	Files []adapters.FileRef
}

// Page returns the page that resumes the draft: its step, values and
// files. Set its Locale, Action and Hidden before rendering.
func (r Resumed) Page() Page {
	return Page{Form: r.Form, Step: r.Step, Values: r.Values, Files: r.Files}
}

// DraftSummary describes one of a signed-in resident's drafts.
type DraftSummary struct {
	// ID names the draft for ResumeOwned; it is the stored token hash,
	// which only its owner is shown.
	ID string
	// FormID and FormVersion name the definition; Step is where the
	// resident left off.
	FormID      string
	FormVersion int
	Step        string
	// UpdatedAt and ExpiresAt are when the draft was last saved and when
	// it stops being resumable.
	UpdatedAt, ExpiresAt time.Time
}

// List returns the live drafts of the signed-in resident (issuer,
// subject), most recently saved first, so they can pick one up on
// another device without the token. Drafts the same subject saved under
// another issuer are someone else's and are left out.
func (d *Drafts) List(ctx context.Context, issuer, subject string) ([]DraftSummary, error) {
	if subject == "" {
		return nil, fmt.Errorf("forms: list drafts: anonymous drafts are found by token only: %w", adapters.ErrInvalidArgument)
	}
	// The store lists by subject (its index); a subject shared by two
	// issuers is rare, so filtering here costs little and keeps the
	// DraftStore contract vendors implement.
	recs, err := d.store.ListDrafts(ctx, subject, d.now())
	if err != nil {
		return nil, fmt.Errorf("forms: list drafts: %w", err)
	}
	out := make([]DraftSummary, 0, len(recs))
	for _, r := range recs {
		if r.SubjectIssuer != issuer {
			continue
		}
		out = append(out, DraftSummary{ID: r.TokenHash, FormID: r.FormID, FormVersion: r.FormVersion,
			Step: r.Step, UpdatedAt: r.UpdatedAt, ExpiresAt: r.ExpiresAt})
	}
	return out, nil
}

// ResumeOwned resumes a draft listed by List, for its signed-in owner
// (issuer, subject) only; anyone else, the same subject at another
// issuer included, gets adapters.ErrNotFound.
func (d *Drafts) ResumeOwned(ctx context.Context, id, issuer, subject string) (Resumed, error) {
	if subject == "" || len(id) != sha256.Size*2 {
		return Resumed{}, fmt.Errorf("forms: resume draft: %w", adapters.ErrNotFound)
	}
	return d.resume(ctx, id, issuer, subject, true)
}

// Resume returns the draft of a token. issuer and subject are the
// caller's identity (both empty when anonymous, in the order
// identity.Principal.ActorSubject returns them); a draft saved by a
// signed-in resident resumes only for the same issuer and subject.
// Unknown, expired, malformed and other residents' tokens all fail with
// adapters.ErrNotFound, so a token's existence does not leak.
func (d *Drafts) Resume(ctx context.Context, token, issuer, subject string) (Resumed, error) {
	if !validToken(token) {
		return Resumed{}, fmt.Errorf("forms: resume draft: %w", adapters.ErrNotFound)
	}
	return d.resume(ctx, hashToken(token), issuer, subject, false)
}

func (d *Drafts) resume(ctx context.Context, hash, issuer, subject string, owned bool) (Resumed, error) {
	rec, err := d.store.GetDraft(ctx, hash, d.now())
	if err != nil {
		return Resumed{}, fmt.Errorf("forms: resume draft: %w", err)
	}
	if (owned || rec.Subject != "") && (rec.Subject != subject || rec.SubjectIssuer != issuer) {
		return Resumed{}, fmt.Errorf("forms: resume draft: %w", adapters.ErrNotFound)
	}
	f, err := d.reg.Get(rec.FormID, rec.FormVersion)
	if err != nil {
		return Resumed{}, fmt.Errorf("forms: resume draft: %w", err)
	}
	v, err := decodeJSON(rec.Data, f.limits.maxDepth+1)
	if err != nil {
		return Resumed{}, fmt.Errorf("forms: resume draft of %s: stored data: %w", f.id, err)
	}
	m, _ := v.(map[string]any)
	if d.ring != nil {
		if m, err = f.Open(m, d.ring); err != nil {
			return Resumed{}, fmt.Errorf("forms: resume draft of %s: %w", f.id, err)
		}
	}
	refs, err := f.resumeFiles(ctx, m, issuer, subject)
	if err != nil {
		return Resumed{}, fmt.Errorf("forms: resume draft of %s: %w", f.id, err)
	}
	return Resumed{Form: f, Step: rec.Step, Values: m, Subject: rec.Subject, SubjectIssuer: rec.SubjectIssuer,
		ExpiresAt: rec.ExpiresAt, Files: refs}, nil
}

// resumeFiles looks up the files of a draft's values in the registry's
// file store as the resumer's own (FileStore.Ref), and drops from vals
// the ids it does not find: the page lists the rest by name and the
// next post carries them.
func (f *Form) resumeFiles(ctx context.Context, vals map[string]any, issuer, subject string) ([]adapters.FileRef, error) {
	var refs []adapters.FileRef
	for _, slot := range f.fileSlots(vals) {
		v := slot.value()
		if v == nil {
			continue
		}
		var kept []any
		for _, id := range fileIDs(v) {
			if f.limits.files == nil || id == "" || len(id) > 200 {
				continue
			}
			ref, err := f.limits.files.Ref(ctx, id, subject, issuer)
			switch {
			case errors.Is(err, adapters.ErrNotFound):
				continue
			case err != nil:
				return nil, fmt.Errorf("file of %s: %w", slot.path, err)
			}
			ref.Field = slot.path
			refs = append(refs, ref)
			kept = append(kept, id)
		}
		switch {
		case len(kept) == 0:
			slot.set(nil)
		case slot.fl.MaxFiles > 1:
			slot.set(kept)
		default:
			slot.set(kept[0])
		}
	}
	return refs, nil
}

// Discard deletes a draft, as after the form is submitted.
func (d *Drafts) Discard(ctx context.Context, token string) error {
	if !validToken(token) {
		return fmt.Errorf("forms: discard draft: %w", adapters.ErrNotFound)
	}
	if err := d.store.DeleteDraft(ctx, hashToken(token)); err != nil {
		return fmt.Errorf("forms: discard draft: %w", err)
	}
	return nil
}

// keepDeclared drops names the form does not declare.
func keepDeclared(parent *Field, m map[string]any) map[string]any {
	for k, v := range m {
		fl := parent.names[k]
		if fl == nil {
			delete(m, k)
			continue
		}
		if child, ok := v.(map[string]any); ok && fl.Type == "object" {
			keepDeclared(fl, child)
		}
		if rows, ok := v.([]any); ok && fl.Widget == "group" {
			for _, r := range rows {
				if row, ok := r.(map[string]any); ok {
					keepDeclared(fl, row)
				}
			}
		}
	}
	return m
}

const tokenBytes = 32

func newToken() (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("forms: resume token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func validToken(t string) bool {
	if len(t) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(t)
	return err == nil
}

// hashToken is what the store keeps. The token has 256 random bits, so a
// plain SHA-256 suffices: there is nothing to brute-force.
func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}
