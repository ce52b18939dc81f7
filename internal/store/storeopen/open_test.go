package storeopen_test

import (
	"context"
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
