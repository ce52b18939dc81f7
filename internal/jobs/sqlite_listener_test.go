package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"

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
