package layering

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// eachGoFile calls fn with every Go file under cmd and internal (skipping
// testdata and hidden folders): its path, and its path relative to the
// module root with forward slashes.
func eachGoFile(t *testing.T, fn func(path, rel string) error) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, top := range []string{"cmd", "internal"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if name := d.Name(); name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") {
				return nil
			}
			rel, _ := filepath.Rel(root, path)
			return fn(path, filepath.ToSlash(rel))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
