package store_test

import (
	"context"
	"database/sql"
	"io/fs"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite"

	"github.com/telegramate/telegramate/internal/store/migrations"
	"github.com/telegramate/telegramate/internal/testkit"
)

// TestMembersMigrationKeepsRows runs 00004 (members lose their foreign
// keys; SQLite rebuilds the table) up and down over a database holding
// members, on both engines: every row survives, ids and all, and the
// unique (list, user) index still refuses a duplicate.
func TestMembersMigrationKeepsRows(t *testing.T) {
	for _, tc := range []struct {
		name    string
		driver  string
		dsn     func(t *testing.T) string
		dialect goose.Dialect
		fs      fs.FS
	}{
		{"sqlite", "sqlite", func(t *testing.T) string { return "file:" + testkit.SQLitePath(t) + "?_pragma=foreign_keys(1)" }, goose.DialectSQLite3, migrations.SQLite()},
		{"postgres", "pgx", func(t *testing.T) string { return testkit.Postgres(t) }, goose.DialectPostgres, migrations.Postgres()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := sql.Open(tc.driver, tc.dsn(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			p, err := goose.NewProvider(tc.dialect, db, tc.fs, goose.WithDisableGlobalRegistry(true))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.UpTo(ctx, 3); err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{
				`INSERT INTO users (id, email, password_hash, is_admin, created_at, updated_at) VALUES (1, 'a@example.com', 'x', TRUE, '2026-01-01 00:00:00Z', '2026-01-01 00:00:00Z')`,
				`INSERT INTO telegram_accounts (id, user_id, api_id, phone, status, status_detail, created_at, updated_at) VALUES (1, 1, 1, '9996620001', 'active', '', '2026-01-01 00:00:00Z', '2026-01-01 00:00:00Z')`,
				`INSERT INTO member_lists (id, user_id, name, source, member_count, created_at, updated_at) VALUES (1, 1, 'L', 'extraction', 2, '2026-01-01 00:00:00Z', '2026-01-01 00:00:00Z')`,
				`INSERT INTO members (list_id, account_id, tg_user_id, access_hash, username, first_name, bot, last_seen, seen_rank, role, search_text, sort_name, fetched_at)
				 VALUES (1, 1, 100, 5, 'ann', 'Ann', FALSE, 'recently', 9, 'member', 'ann', 'ann', '2026-01-01 00:00:00Z'),
				        (1, 1, 101, 6, '', 'Bot', TRUE, 'hidden', 0, 'admin', 'bot', 'bot', '2026-01-01 00:00:00Z')`,
			} {
				if _, err := db.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			check := func(when string) {
				t.Helper()
				var n, ids, bots int64
				if err := db.QueryRowContext(ctx, `SELECT COUNT(*), SUM(id), SUM(CASE WHEN bot THEN 1 ELSE 0 END) FROM members WHERE list_id = 1`).Scan(&n, &ids, &bots); err != nil {
					t.Fatalf("%s: %v", when, err)
				}
				if n != 2 || ids != 3 || bots != 1 {
					t.Errorf("%s: %d members, ids summing to %d, %d bots", when, n, ids, bots)
				}
				if _, err := db.ExecContext(ctx, `INSERT INTO members (list_id, account_id, tg_user_id, last_seen, role, fetched_at) VALUES (1, 1, 100, 'hidden', 'member', '2026-01-01 00:00:00Z')`); err == nil {
					t.Errorf("%s: a second row for user 100 in list 1 was accepted", when)
				}
			}
			if _, err := p.UpTo(ctx, 4); err != nil {
				t.Fatal(err)
			}
			check("after 00004")
			// New rows continue the ids.
			var id int64
			if err := db.QueryRowContext(ctx, `INSERT INTO members (list_id, account_id, tg_user_id, last_seen, role, fetched_at) VALUES (1, 1, 102, 'hidden', 'member', '2026-01-01 00:00:00Z') RETURNING id`).Scan(&id); err != nil || id <= 2 {
				t.Errorf("next id %d, %v", id, err)
			}
			if _, err := db.ExecContext(ctx, `DELETE FROM members WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
			if _, err := p.DownTo(ctx, 3); err != nil {
				t.Fatal(err)
			}
			check("after 00004 down")
		})
	}
}
