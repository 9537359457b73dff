package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/civickit/civickit/adapters"
)

const conversationCols = `channel, address, form_id, form_version, locale, state, version, started_at, updated_at, expires_at, reminded_at`

func conversationDest(c *adapters.Conversation) []any {
	return []any{&c.Channel, &c.Address, &c.FormID, &c.FormVersion, &c.Locale, nullJSON{&c.State}, &c.Version,
		nullTime{&c.StartedAt}, nullTime{&c.UpdatedAt}, nullTime{&c.ExpiresAt}, nullTime{&c.RemindedAt}}
}

// stateArg is a conversation's state as a BLOB: the store keeps it byte
// for byte.
func stateArg(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

const (
	getConversation = `SELECT ` + conversationCols + ` FROM conversations WHERE channel = ? AND address = ? AND expires_at > ?`
	// createConversation writes version 1 unless a conversation not
	// expired at the new one's update time is stored.
	createConversation = `INSERT INTO conversations (` + conversationCols + `) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)
		ON CONFLICT (channel, address) DO UPDATE SET form_id = excluded.form_id, form_version = excluded.form_version,
			locale = excluded.locale, state = excluded.state, version = 1, started_at = excluded.started_at,
			updated_at = excluded.updated_at, expires_at = excluded.expires_at, reminded_at = excluded.reminded_at
		WHERE conversations.expires_at <= excluded.updated_at`
	updateConversation = `UPDATE conversations SET form_id = ?, form_version = ?, locale = ?, state = ?, version = version + 1,
		started_at = ?, updated_at = ?, expires_at = ?, reminded_at = ? WHERE channel = ? AND address = ? AND version = ?`
	conversationVersion = `SELECT version FROM conversations WHERE channel = ? AND address = ?`
	deleteConversation  = `DELETE FROM conversations WHERE channel = ? AND address = ? AND version = ?`
	listQuiet           = `SELECT ` + conversationCols + ` FROM conversations
		WHERE reminded_at IS NULL AND updated_at < ? AND expires_at > ? ORDER BY updated_at, channel, address LIMIT ?`
	deleteExpiredConversations = `DELETE FROM conversations WHERE expires_at <= ?`
)

// GetConversation implements adapters.ConversationStore. Errors leave the
// address out: it is a person's number.
func (s *Store) GetConversation(ctx context.Context, channel, address string, now time.Time) (adapters.Conversation, error) {
	var c adapters.Conversation
	err := adapters.ValidateChannelAddress(channel, address)
	if err == nil {
		err = s.readRow(ctx, getConversation, []any{channel, address, micros(now)}, conversationDest(&c)...)
	}
	if err != nil {
		return adapters.Conversation{}, fmt.Errorf("sqlite: get conversation on %q: %w", channel, err)
	}
	return c, nil
}

// SaveConversation implements adapters.ConversationStore.
func (s *Store) SaveConversation(ctx context.Context, c adapters.Conversation, msgs []adapters.Message) (adapters.Conversation, error) {
	err := adapters.ValidateConversationSave(c, msgs)
	if err == nil {
		err = s.write(ctx, func(w *writer) error {
			if err := writeConversation(ctx, w, c); err != nil {
				return err
			}
			return insertMessages(ctx, w, "", msgs)
		})
	}
	if err != nil {
		return adapters.Conversation{}, fmt.Errorf("sqlite: save conversation on %q: %w", c.Channel, err)
	}
	c.Version++
	c.State = cloneJSON(c.State)
	c.StartedAt, c.UpdatedAt = adapters.StoredTime(c.StartedAt), adapters.StoredTime(c.UpdatedAt)
	c.ExpiresAt, c.RemindedAt = adapters.StoredTime(c.ExpiresAt), adapters.StoredTime(c.RemindedAt)
	return c, nil
}

// writeConversation writes c over its stored version, or returns
// ErrConflict saying which version is stored.
func writeConversation(ctx context.Context, w *writer, c adapters.Conversation) error {
	var n int64
	var err error
	if c.Version == 0 {
		n, err = w.execN(ctx, createConversation, c.Channel, c.Address, c.FormID, c.FormVersion, c.Locale, stateArg(c.State),
			timeArg(c.StartedAt), timeArg(c.UpdatedAt), timeArg(c.ExpiresAt), timeArg(c.RemindedAt))
	} else {
		n, err = w.execN(ctx, updateConversation, c.FormID, c.FormVersion, c.Locale, stateArg(c.State),
			timeArg(c.StartedAt), timeArg(c.UpdatedAt), timeArg(c.ExpiresAt), timeArg(c.RemindedAt), c.Channel, c.Address, c.Version)
	}
	if err != nil || n == 1 {
		return err
	}
	err = conversationConflict(ctx, w, c.Channel, c.Address, c.Version)
	if errors.Is(err, adapters.ErrNotFound) {
		// Deleted since the caller read it: the caller's version is stale.
		return fmt.Errorf("%w: no conversation is stored, not version %d", adapters.ErrConflict, c.Version)
	}
	return err
}

// conversationConflict explains why a write guarded by version changed
// nothing: ErrConflict naming the stored version, or ErrNotFound when
// none is stored.
func conversationConflict(ctx context.Context, w *writer, channel, address string, version int64) error {
	row, err := w.queryRow(ctx, conversationVersion, channel, address)
	if err != nil {
		return err
	}
	var stored int64
	if err := row.Scan(&stored); errors.Is(err, sql.ErrNoRows) {
		return adapters.ErrNotFound
	} else if err != nil {
		return err
	}
	if version == 0 {
		return fmt.Errorf("%w: a conversation is stored at version %d", adapters.ErrConflict, stored)
	}
	return fmt.Errorf("%w: the conversation is at version %d, not %d", adapters.ErrConflict, stored, version)
}

// DeleteConversation implements adapters.ConversationStore.
func (s *Store) DeleteConversation(ctx context.Context, channel, address string, version int64) error {
	err := adapters.ValidateConversationDelete(channel, address, version)
	if err == nil {
		err = s.write(ctx, func(w *writer) error {
			n, err := w.execN(ctx, deleteConversation, channel, address, version)
			if err != nil || n == 1 {
				return err
			}
			return conversationConflict(ctx, w, channel, address, version)
		})
	}
	if err != nil {
		return fmt.Errorf("sqlite: delete conversation on %q: %w", channel, err)
	}
	return nil
}

// ListQuietConversations implements adapters.ConversationStore.
func (s *Store) ListQuietConversations(ctx context.Context, before, now time.Time, limit int) ([]adapters.Conversation, error) {
	err := adapters.ValidateQuietListing(before, now, limit)
	var cs []adapters.Conversation
	if err == nil {
		cs, err = readRows(ctx, s, conversationDest, listQuiet, micros(before), micros(now), limit)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: list quiet conversations: %w", err)
	}
	return cs, nil
}

// DeleteExpiredConversations implements adapters.ConversationStore.
func (s *Store) DeleteExpiredConversations(ctx context.Context, now time.Time) (int64, error) {
	if now.IsZero() {
		return 0, fmt.Errorf("sqlite: delete expired conversations: %w", emptyArg("time"))
	}
	var n int64
	err := s.write(ctx, func(w *writer) error {
		var err error
		n, err = w.execN(ctx, deleteExpiredConversations, micros(now))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired conversations: %w", err)
	}
	return n, nil
}

const heldReplyCols = `id, channel, sender, recipient, subject, body, in_reply_to, provider_id, received_at, reason, held_at, resolved_at, case_id, resolved_by, note`

func heldReplyDest(h *adapters.HeldReply) []any {
	r := &h.Reply
	return []any{&h.ID, &r.Channel, &r.From, &r.To, &r.Subject, &r.Body, &r.InReplyTo, &r.ProviderID, nullTime{&r.At},
		&h.Reason, nullTime{&h.HeldAt}, nullTime{&h.ResolvedAt}, &h.CaseID, &h.ResolvedBy, &h.Note}
}

const (
	holdReply = `INSERT INTO held_replies (` + heldReplyCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, '', '', '')`
	getHeld   = `SELECT ` + heldReplyCols + ` FROM held_replies WHERE id = ?`
	resolve   = `UPDATE held_replies SET resolved_at = ?, case_id = ?, resolved_by = ?, note = ? WHERE id = ? AND resolved_at IS NULL`
	heldState = `SELECT resolved_at FROM held_replies WHERE id = ?`
)

// HoldReply implements adapters.ReplyQueue.
func (s *Store) HoldReply(ctx context.Context, h adapters.HeldReply) error {
	err := h.Validate()
	if err == nil {
		r := h.Reply
		err = s.write(ctx, func(w *writer) error {
			_, err := w.exec(ctx, holdReply, h.ID, r.Channel, r.From, r.To, r.Subject, r.Body, r.InReplyTo, r.ProviderID,
				timeArg(r.At), h.Reason, timeArg(h.HeldAt))
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("sqlite: hold reply %q: %w", h.ID, err)
	}
	return nil
}

// GetHeldReply implements adapters.ReplyQueue.
func (s *Store) GetHeldReply(ctx context.Context, id string) (adapters.HeldReply, error) {
	if id == "" {
		return adapters.HeldReply{}, fmt.Errorf("sqlite: get held reply: %w", emptyArg("held reply id"))
	}
	var h adapters.HeldReply
	if err := s.readRow(ctx, getHeld, []any{id}, heldReplyDest(&h)...); err != nil {
		return adapters.HeldReply{}, fmt.Errorf("sqlite: get held reply %q: %w", id, err)
	}
	return h, nil
}

// heldListQuery is ListHeldReplies' statement for a valid q.
func heldListQuery(q adapters.HeldReplyQuery) (string, []any) {
	var b strings.Builder
	b.WriteString(`SELECT ` + heldReplyCols + ` FROM held_replies WHERE resolved_at IS `)
	if q.Resolved {
		b.WriteString(`NOT NULL`)
	} else {
		b.WriteString(`NULL`)
	}
	var args []any
	if q.Channel != "" {
		b.WriteString(` AND channel = ?`)
		args = append(args, q.Channel)
	}
	pos, _ := q.DecodeCursor()
	args = keysetWhere(&b, args, "held_at", "id", pos)
	b.WriteString(` ORDER BY held_at, id LIMIT ?`)
	return b.String(), append(args, q.PageSize()+1)
}

// ListHeldReplies implements adapters.ReplyQueue.
func (s *Store) ListHeldReplies(ctx context.Context, q adapters.HeldReplyQuery) (adapters.HeldReplyPage, error) {
	err := q.Validate()
	var hs []adapters.HeldReply
	if err == nil {
		query, args := heldListQuery(q)
		hs, err = readRows(ctx, s, heldReplyDest, query, args...)
	}
	if err != nil {
		return adapters.HeldReplyPage{}, fmt.Errorf("sqlite: list held replies: %w", err)
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
		err = s.write(ctx, func(w *writer) error {
			n, err := w.execN(ctx, resolve, timeArg(at), caseID, by, note, id)
			if err != nil || n == 1 {
				return err
			}
			row, err := w.queryRow(ctx, heldState, id)
			if err != nil {
				return err
			}
			var resolved time.Time
			if err := row.Scan(nullTime{&resolved}); err != nil {
				return err
			}
			return fmt.Errorf("%w: it was resolved at %s", adapters.ErrConflict, resolved.Format(time.RFC3339))
		})
	}
	if err != nil {
		return fmt.Errorf("sqlite: resolve held reply %q: %w", id, err)
	}
	return nil
}
