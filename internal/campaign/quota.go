package campaign

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/usertext"
)

// Quotas bound what one owner keeps, so one tenant cannot fill the disk
// (four drafts of 100,000 recipients were 112 MB). The owner is a user
// today and becomes a workspace once there are workspaces; the flags say
// "per workspace" already.
type Quotas struct {
	// Drafts caps the campaigns not yet started (default 50).
	Drafts int
	// Deliveries caps the recipients of all campaigns together, ended
	// ones included: each is a row kept for the report (default
	// 2,000,000).
	Deliveries int64
	// DraftRetention is how long a draft may stay unstarted before the
	// prune deletes it (default 30 days).
	DraftRetention time.Duration
}

// Default quotas.
const (
	DefaultQuotaDrafts     = 50
	DefaultQuotaDeliveries = 2_000_000
	DefaultDraftRetention  = 30 * 24 * time.Hour
)

func (q Quotas) withDefaults() Quotas {
	if q.Drafts <= 0 {
		q.Drafts = DefaultQuotaDrafts
	}
	if q.Deliveries <= 0 {
		q.Deliveries = DefaultQuotaDeliveries
	}
	if q.DraftRetention <= 0 {
		q.DraftRetention = DefaultDraftRetention
	}
	return q
}

// quotaError is the refusal of what would pass a quota: which quota, and
// what the user can do.
func quotaError(msg, hint string) *apperr.Error {
	return &apperr.Error{Code: apperr.CodeQuotaExceeded, Status: http.StatusUnprocessableEntity, Message: msg, Hint: hint}
}

// roomForDraft refuses a new draft of n recipients that would pass the
// owner's quotas; nothing is saved.
func (s *Service) roomForDraft(ctx context.Context, userID int64, n int) error {
	u, err := s.st.UsageOf(ctx, userID)
	if err != nil {
		return fmt.Errorf("usage of user %d: %w", userID, err)
	}
	q := s.o.Quotas
	if u.Drafts >= q.Drafts {
		return quotaError(fmt.Sprintf("You have %d drafts, the most kept per workspace (the drafts quota is %s)", u.Drafts, usertext.Thousands(q.Drafts)),
			fmt.Sprintf("Nothing was saved. Start a draft, or cancel the ones you will not send (a cancelled draft is deleted within the hour); drafts left unstarted for %s are deleted.",
				days(q.DraftRetention)))
	}
	if u.Deliveries+int64(n) > q.Deliveries {
		return quotaError(fmt.Sprintf("Your campaigns hold %s recipients in all; this one's %s would pass the most kept per workspace (the deliveries quota is %s)",
			usertext.Thousands(int(u.Deliveries)), usertext.Thousands(n), usertext.Thousands(int(q.Deliveries))),
			"Nothing was saved. Cancel drafts you will not send (a cancelled draft is deleted within the hour), narrow the audience, or ask the operator to raise --quota-deliveries.")
	}
	return nil
}

func days(d time.Duration) string {
	if n := int(d / (24 * time.Hour)); n >= 1 && d%(24*time.Hour) == 0 {
		if n == 1 {
			return "a day"
		}
		return fmt.Sprintf("%d days", n)
	}
	return d.String()
}

// PruneArgs is the periodic job that deletes drafts left unstarted past
// the retention, and cancelled drafts.
type PruneArgs struct{}

func (PruneArgs) Kind() string { return "campaign_prune" }

// PruneEvery is how often the prune runs.
const PruneEvery = time.Hour

type pruneWorker struct {
	river.WorkerDefaults[PruneArgs]
	s *Service
}

func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[PruneArgs]) error {
	_, err := w.s.Prune(ctx)
	return err
}

func pruneTick() *river.PeriodicJob { return jobs.Tick("campaign_prune", PruneEvery, PruneArgs{}) }

// Prune ends the drafts older than the retention (nobody can start them
// from then on) and deletes them with the drafts cancelled before they
// started, store.WriteBatch rows to a transaction, so another tenant's
// writes wait for one batch, never a 100,000-recipient draft. It returns
// how many rows went. A run cut short is finished by the next.
func (s *Service) Prune(ctx context.Context) (int64, error) {
	now := s.now()
	ended, err := s.st.PruneDraftsBefore(ctx, now.Add(-s.o.Quotas.DraftRetention), now)
	if err != nil {
		return 0, fmt.Errorf("prune drafts: %w", err)
	}
	var total int64
	for ctx.Err() == nil {
		n, err := s.st.DeletePruned(ctx, store.WriteBatch)
		if err != nil {
			return total, fmt.Errorf("delete pruned drafts: %w", err)
		}
		if n == 0 {
			break
		}
		total += n
	}
	if ended > 0 || total > 0 {
		s.log.Info("pruned drafts", slog.Int64("drafts_ended", ended), slog.Int64("rows_deleted", total))
	}
	return total, ctx.Err()
}
