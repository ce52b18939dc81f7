// Package layering holds tests of the code's shape: that imports point the
// way the design says (web → domain → store, telegram, secrets), and that
// each domain package takes only the part of the store it uses, so a
// shortcut is caught when it is written, not when a reviewer reads it.
package layering

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/telegramate/telegramate/"

// forbidden lists, per package, the packages it must not reach, directly
// or through another package.
var forbidden = map[string][]string{
	// telegram knows gotd and nothing of storage or of our domain.
	"internal/telegram": {"internal/store", "internal/accounts", "internal/extract", "internal/campaign", "internal/web", "internal/connections", "internal/inbox"},
	// secrets seals bytes; rotation walks the store from the command.
	"internal/secrets": {"internal/store"},
	// config is flags and variables; opening the database is its callers'.
	"internal/config": {"internal/store"},
	// Domain packages never import web, and extraction asks the accounts
	// service about accounts through its own interface.
	"internal/accounts": {"internal/web"},
	// Filled by the web layer, read by every domain package: it knows
	// nothing but the error type.
	"internal/actor":      {"internal/web", "internal/store", "internal/accounts", "internal/workspaces"},
	"internal/workspaces": {"internal/web", "internal/accounts", "internal/campaign", "internal/inbox"},
	"internal/extract":    {"internal/web", "internal/accounts"},
	"internal/store":      {"internal/web", "internal/accounts", "internal/extract", "internal/telegram"},
	// Webhooks hear of events through interfaces the domain packages
	// declare, set at wiring: neither side imports the other.
	"internal/webhook":  {"internal/web", "internal/accounts", "internal/extract", "internal/campaign", "internal/inbox", "internal/telegram"},
	"internal/campaign": {"internal/web", "internal/webhook", "internal/inbox"},
	// The inbox and campaigns share Telegram's refusals of a recipient
	// (telegram.RecipientRefusal), not each other: the inbox tells
	// campaigns of replies through a function given at wiring.
	// (Its message formatting, campaign/message, is shared by both; "$"
	// forbids the package alone, not those under it.)
	"internal/inbox": {"internal/web", "internal/webhook", "internal/campaign$"},
	// The account runtime holds connections for whichever domain asks;
	// it knows none of them (accounts opens, the inbox listens, through
	// functions given at wiring), and no domain reaches another through
	// it. Incoming messages have one owner: campaign hears of replies
	// from the inbox through an interface, never imports it.
	// The audit log is written by every domain package and knows none.
	"internal/audit":       {"internal/web", "internal/accounts", "internal/extract", "internal/campaign", "internal/inbox", "internal/webhook", "internal/telegram", "internal/connections", "internal/tokens", "internal/users"},
	"internal/connections": {"internal/web", "internal/accounts", "internal/extract", "internal/campaign", "internal/inbox", "internal/webhook"},
}

func TestImportsPointOneWay(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	graph := importGraph(t, root)
	for pkg, bad := range forbidden {
		if _, ok := graph[pkg]; !ok {
			t.Errorf("package %s not found; update the list", pkg)
			continue
		}
		for dep, path := range reach(graph, pkg) {
			for _, b := range bad {
				exact, ok := strings.CutSuffix(b, "$")
				if dep == exact || !ok && strings.HasPrefix(dep, b+"/") {
					t.Errorf("%s reaches %s: %s", pkg, dep, strings.Join(path, " → "))
				}
			}
		}
	}
}

// importGraph maps each package under internal/ to the module's packages
// its non-test files import.
func importGraph(t *testing.T, root string) map[string][]string {
	t.Helper()
	graph := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		if _, ok := graph[pkg]; !ok {
			graph[pkg] = nil
		}
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if dep, ok := strings.CutPrefix(p, module); ok && !slices.Contains(graph[pkg], dep) {
				graph[pkg] = append(graph[pkg], dep)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return graph
}

// reach is every package pkg depends on, each with one import path to it.
func reach(graph map[string][]string, pkg string) map[string][]string {
	seen := map[string][]string{}
	queue := [][]string{{pkg}}
	for len(queue) > 0 {
		path := queue[0]
		queue = queue[1:]
		for _, dep := range graph[path[len(path)-1]] {
			if _, ok := seen[dep]; ok || dep == pkg {
				continue
			}
			p := append(slices.Clone(path), dep)
			seen[dep] = p
			queue = append(queue, p)
		}
	}
	return seen
}
