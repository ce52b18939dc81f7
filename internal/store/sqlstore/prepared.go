package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

// stmtCache is one pool's prepared statements, closed with the store.
// Every generated query and every static statement goes through it: the
// sending path runs the same few statements for every message, and
// parsing them again each time was a third of its CPU on SQLite. The
// statements are prepared when first run, not when the store opens: a
// store opens before it migrates, when the tables they name may not exist.
// Statements whose text varies with their data (multi-row INSERTs) do not
// come here: the cache would grow with every size of batch.
type stmtCache struct {
	db     *sql.DB
	d      *Dialect
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	closed bool
	// aside are the statements being prepared for the pool on the side
	// (stmt); Close ends them (stop) and waits for them, so that nothing
	// opens a connection once the store is closed.
	aside sync.WaitGroup
	stop  context.Context
	end   context.CancelFunc
}

func newStmtCache(d *Dialect, db *sql.DB) *stmtCache {
	stop, end := context.WithCancel(context.Background())
	return &stmtCache{db: db, d: d, m: map[string]*sql.Stmt{}, stop: stop, end: end}
}

// prepareAside prepares query for the pool on a goroutine of its own,
// unless the cache is closed.
func (c *stmtCache) prepareAside(query string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.aside.Go(func() {
		if prepared, err := c.db.PrepareContext(c.stop, query); err == nil {
			c.keep(query, prepared)
		}
	})
}

func (c *stmtCache) load(query string) (*sql.Stmt, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.m[query]
	return st, ok
}

// keep caches prepared unless the cache has one already or is closed,
// and returns the statement to use.
func (c *stmtCache) keep(query string, prepared *sql.Stmt) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok || c.closed {
		if ok {
			_ = prepared.Close()
			return st
		}
		return prepared // closed: the caller's statement dies with the pool
	}
	c.m[query] = prepared
	return prepared
}

// stmt is the prepared statement of query, bound to tx when there is one
// (database/sql reuses the connection's own preparation).
func (c *stmtCache) stmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	st, ok := c.load(query)
	if !ok && tx != nil {
		// Preparing on the pool would wait for a second connection while
		// this transaction holds the write lock: with the pool taken by
		// writers waiting for that lock (a thousand accounts starting at
		// once), nobody moves until busy_timeout. Prepare on the
		// transaction's own connection this time, and cache one for the
		// pool on the side.
		c.prepareAside(query)
		prepared, err := tx.PrepareContext(ctx, query)
		return prepared, mapErr(c.d, err)
	}
	if !ok {
		prepared, err := c.db.PrepareContext(ctx, query)
		if err != nil {
			return nil, mapErr(c.d, err)
		}
		st = c.keep(query, prepared)
	}
	if tx != nil {
		return tx.StmtContext(ctx, st), nil
	}
	return st, nil
}

// Close closes the statements, once those prepared on the side are done;
// later ones are not cached.
func (c *stmtCache) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.end()
	c.aside.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, st := range c.m {
		errs = append(errs, st.Close())
	}
	clear(c.m)
	return errors.Join(errs...)
}

// preparedConn is the connection the generated queries run on: the pool
// or a transaction, through the store's prepared statements, with every
// time argument normalised (normalizeTimes).
type preparedConn struct {
	c  *stmtCache
	tx *sql.Tx // nil: the pool
}

var _ gen.DBTX = preparedConn{}

func (p preparedConn) conn() gen.DBTX {
	if p.tx != nil {
		return p.tx
	}
	return p.c.db
}

func (p preparedConn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := p.c.stmt(ctx, p.tx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, normalizeTimes(args)...)
}

func (p preparedConn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := p.c.stmt(ctx, p.tx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, normalizeTimes(args)...)
}

func (p preparedConn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := p.c.stmt(ctx, p.tx, query)
	if err != nil {
		// A *sql.Row cannot be made with an error: run it unprepared,
		// which reports the same error at Scan.
		return p.conn().QueryRowContext(ctx, query, normalizeTimes(args)...)
	}
	return st.QueryRowContext(ctx, normalizeTimes(args)...)
}

func (p preparedConn) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.conn().PrepareContext(ctx, query)
}
