-- Cases, their audit trails, submissions, the outbox, timers, drafts and
-- request keys. Times are INTEGER microseconds since the Unix epoch in UTC;
-- NULL is "not set". JSON documents are TEXT kept byte for byte.

CREATE TABLE cases (
	id                 TEXT PRIMARY KEY,
	type               TEXT NOT NULL,
	definition_version INTEGER NOT NULL,
	state              TEXT NOT NULL,
	version            INTEGER NOT NULL,
	submitter          TEXT NOT NULL,
	team               TEXT NOT NULL,
	assignee           TEXT NOT NULL,
	channel            TEXT NOT NULL,
	due                INTEGER,
	data               TEXT,
	created_at         INTEGER NOT NULL,
	updated_at         INTEGER NOT NULL,
	closed_at          INTEGER,
	-- last_seq is the Seq of the case's last event, so that appending
	-- events needs no extra read.
	last_seq           INTEGER NOT NULL
);

-- ListCases in OrderOpened, unfiltered and by each equality filter.
CREATE INDEX cases_created ON cases (created_at, id);
CREATE INDEX cases_type_created ON cases (type, created_at, id);
CREATE INDEX cases_state_created ON cases (state, created_at, id);
CREATE INDEX cases_submitter_created ON cases (submitter, created_at, id);
CREATE INDEX cases_team_created ON cases (team, created_at, id);
CREATE INDEX cases_assignee_created ON cases (assignee, created_at, id);
-- ListCases in OrderDue (work queues): only cases with a due time.
CREATE INDEX cases_due ON cases (due, id) WHERE due IS NOT NULL;
CREATE INDEX cases_state_due ON cases (state, due, id) WHERE due IS NOT NULL;
CREATE INDEX cases_team_due ON cases (team, due, id) WHERE due IS NOT NULL;
CREATE INDEX cases_assignee_due ON cases (assignee, due, id) WHERE due IS NOT NULL;

CREATE TABLE events (
	case_id      TEXT NOT NULL REFERENCES cases (id),
	seq          INTEGER NOT NULL,
	kind         TEXT NOT NULL,
	from_state   TEXT NOT NULL,
	to_state     TEXT NOT NULL,
	trigger_name TEXT NOT NULL,
	actor        TEXT NOT NULL,
	at           INTEGER NOT NULL,
	comment      TEXT NOT NULL,
	payload      TEXT,
	PRIMARY KEY (case_id, seq)
) WITHOUT ROWID;

CREATE TABLE submissions (
	seq          INTEGER PRIMARY KEY,
	id           TEXT NOT NULL UNIQUE,
	case_id      TEXT NOT NULL REFERENCES cases (id),
	form_id      TEXT NOT NULL,
	form_version INTEGER NOT NULL,
	form_hash    TEXT NOT NULL,
	data         TEXT,
	submitter    TEXT NOT NULL,
	channel      TEXT NOT NULL,
	submitted_at INTEGER
);

CREATE INDEX submissions_case ON submissions (case_id, seq);

-- seq keeps creation order, the tie breaker of claims.
CREATE TABLE messages (
	seq              INTEGER PRIMARY KEY,
	id               TEXT NOT NULL UNIQUE,
	case_id          TEXT NOT NULL,
	channel          TEXT NOT NULL,
	recipient        TEXT NOT NULL,
	template         TEXT NOT NULL,
	locale           TEXT NOT NULL,
	data             TEXT,
	idempotency_key  TEXT NOT NULL UNIQUE,
	status           TEXT NOT NULL,
	attempts         INTEGER NOT NULL,
	next_attempt_at  INTEGER,
	last_error       TEXT NOT NULL,
	lease_owner      TEXT NOT NULL,
	lease_expires_at INTEGER,
	created_at       INTEGER NOT NULL,
	sent_at          INTEGER
);

CREATE INDEX messages_case ON messages (case_id, created_at, id);
-- Claims walk the pending messages in due order; a message with no next
-- attempt time is due at once and sorts first.
CREATE INDEX messages_claim ON messages (ifnull(next_attempt_at, -9223372036854775808), seq)
	WHERE status = 'pending';

CREATE TABLE timers (
	case_id          TEXT NOT NULL REFERENCES cases (id),
	name             TEXT NOT NULL,
	due_at           INTEGER NOT NULL,
	trigger_name     TEXT NOT NULL,
	lease_owner      TEXT NOT NULL,
	lease_expires_at INTEGER,
	PRIMARY KEY (case_id, name)
);

CREATE INDEX timers_claim ON timers (due_at, case_id, name);

CREATE TABLE drafts (
	token_hash   TEXT PRIMARY KEY,
	form_id      TEXT NOT NULL,
	form_version INTEGER NOT NULL,
	subject      TEXT NOT NULL,
	step         TEXT NOT NULL,
	data         TEXT,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL
);

CREATE INDEX drafts_subject ON drafts (subject, updated_at DESC, token_hash);
CREATE INDEX drafts_expires ON drafts (expires_at);

-- Request keys of CreateCase and ApplyTransition. A transition's row keeps
-- the case as the transition left it and the Seq range of the events it
-- appended (events never change), so a retry gets the first result back.
CREATE TABLE requests (
	key                TEXT PRIMARY KEY,
	case_id            TEXT NOT NULL,
	fingerprint        TEXT NOT NULL,
	type               TEXT,
	definition_version INTEGER,
	state              TEXT,
	version            INTEGER,
	submitter          TEXT,
	team               TEXT,
	assignee           TEXT,
	channel            TEXT,
	due                INTEGER,
	data               TEXT,
	created_at         INTEGER,
	updated_at         INTEGER,
	closed_at          INTEGER,
	first_seq          INTEGER,
	last_seq           INTEGER
);
