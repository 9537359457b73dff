package postgres

import (
	"context"

	"github.com/civickit/civickit/adapters"
)

func (s *serialStore) PutSurveyResponse(ctx context.Context, r adapters.SurveyResponse) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.PutSurveyResponse(ctx, r)
}

func (s *serialStore) GetSurveyResponse(ctx context.Context, caseID string) (adapters.SurveyResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.GetSurveyResponse(ctx, caseID)
}

func (s *serialStore) SurveyStats(ctx context.Context, q adapters.SurveyQuery) ([]adapters.SurveyTally, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.SurveyStats(ctx, q)
}

func (s *serialStore) PutIdea(ctx context.Context, i adapters.Idea) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.PutIdea(ctx, i)
}

func (s *serialStore) GetIdea(ctx context.Context, id string) (adapters.Idea, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.GetIdea(ctx, id)
}

func (s *serialStore) ListIdeas(ctx context.Context, q adapters.IdeaQuery) (adapters.IdeaPage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListIdeas(ctx, q)
}

func (s *serialStore) Support(ctx context.Context, sp adapters.IdeaSupport) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.Support(ctx, sp)
}

func (s *serialStore) Withdraw(ctx context.Context, ideaID, supporter, supporterIssuer string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.Withdraw(ctx, ideaID, supporter, supporterIssuer)
}

func (s *serialStore) HasSupported(ctx context.Context, ideaID, supporter, supporterIssuer string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.HasSupported(ctx, ideaID, supporter, supporterIssuer)
}
