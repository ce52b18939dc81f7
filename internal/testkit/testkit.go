// Package testkit holds the real parts tests run against: a PostgreSQL
// server started once per test process, SQLite files, free ports.
//
// A package whose tests use Postgres should stop the server when its tests
// end, with a TestMain:
//
//	func TestMain(m *testing.M) { testkit.Main(m) }
//
// Without it the server still dies with the test process (it gets a signal
// when its parent exits) but leaves its temporary folder behind until the
// next run cleans it up.
package testkit

import (
	"net"
	"os"
	"path/filepath"
	"testing"
)

// Main runs the tests, stops what testkit started and exits.
func Main(m *testing.M) {
	code := m.Run()
	stopPostgres()
	os.Exit(code)
}

// SQLitePath is a path for a new SQLite file in a directory removed after
// the test.
func SQLitePath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "test.db")
}

// freePort is a TCP port on 127.0.0.1 nobody listened on a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// inCI is true in the CI run, where a missing part is a failure, not a skip.
func inCI() bool { return os.Getenv("CI") == "true" }
