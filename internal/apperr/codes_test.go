package apperr_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/testkit"
)

// TestCodesAreNamed: no code outside tests compares an error's Code with a
// string literal (`e.Code == "flood_wait"`, `case "flood_wait":` in a
// switch on a Code). Such a comparison goes through a named constant, so
// renaming a code cannot leave one reader behind, silently never matching.
func TestCodesAreNamed(t *testing.T) {
	root := testkit.ModuleRoot(t)
	fset := token.NewFileSet()
	var bad []string
	isCode := func(e ast.Expr) bool {
		sel, ok := e.(*ast.SelectorExpr)
		return ok && sel.Sel.Name == "Code"
	}
	isLit := func(e ast.Expr) bool {
		b, ok := e.(*ast.BasicLit)
		return ok && b.Kind == token.STRING
	}
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
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || strings.HasSuffix(path, ".gen.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BinaryExpr:
				if (n.Op == token.EQL || n.Op == token.NEQ) && (isCode(n.X) && isLit(n.Y) || isCode(n.Y) && isLit(n.X)) {
					bad = append(bad, fset.Position(n.Pos()).String())
				}
			case *ast.SwitchStmt:
				if n.Tag == nil || !isCode(n.Tag) {
					return true
				}
				for _, st := range n.Body.List {
					for _, e := range st.(*ast.CaseClause).List {
						if isLit(e) {
							bad = append(bad, fset.Position(e.Pos()).String())
						}
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		rel, _ := filepath.Rel(root, b)
		t.Errorf("%s: an error code compared with a string literal; use its named constant (apperr.Code…)", rel)
	}
}
