package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/testkit"
)

// TestCampaignAPIShapes drives a campaign through the JSON API with the
// request and answer shapes the issue fixes (other tests depend on them):
// create from the example body, start, poll, the delivery report
// in JSON and CSV, the list, and the suppression list.
func TestCampaignAPIShapes(t *testing.T) {
	a := startApp(t)
	st, err := storeopen.Open(context.Background(), storeopen.Options{DataDir: a.Config.DataDir, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(context.Background(), store.NewUser{Email: "api@example.com", PasswordHash: "x", Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	c := a.APIAs(t, "api@example.com")
	ann := c.Connect(apiID, apiHash, phoneAnn)
	bob := c.Connect(apiID2, apiHash2, phoneBob)
	// Bob extracts and sends: the sandbox's people reply once per sender,
	// and the browser test counts on their replies to Ann.
	x := extractChat(t, c, bob, chatMeetup)

	// The example, as it stands.
	example := `{"name": "Spring", "message": "Hi {first_name|there}!", "audience": {"extraction_ids": [%d], "usernames": [], "user_ids": []},
	  "sender_account_ids": [%d, %d], "pacing": {"min_interval_seconds": 30, "daily_cap": 50,
	  "window": {"from": "09:00", "to": "20:00", "time_zone": "Europe/Berlin"}}, "opt_out_footer": true, "link_preview": false, "start_at": null}`
	var draft map[string]any
	c.Call("POST", "/campaigns", json.RawMessage(fmt.Sprintf(example, x.ID, ann, bob))).Into(t, 201, &draft)
	if draft["status"] != "draft" || draft["id"] == nil {
		t.Fatalf("created %v", draft)
	}
	if w, _ := draft["pacing"].(map[string]any)["window"].(map[string]any); w["time_zone"] != "Europe/Berlin" || w["from"] != "09:00" {
		t.Errorf("pacing %v", draft["pacing"])
	}
	// Pacing may be left out for the defaults; 0 turns the interval off.
	var v map[string]any
	c.Call("POST", "/campaigns", map[string]any{"name": "Now", "message": "Hello {first_name|there}",
		"audience":           map[string]any{"extraction_ids": []int64{x.ID}, "usernames": []string{"@sven_s"}},
		"sender_account_ids": []int64{bob}, "pacing": map[string]any{"min_interval_seconds": 0}}).Into(t, 201, &v)
	id := int64(v["id"].(float64))
	c.Call("POST", fmt.Sprintf("/campaigns/%d/start", id), nil).Into(t, 200, &v)
	if v["status"] != "running" && v["status"] != "completed" {
		t.Fatalf("started: %v", v["status"])
	}
	testkit.EventuallyWith(t, 90*time.Second, "the campaign to complete", func() (bool, string) {
		c.Call("GET", fmt.Sprintf("/campaigns/%d", id), nil).Into(t, 200, &v)
		return v["status"] == "completed", fmt.Sprintf("still %v: %v", v["status"], v["counts"])
	})
	counts := v["counts"].(map[string]any)
	for _, k := range []string{"pending", "sent", "failed", "skipped", "replied"} {
		if _, ok := counts[k]; !ok {
			t.Errorf("counts lack %q: %v", k, counts)
		}
	}
	if counts["sent"].(float64) != 19 || counts["failed"].(float64) != 1 || counts["skipped"].(float64) != 2 || counts["pending"].(float64) != 0 {
		t.Errorf("counts %v, want 19 sent, 1 failed (privacy), 2 skipped (the bot, the sender)", counts)
	}
	accts := v["accounts"].([]any)
	if len(accts) != 1 {
		t.Fatalf("accounts %v", accts)
	}
	for _, x := range accts {
		m := x.(map[string]any)
		for _, k := range []string{"id", "state", "sent", "pending"} {
			if _, ok := m[k]; !ok {
				t.Errorf("account %v lacks %q", m, k)
			}
		}
		if !slices.Contains([]string{"sending", "waiting", "limited", "needs_login", "done"}, m["state"].(string)) {
			t.Errorf("account state %v", m["state"])
		}
	}

	r := c.Call("GET", fmt.Sprintf("/campaigns/%d/deliveries?format=json", id), nil)
	var rows []map[string]any
	r.Into(t, 200, &rows)
	if len(rows) != 22 {
		t.Errorf("%d delivery rows, want one per recipient (22)", len(rows))
	}
	for _, row := range rows {
		for _, k := range []string{"user_id", "username", "account_id", "state", "reason", "random_id", "message_id", "sent_at", "replied_at"} {
			if _, ok := row[k]; !ok {
				t.Fatalf("row %v lacks %q", row, k)
			}
		}
		if row["state"] == "sent" && (row["message_id"].(float64) == 0 || row["sent_at"] == nil) {
			t.Errorf("sent row without Telegram's answer: %v", row)
		}
	}
	csv := c.Call("GET", fmt.Sprintf("/campaigns/%d/deliveries?format=csv", id), nil)
	if lines := strings.Split(strings.TrimSpace(string(csv.Body)), "\n"); csv.Status != 200 ||
		lines[0] != "\ufeffuser_id,username,first_name,last_name,account_id,state,reason,random_id,message_id,sent_at,replied_at,step,due_at" || len(lines) != 23 {
		t.Errorf("CSV report: %d, %d lines, header %q", csv.Status, len(lines), lines[0])
	}
	var list struct {
		Campaigns []map[string]any `json:"campaigns"`
	}
	c.Call("GET", "/campaigns", nil).Into(t, 200, &list)
	if len(list.Campaigns) != 2 {
		t.Errorf("%d campaigns listed, want 2", len(list.Campaigns))
	}
	c.Call("POST", fmt.Sprintf("/campaigns/%d/pause", id), nil).APIError(t, 409, "campaign_completed")
	c.Call("GET", fmt.Sprintf("/campaigns/%d", id+100), nil).APIError(t, 404, "not_found")

	var sup map[string]any
	c.Call("POST", "/suppressions", map[string]any{"username": "@rosa_r", "reason": "asked by phone"}).Into(t, 201, &sup)
	for _, k := range []string{"user_id", "username", "reason", "created_at"} {
		if _, ok := sup[k]; !ok {
			t.Errorf("suppression %v lacks %q", sup, k)
		}
	}
	var sups struct {
		Suppressions []map[string]any `json:"suppressions"`
	}
	c.Call("GET", "/suppressions", nil).Into(t, 200, &sups)
	found := false
	for _, s := range sups.Suppressions {
		found = found || s["username"] == "rosa_r"
	}
	if !found {
		t.Errorf("suppressions %v lack rosa_r", sups.Suppressions)
	}
	if r := c.Call("DELETE", "/suppressions/rosa_r", nil); r.Status != 204 {
		t.Errorf("delete: %d %s", r.Status, r.Body)
	}
	c.Call("DELETE", "/suppressions/rosa_r", nil).APIError(t, 404, "not_found")
}
