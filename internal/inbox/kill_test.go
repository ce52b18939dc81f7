package inbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/testkit"
)

// The kill test runs the product in a child process (this test binary,
// started with childEnv set) against the parent's sandbox and kills it
// with SIGKILL between an answer's commit and Telegram's answer to it.
const childEnv = "TELEGRAMATE_INBOX_CHILD"

type childConf struct {
	DataDir   string
	DCList    map[int]string
	PublicKey []byte
}

func (c childConf) DCs() map[int]string  { return c.DCList }
func (c childConf) PublicKeyPEM() []byte { return c.PublicKey }

func runChild() int {
	var c childConf
	if err := json.Unmarshal([]byte(os.Getenv(childEnv)), &c); err != nil {
		fmt.Println("child: bad conf:", err)
		return 1
	}
	ctx := context.Background()
	st, err := storeopen.Open(ctx, storeopen.Options{DataDir: c.DataDir, NoMigrate: true})
	if err != nil {
		fmt.Println("child:", err)
		return 1
	}
	keys, err := secrets.NewKeyring(testKey)
	if err != nil {
		fmt.Println("child:", err)
		return 1
	}
	if _, err := wire(ctx, st, keys, c, inbox.Options{}, 300*time.Millisecond); err != nil {
		fmt.Println("child:", err)
		return 1
	}
	fmt.Println("child running")
	select {} // until killed
}

// TestAnswerOnceAcrossKill writes an answer, lets a child process send it
// and kills the child after Telegram has the message but before its
// answer is back; the restarted product sends it again with the same
// random_id. Judged from the sandbox's record: the person got it once.
func TestAnswerOnceAcrossKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	ctx := context.Background()
	dir := t.TempDir()
	st, err := storeopen.Open(ctx, storeopen.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := newEnv(t, st, inbox.Options{})
	e.listening(sam.TGUserID)
	if _, err := e.sbx.Write(stranger, sam.TGUserID, "Can you call me?", nil); err != nil {
		t.Fatal(err)
	}
	c := e.conversationWith(sam.TGUserID, stranger)
	e.stop()
	// Telegram takes each request at once and answers two seconds later:
	// the kill, within 20 ms of the message's record, lands between the two.
	e.sbx.SetAnswerDelay(2 * time.Second)
	ans, err := e.svc.Answer(ctx, e.user, c.ID, "Calling you in five minutes")
	if err != nil {
		t.Fatal(err)
	}
	child := startChild(t, childConf{DataDir: dir, DCList: e.sbx.DCs(), PublicKey: e.sbx.PublicKeyPEM()})
	e.waitFor("the answer at Telegram", func() (bool, error) { return len(e.sentTo(sam.TGUserID, stranger)) == 1, nil })
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	m, err := st.InboxMessageByID(ctx, ans.ID)
	if err != nil || m.State != store.AnswerSending {
		t.Fatalf("after the kill the answer is %q (%v), want sending: the kill did not land between commit and answer", m.State, err)
	}
	// River gives a dead worker's job back only after its rescue delay:
	// do now what its rescuer would do then, and free the leadership the
	// dead process held.
	if _, err := st.DB().ExecContext(ctx, `UPDATE river_job SET state = 'available', scheduled_at = datetime('now', '-1 second') WHERE state = 'running'`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().ExecContext(ctx, `DELETE FROM river_leader`); err != nil {
		t.Fatal(err)
	}
	e.sbx.SetAnswerDelay(0)
	e.start()
	e.waitFor("the answer sent after the restart", func() (bool, error) {
		m, err = st.InboxMessageByID(ctx, ans.ID)
		return m.State == store.AnswerSent, err
	})
	got := e.sentTo(sam.TGUserID, stranger)
	if len(got) != 1 || got[0].RandomID != ans.RandomID || got[0].Text != "Calling you in five minutes" {
		t.Errorf("the sandbox recorded %+v, want the answer exactly once with random_id %d", got, ans.RandomID)
	}
	if m.Attempts < 2 || m.TGMessageID != got[0].MessageID {
		t.Errorf("answer %+v: want it sent again (attempts ≥ 2) and Telegram's first message id %d", m, got[0].MessageID)
	}
	if th := e.thread(c.ID); len(th) != 2 {
		t.Errorf("thread %+v, want the message and one answer", th)
	}
}

func startChild(t *testing.T, conf childConf) *exec.Cmd {
	t.Helper()
	return testkit.StartChild(t, childEnv, conf, func(line string) bool { return !strings.HasPrefix(line, "child running") })
}
