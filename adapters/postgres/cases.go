package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civickit/civickit/adapters"
)

// CreateCase implements adapters.CaseStore.
func (s *Store) CreateCase(ctx context.Context, p adapters.CreateCaseParams) (adapters.Case, error) {
	c, err := s.createCase(ctx, p)
	if err != nil {
		return adapters.Case{}, fmt.Errorf("postgres: create case %q: %w", p.Case.ID, fail(ctx, err))
	}
	return c, nil
}

func (s *Store) createCase(ctx context.Context, p adapters.CreateCaseParams) (adapters.Case, error) {
	if err := p.Validate(); err != nil {
		return adapters.Case{}, err
	}
	if err := s.enter(ctx); err != nil {
		return adapters.Case{}, err
	}
	c := p.Case
	updated := c.UpdatedAt
	if updated.IsZero() {
		updated = c.CreatedAt
	}
	sub := p.Submission
	files, err := filesArg(sub.Files)
	if err != nil {
		return adapters.Case{}, err
	}
	args := make([]any, 0, 44)
	args = append(args, c.ID, c.Type, c.DefinitionVersion, c.State, c.Submitter, c.Team, c.Assignee, c.Channel,
		ts(c.Due), jsonArg(c.Data), ts(c.CreatedAt), ts(updated), ts(c.ClosedAt),
		sub.ID, sub.FormID, sub.FormVersion, sub.FormHash, jsonArg(sub.Data), sub.Submitter, sub.Channel, ts(sub.SubmittedAt))
	args = append(args, eventArgs(p.Events)...)
	direct, addressed := splitAddressed(c.ID, p.Messages)
	args = append(args, messageArgs(direct)...)
	args = append(args, timerArgs(p.Timers)...)
	args = append(args, c.SubmitterIssuer, sub.SubmitterIssuer, files)
	createSQL := s.sql.createCase
	if len(addressed) > 0 {
		createSQL = s.sql.subscriptions.createCaseExpanding
		args = append(args, messageArgs(addressed)...)
	}

	var out adapters.Case
	linking := sub.ID != "" && len(sub.Files) > 0
	create := func(q querier) error {
		var err error
		if out, err = scanCase(q.QueryRow(ctx, createSQL, args...)); err != nil || !linking {
			return err
		}
		return s.linkFiles(ctx, q, sub.Files, c.ID, sub.ID, c.CreatedAt)
	}
	if p.RequestKey == "" && linking {
		return out, s.inTransaction(ctx, create)
	}
	if p.RequestKey == "" {
		err := s.write(ctx, func(q querier) error {
			var err error
			out, err = scanCase(q.QueryRow(ctx, createSQL, args...))
			return err
		})
		return out, err
	}
	fp := p.Fingerprint()
	err = s.inTransaction(ctx, func(q querier) error {
		tag, err := q.Exec(ctx, s.sql.claimRequest, p.RequestKey, c.ID, fp, ts(c.CreatedAt))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var caseID, storedFP string
			var result []byte
			if err := q.QueryRow(ctx, s.sql.readRequest, p.RequestKey).Scan(&caseID, &storedFP, &result); err != nil {
				return err
			}
			if storedFP != fp || caseID != c.ID {
				return fmt.Errorf("%w: request key %q was used for another request", adapters.ErrDuplicate, p.RequestKey)
			}
			out, err = scanCase(q.QueryRow(ctx, s.sql.getCase, c.ID))
			return err
		}
		return create(q)
	})
	return out, err
}

// linkFiles links the attachments a new submission names to its case, in
// the caller's transaction; an unknown or linked one fails it.
func (s *Store) linkFiles(ctx context.Context, q querier, files []adapters.FileRef, caseID, subID string, at time.Time) error {
	ids := make([]string, len(files))
	for i, f := range files {
		ids[i] = f.ID
	}
	tag, err := q.Exec(ctx, s.sql.linkAttachments, caseID, subID, ts(at), ids)
	if err != nil || tag.RowsAffected() == int64(len(ids)) {
		return err
	}
	// Say which file failed, the first in the submission's order.
	rows, err := q.Query(ctx, s.sql.attachmentCases, ids)
	if err != nil {
		return err
	}
	linked := map[string]string{}
	var id, linkedTo string
	if _, err := pgx.ForEachRow(rows, []any{&id, &linkedTo}, func() error { linked[id] = linkedTo; return nil }); err != nil {
		return err
	}
	for _, id := range ids {
		switch to, ok := linked[id]; {
		case !ok:
			return fmt.Errorf("%w: attachment %q is unknown", adapters.ErrInvalidArgument, id)
		case to != caseID:
			return fmt.Errorf("%w: attachment %q is already linked to a case", adapters.ErrInvalidArgument, id)
		}
	}
	return fmt.Errorf("%w: %d of %d attachments linked", adapters.ErrConflict, tag.RowsAffected(), len(ids))
}

// ApplyTransition implements adapters.CaseStore.
func (s *Store) ApplyTransition(ctx context.Context, p adapters.TransitionParams) (adapters.TransitionResult, error) {
	r, err := s.applyTransition(ctx, p)
	if err != nil {
		return adapters.TransitionResult{}, fmt.Errorf("postgres: apply transition to case %q: %w", p.CaseID, fail(ctx, err))
	}
	return r, nil
}

func (s *Store) applyTransition(ctx context.Context, p adapters.TransitionParams) (adapters.TransitionResult, error) {
	if err := p.Validate(); err != nil {
		return adapters.TransitionResult{}, err
	}
	if err := s.enter(ctx); err != nil {
		return adapters.TransitionResult{}, err
	}
	args := transitionArgs(p)
	var res adapters.TransitionResult
	if p.RequestKey == "" {
		err := s.write(ctx, func(q querier) error {
			var err error
			res, err = s.transition(ctx, q, p, args)
			return err
		})
		return res, err
	}
	fp := p.Fingerprint()
	err := s.inTransaction(ctx, func(q querier) error {
		tag, err := q.Exec(ctx, s.sql.claimRequest, p.RequestKey, p.CaseID, fp, ts(p.At))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			res, err = s.replay(ctx, q, p.RequestKey, fp)
			return err
		}
		if res, err = s.transition(ctx, q, p, args); err != nil {
			return err
		}
		b, err := json.Marshal(storedResult(res))
		if err != nil {
			return err
		}
		_, err = q.Exec(ctx, s.sql.saveResult, p.RequestKey, string(b))
		return err
	})
	return res, err
}

func transitionArgs(p adapters.TransitionParams) []any {
	u := p.Update
	var due time.Time
	if u.Due != nil {
		due = *u.Due
	}
	args := make([]any, 0, 32)
	args = append(args, p.CaseID, p.ExpectedVersion, p.State, ts(p.At), u.Team, u.Assignee,
		u.Due != nil, ts(due), u.Data != nil, jsonArg(u.Data), u.Closed)
	direct, addressed := splitAddressed(p.CaseID, p.Messages)
	if transitionVariant(&p)&oneRow != 0 {
		e := p.Events[0]
		args = append(args, e.Kind, e.FromState, e.ToState, e.Trigger, e.Actor, ts(e.At), e.Comment, jsonArg(e.Payload))
		for _, m := range direct {
			args = append(args, m.ID, m.Channel, m.Recipient, m.Template, m.Locale, jsonArg(m.Data), m.IdempotencyKey, ts(m.NextAttemptAt), ts(m.CreatedAt))
		}
	} else {
		args = append(args, eventArgs(p.Events)...)
		if len(direct) > 0 {
			args = append(args, messageArgs(direct)...)
		}
	}
	if len(p.SetTimers) > 0 {
		args = append(args, timerArgs(p.SetTimers)...)
	}
	if len(p.CancelTimers) > 0 {
		args = append(args, p.CancelTimers)
	}
	if len(addressed) > 0 {
		args = append(args, messageArgs(addressed)...)
	}
	return args
}

// transition runs the applyTransition statement.
func (s *Store) transition(ctx context.Context, q querier, p adapters.TransitionParams, args []any) (adapters.TransitionResult, error) {
	var applied bool
	var r caseRow
	var last int64
	dest := append([]any{&applied}, r.dest()...)
	err := q.QueryRow(ctx, s.sql.applyTransition[transitionVariant(&p)], args...).Scan(append(dest, &last)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return adapters.TransitionResult{}, fmt.Errorf("%w: no case with this id", adapters.ErrNotFound)
	}
	if err != nil {
		return adapters.TransitionResult{}, err
	}
	if !applied {
		// The stored version read here may predate a concurrent write the
		// update waited for, so the message names only the expectation.
		return adapters.TransitionResult{}, fmt.Errorf("%w: expected version %d is no longer the stored one", adapters.ErrConflict, p.ExpectedVersion)
	}
	res := adapters.TransitionResult{Case: r.value(), Events: make([]adapters.Event, len(p.Events))}
	for i, e := range p.Events {
		e.CaseID, e.Seq, e.At = p.CaseID, last+int64(i)+1, adapters.StoredTime(e.At)
		e.Payload = bytes.Clone(e.Payload)
		res.Events[i] = e
	}
	return res, nil
}

// purgeBatch is how many request keys one purge transaction deletes.
const purgeBatch = 500

// RequestResult implements adapters.RequestKeys.
func (s *Store) RequestResult(ctx context.Context, key string) (adapters.TransitionResult, error) {
	res, err := s.requestResult(ctx, key)
	if err != nil {
		return adapters.TransitionResult{}, fmt.Errorf("postgres: request result: %w", fail(ctx, err))
	}
	return res, nil
}

func (s *Store) requestResult(ctx context.Context, key string) (adapters.TransitionResult, error) {
	if key == "" {
		return adapters.TransitionResult{}, fmt.Errorf("%w: request key is empty", adapters.ErrInvalidArgument)
	}
	if err := s.enter(ctx); err != nil {
		return adapters.TransitionResult{}, err
	}
	var res adapters.TransitionResult
	err := s.oneStatement(ctx, func(q querier) error {
		var caseID, fp string
		var result []byte
		if err := q.QueryRow(ctx, s.sql.readRequest, key).Scan(&caseID, &fp, &result); err != nil {
			return err
		}
		if result == nil { // a CreateCase key: its answer is the case
			c, err := scanCase(q.QueryRow(ctx, s.sql.getCase, caseID))
			res = adapters.TransitionResult{Case: c, Replayed: true}
			return err
		}
		var r replayResult
		if err := json.Unmarshal(result, &r); err != nil {
			return fmt.Errorf("decode stored result of request %q: %w", key, err)
		}
		res = r.value()
		res.Replayed = true
		return nil
	})
	return res, err
}

// DeleteExpiredRequestKeys implements adapters.RequestKeys: batches of
// purgeBatch keys, each its own short transaction, skipping keys a
// running write holds.
func (s *Store) DeleteExpiredRequestKeys(ctx context.Context, before time.Time) (int64, error) {
	if before.IsZero() {
		return 0, fmt.Errorf("postgres: delete expired request keys: %w: time is zero", adapters.ErrInvalidArgument)
	}
	if err := s.enter(ctx); err != nil {
		return 0, fmt.Errorf("postgres: delete expired request keys: %w", err)
	}
	var total int64
	for {
		var n int64
		err := s.write(ctx, func(q querier) error {
			tag, err := q.Exec(ctx, s.sql.deleteExpiredRequests, ts(before), purgeBatch)
			n = tag.RowsAffected()
			return err
		})
		if err != nil {
			return total, fmt.Errorf("postgres: delete expired request keys: %w", fail(ctx, err))
		}
		total += n
		if n < purgeBatch {
			return total, nil
		}
	}
}

// replay answers a retried transition from its stored first result.
func (s *Store) replay(ctx context.Context, q querier, key, fp string) (adapters.TransitionResult, error) {
	var caseID, storedFP string
	var result []byte
	if err := q.QueryRow(ctx, s.sql.readRequest, key).Scan(&caseID, &storedFP, &result); err != nil {
		return adapters.TransitionResult{}, err
	}
	if storedFP != fp || result == nil {
		return adapters.TransitionResult{}, fmt.Errorf("%w: request key %q was used for another request", adapters.ErrDuplicate, key)
	}
	var r replayResult
	if err := json.Unmarshal(result, &r); err != nil {
		return adapters.TransitionResult{}, fmt.Errorf("decode stored result of request %q: %w", key, err)
	}
	res := r.value()
	res.Replayed = true
	return res, nil
}

// replayResult is a TransitionResult as the requests table keeps it. It
// exists because a nil json.RawMessage marshals as null: omitempty keeps
// nil and "null" apart.
type replayResult struct {
	Case   replayCase    `json:"case"`
	Events []replayEvent `json:"events"`
}

type replayCase struct {
	ID                string          `json:"id"`
	Type              string          `json:"type"`
	DefinitionVersion int             `json:"definition_version"`
	State             string          `json:"state"`
	Version           int64           `json:"version"`
	Submitter         string          `json:"submitter"`
	SubmitterIssuer   string          `json:"submitter_issuer,omitempty"`
	Team              string          `json:"team"`
	Assignee          string          `json:"assignee"`
	Channel           string          `json:"channel"`
	Due               time.Time       `json:"due"`
	Data              json.RawMessage `json:"data,omitempty"`
	CreatedAt         time.Time       `json:"created_at"`
	UpdatedAt         time.Time       `json:"updated_at"`
	ClosedAt          time.Time       `json:"closed_at"`
}

type replayEvent struct {
	CaseID    string          `json:"case_id"`
	Seq       int64           `json:"seq"`
	Kind      string          `json:"kind"`
	FromState string          `json:"from_state"`
	ToState   string          `json:"to_state"`
	Trigger   string          `json:"trigger"`
	Actor     string          `json:"actor"`
	At        time.Time       `json:"at"`
	Comment   string          `json:"comment"`
	Payload   json.RawMessage `json:"payload,omitempty"`
}

func storedResult(res adapters.TransitionResult) replayResult {
	c := res.Case
	r := replayResult{Case: replayCase{
		ID: c.ID, Type: c.Type, DefinitionVersion: c.DefinitionVersion, State: c.State, Version: c.Version,
		Submitter: c.Submitter, SubmitterIssuer: c.SubmitterIssuer, Team: c.Team, Assignee: c.Assignee, Channel: c.Channel, Due: c.Due,
		Data: c.Data, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, ClosedAt: c.ClosedAt,
	}}
	for _, e := range res.Events {
		r.Events = append(r.Events, replayEvent(e))
	}
	return r
}

func (r replayResult) value() adapters.TransitionResult {
	c := r.Case
	res := adapters.TransitionResult{Case: adapters.Case{
		ID: c.ID, Type: c.Type, DefinitionVersion: c.DefinitionVersion, State: c.State, Version: c.Version,
		Submitter: c.Submitter, SubmitterIssuer: c.SubmitterIssuer, Team: c.Team, Assignee: c.Assignee, Channel: c.Channel, Due: adapters.StoredTime(c.Due),
		Data: c.Data, CreatedAt: adapters.StoredTime(c.CreatedAt), UpdatedAt: adapters.StoredTime(c.UpdatedAt), ClosedAt: adapters.StoredTime(c.ClosedAt),
	}}
	for _, e := range r.Events {
		e.At = adapters.StoredTime(e.At)
		res.Events = append(res.Events, adapters.Event(e))
	}
	return res
}

// GetCase implements adapters.CaseStore.
func (s *Store) GetCase(ctx context.Context, id string) (adapters.Case, error) {
	c, err := s.getCase(ctx, id)
	if err != nil {
		return adapters.Case{}, fmt.Errorf("postgres: get case %q: %w", id, fail(ctx, err))
	}
	return c, nil
}

func (s *Store) getCase(ctx context.Context, id string) (adapters.Case, error) {
	if id == "" {
		return adapters.Case{}, emptyArg("case id")
	}
	if err := s.enter(ctx); err != nil {
		return adapters.Case{}, err
	}
	return queryOne(ctx, s, scanCase, s.sql.getCase, id)
}

func emptyArg(what string) error {
	return fmt.Errorf("%w: %s is empty", adapters.ErrInvalidArgument, what)
}

// caseFilter is the WHERE clause of q's filters and its arguments. Each
// equality filter on an optional field repeats the index's predicate so
// that the planner can use the partial index with any parameter value.
func caseFilter(q adapters.CaseQuery) (where []string, args []any) {
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "$?", "$"+strconv.Itoa(len(args))))
	}
	if q.Type != "" {
		add("type = $?", q.Type)
	}
	if q.State != "" {
		add("state = $?", q.State)
	}
	if q.Submitter != "" {
		add("submitter = $? AND submitter <> ''", q.Submitter)
	}
	if q.SubmitterIssuer != "" {
		add("submitter_issuer = $?", q.SubmitterIssuer)
	}
	if q.Team != "" {
		add("team = $?", q.Team)
	}
	if q.Assignee != "" {
		add("assignee = $? AND assignee <> ''", q.Assignee)
	}
	if !q.DueBefore.IsZero() {
		add("due < $?", ts(q.DueBefore))
	}
	if !q.OpenedFrom.IsZero() {
		add("created_at >= $?", ts(q.OpenedFrom))
	}
	if !q.OpenedTo.IsZero() {
		add("created_at < $?", ts(q.OpenedTo))
	}
	return where, args
}

// ListCases implements adapters.CaseStore.
func (s *Store) ListCases(ctx context.Context, q adapters.CaseQuery) (adapters.CasePage, error) {
	page, err := s.listCases(ctx, q)
	if err != nil {
		return adapters.CasePage{}, fmt.Errorf("postgres: list cases: %w", fail(ctx, err))
	}
	return page, nil
}

func (s *Store) listCases(ctx context.Context, q adapters.CaseQuery) (adapters.CasePage, error) {
	if err := q.Validate(); err != nil {
		return adapters.CasePage{}, err
	}
	if err := s.enter(ctx); err != nil {
		return adapters.CasePage{}, err
	}
	sql, args := s.listSQL(q)
	cases, err := queryAll(ctx, s, scanCase, sql, args...)
	if err != nil {
		return adapters.CasePage{}, err
	}
	var page adapters.CasePage
	if n := q.PageSize(); len(cases) > n {
		cases = cases[:n]
		page.NextCursor = q.NextCursor(cases[n-1])
	}
	page.Cases = cases
	return page, nil
}

// listSQL is the query of one page of q, which is valid: one more row
// than the page holds tells whether another page follows.
func (s *Store) listSQL(q adapters.CaseQuery) (string, []any) {
	pos, _ := q.DecodeCursor()
	where, args := caseFilter(q)
	key := "created_at"
	if q.SortOrder() == adapters.OrderDue {
		key = "due"
		where = append(where, "due IS NOT NULL")
	}
	if q.Cursor != "" {
		args = append(args, ts(pos.Key), pos.ID)
		where = append(where, fmt.Sprintf("(%s, id) > ($%d, $%d)", key, len(args)-1, len(args)))
	}
	args = append(args, q.PageSize()+1)
	var sb strings.Builder
	sb.WriteString(s.sql.listCasesFrom)
	if len(where) > 0 {
		sb.WriteString(" WHERE ")
		sb.WriteString(strings.Join(where, " AND "))
	}
	fmt.Fprintf(&sb, " ORDER BY %s, id LIMIT $%d", key, len(args))
	return sb.String(), args
}

// CountCasesByState implements adapters.CaseStore.
func (s *Store) CountCasesByState(ctx context.Context, f adapters.CaseQuery) (map[string]int64, error) {
	out, err := s.countCasesByState(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("postgres: count cases by state: %w", fail(ctx, err))
	}
	return out, nil
}

func (s *Store) countCasesByState(ctx context.Context, f adapters.CaseQuery) (map[string]int64, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	where, args := caseFilter(f)
	sql := s.sql.countCasesFrom
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	out := map[string]int64{}
	var state string
	var n int64
	err := forEachRow(ctx, s, []any{&state, &n}, func() { out[state] = n }, sql+" GROUP BY state", args...)
	return out, err
}

// ListEvents implements adapters.CaseStore.
func (s *Store) ListEvents(ctx context.Context, caseID string) ([]adapters.Event, error) {
	evs, err := s.listEvents(ctx, caseID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list events of case %q: %w", caseID, fail(ctx, err))
	}
	return evs, nil
}

func (s *Store) listEvents(ctx context.Context, caseID string) ([]adapters.Event, error) {
	if caseID == "" {
		return nil, emptyArg("case id")
	}
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	evs, err := queryAll(ctx, s, scanEvent, s.sql.listEvents, caseID)
	if err == nil && len(evs) == 0 {
		// Every case is written with at least one event, so no events
		// means no case.
		return nil, adapters.ErrNotFound
	}
	return evs, err
}

// GetSubmission implements adapters.SubmissionStore.
func (s *Store) GetSubmission(ctx context.Context, id string) (adapters.Submission, error) {
	sub, err := s.getSubmission(ctx, id)
	if err != nil {
		return adapters.Submission{}, fmt.Errorf("postgres: get submission %q: %w", id, fail(ctx, err))
	}
	return sub, nil
}

func (s *Store) getSubmission(ctx context.Context, id string) (adapters.Submission, error) {
	if id == "" {
		return adapters.Submission{}, emptyArg("submission id")
	}
	if err := s.enter(ctx); err != nil {
		return adapters.Submission{}, err
	}
	return queryOne(ctx, s, scanSubmission, s.sql.getSubmission, id)
}

// ListSubmissions implements adapters.SubmissionStore.
func (s *Store) ListSubmissions(ctx context.Context, caseID string) ([]adapters.Submission, error) {
	subs, err := s.listSubmissions(ctx, caseID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list submissions of case %q: %w", caseID, fail(ctx, err))
	}
	return subs, nil
}

func (s *Store) listSubmissions(ctx context.Context, caseID string) ([]adapters.Submission, error) {
	if caseID == "" {
		return nil, emptyArg("case id")
	}
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	return queryAll(ctx, s, scanSubmission, s.sql.listSubmissions, caseID)
}
