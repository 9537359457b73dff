// Package postgres is the production adapters.Store on PostgreSQL through
// pgx/v5. It is built from the caller's *pgxpool.Pool, keeps its tables in
// one schema (so several stores, and tests, can share a database), and can
// run inside the caller's own transaction with Store.WithTx, so a vendor
// can open a case in the same transaction as their own tables. Give the
// bound store to workflow's Engine.WithStore and the engine's calls (the
// case, its events, timers and outbox messages) commit or roll back with
// that transaction; see the package example.
//
// It implements adapters.Store, the optional adapters.CaseStats and
// adapters.SessionStore, and passes their conformance suites in
// adapters/adaptertest.
//
// Every method is one transaction. The hot writes (CreateCase and
// ApplyTransition without a request key, claims, marks) are each one SQL
// statement built from data-modifying common table expressions, sent in one
// round trip as a transaction of its own. When the context has a deadline
// the statement carries a statement_timeout of the time left, so a call cut
// short by its deadline (waiting for a row lock, say) writes nothing. A
// transition changes a case only if its version is still the expected one
// (UPDATE ... WHERE id = $1 AND version = $2); outbox and timer claims use
// FOR UPDATE SKIP LOCKED.
//
// # Errors
//
// Methods return the adapters sentinel errors wrapped once with the call's
// details, e.g. `postgres: apply transition to case "c1": conflict: ...`.
// PostgreSQL errors are translated: unique violations (23505) become
// adapters.ErrDuplicate; the conditions a retry may cure adapters.ErrUnavailable:
// serialization failures, deadlocks and lock timeouts (40001, 40P01,
// 55P03), a read-only server (25006), a server shutting down or starting
// (57P01, 57P02, 57P03), connection exceptions (class 08) and a connection
// that could not be made or was lost; bad values and check violations
// (class 22, 23502, 23514) adapters.ErrInvalidArgument; a missing row
// adapters.ErrNotFound; a closed pool or finished transaction
// adapters.ErrClosed. The original error stays in the chain, so errors.As
// still finds a *pgconn.PgError. A canceled or expired context returns an
// error wrapping the context's error.
//
// A write whose connection is lost after the statement was sent, or whose
// context is canceled (without a deadline) while it runs, is ambiguous: the
// transaction may have committed, or may still commit, after the answer
// was lost. The error is adapters.ErrUnavailable either way; retry a
// CreateCase or ApplyTransition with the same RequestKey, and the store
// answers the retry from the first result if it was written.
//
// New bounds its own work: getting a connection by Config.ConnectTimeout
// (DefaultConnectTimeout, 10 seconds) and applying migrations by
// Config.MigrationTimeout (DefaultMigrationTimeout, one minute). A server
// that accepts connections but never answers makes New fail with
// adapters.ErrUnavailable naming the host, instead of hanging.
//
// # Concurrency
//
// A Store is safe for concurrent use by many goroutines, and any number
// of processes may share one schema: optimistic concurrency on the case
// version guards transitions, and leases taken with FOR UPDATE SKIP LOCKED
// let many dispatchers and timer workers share the queues without doing the
// same work twice. A store bound to a transaction with WithTx is only as
// concurrent as a pgx.Tx is: use it from one goroutine at a time.
//
// # Migrations
//
// The schema is created by embedded, versioned migrations
// (migrations/NNN_name.up.sql, see Migrations) that New applies unless
// Config.SkipMigrations is set. They run in one transaction holding a
// PostgreSQL advisory lock keyed by the schema name, so several processes
// starting at once are safe: one applies them, the others wait and find
// them applied. Applied versions are recorded in the schema's
// schema_migrations table. The files use unqualified names; a deployment
// that applies them with its own tool sets search_path to the schema first.
//
// Listing stays flat at millions of cases: every supported filter on
// state, team, assignee, type and submitter has an index in (created_at,
// id) order, and state, team and assignee also in (due, id) order, which
// keyset pagination walks with row comparisons. Pending messages have a
// partial index that is their claim queue; a claim is one statement that
// walks it with FOR UPDATE SKIP LOCKED, and a batch of delivery outcomes
// (MarkMessages) is one statement over arrays. Receipts find their
// message through a partial (via, provider_id) index.
package postgres
