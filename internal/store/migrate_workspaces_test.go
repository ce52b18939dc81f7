package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/telegramate/telegramate/internal/store/migrations"
	"github.com/telegramate/telegramate/internal/testkit"
)

// workspacesSeed is a small but complete database at 00028: two users with
// accounts, a login under way, lists, members, an extraction, a campaign
// with senders and deliveries, suppressions, a conversation with messages,
// a webhook with a delivery, a queued call, tokens and web sessions. User 7
// has no rows, and ids leave gaps, so a migration that renumbered or
// matched by position would show.
var workspacesSeed = []string{
	`INSERT INTO users (id, email, password_hash, is_admin, created_at, updated_at) VALUES
	   (1, 'ann@example.com', 'h1', TRUE, '2026-01-01 00:00:00Z', '2026-01-01 00:00:00Z'),
	   (4, 'bob@example.com', 'h2', FALSE, '2026-01-02 00:00:00Z', '2026-01-02 00:00:00Z'),
	   (7, 'cy@example.com', 'h3', FALSE, '2026-01-03 00:00:00Z', '2026-01-03 00:00:00Z')`,
	`INSERT INTO web_sessions (token, data, expiry, user_id) VALUES ('s1', 'x', '2027-01-01 00:00:00Z', 1), ('s2', 'y', '2027-01-01 00:00:00Z', 4)`,
	`INSERT INTO login_devices (token_hash, user_id, created_at) VALUES ('d1', 4, '2026-01-02 00:00:00Z')`,
	`INSERT INTO login_failures (throttle_key, failed_at) VALUES ('ip:127.0.0.1', '2026-01-02 00:00:00Z')`,
	`INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, created_at) VALUES
	   (3, 1, 'ci', 'hash1', 'tgm_aaaaaa', '2026-01-01 00:00:00Z'), (9, 4, 'bot', 'hash2', 'tgm_bbbbbb', '2026-01-02 00:00:00Z')`,
	`INSERT INTO telegram_accounts (id, user_id, api_id, phone, status, created_at, updated_at) VALUES
	   (2, 1, 11, '9996620001', 'active', '2026-01-01 00:00:00Z', '2026-01-01 00:00:00Z'),
	   (5, 4, 12, '9996620002', 'needs_relogin', '2026-01-02 00:00:00Z', '2026-01-02 00:00:00Z')`,
	`INSERT INTO pending_logins (user_id, account_id, api_id, api_hash_sealed, phone, phone_code_hash_sealed, state, created_at, expires_at) VALUES
	   (4, 5, 12, 'sealed', '9996620002', 'sealed', 'code_sent', '2026-01-02 00:00:00Z', '2026-01-02 00:10:00Z')`,
	`INSERT INTO account_activity (account_id, user_id, event, ip, created_at) VALUES (2, 1, 'connected', '127.0.0.1', '2026-01-01 00:00:00Z')`,
	`INSERT INTO account_calls (account_id, user_id, node, body, flood_wait_max_ms, created_at) VALUES (2, 1, 'n1', 'tl', 1000, '2026-01-01 00:00:00Z')`,
	`INSERT INTO member_lists (id, user_id, name, source, member_count, created_at, updated_at) VALUES
	   (6, 1, 'Group', 'extraction', 2, '2026-01-01 00:00:00Z', '2026-01-01 00:00:00Z'),
	   (8, 4, 'Merged', 'merge', 0, '2026-01-02 00:00:00Z', '2026-01-02 00:00:00Z')`,
	`INSERT INTO members (list_id, account_id, tg_user_id, username, first_name, last_seen, role, fetched_at) VALUES
	   (6, 2, 100, 'ann', 'Ann', 'recently', 'member', '2026-01-01 00:00:00Z'), (6, 2, 101, '', 'Al', 'hidden', 'admin', '2026-01-01 00:00:00Z')`,
	`INSERT INTO extractions (user_id, account_id, list_id, chat_tg_id, chat_kind, chat_title, status, created_at, updated_at) VALUES
	   (1, 2, 6, 555, 'supergroup', 'Group', 'completed', '2026-01-01 00:00:00Z', '2026-01-01 00:00:00Z')`,
	`INSERT INTO campaigns (id, user_id, name, message, status, min_interval_seconds, daily_cap, created_at, updated_at) VALUES
	   (3, 1, 'Hello', 'Hi {first_name}', 'running', 60, 100, '2026-01-01 00:00:00Z', '2026-01-01 00:00:00Z')`,
	`INSERT INTO campaign_senders (campaign_id, account_id) VALUES (3, 2)`,
	`INSERT INTO deliveries (campaign_id, user_id, account_id, tg_user_id, state, random_id, updated_at) VALUES
	   (3, 1, 2, 100, 'sent', 77, '2026-01-01 00:00:00Z'), (3, 1, 0, 101, 'pending', 78, '2026-01-01 00:00:00Z')`,
	`INSERT INTO suppressions (user_id, tg_user_id, username, reason, created_at) VALUES
	   (1, 100, '', 'asked', '2026-01-01 00:00:00Z'), (4, 0, 'spam', '', '2026-01-02 00:00:00Z')`,
	`INSERT INTO conversations (id, user_id, account_id, tg_user_id, last_message_at, status, campaign_id, created_at, updated_at) VALUES
	   (4, 1, 2, 100, '2026-01-01 00:00:00Z', 'open', 3, '2026-01-01 00:00:00Z', '2026-01-01 00:00:00Z')`,
	`INSERT INTO inbox_messages (conversation_id, user_id, account_id, direction, origin, text, sent_at, created_at, updated_at) VALUES
	   (4, 1, 2, 'in', 'person', 'hi', '2026-01-01 00:00:00Z', '2026-01-01 00:00:00Z', '2026-01-01 00:00:00Z'),
	   (4, 1, 2, 'out', 'answer', 'hello', '2026-01-01 00:00:00Z', '2026-01-01 00:00:00Z', '2026-01-01 00:00:00Z')`,
	`INSERT INTO webhook_endpoints (id, user_id, url, secret_sealed, events, created_at) VALUES
	   (2, 4, 'https://example.com/hook', 'sealed', 'reply.received', '2026-01-02 00:00:00Z')`,
	`INSERT INTO webhook_deliveries (endpoint_id, user_id, event_id, event_type, body, state, next_attempt_at, created_at, updated_at) VALUES
	   (2, 4, 'e1', 'reply.received', '{}', 'pending', '2026-01-02 00:00:00Z', '2026-01-02 00:00:00Z', '2026-01-02 00:00:00Z')`,
}

// TestWorkspacesMigrationKeepsEveryRow seeds a database at 00028, runs
// 00029 on both engines and compares every row of every table: nothing
// changes but the two new tables and the tokens' new columns. Each user
// owns a workspace with the user's id, holding exactly the rows keyed by
// that id; a workspace made afterwards (whose id is no user's) can own
// rows, and sees none of the old ones.
func TestWorkspacesMigrationKeepsEveryRow(t *testing.T) {
	for _, tc := range []struct {
		name    string
		driver  string
		dsn     func(t *testing.T) string
		dialect goose.Dialect
		fs      fs.FS
		tables  string
	}{
		{"sqlite", "sqlite", func(t *testing.T) string { return "file:" + testkit.SQLitePath(t) + "?_pragma=foreign_keys(1)" }, goose.DialectSQLite3, migrations.SQLite(),
			`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version' ORDER BY name`},
		{"postgres", "pgx", func(t *testing.T) string { return testkit.Postgres(t) }, goose.DialectPostgres, migrations.Postgres(),
			`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'goose_db_version' ORDER BY table_name`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
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
			if _, err := p.UpTo(ctx, 28); err != nil {
				t.Fatal(err)
			}
			for _, q := range workspacesSeed {
				if _, err := db.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			before := dumpTables(t, db, tc.tables, nil)
			if len(before) < 20 {
				t.Fatalf("only %d tables at 00028", len(before))
			}
			if _, err := p.UpTo(ctx, 29); err != nil {
				t.Fatal(err)
			}
			after := dumpTables(t, db, tc.tables, before)
			for table, rows := range before {
				if !slices.Equal(rows.rows, after[table].rows) {
					t.Errorf("%s changed:\nbefore %q\nafter  %q", table, rows.rows, after[table].rows)
				}
				if len(rows.rows) == 0 && table != "account_chats" && !strings.HasPrefix(table, "river_") &&
					!slices.Contains([]string{"account_channel_pts", "account_leases", "account_pace", "account_updates_state", "account_waits", "backup_marks", "nodes"}, table) {
					t.Errorf("the seed leaves %s empty: the comparison proves nothing for it", table)
				}
			}

			// Down and up again: the rows are as they were at 00028.
			if _, err := p.DownTo(ctx, 28); err != nil {
				t.Fatalf("down: %v", err)
			}
			down := dumpTables(t, db, tc.tables, before)
			for table, rows := range before {
				if !slices.Equal(rows.rows, down[table].rows) {
					t.Errorf("%s after down:\nbefore %q\nafter  %q", table, rows.rows, down[table].rows)
				}
			}
			if _, err := p.UpTo(ctx, 29); err != nil {
				t.Fatalf("up again: %v", err)
			}

			rows := func(q string) []string {
				t.Helper()
				return queryRows(t, db, q)
			}
			if got, want := rows(`SELECT id, name FROM workspaces ORDER BY id`),
				[]string{"1|ann@example.com's workspace", "4|bob@example.com's workspace", "7|cy@example.com's workspace"}; !slices.Equal(got, want) {
				t.Errorf("workspaces %q, want %q", got, want)
			}
			if got, want := rows(`SELECT workspace_id, user_id, role FROM workspace_members ORDER BY workspace_id`),
				[]string{"1|1|owner", "4|4|owner", "7|7|owner"}; !slices.Equal(got, want) {
				t.Errorf("members %q, want %q", got, want)
			}
			if got, want := rows(`SELECT user_id, by_user_id FROM account_activity`), []string{"1|1"}; !slices.Equal(got, want) {
				t.Errorf("activity %q, want %q: the owner was the person who acted", got, want)
			}
			if got, want := rows(`SELECT id, user_id, workspace_id, read_only FROM api_tokens ORDER BY id`),
				[]string{"3|1|1|false", "9|4|4|false"}; !slices.Equal(got, want) {
				t.Errorf("tokens %q, want %q", got, want)
			}
			if tc.name == "sqlite" {
				if got := rows(`SELECT * FROM pragma_foreign_key_check`); len(got) > 0 {
					t.Errorf("foreign key check: %q", got)
				}
			}

			// A new workspace continues the ids and owns rows of its own
			// though no user shares its id; it sees none of the old rows.
			var ws int64
			if err := db.QueryRowContext(ctx, `INSERT INTO workspaces (name, created_at) VALUES ('New', '2026-02-01 00:00:00Z') RETURNING id`).Scan(&ws); err != nil || ws <= 7 {
				t.Fatalf("new workspace id %d, %v", ws, err)
			}
			if _, err := db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO campaigns (user_id, name, message, status, min_interval_seconds, daily_cap, created_at, updated_at)
				VALUES (%d, 'Mine', 'x', 'draft', 60, 100, '2026-02-01 00:00:00Z', '2026-02-01 00:00:00Z')`, ws)); err != nil {
				t.Errorf("a campaign in workspace %d (no user has that id): %v", ws, err)
			}
			for _, table := range []string{"telegram_accounts", "pending_logins", "account_activity", "account_calls", "member_lists", "extractions",
				"suppressions", "conversations", "webhook_endpoints", "webhook_deliveries", "deliveries", "inbox_messages"} {
				if got := rows(fmt.Sprintf(`SELECT id FROM %s WHERE user_id = %d`, table, ws)); len(got) > 0 {
					t.Errorf("the new workspace sees %s %q", table, got)
				}
			}
			if _, err := db.ExecContext(ctx, `INSERT INTO suppressions (user_id, username, created_at) VALUES (99, 'x', '2026-02-01 00:00:00Z')`); err == nil {
				t.Error("a suppression in a workspace that does not exist was accepted")
			}
			// The database, not only the domain, keeps one owner.
			if _, err := db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO workspace_members (workspace_id, user_id, role, created_at) VALUES (%d, 1, 'owner', '2026-02-01 00:00:00Z'), (%d, 4, 'owner', '2026-02-01 00:00:00Z')`, ws, ws)); err == nil {
				t.Error("a second owner was accepted")
			}
			if _, err := db.ExecContext(ctx, `INSERT INTO workspace_members (workspace_id, user_id, role, created_at) VALUES (1, 4, 'boss', '2026-02-01 00:00:00Z')`); err == nil {
				t.Error("an unknown role was accepted")
			}
			// Deleting a workspace takes what it owns with it.
			if _, err := db.ExecContext(ctx, `DELETE FROM workspaces WHERE id = 4`); err != nil {
				t.Fatal(err)
			}
			if got := rows(`SELECT id FROM telegram_accounts WHERE user_id = 4`); len(got) > 0 {
				t.Errorf("workspace 4's accounts outlive it: %q", got)
			}
			if got := rows(`SELECT id FROM users WHERE id = 4`); len(got) != 1 {
				t.Errorf("deleting workspace 4 deleted its owner: %q", got)
			}
		})
	}
}

type tableDump struct {
	cols []string
	rows []string
}

// dumpTables reads every row of every table, each as "a|b|c" sorted; with
// cols set it reads those tables' columns only (a table's new columns are
// not a change to its old rows).
func dumpTables(t *testing.T, db *sql.DB, tablesQuery string, cols map[string]tableDump) map[string]tableDump {
	t.Helper()
	tables := queryRows(t, db, tablesQuery)
	out := map[string]tableDump{}
	for _, table := range tables {
		sel := "*"
		if prev, ok := cols[table]; ok {
			sel = strings.Join(prev.cols, ", ")
		}
		r, err := db.Query(fmt.Sprintf(`SELECT %s FROM %s`, sel, table))
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		names, _ := r.Columns()
		rows := scanRows(t, r)
		slices.Sort(rows)
		out[table] = tableDump{cols: names, rows: rows}
	}
	return out
}

func queryRows(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	r, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return scanRows(t, r)
}

func scanRows(t *testing.T, r *sql.Rows) []string {
	t.Helper()
	defer r.Close()
	cols, _ := r.Columns()
	var out []string
	for r.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := r.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch v := v.(type) {
			case []byte:
				parts[i] = string(v)
			case int64:
				parts[i] = fmt.Sprint(v)
			default:
				parts[i] = fmt.Sprint(v)
			}
			if parts[i] == "0" && (cols[i] == "read_only") {
				parts[i] = "false"
			} else if parts[i] == "1" && cols[i] == "read_only" {
				parts[i] = "true"
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
