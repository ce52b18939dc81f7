package campaign

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// Replied counts a person's message to an account as a reply to the
// latest delivery sent to them from it, in the transaction that stores
// the message (the inbox owns incoming messages and calls this once per
// message; it applies opt-outs itself).
//
// Any message the person writes to the account cancels the follow-ups
// the account has for them, in every campaign: as opted out when the
// inbox has just suppressed them (it applies the opt-out first), as
// replied otherwise.
func (s *Service) Replied(ctx context.Context, tx store.Tx, accountID, tgUserID int64, text string, at time.Time) error {
	why := reasonReplied
	d, err := tx.MarkReplied(ctx, accountID, tgUserID, text, at)
	switch {
	case err == nil:
		s.log.Info("campaign reply", slog.Int64("campaign", d.CampaignID), slog.Int64("delivery", d.ID))
		sup, err := tx.IsSuppressed(ctx, d.UserID, tgUserID, "")
		if err != nil {
			return fmt.Errorf("record reply: %w", err)
		}
		if sup {
			why = reasonOptedOut
		}
	case errors.Is(err, store.ErrNotFound):
	default:
		return fmt.Errorf("record reply: %w", err)
	}
	now := s.now()
	n, err := tx.CancelStepsTo(ctx, accountID, tgUserID, why.code, why.text, now)
	if err != nil {
		return fmt.Errorf("cancel follow-ups: %w", err)
	}
	if n == 0 || d.CampaignID == 0 {
		return nil
	}
	s.log.Info("follow-ups cancelled", slog.Int64("account", accountID), slog.Int64("steps", n), slog.String("reason", why.code))
	// The last open step of the campaign may have been this person's: it
	// completes now, not when that step would have been due.
	done, err := tx.CompleteCampaignIfDone(ctx, d.CampaignID, now)
	if err != nil || !done {
		return err
	}
	c, err := tx.CampaignForWork(ctx, d.CampaignID)
	if err != nil {
		return err
	}
	return publishCompleted(ctx, s.eventSink(), tx, c, now)
}

// TickArgs is the periodic job that starts scheduled campaigns and wakes
// the accounts that have sends due.
type TickArgs struct{}

func (TickArgs) Kind() string { return "campaign_tick" }

type tickWorker struct {
	river.WorkerDefaults[TickArgs]
	s *Service
}

func (w *tickWorker) Work(ctx context.Context, _ *river.Job[TickArgs]) error { return w.s.Tick(ctx) }

// Tick starts the scheduled campaigns whose time has come and makes sure
// every account with sends due has its job.
func (s *Service) Tick(ctx context.Context) error {
	now := s.now()
	due, err := s.st.DueScheduledCampaigns(ctx, now)
	if err != nil {
		return fmt.Errorf("scheduled campaigns: %w", err)
	}
	for _, c := range due {
		if _, err := s.move(ctx, c.UserID, c.ID, "started", []string{store.CampaignScheduled}, store.CampaignRunning, ""); err != nil {
			s.log.Warn("scheduled campaign not started", slog.Int64("campaign", c.ID), slog.Any("err", err))
		}
	}
	// Replies come through the inbox now, on the account's connection:
	// only accounts with sends to make need their job.
	refs, err := s.st.AccountsWithWork(ctx, now)
	if err != nil {
		return fmt.Errorf("accounts with work: %w", err)
	}
	q, err := s.jobs()
	if err != nil {
		return err
	}
	for _, a := range refs {
		if _, ok := s.running.Load(a.AccountID); ok {
			continue // its job runs here and sees new work on its next claim
		}
		if s.acc.Usable(telegram.WithKinds(ctx, sendCalls...), a.UserID, a.AccountID) != nil {
			continue // limited, logged out: a person acts first
		}
		if _, err := q.Insert(ctx, SendArgs{AccountID: a.AccountID, UserID: a.UserID}, nil); err != nil {
			return fmt.Errorf("wake account %d: %w", a.AccountID, err)
		}
	}
	return nil
}

// Register adds the campaign workers to River's workers.
func Register(w *river.Workers, s *Service) {
	river.AddWorker(w, &sendWorker{s: s})
	river.AddWorker(w, &tickWorker{s: s})
	river.AddWorker(w, &pruneWorker{s: s})
}

// PeriodicJobs are the tick, every interval, and the prune of drafts,
// every PruneEvery.
func PeriodicJobs(every time.Duration) []*river.PeriodicJob {
	return []*river.PeriodicJob{jobs.Tick("campaign_tick", every, TickArgs{}), pruneTick()}
}

// TickEvery is how often the tick runs: a scheduled campaign starts
// within this of its time.
const TickEvery = 20 * time.Second

// MaxSenders is how many accounts one node sends for at once (a worker
// each; they mostly sleep between paced sends).
const MaxSenders = 2000

// Queues adds the senders' queue to queues.
func Queues(queues map[string]river.QueueConfig) map[string]river.QueueConfig {
	queues[SendQueue] = river.QueueConfig{MaxWorkers: MaxSenders}
	return queues
}
