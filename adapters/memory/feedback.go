package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/civickit/civickit/adapters"
)

// surveyState is the surveys concern of a Store: responses by case id.
type surveyState struct {
	responses map[string]adapters.SurveyResponse
}

// ideaState is the ideas concern of a Store: ideas by id and who supports
// them.
type ideaState struct {
	ideas    map[string]*adapters.Idea
	supports map[supportKey]bool
}

type supportKey struct{ idea, subject, issuer string }

func newSurveyState() surveyState {
	return surveyState{responses: map[string]adapters.SurveyResponse{}}
}

func newIdeaState() ideaState {
	return ideaState{ideas: map[string]*adapters.Idea{}, supports: map[supportKey]bool{}}
}

// PutSurveyResponse implements adapters.SurveyStore.
func (s *Store) PutSurveyResponse(ctx context.Context, r adapters.SurveyResponse) error {
	if err := r.Validate(); err != nil {
		return fmt.Errorf("memory: put survey response of case %q: %w", r.CaseID, err)
	}
	if err := s.lock(ctx); err != nil {
		return fmt.Errorf("memory: put survey response of case %q: %w", r.CaseID, err)
	}
	defer s.mu.Unlock()
	if _, ok := s.surveys.responses[r.CaseID]; ok {
		return fmt.Errorf("memory: put survey response of case %q: %w", r.CaseID, adapters.ErrDuplicate)
	}
	r.RespondedAt = adapters.StoredTime(r.RespondedAt)
	if r.Resolved != nil {
		v := *r.Resolved
		r.Resolved = &v
	}
	s.surveys.responses[r.CaseID] = r
	return nil
}

// GetSurveyResponse implements adapters.SurveyStore.
func (s *Store) GetSurveyResponse(ctx context.Context, caseID string) (adapters.SurveyResponse, error) {
	if caseID == "" {
		return adapters.SurveyResponse{}, fmt.Errorf("memory: get survey response: %w", emptyID("case id"))
	}
	if err := s.rlock(ctx); err != nil {
		return adapters.SurveyResponse{}, fmt.Errorf("memory: get survey response of case %q: %w", caseID, err)
	}
	defer s.mu.RUnlock()
	r, ok := s.surveys.responses[caseID]
	if !ok {
		return adapters.SurveyResponse{}, fmt.Errorf("memory: get survey response of case %q: %w", caseID, adapters.ErrNotFound)
	}
	if r.Resolved != nil {
		v := *r.Resolved
		r.Resolved = &v
	}
	return r, nil
}

// SurveyStats implements adapters.SurveyStore.
func (s *Store) SurveyStats(ctx context.Context, q adapters.SurveyQuery) ([]adapters.SurveyTally, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, fmt.Errorf("memory: survey stats: %w", err)
	}
	defer s.mu.RUnlock()
	from, to := adapters.StoredTime(q.From), adapters.StoredTime(q.To)
	byType := map[string]*adapters.SurveyTally{}
	for _, r := range s.surveys.responses {
		if q.Type != "" && r.CaseType != q.Type ||
			!from.IsZero() && r.RespondedAt.Before(from) || !to.IsZero() && !r.RespondedAt.Before(to) {
			continue
		}
		t := byType[r.CaseType]
		if t == nil {
			t = &adapters.SurveyTally{Type: r.CaseType}
			byType[r.CaseType] = t
		}
		t.Count++
		t.Sum += int64(r.Rating)
		t.Ratings[r.Rating-adapters.MinRating]++
		if r.Resolved != nil {
			if *r.Resolved {
				t.Resolved++
			} else {
				t.Unresolved++
			}
		}
	}
	out := make([]adapters.SurveyTally, 0, len(byType))
	for _, t := range byType {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b adapters.SurveyTally) int { return cmp.Compare(a.Type, b.Type) })
	return out, nil
}

// PutIdea implements adapters.IdeaStore.
func (s *Store) PutIdea(ctx context.Context, i adapters.Idea) error {
	if err := i.Validate(); err != nil {
		return fmt.Errorf("memory: put idea %q: %w", i.ID, err)
	}
	if err := s.lock(ctx); err != nil {
		return fmt.Errorf("memory: put idea %q: %w", i.ID, err)
	}
	defer s.mu.Unlock()
	if _, ok := s.ideas.ideas[i.ID]; ok {
		return fmt.Errorf("memory: put idea %q: %w", i.ID, adapters.ErrDuplicate)
	}
	if _, ok := s.cases[i.ID]; !ok {
		return fmt.Errorf("memory: put idea %q: its case: %w", i.ID, adapters.ErrNotFound)
	}
	i.State, i.Supports, i.CreatedAt = "", 0, adapters.StoredTime(i.CreatedAt)
	s.ideas.ideas[i.ID] = &i
	return nil
}

// idea returns a copy of the idea with its case's state; the caller holds
// the lock.
func (s *Store) idea(i *adapters.Idea) adapters.Idea {
	out := *i
	if c, ok := s.cases[i.ID]; ok {
		out.State = c.State
	}
	return out
}

// GetIdea implements adapters.IdeaStore.
func (s *Store) GetIdea(ctx context.Context, id string) (adapters.Idea, error) {
	if id == "" {
		return adapters.Idea{}, fmt.Errorf("memory: get idea: %w", emptyID("idea id"))
	}
	if err := s.rlock(ctx); err != nil {
		return adapters.Idea{}, fmt.Errorf("memory: get idea %q: %w", id, err)
	}
	defer s.mu.RUnlock()
	i, ok := s.ideas.ideas[id]
	if !ok {
		return adapters.Idea{}, fmt.Errorf("memory: get idea %q: %w", id, adapters.ErrNotFound)
	}
	return s.idea(i), nil
}

// ListIdeas implements adapters.IdeaStore.
func (s *Store) ListIdeas(ctx context.Context, q adapters.IdeaQuery) (adapters.IdeaPage, error) {
	if err := q.Validate(); err != nil {
		return adapters.IdeaPage{}, fmt.Errorf("memory: list ideas: %w", err)
	}
	if err := s.rlock(ctx); err != nil {
		return adapters.IdeaPage{}, fmt.Errorf("memory: list ideas: %w", err)
	}
	defer s.mu.RUnlock()
	pos, _ := q.DecodeCursor()
	newest := q.SortOrder() == adapters.IdeaOrderNewest
	// before reports whether a sorts before the position (key, id).
	before := func(a adapters.Idea, key int64, id string) int {
		if newest {
			if r := cmp.Compare(key, a.CreatedAt.UnixMicro()); r != 0 {
				return r
			}
			return cmp.Compare(id, a.ID)
		}
		if r := cmp.Compare(key, a.Supports); r != 0 {
			return r
		}
		return cmp.Compare(a.ID, id)
	}
	var hits []adapters.Idea
	for _, p := range s.ideas.ideas {
		i := s.idea(p)
		if q.State != "" && i.State != q.State || q.Category != "" && i.Category != q.Category || q.Area != "" && i.Area != q.Area {
			continue
		}
		if q.Cursor != "" && before(i, pos.Key, pos.ID) <= 0 {
			continue
		}
		hits = append(hits, i)
	}
	slices.SortFunc(hits, func(a, b adapters.Idea) int {
		key := b.Supports
		if newest {
			key = b.CreatedAt.UnixMicro()
		}
		return before(a, key, b.ID)
	})
	var page adapters.IdeaPage
	if n := q.PageSize(); len(hits) > n {
		hits = hits[:n]
		page.NextCursor = q.NextCursor(hits[n-1])
	}
	page.Ideas = hits
	return page, nil
}

// Support implements adapters.IdeaStore.
func (s *Store) Support(ctx context.Context, sp adapters.IdeaSupport) error {
	if err := sp.Validate(); err != nil {
		return fmt.Errorf("memory: support idea %q: %w", sp.IdeaID, err)
	}
	if err := s.lock(ctx); err != nil {
		return fmt.Errorf("memory: support idea %q: %w", sp.IdeaID, err)
	}
	defer s.mu.Unlock()
	i, ok := s.ideas.ideas[sp.IdeaID]
	if !ok {
		return fmt.Errorf("memory: support idea %q: %w", sp.IdeaID, adapters.ErrNotFound)
	}
	k := supportKey{sp.IdeaID, sp.Supporter, sp.SupporterIssuer}
	if s.ideas.supports[k] {
		return fmt.Errorf("memory: support idea %q: %w", sp.IdeaID, adapters.ErrDuplicate)
	}
	s.ideas.supports[k] = true
	i.Supports++
	return nil
}

// Withdraw implements adapters.IdeaStore.
func (s *Store) Withdraw(ctx context.Context, ideaID, supporter, supporterIssuer string) error {
	if ideaID == "" || supporter == "" {
		return fmt.Errorf("memory: withdraw support of idea %q: %w", ideaID, emptyID("idea id or supporter"))
	}
	if err := s.lock(ctx); err != nil {
		return fmt.Errorf("memory: withdraw support of idea %q: %w", ideaID, err)
	}
	defer s.mu.Unlock()
	k := supportKey{ideaID, supporter, supporterIssuer}
	if !s.ideas.supports[k] {
		return fmt.Errorf("memory: withdraw support of idea %q: %w", ideaID, adapters.ErrNotFound)
	}
	delete(s.ideas.supports, k)
	s.ideas.ideas[ideaID].Supports--
	return nil
}

// HasSupported implements adapters.IdeaStore.
func (s *Store) HasSupported(ctx context.Context, ideaID, supporter, supporterIssuer string) (bool, error) {
	if ideaID == "" || supporter == "" {
		return false, fmt.Errorf("memory: has supported idea %q: %w", ideaID, emptyID("idea id or supporter"))
	}
	if err := s.rlock(ctx); err != nil {
		return false, fmt.Errorf("memory: has supported idea %q: %w", ideaID, err)
	}
	defer s.mu.RUnlock()
	return s.ideas.supports[supportKey{ideaID, supporter, supporterIssuer}], nil
}
