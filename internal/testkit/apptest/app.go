// Package apptest starts the whole Telegramate application in-process for
// tests. It lives apart from testkit because it imports every package of the
// app: a domain package whose tests use testkit (PostgreSQL, SQLite, the
// browser) must not pull in the web layer that imports it back.
package apptest

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/config"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/testkit"
	appserver "github.com/telegramate/telegramate/internal/web/server"
)

// App is the whole Telegramate application (web, API, jobs, database)
// running in-process, as `telegramate serve` would, on 127.0.0.1.
type App struct {
	// URL is the base URL, e.g. http://127.0.0.1:41234 (no trailing slash).
	URL string
	// DataDir holds the SQLite database and the generated secret key.
	DataDir string
	// Config is what the app was started with.
	Config *config.Config

	stop func()
}

// Stop stops the app now (a restart test starts another on the same
// DataDir); the test's end does nothing more.
func (a *App) Stop() { a.stop() }

// AppOption adjusts how StartApp starts the app.
type AppOption func(*appSettings)

type appSettings struct {
	args     []string
	postgres bool
	logLevel string
	logTo    io.Writer

	keyCheckEvery time.Duration
}

// AppArgs passes `serve` flags, e.g. AppArgs("--signup", "closed"); they
// win over StartApp's own (AppArgs("--data-dir", dir) reuses a directory).
func AppArgs(args ...string) AppOption {
	return func(s *appSettings) { s.args = append(s.args, args...) }
}

// AppOnPostgres runs the app on a fresh PostgreSQL database instead of
// SQLite, with TestKey as its master key (PostgreSQL nodes are never
// given a generated one).
func AppOnPostgres() AppOption {
	return func(s *appSettings) { s.postgres = true }
}

// TestKey is the master key AppOnPostgres gives the app, as
// --secret-key's "id:base64".
const TestKey = "apptest:dGVsZWdyYW1hdGUgYXBwdGVzdCBtYXN0ZXIga2V5ISE="

// AppKeyCheckEvery makes the app re-check its master keys against the
// database this often (default: the server's).
func AppKeyCheckEvery(d time.Duration) AppOption {
	return func(s *appSettings) { s.keyCheckEvery = d }
}

// AppLogLevel sets the app's log level (default "info"); logs go to the
// test's output, shown on failure or with -v.
func AppLogLevel(level string) AppOption {
	return func(s *appSettings) { s.logLevel = level }
}

// AppLogTo copies the app's log lines to w as well (a test searching them).
func AppLogTo(w io.Writer) AppOption {
	return func(s *appSettings) { s.logTo = w }
}

// AppSandbox points the app at a sandbox's data centers, as
// --telegram-dc and --telegram-public-key would.
func AppSandbox(t testing.TB, sb *sandbox.Server) AppOption {
	t.Helper()
	key := filepath.Join(t.TempDir(), "sandbox-key.pem")
	if err := os.WriteFile(key, sb.PublicKeyPEM(), 0o600); err != nil {
		t.Fatalf("sandbox key: %v", err)
	}
	args := []string{"--telegram-public-key", key}
	for id, addr := range sb.DCs() {
		args = append(args, "--telegram-dc", fmt.Sprintf("%d=%s", id, addr))
	}
	return AppArgs(args...)
}

// StartApp starts the app on a free port with a fresh data directory and
// waits until it serves. It stops when the test ends, and the test fails
// if it does not stop cleanly.
func StartApp(t testing.TB, opts ...AppOption) *App {
	t.Helper()
	s := appSettings{logLevel: "info"}
	for _, o := range opts {
		o(&s)
	}
	dataDir := t.TempDir()
	args := []string{"--data-dir", dataDir, "--log-level", s.logLevel}
	if s.postgres {
		args = append(args, "--database-url", testkit.Postgres(t), "--secret-key", TestKey)
	} else if !slices.Contains(s.args, "--data-dir") && !slices.Contains(s.args, "--database-url") {
		// A new SQLite database starts migrated, as a copy: the app's own
		// migration costs seconds under -race and is the same every time.
		storetest.SeedSQLite(t, dataDir)
	}
	args = append(args, s.args...)

	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg := config.Register(fs)
	// The environment is ignored so a developer's TELEGRAMATE_* variables
	// cannot change what a test runs against.
	if err := cfg.Load(fs, args, func(string) string { return "" }); err != nil {
		t.Fatalf("start app: %v", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("start app: %v", err)
	}
	cfg.Listen = ln.Addr().String()

	var logOut io.Writer = t.Output()
	if s.logTo != nil {
		logOut = io.MultiWriter(t.Output(), s.logTo)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- appserver.Run(ctx, appserver.Options{
			Config:   cfg,
			Logger:   config.NewLogger(logOut, cfg.LogFormat, cfg.LogLevel).With(slog.String("app", "testkit")),
			Listener: ln,
			Version:  "test",
			Ready:    func(net.Addr) { close(ready) },

			KeyCheckEvery: s.keyCheckEvery,
		})
	}()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("start app: %v", err)
	case <-time.After(time.Minute):
		cancel()
		t.Fatal("start app: not serving after a minute")
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("app stopped with: %v", err)
				}
			case <-time.After(appserver.ShutdownTimeout + 5*time.Second):
				t.Errorf("app did not stop within %v", appserver.ShutdownTimeout+5*time.Second)
			}
		})
	}
	t.Cleanup(stop)
	return &App{URL: "http://" + ln.Addr().String(), DataDir: cfg.DataDir, Config: cfg, stop: stop}
}
