-- civickit store, version 12: text conversations (a form answered one
-- message at a time) and the review queue of replies no case was found
-- for. Keys are COLLATE "C" so that listings order them byte by byte, as
-- every store does.

CREATE TABLE conversations (
	channel      text COLLATE "C" NOT NULL,
	address      text COLLATE "C" NOT NULL,
	form_id      text NOT NULL,
	form_version integer NOT NULL,
	locale       text NOT NULL,
	-- Opaque to the store, possibly sealed: kept byte for byte.
	state        bytea,
	version      bigint NOT NULL,
	started_at   timestamptz NOT NULL,
	updated_at   timestamptz NOT NULL,
	expires_at   timestamptz NOT NULL,
	reminded_at  timestamptz,
	PRIMARY KEY (channel, address)
);
-- ListQuietConversations: the unreminded ones, oldest answer first.
CREATE INDEX conversations_quiet_idx ON conversations (updated_at, channel, address) WHERE reminded_at IS NULL;
-- DeleteExpiredConversations.
CREATE INDEX conversations_expiry_idx ON conversations (expires_at);

CREATE TABLE held_replies (
	id          text COLLATE "C" PRIMARY KEY,
	channel     text COLLATE "C" NOT NULL,
	sender      text NOT NULL,
	recipient   text NOT NULL,
	subject     text NOT NULL,
	body        text NOT NULL,
	in_reply_to text NOT NULL,
	provider_id text NOT NULL,
	received_at timestamptz,
	reason      text NOT NULL,
	held_at     timestamptz NOT NULL,
	resolved_at timestamptz,
	case_id     text NOT NULL DEFAULT '',
	resolved_by text NOT NULL DEFAULT '',
	note        text NOT NULL DEFAULT ''
);
-- ListHeldReplies: waiting or resolved, of every channel or of one, by
-- held_at then id.
CREATE INDEX held_replies_waiting_idx ON held_replies (held_at, id) WHERE resolved_at IS NULL;
CREATE INDEX held_replies_waiting_channel_idx ON held_replies (channel, held_at, id) WHERE resolved_at IS NULL;
CREATE INDEX held_replies_resolved_idx ON held_replies (held_at, id) WHERE resolved_at IS NOT NULL;
CREATE INDEX held_replies_resolved_channel_idx ON held_replies (channel, held_at, id) WHERE resolved_at IS NOT NULL;
