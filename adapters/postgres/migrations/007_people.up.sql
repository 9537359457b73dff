-- civickit store, version 7: people's preferences, their consents and
-- their opt-outs. A person's channel order and addresses are kept whole
-- for reading back; person_addresses indexes the addresses for FindPerson.
-- Opt-outs belong to a channel and an address, not to a person: a number
-- opted out stays opted out whoever it belongs to. opt_outs holds the
-- current state of each address that ever changed, opt_out_changes every
-- change in the order recorded (seq).

CREATE TABLE people (
	id          text COLLATE "C" PRIMARY KEY,
	issuer      text NOT NULL,
	locale      text NOT NULL,
	time_zone   text NOT NULL,
	channels    text[] NOT NULL,
	addresses   jsonb NOT NULL,
	quiet_start integer NOT NULL CHECK (quiet_start >= 0 AND quiet_start < 1440),
	quiet_end   integer NOT NULL CHECK (quiet_end >= 0 AND quiet_end < 1440),
	updated_at  timestamptz NOT NULL
);

CREATE TABLE person_addresses (
	person_id  text COLLATE "C" NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	channel    text COLLATE "C" NOT NULL,
	address    text COLLATE "C" NOT NULL,
	updated_at timestamptz NOT NULL,
	PRIMARY KEY (person_id, channel)
);
-- FindPerson: the people at an address, latest preferences first.
CREATE INDEX person_addresses_find_idx ON person_addresses (channel, address, updated_at DESC, person_id);

CREATE TABLE consents (
	seq     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	channel text COLLATE "C" NOT NULL,
	address text COLLATE "C" NOT NULL,
	person  text NOT NULL,
	via     text NOT NULL,
	words   text NOT NULL,
	at      timestamptz NOT NULL
);
-- Reach: whether an address consented.
CREATE INDEX consents_address_idx ON consents (channel, address);

CREATE TABLE opt_outs (
	channel         text COLLATE "C" NOT NULL,
	address         text COLLATE "C" NOT NULL,
	opted_out       boolean NOT NULL,
	at              timestamptz NOT NULL,
	confirmation_id text NOT NULL,
	PRIMARY KEY (channel, address)
);

CREATE TABLE opt_out_changes (
	seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	channel         text COLLATE "C" NOT NULL,
	address         text COLLATE "C" NOT NULL,
	opted_out       boolean NOT NULL,
	via             text NOT NULL,
	words           text NOT NULL,
	at              timestamptz NOT NULL,
	confirmation_id text NOT NULL
);
-- ListOptOutChanges: an address's history, oldest first.
CREATE INDEX opt_out_changes_address_idx ON opt_out_changes (channel, address, at, seq);
