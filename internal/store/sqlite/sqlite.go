// Package sqlite opens the embedded SQLite store: one file, WAL, foreign
// keys on, the process's writers taking turns in arrival order (writer.go).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/telegramate/telegramate/internal/store/migrations"
	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
	"github.com/telegramate/telegramate/internal/store/sqlstore"
)

// params configure every connection of the pool:
//   - WAL lets readers run beside the writer;
//   - busy_timeout makes a writer wait for another process's lock instead
//     of failing (this process's writers queue in writer.go first);
//   - _txlock=immediate takes the write lock at BEGIN, so a transaction
//     never fails half-way when it first writes (SQLITE_BUSY_SNAPSHOT,
//     which no busy timeout retries);
//   - _time_format=sqlite writes times as sortable text (the driver's
//     default, time.Time.String, is not);
//   - synchronous stays FULL, SQLite's default: a committed row (a
//     delivery's random_id) must survive a power cut, not only a crash.
const params = "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
	"&_txlock=immediate&_time_format=sqlite"

// locks holds one writerLock per database file, so that two pools on one
// file (a test reopening its store) still take turns with each other.
var locks sync.Map // absolute path → *writerLock

func lockOf(path string) (*writerLock, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: database path %q: %w", path, err)
	}
	l, _ := locks.LoadOrStore(abs, &writerLock{})
	return l.(*writerLock), nil
}

// Open opens (creating if needed) the database file at path. It does not
// migrate.
func Open(ctx context.Context, path string, logger *slog.Logger) (*sqlstore.Store, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite: database path %q must not contain '?' or '#'", path)
	}
	fi, statErr := os.Stat(path)
	fresh := errors.Is(statErr, os.ErrNotExist) || (statErr == nil && fi.Size() == 0)
	inner, err := sqlite.NewConnector("file:" + path + params)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	lock, err := lockOf(path)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector{Connector: inner, lock: lock})
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if fresh {
		// A new database starts in incremental auto-vacuum, so the
		// pruning job can give deleted rows' pages back to the file
		// system. Not a connection parameter: setting it takes a lock
		// that a connection opened beside a transaction cannot get. An
		// older database keeps its mode until 'telegramate vacuum'.
		if err := sqlstore.SetIncrementalVacuum(ctx, db); err != nil {
			db.Close()
			return nil, fmt.Errorf("sqlite: %s: %w", path, err)
		}
	}
	// The lease renewal's own connection, whose writes go before queued
	// ones: waiting for a pooled connection, or in the queue, behind the
	// node's own work could make the node give up every account it holds.
	urgent := sql.OpenDB(connector{Connector: inner, lock: lock, urgent: true})
	urgent.SetMaxOpenConns(1)
	urgent.SetMaxIdleConns(1)
	urgent.SetConnMaxIdleTime(5 * time.Minute)
	st := sqlstore.New(db, dialect, logger)
	st.Written = lock.Written
	st.SetUrgent(urgent)
	return st, nil
}

var dialect = &sqlstore.Dialect{
	Name:              "sqlite",
	Queries:           func(db gen.DBTX) gen.Querier { return queries{newQueries(db)} },
	IsUniqueViolation: isUniqueViolation,
	Placeholder:       func(int) string { return "?" },
	Migrate: func(ctx context.Context, db *sql.DB, logger *slog.Logger) error {
		return sqlstore.Migrations{
			Goose: goose.DialectSQLite3,
			FS:    migrations.SQLite(),
			River: riversqlite.New(db),
		}.Run(ctx, db, logger)
	},
}

func isUniqueViolation(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}
