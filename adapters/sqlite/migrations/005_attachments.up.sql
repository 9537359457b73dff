-- The records of uploaded files (the bytes are in a blob bucket) and the
-- files each submission names. An attachment has no case until the
-- submission naming it opens one. Times are INTEGER microseconds since the
-- Unix epoch in UTC. A submission's files are a JSON array in form order;
-- rows written before this migration have none (NULL).
CREATE TABLE attachments (
	id            TEXT PRIMARY KEY,
	field         TEXT NOT NULL,
	name          TEXT NOT NULL,
	type          TEXT NOT NULL,
	size          INTEGER NOT NULL,
	sha256        TEXT NOT NULL,
	case_id       TEXT REFERENCES cases (id),
	submission_id TEXT REFERENCES submissions (id),
	owner         TEXT NOT NULL,
	owner_issuer  TEXT NOT NULL,
	status        TEXT NOT NULL,
	reason        TEXT NOT NULL,
	blob_key      TEXT NOT NULL,
	sealed        INTEGER NOT NULL,
	public_key    TEXT NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
);

-- ListAttachments: a case's files, oldest first.
CREATE INDEX attachments_case ON attachments (case_id, created_at, id) WHERE case_id IS NOT NULL;
-- ListAttachmentsByStatus: the scan's work list, oldest first.
CREATE INDEX attachments_status ON attachments (status, created_at, id);
-- ListOrphanAttachments: uploads never submitted, oldest first.
CREATE INDEX attachments_orphan ON attachments (created_at, id) WHERE case_id IS NULL;

ALTER TABLE submissions ADD COLUMN files TEXT;
