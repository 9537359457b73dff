-- civickit store, version 2: signed-in sessions, so that a logout or a
-- back-channel logout ends a session in every process, and the login flows
-- already redeemed, so that an authorization code is exchanged at most
-- once. Revoked sessions are deleted; expired sessions and flows are
-- deleted by DeleteExpiredSessions.

CREATE TABLE sessions (
	id           text COLLATE "C" PRIMARY KEY,
	issuer       text NOT NULL,
	subject      text NOT NULL,
	provider_sid text NOT NULL,
	created_at   timestamptz,
	expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_provider_sid_idx ON sessions (issuer, provider_sid) WHERE provider_sid <> '';
CREATE INDEX sessions_subject_idx ON sessions (issuer, subject);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE consumed_flows (
	key        text COLLATE "C" PRIMARY KEY,
	expires_at timestamptz NOT NULL
);
CREATE INDEX consumed_flows_expires_idx ON consumed_flows (expires_at);
