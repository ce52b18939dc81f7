package extract

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"time"

	"github.com/gotd/td/tg"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/telegramate/telegramate/internal/backoff"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// Accounts runs calls on a user's connected Telegram account;
// *accounts.Service implements it. Use opens the account's session, runs fn,
// saves the session and records the account's health, and refuses (with an
// *apperr.Error) an account that is not the user's, needs to log in again,
// is limited or is still waiting out a FLOOD_WAIT.
type Accounts interface {
	Use(ctx context.Context, userID, accountID int64, fn func(ctx context.Context, api *tg.Client) error, opts ...telegram.RunOption) error
	// Owned answers not_found unless the account is the user's.
	Owned(ctx context.Context, userID, accountID int64) error
	// Usable refuses an account that no extraction could run on until a
	// person acts (disconnected, needing re-login, ...).
	Usable(ctx context.Context, userID, accountID int64) error
	LogActivity(ctx context.Context, userID, accountID int64, event, detail, ip string) error
}

// Queue is the part of River's client the service uses; *jobs.Client
// implements it.
type Queue interface {
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	JobCancel(ctx context.Context, jobID int64) (*rivertype.JobRow, error)
}

// Options are a Service's parts.
type Options struct {
	// Queue enqueues the service's jobs: an insert-only River client, so
	// that the client that works them can be built after the services
	// whose workers it runs.
	Queue    Queue
	Store    Store
	Accounts Accounts
	Logger   *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// RunBudget is how long one job run pages before it hands the job back
	// to the queue (a snooze of 0), so no extraction holds a worker for
	// hours; default 5 minutes.
	RunBudget time.Duration
	// TransientWait is the wait after a run's first passing failure (a
	// Telegram INTERNAL error, a dropped connection, the database out of
	// reach); it doubles with each failure in a row up to a minute
	// (default 2 seconds).
	TransientWait time.Duration
	// QuotaMembers caps the members one owner (a user today, a workspace
	// later) keeps in all member lists together: an extraction does not
	// start once it is reached (default 2,000,000).
	QuotaMembers int64
}

// DefaultQuotaMembers is Options.QuotaMembers' default.
const DefaultQuotaMembers = 2_000_000

// Service runs extractions and serves member lists. It is safe for
// concurrent use.
type Service struct {
	st     Store
	acc    Accounts
	log    *slog.Logger
	now    func() time.Time
	budget time.Duration
	// quotaMembers is Options.QuotaMembers.
	quotaMembers int64
	// transient counts each extraction's runs ended in a row by a passing
	// failure (see work).
	transient *backoff.Streaks

	queue Queue

	// afterPage, when set (tests), runs inside each page's transaction
	// before it commits; an error fails the save.
	afterPage func(e store.Extraction) error
}

// New returns a Service.
func New(o Options) (*Service, error) {
	if o.Store == nil || o.Accounts == nil {
		return nil, errors.New("extract: Store and Accounts are required")
	}
	s := &Service{st: o.Store, acc: o.Accounts, log: o.Logger, now: o.Now, budget: o.RunBudget, quotaMembers: o.QuotaMembers, queue: o.Queue}
	if s.quotaMembers <= 0 {
		s.quotaMembers = DefaultQuotaMembers
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.budget <= 0 {
		s.budget = 5 * time.Minute
	}
	if o.TransientWait <= 0 {
		o.TransientWait = 2 * time.Second
	}
	s.transient = backoff.New(o.TransientWait, max(time.Minute, o.TransientWait), transientLimit)
	return s, nil
}

func (s *Service) jobs() (Queue, error) {
	if s.queue == nil {
		return nil, errors.New("extract: no job queue (Options.Queue is nil)")
	}
	return s.queue, nil
}
