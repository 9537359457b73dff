package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/civickit/civickit/adapters"
)

const (
	meetingCols       = `m.id, m.body_id, m.title, m.starts_at, m.location, m.remote_url, m.mode, m.status, m.agenda_version, m.minutes, m.published_at, m.updated_at, m.version`
	publicCommentCols = `id, meeting_id, item, author, author_issuer, name, stance, body, status, moderated_by, reason, moderated_at, submitted_at`
	signupCols        = `id, meeting_id, item, person, name, mode, created_at`
)

// meetingStatements is the SQL of adapters.MeetingStore, qualified with
// the store's schema.
type meetingStatements struct {
	putBody, getBody, listBodies                          string
	getMeeting, lockMeeting, shareMeeting                 string
	insertMeeting, updateMeeting, deleteItems             string
	insertItems, publish, minutes                         string
	listMeetingsFrom                                      string
	insertPublicComment, moderate, audit, listModerations string
	listCommentsFrom                                      string
	insertSignup, listSpeakers, listSpeakersOfItem        string
}

// selectMeeting reads a meeting and its items in one statement; a
// meeting without items has one row of NULL item columns.
func selectMeeting(lock string) string {
	return `SELECT ` + meetingCols + `, i.id, i.title, i.summary, i.comment_deadline, i.speakers_allowed
		FROM (SELECT * FROM {s}.meetings WHERE id = $1 ` + lock + `) m
		LEFT JOIN {s}.agenda_items i ON i.meeting_id = m.id ORDER BY i.ord`
}

func newMeetingStatements(schema string) meetingStatements {
	st := meetingStatements{
		putBody: `INSERT INTO {s}.bodies (id, name, time_zone) VALUES ($1, $2, $3)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, time_zone = excluded.time_zone`,
		getBody:    `SELECT id, name, time_zone FROM {s}.bodies WHERE id = $1`,
		listBodies: `SELECT id, name, time_zone FROM {s}.bodies ORDER BY id`,
		getMeeting: selectMeeting(""),
		// Writers lock the meeting row first: comments and signups share
		// it, so an agenda change waits for them and they see it after.
		lockMeeting:  selectMeeting("FOR UPDATE"),
		shareMeeting: selectMeeting("FOR SHARE"),
		insertMeeting: `INSERT INTO {s}.meetings (id, body_id, title, starts_at, location, remote_url, mode, status, agenda_version, minutes, published_at, updated_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', 0, '', NULL, $8, 1)`,
		updateMeeting: `UPDATE {s}.meetings SET body_id = $2, title = $3, starts_at = $4, location = $5, remote_url = $6, mode = $7,
			status = coalesce($8, status), updated_at = $9, version = version + 1 WHERE id = $1`,
		deleteItems: `DELETE FROM {s}.agenda_items WHERE meeting_id = $1`,
		insertItems: `INSERT INTO {s}.agenda_items (meeting_id, ord, id, title, summary, comment_deadline, speakers_allowed)
			SELECT $1, i.ord - 1, i.id, i.title, i.summary, i.deadline, i.speakers
			FROM unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::boolean[]) WITH ORDINALITY AS i (id, title, summary, deadline, speakers, ord)`,
		publish: `UPDATE {s}.meetings SET status = 'published', agenda_version = agenda_version + 1, version = version + 1,
			published_at = $2, updated_at = $2 WHERE id = $1`,
		minutes:          `UPDATE {s}.meetings SET status = 'held', minutes = $2, version = version + 1, updated_at = $3 WHERE id = $1`,
		listMeetingsFrom: `SELECT ` + meetingCols + ` FROM {s}.meetings m WHERE m.body_id = $1`,
		insertPublicComment: `INSERT INTO {s}.public_comments (` + publicCommentCols + `)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'received', '', '', NULL, $9)`,
		moderate: `UPDATE {s}.public_comments SET status = $2, moderated_by = $3, reason = $4, moderated_at = $5 WHERE id = $1
			RETURNING ` + publicCommentCols,
		audit: `INSERT INTO {s}.comment_moderations (comment_id, seq, status, actor, reason, at)
			SELECT $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5 FROM {s}.comment_moderations WHERE comment_id = $1`,
		listModerations:    `SELECT comment_id, status, actor, reason, at FROM {s}.comment_moderations WHERE comment_id = $1 ORDER BY seq`,
		listCommentsFrom:   `SELECT ` + publicCommentCols + ` FROM {s}.public_comments WHERE meeting_id = $1`,
		insertSignup:       `INSERT INTO {s}.speaker_signups (` + signupCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		listSpeakers:       `SELECT ` + signupCols + ` FROM {s}.speaker_signups WHERE meeting_id = $1 ORDER BY created_at, id LIMIT $2`,
		listSpeakersOfItem: `SELECT ` + signupCols + ` FROM {s}.speaker_signups WHERE meeting_id = $1 AND item = $3 ORDER BY created_at, id LIMIT $2`,
	}
	for _, p := range []*string{
		&st.putBody, &st.getBody, &st.listBodies, &st.getMeeting, &st.lockMeeting, &st.shareMeeting,
		&st.insertMeeting, &st.updateMeeting, &st.deleteItems, &st.insertItems, &st.publish, &st.minutes,
		&st.listMeetingsFrom, &st.insertPublicComment, &st.moderate, &st.audit, &st.listModerations,
		&st.listCommentsFrom, &st.insertSignup, &st.listSpeakers, &st.listSpeakersOfItem,
	} {
		*p = strings.ReplaceAll(*p, "{s}", schema)
	}
	return st
}

// meetingRow receives meetingCols.
type meetingRow struct {
	m                          adapters.Meeting
	starts, published, updated pgtype.Timestamptz
}

func (r *meetingRow) dest() []any {
	m := &r.m
	return []any{&m.ID, &m.BodyID, &m.Title, &r.starts, &m.Location, &m.RemoteURL, (*string)(&m.Mode), (*string)(&m.Status),
		&m.AgendaVersion, &m.Minutes, &r.published, &r.updated, &m.Version}
}

func (r *meetingRow) value() adapters.Meeting {
	m := r.m
	m.StartsAt, m.PublishedAt, m.UpdatedAt = fromTS(r.starts), fromTS(r.published), fromTS(r.updated)
	return m
}

func scanMeetingRow(row pgx.Row) (adapters.Meeting, error) {
	var r meetingRow
	err := row.Scan(r.dest()...)
	return r.value(), err
}

// readMeeting runs getMeeting or lockMeeting on q; no row is
// adapters.ErrNotFound.
func readMeeting(ctx context.Context, q querier, sql, id string) (adapters.Meeting, error) {
	rows, err := q.Query(ctx, sql, id)
	if err != nil {
		return adapters.Meeting{}, err
	}
	defer rows.Close()
	var m adapters.Meeting
	found := false
	for rows.Next() {
		var r meetingRow
		var itemID, title, summary pgtype.Text
		var deadline pgtype.Timestamptz
		var speakers pgtype.Bool
		if err := rows.Scan(append(r.dest(), &itemID, &title, &summary, &deadline, &speakers)...); err != nil {
			return adapters.Meeting{}, err
		}
		if !found {
			m, found = r.value(), true
		}
		if itemID.Valid {
			m.Items = append(m.Items, adapters.AgendaItem{MeetingID: m.ID, ID: itemID.String, Title: title.String,
				Summary: summary.String, CommentDeadline: fromTS(deadline), SpeakersAllowed: speakers.Bool})
		}
	}
	if err := rows.Err(); err != nil {
		return adapters.Meeting{}, err
	}
	if !found {
		return adapters.Meeting{}, adapters.ErrNotFound
	}
	return m, nil
}

func scanBody(row pgx.Row) (adapters.Body, error) {
	var b adapters.Body
	err := row.Scan(&b.ID, &b.Name, &b.TimeZone)
	return b, err
}

func scanPublicComment(row pgx.Row) (adapters.PublicComment, error) {
	var c adapters.PublicComment
	var moderated, submitted pgtype.Timestamptz
	err := row.Scan(&c.ID, &c.MeetingID, &c.Item, &c.Author, &c.AuthorIssuer, &c.Name, (*string)(&c.Position), &c.Body,
		(*string)(&c.Status), &c.ModeratedBy, &c.Reason, &moderated, &submitted)
	c.ModeratedAt, c.SubmittedAt = fromTS(moderated), fromTS(submitted)
	return c, err
}

func scanSignup(row pgx.Row) (adapters.SpeakerSignup, error) {
	var s adapters.SpeakerSignup
	var created pgtype.Timestamptz
	err := row.Scan(&s.ID, &s.MeetingID, &s.Item, &s.Person, &s.Name, (*string)(&s.Mode), &created)
	s.CreatedAt = fromTS(created)
	return s, err
}

func scanCommentModeration(row pgx.Row) (adapters.CommentModeration, error) {
	var m adapters.CommentModeration
	var at pgtype.Timestamptz
	err := row.Scan(&m.CommentID, (*string)(&m.Status), &m.Actor, &m.Reason, &at)
	m.At = fromTS(at)
	return m, err
}

// tx runs fn in a transaction of its own, after the store's checks.
func (s *Store) tx(ctx context.Context, fn func(q querier) error) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	return s.inTransaction(ctx, fn)
}

// PutBody implements adapters.MeetingStore.
func (s *Store) PutBody(ctx context.Context, b adapters.Body) error {
	err := b.Validate()
	if err == nil {
		err = s.enter(ctx)
	}
	if err == nil {
		err = s.write(ctx, func(q querier) error {
			_, err := q.Exec(ctx, s.sql.meetings.putBody, b.ID, b.Name, b.TimeZone)
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("postgres: put body %q: %w", b.ID, fail(ctx, err))
	}
	return nil
}

// GetBody implements adapters.MeetingStore.
func (s *Store) GetBody(ctx context.Context, id string) (adapters.Body, error) {
	err := s.enter(ctx)
	var b adapters.Body
	if err == nil {
		b, err = queryOne(ctx, s, scanBody, s.sql.meetings.getBody, id)
	}
	if err != nil {
		return adapters.Body{}, fmt.Errorf("postgres: get body %q: %w", id, fail(ctx, err))
	}
	return b, nil
}

// ListBodies implements adapters.MeetingStore.
func (s *Store) ListBodies(ctx context.Context) ([]adapters.Body, error) {
	err := s.enter(ctx)
	var bs []adapters.Body
	if err == nil {
		bs, err = queryAll(ctx, s, scanBody, s.sql.meetings.listBodies)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: list bodies: %w", fail(ctx, err))
	}
	return bs, nil
}

// SaveMeeting implements adapters.MeetingStore.
func (s *Store) SaveMeeting(ctx context.Context, p adapters.SaveMeetingParams) (adapters.Meeting, error) {
	var out adapters.Meeting
	err := p.Validate()
	if err == nil {
		err = s.tx(ctx, func(q querier) error {
			var err error
			out, err = s.saveMeeting(ctx, q, p)
			return err
		})
	}
	if err != nil {
		return adapters.Meeting{}, fmt.Errorf("postgres: save meeting %q: %w", p.Meeting.ID, fail(ctx, err))
	}
	return out, nil
}

func (s *Store) saveMeeting(ctx context.Context, q querier, p adapters.SaveMeetingParams) (adapters.Meeting, error) {
	m, st := p.Meeting, &s.sql.meetings
	if p.ExpectedVersion == 0 {
		// An unknown body breaks the foreign key: adapters.ErrNotFound.
		if _, err := q.Exec(ctx, st.insertMeeting, m.ID, m.BodyID, m.Title, ts(m.StartsAt), m.Location, m.RemoteURL,
			string(m.Mode), ts(p.At)); err != nil {
			return adapters.Meeting{}, err
		}
	} else {
		old, err := readMeeting(ctx, q, st.lockMeeting, m.ID)
		if err != nil {
			return adapters.Meeting{}, err
		}
		if old.Version != p.ExpectedVersion {
			return adapters.Meeting{}, fmt.Errorf("%w: meeting is at version %d, not %d", adapters.ErrConflict, old.Version, p.ExpectedVersion)
		}
		if old.Status == adapters.MeetingCancelled || old.Status == adapters.MeetingHeld {
			return adapters.Meeting{}, fmt.Errorf("%w: meeting is %s", adapters.ErrInvalidArgument, old.Status)
		}
		status := pgtype.Text{String: string(m.Status), Valid: m.Status != ""}
		if _, err := q.Exec(ctx, st.updateMeeting, m.ID, m.BodyID, m.Title, ts(m.StartsAt), m.Location, m.RemoteURL,
			string(m.Mode), status, ts(p.At)); err != nil {
			return adapters.Meeting{}, err
		}
		if _, err := q.Exec(ctx, st.deleteItems, m.ID); err != nil {
			return adapters.Meeting{}, err
		}
	}
	if n := len(m.Items); n > 0 {
		ids, titles, summaries := make([]string, n), make([]string, n), make([]string, n)
		deadlines, speakers := make([]pgtype.Timestamptz, n), make([]bool, n)
		for i, it := range m.Items {
			ids[i], titles[i], summaries[i], deadlines[i], speakers[i] = it.ID, it.Title, it.Summary, ts(it.CommentDeadline), it.SpeakersAllowed
		}
		if _, err := q.Exec(ctx, st.insertItems, m.ID, ids, titles, summaries, deadlines, speakers); err != nil {
			return adapters.Meeting{}, err
		}
	}
	return readMeeting(ctx, q, st.getMeeting, m.ID)
}

// lockedMeeting reads and locks a meeting whose version must be expected.
func (s *Store) lockedMeeting(ctx context.Context, q querier, id string, expected int64) (adapters.Meeting, error) {
	m, err := readMeeting(ctx, q, s.sql.meetings.lockMeeting, id)
	if err == nil && m.Version != expected {
		err = fmt.Errorf("%w: meeting is at version %d, not %d", adapters.ErrConflict, m.Version, expected)
	}
	return m, err
}

// PublishAgenda implements adapters.MeetingStore.
func (s *Store) PublishAgenda(ctx context.Context, p adapters.PublishAgendaParams) (adapters.Meeting, error) {
	var out adapters.Meeting
	err := p.Validate()
	if err == nil {
		err = s.tx(ctx, func(q querier) error {
			m, err := s.lockedMeeting(ctx, q, p.MeetingID, p.ExpectedVersion)
			if err != nil {
				return err
			}
			switch {
			case m.Status == adapters.MeetingCancelled || m.Status == adapters.MeetingHeld:
				return fmt.Errorf("%w: meeting is %s", adapters.ErrInvalidArgument, m.Status)
			case len(m.Items) == 0:
				return fmt.Errorf("%w: the agenda has no item", adapters.ErrInvalidArgument)
			}
			if _, err := q.Exec(ctx, s.sql.meetings.publish, p.MeetingID, ts(p.At)); err != nil {
				return err
			}
			if err := s.insertOutbox(ctx, q, p.Messages); err != nil {
				return err
			}
			out, err = readMeeting(ctx, q, s.sql.meetings.getMeeting, p.MeetingID)
			return err
		})
	}
	if err != nil {
		return adapters.Meeting{}, fmt.Errorf("postgres: publish agenda of meeting %q: %w", p.MeetingID, fail(ctx, err))
	}
	return out, nil
}

// GetMeeting implements adapters.MeetingStore.
func (s *Store) GetMeeting(ctx context.Context, id string) (adapters.Meeting, error) {
	err := s.enter(ctx)
	var m adapters.Meeting
	if err == nil {
		err = s.oneStatement(ctx, func(q querier) error {
			var err error
			m, err = readMeeting(ctx, q, s.sql.meetings.getMeeting, id)
			return err
		})
	}
	if err != nil {
		return adapters.Meeting{}, fmt.Errorf("postgres: get meeting %q: %w", id, fail(ctx, err))
	}
	return m, nil
}

// keyset appends the bounds of a keyset page over (key, id) to where.
func keyset(where *strings.Builder, args []any, keyCol, idCol string, pos adapters.CursorPosition) []any {
	if pos.ID == "" {
		return args
	}
	fmt.Fprintf(where, ` AND (%s, %s) > ($%d, $%d)`, keyCol, idCol, len(args)+1, len(args)+2)
	return append(args, ts(pos.Key), pos.ID)
}

// meetingListSQL is ListMeetings' statement for a valid q.
func (s *Store) meetingListSQL(q adapters.MeetingQuery) (string, []any) {
	pos, _ := q.DecodeCursor()
	var b strings.Builder
	b.WriteString(s.sql.meetings.listMeetingsFrom)
	args := []any{q.BodyID}
	if !q.From.IsZero() {
		args = append(args, ts(q.From))
		fmt.Fprintf(&b, ` AND m.starts_at >= $%d`, len(args))
	}
	if !q.To.IsZero() {
		args = append(args, ts(q.To))
		fmt.Fprintf(&b, ` AND m.starts_at < $%d`, len(args))
	}
	args = keyset(&b, args, "m.starts_at", "m.id", pos)
	args = append(args, q.PageSize()+1)
	fmt.Fprintf(&b, ` ORDER BY m.starts_at, m.id LIMIT $%d`, len(args))
	return b.String(), args
}

// ListMeetings implements adapters.MeetingStore.
func (s *Store) ListMeetings(ctx context.Context, q adapters.MeetingQuery) (adapters.MeetingPage, error) {
	err := q.Validate()
	if err == nil {
		err = s.enter(ctx)
	}
	var ms []adapters.Meeting
	if err == nil {
		sql, args := s.meetingListSQL(q)
		ms, err = queryAll(ctx, s, scanMeetingRow, sql, args...)
	}
	if err != nil {
		return adapters.MeetingPage{}, fmt.Errorf("postgres: list meetings of body %q: %w", q.BodyID, fail(ctx, err))
	}
	var page adapters.MeetingPage
	if n := q.PageSize(); len(ms) > n {
		ms = ms[:n]
		page.NextCursor = q.NextCursor(ms[n-1])
	}
	page.Meetings = ms
	return page, nil
}

// SetMinutes implements adapters.MeetingStore.
func (s *Store) SetMinutes(ctx context.Context, p adapters.SetMinutesParams) (adapters.Meeting, error) {
	var out adapters.Meeting
	err := p.Validate()
	if err == nil {
		err = s.tx(ctx, func(q querier) error {
			m, err := s.lockedMeeting(ctx, q, p.MeetingID, p.ExpectedVersion)
			if err != nil {
				return err
			}
			if m.Status != adapters.MeetingPublished && m.Status != adapters.MeetingHeld {
				return fmt.Errorf("%w: a %s meeting takes no minutes", adapters.ErrInvalidArgument, m.Status)
			}
			if _, err := q.Exec(ctx, s.sql.meetings.minutes, p.MeetingID, p.Minutes, ts(p.At)); err != nil {
				return err
			}
			out, err = readMeeting(ctx, q, s.sql.meetings.getMeeting, p.MeetingID)
			return err
		})
	}
	if err != nil {
		return adapters.Meeting{}, fmt.Errorf("postgres: set minutes of meeting %q: %w", p.MeetingID, fail(ctx, err))
	}
	return out, nil
}

// commentWindow checks in q's transaction that an item takes comment at a
// time. It reads the meeting FOR SHARE so that an agenda change waits for
// the comment, or the comment for the change, never both at once.
func (s *Store) commentWindow(ctx context.Context, q querier, meetingID, item string, at time.Time, speaking bool) error {
	m, err := readMeeting(ctx, q, s.sql.meetings.shareMeeting, meetingID)
	if err != nil {
		return err
	}
	return adapters.CheckCommentWindow(m, item, at, speaking)
}

// AddPublicComment implements adapters.MeetingStore.
func (s *Store) AddPublicComment(ctx context.Context, c adapters.PublicComment) (adapters.PublicComment, error) {
	err := c.Validate()
	if err == nil {
		err = s.tx(ctx, func(q querier) error {
			if err := s.commentWindow(ctx, q, c.MeetingID, c.Item, c.SubmittedAt, false); err != nil {
				return err
			}
			_, err := q.Exec(ctx, s.sql.meetings.insertPublicComment, c.ID, c.MeetingID, c.Item, c.Author, c.AuthorIssuer, c.Name,
				string(c.Position), c.Body, ts(c.SubmittedAt))
			return err
		})
	}
	if err != nil {
		return adapters.PublicComment{}, fmt.Errorf("postgres: add comment %q on item %q of meeting %q: %w", c.ID, c.Item, c.MeetingID, fail(ctx, err))
	}
	c.Status, c.ModeratedBy, c.Reason, c.ModeratedAt = adapters.CommentReceived, "", "", time.Time{}
	c.SubmittedAt = adapters.StoredTime(c.SubmittedAt)
	return c, nil
}

// ModeratePublicComment implements adapters.MeetingStore.
func (s *Store) ModeratePublicComment(ctx context.Context, p adapters.ModerateCommentParams) (adapters.PublicComment, error) {
	var out adapters.PublicComment
	err := p.Validate()
	if err == nil {
		err = s.tx(ctx, func(q querier) error {
			var err error
			out, err = scanPublicComment(q.QueryRow(ctx, s.sql.meetings.moderate, p.CommentID, string(p.Status), p.Actor, p.Reason, ts(p.At)))
			if err != nil {
				return err
			}
			_, err = q.Exec(ctx, s.sql.meetings.audit, p.CommentID, string(p.Status), p.Actor, p.Reason, ts(p.At))
			return err
		})
	}
	if err != nil {
		return adapters.PublicComment{}, fmt.Errorf("postgres: moderate comment %q: %w", p.CommentID, fail(ctx, err))
	}
	return out, nil
}

// publicCommentListSQL is ListPublicComments' statement for a valid q.
func (s *Store) publicCommentListSQL(q adapters.PublicCommentQuery) (string, []any) {
	pos, _ := q.DecodeCursor()
	var b strings.Builder
	b.WriteString(s.sql.meetings.listCommentsFrom)
	args := []any{q.MeetingID}
	if q.Item != "" {
		args = append(args, q.Item)
		fmt.Fprintf(&b, ` AND item = $%d`, len(args))
	}
	if q.Status != "" {
		args = append(args, string(q.Status))
		fmt.Fprintf(&b, ` AND status = $%d`, len(args))
	}
	args = keyset(&b, args, "submitted_at", "id", pos)
	args = append(args, q.PageSize()+1)
	fmt.Fprintf(&b, ` ORDER BY submitted_at, id LIMIT $%d`, len(args))
	return b.String(), args
}

// ListPublicComments implements adapters.MeetingStore.
func (s *Store) ListPublicComments(ctx context.Context, q adapters.PublicCommentQuery) (adapters.PublicCommentPage, error) {
	err := q.Validate()
	if err == nil {
		err = s.enter(ctx)
	}
	var cs []adapters.PublicComment
	if err == nil {
		sql, args := s.publicCommentListSQL(q)
		cs, err = queryAll(ctx, s, scanPublicComment, sql, args...)
	}
	if err != nil {
		return adapters.PublicCommentPage{}, fmt.Errorf("postgres: list comments of meeting %q: %w", q.MeetingID, fail(ctx, err))
	}
	var page adapters.PublicCommentPage
	if n := q.PageSize(); len(cs) > n {
		cs = cs[:n]
		page.NextCursor = q.NextCursor(cs[n-1])
	}
	page.Comments = cs
	return page, nil
}

// ListCommentModerations implements adapters.MeetingStore.
func (s *Store) ListCommentModerations(ctx context.Context, commentID string) ([]adapters.CommentModeration, error) {
	err := s.enter(ctx)
	var ms []adapters.CommentModeration
	if err == nil {
		ms, err = queryAll(ctx, s, scanCommentModeration, s.sql.meetings.listModerations, commentID)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: list moderations of comment %q: %w", commentID, fail(ctx, err))
	}
	return ms, nil
}

// SignUpToSpeak implements adapters.MeetingStore.
func (s *Store) SignUpToSpeak(ctx context.Context, su adapters.SpeakerSignup) error {
	err := su.Validate()
	if err == nil {
		err = s.tx(ctx, func(q querier) error {
			if err := s.commentWindow(ctx, q, su.MeetingID, su.Item, su.CreatedAt, true); err != nil {
				return err
			}
			_, err := q.Exec(ctx, s.sql.meetings.insertSignup, su.ID, su.MeetingID, su.Item, su.Person, su.Name, string(su.Mode), ts(su.CreatedAt))
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("postgres: sign %q up to speak on item %q of meeting %q: %w", su.ID, su.Item, su.MeetingID, fail(ctx, err))
	}
	return nil
}

// ListSpeakers implements adapters.MeetingStore.
func (s *Store) ListSpeakers(ctx context.Context, meetingID, item string) ([]adapters.SpeakerSignup, error) {
	err := s.enter(ctx)
	var ss []adapters.SpeakerSignup
	if err == nil {
		if item == "" {
			ss, err = queryAll(ctx, s, scanSignup, s.sql.meetings.listSpeakers, meetingID, adapters.MaxSpeakers)
		} else {
			ss, err = queryAll(ctx, s, scanSignup, s.sql.meetings.listSpeakersOfItem, meetingID, adapters.MaxSpeakers, item)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: list speakers of meeting %q: %w", meetingID, fail(ctx, err))
	}
	return ss, nil
}
