package jobs

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

type wokenArgs struct{}

func (wokenArgs) Kind() string { return "woken_test" }

type wokenWorker struct {
	river.WorkerDefaults[wokenArgs]
	done chan struct{}
}

func (w *wokenWorker) Work(context.Context, *river.Job[wokenArgs]) error {
	w.done <- struct{}{}
	return nil
}

// TestSQLiteListenerWokenByNotifyingWrites: on SQLite, River hears of a
// job inserted in the store's transaction when that transaction commits,
// with its fallback polls (River's fetch and the listener's idle read)
// both ten minutes away; and while nothing notifies, the listener does
// not read River's notifications (it used to, every 50 ms: most of an idle
// node's CPU).
func TestSQLiteListenerWokenByNotifyingWrites(t *testing.T) {
	// Read by the listener when it is made, and restored after the
	// client's own cleanup (registered later, run earlier).
	saved := idleListenPoll
	t.Cleanup(func() { idleListenPoll = saved })
	idleListenPoll = 10 * time.Minute
	s := storetest.SQLite(t)
	ctx := context.Background()
	w := &wokenWorker{done: make(chan struct{}, 4)}
	c, err := New(ctx, Options{Store: s, NodeID: "woken-test", FetchPollInterval: 10 * time.Minute,
		Register: func(ws *river.Workers) { river.AddWorker(ws, w) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = c.Close(cctx)
	})

	for i := range 3 {
		err := s.InTx(ctx, func(tx store.Tx) error {
			_, err := c.InsertTx(ctx, tx.SQL(), wokenArgs{}, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-w.done:
		case <-time.After(30 * time.Second):
			t.Fatalf("job %d not run within 30s of its commit: River was not told", i+1)
		}
	}

	// Idle: heartbeats and River's own writes go on, notifications do not.
	before := listenerPolls.Load()
	if before == 0 {
		t.Fatal("River's SQLite listener is its own, reading every 50 ms, not the woken one")
	}
	time.Sleep(3 * time.Second)
	if n := listenerPolls.Load() - before; n > 3 {
		t.Errorf("the listener read River's notifications %d times in 3 idle seconds, want at most 3 (River's own reads every 50 ms)", n)
	}
}

// slowListener is River's listener on a loaded machine: its first reads
// outlast their bound, and only a later one finds the notification.
type slowListener struct {
	riverdriver.Listener
	slow  int // reads that outlast their bound
	reads atomic.Int32
}

func (l *slowListener) WaitForNotification(ctx context.Context) (*riverdriver.Notification, error) {
	if int(l.reads.Add(1)) <= l.slow {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return &riverdriver.Notification{Topic: "insert", Payload: "{}"}, nil
}

// TestNotificationFoundWhenReadsAreSlow: the reads after a notifying
// write can wait past their bound on a loaded machine (CI: a job not run
// within 30 s of its commit). The listener reads again, more patiently,
// until the notification is found, instead of leaving it to the idle poll.
func TestNotificationFoundWhenReadsAreSlow(t *testing.T) {
	var (
		mu      sync.Mutex
		written = make(chan struct{})
	)
	notified := &atomic.Bool{}
	slow := &slowListener{slow: 2}
	l := &wokenListener{Listener: slow, notified: notified, idle: 10 * time.Minute, lastPoll: time.Now(),
		written: func() <-chan struct{} {
			mu.Lock()
			defer mu.Unlock()
			return written
		}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() {
		time.Sleep(100 * time.Millisecond) // the listener waits for a write
		notified.Store(true)
		mu.Lock()
		close(written) // the notifying write ended
		written = make(chan struct{})
		mu.Unlock()
	}()
	n, err := l.WaitForNotification(ctx)
	if err != nil || n == nil {
		t.Fatalf("after %d reads: %v, %v; want the notification", slow.reads.Load(), n, err)
	}
}
