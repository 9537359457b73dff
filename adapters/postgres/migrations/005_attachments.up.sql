-- civickit store, version 5: the records of uploaded files (the bytes are
-- in a blob bucket) and the files each submission names. An attachment
-- has no case until the submission naming it opens one; if that case or
-- submission is ever deleted, the attachment becomes an orphan again, so
-- the sweep of unsubmitted uploads removes its bytes too. A submission's
-- files are a JSON array in form order; rows written before this
-- migration have none (NULL).

CREATE TABLE attachments (
	id            text COLLATE "C" PRIMARY KEY,
	field         text NOT NULL,
	name          text NOT NULL,
	type          text NOT NULL,
	size          bigint NOT NULL CHECK (size >= 0),
	sha256        text NOT NULL,
	case_id       text COLLATE "C" REFERENCES cases (id) ON DELETE SET NULL,
	submission_id text COLLATE "C" REFERENCES submissions (id) ON DELETE SET NULL,
	owner         text NOT NULL,
	owner_issuer  text NOT NULL,
	status        text NOT NULL CHECK (status IN ('quarantined', 'clean', 'rejected')),
	reason        text NOT NULL,
	blob_key      text NOT NULL,
	sealed        boolean NOT NULL,
	public_key    text NOT NULL,
	created_at    timestamptz NOT NULL,
	updated_at    timestamptz NOT NULL
);
-- ListAttachments: a case's files, oldest first.
CREATE INDEX attachments_case_idx ON attachments (case_id, created_at, id) WHERE case_id IS NOT NULL;
-- ListAttachmentsByStatus: the scan's work list, oldest first.
CREATE INDEX attachments_status_idx ON attachments (status, created_at, id);
-- ListOrphanAttachments: uploads never submitted, oldest first.
CREATE INDEX attachments_orphan_idx ON attachments (created_at, id) WHERE case_id IS NULL;

ALTER TABLE submissions ADD COLUMN files jsonb;
