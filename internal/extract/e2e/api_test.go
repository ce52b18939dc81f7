package e2e_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
	"github.com/telegramate/telegramate/internal/web/api"
)

// waitDone polls GET /extractions/{id} until the extraction is over.
func (c *client) waitDone(id int64) extract.Progress {
	c.t.Helper()
	var p extract.Progress
	testkit.EventuallyWith(c.t, 90*time.Second, fmt.Sprintf("extraction %d to end", id), func() (bool, string) {
		p = extract.Progress{}
		c.call("GET", fmt.Sprintf("/extractions/%d", id), nil).Into(c.t, 200, &p)
		return p.Final(), fmt.Sprintf("still %s", p.Status)
	})
	return p
}

// TestAPIExtraction runs on SQLite and PostgreSQL: chats, an extraction by
// chat id and by link, its members in three formats with filters, the
// broadcast channel rule, and other users kept out.
func TestAPIExtraction(t *testing.T) {
	for name, opts := range map[string][]apptest.AppOption{"sqlite": nil, "postgres": {apptest.AppOnPostgres()}} {
		t.Run(name, func(t *testing.T) {
			a := startApp(t, opts...)
			c := newUser(t, a, "ann@example.com", true)
			acct := c.connect(apiID, apiHash, phoneAnn)

			var chats struct{ Chats []api.Chat }
			c.call("GET", fmt.Sprintf("/accounts/%d/chats", acct), nil).Into(t, 200, &chats)
			if len(chats.Chats) != 2 || chats.Chats[0].ID != chatGoDevs || chats.Chats[0].MembersCount != 1502 || chats.Chats[0].Type != "supergroup" ||
				chats.Chats[1].Type != "channel" || chats.Chats[1].IsAdmin {
				t.Fatalf("chats %+v", chats)
			}
			c.call("GET", fmt.Sprintf("/accounts/%d/chats?q=NEWS&refresh=true", acct), nil).Into(t, 200, &chats)
			if len(chats.Chats) != 1 || chats.Chats[0].ID != chatNews {
				t.Errorf("search: %+v", chats)
			}

			var p extract.Progress
			c.call("POST", "/extractions", map[string]any{"account_id": acct, "chat_id": chatGoDevs}).Into(t, 201, &p)
			if p.ID == 0 || p.Status != "queued" || p.ChatTitle != "Go Devs" {
				t.Fatalf("started %+v", p)
			}
			p = c.waitDone(p.ID)
			if p.Status != "completed" || p.Fetched != 1502 || p.Total != 1502 || p.Percent != 100 || p.Partial {
				t.Fatalf("finished %+v", p)
			}

			all := c.allMembers(fmt.Sprintf("/extractions/%d/members?format=json&limit=500", p.ID))
			if len(all) != 1502 || all[0].ID == 0 || all[0].AccessHash == "" || all[0].AccountID != acct {
				t.Fatalf("%d members, first %+v", len(all), all[0])
			}
			world := map[int64]bool{}
			for _, m := range sbx.ChatMembers(chatGoDevs) {
				world[m.ID] = true
			}
			for _, m := range all {
				if !world[m.ID] {
					t.Errorf("member %d is not in the world", m.ID)
				}
			}
			humans := c.allMembers(fmt.Sprintf("/extractions/%d/members?exclude_bots=true&exclude_deleted=1&sort=name", p.ID))
			// The switches read as the web form writes them, too.
			if yes := c.allMembers(fmt.Sprintf("/extractions/%d/members?exclude_bots=yes&exclude_deleted=on&sort=name", p.ID)); len(yes) != len(humans) {
				t.Errorf("exclude_bots=yes&exclude_deleted=on kept %d members, =true&=1 kept %d", len(yes), len(humans))
			}
			if len(humans) == 0 || len(humans) >= len(all) || slices.ContainsFunc(humans, func(m extract.MemberJSON) bool { return m.Bot || m.Deleted }) {
				t.Errorf("filtered: %d of %d", len(humans), len(all))
			}

			r := c.call("GET", fmt.Sprintf("/extractions/%d/members?format=csv&exclude_bots=true&exclude_deleted=true", p.ID), nil)
			if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") ||
				r.Header.Get("Content-Disposition") != `attachment; filename="Go Devs.csv"` || !bytes.HasPrefix(r.Body, []byte("\xEF\xBB\xBF")) {
				t.Fatalf("csv: %d %v %.80q", r.Status, r.Header, r.Body)
			}
			recs, err := csv.NewReader(bytes.NewReader(r.Body[3:])).ReadAll()
			if err != nil || len(recs) != len(humans)+1 || recs[0][0] != "id" {
				t.Errorf("csv rows %d (want %d), %v", len(recs), len(humans)+1, err)
			}
			r = c.call("GET", fmt.Sprintf("/extractions/%d/members?format=xlsx", p.ID), nil)
			x, err := excelize.OpenReader(bytes.NewReader(r.Body))
			if err != nil {
				t.Fatalf("xlsx: %v (%d %s)", err, r.Status, r.Header.Get("Content-Type"))
			}
			rows, _ := x.GetRows("Members")
			if len(rows) != 1503 {
				t.Errorf("xlsx rows %d", len(rows))
			}
			x.Close()

			c.call("GET", fmt.Sprintf("/extractions/%d/members?format=pdf", p.ID), nil).APIError(t, 422, "validation_failed")
			checkMemberPaging(t, c, p.ID)
			c.call("GET", fmt.Sprintf("/extractions/%d/members?sort=age", p.ID), nil).APIError(t, 422, "validation_failed")

			// A pasted link; the channel rule; bad input.
			c.call("POST", "/extractions", map[string]any{"account_id": acct, "chat": "https://t.me/go_devs", "search": "anna"}).Into(t, 201, &p)
			if p = c.waitDone(p.ID); p.Status != "completed" || p.Search != "anna" || p.Fetched == 0 || p.Fetched >= 1502 {
				t.Errorf("search run %+v", p)
			}
			e := c.call("POST", "/extractions", map[string]any{"account_id": acct, "chat_id": chatNews}).APIError(t, 409, "channel_admin_required")
			if e.Message != "Only admins can see a channel's subscribers" || e.Hint == "" {
				t.Errorf("channel error %+v", e)
			}
			c.call("POST", "/extractions", map[string]any{"account_id": acct}).APIError(t, 422, "validation_failed")
			c.call("POST", "/extractions", map[string]any{"account_id": acct, "chat": "t.me/+secret"}).APIError(t, 422, "invite_link")
			if e := c.call("POST", "/extractions", map[string]any{"account_id": acct, "chat": "t.me/"}).APIError(t, 422, "validation_failed"); !strings.Contains(e.Hint, "t.me/go_devs") {
				t.Errorf("a malformed link's error says no example: %+v", e)
			}

			var list struct{ Extractions []extract.Progress }
			c.call("GET", "/extractions", nil).Into(t, 200, &list)
			if len(list.Extractions) != 2 {
				t.Errorf("%d extractions listed", len(list.Extractions))
			}
			var act struct{ Activity []api.Activity }
			c.call("GET", fmt.Sprintf("/accounts/%d/activity", acct), nil).Into(t, 200, &act)
			started := 0
			for _, x := range act.Activity {
				if x.Event == extract.EventStarted {
					started++
				}
			}
			if started != 2 {
				t.Errorf("activity %+v", act.Activity)
			}

			// Another user sees none of it.
			other := newUser(t, a, "eve@example.com", true)
			other.call("GET", fmt.Sprintf("/extractions/%d", p.ID), nil).APIError(t, 404, "not_found")
			other.call("GET", fmt.Sprintf("/extractions/%d/members", p.ID), nil).APIError(t, 404, "not_found")
			other.call("POST", fmt.Sprintf("/extractions/%d/cancel", p.ID), nil).APIError(t, 404, "not_found")
			other.call("GET", fmt.Sprintf("/accounts/%d/chats", acct), nil).APIError(t, 404, "not_found")
			other.call("POST", "/extractions", map[string]any{"account_id": acct, "chat_id": chatGoDevs}).APIError(t, 404, "not_found")

			c.call("POST", fmt.Sprintf("/extractions/%d/cancel", p.ID), nil).APIError(t, 409, "extraction_over")

			// A disconnected account is refused before anything is created,
			// not queued to fail and leave an empty list behind.
			c.call("DELETE", fmt.Sprintf("/accounts/%d", acct), nil).Into(t, 200, nil)
			e = c.call("POST", "/extractions", map[string]any{"account_id": acct, "chat_id": chatGoDevs}).APIError(t, 409, "account_disconnected")
			if e.Hint == "" {
				t.Errorf("disconnected account's error has no hint: %+v", e)
			}
			c.call("GET", "/extractions", nil).Into(t, 200, &list)
			if len(list.Extractions) != 2 {
				t.Errorf("%d extractions after the refused one, want 2", len(list.Extractions))
			}
		})
	}
}

// allMembers follows next_cursor from path to the last page.
func (c *client) allMembers(path string) []extract.MemberJSON {
	c.t.Helper()
	var out []extract.MemberJSON
	cursor := ""
	for range 100 {
		u := path
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		var page api.MembersPage
		c.call("GET", u, nil).Into(c.t, 200, &page)
		out = append(out, page.Members...)
		if page.NextCursor == "" {
			if page.Total != len(out) {
				c.t.Errorf("%s: %d members on the pages, total says %d", path, len(out), page.Total)
			}
			return out
		}
		cursor = page.NextCursor
	}
	c.t.Fatalf("%s: still pages after 100", path)
	return nil
}

// checkMemberPaging: format=json is paged with limit and cursor; a bad one
// is refused with a message naming it; files are whole.
func checkMemberPaging(t *testing.T, c *client, id int64) {
	t.Helper()
	path := fmt.Sprintf("/extractions/%d/members", id)
	var first, second api.MembersPage
	c.call("GET", path+"?limit=2", nil).Into(t, 200, &first)
	if len(first.Members) != 2 || first.Total != 1502 || first.NextCursor == "" {
		t.Fatalf("limit=2: %d members, total %d, next %q", len(first.Members), first.Total, first.NextCursor)
	}
	c.call("GET", path+"?limit=2&cursor="+url.QueryEscape(first.NextCursor), nil).Into(t, 200, &second)
	if len(second.Members) != 2 || second.Members[0].ID == first.Members[0].ID || second.Members[0].ID == first.Members[1].ID {
		t.Errorf("the second page repeats the first: %v then %v", first.Members, second.Members)
	}
	var dflt api.MembersPage
	c.call("GET", path, nil).Into(t, 200, &dflt)
	if len(dflt.Members) != 100 {
		t.Errorf("no limit gives %d members, want 100", len(dflt.Members))
	}
	for _, bad := range []string{"limit=-5", "limit=0", "limit=501", "limit=abc", "limit=2.5"} {
		e := c.call("GET", path+"?"+bad, nil).APIError(t, 422, "validation_failed")
		if !strings.Contains(e.Message, "limit must be a whole number from 1 to 500") || e.Hint == "" {
			t.Errorf("%s: %+v", bad, e)
		}
	}
	if e := c.call("GET", path+"?cursor=garbage", nil).APIError(t, 422, "validation_failed"); !strings.Contains(e.Message, "cursor") {
		t.Errorf("a bad cursor: %+v", e)
	}
	if e := c.call("GET", path+"?format=csv&limit=2", nil).APIError(t, 422, "validation_failed"); !strings.Contains(e.Hint, "every matching member") {
		t.Errorf("a paged csv: %+v", e)
	}
	if e := c.call("GET", path+"?exclude_bots=maybe", nil).APIError(t, 422, "validation_failed"); !strings.Contains(e.Message, "exclude_bots must be true or false") {
		t.Errorf("exclude_bots=maybe: %+v", e)
	}
}
