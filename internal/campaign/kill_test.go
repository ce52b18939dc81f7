package campaign_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/media"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/telegram"
	"github.com/telegramate/telegramate/internal/testkit"
)

// The kill test runs the product's sending side in a child process (this
// test binary, started with childEnv set) against a sandbox in the
// parent, and kills it with SIGKILL while it sends.
const childEnv = "TELEGRAMATE_CAMPAIGN_CHILD"

type childConf struct {
	DataDir   string
	DCs       map[int]string
	PublicKey []byte
	UserID    int64
	Start     int64 // a campaign to start once running (the first child)
	// Listen: the child keeps the accounts' updates too (the inbox), as
	// the server does on the connection it sends on.
	Listen bool
	// DatabaseURL opens PostgreSQL instead of DataDir's SQLite.
	DatabaseURL string
	// Media gives the child a media service, for campaigns that attach
	// files.
	Media bool
	// Heap: the child prints "heap N" each time its heap in use reaches a
	// new peak, N bytes above what it was before its first job (the
	// media benchmark's memory figure is the sending process's alone,
	// not the sandbox's, which holds every uploaded file).
	Heap bool
	// Commands: the child reads "start N" lines on its standard input
	// and starts campaign N itself, as a person's Start does on the
	// node that sends: its jobs hear of the campaign's jobs at once,
	// where a Start in the test's process would reach them at the
	// child's next poll.
	Commands bool
}

func runChild() int {
	var c childConf
	if err := json.Unmarshal([]byte(os.Getenv(childEnv)), &c); err != nil {
		fmt.Println("child: bad conf:", err)
		return 1
	}
	fail := func(err error) int { fmt.Println("child:", err); return 1 }
	ctx := context.Background()
	st, err := storeopen.Open(ctx, storeopen.Options{DataDir: c.DataDir, DatabaseURL: c.DatabaseURL, NoMigrate: true})
	if err != nil {
		return fail(err)
	}
	keys, err := secrets.NewKeyring(testKey)
	if err != nil {
		return fail(err)
	}
	gw, err := telegram.New(telegram.Config{DCs: c.DCs, PublicKeyPEM: c.PublicKey, ConnectTimeout: 10 * time.Second})
	if err != nil {
		return fail(err)
	}
	acc, err := accounts.New(accounts.Options{Store: st, Keyring: keys, Gateway: gw})
	if err != nil {
		return fail(err)
	}
	queue, err := jobs.New(ctx, jobs.Options{Store: st, InsertOnly: true})
	if err != nil {
		return fail(err)
	}
	o := campaign.Options{Store: st, Accounts: acc, Queue: queue, RunBudget: 30 * time.Second}
	if os.Getenv("CAMPAIGN_TEST_LOG") != "" {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if c.Media {
		if o.Media, err = media.New(media.Options{Store: st, Logger: o.Logger}); err != nil {
			return fail(err)
		}
	}
	svc, err := campaign.New(o)
	if err != nil {
		return fail(err)
	}
	jc, err := jobs.New(ctx, jobs.Options{
		Store: st, DatabaseURL: c.DatabaseURL, Register: func(w *river.Workers) { campaign.Register(w, svc) },
		Queues: campaign.Queues(jobs.DefaultQueues()), PeriodicJobs: campaign.PeriodicJobs(300 * time.Millisecond),
		FetchPollInterval: 100 * time.Millisecond, RescueStuckJobsAfter: time.Minute,
	})
	if err != nil {
		return fail(err)
	}
	if err := jc.Start(ctx); err != nil {
		return fail(err)
	}
	if c.Listen {
		in, err := inbox.New(inbox.Options{Store: st, Accounts: acc, Queue: queue, Replies: svc, Logger: o.Logger})
		if err != nil {
			return fail(err)
		}
		acc.Listen(ctx, in.Received)
	}
	if c.Start != 0 {
		if _, err := svc.Start(ctx, c.UserID, c.Start); err != nil {
			return fail(err)
		}
	}
	if c.Heap {
		go reportHeapPeaks()
	}
	fmt.Println("child sending")
	if c.Commands {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			var id int64
			if _, err := fmt.Sscanf(sc.Text(), "start %d", &id); err != nil {
				fmt.Println("child: command:", err)
				continue
			}
			if _, err := svc.Start(ctx, c.UserID, id); err != nil {
				fmt.Println("child: start:", err)
				continue
			}
			fmt.Println("child started", id)
		}
	}
	select {} // until killed
}

// TestKilledServerSendsEveryMessageOnce kills the sending process three
// times while it sends 200 messages from two accounts, each time just as
// a message has reached Telegram and before its answer is back, and
// restarts it. Judged from the sandbox's record: every recipient got
// exactly one message, with the random_id of its delivery; the messages
// interrupted were sent again with the same random_id and Telegram
// dropped them.
func TestKilledServerSendsEveryMessageOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	ctx := context.Background()
	st, err := storeopen.Open(ctx, storeopen.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := newEnv(t, st, campaign.Options{})
	l1, l2 := e.list(sam, chatCrowd), e.list(sid, chatCrowd)
	v := e.create(campaign.CreateInput{Message: "Hello {first_name|there}", Audience: campaign.Audience{ListIDs: []int64{l1, l2}},
		SenderAccountIDs: []int64{e.account(sam), e.account(sid)}, Pacing: campaign.PacingInput{MinIntervalSeconds: intp(0), DailyCap: intp(1000)}})
	e.stopJobs()
	// 20 ms round trips, the second half after the message is delivered:
	// a kill as a message lands finds its answer not yet recorded.
	e.sbx.SetLatency(10 * time.Millisecond)
	e.sbx.SetAnswerDelay(10 * time.Millisecond)
	conf := childConf{DataDir: dir, DCs: e.sbx.DCs(), PublicKey: e.sbx.PublicKeyPEM(), UserID: e.user, Start: v.ID}
	sent := func() int { return len(e.sentBy(sam.TGUserID)) + len(e.sentBy(sid.TGUserID)) }

	for i, killAt := range []int{40, 90, 140, 0} {
		cmd := startChild(t, conf)
		conf.Start = 0
		if killAt == 0 {
			e.waitDone(v.ID)
			break
		}
		deadline := time.Now().Add(90 * time.Second)
		for sent() < killAt {
			if time.Now().After(deadline) {
				t.Fatalf("child %d: only %d messages sent", i, sent())
			}
			time.Sleep(2 * time.Millisecond)
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		t.Logf("killed child %d after %d messages", i, sent())
		rescue(t, st)
	}

	v, err = e.svc.Get(ctx, e.user, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != store.CampaignCompleted || v.Counts.Pending+v.Counts.Sending != 0 {
		t.Fatalf("campaign %s, counts %+v", v.Status, v.Counts)
	}
	byRecipient := map[int64][]string{}
	for _, from := range []int64{sam.TGUserID, sid.TGUserID} {
		for _, m := range e.sentBy(from) {
			byRecipient[m.To] = append(byRecipient[m.To], fmt.Sprint(m.RandomID))
		}
	}
	resent := 0
	rows := e.deliveries(v.ID)
	for _, r := range rows {
		got := byRecipient[r.UserID]
		switch r.State {
		case store.DeliverySent:
			if len(got) != 1 || got[0] != r.RandomID {
				t.Errorf("recipient %d: messages with random_ids %v, want exactly one with %s", r.UserID, got, r.RandomID)
			}
		default:
			if len(got) != 0 {
				t.Errorf("recipient %d (%s: %s) got %d messages", r.UserID, r.State, r.Reason, len(got))
			}
		}
	}
	if v.Counts.Sent < 150 {
		t.Errorf("only %d sent", v.Counts.Sent)
	}
	attempts, err := e.st.DB().QueryContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE campaign_id = ? AND attempts > 1`, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer attempts.Close()
	for attempts.Next() {
		_ = attempts.Scan(&resent)
	}
	t.Logf("%d of %d messages were sent again after a kill (Telegram dropped the duplicates)", resent, v.Counts.Sent)
	if resent == 0 {
		t.Error("no kill landed between a message's delivery and its record: the test proved nothing")
	}
}

// reportHeapPeaks prints the heap in use's growth over its level now,
// at each new peak, sampled every 20 ms.
func reportHeapPeaks() {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	start, peak := m.HeapInuse, m.HeapInuse
	fmt.Println("heap 0")
	for range time.Tick(20 * time.Millisecond) {
		runtime.ReadMemStats(&m)
		if m.HeapInuse > peak {
			peak = m.HeapInuse
			fmt.Println("heap", peak-start)
		}
	}
}

// killStore is a kill test's database on engine ("sqlite" or
// "postgres"), fresh and migrated, and a child conf that opens it.
func killStore(t testing.TB, engine string) (st store.Store, conf childConf) {
	t.Helper()
	switch engine {
	case "sqlite":
		st, conf.DataDir = storetest.SQLiteDir(t)
	case "postgres":
		st, conf.DatabaseURL = storetest.PostgresURL(t)
	default:
		t.Fatalf("no engine %q", engine)
	}
	return st, conf
}

// rescue does at once, after a child's kill, what would happen soon
// after: it makes the dead child's running jobs available again (the
// nodes' rescuer does as the next SQLite node starts, and on PostgreSQL
// 10 s after the dead node's last heartbeat) and frees the River
// leadership the child held. The child's account leases are left to the
// product: a starting SQLite node ends them (one node), and on
// PostgreSQL the next child waits for them to run out (up to 15 s by the
// database's clock), as a node taking over from a dead one does.
func rescue(t *testing.T, st store.Store) {
	t.Helper()
	var due string // a second ago, in the engine's SQL (River's column, River's format)
	switch st.Dialect() {
	case "sqlite":
		due = `datetime('now', '-1 second')`
	case "postgres":
		due = `now() - interval '1 second'`
	default:
		t.Fatalf("no rescue for engine %q", st.Dialect())
	}
	ctx := context.Background()
	if _, err := st.DB().ExecContext(ctx, `UPDATE river_job SET state = 'available', scheduled_at = `+due+` WHERE state = 'running'`); err != nil {
		t.Fatalf("rescue the dead child's jobs: %v", err)
	}
	if _, err := st.DB().ExecContext(ctx, `DELETE FROM river_leader`); err != nil {
		t.Fatalf("free the dead child's leadership: %v", err)
	}
}

func startChild(t *testing.T, conf childConf) *exec.Cmd {
	t.Helper()
	return testkit.StartChild(t, childEnv, conf, func(line string) bool { return !strings.HasPrefix(line, "child sending") })
}
