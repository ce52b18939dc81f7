package layering

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestTestsNeverDialTelegram fails when a test builds a Telegram gateway
// without data centers of its own: telegram.Config's zero DCs are
// Telegram's real addresses, and tests talk to 127.0.0.1 only (the
// sandbox, or testkit.UnreachableTelegram for a gateway that must not be
// called). Such a call also waited out the connect timeout: 32 s of one
// test was an account rotation dialling out.
func TestTestsNeverDialTelegram(t *testing.T) {
	fset := token.NewFileSet()
	eachGoFile(t, func(path, rel string) error {
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok || !isTelegramConfig(lit.Type) {
				return true
			}
			for _, el := range lit.Elts {
				if kv, ok := el.(*ast.KeyValueExpr); ok {
					if key, ok := kv.Key.(*ast.Ident); ok && key.Name == "DCs" {
						return true
					}
				}
			}
			t.Errorf("%s:%d: telegram.Config without DCs dials Telegram's real servers; "+
				"use the sandbox's DCs, or testkit.UnreachableTelegram for a gateway the test never calls",
				rel, fset.Position(lit.Pos()).Line)
			return true
		})
		return nil
	})
}

func isTelegramConfig(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Config" {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && x.Name == "telegram"
}
