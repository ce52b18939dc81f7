package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

var memberListRowID = regexp.MustCompile(`data-list-id="(\d+)"`)

// TestMemberListPagesWalk: 120 member lists (one per extraction) are
// shown 50 a page, newest first, each with its extraction, in the UI and
// the API; walking the pages shows each once.
func TestMemberListPagesWalk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		bob := e.loggedIn("bob@example.com")
		acct := senderOf(t, e, "ann@example.com", 2000112, "Ann")
		uid := ann.userID(t)
		ctx := context.Background()
		want := map[string]bool{}
		var newest int64
		for i := range 120 {
			x, err := s.CreateExtraction(ctx, store.NewExtraction{UserID: uid, AccountID: acct,
				Chat:     store.Chat{TGChatID: int64(7000 + i), Kind: store.ChatSupergroup, Title: fmt.Sprintf("Group %d", i)},
				ListName: fmt.Sprintf("List %d", i), Now: time.Now()})
			if err != nil {
				t.Fatal(err)
			}
			want[fmt.Sprint(x.ListID)], newest = true, x.ListID
		}
		check := func(how string, pages [][]string) {
			t.Helper()
			if len(pages) != 3 || len(pages[0]) != 50 || len(pages[1]) != 50 || len(pages[2]) != 20 {
				t.Fatalf("%s: pages of %v lists, want 50, 50, 20", how, lens(pages))
			}
			if pages[0][0] != fmt.Sprint(newest) {
				t.Errorf("%s: the first page starts with %s, want the newest, %d", how, pages[0][0], newest)
			}
			seen := map[string]bool{}
			for _, p := range pages {
				for _, id := range p {
					if seen[id] || !want[id] {
						t.Errorf("%s: list %s shown twice or not ann's", how, id)
					}
					seen[id] = true
				}
			}
			if len(seen) != len(want) {
				t.Errorf("%s: %d lists shown, want %d", how, len(seen), len(want))
			}
		}

		var ui [][]string
		for path := "/member-lists"; path != ""; {
			r := ann.get(path).wantStatus(t, http.StatusOK)
			var ids []string
			for _, m := range memberListRowID.FindAllStringSubmatch(r.body, -1) {
				ids = append(ids, m[1])
			}
			ui = append(ui, ids)
			if !strings.Contains(r.body, `href="/extractions/`) {
				t.Errorf("page %d shows no list's extraction", len(ui))
			}
			if len(ui) > 1 && !strings.Contains(r.body, `id="newest-page"`) {
				t.Errorf("page %d has no link back to the newest", len(ui))
			}
			path = ""
			if m := olderLink.FindStringSubmatch(r.body); m != nil {
				path = html.UnescapeString(m[1])
			}
			if len(ui) > 5 {
				t.Fatal("more pages than lists")
			}
		}
		check("UI", ui)

		token := ann.createToken(t, "pages")
		var api [][]string
		for cursor, first := "", true; first || cursor != ""; first = false {
			r := ann.api(http.MethodGet, "/api/v1/member-lists?cursor="+cursor, token).wantStatus(t, http.StatusOK)
			var body struct {
				Lists []struct {
					ID int64 `json:"id"`
				} `json:"lists"`
				NextCursor string `json:"next_cursor"`
			}
			if err := json.Unmarshal([]byte(r.body), &body); err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, l := range body.Lists {
				ids = append(ids, fmt.Sprint(l.ID))
			}
			api, cursor = append(api, ids), body.NextCursor
			if len(api) > 5 {
				t.Fatal("more pages than lists")
			}
		}
		check("API", api)

		bob.get("/member-lists?before="+fmt.Sprint(newest)).wantStatus(t, http.StatusOK).wantNoBody(t, "data-list-id")
		ann.get("/member-lists?before=x").wantStatus(t, http.StatusUnprocessableEntity).wantBody(t, "Start again from the newest lists")
	})
}
