-- Signed-in sessions, so that a logout or a back-channel logout ends a
-- session in every process, and the login flows already redeemed, so that
-- an authorization code is exchanged at most once. Revoked sessions are
-- deleted; expired sessions and flows are deleted by DeleteExpiredSessions.
-- Times are INTEGER microseconds since the Unix epoch in UTC.

CREATE TABLE sessions (
	id           TEXT PRIMARY KEY,
	issuer       TEXT NOT NULL,
	subject      TEXT NOT NULL,
	provider_sid TEXT NOT NULL,
	created_at   INTEGER,
	expires_at   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX sessions_provider_sid ON sessions (issuer, provider_sid) WHERE provider_sid <> '';
CREATE INDEX sessions_subject ON sessions (issuer, subject);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE consumed_flows (
	key        TEXT PRIMARY KEY,
	expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX consumed_flows_expires ON consumed_flows (expires_at);
