package e2e_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/backup"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
)

// TestRestoreSendsNothingTwice: a backup taken while a campaign sends,
// more sent (and replied to) after it, the node lost; restored, the node
// starts with the campaign paused and a notice; resumed, it completes
// without sending anyone a second message, although this sandbox delivers
// a repeated random_id again (Telegram's de-duplication is recent only),
// and the replies that came after the backup are linked again.
func TestRestoreSendsNothingTwice(t *testing.T) {
	w, err := sandbox.ParseWorld([]byte(world))
	if err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.Start(context.Background(), w, sandbox.Options{Listen: "127.0.0.1:0", Key: testkit.RSAKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	sb.SetRandomIDDedup(false)
	ctx := context.Background()

	old := apptest.StartApp(t, apptest.AppSandbox(t, sb))
	addUser(t, old.Config.DataDir, "ops@example.com")
	c := old.APIAs(t, "ops@example.com")
	ann := c.Connect(apiID, apiHash, phoneAnn)
	x := extractChat(t, c, ann, chatMeetup)
	var v map[string]any
	c.Call("POST", "/campaigns", map[string]any{"name": "Restore", "message": "Hello {first_name|there}, see you Friday",
		"audience": map[string]any{"extraction_ids": []int64{x.ID}}, "sender_account_ids": []int64{ann},
		"pacing": map[string]any{"min_interval_seconds": 1}}).Into(t, 201, &v)
	id := int64(v["id"].(float64))
	c.Call("POST", fmt.Sprintf("/campaigns/%d/start", id), nil).Into(t, 200, &v)
	sent := func(c apptest.APIClient) int {
		c.Call("GET", fmt.Sprintf("/campaigns/%d", id), nil).Into(t, 200, &v)
		return int(v["counts"].(map[string]any)["sent"].(float64))
	}

	testkit.Eventually(t, 2*time.Minute, "3 messages sent before the backup", func() bool { return sent(c) >= 3 })
	file := filepath.Join(t.TempDir(), "telegramate.backup")
	taken, err := backup.Take(ctx, backup.Options{DataDir: old.Config.DataDir}, file)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file %v %v, want mode 0600", fi, err)
	}
	atBackup := sent(c)
	testkit.Eventually(t, 2*time.Minute, "8 more messages sent after the backup", func() bool { return sent(c) >= atBackup+8 })
	// Grace's reply must exist before the node goes: a stopping node sends
	// nothing more, so it would otherwise come only after the restore.
	testkit.Eventually(t, 2*time.Minute, "Grace to reply on the old node", func() bool {
		for _, m := range sb.Messages() {
			if m.From == grace && m.To == 4301 {
				return true
			}
		}
		return false
	})
	old.Stop() // the node is lost
	oldReplied := repliedRecipients(t, old.Config.DataDir, id)
	if len(oldReplied) == 0 {
		t.Fatal("nobody replied on the old node; the world's Grace and Henry reply to every message")
	}

	// Restore into a new data directory, with the key kept beside the
	// backup.
	dir := t.TempDir()
	if err := backup.Restore(ctx, backup.Options{DataDir: dir}, file); err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(old.Config.DataDir, secrets.KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, secrets.KeyFileName), key, 0o600); err != nil {
		t.Fatal(err)
	}
	if repliedRecipients(t, dir, id)[grace] {
		t.Fatal("Grace's reply is in the backup already; the test needs her message sent after the backup")
	}
	restored := apptest.StartApp(t, apptest.AppSandbox(t, sb), apptest.AppArgs("--data-dir", dir))
	c2 := restored.APIAs(t, "ops@example.com")
	c2.Call("GET", fmt.Sprintf("/campaigns/%d", id), nil).Into(t, 200, &v)
	if v["status"] != "paused" || !strings.Contains(fmt.Sprint(v["pause_reason"]), "restored from a backup taken") {
		t.Fatalf("restored campaign: status %v, reason %q; want paused with a notice", v["status"], v["pause_reason"])
	}
	if got := sent(c2); got != atBackup {
		t.Logf("restored database counts %d sent, the backup %d (taken %s)", got, atBackup, taken)
	}
	// The inbox reads what came after the backup again from Telegram
	// while the campaign waits: Grace's reply must find its delivery,
	// which the restored database still has as pending.
	testkit.Eventually(t, time.Minute, "the inbox to read Grace's reply again", func() bool {
		return strings.Contains(string(c2.Call("GET", "/conversations", nil).Body), "I'll be there")
	})
	c2.Call("POST", fmt.Sprintf("/campaigns/%d/resume", id), nil).Into(t, 200, &v)
	testkit.Eventually(t, 3*time.Minute, "the resumed campaign to complete", func() bool {
		c2.Call("GET", fmt.Sprintf("/campaigns/%d", id), nil).Into(t, 200, &v)
		return v["status"] == "completed"
	})

	perRecipient := map[int64]int{}
	for _, m := range sb.Messages() {
		if m.From == 4301 && strings.HasSuffix(strings.Split(m.Text, "\n")[0], "see you Friday") {
			perRecipient[m.To]++
		}
	}
	for to, n := range perRecipient {
		if n != 1 {
			t.Errorf("user %d received the campaign's message %d times", to, n)
		}
	}
	if sentNow := sent(c2); sentNow != len(perRecipient) {
		t.Errorf("the report counts %d sent, the data center delivered to %d people", sentNow, len(perRecipient))
	}
	testkit.Eventually(t, time.Minute, "the replies made after the backup to be linked again", func() bool {
		now := repliedRecipients(t, dir, id)
		if !now[grace] {
			return false
		}
		for u := range oldReplied {
			if !now[u] {
				return false
			}
		}
		return true
	})
}

func addUser(t *testing.T, dataDir, email string) {
	t.Helper()
	st, err := storeopen.Open(context.Background(), storeopen.Options{DataDir: dataDir, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateUser(context.Background(), store.NewUser{Email: email, PasswordHash: "x", Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

// repliedRecipients is who replied to the campaign, as the database says.
func repliedRecipients(t *testing.T, dataDir string, campaignID int64) map[int64]bool {
	t.Helper()
	st, err := storeopen.Open(context.Background(), storeopen.Options{DataDir: dataDir, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	list, err := st.ListDeliveries(context.Background(), campaignID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]bool{}
	for _, d := range list {
		if !d.RepliedAt.IsZero() {
			out[d.TGUserID] = true
		}
	}
	return out
}
