// Package postgres opens the PostgreSQL store, through pgx's database/sql
// driver so that River's riverdatabasesql driver and InsertTx work on the
// same *sql.Tx as the SQLite store.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"github.com/telegramate/telegramate/internal/store/migrations"
	"github.com/telegramate/telegramate/internal/store/postgres/db"
	"github.com/telegramate/telegramate/internal/store/sqlstore"
)

// Open connects to the database at url (postgres://…). It does not migrate.
func Open(ctx context.Context, url string, logger *slog.Logger) (*sqlstore.Store, error) {
	pool, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pool.SetMaxOpenConns(20)
	pool.SetMaxIdleConns(10)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	return sqlstore.New(pool, dialect, logger), nil
}

var dialect = &sqlstore.Dialect{
	Name:              "postgres",
	Queries:           func(conn db.DBTX) db.Querier { return db.New(conn) },
	IsUniqueViolation: isUniqueViolation,
	Placeholder:       func(n int) string { return "$" + strconv.Itoa(n) },
	// Blocks other inserts until commit, but not reads.
	SerializeUsers: "LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE",
	Migrate:        migrate,
}

// migrateLockID is the advisory lock every node takes around migrations
// (an arbitrary constant, distinct from goose's default).
const migrateLockID = 0x7465_6c65_6d61_7465 // "telemate"

// migrate holds one advisory lock around both goose's and River's
// migrations, so nodes starting together migrate one after the other. The
// lock is goose's session locker, taken on a connection of our own rather
// than handed to goose, because it must also cover River.
func migrate(ctx context.Context, pool *sql.DB, logger *slog.Logger) error {
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrateLockID), lock.WithLockTimeout(1, 600))
	if err != nil {
		return err
	}
	conn, err := pool.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if err := locker.SessionLock(ctx, conn); err != nil {
		return fmt.Errorf("migrate: take lock: %w", err)
	}
	defer func() {
		if err := locker.SessionUnlock(context.WithoutCancel(ctx), conn); err != nil {
			logger.Warn("migrate: release lock", slog.Any("err", err))
		}
	}()
	return sqlstore.Migrations{
		Goose: goose.DialectPostgres,
		FS:    migrations.Postgres(),
		River: riverdatabasesql.New(pool),
	}.Run(ctx, pool, logger)
}

// uniqueViolation is PostgreSQL's SQLSTATE for a unique constraint.
const uniqueViolation = "23505"

func isUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == uniqueViolation
}
