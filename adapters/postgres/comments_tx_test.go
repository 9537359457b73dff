package postgres

import (
	"context"

	"github.com/civickit/civickit/adapters"
)

// The CommentStore methods of serialStore (see txsuite_test.go).

func (s *serialStore) AddComment(ctx context.Context, c adapters.Comment) (adapters.Comment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.AddComment(ctx, c)
}

func (s *serialStore) GetComment(ctx context.Context, id string) (adapters.Comment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.GetComment(ctx, id)
}

func (s *serialStore) EditComment(ctx context.Context, p adapters.EditParams) (adapters.Comment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.EditComment(ctx, p)
}

func (s *serialStore) DeleteComment(ctx context.Context, p adapters.DeleteParams) (adapters.Comment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.DeleteComment(ctx, p)
}

func (s *serialStore) ListComments(ctx context.Context, q adapters.CommentQuery) (adapters.CommentPage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListComments(ctx, q)
}

func (s *serialStore) ListRevisions(ctx context.Context, commentID string) ([]adapters.CommentRevision, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListRevisions(ctx, commentID)
}

func (s *serialStore) FlagComment(ctx context.Context, p adapters.FlagParams) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.FlagComment(ctx, p)
}

func (s *serialStore) SetCommentHidden(ctx context.Context, p adapters.HideParams) (adapters.Comment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.SetCommentHidden(ctx, p)
}

func (s *serialStore) ListModeration(ctx context.Context, q adapters.ModerationQuery) ([]adapters.ModerationAction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListModeration(ctx, q)
}

func (s *serialStore) CountCommentsBy(ctx context.Context, q adapters.CommentCount) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.CountCommentsBy(ctx, q)
}

func (s *serialStore) ListFlagged(ctx context.Context, q adapters.FlaggedQuery) (adapters.CommentPage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListFlagged(ctx, q)
}
