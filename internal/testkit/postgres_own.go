package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// PostgresServer is a PostgreSQL server of one test's own, which the test
// may stop and start again (on the same data folder and port) to see what
// its clients do while the database is away. Tests that only need a
// database use Postgres, which shares one server per test process.
type PostgresServer struct {
	t    testing.TB
	bin  string
	dir  string
	cred *syscall.Credential
	port int
	srv  *pgServer // nil while stopped
}

// StartPostgresServer starts a new server with one empty database,
// "telegramate", stopped and removed when the test ends. Without
// PostgreSQL binaries the test is skipped, or fails when CI=true.
func StartPostgresServer(t testing.TB) *PostgresServer {
	t.Helper()
	bin, err := postgresBin()
	if err == errNoPostgres && !inCI() {
		t.Skip("PostgreSQL binaries not found (PATH or /usr/lib/postgresql/*/bin); skipping")
	}
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	removeStaleDirs()
	dir, err := os.MkdirTemp(baseDir(), fmt.Sprintf("telegramate-pg-%d-", os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	p := &PostgresServer{t: t, bin: bin, dir: dir}
	t.Cleanup(func() {
		if p.srv != nil {
			p.srv.kill()
		}
		os.RemoveAll(dir)
	})
	if p.cred, err = serverUser(dir); err != nil {
		t.Fatal(err)
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"),
		"-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	for attempt := 0; ; attempt++ {
		if p.port, err = freePort(); err != nil {
			t.Fatal(err)
		}
		if p.srv, err = runPostgresOn(bin, dir, p.cred, p.port); err == nil {
			break
		}
		if attempt == 4 {
			t.Fatalf("postgres: %v", err)
		}
	}
	if _, err := p.srv.admin.Exec("CREATE DATABASE telegramate"); err != nil {
		t.Fatalf("postgres: %v", err)
	}
	return p
}

// URL is the "telegramate" database's URL.
func (p *PostgresServer) URL() string { return p.srvURL("telegramate") }

func (p *PostgresServer) srvURL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.port, db)
}

// Stop stops the server at once (an immediate shutdown: connections are
// cut, and the next start recovers from the write-ahead log as after a
// crash).
func (p *PostgresServer) Stop() {
	p.t.Helper()
	if p.srv == nil {
		p.t.Fatal("postgres: already stopped")
	}
	p.srv.kill()
	p.srv = nil
}

// Start starts the stopped server again on its data folder and port.
func (p *PostgresServer) Start() {
	p.t.Helper()
	if p.srv != nil {
		p.t.Fatal("postgres: already running")
	}
	srv, err := runPostgresOn(p.bin, p.dir, p.cred, p.port)
	if err != nil {
		p.t.Fatalf("postgres restart on port %d: %v", p.port, err)
	}
	p.srv = srv
}

// Log is the server's log so far.
func (p *PostgresServer) Log() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "postgres.log"))
	return string(b)
}

// PID is the server's main process id (0 while stopped), for measuring
// the CPU it and its backends use.
func (p *PostgresServer) PID() int {
	if p.srv == nil {
		return 0
	}
	return p.srv.cmd.Process.Pid
}
