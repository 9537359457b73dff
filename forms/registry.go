package forms

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"sort"
	"sync"

	"github.com/civickit/civickit/adapters"
)

// Default input limits.
const (
	DefaultMaxBodyBytes = 1 << 20
	DefaultMaxDepth     = 32
	// DefaultMaxUploadBytes bounds a multipart/form-data body, files
	// included (RegistryConfig.MaxUploadBytes).
	DefaultMaxUploadBytes = 32 << 20
	// maxDefinitionBytes bounds one definition file.
	maxDefinitionBytes = 4 << 20
)

// RegistryConfig tunes a Registry. The zero value and nil mean the defaults.
type RegistryConfig struct {
	// MaxBodyBytes bounds a submission's body (default 1 MiB).
	MaxBodyBytes int64
	// MaxDepth bounds the nesting of submitted values (default 32).
	MaxDepth int
	// Logger receives load events; it never receives submitted values.
	// Default: discard.
	Logger *slog.Logger
	// Languages are languages beyond the built-in English and Spanish.
	// A form with texts in one of them (x-title and friends keyed by its
	// tag) validates in it, with its Messages as the defaults (the form's
	// own x-messages and x-errorName still come first), and is drawn in
	// it by every Renderer. See Language.
	Languages []Language
	// Files stores the files of file fields (x-widget "file"): a
	// multipart/form-data post streams each file part to it. Without
	// one, a multipart post is refused with ErrUnsupportedMediaType
	// (415) and a file id posted for a file field is refused. The
	// uploader is the identity WithUploader puts on the request's
	// context.
	Files FileStore
	// MaxUploadBytes bounds a whole multipart/form-data body, files
	// included (default 32 MiB); a larger body is refused with
	// ErrTooLarge (413) and the files it stored are discarded.
	// MaxBodyBytes still bounds its non-file parts together. No file
	// field may allow more (x-maxFileSize, x-form.maxTotalSize).
	MaxUploadBytes int64
}

// Validate reports every invalid setting.
func (c *RegistryConfig) Validate() error {
	var errs []error
	if c.MaxBodyBytes < 0 {
		errs = append(errs, fmt.Errorf("forms: MaxBodyBytes %d is negative: %w", c.MaxBodyBytes, adapters.ErrInvalidArgument))
	}
	if c.MaxUploadBytes < 0 {
		errs = append(errs, fmt.Errorf("forms: MaxUploadBytes %d is negative: %w", c.MaxUploadBytes, adapters.ErrInvalidArgument))
	}
	if c.MaxDepth < 0 || c.MaxDepth > 1000 {
		errs = append(errs, fmt.Errorf("forms: MaxDepth %d is outside 0..1000: %w", c.MaxDepth, adapters.ErrInvalidArgument))
	}
	if _, err := addLanguages(c.Languages); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

type limits struct {
	maxBody  int64
	maxDepth int
	// maxUpload bounds a multipart body; files is where its files go.
	maxUpload int64
	files     FileStore
}

// Registry holds every loaded version of every form. It is safe for
// concurrent use: loads and lookups may run at the same time.
type Registry struct {
	lim    limits
	logger *slog.Logger
	langs  []*addedLang

	mu    sync.RWMutex
	forms map[string]map[int]*Form
}

// NewRegistry returns an empty registry. A nil cfg means the defaults.
func NewRegistry(cfg *RegistryConfig) (*Registry, error) {
	if cfg == nil {
		cfg = &RegistryConfig{}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	langs, _ := addLanguages(cfg.Languages) // checked by Validate
	r := &Registry{lim: limits{maxBody: cfg.MaxBodyBytes, maxDepth: cfg.MaxDepth, maxUpload: cfg.MaxUploadBytes, files: cfg.Files},
		logger: cfg.Logger, langs: langs, forms: map[string]map[int]*Form{}}
	if r.lim.maxBody == 0 {
		r.lim.maxBody = DefaultMaxBodyBytes
	}
	if r.lim.maxUpload == 0 {
		r.lim.maxUpload = DefaultMaxUploadBytes
	}
	if r.lim.maxDepth == 0 {
		r.lim.maxDepth = DefaultMaxDepth
	}
	if r.logger == nil {
		r.logger = slog.New(slog.DiscardHandler)
	}
	return r, nil
}

// Load compiles one definition and adds it. file names it in errors.
// Loading the same bytes again is a no-op; loading different bytes under
// an id and version already present fails with adapters.ErrDuplicate,
// because a published version never changes.
func (r *Registry) Load(ctx context.Context, file string, data []byte) (*Form, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(data) > maxDefinitionBytes {
		return nil, definitionError(file, []DefinitionProblem{{Reason: fmt.Sprintf("definition larger than %d bytes", maxDefinitionBytes)}})
	}
	f, err := compile(file, data, r.lim)
	if de := (*DefinitionError)(nil); errors.As(err, &de) && len(de.Problems) == 0 {
		// a check that stops at its first problem
		de.Problems = []DefinitionProblem{{Pointer: de.Pointer, Reason: de.Reason}}
	}
	if err != nil {
		return nil, err
	}
	for _, a := range r.langs {
		if f.hasTexts(a.base) {
			f.added = append(f.added, a)
		}
	}
	return r.add(f)
}

func (r *Registry) add(f *Form) (*Form, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	vs := r.forms[f.id]
	if vs == nil {
		vs = map[int]*Form{}
		r.forms[f.id] = vs
	}
	if old, ok := vs[f.version]; ok {
		if old.hash == f.hash {
			return old, nil
		}
		return nil, fmt.Errorf("forms: %s defines %s version %d, already loaded from %s with other content: %w",
			f.file, f.id, f.version, old.file, adapters.ErrDuplicate)
	}
	vs[f.version] = f
	r.logger.Debug("form loaded", "form", f.id, "version", f.version, "hash", f.hash)
	return f, nil
}

// LoadFS compiles every *.json file under root in fsys (an embed.FS or
// os.DirFS) and adds them. Every failing file is reported, joined; the
// files that compiled are added all the same.
func (r *Registry) LoadFS(ctx context.Context, fsys fs.FS, root string) error {
	var errs []error
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || path.Ext(p) != ".json" {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			errs = append(errs, fmt.Errorf("forms: read %s: %w", p, err))
			return nil
		}
		if _, err := r.Load(ctx, p, data); err != nil {
			errs = append(errs, err)
		}
		return nil
	})
	if err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Get returns one version of a form, or an error wrapping
// adapters.ErrNotFound.
func (r *Registry) Get(id string, version int) (*Form, error) {
	r.mu.RLock()
	f := r.forms[id][version]
	r.mu.RUnlock()
	if f == nil {
		return nil, fmt.Errorf("forms: form %s version %d: %w", id, version, adapters.ErrNotFound)
	}
	return f, nil
}

// Latest returns the highest version of a form, or an error wrapping
// adapters.ErrNotFound.
func (r *Registry) Latest(id string) (*Form, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var best *Form
	for _, f := range r.forms[id] {
		if best == nil || f.version > best.version {
			best = f
		}
	}
	if best == nil {
		return nil, fmt.Errorf("forms: form %s: %w", id, adapters.ErrNotFound)
	}
	return best, nil
}

// Pinned returns the exact definition a pin names. A pin whose hash no
// longer matches (the version was edited after submissions used it)
// fails with adapters.ErrConflict.
func (r *Registry) Pinned(p Pin) (*Form, error) {
	f, err := r.Get(p.ID, p.Version)
	if err != nil {
		return nil, err
	}
	if f.hash != p.Hash {
		return nil, fmt.Errorf("forms: form %s version %d has hash %s, pin wants %s: %w",
			p.ID, p.Version, f.hash, p.Hash, adapters.ErrConflict)
	}
	return f, nil
}

// Versions returns the loaded versions of a form, ascending.
func (r *Registry) Versions(id string) []int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	vs := make([]int, 0, len(r.forms[id]))
	for v := range r.forms[id] {
		vs = append(vs, v)
	}
	slices.Sort(vs)
	return vs
}

// IDs returns the ids of the loaded forms, sorted.
func (r *Registry) IDs() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ids := make([]string, 0, len(r.forms))
	for id := range r.forms {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
