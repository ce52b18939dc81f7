package campaign

import (
	"context"
	"errors"
	"fmt"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/store"
)

// Start starts a draft: at once, or at its start time (scheduled).
func (s *Service) Start(ctx context.Context, userID, id int64) (View, error) {
	if err := actor.Require(ctx, actor.Operator); err != nil {
		return View{}, err
	}
	c, err := s.campaign(ctx, userID, id)
	if err != nil {
		return View{}, err
	}
	to := store.CampaignRunning
	if c.StartAt.After(s.now()) {
		to = store.CampaignScheduled
	}
	return s.move(ctx, userID, id, "started", []string{store.CampaignDraft}, to, "")
}

// Pause stops a running or scheduled campaign's sends; a send under way
// finishes.
func (s *Service) Pause(ctx context.Context, userID, id int64) (View, error) {
	if err := actor.Require(ctx, actor.Operator); err != nil {
		return View{}, err
	}
	return s.move(ctx, userID, id, "paused", []string{store.CampaignRunning, store.CampaignScheduled}, store.CampaignPaused, "Paused by you")
}

// Resume continues a paused campaign from where it stopped.
func (s *Service) Resume(ctx context.Context, userID, id int64) (View, error) {
	if err := actor.Require(ctx, actor.Operator); err != nil {
		return View{}, err
	}
	return s.move(ctx, userID, id, "resumed", []string{store.CampaignPaused}, store.CampaignRunning, "")
}

// Cancel ends a campaign for good; what was not sent is skipped. A draft
// cancelled is deleted by the next prune: it never sent anything, and its
// recipients count against the deliveries quota.
func (s *Service) Cancel(ctx context.Context, userID, id int64) (View, error) {
	if err := actor.Require(ctx, actor.Operator); err != nil {
		return View{}, err
	}
	c, err := s.campaign(ctx, userID, id)
	if err != nil {
		return View{}, err
	}
	if c.Status == store.CampaignDraft {
		if v, err := s.move(ctx, userID, id, "cancelled", []string{store.CampaignDraft}, store.CampaignCancelled, store.PrunedReason); err == nil {
			return v, nil
		}
	}
	v, err := s.move(ctx, userID, id, "cancelled",
		[]string{store.CampaignDraft, store.CampaignScheduled, store.CampaignRunning, store.CampaignPaused}, store.CampaignCancelled, "")
	if err != nil {
		return v, err
	}
	if _, err := s.st.SkipOpenDeliveries(ctx, id, reasonCancelled.code, reasonCancelled.text, s.now()); err != nil {
		return v, fmt.Errorf("cancel campaign %d: %w", id, err)
	}
	return s.Get(ctx, userID, id)
}

// move changes a campaign's status and wakes its senders when it runs.
func (s *Service) move(ctx context.Context, userID, id int64, action string, from []string, to, reason string) (View, error) {
	var c store.Campaign
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		c, err = tx.SetCampaignStatus(ctx, userID, id, from, to, reason, s.now())
		if err != nil {
			return err
		}
		detail := ""
		if to == store.CampaignScheduled {
			detail = "Starts " + c.StartAt.UTC().Format("2006-01-02 15:04 MST")
		}
		if err := s.record(ctx, tx, userID, c, moves[action], detail); err != nil {
			return err
		}
		if to == store.CampaignRunning {
			if err := s.recheckRestored(ctx, tx, c); err != nil {
				return err
			}
			return s.wakeSenders(ctx, tx, c)
		}
		return nil
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return View{}, errNotFound
	case errors.Is(err, store.ErrConflict):
		cur, gerr := s.campaign(ctx, userID, id)
		if gerr != nil {
			return View{}, gerr
		}
		return View{}, errTransition(action, cur.Status)
	case err != nil:
		return View{}, fmt.Errorf("campaign %d: %w", id, err)
	}
	if to == store.CampaignRunning {
		for _, a := range c.SenderIDs {
			s.wakes(a).Add(1)
		}
	}
	s.log.Info("campaign "+action, "campaign", id, "user", userID, "status", to)
	return s.view(ctx, c)
}

// wakeSenders enqueues the sending job of each of the campaign's accounts,
// in the transaction that lets them send. A job already queued or running
// for an account is left alone (the jobs are unique by account): it sees
// the new work on its next claim.
func (s *Service) wakeSenders(ctx context.Context, tx store.Tx, c store.Campaign) error {
	q, err := s.jobs()
	if err != nil {
		return err
	}
	for _, a := range c.SenderIDs {
		if _, err := q.InsertTx(ctx, tx.SQL(), SendArgs{AccountID: a, UserID: c.UserID}, nil); err != nil {
			return fmt.Errorf("enqueue sender %d: %w", a, err)
		}
	}
	return nil
}

// pauseForFailures pauses a campaign whose recent failures pass its
// threshold, saying why.
func (s *Service) pauseForFailures(ctx context.Context, c store.Campaign) error {
	if c.FailurePercent >= 100 {
		return nil
	}
	failed, total, err := s.st.RecentOutcomes(ctx, c.ID, FailureWindow)
	if err != nil {
		return err
	}
	// More than the threshold's share of a full window: with fewer
	// outcomes so far, the same count of failures (10% of 50 is 5).
	if failed < FailuresToPause(c.FailurePercent) {
		return nil
	}
	why := fmt.Sprintf("Paused by itself: %d of the last %d messages failed (more than %d%%). Look at the failures below, fix the cause, then resume.",
		failed, total, c.FailurePercent)
	_, err = s.st.SetCampaignStatus(ctx, c.UserID, c.ID, []string{store.CampaignRunning}, store.CampaignPaused, why, s.now())
	if errors.Is(err, store.ErrConflict) {
		return nil
	}
	if err == nil {
		s.log.Warn("campaign paused for failures", "campaign", c.ID, "failed", failed, "of", total)
		// Background work: the log has no person for it.
		s.recordAfter(audit.WithActor(ctx, audit.Actor{}), c.UserID, c, audit.CampaignPaused, fmt.Sprintf("Paused by itself: %d of the last %d messages failed", failed, total))
	}
	return err
}
