package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// Retention is how long a delivered or failed delivery stays listed.
const Retention = 30 * 24 * time.Hour

// PruneArgs is the periodic job that deletes old finished deliveries.
type PruneArgs struct{}

func (PruneArgs) Kind() string { return "webhook_prune" }

type pruneWorker struct {
	river.WorkerDefaults[PruneArgs]
	s *Service
}

func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[PruneArgs]) error {
	n, err := w.s.st.DeleteFinishedWebhookDeliveries(ctx, w.s.now().Add(-Retention))
	if err != nil {
		return fmt.Errorf("prune webhook deliveries: %w", err)
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
