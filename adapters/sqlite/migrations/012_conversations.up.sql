-- Text conversations (a form answered one message at a time) and the
-- review queue of replies no case was found for. Times are INTEGER
-- microseconds since the Unix epoch in UTC; NULL is not set.
CREATE TABLE conversations (
	channel      TEXT NOT NULL,
	address      TEXT NOT NULL,
	form_id      TEXT NOT NULL,
	form_version INTEGER NOT NULL,
	locale       TEXT NOT NULL,
	-- Opaque to the store, possibly sealed: kept byte for byte.
	state        BLOB,
	version      INTEGER NOT NULL,
	started_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	reminded_at  INTEGER,
	PRIMARY KEY (channel, address)
);
-- ListQuietConversations: the unreminded ones, oldest answer first.
CREATE INDEX conversations_quiet ON conversations (updated_at, channel, address) WHERE reminded_at IS NULL;
-- DeleteExpiredConversations.
CREATE INDEX conversations_expiry ON conversations (expires_at);

CREATE TABLE held_replies (
	id          TEXT PRIMARY KEY,
	channel     TEXT NOT NULL,
	sender      TEXT NOT NULL,
	recipient   TEXT NOT NULL,
	subject     TEXT NOT NULL,
	body        TEXT NOT NULL,
	in_reply_to TEXT NOT NULL,
	provider_id TEXT NOT NULL,
	received_at INTEGER,
	reason      TEXT NOT NULL,
	held_at     INTEGER NOT NULL,
	resolved_at INTEGER,
	case_id     TEXT NOT NULL DEFAULT '',
	resolved_by TEXT NOT NULL DEFAULT '',
	note        TEXT NOT NULL DEFAULT ''
);
-- ListHeldReplies: waiting or resolved, of every channel or of one, by
-- HeldAt then id.
CREATE INDEX held_replies_waiting ON held_replies (held_at, id) WHERE resolved_at IS NULL;
CREATE INDEX held_replies_waiting_channel ON held_replies (channel, held_at, id) WHERE resolved_at IS NULL;
CREATE INDEX held_replies_resolved ON held_replies (held_at, id) WHERE resolved_at IS NOT NULL;
CREATE INDEX held_replies_resolved_channel ON held_replies (channel, held_at, id) WHERE resolved_at IS NOT NULL;
