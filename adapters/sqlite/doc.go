// Package sqlite is civickit's embedded default store: every adapters.Store
// contract, the optional adapters.CaseStats and adapters.SessionStore, in
// one SQLite file through the pure Go driver modernc.org/sqlite (no cgo).
//
// Open is the short way: it opens a file in WAL mode with a busy timeout,
// foreign keys and synchronous=NORMAL, and closes it again on Close. New
// builds a store from a *sql.DB the caller opened and keeps (Close leaves
// it open), for applications that share the database with their own
// tables; DSN gives the settings Open uses. Store.WithTx binds a store to
// the caller's own *sql.Tx on that database: its methods then commit or
// roll back with the caller's rows, and workflow's Engine.WithStore runs
// the engine's calls on it.
//
//	s, err := sqlite.Open(ctx, "cityhall.db", nil)
//	if err != nil { ... }
//	defer s.Close()
//
// Times are kept as microseconds in UTC (adapters.StoredTime) and JSON
// documents byte for byte. Every method is one transaction.
//
// # Errors
//
// Errors wrap the sentinels of package adapters once, with the call's
// details ("sqlite: apply transition to case \"c1\": conflict: expected
// version 3, stored version 4"), so callers test them with errors.Is:
// unique and primary key violations become adapters.ErrDuplicate, missing
// rows adapters.ErrNotFound, stale versions and leases held by another
// owner adapters.ErrConflict, bad arguments adapters.ErrInvalidArgument,
// calls after Close adapters.ErrClosed. A call whose context ends returns
// the context's error. When another process holds the write lock longer
// than Config.BusyTimeout, writes return adapters.ErrUnavailable, as they do
// on a read-only database; nothing was written and the call may be
// retried. The driver's own error stays in the chain for
// errors.As.
//
// # Concurrency
//
// A Store is safe for concurrent use. SQLite allows one writer at a time,
// so the store serialises its writes itself: writers take turns (a
// one-slot channel, so a waiting writer can give up with its context) on
// one dedicated connection, where every write is a BEGIN IMMEDIATE
// transaction.
// Goroutines of one process therefore never see SQLITE_BUSY; writers in
// other processes sharing the file wait for each other up to the busy
// timeout. Reads run concurrently on the other connections of the pool and
// each reads one consistent snapshot (WAL mode keeps them from waiting for
// the writer). Because of the dedicated connection, a *sql.DB given to New
// must allow at least two open connections.
//
// A store bound to a transaction with WithTx writes in savepoints of that
// transaction, taking turns, and reads through it; while the transaction
// holds SQLite's write lock, writes through the unbound store wait for it
// (up to the busy timeout), so do not write through both from one
// goroutine.
//
// Optimistic concurrency protects cases: ApplyTransition writes only when
// the stored version is the expected one. Leases protect outbox messages and
// timers: a claim leases what it returns, and no other claim returns it
// until the lease expires.
//
// # Migrations
//
// The schema is a sequence of versioned SQL files, NNN_name.up.sql,
// embedded in the package and exposed by Migrations. New and Open apply
// the ones the database lacks in one transaction and record each in the
// schema_migrations table. The transaction takes the write lock (BEGIN
// IMMEDIATE) before it reads which versions are applied, so several
// processes opening one file at once apply each migration exactly once. A
// database whose schema is newer than the package is refused rather than
// written to.
package sqlite
