package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/lease"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// The kit every domain's jobs use: per-account job arguments, periodic
// ticks, and what a failed run means for its job.

// AccountArgs are the arguments of a job that works one account's queue
// of work (a campaign's sends, the inbox's answers). A domain names its
// own type after it (type SendArgs jobs.AccountArgs) to give it a kind.
type AccountArgs struct {
	AccountID int64 `json:"account_id"`
	UserID    int64 `json:"user_id"`
	// Again marks the job enqueued behind a running one (see
	// RanPastLastLook); unique apart from it.
	Again bool `json:"again,omitempty"`
}

// RanPastLastLook tells whether River took an insert for a duplicate of
// the account's job while it runs. That job may have looked for work
// for the last time already (River marks it completed a moment after it
// returns), so the work written now would wait for the next tick: the
// caller enqueues the same job with Again set, to run after it.
func RanPastLastLook(res *rivertype.JobInsertResult) bool {
	return res != nil && res.UniqueSkippedAsDuplicate && res.Job != nil && res.Job.State == rivertype.JobStateRunning
}

// OnePerAccount are the insert options of such a job on queue: one per
// account waits or runs at a time, anywhere, and it takes in the work
// written meanwhile (it works until none is left, and looks again as it
// ends).
func OnePerAccount(queue string) river.InsertOpts {
	return river.InsertOpts{
		Queue:       queue,
		MaxAttempts: 25,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
			rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateRetryable, rivertype.JobStateScheduled,
		}},
	}
}

// Tick is a periodic job of args every interval, run at start too; id
// keeps one per cluster.
func Tick(id string, every time.Duration, args river.JobArgs) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return args, nil },
		&river.PeriodicJobOpts{ID: id, RunOnStart: true})
}

// Outcome is what a failed run of an account's work means for its job;
// one field is set (Err also with Transient).
type Outcome struct {
	// FloodWait: Telegram asked to wait this long (FLOOD_WAIT, honoured
	// to the second); snooze for it.
	FloodWait time.Duration
	// Busy: another node holds the account; ask again then.
	Busy time.Duration
	// Problem: the account cannot be used until a person acts (limited,
	// needing a login, disconnected); the job ends quietly and the
	// domain's tick wakes it once the account is usable again.
	Problem *apperr.Error
	// Stopping: the worker is stopping (shutdown, the job's timeout);
	// what was saved lets the next run go on.
	Stopping bool
	// Transient: a passing failure (Telegram's server erred, a connection
	// failed, the database was out of reach): a short wait of the job's
	// own (backoff.Streaks) comes before River's retries.
	Transient bool
	// Err: anything else, for River to retry.
	Err error
}

// Classify says what err, a run's failure, means for its job.
func Classify(ctx context.Context, err error) Outcome {
	var fw *telegram.FloodWaitError
	if errors.As(err, &fw) {
		return Outcome{FloodWait: fw.Wait}
	}
	if e, ok := apperr.As(err); ok {
		switch {
		case errors.Is(e, lease.ErrBusy):
			return Outcome{Busy: max(e.RetryAfter, 100*time.Millisecond)}
		case e.Code == apperr.CodeFloodWait && e.RetryAfter > 0:
			return Outcome{FloodWait: e.RetryAfter}
		case e.HTTPStatus() < 500:
			return Outcome{Problem: e}
		}
	}
	if ctx.Err() != nil {
		return Outcome{Stopping: true}
	}
	if telegram.IsTransient(err) || store.IsUnavailable(err) {
		return Outcome{Transient: true, Err: err}
	}
	return Outcome{Err: err}
}
