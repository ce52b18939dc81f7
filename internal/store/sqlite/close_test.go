package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/store"
)

// TestCloseLeavesNothingBehind: a statement first run inside a transaction
// is prepared for the pool on the side; Close ends that and waits for it,
// so nothing opens the database after it. A late connection made its -wal
// and -shm files while a test's temporary folder was being removed
// ("TempDir RemoveAll cleanup: directory not empty", in CI).
func TestCloseLeavesNothingBehind(t *testing.T) {
	ctx := context.Background()
	tmpl := filepath.Join(t.TempDir(), "t.db")
	s, err := Open(ctx, tmpl, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close()
	migrated, err := os.ReadFile(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		path := filepath.Join(t.TempDir(), "t.db")
		if err := os.WriteFile(path, migrated, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(ctx, path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.UserByEmail(ctx, "ann@example.com")
			if err == store.ErrNotFound {
				err = nil
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if g := preparingAside(); g != "" {
			t.Fatalf("round %d: a statement is still being prepared after Close:\n%s", i, g)
		}
	}
}

// preparingAside is the stack of a goroutine preparing a statement for
// the pool on the side, "" when there is none.
func preparingAside() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "(*stmtCache).stmt.func") {
			return g
		}
	}
	return ""
}
