package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/medialink"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/secrets"
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

// TestWebhookMediaLink: a person sends a file; message.received carries
// its type, name and size and a link that downloads it without a token
// (the same bytes, as an attachment under its name). A changed link is
// refused, and one past its expiry says so. An answer with a file is
// announced the same way by answer.sent.
func TestWebhookMediaLink(t *testing.T) {
	t.Parallel()
	sb := freshSandbox(t)
	a := startAppOn(t, sb, apptest.AppArgs("--webhook-allow-private"))
	c := mediaUser(t, a, "links@example.com")
	var (
		mu     sync.Mutex
		events []webhook.Event
	)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev webhook.Event
		_ = json.NewDecoder(r.Body).Decode(&ev)
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
	}))
	t.Cleanup(rcv.Close)
	c.Call("POST", "/webhooks", map[string]any{"url": rcv.URL, "events": []string{"message.received", "answer.sent"}}).Into(t, 201, nil)
	acct := c.Connect(apiID, apiHash, phoneAnn)
	a.WaitListening(t, acct)

	contract := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("the terms of our agreement\n"), 2000)...)
	if _, err := sb.Write(5001, 4301, "Signed", &sandbox.Media{Type: "document", Data: contract, FileName: "contract.pdf", MimeType: "application/pdf"}); err != nil {
		t.Fatal(err)
	}
	type media struct {
		Type, MIMEType, FileName, URL string
		Size                          int64
		URLExpiresAt                  time.Time
	}
	var conv int64
	mediaOf := func(typ string) media {
		t.Helper()
		var got media
		testkit.Eventually(t, 90*time.Second, typ+" with the file", func() bool {
			mu.Lock()
			defer mu.Unlock()
			for _, ev := range events {
				raw, _ := json.Marshal(ev.Data)
				var m struct {
					ConversationID int64 `json:"conversation_id"`
					Media          *struct {
						Type         string    `json:"type"`
						MIMEType     string    `json:"mime_type"`
						FileName     string    `json:"file_name"`
						URL          string    `json:"url"`
						Size         int64     `json:"size"`
						URLExpiresAt time.Time `json:"url_expires_at"`
					} `json:"media"`
				}
				if ev.Type == typ && json.Unmarshal(raw, &m) == nil && m.Media != nil {
					got, conv = media(*m.Media), m.ConversationID
					return true
				}
			}
			return false
		})
		return got
	}
	// download checks that a media object names the file and that its link
	// serves the exact bytes as an attachment under the file's name.
	download := func(got media, typ, mimeType, name string, want []byte) {
		t.Helper()
		if got.Type != typ || got.MIMEType != mimeType || got.FileName != name || got.Size != int64(len(want)) ||
			!strings.HasPrefix(got.URL, a.URL+medialink.Path) || time.Until(got.URLExpiresAt) < 24*time.Hour {
			t.Fatalf("media object %+v; want the %s %s, its size, a link on %s working for a day", got, typ, name, a.URL)
		}
		resp, err := http.Get(got.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || sha(body) != sha(want) || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), name) || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("GET the link: %d %v, %d bytes (sha %s, want %s)", resp.StatusCode, resp.Header, len(body), sha(body), sha(want))
		}
	}
	got := mediaOf("message.received")
	download(got, "document", "application/pdf", "contract.pdf", contract)

	// The answer, with a file of ours: answer.sent carries it the same way.
	invoice := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("invoice line\n"), 3000)...)
	var up struct {
		ID int64 `json:"id"`
	}
	c.Upload("invoice.pdf", invoice).Into(t, 201, &up)
	c.Call("POST", fmt.Sprintf("/conversations/%d/messages", conv), map[string]any{"text": "Here is the invoice", "media_id": up.ID}).Into(t, 201, nil)
	download(mediaOf("answer.sent"), "document", "application/pdf", "invoice.pdf", invoice)

	tok := strings.TrimPrefix(got.URL, a.URL+medialink.Path)
	changed := []byte(tok)
	changed[len(changed)/2] ^= 1
	status := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e.Error.Code
	}
	if code, what := status(a.URL + medialink.Path + string(changed)); code != 404 || what != "not_found" {
		t.Errorf("a changed link: %d %s, want 404 not_found", code, what)
	}
	keys, err := secrets.LoadKeyring(a.Config.KeyOptions(nil))
	if err != nil {
		t.Fatal(err)
	}
	l, err := medialink.Open(keys, tok, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	l.Expires = time.Now().Add(-time.Minute)
	old, err := medialink.Seal(keys, l)
	if err != nil {
		t.Fatal(err)
	}
	if code, what := status(a.URL + medialink.Path + old); code != 410 || what != "link_expired" {
		t.Errorf("an expired link: %d %s, want 410 link_expired", code, what)
	}
}
