-- Comments on threads (cases, ideas, agenda items), the bodies their edits
-- replaced, their flags and the moderation audit trail. Times are INTEGER
-- microseconds since the Unix epoch in UTC; NULL is not set.
CREATE TABLE comments (
	id            TEXT PRIMARY KEY,
	thread        TEXT NOT NULL,
	visibility    TEXT NOT NULL,
	author        TEXT NOT NULL,
	author_issuer TEXT NOT NULL,
	author_name   TEXT NOT NULL,
	via           TEXT NOT NULL,
	provider_id   TEXT NOT NULL,
	body          TEXT NOT NULL,
	created_at    INTEGER NOT NULL,
	edited_at     INTEGER,
	revisions     INTEGER NOT NULL,
	deleted_at    INTEGER,
	deleted_by    TEXT NOT NULL,
	delete_reason TEXT NOT NULL,
	hidden_at     INTEGER,
	hidden_by     TEXT NOT NULL,
	hidden_reason TEXT NOT NULL,
	flags         INTEGER NOT NULL,
	flagged_at    INTEGER,
	version       INTEGER NOT NULL
);
-- ListComments: a thread's comments, oldest first; the residents' view
-- (public, shown, not deleted) has an index of its own.
CREATE INDEX comments_thread ON comments (thread, created_at, id);
CREATE INDEX comments_thread_public ON comments (thread, created_at, id)
	WHERE visibility = 'public' AND hidden_at IS NULL AND deleted_at IS NULL;
-- CountCommentsBy: an author's recent comments, for rate limits.
CREATE INDEX comments_author ON comments (author, author_issuer, created_at);
-- ListFlagged: the moderators' queue, oldest first.
CREATE INDEX comments_flagged ON comments (flagged_at, id) WHERE flagged_at IS NOT NULL;
-- AddComment: a redelivered reply is found by its channel's id for it.
CREATE UNIQUE INDEX comments_provider ON comments (via, provider_id) WHERE provider_id <> '';

CREATE TABLE comment_revisions (
	comment_id TEXT NOT NULL REFERENCES comments (id),
	revision   INTEGER NOT NULL,
	body       TEXT NOT NULL,
	edited_by  TEXT NOT NULL,
	edited_at  INTEGER NOT NULL,
	PRIMARY KEY (comment_id, revision)
);

CREATE TABLE comment_flags (
	comment_id     TEXT NOT NULL REFERENCES comments (id),
	flagger        TEXT NOT NULL,
	flagger_issuer TEXT NOT NULL,
	reason         TEXT NOT NULL,
	at             INTEGER NOT NULL,
	PRIMARY KEY (comment_id, flagger, flagger_issuer)
);

CREATE TABLE comment_moderation (
	seq          INTEGER PRIMARY KEY AUTOINCREMENT,
	comment_id   TEXT NOT NULL REFERENCES comments (id),
	thread       TEXT NOT NULL,
	action       TEXT NOT NULL,
	actor        TEXT NOT NULL,
	actor_issuer TEXT NOT NULL,
	reason       TEXT NOT NULL,
	at           INTEGER NOT NULL
);
-- ListModeration: of one comment, or of one thread, in Seq order.
CREATE INDEX comment_moderation_comment ON comment_moderation (comment_id, seq);
CREATE INDEX comment_moderation_thread ON comment_moderation (thread, seq);
