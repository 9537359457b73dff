package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	// The pure Go SQLite driver, registered as "sqlite".
	"modernc.org/sqlite"

	"github.com/civickit/civickit/adapters"
)

// DefaultBusyTimeout is how long a write waits for another process's write
// lock when Config.BusyTimeout is zero.
const DefaultBusyTimeout = 5 * time.Second

// Config tunes a Store. The zero value, and a nil *Config, mean the
// documented defaults.
type Config struct {
	// BusyTimeout is how long a write waits for the write lock while
	// another process holds it before it fails with adapters.ErrUnavailable (default
	// DefaultBusyTimeout). Open applies it to every connection, New to the
	// store's writer connection.
	BusyTimeout time.Duration
}

// Validate reports every problem of c, each wrapping
// adapters.ErrInvalidArgument.
func (c *Config) Validate() error {
	if c == nil {
		return nil
	}
	var errs []error
	if c.BusyTimeout < 0 {
		errs = append(errs, fmt.Errorf("%w: busy timeout %s is negative", adapters.ErrInvalidArgument, c.BusyTimeout))
	}
	if c.BusyTimeout > 0 && c.BusyTimeout < time.Millisecond {
		errs = append(errs, fmt.Errorf("%w: busy timeout %s is below a millisecond", adapters.ErrInvalidArgument, c.BusyTimeout))
	}
	return errors.Join(errs...)
}

func (c *Config) withDefaults() Config {
	var out Config
	if c != nil {
		out = *c
	}
	if out.BusyTimeout == 0 {
		out.BusyTimeout = DefaultBusyTimeout
	}
	return out
}

// Store is the SQLite implementation of adapters.Store and
// adapters.CaseStats. It is safe for concurrent use.
type Store struct {
	db     *sql.DB
	ownsDB bool
	cfg    Config
	closed atomic.Bool

	// reads holds the read statements, prepared once on db by query text
	// (a bounded set: listings vary only by which filters are set).
	reads sync.Map

	// turn serialises writes: one writer at a time, on one connection.
	// Holding it is having sent into it; a channel rather than a mutex so
	// that a caller waiting its turn can give up when its context ends.
	turn chan struct{}
	w    *writer // guarded by turn; nil until first needed or after a broken connection

	// tx is the caller's transaction a store from WithTx runs in (reads
	// prepare on it too), and txw the writer over it; parent is the closed flag
	// of the store WithTx was called on.
	tx     *sql.Tx
	txw    *writer
	parent *atomic.Bool
}

var (
	_ adapters.Store       = (*Store)(nil)
	_ adapters.CaseStats   = (*Store)(nil)
	_ adapters.RequestKeys = (*Store)(nil)
)

// New returns a store over db, a database opened with modernc.org/sqlite
// (whose error codes the store translates), after applying the embedded
// migrations. It keeps one of db's connections for its writes, so
// db must allow at least two open connections. db should be in WAL mode so
// that reads never wait for the writer; Open sets that up. Close never
// closes db.
func New(ctx context.Context, db *sql.DB, cfg *Config) (*Store, error) {
	s, err := newStore(ctx, db, cfg, false)
	if err != nil {
		return nil, fmt.Errorf("sqlite: new store: %w", translate(ctx, err))
	}
	return s, nil
}

func newStore(ctx context.Context, db *sql.DB, cfg *Config, owns bool) (*Store, error) {
	if db == nil {
		return nil, fmt.Errorf("%w: nil *sql.DB", adapters.ErrInvalidArgument)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if _, ok := db.Driver().(*sqlite.Driver); !ok {
		return nil, fmt.Errorf("%w: the *sql.DB uses driver %T, not modernc.org/sqlite", adapters.ErrInvalidArgument, db.Driver())
	}
	if n := db.Stats().MaxOpenConnections; n == 1 {
		return nil, fmt.Errorf("%w: the *sql.DB allows one open connection; the store keeps one for its writes and reads on others", adapters.ErrInvalidArgument)
	}
	s := &Store{db: db, ownsDB: owns, cfg: cfg.withDefaults(), turn: make(chan struct{}, 1)}
	s.turn <- struct{}{}
	defer func() { <-s.turn }()
	w, err := s.writerLocked(ctx)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, w); err != nil {
		w.broken = true // its transaction may still be open
		s.dropWriterLocked()
		return nil, err
	}
	return s, nil
}

// Open opens (creating it if needed) the SQLite file at path with
// modernc.org/sqlite in WAL mode, with the busy timeout, foreign keys and
// synchronous=NORMAL, and returns a store over it. The store owns the
// database and closes it on Close.
func Open(ctx context.Context, path string, cfg *Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	dsn, err := DSN(path, cfg.withDefaults().BusyTimeout)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	s, err := newStore(ctx, db, cfg, true)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, translate(ctx, err))
	}
	return s, nil
}

// DSN is the modernc.org/sqlite data source name Open uses for the file at
// path: WAL journal, the busy timeout, foreign keys on and
// synchronous=NORMAL on every connection. Callers who open the database
// themselves for New can start from it.
func DSN(path string, busyTimeout time.Duration) (string, error) {
	switch {
	case path == "":
		return "", fmt.Errorf("%w: empty path", adapters.ErrInvalidArgument)
	case strings.ContainsAny(path, "?#"), strings.HasPrefix(path, "file:"), strings.HasPrefix(path, ":memory:"):
		return "", fmt.Errorf("%w: path %q must be a plain file name (for other set-ups open the *sql.DB yourself and call New)", adapters.ErrInvalidArgument, path)
	case busyTimeout < 0:
		return "", fmt.Errorf("%w: busy timeout %s is negative", adapters.ErrInvalidArgument, busyTimeout)
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	return path + "?" + q.Encode(), nil
}

// WithTx returns a store whose methods run inside tx, the caller's own
// transaction on the store's database: what they write commits or rolls
// back with it, and its reads see the transaction's writes. Each write
// runs in a savepoint, so a method that fails undoes only its own work and
// leaves tx usable. The caller commits or rolls back tx; the returned
// store's Close neither commits nor rolls back, and closing s closes it
// too. Like tx, it is for one goroutine at a time.
//
// SQLite has one writer: once tx has written, writes through s itself
// (from other goroutines or processes) wait for tx to end, up to the busy
// timeout; so do not write through s while holding tx in the same
// goroutine. Begin tx on a connection with foreign keys on (DSN does
// that). Bound to a nil tx, its methods return adapters.ErrInvalidArgument.
func (s *Store) WithTx(tx *sql.Tx) *Store {
	parent := &s.closed
	if s.parent != nil {
		parent = s.parent
	}
	t := &Store{db: s.db, cfg: s.cfg, tx: tx, parent: parent, turn: make(chan struct{}, 1)}
	if tx != nil {
		t.txw = &writer{tx: tx, stmts: map[string]*sql.Stmt{}}
	}
	return t
}

// Close releases the store's writer connection and, for a store made by
// Open, the database. Later calls return adapters.ErrClosed. Writes in
// progress finish first. A store from WithTx only stops answering: its
// transaction stays as it is.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return fmt.Errorf("sqlite: close: %w", adapters.ErrClosed)
	}
	if s.parent != nil {
		return nil
	}
	s.turn <- struct{}{} // writes in progress finish first
	s.dropWriterLocked()
	<-s.turn
	s.reads.Range(func(query, st any) bool {
		s.reads.Delete(query)
		_ = st.(*sql.Stmt).Close()
		return true
	})
	if s.ownsDB {
		if err := s.db.Close(); err != nil {
			return fmt.Errorf("sqlite: close: %w", err)
		}
	}
	return nil
}

// enter is the check every method makes before it touches the database.
func (s *Store) enter(ctx context.Context) error {
	if s.closed.Load() || (s.parent != nil && s.parent.Load()) {
		return adapters.ErrClosed
	}
	if s.parent != nil && s.tx == nil {
		return fmt.Errorf("%w: the store was bound to a nil transaction", adapters.ErrInvalidArgument)
	}
	return ctx.Err()
}

// readStmt returns the statement for query, prepared once on the read
// pool, or on the caller's transaction for a store from WithTx.
func (s *Store) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.reads.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	var st *sql.Stmt
	var err error
	if s.tx != nil {
		// Statements on a transaction close when it ends.
		st, err = s.tx.PrepareContext(ctx, query)
	} else {
		st, err = s.db.PrepareContext(ctx, query)
	}
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.reads.LoadOrStore(query, st); loaded {
		_ = st.Close()
		return prev.(*sql.Stmt), nil
	}
	if s.closed.Load() {
		// Close may have emptied the cache before this statement landed.
		s.reads.Delete(query)
		_ = st.Close()
		return nil, adapters.ErrClosed
	}
	return st, nil
}

// writer is the store's one write connection and the statements prepared
// on it, or the caller's transaction for a store from WithTx.
type writer struct {
	conn  *sql.Conn
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
	// broken is set when the connection may be left inside a transaction;
	// the store then replaces it.
	broken bool
	// busyTimeout and foreignKeys are the connection's settings before the
	// store changed them.
	busyTimeout, foreignKeys int
}

// stmt returns the statement for query, prepared once on the writer's
// connection.
func (w *writer) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := w.stmts[query]; ok {
		return st, nil
	}
	var st *sql.Stmt
	var err error
	if w.tx != nil {
		st, err = w.tx.PrepareContext(ctx, query)
	} else {
		st, err = w.conn.PrepareContext(ctx, query)
	}
	if err != nil {
		return nil, err
	}
	w.stmts[query] = st
	return st, nil
}

func (w *writer) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := w.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// execN runs query and returns how many rows it changed.
func (w *writer) execN(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := w.exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (w *writer) queryRow(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	st, err := w.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryRowContext(ctx, args...), nil
}

func (w *writer) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := w.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// writerLocked returns the writer, connecting it first if needed. The
// caller holds the turn.
func (s *Store) writerLocked(ctx context.Context) (*writer, error) {
	if s.w != nil {
		return s.w, nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	w := &writer{conn: conn, stmts: map[string]*sql.Stmt{}}
	// The writer waits for other processes' write locks; foreign keys
	// guard the references of everything it writes. The connection's own
	// settings come back when it returns to the caller's pool.
	err = conn.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&w.busyTimeout)
	if err == nil {
		err = conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&w.foreignKeys)
	}
	if err == nil {
		_, err = conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", s.cfg.BusyTimeout.Milliseconds()))
	}
	if err == nil {
		_, err = conn.ExecContext(ctx, "PRAGMA foreign_keys = ON")
	}
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	s.w = w
	return w, nil
}

// dropWriterLocked closes the writer's statements and gives its
// connection back to the pool. The caller holds the turn.
func (s *Store) dropWriterLocked() {
	if s.w == nil {
		return
	}
	w := s.w
	for _, st := range w.stmts {
		_ = st.Close()
	}
	if w.broken {
		// Returning driver.ErrBadConn from Raw makes database/sql discard
		// the connection instead of pooling it mid-transaction.
		_ = w.conn.Raw(func(any) error { return driver.ErrBadConn })
	} else {
		ctx := context.Background()
		_, _ = w.conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", w.busyTimeout))
		_, _ = w.conn.ExecContext(ctx, fmt.Sprintf("PRAGMA foreign_keys = %d", w.foreignKeys))
	}
	_ = w.conn.Close()
	s.w = nil
}

// write runs fn in one write transaction (BEGIN IMMEDIATE) on the writer
// connection, holding the turn so that writers in this process never meet
// SQLITE_BUSY; other processes' writers are waited for up to the busy
// timeout. fn's error rolls everything back.
//
// A store from WithTx runs fn in a savepoint of the caller's transaction
// instead, and undoes only fn's work when fn fails.
func (s *Store) write(ctx context.Context, fn func(w *writer) error) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	select {
	case s.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.turn }()
	if s.txw != nil {
		// Savepoints nest, so writes to one transaction take turns too.
		return translate(ctx, s.inSavepoint(ctx, fn))
	}
	if s.closed.Load() {
		return adapters.ErrClosed
	}
	w, err := s.writerLocked(ctx)
	if err != nil {
		return translate(ctx, err)
	}
	err = s.inTx(ctx, w, fn)
	if isBrokenConn(err) {
		w.broken = true
	}
	if w.broken {
		s.dropWriterLocked()
	}
	return translate(ctx, err)
}

func (s *Store) inTx(ctx context.Context, w *writer, fn func(w *writer) error) error {
	// The end of a transaction runs even when ctx is done: a rollback must
	// happen, and a commit of work already done is not worth undoing.
	end := context.WithoutCancel(ctx)
	if _, err := w.exec(ctx, "BEGIN IMMEDIATE"); err != nil {
		// A BEGIN interrupted by ctx may have taken effect all the same.
		w.rollback(end)
		return err
	}
	if err := fn(w); err != nil {
		w.rollback(end)
		return err
	}
	if _, err := w.exec(end, "COMMIT"); err != nil {
		// A failed COMMIT may leave the transaction open.
		w.rollback(end)
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func (s *Store) inSavepoint(ctx context.Context, fn func(w *writer) error) error {
	end := context.WithoutCancel(ctx)
	if _, err := s.tx.ExecContext(ctx, "SAVEPOINT civickit"); err != nil {
		return err
	}
	if err := fn(s.txw); err != nil {
		// A failed rollback leaves the caller's transaction to the caller,
		// who rolls it back.
		if _, rerr := s.tx.ExecContext(end, "ROLLBACK TO civickit"); rerr == nil {
			_, _ = s.tx.ExecContext(end, "RELEASE civickit")
		}
		return err
	}
	if _, err := s.tx.ExecContext(end, "RELEASE civickit"); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	return nil
}

// rollback ends the transaction, if one is open. When SQLite already
// ended it (after an interrupt or a full disk), ROLLBACK reports that no
// transaction is active; any other failure retires the connection, which
// may still be inside the transaction.
func (w *writer) rollback(ctx context.Context) {
	if _, err := w.exec(ctx, "ROLLBACK"); err != nil && !strings.Contains(err.Error(), "no transaction is active") {
		w.broken = true
	}
}

func isBrokenConn(err error) bool {
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone)
}
