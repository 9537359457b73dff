-- civickit store, version 1. Every object is created in the schema the
-- store was configured with: the runner sets search_path to it.
--
-- Ids, names and tokens use the "C" collation so that keyset pagination
-- orders them bytewise, as Go compares strings, whatever the database's
-- default collation is.

CREATE TABLE cases (
	id                 text COLLATE "C" PRIMARY KEY,
	type               text NOT NULL,
	definition_version integer NOT NULL,
	state              text NOT NULL,
	version            bigint NOT NULL,
	submitter          text NOT NULL,
	team               text NOT NULL,
	assignee           text NOT NULL,
	channel            text NOT NULL,
	due                timestamptz,
	data               jsonb,
	created_at         timestamptz NOT NULL,
	updated_at         timestamptz NOT NULL,
	closed_at          timestamptz
);

-- Listings in (created_at, id) order, alone or by one equality filter:
-- keyset pages walk one index range whatever the table size.
CREATE INDEX cases_created_idx ON cases (created_at, id);
CREATE INDEX cases_type_created_idx ON cases (type, created_at, id);
CREATE INDEX cases_state_created_idx ON cases (state, created_at, id);
CREATE INDEX cases_team_created_idx ON cases (team, created_at, id);
CREATE INDEX cases_assignee_created_idx ON cases (assignee, created_at, id) WHERE assignee <> '';
CREATE INDEX cases_submitter_created_idx ON cases (submitter, created_at, id) WHERE submitter <> '';

-- Work queues in (due, id) order hold only cases with a due time.
CREATE INDEX cases_due_idx ON cases (due, id) WHERE due IS NOT NULL;
CREATE INDEX cases_state_due_idx ON cases (state, due, id) WHERE due IS NOT NULL;
CREATE INDEX cases_team_due_idx ON cases (team, due, id) WHERE due IS NOT NULL;
CREATE INDEX cases_assignee_due_idx ON cases (assignee, due, id) WHERE due IS NOT NULL AND assignee <> '';

CREATE TABLE events (
	case_id    text COLLATE "C" NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	seq        bigint NOT NULL,
	kind       text NOT NULL,
	from_state text NOT NULL,
	to_state   text NOT NULL,
	trigger    text NOT NULL,
	actor      text NOT NULL,
	at         timestamptz NOT NULL,
	comment    text NOT NULL,
	payload    jsonb,
	PRIMARY KEY (case_id, seq)
);

CREATE TABLE submissions (
	id           text COLLATE "C" PRIMARY KEY,
	case_id      text COLLATE "C" NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	form_id      text NOT NULL,
	form_version integer NOT NULL,
	form_hash    text NOT NULL,
	data         jsonb,
	submitter    text NOT NULL,
	channel      text NOT NULL,
	submitted_at timestamptz
);
CREATE INDEX submissions_case_idx ON submissions (case_id, submitted_at, id);

-- The outbox. seq keeps creation order as the tie breaker of claims;
-- ready_at is next_attempt_at with "at once" as -infinity, so that the
-- claim query is one range scan of the partial index of pending messages.
CREATE TABLE messages (
	seq              bigint GENERATED ALWAYS AS IDENTITY,
	id               text COLLATE "C" PRIMARY KEY,
	case_id          text COLLATE "C" NOT NULL,
	channel          text NOT NULL,
	recipient        text NOT NULL,
	template         text NOT NULL,
	locale           text NOT NULL,
	data             jsonb,
	idempotency_key  text COLLATE "C" NOT NULL CONSTRAINT messages_idempotency_key_key UNIQUE,
	status           text NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
	attempts         integer NOT NULL DEFAULT 0,
	next_attempt_at  timestamptz,
	ready_at         timestamptz NOT NULL GENERATED ALWAYS AS (coalesce(next_attempt_at, '-infinity'::timestamptz)) STORED,
	last_error       text NOT NULL DEFAULT '',
	lease_owner      text NOT NULL DEFAULT '',
	lease_expires_at timestamptz,
	created_at       timestamptz NOT NULL,
	sent_at          timestamptz
);
CREATE INDEX messages_pending_idx ON messages (ready_at, seq) WHERE status = 'pending';
CREATE INDEX messages_case_idx ON messages (case_id, created_at, id) WHERE case_id <> '';

-- Timers are deleted once fired, so every row is waiting: the due index
-- is the queue.
CREATE TABLE timers (
	case_id          text COLLATE "C" NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	name             text COLLATE "C" NOT NULL,
	due_at           timestamptz NOT NULL,
	trigger          text NOT NULL,
	lease_owner      text NOT NULL DEFAULT '',
	lease_expires_at timestamptz,
	PRIMARY KEY (case_id, name)
);
CREATE INDEX timers_due_idx ON timers (due_at, case_id, name);

-- Request idempotency keys of CreateCase and ApplyTransition, with the
-- first result of a transition for replays.
CREATE TABLE requests (
	key         text COLLATE "C" PRIMARY KEY,
	case_id     text COLLATE "C" NOT NULL,
	fingerprint text NOT NULL,
	result      json
);

CREATE TABLE drafts (
	token_hash   text COLLATE "C" PRIMARY KEY,
	form_id      text NOT NULL,
	form_version integer NOT NULL,
	subject      text NOT NULL,
	step         text NOT NULL,
	data         jsonb,
	created_at   timestamptz NOT NULL,
	updated_at   timestamptz NOT NULL,
	expires_at   timestamptz NOT NULL
);
CREATE INDEX drafts_subject_idx ON drafts (subject, updated_at DESC, token_hash) WHERE subject <> '';
CREATE INDEX drafts_expires_idx ON drafts (expires_at);
