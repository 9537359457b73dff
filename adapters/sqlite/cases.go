package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/civickit/civickit/adapters"
)

const (
	insertCase = `INSERT INTO cases (` + caseCols + `, last_seq)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	insertEvent = `INSERT INTO events (` + eventCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	insertSub   = `INSERT INTO submissions (` + submissionCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	insertMsg   = `INSERT INTO messages (id, case_id, channel, recipient, template, locale, data, idempotency_key,
		status, attempts, next_attempt_at, last_error, lease_owner, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, '', '', ?)`
	upsertTimer = `INSERT INTO timers (case_id, name, due_at, trigger_name, lease_owner) VALUES (?, ?, ?, ?, '')
		ON CONFLICT (case_id, name) DO UPDATE SET due_at = excluded.due_at, trigger_name = excluded.trigger_name,
		lease_owner = '', lease_expires_at = NULL`
	deleteTimer = `DELETE FROM timers WHERE case_id = ? AND name = ?`
	selectReq   = `SELECT case_id, fingerprint FROM requests WHERE key = ?`
	insertReq   = `INSERT INTO requests (key, case_id, fingerprint, used_at) VALUES (?, ?, ?, ?)`
	selectCase  = `SELECT ` + caseCols + ` FROM cases WHERE id = ?`
	selectVer   = `SELECT version FROM cases WHERE id = ?`
	// A request row keeps the case under the same column names, but for
	// its id.
	requestCaseCols = `case_id, type, definition_version, state, version, submitter, team, assignee, channel, due, data, created_at, updated_at, closed_at, submitter_issuer`
	selectResult    = `SELECT ` + requestCaseCols + `, first_seq, last_seq FROM requests WHERE key = ?`
	insertResult    = `INSERT INTO requests (key, fingerprint, used_at, ` + requestCaseCols + `, first_seq, last_seq)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	selectEventRange = `SELECT ` + eventCols + ` FROM events WHERE case_id = ? AND seq BETWEEN ? AND ? ORDER BY seq`
)

// CreateCase implements adapters.CaseStore.
func (s *Store) CreateCase(ctx context.Context, p adapters.CreateCaseParams) (adapters.Case, error) {
	c, err := s.createCase(ctx, p)
	if err != nil {
		return adapters.Case{}, fmt.Errorf("sqlite: create case %q: %w", p.Case.ID, err)
	}
	return c, nil
}

func (s *Store) createCase(ctx context.Context, p adapters.CreateCaseParams) (adapters.Case, error) {
	if err := p.Validate(); err != nil {
		return adapters.Case{}, err
	}
	c := p.Case
	c.Version = 1
	c.Due, c.CreatedAt, c.UpdatedAt, c.ClosedAt = adapters.StoredTime(c.Due), adapters.StoredTime(c.CreatedAt), adapters.StoredTime(c.UpdatedAt), adapters.StoredTime(c.ClosedAt)
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	c.Data = cloneJSON(c.Data)
	var fingerprint string
	if p.RequestKey != "" {
		fingerprint = p.Fingerprint() // outside the writers' turn
	}
	files, err := filesArg(p.Submission.Files)
	if err != nil {
		return adapters.Case{}, err
	}
	err = s.write(ctx, func(w *writer) error {
		if p.RequestKey != "" {
			var caseID, fp string
			row, err := w.queryRow(ctx, selectReq, p.RequestKey)
			if err != nil {
				return err
			}
			switch err := row.Scan(&caseID, &fp); {
			case err == nil && fp != fingerprint:
				return fmt.Errorf("%w: request key %q was used for another request", adapters.ErrDuplicate, p.RequestKey)
			case err == nil:
				row, err := w.queryRow(ctx, selectCase, caseID)
				if err != nil {
					return err
				}
				return row.Scan(caseDest(&c)...)
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
		}
		if _, err := w.exec(ctx, insertCase, append(caseArgs(&c), len(p.Events))...); err != nil {
			return err
		}
		if sub := p.Submission; sub.ID != "" {
			if _, err := w.exec(ctx, insertSub, sub.ID, c.ID, sub.FormID, sub.FormVersion, sub.FormHash,
				jsonArg(sub.Data), sub.Submitter, sub.Channel, timeArg(sub.SubmittedAt), sub.SubmitterIssuer, files); err != nil {
				return err
			}
			if err := linkFiles(ctx, w, sub.Files, c.ID, sub.ID, c.CreatedAt); err != nil {
				return err
			}
		}
		if err := insertEvents(ctx, w, c.ID, 0, p.Events); err != nil {
			return err
		}
		if err := insertMessages(ctx, w, c.ID, p.Messages); err != nil {
			return err
		}
		if err := setTimers(ctx, w, c.ID, p.Timers); err != nil {
			return err
		}
		if p.RequestKey != "" {
			if _, err := w.exec(ctx, insertReq, p.RequestKey, c.ID, fingerprint, timeArg(c.CreatedAt)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return adapters.Case{}, err
	}
	return c, nil
}

// insertEvents appends events numbered after last.
func insertEvents(ctx context.Context, w *writer, caseID string, last int64, events []adapters.Event) error {
	for i, e := range events {
		if _, err := w.exec(ctx, insertEvent, caseID, last+int64(i)+1, e.Kind, e.FromState, e.ToState, e.Trigger,
			e.Actor, timeArg(e.At), e.Comment, jsonArg(e.Payload)); err != nil {
			return err
		}
	}
	return nil
}

func insertMessages(ctx context.Context, w *writer, caseID string, msgs []adapters.Message) error {
	for _, m := range msgs {
		if m.CaseID == "" {
			m.CaseID = caseID
		}
		if t, ok := m.SubscriberTopic(); ok {
			if err := expandMessage(ctx, w, t, m); err != nil {
				return err
			}
			continue
		}
		if _, err := w.exec(ctx, insertMsg, m.ID, m.CaseID, m.Channel, m.Recipient, m.Template, m.Locale,
			jsonArg(m.Data), m.IdempotencyKey, timeArg(m.NextAttemptAt), timeArg(m.CreatedAt)); err != nil {
			return err
		}
	}
	return nil
}

func setTimers(ctx context.Context, w *writer, caseID string, timers []adapters.Timer) error {
	for _, t := range timers {
		if _, err := w.exec(ctx, upsertTimer, caseID, t.Name, timeArg(t.DueAt), t.Trigger); err != nil {
			return err
		}
	}
	return nil
}

// The fields a transition may change, as bits of the statement variant
// that sets exactly them: SQLite then leaves the indexes of the other
// columns alone.
const (
	setTeam = 1 << iota
	setAssignee
	setDue
	setData
	setClosed
	setAll
)

// updateCase holds the UPDATE statement of every field combination.
var updateCase = func() (out [setAll]string) {
	for mask := range setAll {
		var b strings.Builder
		b.WriteString(`UPDATE cases SET state = ?, version = version + 1, updated_at = ?, last_seq = last_seq + ?`)
		for i, col := range []string{"team", "assignee", "due", "data", "closed_at"} {
			if mask&(1<<i) != 0 {
				b.WriteString(", " + col + " = ?")
			}
		}
		b.WriteString(` WHERE id = ? AND version = ? RETURNING ` + caseCols + `, last_seq`)
		out[mask] = b.String()
	}
	return out
}()

// ApplyTransition implements adapters.CaseStore.
func (s *Store) ApplyTransition(ctx context.Context, p adapters.TransitionParams) (adapters.TransitionResult, error) {
	r, err := s.applyTransition(ctx, p)
	if err != nil {
		return adapters.TransitionResult{}, fmt.Errorf("sqlite: apply transition to case %q: %w", p.CaseID, err)
	}
	return r, nil
}

func (s *Store) applyTransition(ctx context.Context, p adapters.TransitionParams) (adapters.TransitionResult, error) {
	if err := p.Validate(); err != nil {
		return adapters.TransitionResult{}, err
	}
	at := adapters.StoredTime(p.At)
	args := make([]any, 3, 10)
	args[0], args[1], args[2] = p.State, at.UnixMicro(), len(p.Events)
	mask := 0
	u := p.Update
	if u.Team != nil {
		mask |= setTeam
		args = append(args, *u.Team)
	}
	if u.Assignee != nil {
		mask |= setAssignee
		args = append(args, *u.Assignee)
	}
	if u.Due != nil {
		mask |= setDue
		args = append(args, timeArg(*u.Due))
	}
	if u.Data != nil {
		mask |= setData
		args = append(args, jsonArg(u.Data))
	}
	if u.Closed != nil {
		mask |= setClosed
		if *u.Closed {
			args = append(args, at.UnixMicro())
		} else {
			args = append(args, nil)
		}
	}
	args = append(args, p.CaseID, p.ExpectedVersion)

	var res adapters.TransitionResult
	var fingerprint string
	if p.RequestKey != "" {
		fingerprint = p.Fingerprint() // outside the writers' turn
	}
	err := s.write(ctx, func(w *writer) error {
		if p.RequestKey != "" {
			done, err := replay(ctx, w, p.RequestKey, fingerprint, &res)
			if done || err != nil {
				return err
			}
		}
		row, err := w.queryRow(ctx, updateCase[mask], args...)
		if err != nil {
			return err
		}
		var last int64
		switch err := row.Scan(append(caseDest(&res.Case), &last)...); {
		case errors.Is(err, sql.ErrNoRows):
			return missingOrStale(ctx, w, p.CaseID, p.ExpectedVersion)
		case err != nil:
			return err
		}
		first := last - int64(len(p.Events)) + 1
		if err := insertEvents(ctx, w, p.CaseID, first-1, p.Events); err != nil {
			return err
		}
		if err := insertMessages(ctx, w, p.CaseID, p.Messages); err != nil {
			return err
		}
		if err := setTimers(ctx, w, p.CaseID, p.SetTimers); err != nil {
			return err
		}
		for _, name := range p.CancelTimers {
			if _, err := w.exec(ctx, deleteTimer, p.CaseID, name); err != nil {
				return err
			}
		}
		res.Events = make([]adapters.Event, len(p.Events))
		for i, e := range p.Events {
			e.CaseID, e.Seq, e.At, e.Payload = p.CaseID, first+int64(i), adapters.StoredTime(e.At), cloneJSON(e.Payload)
			res.Events[i] = e
		}
		if p.RequestKey != "" {
			a := append([]any{p.RequestKey, fingerprint, timeArg(p.At)}, caseArgs(&res.Case)...)
			if _, err := w.exec(ctx, insertResult, append(a, first, last)...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return adapters.TransitionResult{}, err
	}
	return res, nil
}

// replay answers a request key already used: with the first result when
// the fingerprint matches (done), else ErrDuplicate.
func replay(ctx context.Context, w *writer, key, fingerprint string, res *adapters.TransitionResult) (done bool, err error) {
	row, err := w.queryRow(ctx, `SELECT fingerprint FROM requests WHERE key = ?`, key)
	if err != nil {
		return false, err
	}
	var fp string
	switch err := row.Scan(&fp); {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, err
	case fp != fingerprint:
		return false, fmt.Errorf("%w: request key %q was used for another request", adapters.ErrDuplicate, key)
	}
	row, err = w.queryRow(ctx, selectResult, key)
	if err != nil {
		return false, err
	}
	var first, last int64
	if err := row.Scan(append(caseDest(&res.Case), &first, &last)...); err != nil {
		return false, err
	}
	rows, err := w.query(ctx, selectEventRange, res.Case.ID, first, last)
	if err != nil {
		return false, err
	}
	if res.Events, err = scanAll(rows, eventDest); err != nil {
		return false, err
	}
	res.Replayed = true
	return true, nil
}

// purgeBatch is how many request keys one purge transaction deletes: small
// enough that writers waiting for their turn barely notice it.
const purgeBatch = 500

// RequestResult implements adapters.RequestKeys.
func (s *Store) RequestResult(ctx context.Context, key string) (adapters.TransitionResult, error) {
	res, err := s.requestResult(ctx, key)
	if err != nil {
		return adapters.TransitionResult{}, fmt.Errorf("sqlite: request result: %w", err)
	}
	return res, nil
}

func (s *Store) requestResult(ctx context.Context, key string) (adapters.TransitionResult, error) {
	if key == "" {
		return adapters.TransitionResult{}, emptyArg("request key")
	}
	var res adapters.TransitionResult
	var caseID string
	var created bool
	if err := s.readRow(ctx, `SELECT case_id, first_seq IS NULL FROM requests WHERE key = ?`, []any{key}, &caseID, &created); err != nil {
		return res, err
	}
	res.Replayed = true
	if created {
		return res, s.readRow(ctx, selectCase, []any{caseID}, caseDest(&res.Case)...)
	}
	// The row keeps the case as the transition left it, and events never
	// change, so two reads give one consistent answer.
	var first, last int64
	if err := s.readRow(ctx, selectResult, []any{key}, append(caseDest(&res.Case), &first, &last)...); err != nil {
		return res, err
	}
	var err error
	res.Events, err = readRows(ctx, s, eventDest, selectEventRange, res.Case.ID, first, last)
	return res, err
}

// DeleteExpiredRequestKeys implements adapters.RequestKeys: batches of
// purgeBatch keys, each its own turn at the write lock.
func (s *Store) DeleteExpiredRequestKeys(ctx context.Context, before time.Time) (int64, error) {
	if before.IsZero() {
		return 0, fmt.Errorf("sqlite: delete expired request keys: %w", emptyArg("time"))
	}
	var total int64
	for {
		var n int64
		err := s.write(ctx, func(w *writer) error {
			var err error
			n, err = w.execN(ctx, `DELETE FROM requests WHERE key IN (SELECT key FROM requests WHERE used_at < ? LIMIT ?)`,
				micros(before), purgeBatch)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("sqlite: delete expired request keys: %w", err)
		}
		total += n
		if n < purgeBatch {
			return total, nil
		}
	}
}

// missingOrStale says why an UPDATE guarded by id and version changed
// nothing.
func missingOrStale(ctx context.Context, w *writer, id string, expected int64) error {
	row, err := w.queryRow(ctx, selectVer, id)
	if err != nil {
		return err
	}
	var v int64
	switch err := row.Scan(&v); {
	case errors.Is(err, sql.ErrNoRows):
		return adapters.ErrNotFound
	case err != nil:
		return err
	}
	return fmt.Errorf("%w: expected version %d, stored version %d", adapters.ErrConflict, expected, v)
}

func emptyArg(what string) error {
	return fmt.Errorf("%w: %s is empty", adapters.ErrInvalidArgument, what)
}

// GetCase implements adapters.CaseStore.
func (s *Store) GetCase(ctx context.Context, id string) (adapters.Case, error) {
	if id == "" {
		return adapters.Case{}, fmt.Errorf("sqlite: get case: %w", emptyArg("case id"))
	}
	var c adapters.Case
	if err := s.readRow(ctx, selectCase, []any{id}, caseDest(&c)...); err != nil {
		return adapters.Case{}, fmt.Errorf("sqlite: get case %q: %w", id, err)
	}
	return c, nil
}

// readRow runs a one-row query on the read pool and scans it.
func (s *Store) readRow(ctx context.Context, query string, args []any, dest ...any) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	st, err := s.readStmt(ctx, query)
	if err != nil {
		return translate(ctx, err)
	}
	return translate(ctx, st.QueryRowContext(ctx, args...).Scan(dest...))
}

// readRows runs a query on the read pool and scans every row.
func readRows[T any](ctx context.Context, s *Store, dest func(*T) []any, query string, args ...any) ([]T, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	st, err := s.readStmt(ctx, query)
	if err != nil {
		return nil, translate(ctx, err)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, translate(ctx, err)
	}
	out, err := scanAll(rows, dest)
	return out, translate(ctx, err)
}

// where builds the WHERE clause of a case filter.
func where(q adapters.CaseQuery) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, arg any) {
		conds = append(conds, cond)
		args = append(args, arg)
	}
	for _, f := range []struct{ col, val string }{
		{"type", q.Type}, {"state", q.State}, {"submitter", q.Submitter}, {"submitter_issuer", q.SubmitterIssuer},
		{"team", q.Team}, {"assignee", q.Assignee},
	} {
		if f.val != "" {
			add(f.col+" = ?", f.val)
		}
	}
	if !q.DueBefore.IsZero() {
		add("due < ?", micros(q.DueBefore))
	}
	if !q.OpenedFrom.IsZero() {
		add("created_at >= ?", micros(q.OpenedFrom))
	}
	if !q.OpenedTo.IsZero() {
		add("created_at < ?", micros(q.OpenedTo))
	}
	if q.SortOrder() == adapters.OrderDue {
		conds = append(conds, "due IS NOT NULL")
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// listQuery is the SELECT of one page of q, a valid query; its last
// parameter, the LIMIT, is left for the caller.
func listQuery(q adapters.CaseQuery) (string, []any) {
	pos, _ := q.DecodeCursor()
	key := "created_at"
	if q.SortOrder() == adapters.OrderDue {
		key = "due"
	}
	cond, args := where(q)
	if q.Cursor != "" {
		if cond == "" {
			cond = " WHERE "
		} else {
			cond += " AND "
		}
		// A row value comparison walks the (key, id) index from the cursor.
		cond += "(" + key + ", id) > (?, ?)"
		args = append(args, micros(pos.Key), pos.ID)
	}
	return "SELECT " + caseCols + " FROM cases" + cond + " ORDER BY " + key + ", id LIMIT ?", args
}

// ListCases implements adapters.CaseStore.
func (s *Store) ListCases(ctx context.Context, q adapters.CaseQuery) (adapters.CasePage, error) {
	if err := q.Validate(); err != nil {
		return adapters.CasePage{}, fmt.Errorf("sqlite: list cases: %w", err)
	}
	n := q.PageSize()
	query, args := listQuery(q)
	cases, err := readRows(ctx, s, caseDest, query, append(args, n+1)...)
	if err != nil {
		return adapters.CasePage{}, fmt.Errorf("sqlite: list cases: %w", err)
	}
	page := adapters.CasePage{Cases: cases}
	if len(cases) > n {
		page.Cases = cases[:n]
		page.NextCursor = q.NextCursor(cases[n-1])
	}
	if page.Cases == nil {
		page.Cases = []adapters.Case{}
	}
	return page, nil
}

type stateCount struct {
	state string
	n     int64
}

// CountCasesByState implements adapters.CaseStore.
func (s *Store) CountCasesByState(ctx context.Context, q adapters.CaseQuery) (map[string]int64, error) {
	q.Order, q.Cursor, q.Limit = "", "", 0
	cond, args := where(q)
	counts, err := readRows(ctx, s, func(c *stateCount) []any { return []any{&c.state, &c.n} },
		"SELECT state, count(*) FROM cases"+cond+" GROUP BY state", args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: count cases by state: %w", err)
	}
	out := make(map[string]int64, len(counts))
	for _, c := range counts {
		out[c.state] = c.n
	}
	return out, nil
}

// ListEvents implements adapters.CaseStore.
func (s *Store) ListEvents(ctx context.Context, caseID string) ([]adapters.Event, error) {
	if caseID == "" {
		return nil, fmt.Errorf("sqlite: list events: %w", emptyArg("case id"))
	}
	// One statement, so the case's existence and its events are read from
	// one snapshot: a case always has at least one event.
	evs, err := readRows(ctx, s, eventDest, `SELECT `+eventCols+` FROM events WHERE case_id = ? ORDER BY seq`, caseID)
	if err == nil && len(evs) == 0 {
		err = adapters.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: list events of case %q: %w", caseID, err)
	}
	return evs, nil
}

// GetSubmission implements adapters.SubmissionStore.
func (s *Store) GetSubmission(ctx context.Context, id string) (adapters.Submission, error) {
	if id == "" {
		return adapters.Submission{}, fmt.Errorf("sqlite: get submission: %w", emptyArg("submission id"))
	}
	var sub adapters.Submission
	if err := s.readRow(ctx, `SELECT `+submissionCols+` FROM submissions WHERE id = ?`, []any{id}, submissionDest(&sub)...); err != nil {
		return adapters.Submission{}, fmt.Errorf("sqlite: get submission %q: %w", id, err)
	}
	return sub, nil
}

// ListSubmissions implements adapters.SubmissionStore.
func (s *Store) ListSubmissions(ctx context.Context, caseID string) ([]adapters.Submission, error) {
	if caseID == "" {
		return nil, fmt.Errorf("sqlite: list submissions: %w", emptyArg("case id"))
	}
	subs, err := readRows(ctx, s, submissionDest, `SELECT `+submissionCols+` FROM submissions WHERE case_id = ? ORDER BY seq`, caseID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list submissions of case %q: %w", caseID, err)
	}
	return subs, nil
}
