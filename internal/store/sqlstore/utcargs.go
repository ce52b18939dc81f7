package sqlstore

import (
	"context"
	"database/sql"
	"time"

	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

// utcArgs stores every time in UTC at microsecond precision, whoever passed
// it. SQLite keeps times as text and compares them as text, so a time in
// another zone would sort wrongly; PostgreSQL keeps microseconds and would
// round the rest. Normalising here makes both engines give back exactly
// what the other would.
type utcArgs struct{ gen.DBTX }

func (u utcArgs) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return u.DBTX.ExecContext(ctx, query, normalizeTimes(args)...)
}

func (u utcArgs) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return u.DBTX.QueryContext(ctx, query, normalizeTimes(args)...)
}

func (u utcArgs) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return u.DBTX.QueryRowContext(ctx, query, normalizeTimes(args)...)
}

func normalizeTimes(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			args[i] = Time(v)
		case sql.NullTime:
			if v.Valid {
				args[i] = sql.NullTime{Time: Time(v.Time), Valid: true}
			}
		}
	}
	return args
}

// Time is t as the store keeps it: UTC, microseconds.
func Time(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// nullTime maps the zero time to NULL.
func nullTime(t time.Time) sql.NullTime {
	if t.IsZero() {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t, Valid: true}
}

// fromNullTime maps NULL to the zero time.
func fromNullTime(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}
