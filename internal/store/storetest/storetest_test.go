package storetest_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestSeededSQLiteIsMigratedAndOwn: a store started from the process's
// migrated copy has every migration (migrating it again changes nothing)
// and its own data (one store's rows are not another's).
func TestSeededSQLiteIsMigratedAndOwn(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	storetest.SeedSQLite(t, dir)
	var logs bytes.Buffer
	s, err := storeopen.Open(ctx, storeopen.Options{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if strings.Contains(logs.String(), "database migrated") {
		t.Errorf("the seeded database needed migrations: %s", logs.String())
	}
	if _, err := s.CreateUser(ctx, store.NewUser{Email: "ann@example.com", PasswordHash: "x", Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	other := storetest.SQLite(t)
	if _, err := other.UserByEmail(ctx, "ann@example.com"); err == nil {
		t.Error("a second seeded store sees the first one's user")
	}
	if _, err := other.CreateUser(ctx, store.NewUser{Email: "ann@example.com", PasswordHash: "x", Now: time.Now()}); err != nil {
		t.Errorf("a second seeded store cannot take the same email: %v", err)
	}
}
