package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/civickit/civickit/adapters"
)

// comments is the state of the CommentStore: one field of Store.
type comments struct {
	byID      map[string]*commentEntry
	providers map[[2]string]string // (via, provider id) -> comment id
	audit     []adapters.ModerationAction
}

type commentEntry struct {
	adapters.Comment
	revisions []adapters.CommentRevision
	flaggers  map[[2]string]bool
}

func newComments() comments {
	return comments{byID: map[string]*commentEntry{}, providers: map[[2]string]string{}}
}

func (s *Store) auditComment(c *adapters.Comment, kind adapters.ModerationKind, actor, issuer, reason string, at time.Time) {
	s.comments.audit = append(s.comments.audit, adapters.ModerationAction{
		Seq: int64(len(s.comments.audit) + 1), CommentID: c.ID, Thread: c.Thread, Action: kind,
		Actor: actor, ActorIssuer: issuer, Reason: reason, At: adapters.StoredTime(at),
	})
}

// AddComment implements adapters.CommentStore.
func (s *Store) AddComment(ctx context.Context, c adapters.Comment) (adapters.Comment, error) {
	if err := c.Validate(); err != nil {
		return adapters.Comment{}, fmt.Errorf("memory: add comment %q: %w", c.ID, err)
	}
	if err := s.lock(ctx); err != nil {
		return adapters.Comment{}, fmt.Errorf("memory: add comment %q: %w", c.ID, err)
	}
	defer s.mu.Unlock()
	key := [2]string{c.Via, c.ProviderID}
	if c.ProviderID != "" {
		if id, ok := s.comments.providers[key]; ok {
			first := s.comments.byID[id].Comment
			if first.Thread != c.Thread || first.Author != c.Author || first.AuthorIssuer != c.AuthorIssuer {
				return adapters.Comment{}, fmt.Errorf("memory: add comment %q: provider id %q is taken by comment %q: %w", c.ID, c.ProviderID, id, adapters.ErrDuplicate)
			}
			return first, nil
		}
	}
	if _, ok := s.comments.byID[c.ID]; ok {
		return adapters.Comment{}, fmt.Errorf("memory: add comment %q: %w", c.ID, adapters.ErrDuplicate)
	}
	c.CreatedAt, c.HiddenAt = adapters.StoredTime(c.CreatedAt), adapters.StoredTime(c.HiddenAt)
	c.EditedAt, c.Revisions, c.Flags, c.FlaggedAt, c.Version = time.Time{}, 0, 0, time.Time{}, 1
	c.DeletedAt, c.DeletedBy, c.DeleteReason = time.Time{}, "", ""
	if c.Hidden() {
		c.FlaggedAt = c.CreatedAt
		s.auditComment(&c, adapters.ModerationHide, c.HiddenBy, "", c.HiddenReason, c.HiddenAt)
	}
	s.comments.byID[c.ID] = &commentEntry{Comment: c, flaggers: map[[2]string]bool{}}
	if c.ProviderID != "" {
		s.comments.providers[key] = c.ID
	}
	return c, nil
}

// GetComment implements adapters.CommentStore.
func (s *Store) GetComment(ctx context.Context, id string) (adapters.Comment, error) {
	if id == "" {
		return adapters.Comment{}, fmt.Errorf("memory: get comment: %w", emptyID("comment id"))
	}
	if err := s.rlock(ctx); err != nil {
		return adapters.Comment{}, fmt.Errorf("memory: get comment %q: %w", id, err)
	}
	defer s.mu.RUnlock()
	e, ok := s.comments.byID[id]
	if !ok {
		return adapters.Comment{}, fmt.Errorf("memory: get comment %q: %w", id, adapters.ErrNotFound)
	}
	return e.Comment, nil
}

// changeable returns the comment with the id unless it is unknown
// (ErrNotFound) or deleted (ErrConflict); the caller holds the lock.
func (s *Store) changeableComment(id string) (*commentEntry, error) {
	e, ok := s.comments.byID[id]
	if !ok {
		return nil, adapters.ErrNotFound
	}
	if e.Deleted() {
		return nil, fmt.Errorf("%w: the comment is deleted", adapters.ErrConflict)
	}
	return e, nil
}

// EditComment implements adapters.CommentStore.
func (s *Store) EditComment(ctx context.Context, p adapters.EditParams) (adapters.Comment, error) {
	if err := p.Validate(); err != nil {
		return adapters.Comment{}, fmt.Errorf("memory: edit comment %q: %w", p.ID, err)
	}
	if err := s.lock(ctx); err != nil {
		return adapters.Comment{}, fmt.Errorf("memory: edit comment %q: %w", p.ID, err)
	}
	defer s.mu.Unlock()
	e, err := s.changeableComment(p.ID)
	switch {
	case err != nil:
	case e.Version != p.ExpectedVersion:
		err = fmt.Errorf("%w: version is %d, not %d", adapters.ErrConflict, e.Version, p.ExpectedVersion)
	case e.Revisions >= adapters.MaxCommentRevisions:
		err = fmt.Errorf("%w: the comment was edited %d times already", adapters.ErrInvalidArgument, e.Revisions)
	}
	if err != nil {
		return adapters.Comment{}, fmt.Errorf("memory: edit comment %q: %w", p.ID, err)
	}
	at := adapters.StoredTime(p.At)
	e.revisions = append(e.revisions, adapters.CommentRevision{
		CommentID: p.ID, Revision: e.Revisions + 1, Body: e.Body, EditedBy: p.Editor, EditedAt: at,
	})
	e.Body, e.EditedAt, e.Revisions, e.Version = p.Body, at, e.Revisions+1, e.Version+1
	s.auditComment(&e.Comment, adapters.ModerationEdit, p.Editor, p.EditorIssuer, "", at)
	return e.Comment, nil
}

// DeleteComment implements adapters.CommentStore.
func (s *Store) DeleteComment(ctx context.Context, p adapters.DeleteParams) (adapters.Comment, error) {
	if err := p.Validate(); err != nil {
		return adapters.Comment{}, fmt.Errorf("memory: delete comment %q: %w", p.ID, err)
	}
	if err := s.lock(ctx); err != nil {
		return adapters.Comment{}, fmt.Errorf("memory: delete comment %q: %w", p.ID, err)
	}
	defer s.mu.Unlock()
	e, err := s.changeableComment(p.ID)
	if err == nil && p.ExpectedVersion != 0 && e.Version != p.ExpectedVersion {
		err = fmt.Errorf("%w: version is %d, not %d", adapters.ErrConflict, e.Version, p.ExpectedVersion)
	}
	if err != nil {
		return adapters.Comment{}, fmt.Errorf("memory: delete comment %q: %w", p.ID, err)
	}
	at := adapters.StoredTime(p.At)
	e.DeletedAt, e.DeletedBy, e.DeleteReason, e.FlaggedAt, e.Version = at, p.Actor, p.Reason, time.Time{}, e.Version+1
	s.auditComment(&e.Comment, adapters.ModerationDelete, p.Actor, p.ActorIssuer, p.Reason, at)
	return e.Comment, nil
}

func byCommentKey(key func(*adapters.Comment) time.Time) func(a, b *commentEntry) int {
	return func(a, b *commentEntry) int {
		if r := key(&a.Comment).Compare(key(&b.Comment)); r != 0 {
			return r
		}
		return cmp.Compare(a.ID, b.ID)
	}
}

// commentPage sorts the comments keep accepts by key and ID and returns
// the page after the cursor position; the caller holds the lock.
func (s *Store) commentPage(after adapters.CursorPosition, n int, key func(*adapters.Comment) time.Time,
	keep func(*adapters.Comment) bool, next func(adapters.Comment) string) adapters.CommentPage {
	var hits []*commentEntry
	for _, e := range s.comments.byID {
		if !keep(&e.Comment) {
			continue
		}
		if after.ID != "" {
			if r := key(&e.Comment).Compare(after.Key); r < 0 || r == 0 && e.ID <= after.ID {
				continue
			}
		}
		hits = append(hits, e)
	}
	slices.SortFunc(hits, byCommentKey(key))
	var page adapters.CommentPage
	if len(hits) > n {
		hits = hits[:n]
		page.NextCursor = next(hits[n-1].Comment)
	}
	for _, e := range hits {
		page.Comments = append(page.Comments, e.Comment)
	}
	return page
}

// ListComments implements adapters.CommentStore.
func (s *Store) ListComments(ctx context.Context, q adapters.CommentQuery) (adapters.CommentPage, error) {
	if err := q.Validate(); err != nil {
		return adapters.CommentPage{}, fmt.Errorf("memory: list comments of %q: %w", q.Thread, err)
	}
	after, _ := q.DecodeCursor()
	if err := s.rlock(ctx); err != nil {
		return adapters.CommentPage{}, fmt.Errorf("memory: list comments of %q: %w", q.Thread, err)
	}
	defer s.mu.RUnlock()
	keep := func(c *adapters.Comment) bool {
		return c.Thread == q.Thread &&
			(q.IncludeInternal || c.Visibility == adapters.VisibilityPublic) &&
			(q.IncludeHidden || !c.Hidden()) &&
			(q.IncludeDeleted || !c.Deleted())
	}
	created := func(c *adapters.Comment) time.Time { return c.CreatedAt }
	return s.commentPage(after, q.PageSize(), created, keep, q.NextCursor), nil
}

// ListRevisions implements adapters.CommentStore.
func (s *Store) ListRevisions(ctx context.Context, commentID string) ([]adapters.CommentRevision, error) {
	if commentID == "" {
		return nil, fmt.Errorf("memory: list revisions: %w", emptyID("comment id"))
	}
	if err := s.rlock(ctx); err != nil {
		return nil, fmt.Errorf("memory: list revisions of comment %q: %w", commentID, err)
	}
	defer s.mu.RUnlock()
	e, ok := s.comments.byID[commentID]
	if !ok {
		return nil, fmt.Errorf("memory: list revisions of comment %q: %w", commentID, adapters.ErrNotFound)
	}
	return slices.Clone(e.revisions), nil
}

// FlagComment implements adapters.CommentStore.
func (s *Store) FlagComment(ctx context.Context, p adapters.FlagParams) (int, error) {
	if err := p.Validate(); err != nil {
		return 0, fmt.Errorf("memory: flag comment %q: %w", p.ID, err)
	}
	if err := s.lock(ctx); err != nil {
		return 0, fmt.Errorf("memory: flag comment %q: %w", p.ID, err)
	}
	defer s.mu.Unlock()
	e, err := s.changeableComment(p.ID)
	flagger := [2]string{p.Flagger, p.FlaggerIssuer}
	if err == nil && e.flaggers[flagger] {
		err = fmt.Errorf("%w: the flagger already flagged it", adapters.ErrDuplicate)
	}
	if err != nil {
		return 0, fmt.Errorf("memory: flag comment %q: %w", p.ID, err)
	}
	at := adapters.StoredTime(p.At)
	e.flaggers[flagger] = true
	e.Flags++
	if e.FlaggedAt.IsZero() {
		e.FlaggedAt = at
	}
	s.auditComment(&e.Comment, adapters.ModerationFlag, p.Flagger, p.FlaggerIssuer, p.Reason, at)
	return e.Flags, nil
}

// SetCommentHidden implements adapters.CommentStore.
func (s *Store) SetCommentHidden(ctx context.Context, p adapters.HideParams) (adapters.Comment, error) {
	if err := p.Validate(); err != nil {
		return adapters.Comment{}, fmt.Errorf("memory: %s comment %q: %w", p.Kind(), p.ID, err)
	}
	if err := s.lock(ctx); err != nil {
		return adapters.Comment{}, fmt.Errorf("memory: %s comment %q: %w", p.Kind(), p.ID, err)
	}
	defer s.mu.Unlock()
	e, err := s.changeableComment(p.ID)
	if err != nil {
		return adapters.Comment{}, fmt.Errorf("memory: %s comment %q: %w", p.Kind(), p.ID, err)
	}
	at := adapters.StoredTime(p.At)
	if p.Hidden {
		e.HiddenAt, e.HiddenBy, e.HiddenReason = at, p.Actor, p.Reason
	} else {
		e.HiddenAt, e.HiddenBy, e.HiddenReason = time.Time{}, "", ""
	}
	e.FlaggedAt, e.Version = time.Time{}, e.Version+1
	s.auditComment(&e.Comment, p.Kind(), p.Actor, p.ActorIssuer, p.Reason, at)
	return e.Comment, nil
}

// ListModeration implements adapters.CommentStore.
func (s *Store) ListModeration(ctx context.Context, q adapters.ModerationQuery) ([]adapters.ModerationAction, error) {
	if err := q.Validate(); err != nil {
		return nil, fmt.Errorf("memory: list moderation: %w", err)
	}
	if err := s.rlock(ctx); err != nil {
		return nil, fmt.Errorf("memory: list moderation: %w", err)
	}
	defer s.mu.RUnlock()
	var out []adapters.ModerationAction
	for _, a := range s.comments.audit[min(q.AfterSeq, int64(len(s.comments.audit))):] {
		if len(out) == q.PageSize() {
			break
		}
		if a.CommentID == q.CommentID || a.Thread == q.Thread && q.Thread != "" {
			out = append(out, a)
		}
	}
	return out, nil
}

// CountCommentsBy implements adapters.CommentStore.
func (s *Store) CountCommentsBy(ctx context.Context, q adapters.CommentCount) (int64, error) {
	if err := q.Validate(); err != nil {
		return 0, fmt.Errorf("memory: count comments: %w", err)
	}
	if err := s.rlock(ctx); err != nil {
		return 0, fmt.Errorf("memory: count comments: %w", err)
	}
	defer s.mu.RUnlock()
	since := adapters.StoredTime(q.Since)
	var n int64
	for _, e := range s.comments.byID {
		if e.Author == q.Author && e.AuthorIssuer == q.AuthorIssuer && !e.CreatedAt.Before(since) {
			n++
		}
	}
	return n, nil
}

// ListFlagged implements adapters.CommentStore.
func (s *Store) ListFlagged(ctx context.Context, q adapters.FlaggedQuery) (adapters.CommentPage, error) {
	if err := q.Validate(); err != nil {
		return adapters.CommentPage{}, fmt.Errorf("memory: list flagged comments: %w", err)
	}
	after, _ := q.DecodeCursor()
	if err := s.rlock(ctx); err != nil {
		return adapters.CommentPage{}, fmt.Errorf("memory: list flagged comments: %w", err)
	}
	defer s.mu.RUnlock()
	flagged := func(c *adapters.Comment) time.Time { return c.FlaggedAt }
	keep := func(c *adapters.Comment) bool { return !c.FlaggedAt.IsZero() }
	return s.commentPage(after, q.PageSize(), flagged, keep, q.NextCursor), nil
}
