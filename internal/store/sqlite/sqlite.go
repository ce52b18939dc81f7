// Package sqlite opens the embedded SQLite store: one file, WAL, foreign
// keys on, writers taking turns through busy_timeout.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
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
//   - busy_timeout makes a writer wait for the lock instead of failing;
//   - _txlock=immediate takes the write lock at BEGIN, so a transaction
//     never fails half-way when it first writes (SQLITE_BUSY_SNAPSHOT,
//     which no busy timeout retries);
//   - _time_format=sqlite writes times as sortable text (the driver's
//     default, time.Time.String, is not);
//   - synchronous stays FULL, SQLite's default: a committed row (a
//     delivery's random_id) must survive a power cut, not only a crash.
const params = "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
	"&_txlock=immediate&_time_format=sqlite"

// Open opens (creating if needed) the database file at path. It does not
// migrate.
func Open(ctx context.Context, path string, logger *slog.Logger) (*sqlstore.Store, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite: database path %q must not contain '?' or '#'", path)
	}
	db, err := sql.Open("sqlite", "file:"+path+params)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return sqlstore.New(db, dialect, logger), nil
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
