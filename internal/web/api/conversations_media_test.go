package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
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

// uploadMedia posts a file as POST /media's multipart form and returns
// its id.
func uploadMedia(t *testing.T, c apptest.APIClient, name string, data []byte) int64 {
	t.Helper()
	var f struct {
		ID int64 `json:"id"`
	}
	c.Upload(name, data).Into(t, 201, &f)
	return f.ID
}

// TestConversationAnswerWithMediaAPI answers through the API with
// "media_id" beside "text": the answer comes back pending with its
// attachment, reaches the person once with the file's bytes and the
// caption; a caption past 1,024 and another workspace's file are refused
// and store nothing.
func TestConversationAnswerWithMediaAPI(t *testing.T) {
	t.Parallel()
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
	for _, email := range []string{"inbox@example.com", "other@example.com"} {
		if _, err := st.CreateUser(context.Background(), store.NewUser{Email: email, PasswordHash: "x", Now: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	c, other := a.APIAs(t, "inbox@example.com"), a.APIAs(t, "other@example.com")
	ann := c.Connect(2400001, "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e", "9996611501")
	var camp map[string]any
	c.Call("POST", "/campaigns", map[string]any{"name": "Invite", "message": "Hi {first_name}, coming Friday?",
		"audience": map[string]any{"usernames": []string{"@grace_h"}}, "sender_account_ids": []int64{ann},
		"pacing": map[string]any{"min_interval_seconds": 0}}).Into(t, 201, &camp)
	c.Call("POST", fmt.Sprintf("/campaigns/%d/start", int64(camp["id"].(float64))), nil).Into(t, 200, &camp)
	var l struct {
		Conversations []map[string]any `json:"conversations"`
	}
	testkit.EventuallyWith(t, 90*time.Second, "Grace's reply", func() (bool, string) {
		c.Call("GET", "/conversations", nil).Into(t, 200, &l)
		return len(l.Conversations) == 1, fmt.Sprintf("%+v", l)
	})
	graceID := int64(l.Conversations[0]["id"].(float64))
	path := fmt.Sprintf("/conversations/%d/messages", graceID)

	menu := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("soup of the day\n"), 500)...)
	menuID := uploadMedia(t, c, "menu.pdf", menu)
	theirs := uploadMedia(t, other, "theirs.pdf", append([]byte("%PDF-1.4\n"), "theirs"...))

	e := c.Call("POST", path, map[string]any{"text": strings.Repeat("x", 1025), "media_id": menuID}).APIError(t, 422, "validation_failed")
	if !strings.Contains(e.Message, "1024 beside a file") {
		t.Errorf("too long a caption: %+v", e)
	}
	e = c.Call("POST", path, map[string]any{"text": "Here", "media_id": theirs}).APIError(t, 422, "validation_failed")
	if !strings.Contains(e.Message, "No attachment") {
		t.Errorf("another workspace's file: %+v", e)
	}
	var th struct {
		Messages []map[string]any `json:"messages"`
	}
	c.Call("GET", path, nil).Into(t, 200, &th)
	if len(th.Messages) != 2 {
		t.Fatalf("refused answers stored: %+v", th.Messages)
	}

	var ans map[string]any
	c.Call("POST", path, map[string]any{"text": "Today's **menu**", "media_id": menuID}).Into(t, 201, &ans)
	m, _ := ans["media"].(map[string]any)
	if m == nil || m["type"] != "document" || m["file_id"].(float64) != float64(menuID) || m["file_name"] != "menu.pdf" ||
		m["size"].(float64) != float64(len(menu)) || !strings.HasPrefix(m["label"].(string), "menu.pdf (Document, ") {
		t.Errorf("answer's media %v", ans["media"])
	}
	// A file alone: no text. Written while the first is on its way, so
	// the account's one answering run sends both.
	var alone map[string]any
	c.Call("POST", path, map[string]any{"media_id": menuID}).Into(t, 201, &alone)
	if alone["text"] != "" || alone["media"] == nil {
		t.Errorf("answer with a file alone %v", alone)
	}
	testkit.EventuallyWith(t, time.Minute, "both answers sent", func() (bool, string) {
		c.Call("GET", path, nil).Into(t, 200, &th)
		return th.Messages[0]["state"] == "sent" && th.Messages[1]["state"] == "sent", fmt.Sprintf("%v", th.Messages[:2])
	})
	sum := sha256.Sum256(menu)
	var got []sandbox.Message
	for _, m := range sbx.Messages() {
		if m.From == annTG && m.To == graceTG && !m.Reply && m.Media != nil {
			got = append(got, m)
		}
	}
	if len(got) != 2 {
		t.Fatalf("the sandbox recorded %+v, want the two answers", got)
	}
	for i, text := range []string{"Today's menu", ""} {
		if got[i].Media == nil || got[i].Media.SHA256 != hex.EncodeToString(sum[:]) || got[i].Media.FileName != "menu.pdf" || got[i].Text != text {
			t.Errorf("answer %d arrived as %q %+v", i+1, got[i].Text, got[i].Media)
		}
	}
}
