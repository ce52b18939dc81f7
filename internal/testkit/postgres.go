package testkit

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for the admin connection
)

var pg struct {
	once   sync.Once
	srv    *pgServer
	err    error
	create sync.Mutex // one CREATE DATABASE at a time, so templates are never busy
	seq    atomic.Int64

	tmplMu    sync.Mutex
	templates map[string]*template
}

type template struct {
	once sync.Once
	name string
	err  error
}

// Postgres returns the URL of a new, empty database on the test process's
// PostgreSQL server (started on first use), dropped when the test ends.
// Without PostgreSQL binaries the test is skipped, or fails when CI=true.
func Postgres(t testing.TB) string {
	t.Helper()
	return newDatabase(t, server(t), "template1")
}

// PostgresTemplate is Postgres for a database that init has prepared once
// per test process (for example migrated): the first call for key runs init
// on a template database, every call copies the template, which is much
// faster than repeating init. init must close its connections.
func PostgresTemplate(t testing.TB, key string, init func(url string) error) string {
	t.Helper()
	srv := server(t)
	pg.tmplMu.Lock()
	if pg.templates == nil {
		pg.templates = map[string]*template{}
	}
	tm := pg.templates[key]
	if tm == nil {
		tm = &template{name: fmt.Sprintf("tmpl_%d", len(pg.templates)+1)}
		pg.templates[key] = tm
	}
	pg.tmplMu.Unlock()
	tm.once.Do(func() {
		if tm.err = srv.createDatabase(tm.name, "template1"); tm.err == nil {
			tm.err = init(srv.url(tm.name))
		}
	})
	if tm.err != nil {
		t.Fatalf("postgres template %q: %v", key, tm.err)
	}
	return newDatabase(t, srv, tm.name)
}

func newDatabase(t testing.TB, srv *pgServer, from string) string {
	t.Helper()
	name := fmt.Sprintf("test_%d", pg.seq.Add(1))
	if err := srv.createDatabase(name, from); err != nil {
		t.Fatalf("postgres: %v", err)
	}
	t.Cleanup(func() {
		// FORCE ends connections a test forgot to close.
		if _, err := srv.admin.Exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("postgres: drop %s: %v", name, err)
		}
	})
	return srv.url(name)
}

func (s *pgServer) createDatabase(name, template string) error {
	pg.create.Lock()
	defer pg.create.Unlock()
	_, err := s.admin.ExecContext(context.Background(),
		fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s%s", name, template, s.strategy))
	if err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// server starts the process's PostgreSQL on first use.
func server(t testing.TB) *pgServer {
	t.Helper()
	pg.once.Do(func() { pg.srv, pg.err = startPostgres() })
	if pg.err == errNoPostgres && !inCI() {
		t.Skip("PostgreSQL binaries not found (PATH or /usr/lib/postgresql/*/bin); skipping")
	}
	if pg.err != nil {
		t.Fatalf("postgres: %v", pg.err)
	}
	return pg.srv
}

func stopPostgres() {
	if pg.srv != nil {
		pg.srv.stop()
	}
}

func openAdmin(url string) (*sql.DB, error) { return sql.Open("pgx", url) }
