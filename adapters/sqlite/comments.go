package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/civickit/civickit/adapters"
)

const commentCols = `id, thread, visibility, author, author_issuer, author_name, via, provider_id, body, created_at, edited_at, revisions,
	deleted_at, deleted_by, delete_reason, hidden_at, hidden_by, hidden_reason, flags, flagged_at, version`

func commentDest(c *adapters.Comment) []any {
	return []any{&c.ID, (*string)(&c.Thread), (*string)(&c.Visibility), &c.Author, &c.AuthorIssuer, &c.AuthorName, &c.Via,
		&c.ProviderID, &c.Body, nullTime{&c.CreatedAt}, nullTime{&c.EditedAt}, &c.Revisions,
		nullTime{&c.DeletedAt}, &c.DeletedBy, &c.DeleteReason, nullTime{&c.HiddenAt}, &c.HiddenBy, &c.HiddenReason,
		&c.Flags, nullTime{&c.FlaggedAt}, &c.Version}
}

func revisionDest(r *adapters.CommentRevision) []any {
	return []any{&r.CommentID, &r.Revision, &r.Body, &r.EditedBy, nullTime{&r.EditedAt}}
}

func moderationDest(a *adapters.ModerationAction) []any {
	return []any{&a.Seq, &a.CommentID, (*string)(&a.Thread), (*string)(&a.Action), &a.Actor, &a.ActorIssuer, &a.Reason, nullTime{&a.At}}
}

const (
	insertComment = `INSERT INTO comments (` + commentCols + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, NULL, '', '', ?, ?, ?, 0, ?, 1)`
	selectComment         = `SELECT ` + commentCols + ` FROM comments WHERE id = ?`
	selectCommentProvider = `SELECT ` + commentCols + ` FROM comments WHERE via = ? AND provider_id = ? AND provider_id <> ''`
	insertModeration      = `INSERT INTO comment_moderation (comment_id, thread, action, actor, actor_issuer, reason, at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`
	insertRevision = `INSERT INTO comment_revisions (comment_id, revision, body, edited_by, edited_at)
		SELECT id, revisions + 1, body, ?, ? FROM comments WHERE id = ?`
	editComment = `UPDATE comments SET body = ?, edited_at = ?, revisions = revisions + 1, version = version + 1 WHERE id = ?`
	delComment  = `UPDATE comments SET deleted_at = ?, deleted_by = ?, delete_reason = ?, flagged_at = NULL, version = version + 1
		WHERE id = ?`
	insertFlag  = `INSERT INTO comment_flags (comment_id, flagger, flagger_issuer, reason, at) VALUES (?, ?, ?, ?, ?)`
	flagComment = `UPDATE comments SET flags = flags + 1, flagged_at = coalesce(flagged_at, ?) WHERE id = ?`
	hideComment = `UPDATE comments SET hidden_at = ?, hidden_by = ?, hidden_reason = ?, flagged_at = NULL, version = version + 1
		WHERE id = ?`
	listRevisions = `SELECT comment_id, revision, body, edited_by, edited_at FROM comment_revisions WHERE comment_id = ? ORDER BY revision`
	countComments = `SELECT count(*) FROM comments WHERE author = ? AND author_issuer = ? AND created_at >= ?`
	listFlagged   = `SELECT ` + commentCols + ` FROM comments WHERE flagged_at IS NOT NULL`
	moderationBy  = `SELECT seq, comment_id, thread, action, actor, actor_issuer, reason, at FROM comment_moderation`
)

// audit writes one moderation record in the caller's transaction.
func auditComment(ctx context.Context, w *writer, c *adapters.Comment, kind adapters.ModerationKind, actor, issuer, reason string, at any) error {
	_, err := w.exec(ctx, insertModeration, c.ID, string(c.Thread), string(kind), actor, issuer, reason, at)
	return err
}

// readComment reads a comment in the caller's transaction.
func readComment(ctx context.Context, w *writer, query string, args ...any) (adapters.Comment, error) {
	var c adapters.Comment
	row, err := w.queryRow(ctx, query, args...)
	if err == nil {
		err = row.Scan(commentDest(&c)...)
	}
	return c, err
}

// changeable reads a comment that may change: an unknown one is
// ErrNotFound, a deleted one ErrConflict.
func changeableComment(ctx context.Context, w *writer, id string) (adapters.Comment, error) {
	c, err := readComment(ctx, w, selectComment, id)
	if err == nil && c.Deleted() {
		err = fmt.Errorf("%w: the comment is deleted", adapters.ErrConflict)
	}
	return c, err
}

// AddComment implements adapters.CommentStore.
func (s *Store) AddComment(ctx context.Context, c adapters.Comment) (adapters.Comment, error) {
	if err := c.Validate(); err != nil {
		return adapters.Comment{}, fmt.Errorf("sqlite: add comment %q: %w", c.ID, err)
	}
	var out adapters.Comment
	err := s.write(ctx, func(w *writer) error {
		if c.ProviderID != "" {
			first, err := readComment(ctx, w, selectCommentProvider, c.Via, c.ProviderID)
			switch {
			case err == nil && (first.Thread != c.Thread || first.Author != c.Author || first.AuthorIssuer != c.AuthorIssuer):
				return fmt.Errorf("%w: provider id %q is taken by comment %q", adapters.ErrDuplicate, c.ProviderID, first.ID)
			case err == nil:
				out = first
				return nil
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
		}
		var flagged any
		if c.Hidden() {
			flagged = timeArg(c.CreatedAt)
		}
		if _, err := w.exec(ctx, insertComment, c.ID, string(c.Thread), string(c.Visibility), c.Author, c.AuthorIssuer,
			c.AuthorName, c.Via, c.ProviderID, c.Body, timeArg(c.CreatedAt), timeArg(c.HiddenAt), c.HiddenBy, c.HiddenReason, flagged); err != nil {
			return err
		}
		if c.Hidden() {
			if err := auditComment(ctx, w, &c, adapters.ModerationHide, c.HiddenBy, "", c.HiddenReason, timeArg(c.HiddenAt)); err != nil {
				return err
			}
		}
		var err error
		out, err = readComment(ctx, w, selectComment, c.ID)
		return err
	})
	if err != nil {
		return adapters.Comment{}, fmt.Errorf("sqlite: add comment %q: %w", c.ID, err)
	}
	return out, nil
}

// GetComment implements adapters.CommentStore.
func (s *Store) GetComment(ctx context.Context, id string) (adapters.Comment, error) {
	if id == "" {
		return adapters.Comment{}, fmt.Errorf("sqlite: get comment: %w", emptyArg("comment id"))
	}
	var c adapters.Comment
	if err := s.readRow(ctx, selectComment, []any{id}, commentDest(&c)...); err != nil {
		return adapters.Comment{}, fmt.Errorf("sqlite: get comment %q: %w", id, err)
	}
	return c, nil
}

// EditComment implements adapters.CommentStore.
func (s *Store) EditComment(ctx context.Context, p adapters.EditParams) (adapters.Comment, error) {
	if err := p.Validate(); err != nil {
		return adapters.Comment{}, fmt.Errorf("sqlite: edit comment %q: %w", p.ID, err)
	}
	var out adapters.Comment
	err := s.write(ctx, func(w *writer) error {
		c, err := changeableComment(ctx, w, p.ID)
		switch {
		case err != nil:
			return err
		case c.Version != p.ExpectedVersion:
			return fmt.Errorf("%w: version is %d, not %d", adapters.ErrConflict, c.Version, p.ExpectedVersion)
		case c.Revisions >= adapters.MaxCommentRevisions:
			return fmt.Errorf("%w: the comment was edited %d times already", adapters.ErrInvalidArgument, c.Revisions)
		}
		at := timeArg(p.At)
		if _, err := w.exec(ctx, insertRevision, p.Editor, at, p.ID); err != nil {
			return err
		}
		if _, err := w.exec(ctx, editComment, p.Body, at, p.ID); err != nil {
			return err
		}
		if err := auditComment(ctx, w, &c, adapters.ModerationEdit, p.Editor, p.EditorIssuer, "", at); err != nil {
			return err
		}
		out, err = readComment(ctx, w, selectComment, p.ID)
		return err
	})
	if err != nil {
		return adapters.Comment{}, fmt.Errorf("sqlite: edit comment %q: %w", p.ID, err)
	}
	return out, nil
}

// DeleteComment implements adapters.CommentStore.
func (s *Store) DeleteComment(ctx context.Context, p adapters.DeleteParams) (adapters.Comment, error) {
	if err := p.Validate(); err != nil {
		return adapters.Comment{}, fmt.Errorf("sqlite: delete comment %q: %w", p.ID, err)
	}
	var out adapters.Comment
	err := s.write(ctx, func(w *writer) error {
		c, err := changeableComment(ctx, w, p.ID)
		if err != nil {
			return err
		}
		if p.ExpectedVersion != 0 && c.Version != p.ExpectedVersion {
			return fmt.Errorf("%w: version is %d, not %d", adapters.ErrConflict, c.Version, p.ExpectedVersion)
		}
		at := timeArg(p.At)
		if _, err := w.exec(ctx, delComment, at, p.Actor, p.Reason, p.ID); err != nil {
			return err
		}
		if err := auditComment(ctx, w, &c, adapters.ModerationDelete, p.Actor, p.ActorIssuer, p.Reason, at); err != nil {
			return err
		}
		out, err = readComment(ctx, w, selectComment, p.ID)
		return err
	})
	if err != nil {
		return adapters.Comment{}, fmt.Errorf("sqlite: delete comment %q: %w", p.ID, err)
	}
	return out, nil
}

// commentPage reads up to n+1 rows of query and makes the page of n.
func commentPage(ctx context.Context, s *Store, n int, next func(adapters.Comment) string, query string, args ...any) (adapters.CommentPage, error) {
	cs, err := readRows(ctx, s, commentDest, query, args...)
	if err != nil {
		return adapters.CommentPage{}, err
	}
	var page adapters.CommentPage
	if len(cs) > n {
		cs = cs[:n]
		page.NextCursor = next(cs[n-1])
	}
	page.Comments = cs
	return page, nil
}

// ListComments implements adapters.CommentStore.
func (s *Store) ListComments(ctx context.Context, q adapters.CommentQuery) (adapters.CommentPage, error) {
	if err := q.Validate(); err != nil {
		return adapters.CommentPage{}, fmt.Errorf("sqlite: list comments of %q: %w", q.Thread, err)
	}
	query, args := commentListSQL(q)
	page, err := commentPage(ctx, s, q.PageSize(), q.NextCursor, query, args...)
	if err != nil {
		return adapters.CommentPage{}, fmt.Errorf("sqlite: list comments of %q: %w", q.Thread, err)
	}
	return page, nil
}

// commentListSQL is the query of one page. The filters are literals, so
// each of the few shapes is prepared once and the residents' view
// matches its partial index.
func commentListSQL(q adapters.CommentQuery) (string, []any) {
	var b strings.Builder
	b.WriteString(`SELECT ` + commentCols + ` FROM comments WHERE thread = ?`)
	args := []any{string(q.Thread)}
	if !q.IncludeInternal {
		b.WriteString(` AND visibility = 'public'`)
	}
	if !q.IncludeHidden {
		b.WriteString(` AND hidden_at IS NULL`)
	}
	if !q.IncludeDeleted {
		b.WriteString(` AND deleted_at IS NULL`)
	}
	if pos, _ := q.DecodeCursor(); pos.ID != "" {
		b.WriteString(` AND (created_at, id) > (?, ?)`)
		args = append(args, micros(pos.Key), pos.ID)
	}
	b.WriteString(` ORDER BY created_at, id LIMIT ?`)
	return b.String(), append(args, q.PageSize()+1)
}

// ListRevisions implements adapters.CommentStore.
func (s *Store) ListRevisions(ctx context.Context, commentID string) ([]adapters.CommentRevision, error) {
	if commentID == "" {
		return nil, fmt.Errorf("sqlite: list revisions: %w", emptyArg("comment id"))
	}
	revs, err := readRows(ctx, s, revisionDest, listRevisions, commentID)
	if err == nil && len(revs) == 0 {
		var id string
		err = s.readRow(ctx, `SELECT id FROM comments WHERE id = ?`, []any{commentID}, &id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: list revisions of comment %q: %w", commentID, err)
	}
	return revs, nil
}

// FlagComment implements adapters.CommentStore.
func (s *Store) FlagComment(ctx context.Context, p adapters.FlagParams) (int, error) {
	if err := p.Validate(); err != nil {
		return 0, fmt.Errorf("sqlite: flag comment %q: %w", p.ID, err)
	}
	var flags int
	err := s.write(ctx, func(w *writer) error {
		c, err := changeableComment(ctx, w, p.ID)
		if err != nil {
			return err
		}
		at := timeArg(p.At)
		if _, err := w.exec(ctx, insertFlag, p.ID, p.Flagger, p.FlaggerIssuer, p.Reason, at); err != nil {
			return err
		}
		if _, err := w.exec(ctx, flagComment, at, p.ID); err != nil {
			return err
		}
		flags = c.Flags + 1
		return auditComment(ctx, w, &c, adapters.ModerationFlag, p.Flagger, p.FlaggerIssuer, p.Reason, at)
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: flag comment %q: %w", p.ID, err)
	}
	return flags, nil
}

// SetCommentHidden implements adapters.CommentStore.
func (s *Store) SetCommentHidden(ctx context.Context, p adapters.HideParams) (adapters.Comment, error) {
	if err := p.Validate(); err != nil {
		return adapters.Comment{}, fmt.Errorf("sqlite: %s comment %q: %w", p.Kind(), p.ID, err)
	}
	var out adapters.Comment
	err := s.write(ctx, func(w *writer) error {
		c, err := changeableComment(ctx, w, p.ID)
		if err != nil {
			return err
		}
		at := timeArg(p.At)
		hiddenAt, by, reason := at, p.Actor, p.Reason
		if !p.Hidden {
			hiddenAt, by, reason = nil, "", ""
		}
		if _, err := w.exec(ctx, hideComment, hiddenAt, by, reason, p.ID); err != nil {
			return err
		}
		if err := auditComment(ctx, w, &c, p.Kind(), p.Actor, p.ActorIssuer, p.Reason, at); err != nil {
			return err
		}
		out, err = readComment(ctx, w, selectComment, p.ID)
		return err
	})
	if err != nil {
		return adapters.Comment{}, fmt.Errorf("sqlite: %s comment %q: %w", p.Kind(), p.ID, err)
	}
	return out, nil
}

// ListModeration implements adapters.CommentStore.
func (s *Store) ListModeration(ctx context.Context, q adapters.ModerationQuery) ([]adapters.ModerationAction, error) {
	if err := q.Validate(); err != nil {
		return nil, fmt.Errorf("sqlite: list moderation: %w", err)
	}
	query, key := moderationBy+` WHERE comment_id = ? AND seq > ? ORDER BY seq LIMIT ?`, q.CommentID
	if q.Thread != "" {
		query, key = moderationBy+` WHERE thread = ? AND seq > ? ORDER BY seq LIMIT ?`, string(q.Thread)
	}
	as, err := readRows(ctx, s, moderationDest, query, key, q.AfterSeq, q.PageSize())
	if err != nil {
		return nil, fmt.Errorf("sqlite: list moderation: %w", err)
	}
	return as, nil
}

// CountCommentsBy implements adapters.CommentStore.
func (s *Store) CountCommentsBy(ctx context.Context, q adapters.CommentCount) (int64, error) {
	if err := q.Validate(); err != nil {
		return 0, fmt.Errorf("sqlite: count comments: %w", err)
	}
	var n int64
	if err := s.readRow(ctx, countComments, []any{q.Author, q.AuthorIssuer, micros(q.Since)}, &n); err != nil {
		return 0, fmt.Errorf("sqlite: count comments: %w", err)
	}
	return n, nil
}

// ListFlagged implements adapters.CommentStore.
func (s *Store) ListFlagged(ctx context.Context, q adapters.FlaggedQuery) (adapters.CommentPage, error) {
	if err := q.Validate(); err != nil {
		return adapters.CommentPage{}, fmt.Errorf("sqlite: list flagged comments: %w", err)
	}
	query, args := listFlagged, []any{}
	if pos, _ := q.DecodeCursor(); pos.ID != "" {
		query += ` AND (flagged_at, id) > (?, ?)`
		args = append(args, micros(pos.Key), pos.ID)
	}
	page, err := commentPage(ctx, s, q.PageSize(), q.NextCursor, query+` ORDER BY flagged_at, id LIMIT ?`, append(args, q.PageSize()+1)...)
	if err != nil {
		return adapters.CommentPage{}, fmt.Errorf("sqlite: list flagged comments: %w", err)
	}
	return page, nil
}
