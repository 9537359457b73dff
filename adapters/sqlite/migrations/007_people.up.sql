-- People's preferences, their consents and their opt-outs. Times are
-- INTEGER microseconds since the Unix epoch in UTC. A person's channel
-- order and addresses are kept whole as JSON for reading back;
-- person_addresses indexes the addresses for FindPerson. Opt-outs belong to
-- a channel and an address, not to a person: a number opted out stays
-- opted out whoever it belongs to.
CREATE TABLE people (
	id          TEXT PRIMARY KEY,
	issuer      TEXT NOT NULL,
	locale      TEXT NOT NULL,
	time_zone   TEXT NOT NULL,
	channels    TEXT NOT NULL,
	addresses   TEXT NOT NULL,
	quiet_start INTEGER NOT NULL,
	quiet_end   INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
);

CREATE TABLE person_addresses (
	person_id  TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	channel    TEXT NOT NULL,
	address    TEXT NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (person_id, channel)
) WITHOUT ROWID;

-- FindPerson: the people at an address, latest preferences first.
CREATE INDEX person_addresses_find ON person_addresses (channel, address, updated_at DESC, person_id);

CREATE TABLE consents (
	seq     INTEGER PRIMARY KEY,
	channel TEXT NOT NULL,
	address TEXT NOT NULL,
	person  TEXT NOT NULL,
	via     TEXT NOT NULL,
	words   TEXT NOT NULL,
	at      INTEGER NOT NULL
);

-- Reach: whether an address consented.
CREATE INDEX consents_address ON consents (channel, address);

-- The current opt-out state of each address that ever changed.
CREATE TABLE opt_outs (
	channel         TEXT NOT NULL,
	address         TEXT NOT NULL,
	opted_out       INTEGER NOT NULL,
	at              INTEGER NOT NULL,
	confirmation_id TEXT NOT NULL,
	PRIMARY KEY (channel, address)
) WITHOUT ROWID;

-- Every change of state, in the order recorded (seq).
CREATE TABLE opt_out_changes (
	seq             INTEGER PRIMARY KEY,
	channel         TEXT NOT NULL,
	address         TEXT NOT NULL,
	opted_out       INTEGER NOT NULL,
	via             TEXT NOT NULL,
	words           TEXT NOT NULL,
	at              INTEGER NOT NULL,
	confirmation_id TEXT NOT NULL
);

-- ListOptOutChanges: an address's history, oldest first.
CREATE INDEX opt_out_changes_address ON opt_out_changes (channel, address, at, seq);
