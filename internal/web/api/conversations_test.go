package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
)

// The inbox's world: Ann sends; Grace answers campaigns; Ivy writes first.
const inboxWorld = `{
  "dcs": [1],
  "apps": [{"api_id": 2400001, "api_hash": "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e"}],
  "users": [
    {"id": 4501, "phone": "9996611501", "first_name": "Ann", "last_name": "Lee", "username": "ann_sends"},
    {"id": 5207, "first_name": "Grace", "last_name": "Hopper", "username": "grace_h", "reply": "Sure, see you!"},
    {"id": 5209, "first_name": "Ivy", "last_name": "Stone", "username": "ivy_s"}
  ]
}`

const (
	annTG   = 4501
	graceTG = 5207
	ivyTG   = 5209
)

// TestConversationsAPIShapes drives the inbox through the JSON API with
// the routes and shapes: a campaign reply and a message written
// first (with a photo) listed with their account, person, last message,
// unread count and campaign; filters and the cursor; a thread in both
// directions with media; an answer that comes back pending and is sent
// once; done and reopen; errors in the API's shape.
func TestConversationsAPIShapes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole app against the sandbox")
	}
	w, err := sandbox.ParseWorld([]byte(inboxWorld))
	if err != nil {
		t.Fatal(err)
	}
	sbx, err := sandbox.Start(context.Background(), w, sandbox.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sbx.Close() })
	a := apptest.StartApp(t, apptest.AppSandbox(t, sbx))
	st, err := storeopen.Open(context.Background(), storeopen.Options{DataDir: a.Config.DataDir, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(context.Background(), store.NewUser{Email: "inbox@example.com", PasswordHash: "x", Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	c := a.APIAs(t, "inbox@example.com")
	ann := c.Connect(2400001, "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e", "9996611501")

	var camp map[string]any
	c.Call("POST", "/campaigns", map[string]any{"name": "Invite", "message": "Hi {first_name}, coming Friday?",
		"audience": map[string]any{"usernames": []string{"@grace_h"}}, "sender_account_ids": []int64{ann},
		"pacing": map[string]any{"min_interval_seconds": 0}}).Into(t, 201, &camp)
	campID := int64(camp["id"].(float64))
	c.Call("POST", fmt.Sprintf("/campaigns/%d/start", campID), nil).Into(t, 200, &camp)

	type list struct {
		Conversations []map[string]any `json:"conversations"`
		NextCursor    string           `json:"next_cursor"`
	}
	var l list
	waitList := func(what, query string, n int) {
		t.Helper()
		testkit.EventuallyWith(t, 90*time.Second, what, func() (bool, string) {
			c.Call("GET", "/conversations"+query, nil).Into(t, 200, &l)
			return len(l.Conversations) == n, fmt.Sprintf("%d conversations: %+v", len(l.Conversations), l)
		})
	}
	waitList("Grace's reply", "", 1)
	grace := l.Conversations[0]
	for _, k := range []string{"id", "account", "person", "last_message", "unread", "status", "campaign", "created_at"} {
		if _, ok := grace[k]; !ok {
			t.Errorf("conversation lacks %q: %v", k, grace)
		}
	}
	person := grace["person"].(map[string]any)
	if person["user_id"].(float64) != graceTG || person["name"] != "Grace Hopper" || person["username"] != "grace_h" || person["initial"] != "G" {
		t.Errorf("person %v", person)
	}
	if acct := grace["account"].(map[string]any); acct["id"].(float64) != float64(ann) || acct["name"] != "Ann Lee" {
		t.Errorf("account %v", acct)
	}
	if cp, _ := grace["campaign"].(map[string]any); cp == nil || cp["id"].(float64) != float64(campID) || cp["name"] != "Invite" {
		t.Errorf("campaign %v", grace["campaign"])
	}
	if last := grace["last_message"].(map[string]any); last["text"] != "Sure, see you!" || last["out"] != false || last["at"] == nil {
		t.Errorf("last message %v", last)
	}
	if grace["unread"].(float64) != 1 || grace["status"] != "open" {
		t.Errorf("unread %v, status %v", grace["unread"], grace["status"])
	}

	if _, err := sbx.Write(ivyTG, annTG, "Hi Ann, here is the flyer", &sandbox.Media{Type: "photo", Size: 204800}); err != nil {
		t.Fatal(err)
	}
	waitList("Ivy's first message", "", 2)
	ivy := l.Conversations[0]
	if ivy["person"].(map[string]any)["user_id"].(float64) != ivyTG || ivy["campaign"] != nil {
		t.Errorf("newest conversation %v, want Ivy's without a campaign", ivy)
	}
	ivyID, graceID := int64(ivy["id"].(float64)), int64(grace["id"].(float64))

	for query, want := range map[string]int{
		fmt.Sprintf("?campaign_id=%d", campID): 1, fmt.Sprintf("?account_id=%d", ann): 2, "?unread=true": 2,
		"?status=done": 0, "?status=open": 2, "?status=all": 2, "?q=hopper": 1, "?q=flyer": 1, fmt.Sprintf("?account_id=%d", ann+100): 0,
	} {
		c.Call("GET", "/conversations"+query, nil).Into(t, 200, &l)
		if len(l.Conversations) != want {
			t.Errorf("GET /conversations%s: %d, want %d", query, len(l.Conversations), want)
		}
	}
	c.Call("GET", "/conversations?limit=1", nil).Into(t, 200, &l)
	if len(l.Conversations) != 1 || l.NextCursor == "" || int64(l.Conversations[0]["id"].(float64)) != ivyID {
		t.Fatalf("first page of one: %+v", l)
	}
	c.Call("GET", "/conversations?limit=1&cursor="+l.NextCursor, nil).Into(t, 200, &l)
	if len(l.Conversations) != 1 || int64(l.Conversations[0]["id"].(float64)) != graceID {
		t.Errorf("second page of one: %+v", l)
	}
	c.Call("GET", "/conversations?cursor=not-a-cursor", nil).APIError(t, 422, "validation_failed")
	c.Call("GET", "/conversations?status=closed", nil).APIError(t, 422, "validation_failed")

	type thread struct {
		Messages   []map[string]any `json:"messages"`
		NextCursor string           `json:"next_cursor"`
	}
	var th thread
	c.Call("GET", fmt.Sprintf("/conversations/%d/messages", graceID), nil).Into(t, 200, &th)
	if len(th.Messages) != 2 {
		t.Fatalf("Grace's thread: %+v", th)
	}
	in, out := th.Messages[0], th.Messages[1] // newest first
	if in["direction"] != "in" || in["origin"] != "person" || in["text"] != "Sure, see you!" || in["media"] != nil {
		t.Errorf("reply %v", in)
	}
	if out["direction"] != "out" || out["origin"] != "campaign" || !strings.HasPrefix(out["text"].(string), "Hi Grace, coming Friday?") {
		t.Errorf("campaign message %v", out)
	}
	for _, k := range []string{"id", "direction", "origin", "text", "date"} { // media: left out for text
		if _, ok := in[k]; !ok {
			t.Errorf("message lacks %q: %v", k, in)
		}
	}
	c.Call("GET", "/conversations?unread=true", nil).Into(t, 200, &l)
	if len(l.Conversations) != 1 {
		t.Errorf("reading Grace's thread left %d unread conversations, want 1", len(l.Conversations))
	}
	c.Call("GET", fmt.Sprintf("/conversations/%d/messages?limit=1", ivyID), nil).Into(t, 200, &th)
	if len(th.Messages) != 1 {
		t.Fatalf("Ivy's thread: %+v", th)
	}
	if m, _ := th.Messages[0]["media"].(map[string]any); m == nil || m["type"] != "photo" || m["size"].(float64) != 204800 || m["label"] != "Photo, 200 KB" {
		t.Errorf("Ivy's photo %v", th.Messages[0])
	}

	var ans map[string]any
	c.Call("POST", fmt.Sprintf("/conversations/%d/messages", ivyID), map[string]string{"text": "Thanks Ivy, looks great"}).Into(t, 201, &ans)
	if ans["state"] != "pending" && ans["state"] != "sending" && ans["state"] != "sent" || ans["origin"] != "answer" || ans["direction"] != "out" {
		t.Errorf("answer %v", ans)
	}
	testkit.EventuallyWith(t, time.Minute, "the answer to be sent", func() (bool, string) {
		if ans["state"] == "sent" {
			return true, ""
		}
		c.Call("GET", fmt.Sprintf("/conversations/%d/messages?limit=5", ivyID), nil).Into(t, 200, &th)
		for _, m := range th.Messages {
			if m["id"] == ans["id"] {
				ans = m
			}
		}
		return ans["state"] == "sent", fmt.Sprintf("still %v", ans)
	})
	if ans["telegram_message_id"] == nil {
		t.Errorf("sent answer without Telegram's id: %v", ans)
	}
	sent := 0
	for _, m := range sbx.Messages() {
		if m.From == annTG && m.To == ivyTG && m.Text == "Thanks Ivy, looks great" {
			sent++
		}
	}
	if sent != 1 {
		t.Errorf("the sandbox got the answer %d times", sent)
	}
	c.Call("POST", fmt.Sprintf("/conversations/%d/messages", ivyID), map[string]string{"text": " "}).APIError(t, 422, "validation_failed")

	var conv map[string]any
	c.Call("POST", fmt.Sprintf("/conversations/%d/done", ivyID), nil).Into(t, 200, &conv)
	if conv["status"] != "done" {
		t.Errorf("done: %v", conv)
	}
	c.Call("POST", fmt.Sprintf("/conversations/%d/reopen", ivyID), nil).Into(t, 200, &conv)
	if conv["status"] != "open" {
		t.Errorf("reopen: %v", conv)
	}
	c.Call("GET", fmt.Sprintf("/conversations/%d/messages", ivyID+graceID+100), nil).APIError(t, 404, "not_found")
	c.Call("POST", fmt.Sprintf("/conversations/%d/done", ivyID+graceID+100), nil).APIError(t, 404, "not_found")
}
