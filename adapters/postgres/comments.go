package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/civickit/civickit/adapters"
)

const commentCols = `id, thread, visibility, author, author_issuer, author_name, via, provider_id, body, created_at, edited_at, revisions,
	deleted_at, deleted_by, delete_reason, hidden_at, hidden_by, hidden_reason, flags, flagged_at, version`

// commentStatements is the SQL of the CommentStore, qualified with the
// store's schema.
type commentStatements struct {
	add, get, getForUpdate, byProvider                     string
	audit, saveRevision, edit, del, flag, addFlag, hide    string
	listFrom, listRevisions, count, flaggedFrom            string
	moderationByComment, moderationByThread, commentExists string
}

func newCommentStatements(schema string) commentStatements {
	st := commentStatements{
		// A redelivered reply (its channel's id stored) inserts nothing:
		// no row comes back and AddComment reads the first one.
		add: `INSERT INTO {s}.comments (` + commentCols + `)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, 0, NULL, '', '', $11, $12, $13, 0,
				CASE WHEN $11::timestamptz IS NULL THEN NULL ELSE $10::timestamptz END, 1)
			ON CONFLICT (via, provider_id) WHERE provider_id <> '' DO NOTHING
			RETURNING ` + commentCols,
		get:          `SELECT ` + commentCols + ` FROM {s}.comments WHERE id = $1`,
		getForUpdate: `SELECT ` + commentCols + ` FROM {s}.comments WHERE id = $1 FOR UPDATE`,
		byProvider:   `SELECT ` + commentCols + ` FROM {s}.comments WHERE via = $1 AND provider_id = $2 AND provider_id <> ''`,
		audit: `INSERT INTO {s}.comment_moderation (comment_id, thread, action, actor, actor_issuer, reason, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		saveRevision: `INSERT INTO {s}.comment_revisions (comment_id, revision, body, edited_by, edited_at)
			SELECT id, revisions + 1, body, $2, $3 FROM {s}.comments WHERE id = $1`,
		edit: `UPDATE {s}.comments SET body = $2, edited_at = $3, revisions = revisions + 1, version = version + 1
			WHERE id = $1 RETURNING ` + commentCols,
		del: `UPDATE {s}.comments SET deleted_at = $2, deleted_by = $3, delete_reason = $4, flagged_at = NULL, version = version + 1
			WHERE id = $1 RETURNING ` + commentCols,
		addFlag: `INSERT INTO {s}.comment_flags (comment_id, flagger, flagger_issuer, reason, at) VALUES ($1, $2, $3, $4, $5)`,
		flag:    `UPDATE {s}.comments SET flags = flags + 1, flagged_at = coalesce(flagged_at, $2) WHERE id = $1 RETURNING flags`,
		hide: `UPDATE {s}.comments SET hidden_at = $2, hidden_by = $3, hidden_reason = $4, flagged_at = NULL, version = version + 1
			WHERE id = $1 RETURNING ` + commentCols,
		listFrom:      `SELECT ` + commentCols + ` FROM {s}.comments`,
		listRevisions: `SELECT comment_id, revision, body, edited_by, edited_at FROM {s}.comment_revisions WHERE comment_id = $1 ORDER BY revision`,
		count:         `SELECT count(*) FROM {s}.comments WHERE author = $1 AND author_issuer = $2 AND created_at >= $3`,
		flaggedFrom:   `SELECT ` + commentCols + ` FROM {s}.comments WHERE flagged_at IS NOT NULL`,
		moderationByComment: `SELECT seq, comment_id, thread, action, actor, actor_issuer, reason, at FROM {s}.comment_moderation
			WHERE comment_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
		moderationByThread: `SELECT seq, comment_id, thread, action, actor, actor_issuer, reason, at FROM {s}.comment_moderation
			WHERE thread = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
		commentExists: `SELECT EXISTS (SELECT FROM {s}.comments WHERE id = $1)`,
	}
	for _, p := range []*string{
		&st.add, &st.get, &st.getForUpdate, &st.byProvider, &st.audit, &st.saveRevision, &st.edit, &st.del,
		&st.flag, &st.addFlag, &st.hide, &st.listFrom, &st.listRevisions, &st.count, &st.flaggedFrom,
		&st.moderationByComment, &st.moderationByThread, &st.commentExists,
	} {
		*p = strings.ReplaceAll(*p, "{s}", schema)
	}
	return st
}

func scanComment(row pgx.Row) (adapters.Comment, error) {
	var c adapters.Comment
	var created, edited, deleted, hidden, flagged pgtype.Timestamptz
	err := row.Scan(&c.ID, (*string)(&c.Thread), (*string)(&c.Visibility), &c.Author, &c.AuthorIssuer, &c.AuthorName, &c.Via,
		&c.ProviderID, &c.Body, &created, &edited, &c.Revisions, &deleted, &c.DeletedBy, &c.DeleteReason,
		&hidden, &c.HiddenBy, &c.HiddenReason, &c.Flags, &flagged, &c.Version)
	c.CreatedAt, c.EditedAt, c.DeletedAt, c.HiddenAt, c.FlaggedAt = fromTS(created), fromTS(edited), fromTS(deleted), fromTS(hidden), fromTS(flagged)
	return c, err
}

func scanRevision(row pgx.Row) (adapters.CommentRevision, error) {
	var r adapters.CommentRevision
	var at pgtype.Timestamptz
	err := row.Scan(&r.CommentID, &r.Revision, &r.Body, &r.EditedBy, &at)
	r.EditedAt = fromTS(at)
	return r, err
}

func scanModeration(row pgx.Row) (adapters.ModerationAction, error) {
	var a adapters.ModerationAction
	var at pgtype.Timestamptz
	err := row.Scan(&a.Seq, &a.CommentID, (*string)(&a.Thread), (*string)(&a.Action), &a.Actor, &a.ActorIssuer, &a.Reason, &at)
	a.At = fromTS(at)
	return a, err
}

// commentWrite runs fn in one transaction (a savepoint in a caller's).
func (s *Store) commentWrite(ctx context.Context, fn func(q querier) error) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	return s.inTransaction(ctx, fn)
}

func (s *Store) auditComment(ctx context.Context, q querier, c *adapters.Comment, kind adapters.ModerationKind, actor, issuer, reason string, at pgtype.Timestamptz) error {
	_, err := q.Exec(ctx, s.sql.comments.audit, c.ID, string(c.Thread), string(kind), actor, issuer, reason, at)
	return err
}

// lockChangeable locks a comment that may change: an unknown one is
// ErrNotFound, a deleted one ErrConflict.
func (s *Store) lockChangeable(ctx context.Context, q querier, id string) (adapters.Comment, error) {
	c, err := scanComment(q.QueryRow(ctx, s.sql.comments.getForUpdate, id))
	if err == nil && c.Deleted() {
		err = fmt.Errorf("%w: the comment is deleted", adapters.ErrConflict)
	}
	return c, err
}

// AddComment implements adapters.CommentStore.
func (s *Store) AddComment(ctx context.Context, c adapters.Comment) (adapters.Comment, error) {
	var out adapters.Comment
	err := c.Validate()
	if err == nil {
		err = s.commentWrite(ctx, func(q querier) error {
			var err error
			out, err = scanComment(q.QueryRow(ctx, s.sql.comments.add, c.ID, string(c.Thread), string(c.Visibility), c.Author,
				c.AuthorIssuer, c.AuthorName, c.Via, c.ProviderID, c.Body, ts(c.CreatedAt), ts(c.HiddenAt), c.HiddenBy, c.HiddenReason))
			if errors.Is(err, pgx.ErrNoRows) {
				// The channel's id is stored: a redelivery, or a clash.
				out, err = scanComment(q.QueryRow(ctx, s.sql.comments.byProvider, c.Via, c.ProviderID))
				if err == nil && (out.Thread != c.Thread || out.Author != c.Author || out.AuthorIssuer != c.AuthorIssuer) {
					err = fmt.Errorf("%w: provider id %q is taken by comment %q", adapters.ErrDuplicate, c.ProviderID, out.ID)
				}
				return err
			}
			if err == nil && c.Hidden() {
				err = s.auditComment(ctx, q, &out, adapters.ModerationHide, c.HiddenBy, "", c.HiddenReason, ts(c.HiddenAt))
			}
			return err
		})
	}
	if err != nil {
		return adapters.Comment{}, fmt.Errorf("postgres: add comment %q: %w", c.ID, fail(ctx, err))
	}
	return out, nil
}

// GetComment implements adapters.CommentStore.
func (s *Store) GetComment(ctx context.Context, id string) (adapters.Comment, error) {
	var c adapters.Comment
	err := emptyArg("comment id")
	if id != "" {
		err = s.enter(ctx)
	}
	if err == nil {
		c, err = queryOne(ctx, s, scanComment, s.sql.comments.get, id)
	}
	if err != nil {
		return adapters.Comment{}, fmt.Errorf("postgres: get comment %q: %w", id, fail(ctx, err))
	}
	return c, nil
}

// EditComment implements adapters.CommentStore.
func (s *Store) EditComment(ctx context.Context, p adapters.EditParams) (adapters.Comment, error) {
	var out adapters.Comment
	err := p.Validate()
	if err == nil {
		err = s.commentWrite(ctx, func(q querier) error {
			c, err := s.lockChangeable(ctx, q, p.ID)
			switch {
			case err != nil:
				return err
			case c.Version != p.ExpectedVersion:
				return fmt.Errorf("%w: version is %d, not %d", adapters.ErrConflict, c.Version, p.ExpectedVersion)
			case c.Revisions >= adapters.MaxCommentRevisions:
				return fmt.Errorf("%w: the comment was edited %d times already", adapters.ErrInvalidArgument, c.Revisions)
			}
			at := ts(p.At)
			if _, err := q.Exec(ctx, s.sql.comments.saveRevision, p.ID, p.Editor, at); err != nil {
				return err
			}
			if out, err = scanComment(q.QueryRow(ctx, s.sql.comments.edit, p.ID, p.Body, at)); err != nil {
				return err
			}
			return s.auditComment(ctx, q, &c, adapters.ModerationEdit, p.Editor, p.EditorIssuer, "", at)
		})
	}
	if err != nil {
		return adapters.Comment{}, fmt.Errorf("postgres: edit comment %q: %w", p.ID, fail(ctx, err))
	}
	return out, nil
}

// DeleteComment implements adapters.CommentStore.
func (s *Store) DeleteComment(ctx context.Context, p adapters.DeleteParams) (adapters.Comment, error) {
	var out adapters.Comment
	err := p.Validate()
	if err == nil {
		err = s.commentWrite(ctx, func(q querier) error {
			c, err := s.lockChangeable(ctx, q, p.ID)
			if err != nil {
				return err
			}
			if p.ExpectedVersion != 0 && c.Version != p.ExpectedVersion {
				return fmt.Errorf("%w: version is %d, not %d", adapters.ErrConflict, c.Version, p.ExpectedVersion)
			}
			at := ts(p.At)
			if out, err = scanComment(q.QueryRow(ctx, s.sql.comments.del, p.ID, at, p.Actor, p.Reason)); err != nil {
				return err
			}
			return s.auditComment(ctx, q, &c, adapters.ModerationDelete, p.Actor, p.ActorIssuer, p.Reason, at)
		})
	}
	if err != nil {
		return adapters.Comment{}, fmt.Errorf("postgres: delete comment %q: %w", p.ID, fail(ctx, err))
	}
	return out, nil
}

// commentPage runs a listing of up to n+1 rows and makes the page of n.
func (s *Store) commentPage(ctx context.Context, n int, next func(adapters.Comment) string, sql string, args ...any) (adapters.CommentPage, error) {
	if err := s.enter(ctx); err != nil {
		return adapters.CommentPage{}, err
	}
	cs, err := queryAll(ctx, s, scanComment, sql, args...)
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

// commentListSQL is the query of one page of ListComments. The filters
// are literals, so that the residents' view matches its partial index.
func (s *Store) commentListSQL(q adapters.CommentQuery) (string, []any) {
	var b strings.Builder
	b.WriteString(s.sql.comments.listFrom + ` WHERE thread = $1`)
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
		b.WriteString(` AND (created_at, id) > ($2, $3)`)
		args = append(args, ts(pos.Key), pos.ID)
	}
	args = append(args, q.PageSize()+1)
	fmt.Fprintf(&b, ` ORDER BY created_at, id LIMIT $%d`, len(args))
	return b.String(), args
}

// ListComments implements adapters.CommentStore.
func (s *Store) ListComments(ctx context.Context, q adapters.CommentQuery) (adapters.CommentPage, error) {
	var page adapters.CommentPage
	err := q.Validate()
	if err == nil {
		sql, args := s.commentListSQL(q)
		page, err = s.commentPage(ctx, q.PageSize(), q.NextCursor, sql, args...)
	}
	if err != nil {
		return adapters.CommentPage{}, fmt.Errorf("postgres: list comments of %q: %w", q.Thread, fail(ctx, err))
	}
	return page, nil
}

// ListRevisions implements adapters.CommentStore.
func (s *Store) ListRevisions(ctx context.Context, commentID string) ([]adapters.CommentRevision, error) {
	var revs []adapters.CommentRevision
	err := emptyArg("comment id")
	if commentID != "" {
		err = s.enter(ctx)
	}
	if err == nil {
		revs, err = queryAll(ctx, s, scanRevision, s.sql.comments.listRevisions, commentID)
	}
	if err == nil && len(revs) == 0 {
		var found bool
		if found, err = queryOne(ctx, s, scanCommentFound, s.sql.comments.commentExists, commentID); err == nil && !found {
			err = adapters.ErrNotFound
		}
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: list revisions of comment %q: %w", commentID, fail(ctx, err))
	}
	return revs, nil
}

func scanCommentFound(row pgx.Row) (bool, error) {
	var b bool
	err := row.Scan(&b)
	return b, err
}

// FlagComment implements adapters.CommentStore.
func (s *Store) FlagComment(ctx context.Context, p adapters.FlagParams) (int, error) {
	var flags int
	err := p.Validate()
	if err == nil {
		err = s.commentWrite(ctx, func(q querier) error {
			// The comment's lock orders racing flaggers; a flagger racing
			// itself meets the flags' primary key.
			c, err := s.lockChangeable(ctx, q, p.ID)
			if err != nil {
				return err
			}
			at := ts(p.At)
			if _, err := q.Exec(ctx, s.sql.comments.addFlag, p.ID, p.Flagger, p.FlaggerIssuer, p.Reason, at); err != nil {
				return err
			}
			if err := q.QueryRow(ctx, s.sql.comments.flag, p.ID, at).Scan(&flags); err != nil {
				return err
			}
			return s.auditComment(ctx, q, &c, adapters.ModerationFlag, p.Flagger, p.FlaggerIssuer, p.Reason, at)
		})
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: flag comment %q: %w", p.ID, fail(ctx, err))
	}
	return flags, nil
}

// SetCommentHidden implements adapters.CommentStore.
func (s *Store) SetCommentHidden(ctx context.Context, p adapters.HideParams) (adapters.Comment, error) {
	var out adapters.Comment
	err := p.Validate()
	if err == nil {
		err = s.commentWrite(ctx, func(q querier) error {
			c, err := s.lockChangeable(ctx, q, p.ID)
			if err != nil {
				return err
			}
			at := ts(p.At)
			hiddenAt, by, reason := at, p.Actor, p.Reason
			if !p.Hidden {
				hiddenAt, by, reason = pgtype.Timestamptz{}, "", ""
			}
			if out, err = scanComment(q.QueryRow(ctx, s.sql.comments.hide, p.ID, hiddenAt, by, reason)); err != nil {
				return err
			}
			return s.auditComment(ctx, q, &c, p.Kind(), p.Actor, p.ActorIssuer, p.Reason, at)
		})
	}
	if err != nil {
		return adapters.Comment{}, fmt.Errorf("postgres: %s comment %q: %w", p.Kind(), p.ID, fail(ctx, err))
	}
	return out, nil
}

// ListModeration implements adapters.CommentStore.
func (s *Store) ListModeration(ctx context.Context, q adapters.ModerationQuery) ([]adapters.ModerationAction, error) {
	var as []adapters.ModerationAction
	err := q.Validate()
	if err == nil {
		err = s.enter(ctx)
	}
	if err == nil {
		sql, key := s.sql.comments.moderationByComment, q.CommentID
		if q.Thread != "" {
			sql, key = s.sql.comments.moderationByThread, string(q.Thread)
		}
		as, err = queryAll(ctx, s, scanModeration, sql, key, q.AfterSeq, q.PageSize())
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: list moderation: %w", fail(ctx, err))
	}
	return as, nil
}

// CountCommentsBy implements adapters.CommentStore.
func (s *Store) CountCommentsBy(ctx context.Context, q adapters.CommentCount) (int64, error) {
	var n int64
	err := q.Validate()
	if err == nil {
		err = s.enter(ctx)
	}
	if err == nil {
		err = s.oneStatement(ctx, func(qr querier) error {
			return qr.QueryRow(ctx, s.sql.comments.count, q.Author, q.AuthorIssuer, ts(q.Since)).Scan(&n)
		})
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: count comments: %w", fail(ctx, err))
	}
	return n, nil
}

// flaggedSQL is the query of one page of ListFlagged.
func (s *Store) flaggedSQL(q adapters.FlaggedQuery) (string, []any) {
	sql, args := s.sql.comments.flaggedFrom, []any{}
	if pos, _ := q.DecodeCursor(); pos.ID != "" {
		sql += ` AND (flagged_at, id) > ($1, $2)`
		args = append(args, ts(pos.Key), pos.ID)
	}
	args = append(args, q.PageSize()+1)
	return sql + fmt.Sprintf(` ORDER BY flagged_at, id LIMIT $%d`, len(args)), args
}

// ListFlagged implements adapters.CommentStore.
func (s *Store) ListFlagged(ctx context.Context, q adapters.FlaggedQuery) (adapters.CommentPage, error) {
	var page adapters.CommentPage
	err := q.Validate()
	if err == nil {
		sql, args := s.flaggedSQL(q)
		page, err = s.commentPage(ctx, q.PageSize(), q.NextCursor, sql, args...)
	}
	if err != nil {
		return adapters.CommentPage{}, fmt.Errorf("postgres: list flagged comments: %w", fail(ctx, err))
	}
	return page, nil
}
