package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/civickit/civickit/adapters"
)

const (
	conversationCols = `channel, address, form_id, form_version, locale, state, version, started_at, updated_at, expires_at, reminded_at`
	heldReplyCols    = `id, channel, sender, recipient, subject, body, in_reply_to, provider_id, received_at, reason, held_at, resolved_at, case_id, resolved_by, note`
)

// conversationStatements is the SQL of adapters.ConversationStore and
// adapters.ReplyQueue, qualified with the store's schema.
type conversationStatements struct {
	getConversation, createConversation, updateConversation string
	deleteConversation, listQuiet, deleteExpired            string
	holdReply, getHeldReply, resolveHeldReply, listHeldFrom string
}

func newConversationStatements(schema string) conversationStatements {
	st := conversationStatements{
		getConversation: `SELECT ` + conversationCols + ` FROM {s}.conversations WHERE channel = $1 AND address = $2 AND expires_at > $3`,
		// The writes answer with the version written (NULL when the guard
		// failed) and the version stored, to tell a conflict from a
		// missing conversation in one statement.
		createConversation: `WITH w AS (
			INSERT INTO {s}.conversations (` + conversationCols + `) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $10)
			ON CONFLICT (channel, address) DO UPDATE SET form_id = excluded.form_id, form_version = excluded.form_version,
				locale = excluded.locale, state = excluded.state, version = 1, started_at = excluded.started_at,
				updated_at = excluded.updated_at, expires_at = excluded.expires_at, reminded_at = excluded.reminded_at
			WHERE conversations.expires_at <= excluded.updated_at
			RETURNING version
		) SELECT (SELECT version FROM w), (SELECT version FROM {s}.conversations WHERE channel = $1 AND address = $2)`,
		updateConversation: `WITH w AS (
			UPDATE {s}.conversations SET form_id = $3, form_version = $4, locale = $5, state = $6, version = version + 1,
				started_at = $7, updated_at = $8, expires_at = $9, reminded_at = $10
			WHERE channel = $1 AND address = $2 AND version = $11
			RETURNING version
		) SELECT (SELECT version FROM w), (SELECT version FROM {s}.conversations WHERE channel = $1 AND address = $2)`,
		deleteConversation: `WITH d AS (
			DELETE FROM {s}.conversations WHERE channel = $1 AND address = $2 AND version = $3 RETURNING version
		) SELECT (SELECT version FROM d), (SELECT version FROM {s}.conversations WHERE channel = $1 AND address = $2)`,
		listQuiet: `SELECT ` + conversationCols + ` FROM {s}.conversations
			WHERE reminded_at IS NULL AND updated_at < $1 AND expires_at > $2 ORDER BY updated_at, channel, address LIMIT $3`,
		deleteExpired: `DELETE FROM {s}.conversations WHERE expires_at <= $1`,
		holdReply: `INSERT INTO {s}.held_replies (` + heldReplyCols + `)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, '', '', '')`,
		getHeldReply: `SELECT ` + heldReplyCols + ` FROM {s}.held_replies WHERE id = $1`,
		// Whether it resolved the reply, and whether the reply exists.
		resolveHeldReply: `WITH u AS (
			UPDATE {s}.held_replies SET resolved_at = $2, case_id = $3, resolved_by = $4, note = $5
			WHERE id = $1 AND resolved_at IS NULL RETURNING id
		) SELECT EXISTS (SELECT FROM u), EXISTS (SELECT FROM {s}.held_replies WHERE id = $1)`,
		listHeldFrom: `SELECT ` + heldReplyCols + ` FROM {s}.held_replies WHERE `,
	}
	for _, p := range []*string{
		&st.getConversation, &st.createConversation, &st.updateConversation, &st.deleteConversation,
		&st.listQuiet, &st.deleteExpired, &st.holdReply, &st.getHeldReply, &st.resolveHeldReply, &st.listHeldFrom,
	} {
		*p = strings.ReplaceAll(*p, "{s}", schema)
	}
	return st
}

// stateArg is a conversation's state as a bytea argument: the store keeps
// it byte for byte.
func stateArg(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

func scanConversation(row pgx.Row) (adapters.Conversation, error) {
	var c adapters.Conversation
	var state []byte
	var started, updated, expires, reminded pgtype.Timestamptz
	err := row.Scan(&c.Channel, &c.Address, &c.FormID, &c.FormVersion, &c.Locale, &state, &c.Version,
		&started, &updated, &expires, &reminded)
	c.State = rawJSON(state)
	c.StartedAt, c.UpdatedAt, c.ExpiresAt, c.RemindedAt = fromTS(started), fromTS(updated), fromTS(expires), fromTS(reminded)
	return c, err
}

// GetConversation implements adapters.ConversationStore. Errors leave the
// address out: it is a person's number.
func (s *Store) GetConversation(ctx context.Context, channel, address string, now time.Time) (adapters.Conversation, error) {
	err := adapters.ValidateChannelAddress(channel, address)
	if err == nil {
		err = s.enter(ctx)
	}
	var c adapters.Conversation
	if err == nil {
		c, err = queryOne(ctx, s, scanConversation, s.sql.conversations.getConversation, channel, address, ts(now))
	}
	if err != nil {
		return adapters.Conversation{}, fmt.Errorf("postgres: get conversation on %q: %w", channel, fail(ctx, err))
	}
	return c, nil
}

// guardedVersions reads what a guarded write answers: the version it
// wrote or deleted, and the version stored when the guard failed (NULL:
// none).
func guardedVersions(ctx context.Context, q querier, sql string, args ...any) (written, stored pgtype.Int8, err error) {
	err = q.QueryRow(ctx, sql, args...).Scan(&written, &stored)
	return written, stored, err
}

// SaveConversation implements adapters.ConversationStore.
func (s *Store) SaveConversation(ctx context.Context, c adapters.Conversation, msgs []adapters.Message) (adapters.Conversation, error) {
	err := adapters.ValidateConversationSave(c, msgs)
	if err == nil {
		st := &s.sql.conversations
		err = s.tx(ctx, func(q querier) error {
			var written, stored pgtype.Int8
			var err error
			if c.Version == 0 {
				written, stored, err = guardedVersions(ctx, q, st.createConversation, c.Channel, c.Address, c.FormID, c.FormVersion,
					c.Locale, stateArg(c.State), ts(c.StartedAt), ts(c.UpdatedAt), ts(c.ExpiresAt), ts(c.RemindedAt))
			} else {
				written, stored, err = guardedVersions(ctx, q, st.updateConversation, c.Channel, c.Address, c.FormID, c.FormVersion,
					c.Locale, stateArg(c.State), ts(c.StartedAt), ts(c.UpdatedAt), ts(c.ExpiresAt), ts(c.RemindedAt), c.Version)
			}
			switch {
			case err != nil:
				return err
			case !written.Valid && stored.Valid:
				return fmt.Errorf("%w: the conversation is at version %d, not %d", adapters.ErrConflict, stored.Int64, c.Version)
			case !written.Valid:
				// A conversation created or deleted by another writer
				// meanwhile: the caller's version is stale either way.
				return fmt.Errorf("%w: the conversation changed meanwhile; it was not at version %d", adapters.ErrConflict, c.Version)
			}
			return s.insertOutbox(ctx, q, msgs)
		})
	}
	if err != nil {
		return adapters.Conversation{}, fmt.Errorf("postgres: save conversation on %q: %w", c.Channel, fail(ctx, err))
	}
	c.Version++
	c.StartedAt, c.UpdatedAt = adapters.StoredTime(c.StartedAt), adapters.StoredTime(c.UpdatedAt)
	c.ExpiresAt, c.RemindedAt = adapters.StoredTime(c.ExpiresAt), adapters.StoredTime(c.RemindedAt)
	return c, nil
}

// DeleteConversation implements adapters.ConversationStore.
func (s *Store) DeleteConversation(ctx context.Context, channel, address string, version int64) error {
	err := adapters.ValidateConversationDelete(channel, address, version)
	if err == nil {
		err = s.enter(ctx)
	}
	if err == nil {
		err = s.write(ctx, func(q querier) error {
			deleted, stored, err := guardedVersions(ctx, q, s.sql.conversations.deleteConversation, channel, address, version)
			switch {
			case err != nil || deleted.Valid:
				return err
			case stored.Valid:
				return fmt.Errorf("%w: the conversation is at version %d, not %d", adapters.ErrConflict, stored.Int64, version)
			}
			return adapters.ErrNotFound
		})
	}
	if err != nil {
		return fmt.Errorf("postgres: delete conversation on %q: %w", channel, fail(ctx, err))
	}
	return nil
}

// ListQuietConversations implements adapters.ConversationStore.
func (s *Store) ListQuietConversations(ctx context.Context, before, now time.Time, limit int) ([]adapters.Conversation, error) {
	err := adapters.ValidateQuietListing(before, now, limit)
	if err == nil {
		err = s.enter(ctx)
	}
	var cs []adapters.Conversation
	if err == nil {
		cs, err = queryAll(ctx, s, scanConversation, s.sql.conversations.listQuiet, ts(before), ts(now), limit)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: list quiet conversations: %w", fail(ctx, err))
	}
	return cs, nil
}

// DeleteExpiredConversations implements adapters.ConversationStore.
func (s *Store) DeleteExpiredConversations(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.enter(ctx)
	if err == nil && now.IsZero() {
		err = emptyArg("time")
	}
	if err == nil {
		err = s.write(ctx, func(q querier) error {
			tag, err := q.Exec(ctx, s.sql.conversations.deleteExpired, ts(now))
			n = tag.RowsAffected()
			return err
		})
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: delete expired conversations: %w", fail(ctx, err))
	}
	return n, nil
}

func scanHeldReply(row pgx.Row) (adapters.HeldReply, error) {
	var h adapters.HeldReply
	r := &h.Reply
	var received, held, resolved pgtype.Timestamptz
	err := row.Scan(&h.ID, &r.Channel, &r.From, &r.To, &r.Subject, &r.Body, &r.InReplyTo, &r.ProviderID, &received,
		&h.Reason, &held, &resolved, &h.CaseID, &h.ResolvedBy, &h.Note)
	r.At, h.HeldAt, h.ResolvedAt = fromTS(received), fromTS(held), fromTS(resolved)
	return h, err
}

// HoldReply implements adapters.ReplyQueue.
func (s *Store) HoldReply(ctx context.Context, h adapters.HeldReply) error {
	err := h.Validate()
	if err == nil {
		err = s.enter(ctx)
	}
	if err == nil {
		r := h.Reply
		err = s.write(ctx, func(q querier) error {
			_, err := q.Exec(ctx, s.sql.conversations.holdReply, h.ID, r.Channel, r.From, r.To, r.Subject, r.Body,
				r.InReplyTo, r.ProviderID, ts(r.At), h.Reason, ts(h.HeldAt))
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("postgres: hold reply %q: %w", h.ID, fail(ctx, err))
	}
	return nil
}

// GetHeldReply implements adapters.ReplyQueue.
func (s *Store) GetHeldReply(ctx context.Context, id string) (adapters.HeldReply, error) {
	var err error
	if id == "" {
		err = emptyArg("held reply id")
	}
	if err == nil {
		err = s.enter(ctx)
	}
	var h adapters.HeldReply
	if err == nil {
		h, err = queryOne(ctx, s, scanHeldReply, s.sql.conversations.getHeldReply, id)
	}
	if err != nil {
		return adapters.HeldReply{}, fmt.Errorf("postgres: get held reply %q: %w", id, fail(ctx, err))
	}
	return h, nil
}

// heldListSQL is ListHeldReplies' statement for a valid q.
func (s *Store) heldListSQL(q adapters.HeldReplyQuery) (string, []any) {
	var b strings.Builder
	b.WriteString(s.sql.conversations.listHeldFrom)
	if q.Resolved {
		b.WriteString(`resolved_at IS NOT NULL`)
	} else {
		b.WriteString(`resolved_at IS NULL`)
	}
	var args []any
	if q.Channel != "" {
		args = append(args, q.Channel)
		fmt.Fprintf(&b, ` AND channel = $%d`, len(args))
	}
	pos, _ := q.DecodeCursor()
	args = keyset(&b, args, "held_at", "id", pos)
	args = append(args, q.PageSize()+1)
	fmt.Fprintf(&b, ` ORDER BY held_at, id LIMIT $%d`, len(args))
	return b.String(), args
}

// ListHeldReplies implements adapters.ReplyQueue.
func (s *Store) ListHeldReplies(ctx context.Context, q adapters.HeldReplyQuery) (adapters.HeldReplyPage, error) {
	err := q.Validate()
	if err == nil {
		err = s.enter(ctx)
	}
	var hs []adapters.HeldReply
	if err == nil {
		sql, args := s.heldListSQL(q)
		hs, err = queryAll(ctx, s, scanHeldReply, sql, args...)
	}
	if err != nil {
		return adapters.HeldReplyPage{}, fmt.Errorf("postgres: list held replies: %w", fail(ctx, err))
	}
	var page adapters.HeldReplyPage
	if n := q.PageSize(); len(hs) > n {
		hs = hs[:n]
		page.NextCursor = q.NextCursor(hs[n-1])
	}
	page.Replies = hs
	return page, nil
}

// ResolveHeldReply implements adapters.ReplyQueue.
func (s *Store) ResolveHeldReply(ctx context.Context, id, caseID, by, note string, at time.Time) error {
	err := adapters.ValidateResolveHeldReply(id, caseID, by, note, at)
	if err == nil {
		err = s.enter(ctx)
	}
	if err == nil {
		err = s.write(ctx, func(q querier) error {
			var resolved, exists bool
			err := q.QueryRow(ctx, s.sql.conversations.resolveHeldReply, id, ts(at), caseID, by, note).Scan(&resolved, &exists)
			switch {
			case err != nil || resolved:
				return err
			case exists:
				return fmt.Errorf("%w: the reply is resolved already", adapters.ErrConflict)
			}
			return adapters.ErrNotFound
		})
	}
	if err != nil {
		return fmt.Errorf("postgres: resolve held reply %q: %w", id, fail(ctx, err))
	}
	return nil
}
