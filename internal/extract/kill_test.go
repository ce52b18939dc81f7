package extract_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/telegram"
	"github.com/telegramate/telegramate/internal/testkit"
)

// The kill test runs the extraction in a child process (this test binary,
// started with childEnv set), which stops inside a save's transaction;
// the parent kills it there with SIGKILL and lets River, after rescuing the
// job, finish it from the checkpoint.
const childEnv = "TELEGRAMATE_EXTRACT_CHILD"

type childConf struct {
	DataDir   string
	DCs       map[int]string
	PublicKey []byte
	Phones    map[int64]string
	Sessions  map[string][]byte
	// PauseAt: the first save to bring the list to this many members never commits.
	PauseAt int
}

func runChild() int {
	var c childConf
	if err := json.Unmarshal([]byte(os.Getenv(childEnv)), &c); err != nil {
		fmt.Println("child: bad conf:", err)
		return 1
	}
	ctx := context.Background()
	var err error
	gw, err = telegram.New(telegram.Config{DCs: c.DCs, PublicKeyPEM: c.PublicKey})
	if err != nil {
		fmt.Println("child:", err)
		return 1
	}
	for phone, s := range c.Sessions {
		sessions[phone] = s
	}
	st, err := storeopen.Open(ctx, storeopen.Options{DataDir: c.DataDir, NoMigrate: true})
	if err != nil {
		fmt.Println("child:", err)
		return 1
	}
	svc, err := extract.New(extract.Options{Store: st, Accounts: &tgAccounts{st: st, phones: c.Phones}})
	if err != nil {
		fmt.Println("child:", err)
		return 1
	}
	extract.SetAfterPage(svc, func(e store.Extraction) {
		// Pages wait to be saved together when fetching outruns saving, so
		// the save that pauses is the first to reach PauseAt members, in
		// whichever phase its last page is.
		if e.Fetched >= c.PauseAt {
			fmt.Printf("paused in the transaction that would bring the list to %d members\n", e.Fetched)
			select {} // until killed
		}
	})
	jc, err := jobs.New(ctx, jobs.Options{
		Store: st, Register: func(w *river.Workers) { extract.Register(w, svc) }, FetchPollInterval: 100 * time.Millisecond,
	})
	if err != nil {
		fmt.Println("child:", err)
		return 1
	}
	if err := jc.Start(ctx); err != nil {
		fmt.Println("child:", err)
		return 1
	}
	fmt.Println("child working")
	select {}
}

func TestKilledRunResumesFromItsCheckpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	ctx := context.Background()
	st, err := storeopen.Open(ctx, storeopen.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// A short budget gives the worker a short Timeout (twice the budget),
	// which River waits out before it rescues the dead run's job.
	e := newEnvWith(t, st, false, extract.Options{RunBudget: time.Second})
	// This client leads River's maintenance (so the dying child never
	// does, and its leadership need not expire) and enqueues, but works
	// another queue.
	lead := riverClient(t, st, e.svc, "idle", time.Hour)
	x := e.start(extract.StartInput{AccountID: e.ann, ChatID: chatGoDevs})

	sessMu.Lock()
	conf := childConf{DataDir: dir, DCs: sbx.DCs(), PublicKey: sbx.PublicKeyPEM(), Phones: e.acc.phones,
		Sessions: map[string][]byte{phoneAnn: sessions[phoneAnn]}, PauseAt: 1000}
	sessMu.Unlock()
	before := participantCalls()
	paused := make(chan string, 1)
	cmd := testkit.StartChild(t, childEnv, conf, func(line string) bool {
		if strings.HasPrefix(line, "paused") {
			select {
			case paused <- line:
			default:
			}
		}
		return true
	})
	select {
	case <-paused:
	case <-time.After(90 * time.Second):
		t.Fatal("the child never reached the page to be killed in")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	childCalls := participantCalls() - before

	// What survived: the pages committed before, not the ones being
	// written, and the checkpoint says exactly where they end.
	got, err := e.svc.Get(ctx, e.user.ID, x.ID)
	if err != nil || got.Status != store.ExtractionRunning || got.Phase != "recent" ||
		got.PhaseOffset >= 1000 || got.PhaseOffset%200 != 0 || got.Fetched != got.PhaseOffset {
		t.Fatalf("after the kill: %+v, %v", got, err)
	}
	saved := got.PhaseOffset
	t.Logf("killed with %d members committed", saved)
	if n, _ := st.CountMembers(ctx, x.ListID, store.MemberFilter{}); n != saved {
		t.Fatalf("%d members saved, want %d", n, saved)
	}

	// River rescues a job whose worker died once it has been running for
	// its timeout and RescueStuckJobsAfter. Instead of waiting that out,
	// the dead run's job is made to look an hour old. The leader resigns so
	// the rescuing client leads, and rescues, at once.
	stopClient(t, lead)
	res, err := st.DB().ExecContext(ctx, `UPDATE river_job SET attempted_at = datetime('now', '-1 hour') WHERE state = 'running'`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%d running jobs, want the dead run's one", n)
	}
	before = participantCalls()
	riverClient(t, st, e.svc, river.QueueDefault, time.Second)
	done := e.wait(x.ID)
	if done.Status != store.ExtractionCompleted || done.Fetched != 1506 {
		t.Fatalf("finished %+v", done)
	}
	// The pages from the checkpoint on (at 800, 1000, 1200 and 1400 when
	// it is 800): nothing before it was fetched again.
	if calls, want := participantCalls()-before, (1506-saved+199)/200; calls != want {
		t.Errorf("%d getParticipants calls after the restart from %d, want %d (the child made %d)", calls, saved, want, childCalls)
	}
	e.checkMembers(e.members(x.ListID), expected(chatGoDevs, false), e.ann)
}

// riverClient works queue with the extraction worker.
func riverClient(t *testing.T, st store.Store, svc *extract.Service, queue string, rescueAfter time.Duration) *river.Client[*sql.Tx] {
	t.Helper()
	w := river.NewWorkers()
	extract.Register(w, svc)
	c, err := river.NewClient(riversqlite.New(st.DB()), &river.Config{
		Workers:              w,
		Queues:               map[string]river.QueueConfig{queue: {MaxWorkers: 2}},
		FetchPollInterval:    100 * time.Millisecond,
		JobTimeout:           500 * time.Millisecond,
		RescueStuckJobsAfter: rescueAfter,
		Logger:               slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopClient(t, c) })
	return c
}

func stopClient(t *testing.T, c *river.Client[*sql.Tx]) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Stop(ctx); err != nil {
		t.Errorf("stop river: %v", err)
	}
}
