// Package storetest runs a store test on both engines.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/testkit"
)

// Each runs body on a fresh, migrated SQLite file and on a fresh, migrated
// PostgreSQL database, as subtests "sqlite" and "postgres". The store is
// closed when the subtest ends. Packages using it should have
//
//	func TestMain(m *testing.M) { testkit.Main(m) }
func Each(t *testing.T, body func(t *testing.T, s store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { body(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { body(t, Postgres(t)) })
}

// EachParallel is Each with the two engines at once, for a slow test whose
// body owns everything it touches (no package variable it writes, no
// shared sandbox): the test takes the longer engine's time instead of the
// sum. The test itself still runs in its turn among the package's others.
func EachParallel(t *testing.T, body func(t *testing.T, s store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); body(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); body(t, Postgres(t)) })
}

// SQLite is a fresh, migrated SQLite store in a temporary directory
// (copied from one migrated once per test process, see SeedSQLite).
func SQLite(t testing.TB) store.Store {
	t.Helper()
	s, _ := SQLiteDir(t)
	return s
}

// SQLiteDir is SQLite and its data directory, for code that opens the
// database itself (a child process), as PostgresURL is for PostgreSQL.
func SQLiteDir(t testing.TB) (store.Store, string) {
	t.Helper()
	dir := t.TempDir()
	SeedSQLite(t, dir)
	return open(t, storeopen.Options{DataDir: dir, NoMigrate: true}), dir
}

var sqliteTemplate struct {
	once sync.Once
	file []byte
	err  error
}

// SeedSQLite writes a migrated, empty SQLite database where the store of
// dataDir looks for it. Migrating a new file costs seconds under -race
// (dozens of statements, each parsed by the C-to-Go SQLite) and more on a
// busy disk; the test process migrates one file and every store starts
// from a copy of its bytes, as PostgreSQL's start from a template.
func SeedSQLite(t testing.TB, dataDir string) {
	t.Helper()
	sqliteTemplate.once.Do(func() { sqliteTemplate.file, sqliteTemplate.err = migratedSQLite() })
	if sqliteTemplate.err != nil {
		t.Fatalf("sqlite template: %v", sqliteTemplate.err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dataDir, storeopen.FileName), sqliteTemplate.file, 0o600); err != nil {
		t.Fatalf("sqlite template: %v", err)
	}
}

// migratedSQLite is the bytes of a newly migrated SQLite database.
func migratedSQLite() ([]byte, error) {
	dir, err := os.MkdirTemp("", "telegramate-sqlite-template-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	s, err := storeopen.Open(context.Background(), storeopen.Options{DataDir: dir})
	if err != nil {
		return nil, err
	}
	if err := s.Close(); err != nil {
		return nil, err
	}
	// Closing the last connection folds the write-ahead log into the file;
	// a log left over would hold part of the schema.
	path := filepath.Join(dir, storeopen.FileName)
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		return nil, fmt.Errorf("%s-wal still holds %d bytes after closing", path, fi.Size())
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	return os.ReadFile(path)
}

// Postgres is a fresh, migrated store in a new PostgreSQL database (copied
// from one migrated once per test process).
func Postgres(t testing.TB) store.Store {
	t.Helper()
	s, _ := PostgresURL(t)
	return s
}

// PostgresURL is Postgres and the database's URL, for code that opens its
// own connections (River's listener, a second node).
func PostgresURL(t testing.TB) (store.Store, string) {
	t.Helper()
	url := testkit.PostgresTemplate(t, "telegramate-store", func(url string) error {
		s, err := storeopen.Open(context.Background(), storeopen.Options{DatabaseURL: url})
		if err != nil {
			return err
		}
		return s.Close()
	})
	// The template is migrated already.
	return open(t, storeopen.Options{DatabaseURL: url, NoMigrate: true}), url
}

func open(t testing.TB, o storeopen.Options) store.Store {
	t.Helper()
	s, err := storeopen.Open(context.Background(), o)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return s
}
