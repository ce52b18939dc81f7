package testkit

import (
	"os"
	"path/filepath"
	"testing"
)

// ModuleRoot is the folder holding go.mod, for tests that read the whole
// tree's source (go test runs each in its package's folder).
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
}
