package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/migrations"
	"github.com/telegramate/telegramate/internal/store/sqlstore"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

func TestMigrationFilesInStep(t *testing.T) {
	names := func(fsys fs.FS) []string {
		entries, err := fs.ReadDir(fsys, ".")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	lite, pg := names(migrations.SQLite()), names(migrations.Postgres())
	if !slices.Equal(lite, pg) {
		t.Errorf("migration files differ:\nsqlite   %v\npostgres %v", lite, pg)
	}
}

// TestMigrationsInStep compares the schemas the two folders really produce:
// tables, columns with their kind and nullability, and named indexes.
func TestMigrationsInStep(t *testing.T) {
	lite := schemaOf(t, storetest.SQLite(t))
	pg := schemaOf(t, storetest.Postgres(t))
	for _, k := range slices.Sorted(maps.Keys(union(lite, pg))) {
		if lite[k] != pg[k] {
			t.Errorf("%s:\n  sqlite   %q\n  postgres %q", k, lite[k], pg[k])
		}
	}
	if len(lite) < 10 {
		t.Fatalf("schema looks empty: %v", lite)
	}
}

func TestSealedColumnsListed(t *testing.T) {
	schema := schemaOf(t, storetest.SQLite(t))
	listed := map[string]bool{}
	for _, c := range sqlstore.SealedColumns {
		key := "column " + c.Table + "." + c.Column
		listed[key] = true
		if !strings.HasPrefix(schema[key], "bytes") {
			t.Errorf("sqlstore.SealedColumns lists %s.%s, which is not a bytes column (%q)", c.Table, c.Column, schema[key])
		}
	}
	for k := range schema {
		if strings.HasSuffix(k, "_sealed") && !listed[k] {
			t.Errorf("%s is not in sqlstore.SealedColumns, so secrets rotation would skip it", k)
		}
	}
}

func union(a, b map[string]string) map[string]string {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}

// schemaOf describes our tables (not goose's or River's) as
// "column table.name" → "kind null|not null" and "index name" → "table".
func schemaOf(t *testing.T, s store.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	db := s.DB()
	if s.Dialect() == "sqlite" {
		for _, table := range strings.Fields(queryString(t, db, `SELECT group_concat(name, ' ') FROM sqlite_master
			WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'river_%' AND name <> 'goose_db_version'`)) {
			rows := query(t, db, fmt.Sprintf("SELECT name, type, \"notnull\" OR pk > 0 FROM pragma_table_info('%s')", table))
			for _, r := range rows {
				out["column "+table+"."+r[0]] = kind(t, r[1]) + nullness(r[2] == "1")
			}
		}
		for _, r := range query(t, db, `SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
			AND tbl_name NOT LIKE 'river_%'`) {
			out["index "+r[0]] = r[1]
		}
		return out
	}
	for _, r := range query(t, db, `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name NOT LIKE 'river_%' AND table_name <> 'goose_db_version'`) {
		out["column "+r[0]+"."+r[1]] = kind(t, r[2]) + nullness(r[3] == "NO")
	}
	// Indexes that back a constraint (primary keys, inline UNIQUE) are
	// named by each engine its own way; compare only the ones we named.
	for _, r := range query(t, db, `SELECT i.relname, tb.relname FROM pg_index x
		JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class tb ON tb.oid = x.indrelid
		JOIN pg_namespace n ON n.oid = tb.relnamespace
		WHERE n.nspname = 'public' AND tb.relname NOT LIKE 'river_%' AND tb.relname <> 'goose_db_version'
		AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`) {
		out["index "+r[0]] = r[1]
	}
	return out
}

// kind maps each engine's column type to what Go sees. A type missing here
// fails the test: add it only if sqlc maps it the same way on both.
func kind(t *testing.T, typ string) string {
	switch strings.ToLower(typ) {
	case "integer", "bigint":
		return "int64"
	case "text":
		return "string"
	case "blob", "bytea":
		return "bytes"
	case "datetime", "timestamp with time zone":
		return "time"
	case "boolean":
		return "bool"
	}
	t.Errorf("column type %q has no Go kind in this test", typ)
	return typ
}

func nullness(notNull bool) string {
	if notNull {
		return " not null"
	}
	return " null"
}

func queryString(t *testing.T, db *sql.DB, q string) string {
	var s sql.NullString
	if err := db.QueryRowContext(context.Background(), q).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s.String
}

func query(t *testing.T, db *sql.DB, q string) [][]string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = v.String
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
