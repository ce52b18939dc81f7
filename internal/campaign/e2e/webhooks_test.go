package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
	"github.com/telegramate/telegramate/internal/webhook"
)

// TestWebhooksThroughTheApp: the whole application, wired as `telegramate
// serve` wires it, sends a campaign against the sandbox and receives a
// message; a webhook on 127.0.0.1 added through the API gets each send,
// the refusal, the completion and the message, every request signed.
func TestWebhooksThroughTheApp(t *testing.T) {
	a := startApp(t, apptest.AppArgs("--webhook-allow-private")) // the receiver is on 127.0.0.1
	st, err := storeopen.Open(context.Background(), storeopen.Options{DataDir: a.Config.DataDir, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(context.Background(), store.NewUser{Email: "hooks@example.com", PasswordHash: "x", Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	c := a.APIAs(t, "hooks@example.com")

	var (
		mu     sync.Mutex
		secret string
		events []webhook.Event
		bad    int
	)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if webhook.Verify(secret, r.Header.Get(webhook.SignatureHeader), body, time.Now(), time.Minute) != nil {
			bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev webhook.Event
		_ = json.Unmarshal(body, &ev)
		events = append(events, ev)
	}))
	t.Cleanup(rcv.Close)
	var hook struct {
		ID     int64  `json:"id"`
		Secret string `json:"secret"`
	}
	c.Call("POST", "/webhooks", map[string]any{"url": rcv.URL + "/telegramate",
		"events": []string{"message.received", "delivery.sent", "delivery.failed", "campaign.completed"}}).Into(t, 201, &hook)
	mu.Lock()
	secret = hook.Secret
	mu.Unlock()

	ann := c.Connect(apiID, apiHash, phoneAnn)
	// People without scripted replies (the other tests count on those),
	// one of whom refuses strangers.
	var v map[string]any
	c.Call("POST", "/campaigns", map[string]any{"name": "Hooks", "message": "Hi {first_name|there}",
		"audience":           map[string]any{"usernames": []string{"alice_m", "bruno_b", "ivy_private"}},
		"sender_account_ids": []int64{ann}, "pacing": map[string]any{"min_interval_seconds": 0}}).Into(t, 201, &v)
	id := int64(v["id"].(float64))
	c.Call("POST", fmt.Sprintf("/campaigns/%d/start", id), nil).Into(t, 200, &v)

	count := func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		n := map[string]int{}
		for _, ev := range events {
			n[ev.Type]++
		}
		return n
	}
	waitFor := func(what string, ok func(map[string]int) bool) {
		t.Helper()
		testkit.EventuallyWith(t, 90*time.Second, what, func() (bool, string) {
			n := count()
			return ok(n), fmt.Sprintf("events at the receiver: %v", n)
		})
	}
	// Each event is a job of its own, sent as the user's share of the
	// senders allows: they may arrive in any order.
	waitFor("the campaign's events", func(n map[string]int) bool {
		return n["campaign.completed"] == 1 && n["delivery.sent"] >= 2 && n["delivery.failed"] >= 1
	})
	if n := count(); n["delivery.sent"] != 2 || n["delivery.failed"] != 1 || n["campaign.completed"] != 1 {
		t.Errorf("events %v, want 2 delivery.sent, 1 delivery.failed and 1 campaign.completed", n)
	}

	// Alice answers from her phone.
	if _, err := sbx.Write(5001, 4301, "Thanks, see you there", nil); err != nil {
		t.Fatal(err)
	}
	waitFor("the message", func(n map[string]int) bool { return n["message.received"] >= 1 })

	mu.Lock()
	defer mu.Unlock()
	if bad != 0 {
		t.Errorf("%d requests with a bad signature", bad)
	}
	seen := map[string]bool{}
	for _, ev := range events {
		if seen[ev.ID] {
			t.Errorf("event %s (%s) received twice", ev.ID, ev.Type)
		}
		seen[ev.ID] = true
		if ev.Type != "message.received" {
			continue
		}
		data, _ := json.Marshal(ev.Data)
		var m struct {
			AccountID int64  `json:"account_id"`
			Text      string `json:"text"`
			From      struct {
				UserID   int64  `json:"user_id"`
				Username string `json:"username"`
			} `json:"from"`
		}
		if err := json.Unmarshal(data, &m); err != nil || m.AccountID != ann || m.Text != "Thanks, see you there" || m.From.UserID != 5001 {
			t.Errorf("message.received %s: %v", data, err)
		}
	}
}
