-- civickit store, version 9: comments on threads (cases, ideas, agenda
-- items), the bodies their edits replaced, their flags (one per flagger)
-- and the moderation audit trail, written in the transaction of the change
-- it records. Deleted comments are kept (soft delete).

CREATE TABLE comments (
	id            text COLLATE "C" PRIMARY KEY,
	thread        text COLLATE "C" NOT NULL,
	visibility    text NOT NULL CHECK (visibility IN ('public', 'internal')),
	author        text NOT NULL,
	author_issuer text NOT NULL,
	author_name   text NOT NULL,
	via           text NOT NULL,
	provider_id   text NOT NULL,
	body          text NOT NULL,
	created_at    timestamptz NOT NULL,
	edited_at     timestamptz,
	revisions     integer NOT NULL CHECK (revisions >= 0),
	deleted_at    timestamptz,
	deleted_by    text NOT NULL,
	delete_reason text NOT NULL,
	hidden_at     timestamptz,
	hidden_by     text NOT NULL,
	hidden_reason text NOT NULL,
	flags         integer NOT NULL CHECK (flags >= 0),
	flagged_at    timestamptz,
	version       bigint NOT NULL CHECK (version >= 1)
);
-- ListComments: a thread's comments, oldest first; the residents' view
-- (public, shown, not deleted) has an index of its own.
CREATE INDEX comments_thread_idx ON comments (thread, created_at, id);
CREATE INDEX comments_thread_public_idx ON comments (thread, created_at, id)
	WHERE visibility = 'public' AND hidden_at IS NULL AND deleted_at IS NULL;
-- CountCommentsBy: an author's recent comments, for rate limits.
CREATE INDEX comments_author_idx ON comments (author, author_issuer, created_at);
-- ListFlagged: the moderators' queue, oldest first.
CREATE INDEX comments_flagged_idx ON comments (flagged_at, id) WHERE flagged_at IS NOT NULL;
-- AddComment: a redelivered reply is found by its channel's id for it.
CREATE UNIQUE INDEX comments_provider_idx ON comments (via, provider_id) WHERE provider_id <> '';

CREATE TABLE comment_revisions (
	comment_id text COLLATE "C" NOT NULL REFERENCES comments (id),
	revision   integer NOT NULL,
	body       text NOT NULL,
	edited_by  text NOT NULL,
	edited_at  timestamptz NOT NULL,
	PRIMARY KEY (comment_id, revision)
);

CREATE TABLE comment_flags (
	comment_id     text COLLATE "C" NOT NULL REFERENCES comments (id),
	flagger        text NOT NULL,
	flagger_issuer text NOT NULL,
	reason         text NOT NULL,
	at             timestamptz NOT NULL,
	PRIMARY KEY (comment_id, flagger, flagger_issuer)
);

CREATE TABLE comment_moderation (
	seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	comment_id   text COLLATE "C" NOT NULL REFERENCES comments (id),
	thread       text COLLATE "C" NOT NULL,
	action       text NOT NULL CHECK (action IN ('flag', 'hide', 'restore', 'delete', 'edit')),
	actor        text NOT NULL,
	actor_issuer text NOT NULL,
	reason       text NOT NULL,
	at           timestamptz NOT NULL
);
-- ListModeration: of one comment, or of one thread, in Seq order.
CREATE INDEX comment_moderation_comment_idx ON comment_moderation (comment_id, seq);
CREATE INDEX comment_moderation_thread_idx ON comment_moderation (thread, seq);
