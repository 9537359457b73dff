package postgres

import (
	"fmt"
	"strings"

	"github.com/civickit/civickit/adapters"
)

// statements is the SQL of a store, qualified with its schema once in New
// so that pgx prepares and caches each text per connection.
type statements struct {
	createCase                             string
	applyTransition                        [32]string
	claimRequest, readRequest, saveResult  string
	deleteExpiredRequests                  string
	getCase, listEvents                    string
	getSubmission, listSubmissions         string
	enqueue, claimMessages, markMessage    string
	markMessages, recordReceipt            string // see delivery.go
	getMessage, listMessages               string
	claimTimers, completeTimer, listTimers string
	timerExists                            string
	saveDraft, getDraft, listDrafts        string
	deleteDraft, deleteExpiredDrafts       string
	listCasesFrom, countCasesFrom, stats   string

	putAttachment, getAttachment, linkAttachments, attachmentCases string
	updateAttachment, deleteAttachment, listAttachments            string
	listAttachmentsByStatus, listOrphanAttachments                 string

	people        *peopleStatements      // see people.go
	subscriptions subscriptionStatements // see subscriptions.go
	comments      commentStatements      // see comments.go
	meetings      meetingStatements      // see meetings.go
	conversations conversationStatements // see conversations.go
}

const caseCols = `id, type, definition_version, state, version, submitter, team, assignee, channel, due, data, created_at, updated_at, closed_at, submitter_issuer`

const eventCols = `case_id, seq, kind, from_state, to_state, trigger, actor, at, comment, payload`

const subCols = `id, case_id, form_id, form_version, form_hash, data, submitter, channel, submitted_at, submitter_issuer, files`

// attachmentCols are the columns of an attachment, in scanAttachment's
// order; attachmentSelect reads them with an unlinked one's NULL case and
// submission as empty strings.
const (
	attachmentCols   = `id, field, name, type, size, sha256, case_id, submission_id, owner, owner_issuer, status, reason, blob_key, sealed, public_key, created_at, updated_at`
	attachmentSelect = `id, field, name, type, size, sha256, coalesce(case_id, ''), coalesce(submission_id, ''), owner, owner_issuer, status, reason, blob_key, sealed, public_key, created_at, updated_at`
)

const msgCols = `id, case_id, channel, recipient, template, locale, data, idempotency_key, status, attempts, next_attempt_at, last_error, lease_owner, lease_expires_at, created_at, sent_at, provider_id, via, address`

const timerCols = `case_id, name, due_at, trigger, lease_owner, lease_expires_at`

const draftCols = `token_hash, form_id, form_version, subject, step, data, created_at, updated_at, expires_at, subject_issuer`

// insertEvents appends events from the 8 arrays starting at parameter p,
// numbered base + 1, 2, ...; from is the FROM list that provides caseID
// and base.
func insertEvents(caseID, base, from string, p int) string {
	return fmt.Sprintf(`INSERT INTO {s}.events (`+eventCols+`)
		SELECT %[1]s, %[2]s + e.ord, e.kind, e.from_state, e.to_state, e.trigger, e.actor, e.at, e.comment, e.payload::jsonb
		FROM %[3]s unnest($%[4]d::text[], $%[5]d::text[], $%[6]d::text[], $%[7]d::text[], $%[8]d::text[], $%[9]d::timestamptz[], $%[10]d::text[], $%[11]d::text[])
			WITH ORDINALITY AS e (kind, from_state, to_state, trigger, actor, at, comment, payload, ord)`,
		caseID, base, from, p, p+1, p+2, p+3, p+4, p+5, p+6, p+7)
}

// insertMessages writes messages from the 9 arrays starting at parameter p.
func insertMessages(caseID, from string, p int) string {
	return fmt.Sprintf(`INSERT INTO {s}.messages (id, case_id, channel, recipient, template, locale, data, idempotency_key, status, next_attempt_at, created_at)
		SELECT m.id, %[1]s, m.channel, m.recipient, m.template, m.locale, m.data::jsonb, m.key, 'pending', m.next_attempt_at, m.created_at
		FROM %[2]s unnest($%[3]d::text[], $%[4]d::text[], $%[5]d::text[], $%[6]d::text[], $%[7]d::text[], $%[8]d::text[], $%[9]d::text[], $%[10]d::timestamptz[], $%[11]d::timestamptz[])
			AS m (id, channel, recipient, template, locale, data, key, next_attempt_at, created_at)`,
		caseID, from, p, p+1, p+2, p+3, p+4, p+5, p+6, p+7, p+8)
}

// insertEvent writes one event from the 8 plain parameters starting at p,
// in insertEvents' order.
func insertEvent(caseID, base, from string, p int) string {
	return fmt.Sprintf(`INSERT INTO {s}.events (`+eventCols+`)
		SELECT %[1]s, %[2]s + 1, $%[4]d::text, $%[5]d::text, $%[6]d::text, $%[7]d::text, $%[8]d::text, $%[9]d::timestamptz, $%[10]d::text, $%[11]d::jsonb
		FROM %[3]s`,
		caseID, base, from, p, p+1, p+2, p+3, p+4, p+5, p+6, p+7)
}

// insertMessage writes one message from the 9 plain parameters starting
// at p, in insertMessages' order.
func insertMessage(caseID, from string, p int) string {
	return fmt.Sprintf(`INSERT INTO {s}.messages (id, case_id, channel, recipient, template, locale, data, idempotency_key, status, next_attempt_at, created_at)
		SELECT $%[3]d::text, %[1]s, $%[4]d::text, $%[5]d::text, $%[6]d::text, $%[7]d::text, $%[8]d::jsonb, $%[9]d::text, 'pending', $%[10]d::timestamptz, $%[11]d::timestamptz
		FROM %[2]s`,
		caseID, from, p, p+1, p+2, p+3, p+4, p+5, p+6, p+7, p+8)
}

// timerRows is the FROM item of the 3 timer arrays starting at p.
func timerRows(p int) string {
	return fmt.Sprintf(`unnest($%d::text[], $%d::timestamptz[], $%d::text[]) AS t (name, due_at, trigger)`, p, p+1, p+2)
}

func newStatements(schema string) *statements {
	var st statements
	st.createCase = `WITH c AS (
		INSERT INTO {s}.cases (` + caseCols + `, last_seq)
		VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13, $42, cardinality($22::text[]))
		RETURNING ` + caseCols + `
	), sub AS (
		INSERT INTO {s}.submissions (` + subCols + `)
		SELECT $14, $1, $15, $16, $17, $18::jsonb, $19, $20, $21, $43, $44::jsonb WHERE $14::text <> ''
	), ev AS (
		` + insertEvents("$1", "0", "", 22) + `
	), msg AS (
		` + insertMessages("$1", "", 30) + `
	), tm AS (
		INSERT INTO {s}.timers (case_id, name, due_at, trigger)
		SELECT $1, t.name, t.due_at, t.trigger FROM ` + timerRows(39) + `
	)
	SELECT ` + caseCols + ` FROM c`

	for i := range st.applyTransition {
		st.applyTransition[i] = transitionSQL(i&hasMessages != 0, i&hasSetTimers != 0, i&hasCancelTimers != 0, i&oneRow != 0, i&hasAddressed != 0)
	}

	st.claimRequest = `INSERT INTO {s}.requests (key, case_id, fingerprint, used_at) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING`
	// SKIP LOCKED: a key a running write has just claimed is left to it.
	st.deleteExpiredRequests = `DELETE FROM {s}.requests WHERE key IN (
		SELECT key FROM {s}.requests WHERE used_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`
	st.readRequest = `SELECT case_id, fingerprint, result FROM {s}.requests WHERE key = $1`
	st.saveResult = `UPDATE {s}.requests SET result = $2 WHERE key = $1`

	st.getCase = `SELECT ` + caseCols + ` FROM {s}.cases WHERE id = $1`
	st.listEvents = `SELECT ` + eventCols + ` FROM {s}.events WHERE case_id = $1 ORDER BY seq`
	st.getSubmission = `SELECT ` + subCols + ` FROM {s}.submissions WHERE id = $1`
	st.listSubmissions = `SELECT ` + subCols + ` FROM {s}.submissions WHERE case_id = $1 ORDER BY submitted_at NULLS FIRST, id`

	st.enqueue = `INSERT INTO {s}.messages (id, case_id, channel, recipient, template, locale, data, idempotency_key, status, next_attempt_at, created_at)
		SELECT m.id, m.case_id, m.channel, m.recipient, m.template, m.locale, m.data::jsonb, m.key, 'pending', m.next_attempt_at, m.created_at
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::text[])
			AS m (id, channel, recipient, template, locale, data, key, next_attempt_at, created_at, case_id)`

	// The claim joins the locked rows back by ctid, not id: a TID scan
	// instead of a primary key probe per row. A locked row keeps its
	// ctid until the statement ends; a row updated by a commit after
	// this statement's snapshot is not found by ctid and is simply left
	// for the next claim.
	st.claimMessages = `WITH due AS (
		SELECT ctid FROM {s}.messages
		WHERE status = 'pending' AND ready_at <= $1 AND (lease_owner = '' OR lease_expires_at <= $1)
		ORDER BY ready_at, seq
		LIMIT $2
		FOR UPDATE SKIP LOCKED
	), claimed AS (
		UPDATE {s}.messages m SET lease_owner = $3, lease_expires_at = $4, attempts = m.attempts + 1
		FROM due WHERE m.ctid = due.ctid
		RETURNING m.ready_at, m.seq, ` + prefixed("m.", msgCols) + `
	)
	SELECT ` + msgCols + ` FROM claimed ORDER BY ready_at, seq`
	st.markMessage = `WITH marked AS (
		UPDATE {s}.messages SET
			status = $3, last_error = $4, lease_owner = '', lease_expires_at = NULL,
			sent_at = CASE WHEN $3 IN ('sent', 'delivered') THEN $5::timestamptz ELSE sent_at END,
			next_attempt_at = CASE WHEN $3 = 'pending' THEN $6::timestamptz ELSE next_attempt_at END,
			provider_id = $7, via = $8, address = $9, attempts = greatest(attempts - $10::integer, 0)
		WHERE id = $1 AND lease_owner = $2 AND status = 'pending'
		RETURNING 1
	)
	SELECT EXISTS (SELECT FROM marked), EXISTS (SELECT FROM {s}.messages WHERE id = $1)`
	st.markMessages, st.recordReceipt = markMessagesSQL, recordReceiptSQL
	st.getMessage = `SELECT ` + msgCols + ` FROM {s}.messages WHERE id = $1`
	st.listMessages = `SELECT ` + msgCols + ` FROM {s}.messages WHERE case_id = $1 AND case_id <> '' ORDER BY created_at, id`

	st.claimTimers = `WITH due AS (
		SELECT case_id, name FROM {s}.timers
		WHERE due_at <= $1 AND (lease_owner = '' OR lease_expires_at <= $1)
		ORDER BY due_at, case_id, name
		LIMIT $2
		FOR UPDATE SKIP LOCKED
	), claimed AS (
		UPDATE {s}.timers t SET lease_owner = $3, lease_expires_at = $4
		FROM due WHERE t.case_id = due.case_id AND t.name = due.name
		RETURNING ` + prefixed("t.", timerCols) + `
	)
	SELECT ` + timerCols + ` FROM claimed ORDER BY due_at, case_id, name`
	st.completeTimer = `WITH done AS (
		DELETE FROM {s}.timers WHERE case_id = $1 AND name = $2 AND lease_owner = $3 RETURNING 1
	)
	SELECT EXISTS (SELECT FROM done), EXISTS (SELECT FROM {s}.timers WHERE case_id = $1 AND name = $2)`
	st.timerExists = `SELECT EXISTS (SELECT FROM {s}.timers WHERE case_id = $1 AND name = $2)`
	st.listTimers = `SELECT ` + timerCols + ` FROM {s}.timers WHERE case_id = $1 ORDER BY name`

	st.saveDraft = `INSERT INTO {s}.drafts (` + draftCols + `) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10)
	ON CONFLICT (token_hash) DO UPDATE SET
		form_id = excluded.form_id, form_version = excluded.form_version, subject = excluded.subject, subject_issuer = excluded.subject_issuer,
		step = excluded.step, data = excluded.data, updated_at = excluded.updated_at, expires_at = excluded.expires_at`
	st.getDraft = `SELECT ` + draftCols + ` FROM {s}.drafts WHERE token_hash = $1 AND expires_at > $2`
	st.listDrafts = `SELECT ` + draftCols + ` FROM {s}.drafts WHERE subject = $1 AND subject <> '' AND expires_at > $2 ORDER BY updated_at DESC, token_hash`
	st.deleteDraft = `DELETE FROM {s}.drafts WHERE token_hash = $1`
	st.deleteExpiredDrafts = `DELETE FROM {s}.drafts WHERE expires_at <= $1`

	st.putAttachment = `INSERT INTO {s}.attachments (` + attachmentCols + `)
		VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, $7, $8, $9, $10, $11, $12, $13, $14, $15)`
	// The rows are locked in id order, so two calls linking overlapping
	// files never deadlock; a row another call linked meanwhile is
	// rechecked after its lock and left out.
	st.linkAttachments = `UPDATE {s}.attachments SET case_id = $1, submission_id = $2, updated_at = $3
		WHERE id IN (SELECT id FROM {s}.attachments WHERE id = ANY ($4::text[]) AND case_id IS NULL ORDER BY id FOR UPDATE)
		AND case_id IS NULL`
	st.attachmentCases = `SELECT id, coalesce(case_id, '') FROM {s}.attachments WHERE id = ANY ($1::text[])`
	st.getAttachment = `SELECT ` + attachmentSelect + ` FROM {s}.attachments WHERE id = $1`
	st.updateAttachment = `UPDATE {s}.attachments SET status = $2, reason = $3, public_key = $4, updated_at = $5 WHERE id = $1`
	st.deleteAttachment = `DELETE FROM {s}.attachments WHERE id = $1`
	st.listAttachments = `SELECT ` + attachmentSelect + ` FROM {s}.attachments WHERE case_id = $1 ORDER BY created_at, id`
	st.listAttachmentsByStatus = `SELECT ` + attachmentSelect + ` FROM {s}.attachments WHERE status = $1 ORDER BY created_at, id LIMIT $2`
	st.listOrphanAttachments = `SELECT ` + attachmentSelect + ` FROM {s}.attachments
		WHERE case_id IS NULL AND created_at < $1 ORDER BY created_at, id LIMIT $2`

	st.listCasesFrom = `SELECT ` + caseCols + ` FROM {s}.cases`
	st.countCasesFrom = `SELECT state, count(*) FROM {s}.cases`
	st.stats = statsSQL
	st.subscriptions = newSubscriptionStatements(&st)

	st.people = newPeopleStatements(schema)

	q := quoteIdent(schema)
	for i := range st.applyTransition {
		st.applyTransition[i] = strings.ReplaceAll(st.applyTransition[i], "{s}", q)
	}
	st.subscriptions.qualify(q)
	st.meetings = newMeetingStatements(q)
	st.conversations = newConversationStatements(q)
	for _, p := range []*string{
		&st.createCase, &st.claimRequest, &st.readRequest, &st.saveResult, &st.deleteExpiredRequests,
		&st.getCase, &st.listEvents, &st.getSubmission, &st.listSubmissions,
		&st.enqueue, &st.claimMessages, &st.markMessage, &st.getMessage, &st.listMessages,
		&st.markMessages, &st.recordReceipt,
		&st.claimTimers, &st.completeTimer, &st.listTimers, &st.timerExists,
		&st.saveDraft, &st.getDraft, &st.listDrafts, &st.deleteDraft, &st.deleteExpiredDrafts,
		&st.listCasesFrom, &st.countCasesFrom, &st.stats,
		&st.putAttachment, &st.getAttachment, &st.linkAttachments, &st.attachmentCases,
		&st.updateAttachment, &st.deleteAttachment, &st.listAttachments,
		&st.listAttachmentsByStatus, &st.listOrphanAttachments,
	} {
		*p = strings.ReplaceAll(*p, "{s}", q)
	}
	st.comments = newCommentStatements(q)
	return &st
}

func prefixed(prefix, cols string) string {
	return prefix + strings.ReplaceAll(cols, ", ", ", "+prefix)
}

// The parts of a transition that are left out of its statement when the
// transition has none: fewer tables to open and parameters to send.
const (
	hasMessages = 1 << iota
	hasSetTimers
	hasCancelTimers
	// oneRow: one event and at most one message, sent as plain
	// parameters rather than arrays, which the server unpacks more
	// slowly than it runs the rest of the statement.
	oneRow
	// hasAddressed: messages addressed to subscribers, expanded by the
	// statement (see expandMessages); hasMessages and oneRow count only
	// the other messages.
	hasAddressed
)

// transitionVariant is the index into statements.applyTransition.
func transitionVariant(p *adapters.TransitionParams) int {
	v := 0
	addressed := countAddressed(p.Messages)
	direct := len(p.Messages) - addressed
	if direct > 0 {
		v |= hasMessages
	}
	if addressed > 0 {
		v |= hasAddressed
	}
	if len(p.SetTimers) > 0 {
		v |= hasSetTimers
	}
	if len(p.CancelTimers) > 0 {
		v |= hasCancelTimers
	}
	if len(p.Events) == 1 && direct <= 1 {
		v |= oneRow
	}
	return v
}

// transitionSQL is one statement: the update guarded by the version, then
// everything else only if it matched. The second branch of the UNION
// returns the stored row when the version did not match, so no row at all
// means no such case. Parameters: $1 case id, $2 expected version, $3
// state, $4 time, $5..$11 the case update, $12..$19 the events, then the
// messages, set timers, cancelled timers and addressed messages that are
// present, in order.
func transitionSQL(msgs, set, cancel, one, addressed bool) string {
	events, messages := insertEvents("c.id", "last.seq", "c, last,", 12), insertMessages("c.id", "c,", 20)
	count := "cardinality($12::text[])"
	if one {
		events, messages = insertEvent("c.id", "last.seq", "c, last", 12), insertMessage("c.id", "c", 20)
		count = "1"
	}
	var b strings.Builder
	b.WriteString(`WITH c AS (
		UPDATE {s}.cases SET
			state = $3, version = version + 1, updated_at = $4::timestamptz,
			team = coalesce($5::text, team),
			assignee = coalesce($6::text, assignee),
			due = CASE WHEN $7::boolean THEN $8::timestamptz ELSE due END,
			data = CASE WHEN $9::boolean THEN $10::jsonb ELSE data END,
			closed_at = CASE $11::boolean WHEN true THEN $4::timestamptz WHEN false THEN NULL ELSE closed_at END,
			last_seq = last_seq + ` + count + `
		WHERE id = $1 AND version = $2
		RETURNING ` + caseCols + `, last_seq
	), last AS (
		SELECT last_seq - ` + count + ` AS seq FROM c
	), ev AS (
		` + events + `
	)`)
	p := 20
	if msgs {
		b.WriteString(`, msg AS (
		` + messages + `
	)`)
		p += 9
	}
	cancelParam := p
	if set {
		cancelParam = p + 3
	}
	if set {
		b.WriteString(`, st AS (
		INSERT INTO {s}.timers (case_id, name, due_at, trigger)
		SELECT c.id, t.name, t.due_at, t.trigger FROM c, ` + timerRows(p) + `
		`)
		if cancel {
			fmt.Fprintf(&b, "WHERE t.name <> ALL ($%d::text[])\n", cancelParam)
		}
		b.WriteString(`ON CONFLICT (case_id, name) DO UPDATE
		SET due_at = excluded.due_at, trigger = excluded.trigger, lease_owner = '', lease_expires_at = NULL
	)`)
	}
	if cancel {
		fmt.Fprintf(&b, `, ct AS (
		DELETE FROM {s}.timers WHERE case_id IN (SELECT id FROM c) AND name = ANY ($%d::text[])
	)`, cancelParam)
	}
	if addressed {
		next := p
		if set {
			next += 3
		}
		if cancel {
			next++
		}
		b.WriteString(`, xm AS (
		` + expandMessages("c.id", "c,", next, false) + `
	)`)
	}
	b.WriteString(`
	SELECT true, ` + caseCols + `, (SELECT seq FROM last) FROM c
	UNION ALL
	SELECT false, ` + caseCols + `, 0 FROM {s}.cases WHERE id = $1 AND NOT EXISTS (SELECT FROM c)`)
	return b.String()
}
