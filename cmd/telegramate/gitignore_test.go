package main

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestDataDirsAreIgnored: the folders the binary makes in the working
// directory hold secret.key and the database; a checkout's .gitignore
// keeps them out of commits, the demo's as well as the default one.
func TestDataDirsAreIgnored(t *testing.T) {
	b, err := os.ReadFile("../../.gitignore")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for _, dir := range []string{demoDataDir, "./telegramate-data"} {
		if want := "/" + strings.TrimPrefix(dir, "./") + "/"; !slices.Contains(lines, want) {
			t.Errorf(".gitignore lacks %q (the folder holds secret.key)", want)
		}
	}
}
