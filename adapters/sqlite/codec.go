package sqlite

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/civickit/civickit/adapters"
)

// Times are stored as INTEGER microseconds since the Unix epoch, in UTC;
// the zero time (not set) is NULL.

// timeArg is t as a column value.
func timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return adapters.StoredTime(t).UnixMicro()
}

// micros is t as a bound for comparisons. The zero time counts as year 1,
// as it does in Go.
func micros(t time.Time) int64 {
	return adapters.StoredTime(t).UnixMicro()
}

// nullTime reads a time column.
type nullTime struct{ t *time.Time }

func (n nullTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*n.t = time.Time{}
	case int64:
		*n.t = time.UnixMicro(v).UTC()
	default:
		return fmt.Errorf("time column holds %T", v)
	}
	return nil
}

// jsonArg is a JSON document as a column value: TEXT, so that SQLite's
// JSON functions read it (they take a BLOB for JSONB); nil stays NULL.
func jsonArg(b json.RawMessage) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// nullJSON reads a JSON column into a fresh slice.
type nullJSON struct{ b *json.RawMessage }

func (n nullJSON) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*n.b = nil
	case []byte:
		*n.b = bytes.Clone(v)
	case string:
		*n.b = json.RawMessage(v)
	default:
		return fmt.Errorf("JSON column holds %T", v)
	}
	return nil
}

func cloneJSON(b json.RawMessage) json.RawMessage {
	if b == nil {
		return nil
	}
	return bytes.Clone(b)
}

// caseCols are the columns scanCase reads, in its order.
const caseCols = `id, type, definition_version, state, version, submitter, team, assignee, channel, due, data, created_at, updated_at, closed_at, submitter_issuer`

func caseDest(c *adapters.Case) []any {
	return []any{&c.ID, &c.Type, &c.DefinitionVersion, &c.State, &c.Version, &c.Submitter, &c.Team, &c.Assignee,
		&c.Channel, nullTime{&c.Due}, nullJSON{&c.Data}, nullTime{&c.CreatedAt}, nullTime{&c.UpdatedAt}, nullTime{&c.ClosedAt}, &c.SubmitterIssuer}
}

func caseArgs(c *adapters.Case) []any {
	return []any{c.ID, c.Type, c.DefinitionVersion, c.State, c.Version, c.Submitter, c.Team, c.Assignee,
		c.Channel, timeArg(c.Due), jsonArg(c.Data), timeArg(c.CreatedAt), timeArg(c.UpdatedAt), timeArg(c.ClosedAt), c.SubmitterIssuer}
}

const eventCols = `case_id, seq, kind, from_state, to_state, trigger_name, actor, at, comment, payload`

func eventDest(e *adapters.Event) []any {
	return []any{&e.CaseID, &e.Seq, &e.Kind, &e.FromState, &e.ToState, &e.Trigger, &e.Actor, nullTime{&e.At}, &e.Comment, nullJSON{&e.Payload}}
}

const submissionCols = `id, case_id, form_id, form_version, form_hash, data, submitter, channel, submitted_at, submitter_issuer, files`

func submissionDest(s *adapters.Submission) []any {
	return []any{&s.ID, &s.CaseID, &s.FormID, &s.FormVersion, &s.FormHash, nullJSON{&s.Data}, &s.Submitter, &s.Channel, nullTime{&s.SubmittedAt}, &s.SubmitterIssuer, nullFiles{&s.Files}}
}

// filesArg is a submission's files as a column value: a JSON array, or
// NULL for none.
func filesArg(files []adapters.FileRef) (any, error) {
	b, err := adapters.MarshalFiles(files)
	if b == nil || err != nil {
		return nil, err
	}
	return string(b), nil
}

// nullFiles reads a submission's files column.
type nullFiles struct{ files *[]adapters.FileRef }

func (n nullFiles) Scan(v any) error {
	var b []byte
	switch v := v.(type) {
	case nil:
		*n.files = nil
		return nil
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return fmt.Errorf("files column holds %T", v)
	}
	files, err := adapters.UnmarshalFiles(b)
	if err != nil {
		return fmt.Errorf("files column: %w", err)
	}
	*n.files = files
	return nil
}

const attachmentCols = `id, field, name, type, size, sha256, case_id, submission_id, owner, owner_issuer, status, reason, blob_key, sealed, public_key, created_at, updated_at`

func attachmentDest(a *adapters.Attachment) []any {
	return []any{&a.ID, &a.Field, &a.Name, &a.Type, &a.Size, &a.SHA256, nullString{&a.CaseID}, nullString{&a.SubmissionID},
		&a.Owner, &a.OwnerIssuer, (*string)(&a.Status), &a.Reason, &a.Key, &a.Sealed, &a.PublicKey, nullTime{&a.CreatedAt}, nullTime{&a.UpdatedAt}}
}

// nullString reads a nullable text column; NULL is the empty string.
type nullString struct{ s *string }

func (n nullString) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*n.s = ""
	case string:
		*n.s = v
	case []byte:
		*n.s = string(v)
	default:
		return fmt.Errorf("text column holds %T", v)
	}
	return nil
}

const messageCols = `id, case_id, channel, recipient, template, locale, data, idempotency_key, status, attempts, next_attempt_at, last_error, lease_owner, lease_expires_at, created_at, sent_at, provider_id, via, address`

func messageDest(m *adapters.Message) []any {
	return []any{&m.ID, &m.CaseID, &m.Channel, &m.Recipient, &m.Template, &m.Locale, nullJSON{&m.Data}, &m.IdempotencyKey,
		(*string)(&m.Status), &m.Attempts, nullTime{&m.NextAttemptAt}, &m.LastError, &m.LeaseOwner, nullTime{&m.LeaseExpiresAt},
		nullTime{&m.CreatedAt}, nullTime{&m.SentAt}, &m.ProviderID, &m.Via, &m.Address}
}

const timerCols = `case_id, name, due_at, trigger_name, lease_owner, lease_expires_at`

func timerDest(t *adapters.Timer) []any {
	return []any{&t.CaseID, &t.Name, nullTime{&t.DueAt}, &t.Trigger, &t.LeaseOwner, nullTime{&t.LeaseExpiresAt}}
}

const draftCols = `token_hash, form_id, form_version, subject, step, data, created_at, updated_at, expires_at, subject_issuer`

func draftDest(d *adapters.Draft) []any {
	return []any{&d.TokenHash, &d.FormID, &d.FormVersion, &d.Subject, &d.Step, nullJSON{&d.Data}, nullTime{&d.CreatedAt}, nullTime{&d.UpdatedAt}, nullTime{&d.ExpiresAt}, &d.SubjectIssuer}
}

// scanAll reads every row with dest, a function giving the destinations of
// a fresh record, and closes rows.
func scanAll[T any](rows *sql.Rows, dest func(*T) []any) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(dest(&v)...); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
