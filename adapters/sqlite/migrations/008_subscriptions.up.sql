-- Who follows which topic, and the official updates posted to topics.
-- Times are INTEGER microseconds since the Unix epoch in UTC.

-- The primary key serves ListSubscribers (a topic's subscribers by person)
-- and the expansion of messages addressed to a topic's subscribers.
CREATE TABLE subscriptions (
	topic      TEXT NOT NULL,
	person     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (topic, person)
) WITHOUT ROWID;

-- ListSubscriptions: a person's topics in order.
CREATE INDEX subscriptions_person ON subscriptions (person, topic);

CREATE TABLE updates (
	id            TEXT PRIMARY KEY,
	topic         TEXT NOT NULL,
	author        TEXT NOT NULL,
	author_issuer TEXT NOT NULL,
	title         TEXT NOT NULL,
	body          TEXT NOT NULL,
	created_at    INTEGER NOT NULL
);

-- ListUpdates: a topic's updates, newest first (scanned backwards).
CREATE INDEX updates_topic ON updates (topic, created_at, id);
