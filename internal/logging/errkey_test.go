package logging_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/testkit"
)

// errKey is the one key the product logs errors under, so a search of the
// logs for one key finds every error (the outage tracker also reads
// River's, which uses both "err" and "error"; ours stay with one).
const errKey = "err"

// logMethods are slog's logging calls whose arguments after the message
// are key-value pairs.
var logMethods = map[string]bool{
	"Debug": true, "Info": true, "Warn": true, "Error": true,
	"DebugContext": true, "InfoContext": true, "WarnContext": true, "ErrorContext": true, "Log": true,
}

func TestOneKeyForErrors(t *testing.T) {
	root := testkit.ModuleRoot(t)
	fset := token.NewFileSet()
	var bad []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			keys := []ast.Expr{}
			switch {
			case isPkg(sel, "slog") && (sel.Sel.Name == "Any" || sel.Sel.Name == "String") && len(call.Args) > 0:
				keys = append(keys, call.Args[0])
			case logMethods[sel.Sel.Name] && !isPkg(sel, "t") && !isPkg(sel, "b"):
				// msg, then key, value, …; a slog.Attr among them is
				// checked by the case above.
				first := 1
				if strings.HasSuffix(sel.Sel.Name, "Context") {
					first = 2
				} else if sel.Sel.Name == "Log" {
					first = 3
				}
				for i := first; i < len(call.Args); i += 2 {
					keys = append(keys, call.Args[i])
				}
			}
			for _, k := range keys {
				lit, ok := k.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				if s, _ := strconv.Unquote(lit.Value); s == "error" || s == "e" || s == "errors" {
					rel, _ := filepath.Rel(root, fset.Position(lit.Pos()).Filename)
					bad = append(bad, rel+":"+strconv.Itoa(fset.Position(lit.Pos()).Line))
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("errors are logged under the key %q; these log one under another:\n%s", errKey, strings.Join(bad, "\n"))
	}
}

func isPkg(sel *ast.SelectorExpr, name string) bool {
	id, ok := sel.X.(*ast.Ident)
	return ok && id.Name == name
}
