package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/civickit/civickit/adapters"
)

var (
	_ adapters.SurveyStore = (*Store)(nil)
	_ adapters.IdeaStore   = (*Store)(nil)
)

// The survey and idea statements, with {s} standing for the store's
// schema. Each write is one statement, so one round trip and one implicit
// transaction.
const (
	surveyCols      = `case_id, case_type, rating, resolved, comment, respondent, respondent_issuer, responded_at`
	putSurveySQL    = `INSERT INTO {s}.survey_responses (` + surveyCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	getSurveySQL    = `SELECT ` + surveyCols + ` FROM {s}.survey_responses WHERE case_id = $1`
	surveyStatsCols = `case_type, count(*), sum(rating),
		count(*) FILTER (WHERE rating = 1), count(*) FILTER (WHERE rating = 2), count(*) FILTER (WHERE rating = 3),
		count(*) FILTER (WHERE rating = 4), count(*) FILTER (WHERE rating = 5),
		count(*) FILTER (WHERE resolved), count(*) FILTER (WHERE NOT resolved)`
	// putIdeaSQL writes an idea only beside an existing case.
	putIdeaSQL = `INSERT INTO {s}.ideas (id, title, body, category, area, author, author_issuer, supports, created_at)
		SELECT $1, $2, $3, $4, $5, $6, $7, 0, $8 WHERE EXISTS (SELECT FROM {s}.cases WHERE id = $1)`
	ideaSelect = `SELECT i.id, i.title, i.body, i.category, i.area, i.author, i.author_issuer, c.state, i.supports, i.created_at
		FROM {s}.ideas i JOIN {s}.cases c ON c.id = i.id`
	// supportSQL inserts the support of a known idea unless the principal
	// already gave it (a concurrent insert of the same key waits for the
	// other and then inserts nothing) and counts it; it answers whether
	// the idea exists and whether the support was new.
	supportSQL = `WITH ins AS (
		INSERT INTO {s}.idea_supports (idea_id, supporter, supporter_issuer, at)
		SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT FROM {s}.ideas WHERE id = $1)
		ON CONFLICT DO NOTHING RETURNING idea_id
	), upd AS (
		UPDATE {s}.ideas SET supports = supports + 1 WHERE id IN (SELECT idea_id FROM ins) RETURNING 1
	)
	SELECT EXISTS (SELECT FROM {s}.ideas WHERE id = $1), EXISTS (SELECT FROM upd)`
	withdrawSQL = `WITH del AS (
		DELETE FROM {s}.idea_supports WHERE idea_id = $1 AND supporter = $2 AND supporter_issuer = $3 RETURNING idea_id
	)
	UPDATE {s}.ideas SET supports = supports - 1 WHERE id IN (SELECT idea_id FROM del)`
	hasSupportedSQL = `SELECT EXISTS (SELECT FROM {s}.idea_supports WHERE idea_id = $1 AND supporter = $2 AND supporter_issuer = $3)`
)

func scanSurvey(row pgx.Row) (adapters.SurveyResponse, error) {
	var r adapters.SurveyResponse
	var at pgtype.Timestamptz
	var resolved pgtype.Bool
	err := row.Scan(&r.CaseID, &r.CaseType, &r.Rating, &resolved, &r.Comment, &r.Respondent, &r.RespondentIssuer, &at)
	if resolved.Valid {
		b := resolved.Bool
		r.Resolved = &b
	}
	r.RespondedAt = fromTS(at)
	return r, err
}

func scanTally(row pgx.Row) (adapters.SurveyTally, error) {
	var t adapters.SurveyTally
	err := row.Scan(&t.Type, &t.Count, &t.Sum, &t.Ratings[0], &t.Ratings[1], &t.Ratings[2], &t.Ratings[3], &t.Ratings[4], &t.Resolved, &t.Unresolved)
	return t, err
}

func scanIdea(row pgx.Row) (adapters.Idea, error) {
	var i adapters.Idea
	var at pgtype.Timestamptz
	err := row.Scan(&i.ID, &i.Title, &i.Body, &i.Category, &i.Area, &i.Author, &i.AuthorIssuer, &i.State, &i.Supports, &at)
	i.CreatedAt = fromTS(at)
	return i, err
}

// feedbackWrite runs one writing statement and returns the rows it
// changed.
func (s *Store) feedbackWrite(ctx context.Context, sql string, args ...any) (int64, error) {
	if err := s.enter(ctx); err != nil {
		return 0, err
	}
	var n int64
	err := s.write(ctx, func(q querier) error {
		tag, err := q.Exec(ctx, s.inSchema(sql), args...)
		n = tag.RowsAffected()
		return err
	})
	return n, err
}

// PutSurveyResponse implements adapters.SurveyStore.
func (s *Store) PutSurveyResponse(ctx context.Context, r adapters.SurveyResponse) error {
	err := r.Validate()
	if err == nil {
		_, err = s.feedbackWrite(ctx, putSurveySQL, r.CaseID, r.CaseType, r.Rating, r.Resolved, r.Comment,
			r.Respondent, r.RespondentIssuer, ts(r.RespondedAt))
	}
	if err != nil {
		return fmt.Errorf("postgres: put survey response of case %q: %w", r.CaseID, fail(ctx, err))
	}
	return nil
}

// GetSurveyResponse implements adapters.SurveyStore.
func (s *Store) GetSurveyResponse(ctx context.Context, caseID string) (adapters.SurveyResponse, error) {
	var r adapters.SurveyResponse
	err := s.enter(ctx)
	if err == nil && caseID == "" {
		err = emptyArg("case id")
	}
	if err == nil {
		r, err = queryOne(ctx, s, scanSurvey, s.inSchema(getSurveySQL), caseID)
	}
	if err != nil {
		return adapters.SurveyResponse{}, fmt.Errorf("postgres: get survey response of case %q: %w", caseID, fail(ctx, err))
	}
	return r, nil
}

// SurveyStats implements adapters.SurveyStore with one aggregate query.
func (s *Store) SurveyStats(ctx context.Context, q adapters.SurveyQuery) ([]adapters.SurveyTally, error) {
	var conds []string
	var args []any
	if q.Type != "" {
		args = append(args, q.Type)
		conds = append(conds, "case_type = $"+strconv.Itoa(len(args)))
	}
	if !q.From.IsZero() {
		args = append(args, ts(q.From))
		conds = append(conds, "responded_at >= $"+strconv.Itoa(len(args)))
	}
	if !q.To.IsZero() {
		args = append(args, ts(q.To))
		conds = append(conds, "responded_at < $"+strconv.Itoa(len(args)))
	}
	query := `SELECT ` + surveyStatsCols + ` FROM {s}.survey_responses`
	if len(conds) > 0 {
		query += ` WHERE ` + strings.Join(conds, " AND ")
	}
	query += ` GROUP BY case_type ORDER BY case_type`
	out, err := []adapters.SurveyTally(nil), s.enter(ctx)
	if err == nil {
		out, err = queryAll(ctx, s, scanTally, s.inSchema(query), args...)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: survey stats: %w", fail(ctx, err))
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
		var n int64
		n, err = s.feedbackWrite(ctx, putIdeaSQL, i.ID, i.Title, i.Body, i.Category, i.Area, i.Author, i.AuthorIssuer, ts(i.CreatedAt))
		if err == nil && n == 0 {
			err = fmt.Errorf("its case: %w", adapters.ErrNotFound)
		}
	}
	if err != nil {
		return fmt.Errorf("postgres: put idea %q: %w", i.ID, fail(ctx, err))
	}
	return nil
}

// GetIdea implements adapters.IdeaStore.
func (s *Store) GetIdea(ctx context.Context, id string) (adapters.Idea, error) {
	var i adapters.Idea
	err := s.enter(ctx)
	if err == nil && id == "" {
		err = emptyArg("idea id")
	}
	if err == nil {
		i, err = queryOne(ctx, s, scanIdea, s.inSchema(ideaSelect+` WHERE i.id = $1`), id)
	}
	if err != nil {
		return adapters.Idea{}, fmt.Errorf("postgres: get idea %q: %w", id, fail(ctx, err))
	}
	return i, nil
}

// ideaListSQL is the query of one page of ideas, for the store's schema;
// it asks for one idea more than the page holds, to know whether another
// page follows.
func (s *Store) ideaListSQL(q adapters.IdeaQuery) (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	for _, f := range []struct{ col, v string }{{"c.state", q.State}, {"i.category", q.Category}, {"i.area", q.Area}} {
		if f.v != "" {
			conds = append(conds, f.col+" = "+arg(f.v))
		}
	}
	pos, _ := q.DecodeCursor()
	order := ` ORDER BY i.supports DESC, i.id`
	if q.SortOrder() == adapters.IdeaOrderNewest {
		order = ` ORDER BY i.created_at DESC, i.id DESC`
		if q.Cursor != "" {
			conds = append(conds, "(i.created_at, i.id) < ("+arg(ts(time.UnixMicro(pos.Key)))+", "+arg(pos.ID)+")")
		}
	} else if q.Cursor != "" {
		k := arg(pos.Key)
		conds = append(conds, "i.supports <= "+k+" AND (i.supports < "+k+" OR i.id > "+arg(pos.ID)+")")
	}
	query := ideaSelect
	if len(conds) > 0 {
		query += ` WHERE ` + strings.Join(conds, " AND ")
	}
	return s.inSchema(query + order + ` LIMIT ` + arg(q.PageSize()+1)), args
}

// ListIdeas implements adapters.IdeaStore.
func (s *Store) ListIdeas(ctx context.Context, q adapters.IdeaQuery) (adapters.IdeaPage, error) {
	err := q.Validate()
	if err == nil {
		err = s.enter(ctx)
	}
	var ideas []adapters.Idea
	if err == nil {
		query, args := s.ideaListSQL(q)
		ideas, err = queryAll(ctx, s, scanIdea, query, args...)
	}
	if err != nil {
		return adapters.IdeaPage{}, fmt.Errorf("postgres: list ideas: %w", fail(ctx, err))
	}
	var page adapters.IdeaPage
	if n := q.PageSize(); len(ideas) > n {
		ideas = ideas[:n]
		page.NextCursor = q.NextCursor(ideas[n-1])
	}
	page.Ideas = ideas
	return page, nil
}

// Support implements adapters.IdeaStore in one statement.
func (s *Store) Support(ctx context.Context, sp adapters.IdeaSupport) error {
	err := sp.Validate()
	if err == nil {
		err = s.enter(ctx)
	}
	if err == nil {
		var known, added bool
		err = s.write(ctx, func(q querier) error {
			return q.QueryRow(ctx, s.inSchema(supportSQL), sp.IdeaID, sp.Supporter, sp.SupporterIssuer, ts(sp.At)).Scan(&known, &added)
		})
		switch {
		case err != nil:
		case !known:
			err = adapters.ErrNotFound
		case !added:
			err = fmt.Errorf("%w: the principal already supports it", adapters.ErrDuplicate)
		}
	}
	if err != nil {
		return fmt.Errorf("postgres: support idea %q: %w", sp.IdeaID, fail(ctx, err))
	}
	return nil
}

// Withdraw implements adapters.IdeaStore in one statement.
func (s *Store) Withdraw(ctx context.Context, ideaID, supporter, supporterIssuer string) error {
	var err error
	if ideaID == "" || supporter == "" {
		err = emptyArg("idea id or supporter")
	} else {
		var n int64
		n, err = s.feedbackWrite(ctx, withdrawSQL, ideaID, supporter, supporterIssuer)
		if err == nil && n == 0 {
			err = adapters.ErrNotFound
		}
	}
	if err != nil {
		return fmt.Errorf("postgres: withdraw support of idea %q: %w", ideaID, fail(ctx, err))
	}
	return nil
}

// HasSupported implements adapters.IdeaStore.
func (s *Store) HasSupported(ctx context.Context, ideaID, supporter, supporterIssuer string) (bool, error) {
	var ok bool
	err := s.enter(ctx)
	if err == nil && (ideaID == "" || supporter == "") {
		err = emptyArg("idea id or supporter")
	}
	if err == nil {
		ok, err = queryOne(ctx, s, func(row pgx.Row) (bool, error) {
			var b bool
			return b, row.Scan(&b)
		}, s.inSchema(hasSupportedSQL), ideaID, supporter, supporterIssuer)
	}
	if err != nil {
		return false, fmt.Errorf("postgres: has supported idea %q: %w", ideaID, fail(ctx, err))
	}
	return ok, nil
}
