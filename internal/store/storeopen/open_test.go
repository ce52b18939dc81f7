package storeopen_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/store/storeopen"
)

func TestOpenSQLiteInDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s, err := storeopen.Open(context.Background(), storeopen.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Dialect() != "sqlite" {
		t.Errorf("dialect %q", s.Dialect())
	}
	if _, err := os.Stat(filepath.Join(dir, storeopen.FileName)); err != nil {
		t.Error(err)
	}
	if _, err := s.ListUsers(context.Background()); err != nil {
		t.Errorf("not migrated: %v", err)
	}
}

func TestOpenRefusesOtherURLs(t *testing.T) {
	_, err := storeopen.Open(context.Background(), storeopen.Options{DataDir: t.TempDir(), DatabaseURL: "mysql://u:pw@db/x"})
	if err == nil || !strings.Contains(err.Error(), "postgres://") || strings.Contains(err.Error(), "pw") {
		t.Errorf("mysql URL: %v", err)
	}
}

func TestIsPostgres(t *testing.T) {
	for url, want := range map[string]bool{
		"postgres://h/db": true, "postgresql://h/db": true, "": false, "sqlite:///x": false, "file:x.db": false,
	} {
		if got := storeopen.IsPostgres(url); got != want {
			t.Errorf("IsPostgres(%q) = %v", url, got)
		}
	}
}

// TestDatabaseFilesArePrivate: the database and its -wal and -shm files
// are 0600 even in a directory others can read (which is warned about),
// and files an older version left 0644 are tightened.
func TestDatabaseFilesArePrivate(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(dir, storeopen.FileName+"-wal")
	if err := os.WriteFile(old, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	s, err := storeopen.Open(context.Background(), storeopen.Options{DataDir: dir, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.ListUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, storeopen.FileName+"*"))
	if len(files) < 2 {
		t.Fatalf("database files: %v", files)
	}
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s is %v, want -rw-------", filepath.Base(f), mode)
		}
	}
	if !strings.Contains(logs.String(), "chmod 700 "+dir) {
		t.Errorf("no warning about the readable data directory:\n%s", logs.String())
	}
}
