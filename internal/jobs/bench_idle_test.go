package jobs_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// BenchmarkIdleFloor is what River itself costs idle on SQLite, to judge
// the idle node's figure against: a plain River client with four queues
// (as many as a node works) and River's defaults, then this package's
// client (the woken listener, the 5 s fetch poll, the heartbeat, the
// prune and retention jobs), each on a migrated store of its own, each
// for a minute after ten seconds of settling. The figure is this test
// process's CPU over that minute, in % of a core.
//
//	go test ./internal/jobs -run '^$' -bench BenchmarkIdleFloor -benchtime 1x -v
func BenchmarkIdleFloor(b *testing.B) {
	queues := map[string]river.QueueConfig{}
	for _, q := range []string{river.QueueDefault, "q1", "q2", "q3"} {
		queues[q] = river.QueueConfig{MaxWorkers: 10}
	}
	var plain float64
	b.Run("river", func(b *testing.B) {
		st := storetest.SQLite(b)
		workers := river.NewWorkers()
		river.AddWorker(workers, river.WorkFunc(func(context.Context, *river.Job[idleArgs]) error { return nil }))
		rc, err := river.NewClient(riversqlite.New(st.DB()), &river.Config{Queues: queues, Workers: workers})
		if err != nil {
			b.Fatal(err)
		}
		plain = idleCPU(b, func(ctx context.Context) error { return rc.Start(ctx) }, func(ctx context.Context) error { return rc.Stop(ctx) })
		b.ReportMetric(plain*100, "cpu-%core")
	})
	b.Run("jobs", func(b *testing.B) {
		st := storetest.SQLite(b)
		c, err := jobs.New(context.Background(), jobs.Options{Store: st, Queues: queues,
			Register: func(w *river.Workers) {
				river.AddWorker(w, river.WorkFunc(func(context.Context, *river.Job[idleArgs]) error { return nil }))
			}})
		if err != nil {
			b.Fatal(err)
		}
		ours := idleCPU(b, c.Start, c.Close)
		b.Logf("idle on SQLite: River alone %.3f%% of a core, this package's client %.3f%%", plain*100, ours*100)
		b.ReportMetric(ours*100, "cpu-%core")
	})
}

type idleArgs struct{}

func (idleArgs) Kind() string { return "idle" }

func idleCPU(b *testing.B, start, stop func(context.Context) error) float64 {
	ctx := context.Background()
	if err := start(ctx); err != nil {
		b.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = stop(ctx)
	}()
	time.Sleep(10 * time.Second)
	const span = time.Minute
	c0 := processCPU(b)
	time.Sleep(span)
	return (processCPU(b) - c0).Seconds() / span.Seconds()
}

func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(fmt.Errorf("getrusage: %w", err))
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
