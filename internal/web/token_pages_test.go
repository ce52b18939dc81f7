package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

var tokenRowID = regexp.MustCompile(`data-token-id="(\d+)"`)

// TestTokenPagesWalk: tokens, revoked ones included, are kept for good,
// so the page shows 50 at a time; walking the Older links shows each of
// 120 once, newest first.
func TestTokenPagesWalk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		bob := e.loggedIn("bob@example.com")
		uid := ann.userID(t)
		want := map[string]bool{}
		var newest int64
		for i := range 120 {
			_, tok, err := e.deps.Tokens.Create(context.Background(), uid, fmt.Sprintf("t%d", i))
			if err != nil {
				t.Fatal(err)
			}
			want[fmt.Sprint(tok.ID)], newest = true, tok.ID
		}
		var pages [][]string
		for path := "/tokens"; path != ""; {
			r := ann.get(path).wantStatus(t, http.StatusOK)
			var ids []string
			for _, m := range tokenRowID.FindAllStringSubmatch(r.body, -1) {
				ids = append(ids, m[1])
			}
			pages = append(pages, ids)
			if len(pages) > 1 && !strings.Contains(r.body, `id="newest-page"`) {
				t.Errorf("page %d has no link back to the newest", len(pages))
			}
			path = ""
			if m := olderLink.FindStringSubmatch(r.body); m != nil {
				path = html.UnescapeString(m[1])
			}
			if len(pages) > 5 {
				t.Fatal("more pages than tokens")
			}
		}
		if len(pages) != 3 || len(pages[0]) != 50 || len(pages[1]) != 50 || len(pages[2]) != 20 {
			t.Fatalf("pages of %v tokens, want 50, 50, 20", lens(pages))
		}
		if pages[0][0] != fmt.Sprint(newest) {
			t.Errorf("the first page starts with %s, want the newest, %d", pages[0][0], newest)
		}
		seen := map[string]bool{}
		for _, p := range pages {
			for _, id := range p {
				if seen[id] || !want[id] {
					t.Errorf("token %s shown twice or not ann's", id)
				}
				seen[id] = true
			}
		}
		if len(seen) != 120 {
			t.Errorf("%d tokens shown, want 120", len(seen))
		}
		bob.get("/tokens?before="+fmt.Sprint(newest)).wantStatus(t, http.StatusOK).wantNoBody(t, "data-token-id")
		ann.get("/tokens?before=x").wantStatus(t, http.StatusUnprocessableEntity).wantBody(t, "Start again from the newest tokens")
	})
}
