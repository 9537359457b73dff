-- Public bodies, their meetings and agendas, and the written comments and
-- speaker signups residents send. Times are INTEGER microseconds since the
-- Unix epoch in UTC; a body's time_zone is for display only.
CREATE TABLE bodies (
	id        TEXT PRIMARY KEY,
	name      TEXT NOT NULL,
	time_zone TEXT NOT NULL
);

CREATE TABLE meetings (
	id             TEXT PRIMARY KEY,
	body_id        TEXT NOT NULL REFERENCES bodies (id),
	title          TEXT NOT NULL,
	starts_at      INTEGER NOT NULL,
	location       TEXT NOT NULL,
	remote_url     TEXT NOT NULL,
	mode           TEXT NOT NULL,
	status         TEXT NOT NULL,
	agenda_version INTEGER NOT NULL,
	minutes        TEXT NOT NULL,
	published_at   INTEGER,
	updated_at     INTEGER NOT NULL,
	version        INTEGER NOT NULL
);
-- ListMeetings: a body's meetings by start.
CREATE INDEX meetings_body ON meetings (body_id, starts_at, id);

-- An agenda is replaced whole; ord keeps the order given.
CREATE TABLE agenda_items (
	meeting_id       TEXT NOT NULL REFERENCES meetings (id),
	ord              INTEGER NOT NULL,
	id               TEXT NOT NULL,
	title            TEXT NOT NULL,
	summary          TEXT NOT NULL,
	comment_deadline INTEGER,
	speakers_allowed INTEGER NOT NULL,
	PRIMARY KEY (meeting_id, ord),
	UNIQUE (meeting_id, id)
);

-- Comments outlive a change of agenda that drops their item, so item is
-- not a reference.
CREATE TABLE public_comments (
	id            TEXT PRIMARY KEY,
	meeting_id    TEXT NOT NULL REFERENCES meetings (id),
	item          TEXT NOT NULL,
	author        TEXT NOT NULL,
	author_issuer TEXT NOT NULL,
	name          TEXT NOT NULL,
	stance        TEXT NOT NULL,
	body          TEXT NOT NULL,
	status        TEXT NOT NULL,
	moderated_by  TEXT NOT NULL,
	reason        TEXT NOT NULL,
	moderated_at  INTEGER,
	submitted_at  INTEGER NOT NULL
);
-- ListPublicComments: a meeting's comments, one item's, or one status's,
-- oldest first.
CREATE INDEX public_comments_meeting ON public_comments (meeting_id, submitted_at, id);
CREATE INDEX public_comments_item ON public_comments (meeting_id, item, submitted_at, id);
CREATE INDEX public_comments_status ON public_comments (meeting_id, status, submitted_at, id);

CREATE TABLE comment_moderations (
	comment_id TEXT NOT NULL REFERENCES public_comments (id),
	seq        INTEGER NOT NULL,
	status     TEXT NOT NULL,
	actor      TEXT NOT NULL,
	reason     TEXT NOT NULL,
	at         INTEGER NOT NULL,
	PRIMARY KEY (comment_id, seq)
);

-- One signup per person per item: the unique key settles racing signups.
CREATE TABLE speaker_signups (
	id         TEXT PRIMARY KEY,
	meeting_id TEXT NOT NULL REFERENCES meetings (id),
	item       TEXT NOT NULL,
	person     TEXT NOT NULL,
	name       TEXT NOT NULL,
	mode       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (meeting_id, item, person)
);
-- ListSpeakers: a meeting's or an item's signups in the order received.
CREATE INDEX speaker_signups_meeting ON speaker_signups (meeting_id, created_at, id);
CREATE INDEX speaker_signups_item ON speaker_signups (meeting_id, item, created_at, id);
