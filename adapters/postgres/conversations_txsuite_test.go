package postgres

import (
	"context"
	"time"

	"github.com/civickit/civickit/adapters"
)

// The ConversationStore and ReplyQueue methods of serialStore (see
// txsuite_test.go).

func (s *serialStore) GetConversation(ctx context.Context, channel, address string, now time.Time) (adapters.Conversation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.GetConversation(ctx, channel, address, now)
}

func (s *serialStore) SaveConversation(ctx context.Context, c adapters.Conversation, msgs []adapters.Message) (adapters.Conversation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.SaveConversation(ctx, c, msgs)
}

func (s *serialStore) DeleteConversation(ctx context.Context, channel, address string, version int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.DeleteConversation(ctx, channel, address, version)
}

func (s *serialStore) ListQuietConversations(ctx context.Context, before, now time.Time, limit int) ([]adapters.Conversation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListQuietConversations(ctx, before, now, limit)
}

func (s *serialStore) DeleteExpiredConversations(ctx context.Context, now time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.DeleteExpiredConversations(ctx, now)
}

func (s *serialStore) HoldReply(ctx context.Context, h adapters.HeldReply) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.HoldReply(ctx, h)
}

func (s *serialStore) GetHeldReply(ctx context.Context, id string) (adapters.HeldReply, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.GetHeldReply(ctx, id)
}

func (s *serialStore) ListHeldReplies(ctx context.Context, q adapters.HeldReplyQuery) (adapters.HeldReplyPage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListHeldReplies(ctx, q)
}

func (s *serialStore) ResolveHeldReply(ctx context.Context, id, caseID, by, note string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ResolveHeldReply(ctx, id, caseID, by, note, at)
}
