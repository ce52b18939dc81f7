package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// PruneArgs is the periodic clean-up of rows nobody needs any more:
// expired web sessions, old failed log-ins, abandoned Telegram logins.
// Periodic jobs are enqueued by the elected leader only; a prune that runs
// twice does no harm.
type PruneArgs struct{}

func (PruneArgs) Kind() string { return "prune" }

func prunePeriodically(every time.Duration) *river.PeriodicJob {
	return Tick("prune", every, PruneArgs{})
}

// incompleteMediaAge is how long a media file may stay half written: far
// longer than the slowest upload of the largest file takes.
const incompleteMediaAge = 24 * time.Hour

// unusedMediaAge is how long a stored file no campaign attaches is kept.
const unusedMediaAge = 24 * time.Hour

type pruneWorker struct {
	river.WorkerDefaults[PruneArgs]
	store                     Store
	logger                    *slog.Logger
	now                       func() time.Time
	loginFailureRetention     time.Duration
	abandonedAccountRetention time.Duration
}

func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[PruneArgs]) error {
	now := w.now()
	sessions, err := w.store.SessionDeleteExpired(ctx, now)
	if err != nil {
		return fmt.Errorf("prune web sessions: %w", err)
	}
	failures, err := w.store.DeleteLoginFailuresBefore(ctx, now.Add(-w.loginFailureRetention))
	if err != nil {
		return fmt.Errorf("prune login failures: %w", err)
	}
	logins, err := w.store.DeleteExpiredPendingLogins(ctx, now)
	if err != nil {
		return fmt.Errorf("prune pending logins: %w", err)
	}
	// Accounts whose owner never comes back to the account list (where
	// they are also cleaned up) go here.
	accounts, err := w.store.DeleteAbandonedPendingAccounts(ctx, now.Add(-w.abandonedAccountRetention))
	if err != nil {
		return fmt.Errorf("prune abandoned accounts: %w", err)
	}
	// A media file is complete once its last chunk is in; one still
	// incomplete a day on was left by a crash or a client that went away.
	media, err := w.store.DeleteIncompleteMediaFiles(ctx, now.Add(-incompleteMediaAge))
	if err != nil {
		return fmt.Errorf("prune incomplete media files: %w", err)
	}
	// A file attached in the editor and never saved with a campaign, or
	// left by deleted campaigns, would hold the workspace's quota for good.
	// A day is longer than anyone edits a campaign before saving it.
	unused, err := w.store.DeleteUnusedMediaFiles(ctx, now.Add(-unusedMediaAge))
	if err != nil {
		return fmt.Errorf("prune unused media files: %w", err)
	}
	if sessions+failures+logins+accounts+media+unused > 0 {
		w.logger.Info("pruned expired rows", slog.Int64("web_sessions", sessions),
			slog.Int64("login_failures", failures), slog.Int64("pending_logins", logins),
			slog.Int64("abandoned_accounts", accounts), slog.Int64("incomplete_media_files", media),
			slog.Int64("unused_media_files", unused))
	}
	return nil
}
