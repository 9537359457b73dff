-- A request key remembers when it was first used (the request's own time)
-- so that DeleteExpiredRequestKeys can forget keys past their time. Keys
-- written before this migration count as used when it ran.
ALTER TABLE requests ADD COLUMN used_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE requests ALTER COLUMN used_at DROP DEFAULT;
CREATE INDEX requests_used_at_idx ON requests (used_at);
