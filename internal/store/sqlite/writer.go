package sqlite

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync"
	"time"
)

// SQLite lets one connection write at a time, and a connection that finds
// the lock taken sleeps and polls (busy_timeout) with growing pauses, up to
// 100 ms each. A writer that commits and begins again at once (an import,
// a sending run) therefore takes the lock back before a sleeper wakes, over
// and over: other tenants' writes starved until busy_timeout failed them.
//
// So writers of this process take turns here first, in arrival order, and
// only then ask SQLite: writerLock is a FIFO queue of one, taken by every
// write transaction (BEGIN IMMEDIATE, which is every transaction but a
// read-only one) and every write statement run outside one, River's
// included, because they all pass through the connections below. SQLite's
// own busy_timeout still settles contention with other processes (the
// command-line tools).

// lockWait bounds the wait for a turn, as busy_timeout did: past it the
// caller gets SQLITE_BUSY, which store.IsUnavailable recognises (a 503 with
// Retry-After, not a 500). Only a queue that long, or a transaction that
// waits for another write on the pool (a bug that used to cost the same
// ten seconds), ever sees it.
var lockWait = 10 * time.Second

// writerLock is a mutex whose waiters are served first come, first served.
type writerLock struct {
	mu      sync.Mutex
	held    bool
	waiters []chan struct{}
	// written is closed (and replaced) whenever a writer gives its turn
	// back: something may have been written (Written).
	written chan struct{}
}

// Written returns a channel closed after the next write of this process
// ends (committed, rolled back, or a statement run alone). River's
// notifications on SQLite are rows that this process writes, so its
// listener reads them when this fires instead of every 50 ms.
func (l *writerLock) Written() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.written == nil {
		l.written = make(chan struct{})
	}
	return l.written
}

// errBusy is what a writer gets when its turn did not come within
// lockWait. Code is SQLite's SQLITE_BUSY, so callers treat it as the
// driver's own.
type errBusy struct{ waited time.Duration }

func (e errBusy) Error() string {
	return fmt.Sprintf("database is busy: no turn to write within %s (SQLITE_BUSY)", e.waited)
}
func (errBusy) Code() int { return 5 }

// lock waits for the writer's turn. An urgent writer goes before every
// writer already waiting: the node's lease renewal, which must not queue
// behind the node's own work (a thousand accounts starting at once) past
// the moment the leases would be given up.
func (l *writerLock) lock(ctx context.Context, urgent bool) error {
	l.mu.Lock()
	if !l.held {
		l.held = true
		l.mu.Unlock()
		return nil
	}
	turn := make(chan struct{})
	if urgent {
		l.waiters = append([]chan struct{}{turn}, l.waiters...)
	} else {
		l.waiters = append(l.waiters, turn)
	}
	l.mu.Unlock()

	t := time.NewTimer(lockWait)
	defer t.Stop()
	var err error
	select {
	case <-turn:
		return nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-t.C:
		err = errBusy{lockWait}
	}
	l.mu.Lock()
	for i, w := range l.waiters {
		if w == turn {
			l.waiters = append(l.waiters[:i], l.waiters[i+1:]...)
			l.mu.Unlock()
			return err
		}
	}
	// The turn came while giving up: pass it on.
	l.mu.Unlock()
	l.unlock()
	return err
}

func (l *writerLock) unlock() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.written != nil {
		close(l.written)
		l.written = nil
	}
	if len(l.waiters) == 0 {
		l.held = false
		return
	}
	next := l.waiters[0]
	l.waiters[0] = nil
	l.waiters = l.waiters[1:]
	close(next) // held stays true: the turn passes straight on
}

// writes reports whether a statement run outside a transaction may write,
// by its first keyword. Anything unsure counts as a write: a needless turn
// costs a moment, a missed one brings the starvation back.
func writes(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	for strings.HasPrefix(q, "--") {
		_, rest, _ := strings.Cut(q, "\n")
		q = strings.TrimLeft(rest, " \t\r\n(")
	}
	end := strings.IndexAny(q, " \t\r\n(;")
	if end < 0 {
		end = len(q)
	}
	switch strings.ToUpper(q[:end]) {
	case "SELECT", "EXPLAIN", "VALUES":
		return false
	case "PRAGMA":
		return strings.ContainsAny(q, "=(")
	}
	return true
}

// connector hands out connections that take turns through one writerLock;
// an urgent connector's connections go first (writerLock.lock).
type connector struct {
	driver.Connector
	lock   *writerLock
	urgent bool
}

func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	inner, ok := dc.(innerConn)
	if !ok {
		dc.Close()
		return nil, fmt.Errorf("sqlite: driver connection %T lacks the context methods", dc)
	}
	return &conn{inner: inner, lock: c.lock, urgent: c.urgent}, nil
}

// innerConn is what modernc.org/sqlite's connection implements.
type innerConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.SessionResetter
	driver.Validator
}

// conn is used by one goroutine at a time (database/sql's guarantee), so
// inTx needs no lock of its own.
type conn struct {
	inner  innerConn
	lock   *writerLock
	urgent bool
	inTx   bool
}

func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := c.inner.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	st, ok := s.(innerStmt)
	if !ok {
		s.Close()
		return nil, fmt.Errorf("sqlite: driver statement %T lacks the context methods", s)
	}
	return &stmt{inner: st, c: c, writes: writes(query)}, nil
}

func (c *conn) Close() error { return c.inner.Close() }

func (c *conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if opts.ReadOnly {
		// A deferred BEGIN: it never writes, so it takes no turn.
		return c.inner.BeginTx(ctx, opts)
	}
	if err := c.lock.lock(ctx, c.urgent); err != nil {
		return nil, err
	}
	t, err := c.inner.BeginTx(ctx, opts)
	if err != nil {
		c.lock.unlock()
		return nil, err
	}
	c.inTx = true
	return &tx{inner: t, c: c}, nil
}

// turn takes the writer's turn for one statement outside a transaction;
// the returned func, nil when no turn was needed, gives it back.
func (c *conn) turn(ctx context.Context, write bool) (func(), error) {
	if !write || c.inTx {
		return nil, nil
	}
	if err := c.lock.lock(ctx, c.urgent); err != nil {
		return nil, err
	}
	return c.lock.unlock, nil
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	done, err := c.turn(ctx, writes(query))
	if err != nil {
		return nil, err
	}
	if done != nil {
		defer done()
	}
	return c.inner.ExecContext(ctx, query, args)
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	done, err := c.turn(ctx, writes(query))
	if err != nil {
		return nil, err
	}
	r, err := c.inner.QueryContext(ctx, query, args)
	if err != nil {
		if done != nil {
			done()
		}
		return nil, err
	}
	return heldRows(r, done), nil
}

func (c *conn) ResetSession(ctx context.Context) error { return c.inner.ResetSession(ctx) }
func (c *conn) IsValid() bool                          { return c.inner.IsValid() }

type tx struct {
	inner driver.Tx
	c     *conn
}

func (t *tx) Commit() error {
	defer t.end()
	return t.inner.Commit()
}

func (t *tx) Rollback() error {
	defer t.end()
	return t.inner.Rollback()
}

func (t *tx) end() {
	if t.c.inTx {
		t.c.inTx = false
		t.c.lock.unlock()
	}
}

type innerStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

type stmt struct {
	inner  innerStmt
	c      *conn
	writes bool
}

func (s *stmt) Close() error  { return s.inner.Close() }
func (s *stmt) NumInput() int { return s.inner.NumInput() }

func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

func (s *stmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	done, err := s.c.turn(ctx, s.writes)
	if err != nil {
		return nil, err
	}
	if done != nil {
		defer done()
	}
	return s.inner.ExecContext(ctx, args)
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	done, err := s.c.turn(ctx, s.writes)
	if err != nil {
		return nil, err
	}
	r, err := s.inner.QueryContext(ctx, args)
	if err != nil {
		if done != nil {
			done()
		}
		return nil, err
	}
	return heldRows(r, done), nil
}

func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

// heldRows keeps a write statement's turn until its rows are closed (an
// INSERT … RETURNING holds SQLite's lock until then too). A read's rows
// pass through untouched.
func heldRows(r driver.Rows, done func()) driver.Rows {
	if done == nil {
		return r
	}
	return &rows{Rows: r, done: done}
}

type rows struct {
	driver.Rows
	done func()
	once sync.Once
}

func (r *rows) Close() error {
	err := r.Rows.Close()
	r.once.Do(r.done)
	return err
}
