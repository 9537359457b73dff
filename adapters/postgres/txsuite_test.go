package postgres

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/adaptertest"
)

// The store bound to a caller's transaction keeps every contract of the
// store on the pool.
func TestConformanceInCallersTransaction(t *testing.T) {
	t.Parallel()
	adaptertest.RunStoreTests(t, func(t *testing.T) adapters.Store {
		s := openTestStore(t)
		ctx := context.Background()
		tx, err := testPool(t).Begin(ctx)
		if err != nil {
			t.Fatalf("begin: %v", err)
		}
		t.Cleanup(func() { _ = tx.Rollback(context.WithoutCancel(ctx)) })
		return &serialStore{store: s.WithTx(tx)}
	}, adaptertest.Features{CaseStats: true})
}

// serialStore lets the suite's concurrent clauses share a store bound to
// one transaction, which, like the pgx.Tx under it, serves one goroutine
// at a time: it makes them take turns.
type serialStore struct {
	mu    sync.Mutex
	store *Store
}

var (
	_ adapters.Store       = (*serialStore)(nil)
	_ adapters.CaseStats   = (*serialStore)(nil)
	_ adapters.RequestKeys = (*serialStore)(nil)
)

func (s *serialStore) CreateCase(ctx context.Context, p adapters.CreateCaseParams) (adapters.Case, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.CreateCase(ctx, p)
}

func (s *serialStore) ApplyTransition(ctx context.Context, p adapters.TransitionParams) (adapters.TransitionResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ApplyTransition(ctx, p)
}

func (s *serialStore) RequestResult(ctx context.Context, key string) (adapters.TransitionResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.RequestResult(ctx, key)
}

func (s *serialStore) DeleteExpiredRequestKeys(ctx context.Context, before time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.DeleteExpiredRequestKeys(ctx, before)
}

func (s *serialStore) GetCase(ctx context.Context, id string) (adapters.Case, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.GetCase(ctx, id)
}

func (s *serialStore) ListCases(ctx context.Context, q adapters.CaseQuery) (adapters.CasePage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListCases(ctx, q)
}

func (s *serialStore) CountCasesByState(ctx context.Context, f adapters.CaseQuery) (map[string]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.CountCasesByState(ctx, f)
}

func (s *serialStore) ListEvents(ctx context.Context, caseID string) ([]adapters.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListEvents(ctx, caseID)
}

func (s *serialStore) GetSubmission(ctx context.Context, id string) (adapters.Submission, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.GetSubmission(ctx, id)
}

func (s *serialStore) ListSubmissions(ctx context.Context, caseID string) ([]adapters.Submission, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListSubmissions(ctx, caseID)
}

func (s *serialStore) EnqueueMessages(ctx context.Context, msgs []adapters.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.EnqueueMessages(ctx, msgs)
}

func (s *serialStore) ClaimMessages(ctx context.Context, p adapters.ClaimParams) ([]adapters.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ClaimMessages(ctx, p)
}

func (s *serialStore) MarkMessage(ctx context.Context, p adapters.MarkParams) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.MarkMessage(ctx, p)
}

func (s *serialStore) GetMessage(ctx context.Context, id string) (adapters.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.GetMessage(ctx, id)
}

func (s *serialStore) ListMessages(ctx context.Context, caseID string) ([]adapters.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListMessages(ctx, caseID)
}

func (s *serialStore) ClaimTimers(ctx context.Context, p adapters.ClaimParams) ([]adapters.Timer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ClaimTimers(ctx, p)
}

func (s *serialStore) CompleteTimer(ctx context.Context, caseID, name, owner string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.CompleteTimer(ctx, caseID, name, owner)
}

func (s *serialStore) ListTimers(ctx context.Context, caseID string) ([]adapters.Timer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListTimers(ctx, caseID)
}

func (s *serialStore) SaveDraft(ctx context.Context, d adapters.Draft) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.SaveDraft(ctx, d)
}

func (s *serialStore) GetDraft(ctx context.Context, tokenHash string, now time.Time) (adapters.Draft, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.GetDraft(ctx, tokenHash, now)
}

func (s *serialStore) ListDrafts(ctx context.Context, subject string, now time.Time) ([]adapters.Draft, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListDrafts(ctx, subject, now)
}

func (s *serialStore) DeleteDraft(ctx context.Context, tokenHash string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.DeleteDraft(ctx, tokenHash)
}

func (s *serialStore) DeleteExpiredDrafts(ctx context.Context, now time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.DeleteExpiredDrafts(ctx, now)
}

func (s *serialStore) CaseStats(ctx context.Context, q adapters.StatsQuery) (adapters.Stats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.CaseStats(ctx, q)
}

func (s *serialStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.Close()
}

// The session contract holds inside a caller's transaction too.
func TestSessionStoreConformanceInCallersTransaction(t *testing.T) {
	t.Parallel()
	adaptertest.RunSessionStoreTests(t, func(t *testing.T) adapters.SessionStore {
		s := openTestStore(t)
		ctx := context.Background()
		tx, err := testPool(t).Begin(ctx)
		if err != nil {
			t.Fatalf("begin: %v", err)
		}
		t.Cleanup(func() { _ = tx.Rollback(context.WithoutCancel(ctx)) })
		return &serialStore{store: s.WithTx(tx)}
	})
}

var _ adapters.SessionStore = (*serialStore)(nil)

func (s *serialStore) SaveSession(ctx context.Context, rec adapters.SessionRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.SaveSession(ctx, rec)
}

func (s *serialStore) SessionActive(ctx context.Context, id string, now time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.SessionActive(ctx, id, now)
}

func (s *serialStore) RevokeSession(ctx context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.RevokeSession(ctx, id)
}

func (s *serialStore) RevokeProviderSessions(ctx context.Context, p adapters.RevokeSessionsParams) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.RevokeProviderSessions(ctx, p)
}

func (s *serialStore) ConsumeFlow(ctx context.Context, key string, expires time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ConsumeFlow(ctx, key, expires)
}

func (s *serialStore) FlowConsumed(ctx context.Context, key string, now time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.FlowConsumed(ctx, key, now)
}

func (s *serialStore) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.DeleteExpiredSessions(ctx, now)
}

func (s *serialStore) PutAttachment(ctx context.Context, a adapters.Attachment) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.PutAttachment(ctx, a)
}

func (s *serialStore) GetAttachment(ctx context.Context, id string) (adapters.Attachment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.GetAttachment(ctx, id)
}

func (s *serialStore) ListAttachments(ctx context.Context, caseID string) ([]adapters.Attachment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListAttachments(ctx, caseID)
}

func (s *serialStore) UpdateAttachment(ctx context.Context, u adapters.AttachmentUpdate) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.UpdateAttachment(ctx, u)
}

func (s *serialStore) ListAttachmentsByStatus(ctx context.Context, status adapters.AttachmentStatus, limit int) ([]adapters.Attachment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListAttachmentsByStatus(ctx, status, limit)
}

func (s *serialStore) ListOrphanAttachments(ctx context.Context, before time.Time, limit int) ([]adapters.Attachment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.ListOrphanAttachments(ctx, before, limit)
}

func (s *serialStore) DeleteAttachment(ctx context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.DeleteAttachment(ctx, id)
}
