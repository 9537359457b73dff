package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/civickit/civickit/adapters"
)

const (
	surveyCols   = `case_id, case_type, rating, resolved, comment, respondent, respondent_issuer, responded_at`
	insertSurvey = `INSERT INTO survey_responses (` + surveyCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	// insertIdea writes an idea only beside an existing case.
	insertIdea = `INSERT INTO ideas (id, title, body, category, area, author, author_issuer, supports, created_at)
		SELECT ?, ?, ?, ?, ?, ?, ?, 0, ? WHERE EXISTS (SELECT 1 FROM cases WHERE id = ?)`
	ideaSelect     = `SELECT i.id, i.title, i.body, i.category, i.area, i.author, i.author_issuer, c.state, i.supports, i.created_at FROM ideas i JOIN cases c ON c.id = i.id`
	countSupport   = `UPDATE ideas SET supports = supports + ? WHERE id = ?`
	insertSupport  = `INSERT INTO idea_supports (idea_id, supporter, supporter_issuer, at) VALUES (?, ?, ?, ?)`
	deleteSupport  = `DELETE FROM idea_supports WHERE idea_id = ? AND supporter = ? AND supporter_issuer = ?`
	selectSupport  = `SELECT EXISTS (SELECT 1 FROM idea_supports WHERE idea_id = ? AND supporter = ? AND supporter_issuer = ?)`
	surveyStatCols = `case_type, count(*), sum(rating), sum(rating = 1), sum(rating = 2), sum(rating = 3), sum(rating = 4), sum(rating = 5),
		ifnull(sum(resolved = 1), 0), ifnull(sum(resolved = 0), 0)`
)

// nullBool reads a nullable boolean column; NULL is nil.
type nullBool struct{ b **bool }

func (n nullBool) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*n.b = nil
	case int64:
		b := v != 0
		*n.b = &b
	default:
		return fmt.Errorf("boolean column holds %T", v)
	}
	return nil
}

func boolArg(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

func surveyDest(r *adapters.SurveyResponse) []any {
	return []any{&r.CaseID, &r.CaseType, &r.Rating, nullBool{&r.Resolved}, &r.Comment, &r.Respondent, &r.RespondentIssuer, nullTime{&r.RespondedAt}}
}

func ideaDest(i *adapters.Idea) []any {
	return []any{&i.ID, &i.Title, &i.Body, &i.Category, &i.Area, &i.Author, &i.AuthorIssuer, &i.State, &i.Supports, nullTime{&i.CreatedAt}}
}

func tallyDest(t *adapters.SurveyTally) []any {
	return []any{&t.Type, &t.Count, &t.Sum, &t.Ratings[0], &t.Ratings[1], &t.Ratings[2], &t.Ratings[3], &t.Ratings[4], &t.Resolved, &t.Unresolved}
}

// PutSurveyResponse implements adapters.SurveyStore.
func (s *Store) PutSurveyResponse(ctx context.Context, r adapters.SurveyResponse) error {
	err := r.Validate()
	if err == nil {
		err = s.write(ctx, func(w *writer) error {
			_, err := w.exec(ctx, insertSurvey, r.CaseID, r.CaseType, r.Rating, boolArg(r.Resolved), r.Comment,
				r.Respondent, r.RespondentIssuer, timeArg(r.RespondedAt))
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("sqlite: put survey response of case %q: %w", r.CaseID, err)
	}
	return nil
}

// GetSurveyResponse implements adapters.SurveyStore.
func (s *Store) GetSurveyResponse(ctx context.Context, caseID string) (adapters.SurveyResponse, error) {
	if caseID == "" {
		return adapters.SurveyResponse{}, fmt.Errorf("sqlite: get survey response: %w", emptyArg("case id"))
	}
	var r adapters.SurveyResponse
	if err := s.readRow(ctx, `SELECT `+surveyCols+` FROM survey_responses WHERE case_id = ?`, []any{caseID}, surveyDest(&r)...); err != nil {
		return adapters.SurveyResponse{}, fmt.Errorf("sqlite: get survey response of case %q: %w", caseID, err)
	}
	return r, nil
}

// SurveyStats implements adapters.SurveyStore with one aggregate query.
func (s *Store) SurveyStats(ctx context.Context, q adapters.SurveyQuery) ([]adapters.SurveyTally, error) {
	var conds []string
	var args []any
	if q.Type != "" {
		conds, args = append(conds, "case_type = ?"), append(args, q.Type)
	}
	if !q.From.IsZero() {
		conds, args = append(conds, "responded_at >= ?"), append(args, micros(q.From))
	}
	if !q.To.IsZero() {
		conds, args = append(conds, "responded_at < ?"), append(args, micros(q.To))
	}
	query := `SELECT ` + surveyStatCols + ` FROM survey_responses`
	if len(conds) > 0 {
		query += ` WHERE ` + strings.Join(conds, " AND ")
	}
	out, err := readRows(ctx, s, tallyDest, query+` GROUP BY case_type ORDER BY case_type`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: survey stats: %w", err)
	}
	if out == nil {
		out = []adapters.SurveyTally{}
	}
	return out, nil
}

// PutIdea implements adapters.IdeaStore.
func (s *Store) PutIdea(ctx context.Context, i adapters.Idea) error {
	err := i.Validate()
	if err == nil {
		err = s.write(ctx, func(w *writer) error {
			n, err := w.execN(ctx, insertIdea, i.ID, i.Title, i.Body, i.Category, i.Area, i.Author, i.AuthorIssuer, timeArg(i.CreatedAt), i.ID)
			if err == nil && n == 0 {
				err = fmt.Errorf("its case: %w", adapters.ErrNotFound)
			}
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("sqlite: put idea %q: %w", i.ID, err)
	}
	return nil
}

// GetIdea implements adapters.IdeaStore.
func (s *Store) GetIdea(ctx context.Context, id string) (adapters.Idea, error) {
	if id == "" {
		return adapters.Idea{}, fmt.Errorf("sqlite: get idea: %w", emptyArg("idea id"))
	}
	var i adapters.Idea
	if err := s.readRow(ctx, ideaSelect+` WHERE i.id = ?`, []any{id}, ideaDest(&i)...); err != nil {
		return adapters.Idea{}, fmt.Errorf("sqlite: get idea %q: %w", id, err)
	}
	return i, nil
}

// ideaListSQL is the query of one page of ideas; it asks for one idea more
// than the page holds, to know whether another page follows.
func ideaListSQL(q adapters.IdeaQuery) (string, []any) {
	var conds []string
	var args []any
	for _, f := range []struct{ col, v string }{{"c.state", q.State}, {"i.category", q.Category}, {"i.area", q.Area}} {
		if f.v != "" {
			conds, args = append(conds, f.col+" = ?"), append(args, f.v)
		}
	}
	pos, _ := q.DecodeCursor()
	order := ` ORDER BY i.supports DESC, i.id`
	if q.SortOrder() == adapters.IdeaOrderNewest {
		order = ` ORDER BY i.created_at DESC, i.id DESC`
		if q.Cursor != "" {
			conds, args = append(conds, "(i.created_at, i.id) < (?, ?)"), append(args, pos.Key, pos.ID)
		}
	} else if q.Cursor != "" {
		conds = append(conds, "i.supports <= ? AND (i.supports < ? OR i.id > ?)")
		args = append(args, pos.Key, pos.Key, pos.ID)
	}
	query := ideaSelect
	if len(conds) > 0 {
		query += ` WHERE ` + strings.Join(conds, " AND ")
	}
	return query + order + ` LIMIT ?`, append(args, q.PageSize()+1)
}

// ListIdeas implements adapters.IdeaStore.
func (s *Store) ListIdeas(ctx context.Context, q adapters.IdeaQuery) (adapters.IdeaPage, error) {
	if err := q.Validate(); err != nil {
		return adapters.IdeaPage{}, fmt.Errorf("sqlite: list ideas: %w", err)
	}
	query, args := ideaListSQL(q)
	ideas, err := readRows(ctx, s, ideaDest, query, args...)
	if err != nil {
		return adapters.IdeaPage{}, fmt.Errorf("sqlite: list ideas: %w", err)
	}
	var page adapters.IdeaPage
	if n := q.PageSize(); len(ideas) > n {
		ideas = ideas[:n]
		page.NextCursor = q.NextCursor(ideas[n-1])
	}
	page.Ideas = ideas
	return page, nil
}

// Support implements adapters.IdeaStore: the count goes up first, so an
// unknown idea changes no row, and a second support's key violation rolls
// the count back.
func (s *Store) Support(ctx context.Context, sp adapters.IdeaSupport) error {
	err := sp.Validate()
	if err == nil {
		err = s.write(ctx, func(w *writer) error {
			n, err := w.execN(ctx, countSupport, 1, sp.IdeaID)
			if err == nil && n == 0 {
				err = adapters.ErrNotFound
			}
			if err == nil {
				_, err = w.exec(ctx, insertSupport, sp.IdeaID, sp.Supporter, sp.SupporterIssuer, timeArg(sp.At))
			}
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("sqlite: support idea %q: %w", sp.IdeaID, err)
	}
	return nil
}

// Withdraw implements adapters.IdeaStore.
func (s *Store) Withdraw(ctx context.Context, ideaID, supporter, supporterIssuer string) error {
	var err error
	if ideaID == "" || supporter == "" {
		err = emptyArg("idea id or supporter")
	} else {
		err = s.write(ctx, func(w *writer) error {
			n, err := w.execN(ctx, deleteSupport, ideaID, supporter, supporterIssuer)
			if err == nil && n == 0 {
				err = adapters.ErrNotFound
			}
			if err == nil {
				_, err = w.exec(ctx, countSupport, -1, ideaID)
			}
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("sqlite: withdraw support of idea %q: %w", ideaID, err)
	}
	return nil
}

// HasSupported implements adapters.IdeaStore.
func (s *Store) HasSupported(ctx context.Context, ideaID, supporter, supporterIssuer string) (bool, error) {
	if ideaID == "" || supporter == "" {
		return false, fmt.Errorf("sqlite: has supported idea %q: %w", ideaID, emptyArg("idea id or supporter"))
	}
	var ok bool
	if err := s.readRow(ctx, selectSupport, []any{ideaID, supporter, supporterIssuer}, &ok); err != nil {
		return false, fmt.Errorf("sqlite: has supported idea %q: %w", ideaID, err)
	}
	return ok, nil
}
