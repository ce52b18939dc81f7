package extract

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gotd/td/tg"
	"github.com/riverqueue/river"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/connections"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// Events in the account's activity log (read "extraction started", …).
const (
	EventStarted   = "extraction_started"
	EventCompleted = "extraction_completed"
	EventFailed    = "extraction_failed"
)

// JobArgs is the River job of one extraction.
type JobArgs struct {
	ExtractionID int64 `json:"extraction_id"`
}

func (JobArgs) Kind() string { return "extract_members" }

func (JobArgs) InsertOpts() river.InsertOpts {
	// Attempts count only failures Telegram or the database did not
	// explain; FLOOD_WAIT snoozes and budget yields do not use them up.
	return river.InsertOpts{MaxAttempts: 8}
}

// Register adds the extraction worker to River's workers.
func Register(w *river.Workers, s *Service) {
	river.AddWorker(w, &worker{s: s})
}

type worker struct {
	river.WorkerDefaults[JobArgs]
	s *Service
}

// Timeout leaves a run its budget and as long again to finish its last
// page. River rescues a job whose node died once this has passed (and its
// RescueStuckJobsAfter): a run that is cut short keeps its checkpoint.
func (w *worker) Timeout(*river.Job[JobArgs]) time.Duration { return 2 * w.s.budget }

func (w *worker) Work(ctx context.Context, job *river.Job[JobArgs]) error {
	return w.s.work(ctx, job.Args.ExtractionID, job.Attempt >= job.MaxAttempts)
}

// transientLimit is how many runs of an extraction in a row may end in a
// passing failure, and be resumed after a short wait, before the next is
// left to River's retries (about a quarter of an hour of waits).
const transientLimit = 20

func newRunToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// work is one run of an extraction. River guarantees one run per job at a
// time; the run token guards against a run River gave up on (a crashed
// node's, rescued later) still writing.
func (s *Service) work(ctx context.Context, id int64, lastAttempt bool) error {
	e, err := s.st.StartExtractionRun(ctx, id, newRunToken(), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil // cancelled, or already over
	}
	if err != nil {
		return fmt.Errorf("extraction %d: start run: %w", id, err)
	}
	log := s.log.With(slog.Int64("extraction", id), slog.Int64("account", e.AccountID))
	r := newRunFor(s, e)
	// Pages wait behind a person's request and an inbox answer on the
	// account's connection, and go before campaign sends.
	err = s.acc.Use(connections.WithPriority(telegram.WithKinds(ctx, memberCalls...), connections.Extraction), e.UserID, e.AccountID, func(ctx context.Context, api *tg.Client) error {
		r.api = api
		return r.do(ctx)
	})
	if err == nil {
		s.transient.Reset(id)
		return s.finish(ctx, log, r, store.ExtractionCompleted, nil)
	}
	o := classify(ctx, err, s.now())
	if !o.transient || r.fetched > e.Fetched {
		// Anything else, or a page saved, ends the failures in a row.
		s.transient.Reset(id)
	}
	switch {
	case o.lost:
		log.Info("extraction run stopped: cancelled or taken over")
		return nil
	case o.again:
		return river.JobSnooze(0)
	case o.busy > 0:
		// The checkpoint stays; the node holding the account, or this one
		// once that lease ends, goes on from it.
		log.Info("extraction waits: another node holds the account", slog.Duration("retry_after", o.busy))
		return river.JobSnooze(o.busy)
	case o.wait > 0:
		until := s.now().Add(o.wait)
		if err := s.st.SetExtractionWaiting(context.WithoutCancel(ctx), id, e.RunToken, until, s.now()); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return nil
			}
			return fmt.Errorf("extraction %d: %w", id, err)
		}
		log.Info("extraction waiting for Telegram", slog.Duration("wait", o.wait), slog.Int("fetched", r.fetched))
		return river.JobSnooze(o.wait)
	case o.fail != nil:
		return s.finish(ctx, log, r, store.ExtractionFailed, o.fail)
	}
	if o.transient {
		// River's backoff (attempt^4 seconds) would pause the extraction
		// for minutes after a few blips. The count lives in this node's
		// memory: a snooze leaves River's attempt as it was, so the job
		// cannot tell it, and a restarted node starting again at the
		// shortest wait is what a fresh connection deserves. Past the
		// limit, River's retries take over, and its last attempt fails the
		// extraction as before.
		if wait, n, ok := s.transient.Fail(id); ok {
			log.Warn("extraction run hit a passing failure; it resumes after a short wait",
				slog.Duration("wait", wait), slog.Int("in_a_row", n), slog.Int("fetched", r.fetched), slog.Any("err", err))
			return river.JobSnooze(wait)
		}
	}
	if lastAttempt {
		s.transient.Reset(id)
		return s.finish(ctx, log, r, store.ExtractionFailed, errTelegramUnavailable.Wrap(err))
	}
	log.Warn("extraction run failed; River retries it", slog.Any("err", err))
	return o.retry
}

// newRunFor is a run continuing e's checkpoint within the run budget.
func newRunFor(s *Service, e store.Extraction) *run {
	return newRun(s, nil, e, s.now().Add(s.budget))
}

// finish ends the extraction: completed, or failed with fail.
func (s *Service) finish(ctx context.Context, log *slog.Logger, r *run, status string, fail *apperr.Error) error {
	ctx = context.WithoutCancel(ctx)
	var code, msg, hint string
	if fail != nil {
		code, msg, hint = fail.Code, fail.Message, fail.Hint
	}
	err := s.st.FinishExtraction(ctx, r.e.ID, r.token, status, code, msg, hint, s.now())
	if errors.Is(err, store.ErrConflict) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("extraction %d: finish: %w", r.e.ID, err)
	}
	detail := fmt.Sprintf("%s: %s members", chatLabel(r.e), Thousands(r.fetched))
	event := EventCompleted
	if status == store.ExtractionFailed {
		event, detail = EventFailed, chatLabel(r.e)+": "+msg
		log.Info("extraction failed", slog.String("code", code), slog.Any("err", fail))
	} else {
		log.Info("extraction completed", slog.Int("fetched", r.fetched), slog.Int("total", r.cp.Total))
	}
	if err := s.acc.LogActivity(ctx, r.e.UserID, r.e.AccountID, event, detail, ""); err != nil {
		log.Warn("activity not recorded", slog.Any("err", err))
	}
	if status == store.ExtractionFailed {
		return river.JobCancel(fail)
	}
	return nil
}

func chatLabel(e store.Extraction) string {
	if e.ChatUsername != "" {
		return fmt.Sprintf("%s (@%s)", e.ChatTitle, e.ChatUsername)
	}
	return e.ChatTitle
}

// memberCalls are the kinds of call an extraction makes: pages of members,
// and the chat's own info. A wait or a PEER_FLOOD limit on sending does not
// stop it.
var memberCalls = []telegram.CallKind{telegram.KindMembers, telegram.KindAccount}
