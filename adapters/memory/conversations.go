package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/civickit/civickit/adapters"
)

// conversationKey is a conversation's channel and address.
type conversationKey struct{ channel, address string }

func normConversation(c adapters.Conversation) adapters.Conversation {
	c.State = cloneJSON(c.State)
	c.StartedAt, c.UpdatedAt = adapters.StoredTime(c.StartedAt), adapters.StoredTime(c.UpdatedAt)
	c.ExpiresAt, c.RemindedAt = adapters.StoredTime(c.ExpiresAt), adapters.StoredTime(c.RemindedAt)
	return c
}

// expiredAt reports whether c is expired at now: its expiry is not after
// now.
func expiredAt(c *adapters.Conversation, now time.Time) bool {
	return !c.ExpiresAt.After(adapters.StoredTime(now))
}

// GetConversation implements adapters.ConversationStore.
func (s *Store) GetConversation(ctx context.Context, channel, address string, now time.Time) (adapters.Conversation, error) {
	if err := adapters.ValidateChannelAddress(channel, address); err != nil {
		return adapters.Conversation{}, fmt.Errorf("memory: get conversation on %q: %w", channel, err)
	}
	if err := s.rlock(ctx); err != nil {
		return adapters.Conversation{}, fmt.Errorf("memory: get conversation on %q: %w", channel, err)
	}
	defer s.mu.RUnlock()
	c, ok := s.conversations[conversationKey{channel, address}]
	if !ok || expiredAt(c, now) {
		// The address stays out of errors: it is a person's number.
		return adapters.Conversation{}, fmt.Errorf("memory: get conversation on %q: %w", channel, adapters.ErrNotFound)
	}
	return normConversation(*c), nil
}

// SaveConversation implements adapters.ConversationStore.
func (s *Store) SaveConversation(ctx context.Context, c adapters.Conversation, msgs []adapters.Message) (adapters.Conversation, error) {
	out, err := s.saveConversation(ctx, c, msgs)
	if err != nil {
		return adapters.Conversation{}, fmt.Errorf("memory: save conversation on %q: %w", c.Channel, err)
	}
	return out, nil
}

func (s *Store) saveConversation(ctx context.Context, c adapters.Conversation, msgs []adapters.Message) (adapters.Conversation, error) {
	if err := adapters.ValidateConversationSave(c, msgs); err != nil {
		return adapters.Conversation{}, err
	}
	if err := s.lock(ctx); err != nil {
		return adapters.Conversation{}, err
	}
	defer s.mu.Unlock()
	key := conversationKey{c.Channel, c.Address}
	stored, ok := s.conversations[key]
	switch {
	case c.Version == 0 && ok && !expiredAt(stored, c.UpdatedAt):
		return adapters.Conversation{}, fmt.Errorf("%w: a conversation is stored at version %d", adapters.ErrConflict, stored.Version)
	case c.Version > 0 && !ok:
		return adapters.Conversation{}, fmt.Errorf("%w: no conversation is stored, not version %d", adapters.ErrConflict, c.Version)
	case c.Version > 0 && stored.Version != c.Version:
		return adapters.Conversation{}, fmt.Errorf("%w: the conversation is at version %d, not %d", adapters.ErrConflict, stored.Version, c.Version)
	}
	if len(msgs) > 0 {
		// enqueueLocked writes nothing when it fails, so the conversation
		// is written only after it.
		if err := s.enqueueLocked(msgs); err != nil {
			return adapters.Conversation{}, err
		}
	}
	c = normConversation(c)
	c.Version++
	kept := c
	s.conversations[key] = &kept
	return normConversation(c), nil
}

// DeleteConversation implements adapters.ConversationStore.
func (s *Store) DeleteConversation(ctx context.Context, channel, address string, version int64) error {
	if err := s.deleteConversation(ctx, channel, address, version); err != nil {
		return fmt.Errorf("memory: delete conversation on %q: %w", channel, err)
	}
	return nil
}

func (s *Store) deleteConversation(ctx context.Context, channel, address string, version int64) error {
	if err := adapters.ValidateConversationDelete(channel, address, version); err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	key := conversationKey{channel, address}
	stored, ok := s.conversations[key]
	switch {
	case !ok:
		return adapters.ErrNotFound
	case stored.Version != version:
		return fmt.Errorf("%w: the conversation is at version %d, not %d", adapters.ErrConflict, stored.Version, version)
	}
	delete(s.conversations, key)
	return nil
}

// ListQuietConversations implements adapters.ConversationStore.
func (s *Store) ListQuietConversations(ctx context.Context, before, now time.Time, limit int) ([]adapters.Conversation, error) {
	if err := adapters.ValidateQuietListing(before, now, limit); err != nil {
		return nil, fmt.Errorf("memory: list quiet conversations: %w", err)
	}
	if err := s.rlock(ctx); err != nil {
		return nil, fmt.Errorf("memory: list quiet conversations: %w", err)
	}
	defer s.mu.RUnlock()
	before = adapters.StoredTime(before)
	var quiet []*adapters.Conversation
	for _, c := range s.conversations {
		if c.UpdatedAt.Before(before) && c.RemindedAt.IsZero() && !expiredAt(c, now) {
			quiet = append(quiet, c)
		}
	}
	slices.SortFunc(quiet, func(a, b *adapters.Conversation) int {
		return cmp.Or(a.UpdatedAt.Compare(b.UpdatedAt), cmp.Compare(a.Channel, b.Channel), cmp.Compare(a.Address, b.Address))
	})
	out := make([]adapters.Conversation, 0, min(len(quiet), limit))
	for _, c := range quiet[:min(len(quiet), limit)] {
		out = append(out, normConversation(*c))
	}
	return out, nil
}

// DeleteExpiredConversations implements adapters.ConversationStore.
func (s *Store) DeleteExpiredConversations(ctx context.Context, now time.Time) (int64, error) {
	if now.IsZero() {
		return 0, fmt.Errorf("memory: delete expired conversations: %w", emptyID("time"))
	}
	if err := s.lock(ctx); err != nil {
		return 0, fmt.Errorf("memory: delete expired conversations: %w", err)
	}
	defer s.mu.Unlock()
	var n int64
	for key, c := range s.conversations {
		if expiredAt(c, now) {
			delete(s.conversations, key)
			n++
		}
	}
	return n, nil
}

func normHeldReply(h adapters.HeldReply) adapters.HeldReply {
	h.Reply.At = adapters.StoredTime(h.Reply.At)
	h.HeldAt, h.ResolvedAt = adapters.StoredTime(h.HeldAt), adapters.StoredTime(h.ResolvedAt)
	return h
}

// HoldReply implements adapters.ReplyQueue.
func (s *Store) HoldReply(ctx context.Context, h adapters.HeldReply) error {
	if err := h.Validate(); err != nil {
		return fmt.Errorf("memory: hold reply %q: %w", h.ID, err)
	}
	if err := s.lock(ctx); err != nil {
		return fmt.Errorf("memory: hold reply %q: %w", h.ID, err)
	}
	defer s.mu.Unlock()
	if _, ok := s.held[h.ID]; ok {
		return fmt.Errorf("memory: hold reply %q: %w: the reply is held already", h.ID, adapters.ErrDuplicate)
	}
	kept := normHeldReply(h)
	s.held[h.ID] = &kept
	return nil
}

// GetHeldReply implements adapters.ReplyQueue.
func (s *Store) GetHeldReply(ctx context.Context, id string) (adapters.HeldReply, error) {
	if id == "" {
		return adapters.HeldReply{}, fmt.Errorf("memory: get held reply: %w", emptyID("held reply id"))
	}
	if err := s.rlock(ctx); err != nil {
		return adapters.HeldReply{}, fmt.Errorf("memory: get held reply %q: %w", id, err)
	}
	defer s.mu.RUnlock()
	h, ok := s.held[id]
	if !ok {
		return adapters.HeldReply{}, fmt.Errorf("memory: get held reply %q: %w", id, adapters.ErrNotFound)
	}
	return *h, nil
}

// ListHeldReplies implements adapters.ReplyQueue.
func (s *Store) ListHeldReplies(ctx context.Context, q adapters.HeldReplyQuery) (adapters.HeldReplyPage, error) {
	if err := q.Validate(); err != nil {
		return adapters.HeldReplyPage{}, fmt.Errorf("memory: list held replies: %w", err)
	}
	if err := s.rlock(ctx); err != nil {
		return adapters.HeldReplyPage{}, fmt.Errorf("memory: list held replies: %w", err)
	}
	defer s.mu.RUnlock()
	pos, _ := q.DecodeCursor()
	var match []*adapters.HeldReply
	for _, h := range s.held {
		if q.Resolved != !h.ResolvedAt.IsZero() || (q.Channel != "" && h.Reply.Channel != q.Channel) {
			continue
		}
		if pos.ID != "" && cmp.Or(h.HeldAt.Compare(pos.Key), cmp.Compare(h.ID, pos.ID)) <= 0 {
			continue
		}
		match = append(match, h)
	}
	slices.SortFunc(match, func(a, b *adapters.HeldReply) int {
		return cmp.Or(a.HeldAt.Compare(b.HeldAt), cmp.Compare(a.ID, b.ID))
	})
	var page adapters.HeldReplyPage
	if n := q.PageSize(); len(match) > n {
		match = match[:n]
		page.NextCursor = q.NextCursor(*match[n-1])
	}
	page.Replies = make([]adapters.HeldReply, len(match))
	for i, h := range match {
		page.Replies[i] = *h
	}
	return page, nil
}

// ResolveHeldReply implements adapters.ReplyQueue.
func (s *Store) ResolveHeldReply(ctx context.Context, id, caseID, by, note string, at time.Time) error {
	if err := adapters.ValidateResolveHeldReply(id, caseID, by, note, at); err != nil {
		return fmt.Errorf("memory: resolve held reply %q: %w", id, err)
	}
	if err := s.lock(ctx); err != nil {
		return fmt.Errorf("memory: resolve held reply %q: %w", id, err)
	}
	defer s.mu.Unlock()
	h, ok := s.held[id]
	switch {
	case !ok:
		return fmt.Errorf("memory: resolve held reply %q: %w", id, adapters.ErrNotFound)
	case !h.ResolvedAt.IsZero():
		return fmt.Errorf("memory: resolve held reply %q: %w: it was resolved at %s", id, adapters.ErrConflict, h.ResolvedAt.Format(time.RFC3339))
	}
	h.ResolvedAt, h.CaseID, h.ResolvedBy, h.Note = adapters.StoredTime(at), caseID, by, note
	return nil
}
