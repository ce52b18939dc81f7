package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestPickersAreBounded: with hundreds of campaigns and member lists, the
// inbox's campaign filter, the campaign editor's member-list picker and
// the dashboard read a bounded number of them, and each picker's search
// (with or without JavaScript) finds one far beyond the newest. Lists of
// one name are told apart by their account and date; another user's
// campaigns are neither offered nor accepted.
func TestPickersAreBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		const many = 300
		ctx := t.Context()
		e := newEnv(t, s)
		c := e.loggedIn("ann@example.com")
		ann, err := e.users.ByEmail(ctx, "ann@example.com")
		if err != nil {
			t.Fatal(err)
		}
		e.loggedIn("bob@example.com")
		bob, err := e.users.ByEmail(ctx, "bob@example.com")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		account := func(n int64, first string) store.Account {
			a, err := s.CreateAccount(ctx, ann.ID, store.AccountLogin{APIID: 23450 + n, APIHashSealed: []byte("sealed"),
				Phone: fmt.Sprintf("+9996602%04d", n), TGUserID: n, FirstName: first, DC: 2, SessionSealed: []byte("sealed"), Now: now})
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		work, home := account(1, "Work"), account(2, "Home")
		list := func(owner int64, a store.Account, name string, at time.Time) int64 {
			x, err := s.CreateExtraction(ctx, store.NewExtraction{UserID: owner, AccountID: a.ID, ListName: name,
				Chat: store.Chat{TGChatID: 42, AccessHash: 7, Kind: store.ChatSupergroup, Title: name}, Now: at})
			if err != nil {
				t.Fatal(err)
			}
			return x.ListID
		}
		camp := func(owner int64, name string) int64 {
			c, err := s.CreateCampaign(ctx, store.NewCampaign{Campaign: store.Campaign{UserID: owner, Name: name, Message: "Hi",
				Status: store.CampaignDraft, MinIntervalSeconds: 30, DailyCap: 50, Audience: "{}", CreatedAt: now}})
			if err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		firstList, firstCamp := list(ann.ID, work, "Oldest list", now), camp(ann.ID, "Oldest campaign")
		twinA := list(ann.ID, work, "Club", time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
		twinB := list(ann.ID, home, "Club", time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC))
		for i := range many {
			list(ann.ID, work, fmt.Sprintf("List %03d", i), now)
			camp(ann.ID, fmt.Sprintf("Campaign %03d", i))
		}
		bobsCamp := camp(bob.ID, "Oldest campaign of Bob")

		// The dashboard counts without listing.
		d := c.get("/").wantStatus(t, http.StatusOK)
		d.wantBody(t, fmt.Sprintf(`id="stat-member-lists">%d<`, many+3), fmt.Sprintf(`id="stat-campaigns">%d<`, many+1))

		// The editor offers the newest lists only.
		r := c.get("/campaigns/new").wantStatus(t, http.StatusOK)
		if n := strings.Count(r.body, `name="list" value=`); n != 20 {
			t.Errorf("the editor offers %d lists; want the 20 newest", n)
		}
		r.wantBody(t, "List 299", `id="list_q"`)
		r.wantNoBody(t, "Oldest list")

		// Its search, as JavaScript asks it, finds the oldest and keeps
		// what is ticked.
		r = c.get("/campaigns/new/lists?"+url.Values{"list_q": {"oldest"}, "list": {strconv.FormatInt(twinA, 10)}}.Encode()).
			wantStatus(t, http.StatusOK)
		r.wantBody(t, fmt.Sprintf(`value="%d" id="list-%d" checked`, twinA, twinA), fmt.Sprintf(`id="list-%d"`, firstList), "Oldest list")
		if n := strings.Count(r.body, `name="list" value=`); n != 2 {
			t.Errorf("the search offers %d lists; want the ticked one and the match", n)
		}
		// Same-named lists show their account and date.
		r = c.get("/campaigns/new/lists?list_q=club").wantStatus(t, http.StatusOK)
		r.wantBody(t, fmt.Sprintf(`id="list-%d"`, twinA), fmt.Sprintf(`id="list-%d"`, twinB),
			"from <bdi>Work</bdi>, 1 Mar 2026", "from <bdi>Home</bdi>, 2 Apr 2026")

		// Without JavaScript the Find button posts the whole form back:
		// as typed, with the lists found, and nothing saved.
		r = c.post("/campaigns", url.Values{"find_lists": {"1"}, "list_q": {"Oldest"}, "name": {"Spring"},
			"message": {"Hello there"}, "list": {strconv.FormatInt(twinB, 10)}}).wantStatus(t, http.StatusOK)
		r.wantBody(t, `value="Spring"`, "Hello there", fmt.Sprintf(`id="list-%d" checked`, twinB), fmt.Sprintf(`id="list-%d"`, firstList))
		r.wantNoBody(t, "List 299")
		if n, err := s.CountCampaigns(ctx, ann.ID); err != nil || n != many+1 {
			t.Errorf("%d campaigns after a search (%v); want %d", n, err, many+1)
		}

		// The inbox's campaign filter offers the newest campaigns only.
		picker := func(body string) string {
			i := strings.Index(body, `id="campaign-picker"`)
			j := strings.Index(body[max(i, 0):], "</select>")
			if i < 0 || j < 0 {
				t.Fatalf("no campaign picker in %s", body)
			}
			return body[i : i+j]
		}
		p := picker(c.get("/inbox").wantStatus(t, http.StatusOK).body)
		if n := strings.Count(p, "<option value=\""); n != 21 {
			t.Errorf("the campaign filter offers %d choices; want 'any' and the 20 newest", n)
		}
		if !strings.Contains(p, "Campaign 299") || strings.Contains(p, "Oldest campaign") {
			t.Errorf("the campaign filter is not the newest: %s", p)
		}
		// Its search finds the oldest, with JavaScript and without.
		for _, path := range []string{"/inbox?campaign_q=OLDEST", "/inbox/campaigns?campaign_q=OLDEST"} {
			p := picker(c.get(path).wantStatus(t, http.StatusOK).body)
			if !strings.Contains(p, fmt.Sprintf(`<option value="%d">`, firstCamp)) || strings.Count(p, "<option value=\"") != 2 {
				t.Errorf("%s offers %s", path, p)
			}
		}
		// A campaign chosen beyond the newest stays chosen.
		p = picker(c.get(fmt.Sprintf("/inbox?campaign=%d", firstCamp)).wantStatus(t, http.StatusOK).body)
		if !strings.Contains(p, fmt.Sprintf(`<option value="%d" selected>`, firstCamp)) {
			t.Errorf("the chosen campaign is not offered: %s", p)
		}
		// Bob's are neither offered nor accepted.
		c.get(fmt.Sprintf("/inbox?campaign=%d", bobsCamp)).wantStatus(t, http.StatusUnprocessableEntity).
			wantBody(t, "That is not one of your campaigns")
		c.get(fmt.Sprintf("/inbox/campaigns?campaign=%d", bobsCamp)).wantStatus(t, http.StatusUnprocessableEntity)
		c.get("/inbox/campaigns?campaign_q=bob").wantStatus(t, http.StatusOK).wantNoBody(t, "Oldest campaign of Bob")
		c.get(fmt.Sprintf("/campaigns/new/lists?list_q=&list=%d", list(bob.ID, work, "Bob's list", now))).
			wantStatus(t, http.StatusOK).wantNoBody(t, "Bob&#39;s list")
	})
}
