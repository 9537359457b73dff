-- civickit store, version 8: who follows which topic, and the official
-- updates posted to topics.

-- The primary key serves ListSubscribers (a topic's subscribers by person)
-- and the expansion of messages addressed to a topic's subscribers.
CREATE TABLE subscriptions (
	topic      text COLLATE "C" NOT NULL,
	person     text COLLATE "C" NOT NULL,
	created_at timestamptz NOT NULL,
	PRIMARY KEY (topic, person)
);
-- ListSubscriptions: a person's topics in order.
CREATE INDEX subscriptions_person_idx ON subscriptions (person, topic);

CREATE TABLE updates (
	id            text COLLATE "C" PRIMARY KEY,
	topic         text COLLATE "C" NOT NULL,
	author        text NOT NULL,
	author_issuer text NOT NULL,
	title         text NOT NULL,
	body          text NOT NULL,
	created_at    timestamptz NOT NULL
);
-- ListUpdates: a topic's updates, newest first (scanned backwards).
CREATE INDEX updates_topic_idx ON updates (topic, created_at, id);
