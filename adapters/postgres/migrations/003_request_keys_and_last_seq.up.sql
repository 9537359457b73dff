-- A request key remembers when it was first used (the request's own time)
-- so that DeleteExpiredRequestKeys can forget keys past their time. Keys
-- written before this migration count as used when it ran.
ALTER TABLE requests ADD COLUMN used_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE requests ALTER COLUMN used_at DROP DEFAULT;
CREATE INDEX requests_used_at_idx ON requests (used_at);

-- A case keeps the sequence number of its last event, so a transition
-- numbers its events from the row it updates instead of looking up the
-- largest one.
ALTER TABLE cases ADD COLUMN last_seq bigint NOT NULL DEFAULT 0;
UPDATE cases SET last_seq = e.last_seq
FROM (SELECT case_id, max(seq) AS last_seq FROM events GROUP BY case_id) e
WHERE e.case_id = cases.id;
