package main

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
)

// TestBackupThenRestore: the commands on both engines write a 0600 backup
// that says the key is not in it, restore it into a new database only,
// and refuse a key that does not open it, naming the key id it needs.
func TestBackupThenRestore(t *testing.T) {
	fresh := map[string]func(t *testing.T) []string{
		"sqlite": func(t *testing.T) []string { return []string{"--data-dir", t.TempDir()} },
		"postgres": func(t *testing.T) []string {
			return []string{"--data-dir", t.TempDir(), "--database-url", testkit.Postgres(t)}
		},
	}
	for name, newDB := range fresh {
		t.Run(name, func(t *testing.T) {
			src := newDB(t)
			sealWith(t, flagValue(src, "--data-dir"), flagValue(src, "--database-url"), otherKey)
			c := cli{t, src}
			file := filepath.Join(t.TempDir(), "tg.backup")
			code, out, errOut := c.run("", "backup", "--to", file)
			if code != 0 || !strings.Contains(out, "The master key is not in it") {
				t.Fatalf("backup: %d %q %q", code, out, errOut)
			}
			if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("backup file: %v %v, want mode 0600", fi, err)
			}
			if code, _, errOut := c.run("", "backup", "--to", file); code != 1 || !strings.Contains(errOut, "already exists") {
				t.Fatalf("backup over a backup: %d %q", code, errOut)
			}

			// The wrong key: refused, named, and (SQLite) nothing left.
			dst := newDB(t)
			wrong := cli{t, append(append([]string{}, dst...), "--secret-key", apptest.TestKey)}
			code, _, errOut = wrong.run("", "restore", "--from", file)
			if code != 1 || !strings.Contains(errOut, `sealed with key id "other-instance"`) {
				t.Fatalf("restore with the wrong key: %d %q", code, errOut)
			}
			if name == "sqlite" {
				if _, err := os.Stat(filepath.Join(flagValue(dst, "--data-dir"), "telegramate.db")); !os.IsNotExist(err) {
					t.Fatalf("a refused restore left the database behind: %v", err)
				}
			}

			dst = newDB(t)
			right := cli{t, append(append([]string{}, dst...), "--secret-key", keyArg(otherKey))}
			code, out, errOut = right.run("", "restore", "--from", file)
			if code != 0 || !strings.Contains(out, "Restored the backup taken at") || !strings.Contains(out, "key other-instance opens its secrets") {
				t.Fatalf("restore: %d %q %q", code, out, errOut)
			}
			if code, _, errOut := right.run("", "restore", "--from", file); code != 1 ||
				(!strings.Contains(errOut, "already exists") && !strings.Contains(errOut, "not empty")) {
				t.Fatalf("restore over a database: %d %q", code, errOut)
			}
			if code, out, _ := right.run("", "user", "list"); code != 0 || !strings.Contains(out, "ann@example.com") {
				t.Fatalf("the restored database lacks the user: %d %q", code, out)
			}
		})
	}
}

func flagValue(flags []string, name string) string {
	for i := 0; i+1 < len(flags); i++ {
		if flags[i] == name {
			return flags[i+1]
		}
	}
	return ""
}

func keyArg(k secrets.Key) string {
	return k.ID + ":" + base64.StdEncoding.EncodeToString(k.Secret)
}
