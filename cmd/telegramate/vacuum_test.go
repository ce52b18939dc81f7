package main

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/telegramate/telegramate/internal/testkit"
)

// TestVacuumShrinksAnOldSQLiteDatabase: a database made before
// incremental auto-vacuum (mode none), with space freed by deletions, is
// rebuilt smaller and in incremental mode; on PostgreSQL the command says
// what to do instead and changes nothing.
func TestVacuumShrinksAnOldSQLiteDatabase(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "telegramate.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"PRAGMA auto_vacuum = NONE",
		"CREATE TABLE filler (b TEXT)",
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO filler SELECT printf('%.2000c', 'x') FROM n",
		"DELETE FROM filler",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	c := cli{t, []string{"--data-dir", dir}}
	code, out, errOut := c.run("", "vacuum")
	if code != 0 || !strings.Contains(out, "gives deleted rows' space back by itself") {
		t.Fatalf("vacuum: %d %q %q", code, out, errOut)
	}
	var before, after float64
	if _, err := fmt.Sscanf(out, "The database went from %f MB to %f MB", &before, &after); err != nil || after >= before || before < 4 {
		t.Errorf("vacuum reported %q: want it smaller than before (over 4 MB)", out)
	}
	db, err = sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode int
	if err := db.QueryRow("PRAGMA auto_vacuum").Scan(&mode); err != nil || mode != 2 {
		t.Errorf("auto_vacuum after the command: %d %v, want 2 (incremental)", mode, err)
	}

	pg := cli{t, []string{"--data-dir", t.TempDir(), "--database-url", testkit.Postgres(t)}}
	if code, _, errOut := pg.run("", "vacuum"); code != 1 || !strings.Contains(errOut, "VACUUM FULL") {
		t.Errorf("vacuum on PostgreSQL: %d %q", code, errOut)
	}
}
