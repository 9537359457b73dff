package postgres

import (
	"context"

	"github.com/civickit/civickit/adapters"
)

// The MeetingStore methods of serialStore (see txsuite_test.go).

func (s *serialStore) PutBody(ctx context.Context, b adapters.Body) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.PutBody(ctx, b)
}

func (s *serialStore) GetBody(ctx context.Context, id string) (adapters.Body, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.GetBody(ctx, id)
}

func (s *serialStore) ListBodies(ctx context.Context) ([]adapters.Body, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListBodies(ctx)
}

func (s *serialStore) SaveMeeting(ctx context.Context, p adapters.SaveMeetingParams) (adapters.Meeting, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.SaveMeeting(ctx, p)
}

func (s *serialStore) PublishAgenda(ctx context.Context, p adapters.PublishAgendaParams) (adapters.Meeting, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.PublishAgenda(ctx, p)
}

func (s *serialStore) GetMeeting(ctx context.Context, id string) (adapters.Meeting, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.GetMeeting(ctx, id)
}

func (s *serialStore) ListMeetings(ctx context.Context, q adapters.MeetingQuery) (adapters.MeetingPage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListMeetings(ctx, q)
}

func (s *serialStore) SetMinutes(ctx context.Context, p adapters.SetMinutesParams) (adapters.Meeting, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.SetMinutes(ctx, p)
}

func (s *serialStore) AddPublicComment(ctx context.Context, c adapters.PublicComment) (adapters.PublicComment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.AddPublicComment(ctx, c)
}

func (s *serialStore) ModeratePublicComment(ctx context.Context, p adapters.ModerateCommentParams) (adapters.PublicComment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ModeratePublicComment(ctx, p)
}

func (s *serialStore) ListPublicComments(ctx context.Context, q adapters.PublicCommentQuery) (adapters.PublicCommentPage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListPublicComments(ctx, q)
}

func (s *serialStore) ListCommentModerations(ctx context.Context, commentID string) ([]adapters.CommentModeration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListCommentModerations(ctx, commentID)
}

func (s *serialStore) SignUpToSpeak(ctx context.Context, su adapters.SpeakerSignup) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.SignUpToSpeak(ctx, su)
}

func (s *serialStore) ListSpeakers(ctx context.Context, meetingID, item string) ([]adapters.SpeakerSignup, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListSpeakers(ctx, meetingID, item)
}
