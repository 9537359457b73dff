package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/civickit/civickit/adapters"
)

const (
	meetingCols = `m.id, m.body_id, m.title, m.starts_at, m.location, m.remote_url, m.mode, m.status, m.agenda_version, m.minutes, m.published_at, m.updated_at, m.version`
	// selectMeeting reads a meeting and its items in one statement, so
	// the two are one snapshot; a meeting without items has one row of
	// NULL item columns.
	selectMeeting = `SELECT ` + meetingCols + `, i.id, i.title, i.summary, i.comment_deadline, i.speakers_allowed
		FROM meetings m LEFT JOIN agenda_items i ON i.meeting_id = m.id WHERE m.id = ? ORDER BY i.ord`
	insertMeeting = `INSERT INTO meetings (id, body_id, title, starts_at, location, remote_url, mode, status, agenda_version, minutes, published_at, updated_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'draft', 0, '', NULL, ?, 1)`
	updateMeeting = `UPDATE meetings SET body_id = ?, title = ?, starts_at = ?, location = ?, remote_url = ?, mode = ?,
		status = coalesce(?, status), updated_at = ?, version = version + 1
		WHERE id = ? AND version = ?`
	insertAgendaItem = `INSERT INTO agenda_items (meeting_id, ord, id, title, summary, comment_deadline, speakers_allowed)
		VALUES (?, ?, ?, ?, ?, ?, ?)`
	publishMeeting = `UPDATE meetings SET status = 'published', agenda_version = agenda_version + 1, version = version + 1,
		published_at = ?, updated_at = ? WHERE id = ? AND version = ?`
	minutesMeeting = `UPDATE meetings SET status = 'held', minutes = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND version = ?`
	listMeetingsFrom = `SELECT ` + meetingCols + ` FROM meetings m INDEXED BY meetings_body WHERE m.body_id = ?`

	publicCommentCols   = `id, meeting_id, item, author, author_issuer, name, stance, body, status, moderated_by, reason, moderated_at, submitted_at`
	insertPublicComment = `INSERT INTO public_comments (` + publicCommentCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'received', '', '', NULL, ?)`
	moderate            = `UPDATE public_comments SET status = ?, moderated_by = ?, reason = ?, moderated_at = ? WHERE id = ?
		RETURNING ` + publicCommentCols
	insertPublicModeration = `INSERT INTO comment_moderations (comment_id, seq, status, actor, reason, at)
		SELECT ?, ifnull(max(seq), 0) + 1, ?, ?, ?, ? FROM comment_moderations WHERE comment_id = ?`
	listModerations = `SELECT comment_id, status, actor, reason, at FROM comment_moderations WHERE comment_id = ? ORDER BY seq`

	signupCols   = `id, meeting_id, item, person, name, mode, created_at`
	insertSignup = `INSERT INTO speaker_signups (` + signupCols + `) VALUES (?, ?, ?, ?, ?, ?, ?)`
)

func publicCommentDest(c *adapters.PublicComment) []any {
	return []any{&c.ID, &c.MeetingID, &c.Item, &c.Author, &c.AuthorIssuer, &c.Name, (*string)(&c.Position), &c.Body,
		(*string)(&c.Status), &c.ModeratedBy, &c.Reason, nullTime{&c.ModeratedAt}, nullTime{&c.SubmittedAt}}
}

func meetingDest(m *adapters.Meeting) []any {
	return []any{&m.ID, &m.BodyID, &m.Title, nullTime{&m.StartsAt}, &m.Location, &m.RemoteURL, (*string)(&m.Mode),
		(*string)(&m.Status), &m.AgendaVersion, &m.Minutes, nullTime{&m.PublishedAt}, nullTime{&m.UpdatedAt}, &m.Version}
}

func signupDest(s *adapters.SpeakerSignup) []any {
	return []any{&s.ID, &s.MeetingID, &s.Item, &s.Person, &s.Name, (*string)(&s.Mode), nullTime{&s.CreatedAt}}
}

// scanMeeting reads selectMeeting's rows and closes them; no row is
// adapters.ErrNotFound.
func scanMeeting(rows *sql.Rows) (adapters.Meeting, error) {
	defer rows.Close()
	var m adapters.Meeting
	found := false
	for rows.Next() {
		var it adapters.AgendaItem
		var id sql.NullString
		var speakers sql.NullBool
		dest := append(meetingDest(&m), &id, nullString{&it.Title}, nullString{&it.Summary}, nullTime{&it.CommentDeadline}, &speakers)
		if err := rows.Scan(dest...); err != nil {
			return adapters.Meeting{}, err
		}
		found = true
		if id.Valid {
			it.MeetingID, it.ID, it.SpeakersAllowed = m.ID, id.String, speakers.Bool
			m.Items = append(m.Items, it)
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

// PutBody implements adapters.MeetingStore.
func (s *Store) PutBody(ctx context.Context, b adapters.Body) error {
	err := b.Validate()
	if err == nil {
		err = s.write(ctx, func(w *writer) error {
			_, err := w.exec(ctx, `INSERT INTO bodies (id, name, time_zone) VALUES (?, ?, ?)
				ON CONFLICT (id) DO UPDATE SET name = excluded.name, time_zone = excluded.time_zone`, b.ID, b.Name, b.TimeZone)
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("sqlite: put body %q: %w", b.ID, err)
	}
	return nil
}

func bodyDest(b *adapters.Body) []any { return []any{&b.ID, &b.Name, &b.TimeZone} }

// GetBody implements adapters.MeetingStore.
func (s *Store) GetBody(ctx context.Context, id string) (adapters.Body, error) {
	var b adapters.Body
	if err := s.readRow(ctx, `SELECT id, name, time_zone FROM bodies WHERE id = ?`, []any{id}, bodyDest(&b)...); err != nil {
		return adapters.Body{}, fmt.Errorf("sqlite: get body %q: %w", id, err)
	}
	return b, nil
}

// ListBodies implements adapters.MeetingStore.
func (s *Store) ListBodies(ctx context.Context) ([]adapters.Body, error) {
	bs, err := readRows(ctx, s, bodyDest, `SELECT id, name, time_zone FROM bodies ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list bodies: %w", err)
	}
	return bs, nil
}

// SaveMeeting implements adapters.MeetingStore.
func (s *Store) SaveMeeting(ctx context.Context, p adapters.SaveMeetingParams) (adapters.Meeting, error) {
	var out adapters.Meeting
	err := p.Validate()
	if err == nil {
		err = s.write(ctx, func(w *writer) error {
			var err error
			out, err = saveMeeting(ctx, w, p)
			return err
		})
	}
	if err != nil {
		return adapters.Meeting{}, fmt.Errorf("sqlite: save meeting %q: %w", p.Meeting.ID, err)
	}
	return out, nil
}

func saveMeeting(ctx context.Context, w *writer, p adapters.SaveMeetingParams) (adapters.Meeting, error) {
	m := p.Meeting
	row, err := w.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM bodies WHERE id = ?)`, m.BodyID)
	if err != nil {
		return adapters.Meeting{}, err
	}
	var body bool
	if err := row.Scan(&body); err != nil {
		return adapters.Meeting{}, err
	}
	if !body {
		return adapters.Meeting{}, fmt.Errorf("%w: body %q", adapters.ErrNotFound, m.BodyID)
	}
	if p.ExpectedVersion == 0 {
		if _, err := w.exec(ctx, insertMeeting, m.ID, m.BodyID, m.Title, timeArg(m.StartsAt), m.Location, m.RemoteURL,
			string(m.Mode), timeArg(p.At)); err != nil {
			return adapters.Meeting{}, err
		}
	} else {
		old, err := loadMeeting(ctx, w, m.ID)
		if err != nil {
			return adapters.Meeting{}, err
		}
		if old.Version != p.ExpectedVersion {
			return adapters.Meeting{}, fmt.Errorf("%w: meeting is at version %d, not %d", adapters.ErrConflict, old.Version, p.ExpectedVersion)
		}
		if old.Status == adapters.MeetingCancelled || old.Status == adapters.MeetingHeld {
			return adapters.Meeting{}, fmt.Errorf("%w: meeting is %s", adapters.ErrInvalidArgument, old.Status)
		}
		var status any
		if m.Status != "" {
			status = string(m.Status)
		}
		if _, err := w.exec(ctx, updateMeeting, m.BodyID, m.Title, timeArg(m.StartsAt), m.Location, m.RemoteURL, string(m.Mode),
			status, timeArg(p.At), m.ID, p.ExpectedVersion); err != nil {
			return adapters.Meeting{}, err
		}
		if _, err := w.exec(ctx, `DELETE FROM agenda_items WHERE meeting_id = ?`, m.ID); err != nil {
			return adapters.Meeting{}, err
		}
	}
	for i, it := range m.Items {
		if _, err := w.exec(ctx, insertAgendaItem, m.ID, i, it.ID, it.Title, it.Summary, timeArg(it.CommentDeadline), it.SpeakersAllowed); err != nil {
			return adapters.Meeting{}, err
		}
	}
	return loadMeeting(ctx, w, m.ID)
}

// loadMeeting reads a meeting in the writer's transaction.
func loadMeeting(ctx context.Context, w *writer, id string) (adapters.Meeting, error) {
	rows, err := w.query(ctx, selectMeeting, id)
	if err != nil {
		return adapters.Meeting{}, err
	}
	return scanMeeting(rows)
}

// guardedUpdate runs an update of a meeting guarded by its version and
// tells a missing meeting from a stale version.
func guardedUpdate(ctx context.Context, w *writer, id string, expected int64, query string, args ...any) error {
	n, err := w.execN(ctx, query, args...)
	if err != nil || n == 1 {
		return err
	}
	m, err := loadMeeting(ctx, w, id)
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: meeting is at version %d, not %d", adapters.ErrConflict, m.Version, expected)
}

// PublishAgenda implements adapters.MeetingStore.
func (s *Store) PublishAgenda(ctx context.Context, p adapters.PublishAgendaParams) (adapters.Meeting, error) {
	var out adapters.Meeting
	err := p.Validate()
	if err == nil {
		err = s.write(ctx, func(w *writer) error {
			m, err := loadMeeting(ctx, w, p.MeetingID)
			if err != nil {
				return err
			}
			if err := publishable(m, p.ExpectedVersion); err != nil {
				return err
			}
			if err := guardedUpdate(ctx, w, p.MeetingID, p.ExpectedVersion, publishMeeting,
				timeArg(p.At), timeArg(p.At), p.MeetingID, p.ExpectedVersion); err != nil {
				return err
			}
			// The path EnqueueMessages takes, so that what it does to
			// messages (addressing subscribers) it does here too.
			if err := insertMessages(ctx, w, "", p.Messages); err != nil {
				return err
			}
			out, err = loadMeeting(ctx, w, p.MeetingID)
			return err
		})
	}
	if err != nil {
		return adapters.Meeting{}, fmt.Errorf("sqlite: publish agenda of meeting %q: %w", p.MeetingID, err)
	}
	return out, nil
}

// publishable checks a meeting PublishAgenda is about to publish.
func publishable(m adapters.Meeting, expected int64) error {
	switch {
	case m.Version != expected:
		return fmt.Errorf("%w: meeting is at version %d, not %d", adapters.ErrConflict, m.Version, expected)
	case m.Status == adapters.MeetingCancelled || m.Status == adapters.MeetingHeld:
		return fmt.Errorf("%w: meeting is %s", adapters.ErrInvalidArgument, m.Status)
	case len(m.Items) == 0:
		return fmt.Errorf("%w: the agenda has no item", adapters.ErrInvalidArgument)
	}
	return nil
}

// GetMeeting implements adapters.MeetingStore.
func (s *Store) GetMeeting(ctx context.Context, id string) (adapters.Meeting, error) {
	m, err := s.getMeeting(ctx, id)
	if err != nil {
		return adapters.Meeting{}, fmt.Errorf("sqlite: get meeting %q: %w", id, err)
	}
	return m, nil
}

func (s *Store) getMeeting(ctx context.Context, id string) (adapters.Meeting, error) {
	if err := s.enter(ctx); err != nil {
		return adapters.Meeting{}, err
	}
	st, err := s.readStmt(ctx, selectMeeting)
	if err != nil {
		return adapters.Meeting{}, translate(ctx, err)
	}
	rows, err := st.QueryContext(ctx, id)
	if err != nil {
		return adapters.Meeting{}, translate(ctx, err)
	}
	m, err := scanMeeting(rows)
	return m, translate(ctx, err)
}

// keysetWhere appends the bounds of a keyset page over (key, id).
func keysetWhere(b *strings.Builder, args []any, keyCol, idCol string, pos adapters.CursorPosition) []any {
	if pos.ID == "" {
		return args
	}
	fmt.Fprintf(b, ` AND (%[1]s > ? OR (%[1]s = ? AND %[2]s > ?))`, keyCol, idCol)
	k := micros(pos.Key)
	return append(args, k, k, pos.ID)
}

// ListMeetings implements adapters.MeetingStore.
func (s *Store) ListMeetings(ctx context.Context, q adapters.MeetingQuery) (adapters.MeetingPage, error) {
	err := q.Validate()
	var ms []adapters.Meeting
	if err == nil {
		pos, _ := q.DecodeCursor()
		var b strings.Builder
		b.WriteString(listMeetingsFrom)
		args := []any{q.BodyID}
		if !q.From.IsZero() {
			b.WriteString(` AND m.starts_at >= ?`)
			args = append(args, micros(q.From))
		}
		if !q.To.IsZero() {
			b.WriteString(` AND m.starts_at < ?`)
			args = append(args, micros(q.To))
		}
		args = keysetWhere(&b, args, "m.starts_at", "m.id", pos)
		b.WriteString(` ORDER BY m.starts_at, m.id LIMIT ?`)
		args = append(args, q.PageSize()+1)
		ms, err = readRows(ctx, s, meetingDest, b.String(), args...)
	}
	if err != nil {
		return adapters.MeetingPage{}, fmt.Errorf("sqlite: list meetings of body %q: %w", q.BodyID, err)
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
		err = s.write(ctx, func(w *writer) error {
			m, err := loadMeeting(ctx, w, p.MeetingID)
			if err != nil {
				return err
			}
			if m.Version != p.ExpectedVersion {
				return fmt.Errorf("%w: meeting is at version %d, not %d", adapters.ErrConflict, m.Version, p.ExpectedVersion)
			}
			if m.Status != adapters.MeetingPublished && m.Status != adapters.MeetingHeld {
				return fmt.Errorf("%w: a %s meeting takes no minutes", adapters.ErrInvalidArgument, m.Status)
			}
			if err := guardedUpdate(ctx, w, p.MeetingID, p.ExpectedVersion, minutesMeeting,
				p.Minutes, timeArg(p.At), p.MeetingID, p.ExpectedVersion); err != nil {
				return err
			}
			out, err = loadMeeting(ctx, w, p.MeetingID)
			return err
		})
	}
	if err != nil {
		return adapters.Meeting{}, fmt.Errorf("sqlite: set minutes of meeting %q: %w", p.MeetingID, err)
	}
	return out, nil
}

// commentWindow checks, in the writer's transaction, that an item takes
// comment at a time.
func commentWindow(ctx context.Context, w *writer, meetingID, item string, at time.Time, speaking bool) error {
	m, err := loadMeeting(ctx, w, meetingID)
	if err != nil {
		return err
	}
	return adapters.CheckCommentWindow(m, item, at, speaking)
}

// AddPublicComment implements adapters.MeetingStore.
func (s *Store) AddPublicComment(ctx context.Context, c adapters.PublicComment) (adapters.PublicComment, error) {
	err := c.Validate()
	if err == nil {
		err = s.write(ctx, func(w *writer) error {
			if err := commentWindow(ctx, w, c.MeetingID, c.Item, c.SubmittedAt, false); err != nil {
				return err
			}
			_, err := w.exec(ctx, insertPublicComment, c.ID, c.MeetingID, c.Item, c.Author, c.AuthorIssuer, c.Name,
				string(c.Position), c.Body, timeArg(c.SubmittedAt))
			return err
		})
	}
	if err != nil {
		return adapters.PublicComment{}, fmt.Errorf("sqlite: add comment %q on item %q of meeting %q: %w", c.ID, c.Item, c.MeetingID, err)
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
		err = s.write(ctx, func(w *writer) error {
			row, err := w.queryRow(ctx, moderate, string(p.Status), p.Actor, p.Reason, timeArg(p.At), p.CommentID)
			if err != nil {
				return err
			}
			if err := row.Scan(publicCommentDest(&out)...); err != nil {
				return err
			}
			_, err = w.exec(ctx, insertPublicModeration, p.CommentID, string(p.Status), p.Actor, p.Reason, timeArg(p.At), p.CommentID)
			return err
		})
	}
	if err != nil {
		return adapters.PublicComment{}, fmt.Errorf("sqlite: moderate comment %q: %w", p.CommentID, err)
	}
	return out, nil
}

// ListPublicComments implements adapters.MeetingStore.
func (s *Store) ListPublicComments(ctx context.Context, q adapters.PublicCommentQuery) (adapters.PublicCommentPage, error) {
	err := q.Validate()
	var cs []adapters.PublicComment
	if err == nil {
		pos, _ := q.DecodeCursor()
		var b strings.Builder
		index := "public_comments_meeting"
		switch {
		case q.Item != "":
			index = "public_comments_item"
		case q.Status != "":
			index = "public_comments_status"
		}
		b.WriteString(`SELECT ` + publicCommentCols + ` FROM public_comments INDEXED BY ` + index + ` WHERE meeting_id = ?`)
		args := []any{q.MeetingID}
		if q.Item != "" {
			b.WriteString(` AND item = ?`)
			args = append(args, q.Item)
		}
		if q.Status != "" {
			b.WriteString(` AND status = ?`)
			args = append(args, string(q.Status))
		}
		args = keysetWhere(&b, args, "submitted_at", "id", pos)
		b.WriteString(` ORDER BY submitted_at, id LIMIT ?`)
		args = append(args, q.PageSize()+1)
		cs, err = readRows(ctx, s, publicCommentDest, b.String(), args...)
	}
	if err != nil {
		return adapters.PublicCommentPage{}, fmt.Errorf("sqlite: list comments of meeting %q: %w", q.MeetingID, err)
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
	ms, err := readRows(ctx, s, func(m *adapters.CommentModeration) []any {
		return []any{&m.CommentID, (*string)(&m.Status), &m.Actor, &m.Reason, nullTime{&m.At}}
	}, listModerations, commentID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list moderations of comment %q: %w", commentID, err)
	}
	return ms, nil
}

// SignUpToSpeak implements adapters.MeetingStore.
func (s *Store) SignUpToSpeak(ctx context.Context, su adapters.SpeakerSignup) error {
	err := su.Validate()
	if err == nil {
		err = s.write(ctx, func(w *writer) error {
			if err := commentWindow(ctx, w, su.MeetingID, su.Item, su.CreatedAt, true); err != nil {
				return err
			}
			_, err := w.exec(ctx, insertSignup, su.ID, su.MeetingID, su.Item, su.Person, su.Name, string(su.Mode), timeArg(su.CreatedAt))
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("sqlite: sign %q up to speak on item %q of meeting %q: %w", su.ID, su.Item, su.MeetingID, err)
	}
	return nil
}

// ListSpeakers implements adapters.MeetingStore.
func (s *Store) ListSpeakers(ctx context.Context, meetingID, item string) ([]adapters.SpeakerSignup, error) {
	query := `SELECT ` + signupCols + ` FROM speaker_signups INDEXED BY speaker_signups_meeting WHERE meeting_id = ? ORDER BY created_at, id LIMIT ?`
	args := []any{meetingID, adapters.MaxSpeakers}
	if item != "" {
		query = `SELECT ` + signupCols + ` FROM speaker_signups INDEXED BY speaker_signups_item WHERE meeting_id = ? AND item = ? ORDER BY created_at, id LIMIT ?`
		args = []any{meetingID, item, adapters.MaxSpeakers}
	}
	ss, err := readRows(ctx, s, signupDest, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list speakers of meeting %q: %w", meetingID, err)
	}
	return ss, nil
}
