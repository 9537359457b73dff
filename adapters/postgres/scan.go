package postgres

import (
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/civickit/civickit/adapters"
)

// ts is t as a timestamptz argument: stored precision, NULL when zero.
func ts(t time.Time) pgtype.Timestamptz {
	t = adapters.StoredTime(t)
	return pgtype.Timestamptz{Time: t, Valid: !t.IsZero()}
}

// fromTS is a scanned timestamptz as stores return times: UTC, zero for
// NULL.
func fromTS(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// jsonArg is a JSON document as a jsonb argument, NULL when empty.
func jsonArg(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return []byte(b)
}

// jsonText is a JSON document as an element of a text[] argument.
func jsonText(b json.RawMessage) pgtype.Text {
	return pgtype.Text{String: string(b), Valid: len(b) > 0}
}

func rawJSON(b []byte) json.RawMessage {
	if b == nil {
		return nil
	}
	return json.RawMessage(b)
}

// caseRow receives the columns of caseCols.
type caseRow struct {
	c                         adapters.Case
	due, created, updated, cl pgtype.Timestamptz
	data                      []byte
}

func (r *caseRow) dest() []any {
	c := &r.c
	return []any{&c.ID, &c.Type, &c.DefinitionVersion, &c.State, &c.Version, &c.Submitter, &c.Team,
		&c.Assignee, &c.Channel, &r.due, &r.data, &r.created, &r.updated, &r.cl, &c.SubmitterIssuer}
}

func (r *caseRow) value() adapters.Case {
	c := r.c
	c.Due, c.CreatedAt, c.UpdatedAt, c.ClosedAt = fromTS(r.due), fromTS(r.created), fromTS(r.updated), fromTS(r.cl)
	c.Data = rawJSON(r.data)
	return c
}

func scanCase(row pgx.Row) (adapters.Case, error) {
	var r caseRow
	if err := row.Scan(r.dest()...); err != nil {
		return adapters.Case{}, err
	}
	return r.value(), nil
}

func scanEvent(row pgx.Row) (adapters.Event, error) {
	var e adapters.Event
	var at pgtype.Timestamptz
	var payload []byte
	err := row.Scan(&e.CaseID, &e.Seq, &e.Kind, &e.FromState, &e.ToState, &e.Trigger, &e.Actor, &at, &e.Comment, &payload)
	e.At, e.Payload = fromTS(at), rawJSON(payload)
	return e, err
}

func scanSubmission(row pgx.Row) (adapters.Submission, error) {
	var s adapters.Submission
	var at pgtype.Timestamptz
	var data, files []byte
	err := row.Scan(&s.ID, &s.CaseID, &s.FormID, &s.FormVersion, &s.FormHash, &data, &s.Submitter, &s.Channel, &at, &s.SubmitterIssuer, &files)
	s.SubmittedAt, s.Data = fromTS(at), rawJSON(data)
	if err == nil {
		s.Files, err = adapters.UnmarshalFiles(files)
	}
	return s, err
}

// filesArg is a submission's files as a jsonb argument: an array in
// their order, NULL for none.
func filesArg(files []adapters.FileRef) (any, error) {
	b, err := adapters.MarshalFiles(files)
	if b == nil || err != nil {
		return nil, err
	}
	return b, nil
}

func scanAttachment(row pgx.Row) (adapters.Attachment, error) {
	var a adapters.Attachment
	var created, updated pgtype.Timestamptz
	var status string
	err := row.Scan(&a.ID, &a.Field, &a.Name, &a.Type, &a.Size, &a.SHA256, &a.CaseID, &a.SubmissionID, &a.Owner, &a.OwnerIssuer,
		&status, &a.Reason, &a.Key, &a.Sealed, &a.PublicKey, &created, &updated)
	a.Status, a.CreatedAt, a.UpdatedAt = adapters.AttachmentStatus(status), fromTS(created), fromTS(updated)
	return a, err
}

func scanMessage(row pgx.Row) (adapters.Message, error) {
	var m adapters.Message
	var next, lease, created, sent pgtype.Timestamptz
	var data []byte
	var status string
	err := row.Scan(&m.ID, &m.CaseID, &m.Channel, &m.Recipient, &m.Template, &m.Locale, &data,
		&m.IdempotencyKey, &status, &m.Attempts, &next, &m.LastError, &m.LeaseOwner, &lease, &created, &sent,
		&m.ProviderID, &m.Via, &m.Address)
	m.Data, m.Status = rawJSON(data), adapters.MessageStatus(status)
	m.NextAttemptAt, m.LeaseExpiresAt, m.CreatedAt, m.SentAt = fromTS(next), fromTS(lease), fromTS(created), fromTS(sent)
	return m, err
}

func scanTimer(row pgx.Row) (adapters.Timer, error) {
	var t adapters.Timer
	var due, lease pgtype.Timestamptz
	err := row.Scan(&t.CaseID, &t.Name, &due, &t.Trigger, &t.LeaseOwner, &lease)
	t.DueAt, t.LeaseExpiresAt = fromTS(due), fromTS(lease)
	return t, err
}

func scanDraft(row pgx.Row) (adapters.Draft, error) {
	var d adapters.Draft
	var created, updated, expires pgtype.Timestamptz
	var data []byte
	err := row.Scan(&d.TokenHash, &d.FormID, &d.FormVersion, &d.Subject, &d.Step, &data, &created, &updated, &expires, &d.SubjectIssuer)
	d.Data, d.CreatedAt, d.UpdatedAt, d.ExpiresAt = rawJSON(data), fromTS(created), fromTS(updated), fromTS(expires)
	return d, err
}

// eventArgs are the 8 arrays insertEvents reads.
func eventArgs(events []adapters.Event) []any {
	n := len(events)
	kind, from, to, trigger, actor, comment := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	at := make([]time.Time, n)
	payload := make([]pgtype.Text, n)
	for i, e := range events {
		kind[i], from[i], to[i], trigger[i], actor[i], comment[i] = e.Kind, e.FromState, e.ToState, e.Trigger, e.Actor, e.Comment
		at[i] = adapters.StoredTime(e.At)
		payload[i] = jsonText(e.Payload)
	}
	return []any{kind, from, to, trigger, actor, at, comment, payload}
}

// messageArgs are the 9 arrays insertMessages reads.
func messageArgs(msgs []adapters.Message) []any {
	n := len(msgs)
	id, channel, recipient, template, locale, key := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	data := make([]pgtype.Text, n)
	next, created := make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n)
	for i, m := range msgs {
		id[i], channel[i], recipient[i], template[i], locale[i], key[i] = m.ID, m.Channel, m.Recipient, m.Template, m.Locale, m.IdempotencyKey
		data[i] = jsonText(m.Data)
		next[i], created[i] = ts(m.NextAttemptAt), ts(m.CreatedAt)
	}
	return []any{id, channel, recipient, template, locale, data, key, next, created}
}

// timerArgs are the 3 arrays timerRows reads.
func timerArgs(timers []adapters.Timer) []any {
	n := len(timers)
	name, trigger := make([]string, n), make([]string, n)
	due := make([]time.Time, n)
	for i, t := range timers {
		name[i], trigger[i], due[i] = t.Name, t.Trigger, adapters.StoredTime(t.DueAt)
	}
	return []any{name, due, trigger}
}
