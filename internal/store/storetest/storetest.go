// Package storetest runs a store test on both engines.
package storetest

import (
	"context"
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

// SQLite is a fresh, migrated SQLite store in a temporary directory.
func SQLite(t testing.TB) store.Store {
	t.Helper()
	return open(t, storeopen.Options{DataDir: t.TempDir()})
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
