// Package sqlstore is the one implementation of store.Store, shared by the
// SQLite and PostgreSQL packages. It runs sqlc's generated queries through
// the PostgreSQL package's types (db.Querier); internal/store/sqlite adapts
// its own generated package to that shape, so the logic here is written
// once. What really differs per engine lives in Dialect. The statements
// sqlc cannot write once for both engines (their text depends on their
// data or on the engine) are hand-written with "?" parameters (rebind), in
// one *_dynamic.go file per domain, in leases.go (the database's clock),
// and in a few others not yet moved (restores.go, ops.go, sealed.go). All
// statements with a fixed text run prepared, per store (stmtCache).
package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

// Dialect is what an engine contributes.
type Dialect struct {
	Name string // "sqlite" or "postgres"
	// Queries wraps a connection or transaction in the engine's generated
	// queries.
	Queries func(gen.DBTX) gen.Querier
	// IsUniqueViolation reports whether err is a unique constraint refusal.
	IsUniqueViolation func(error) bool
	// Placeholder renders the n-th (1-based) bind parameter of hand-written
	// SQL (rebind).
	Placeholder func(n int) string
	// SerializeUsers, when set, runs first in CreateUser's transaction so
	// that two concurrent first sign-ups cannot both become admin. SQLite
	// needs none: its transactions already write one at a time.
	SerializeUsers string
	// Migrate applies goose's and River's migrations.
	Migrate func(ctx context.Context, db *sql.DB, logger *slog.Logger) error
}

// Store implements store.Store over one pool.
type Store struct {
	queries
	db     *sql.DB
	logger *slog.Logger
	// Written, on SQLite, returns a channel closed after this process's
	// next write ends (nil on PostgreSQL, which has LISTEN).
	Written func() <-chan struct{}
	// urgent, when set (SQLite), is a pool of its own whose writes go
	// before the queued ones: the lease renewal's (RenewLeases).
	urgent  *sql.DB
	urgentQ queries
	// chunks are the media chunks read last (media_chunks.go).
	chunks *chunkCache
}

// SetUrgent gives the store the pool RenewLeases writes through; the store
// closes it.
func (s *Store) SetUrgent(db *sql.DB) {
	s.urgent, s.urgentQ = db, newQueries(newStmtCache(s.d, db), nil)
}

// RenewLeases renews the node's leases through the urgent pool when there
// is one: the node must not give up its accounts because its own writes
// queued ahead of the renewal.
func (s *Store) RenewLeases(ctx context.Context, holder string, ttl time.Duration) ([]store.Lease, error) {
	if s.urgent == nil {
		return s.queries.RenewLeases(ctx, holder, ttl)
	}
	return s.urgentQ.RenewLeases(ctx, holder, ttl)
}

// WriteSignal is Written (nil on PostgreSQL).
func (s *Store) WriteSignal() func() <-chan struct{} { return s.Written }

var _ store.Store = (*Store)(nil)

// New wraps an open pool.
func New(db *sql.DB, d *Dialect, logger *slog.Logger) *Store {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Store{queries: newQueries(newStmtCache(d, db), nil), db: db, logger: logger, chunks: newChunkCache()}
}

func (s *Store) Dialect() string                { return s.d.Name }
func (s *Store) DB() *sql.DB                    { return s.db }
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }
func (s *Store) Close() error {
	if s.urgent != nil {
		_ = s.urgentQ.stmts.Close()
		s.urgent.Close()
	}
	_ = s.stmts.Close()
	return s.db.Close()
}
func (s *Store) Migrate(ctx context.Context) error { return s.d.Migrate(ctx, s.db, s.logger) }

func (s *Store) InTx(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.inTx(ctx, func(q queries) error { return fn(txQueries{q}) })
}

// txQueries is the store.Tx handed to InTx's function.
type txQueries struct{ queries }

func (t txQueries) SQL() *sql.Tx { return t.tx }

// queries implements store.Queries on a pool or on one transaction.
type queries struct {
	d     *Dialect
	db    *sql.DB // the pool, inside a transaction too
	tx    *sql.Tx // nil outside one
	stmts *stmtCache
	q     gen.Querier
}

func newQueries(c *stmtCache, tx *sql.Tx) queries {
	return queries{d: c.d, db: c.db, tx: tx, stmts: c, q: c.d.Queries(preparedConn{c, tx})}
}

// pool is q outside its transaction.
func (q queries) pool() queries { return newQueries(q.stmts, nil) }

// inTx runs fn in a transaction, or in the current one when there is one.
func (q queries) inTx(ctx context.Context, fn func(q queries) error) (err error) {
	if q.tx != nil {
		return fn(q)
	}
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(newQueries(q.stmts, tx)); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", mapErr(q.d, err))
	}
	return nil
}
