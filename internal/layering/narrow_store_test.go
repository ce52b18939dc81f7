package layering

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const storeImport = module + "internal/store"

// wideStoreAllowed are the packages that may name store.Store: wiring,
// which opens the database and hands each domain package the part it
// declares, and test kits. Every other package declares the store it uses
// (its own Store interface), so a reader sees at a glance what it touches.
var wideStoreAllowed = map[string]bool{
	"cmd/telegramate":                true, // opens the store
	"internal/web":                   true, // builds the services it serves
	"internal/web/server":            true, // the server's setup
	"internal/campaign/campaigntest": true, // a test kit
	"internal/cluster/clustertest":   true, // a test kit
}

func TestDomainsTakeANarrowStore(t *testing.T) {
	seen := map[string]bool{}
	fset := token.NewFileSet()
	eachGoFile(t, func(path, rel string) error {
		if strings.HasSuffix(path, "_test.go") {
			return nil
		}
		pkg := filepath.ToSlash(filepath.Dir(rel))
		seen[pkg] = true
		// The store's own packages are the wide store.
		if pkg == "internal/store" || strings.HasPrefix(pkg, "internal/store/") || wideStoreAllowed[pkg] {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, line := range wideStoreUses(fset, f) {
			t.Errorf("%s:%d names store.Store; declare the part of the store package %s uses (see internal/inbox/store.go)",
				rel, line, pkg)
		}
		return nil
	})
	for pkg := range wideStoreAllowed {
		if !seen[pkg] {
			t.Errorf("allowed package %s not found; update the list", pkg)
		}
	}
}

// wideStoreUses is the lines of f that name Store of the store package,
// under whatever name f imports it.
func wideStoreUses(fset *token.FileSet, f *ast.File) []int {
	var names []string
	var lines []int
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p != storeImport {
			continue
		}
		switch {
		case imp.Name == nil:
			names = append(names, "store")
		case imp.Name.Name == ".":
			// Store would be a bare identifier: refuse the import itself.
			lines = append(lines, fset.Position(imp.Pos()).Line)
		case imp.Name.Name != "_":
			names = append(names, imp.Name.Name)
		}
	}
	if len(names) == 0 {
		return lines
	}
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Store" {
			return true
		}
		if x, ok := sel.X.(*ast.Ident); ok {
			for _, name := range names {
				if x.Name == name {
					lines = append(lines, fset.Position(sel.Pos()).Line)
				}
			}
		}
		return true
	})
	return lines
}
