-- civickit store, version 11: public bodies, their meetings and agendas,
-- and the written comments and speaker signups residents send. Times are
-- instants; a body's time_zone is for display only.

CREATE TABLE bodies (
	id        text COLLATE "C" PRIMARY KEY,
	name      text NOT NULL,
	time_zone text NOT NULL
);

CREATE TABLE meetings (
	id             text COLLATE "C" PRIMARY KEY,
	body_id        text COLLATE "C" NOT NULL REFERENCES bodies (id),
	title          text NOT NULL,
	starts_at      timestamptz NOT NULL,
	location       text NOT NULL,
	remote_url     text NOT NULL,
	mode           text NOT NULL CHECK (mode IN ('in-person', 'remote', 'hybrid')),
	status         text NOT NULL CHECK (status IN ('draft', 'published', 'cancelled', 'held')),
	agenda_version integer NOT NULL,
	minutes        text NOT NULL,
	published_at   timestamptz,
	updated_at     timestamptz NOT NULL,
	version        bigint NOT NULL
);
-- ListMeetings: a body's meetings by start.
CREATE INDEX meetings_body_idx ON meetings (body_id, starts_at, id);

-- An agenda is replaced whole; ord keeps the order given.
CREATE TABLE agenda_items (
	meeting_id       text COLLATE "C" NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
	ord              integer NOT NULL,
	id               text COLLATE "C" NOT NULL,
	title            text NOT NULL,
	summary          text NOT NULL,
	comment_deadline timestamptz,
	speakers_allowed boolean NOT NULL,
	PRIMARY KEY (meeting_id, ord),
	UNIQUE (meeting_id, id)
);

-- Comments outlive a change of agenda that drops their item, so item is
-- not a reference.
CREATE TABLE public_comments (
	id            text COLLATE "C" PRIMARY KEY,
	meeting_id    text COLLATE "C" NOT NULL REFERENCES meetings (id),
	item          text COLLATE "C" NOT NULL,
	author        text NOT NULL,
	author_issuer text NOT NULL,
	name          text NOT NULL,
	stance        text NOT NULL CHECK (stance IN ('support', 'oppose', 'neutral')),
	body          text NOT NULL,
	status        text NOT NULL CHECK (status IN ('received', 'published', 'rejected')),
	moderated_by  text NOT NULL,
	reason        text NOT NULL,
	moderated_at  timestamptz,
	submitted_at  timestamptz NOT NULL
);
-- ListPublicComments: a meeting's comments, one item's, or one status's,
-- oldest first.
CREATE INDEX public_comments_meeting_idx ON public_comments (meeting_id, submitted_at, id);
CREATE INDEX public_comments_item_idx ON public_comments (meeting_id, item, submitted_at, id);
CREATE INDEX public_comments_status_idx ON public_comments (meeting_id, status, submitted_at, id);

CREATE TABLE comment_moderations (
	comment_id text COLLATE "C" NOT NULL REFERENCES public_comments (id),
	seq        integer NOT NULL,
	status     text NOT NULL,
	actor      text NOT NULL,
	reason     text NOT NULL,
	at         timestamptz NOT NULL,
	PRIMARY KEY (comment_id, seq)
);

-- One signup per person per item: the unique key settles racing signups.
CREATE TABLE speaker_signups (
	id         text COLLATE "C" PRIMARY KEY,
	meeting_id text COLLATE "C" NOT NULL REFERENCES meetings (id),
	item       text COLLATE "C" NOT NULL,
	person     text COLLATE "C" NOT NULL,
	name       text NOT NULL,
	mode       text NOT NULL CHECK (mode IN ('in-person', 'remote')),
	created_at timestamptz NOT NULL,
	UNIQUE (meeting_id, item, person)
);
-- ListSpeakers: a meeting's or an item's signups in the order received.
CREATE INDEX speaker_signups_meeting_idx ON speaker_signups (meeting_id, created_at, id);
CREATE INDEX speaker_signups_item_idx ON speaker_signups (meeting_id, item, created_at, id);
