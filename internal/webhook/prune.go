package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// Retention is how long a delivered or failed delivery stays listed by
// default (Options.Retention).
const Retention = 30 * 24 * time.Hour

// pruneBatch is the rows one statement deletes, so SQLite's writer is
// held for a batch at a time.
const pruneBatch = 500

// PruneArgs is the periodic job that deletes old finished deliveries.
type PruneArgs struct{}

func (PruneArgs) Kind() string { return "webhook_prune" }

type pruneWorker struct {
	river.WorkerDefaults[PruneArgs]
	s *Service
}

func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[PruneArgs]) error {
	keep := w.s.o.Retention
	if keep < 0 {
		return nil
	}
	if keep == 0 {
		keep = Retention
	}
	var n int64
	for {
		b, err := w.s.st.PruneWebhookDeliveries(ctx, w.s.now().Add(-keep), pruneBatch)
		if err != nil {
			return fmt.Errorf("prune webhook deliveries: %w", err)
		}
		n += b
		if b < pruneBatch {
			break
		}
	}
	if n > 0 {
		w.s.log.Info("old webhook deliveries deleted", slog.Int64("count", n))
	}
	return nil
}

// PeriodicJobs is the pruning job, every interval.
func PeriodicJobs(every time.Duration) []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return PruneArgs{}, nil },
		&river.PeriodicJobOpts{ID: "webhook_prune"})}
}

// PruneEvery is how often old deliveries are deleted.
const PruneEvery = 6 * time.Hour
