-- A request key remembers when it was first used (the request's own time,
-- microseconds since the epoch) so that DeleteExpiredRequestKeys can
-- forget keys past their time. Keys written before this migration count
-- as used at the epoch: the first purge forgets them.
ALTER TABLE requests ADD COLUMN used_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX requests_used_at ON requests (used_at);
