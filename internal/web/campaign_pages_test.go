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

var campaignRowID = regexp.MustCompile(`data-campaign-id="(\d+)"`)

// TestCampaignPagesWalk: 120 campaigns are shown 50 a page, newest first,
// in the UI and the API; walking the Older links and next_cursor shows
// each once, and another user's page shows none of them.
func TestCampaignPagesWalk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		bob := e.loggedIn("bob@example.com")
		acct := senderOf(t, e, "ann@example.com", 2000111, "Ann")
		uid := ann.userID(t)
		ctx := context.Background()
		want := map[string]bool{}
		var newest int64
		for i := range 120 {
			c, err := s.CreateCampaign(ctx, store.NewCampaign{
				Campaign: store.Campaign{UserID: uid, Name: fmt.Sprintf("c%d", i), Message: "hi", Status: store.CampaignDraft, MinIntervalSeconds: 30,
					DailyCap: 50, FailurePercent: 10, CreatedAt: time.Now(), SenderIDs: []int64{acct}},
				Deliveries: []store.NewDelivery{{AccountID: acct, TGUserID: 9001, Username: "someone", State: store.DeliveryPending, RandomID: int64(i + 1)}},
			})
			if err != nil {
				t.Fatal(err)
			}
			want[fmt.Sprint(c.ID)], newest = true, c.ID
		}
		check := func(how string, pages [][]string) {
			t.Helper()
			if len(pages) != 3 || len(pages[0]) != 50 || len(pages[1]) != 50 || len(pages[2]) != 20 {
				t.Fatalf("%s: pages of %v campaigns, want 50, 50, 20", how, lens(pages))
			}
			if pages[0][0] != fmt.Sprint(newest) {
				t.Errorf("%s: the first page starts with %s, want the newest, %d", how, pages[0][0], newest)
			}
			seen := map[string]bool{}
			for _, p := range pages {
				for _, id := range p {
					if seen[id] || !want[id] {
						t.Errorf("%s: campaign %s shown twice or not ann's", how, id)
					}
					seen[id] = true
				}
			}
			if len(seen) != len(want) {
				t.Errorf("%s: %d campaigns shown, want %d", how, len(seen), len(want))
			}
		}

		var ui [][]string
		for path := "/campaigns"; path != ""; {
			r := ann.get(path).wantStatus(t, http.StatusOK)
			var ids []string
			for _, m := range campaignRowID.FindAllStringSubmatch(r.body, -1) {
				ids = append(ids, m[1])
			}
			ui = append(ui, ids)
			if len(ui) > 1 && !strings.Contains(r.body, `id="newest-page"`) {
				t.Errorf("page %d has no link back to the newest", len(ui))
			}
			path = ""
			if m := olderLink.FindStringSubmatch(r.body); m != nil {
				path = html.UnescapeString(m[1])
			}
			if len(ui) > 5 {
				t.Fatal("more pages than campaigns")
			}
		}
		check("UI", ui)

		token := ann.createToken(t, "pages")
		var api [][]string
		for cursor, first := "", true; first || cursor != ""; first = false {
			r := ann.api(http.MethodGet, "/api/v1/campaigns?cursor="+cursor, token).wantStatus(t, http.StatusOK)
			var body struct {
				Campaigns []struct {
					ID int64 `json:"id"`
				} `json:"campaigns"`
				NextCursor string `json:"next_cursor"`
			}
			if err := json.Unmarshal([]byte(r.body), &body); err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, c := range body.Campaigns {
				ids = append(ids, fmt.Sprint(c.ID))
			}
			api, cursor = append(api, ids), body.NextCursor
			if len(api) > 5 {
				t.Fatal("more pages than campaigns")
			}
		}
		check("API", api)

		bob.get("/campaigns?before="+fmt.Sprint(newest)).wantStatus(t, http.StatusOK).wantNoBody(t, "data-campaign-id")
		ann.get("/campaigns?before=x").wantStatus(t, http.StatusUnprocessableEntity).wantBody(t, "Start again from the newest campaigns")
		r := ann.api(http.MethodGet, "/api/v1/campaigns?cursor=x", token).wantStatus(t, http.StatusUnprocessableEntity)
		if code, _, _, _ := r.apiError(t); code != "validation_failed" {
			t.Errorf("a bad cursor: %s", code)
		}
	})
}
