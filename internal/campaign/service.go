// Package campaign sends personalised messages from a user's Telegram
// accounts to an audience, each recipient exactly once, at a pace that
// belongs to each account, and watches for replies and opt-outs.
//
// The lifecycle follows listmonk's campaign manager (a narrow Store, an
// error threshold that pauses a campaign) with two differences: the pace
// is the account's, kept in the database and moved in the transaction that
// claims each send, so two campaigns or two nodes never double it; and
// every send is an outbox row whose random_id is committed before the
// message leaves, so a retry after any crash is the same message to
// Telegram, which drops the duplicate.
//
// One River job per account (unique by account) does the sending and the
// reply checks of that account: it holds one connection while the
// account's sends are due, sleeps between them, and hands the job back
// when the next send is far off. A periodic tick starts scheduled
// campaigns and wakes accounts that have due work or replies to watch.
package campaign

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotd/td/tg"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/backoff"
	"github.com/telegramate/telegramate/internal/media"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// Accounts is what campaigns need of the user's Telegram accounts;
// *accounts.Service implements it.
type Accounts interface {
	Use(ctx context.Context, userID, accountID int64, fn func(ctx context.Context, api *tg.Client) error, opts ...telegram.RunOption) error
	Usable(ctx context.Context, userID, accountID int64) error
	Get(ctx context.Context, userID, accountID int64) (accounts.Account, error)
	List(ctx context.Context, userID int64) ([]accounts.Account, error)
	StoreUpdatesStates(ctx context.Context)
}

// Queue is the part of River's client the service uses.
type Queue interface {
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Options are a Service's parts and settings.
type Options struct {
	// Queue enqueues the service's jobs: an insert-only River client, so
	// that the client that works them can be built after the services
	// whose workers it runs.
	Queue Queue
	// Events, when set, hears of sends, failures and completions, in the
	// transaction that records them.
	Events   Events
	Store    Store
	Accounts Accounts
	// Media holds the files campaign steps attach; nil refuses a
	// media_id.
	Media  *media.Service
	Logger *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Sleep waits d or until ctx ends (tests pass one that follows their
	// clock); nil sleeps for real.
	Sleep func(ctx context.Context, d time.Duration) error
	// RunBudget is how long one job run may hold an account before it
	// hands the job back (default 5 minutes).
	RunBudget time.Duration
	// HoldFor is the longest wait for an account's next send that a run
	// sleeps through holding its connection; a longer one ends the run
	// and snoozes the job (default 2 minutes).
	HoldFor time.Duration
	// ResolveBudget is how many usernames one account may resolve per
	// campaign (contacts.resolveUsername is strictly limited by Telegram);
	// default 50.
	ResolveBudget int
	// MaxRecipients caps a campaign's audience (default 100,000).
	MaxRecipients int
	// MaxSuppressions caps the entries a user adds to their suppression
	// list (default 1,000,000), so one tenant cannot fill the disk with
	// it. Opt-outs (a reply such as STOP) are always recorded, past it
	// too.
	MaxSuppressions int
	// Quotas bound the drafts and deliveries one owner keeps.
	Quotas Quotas
	// TransientWait is the wait after a run's first passing failure (a
	// Telegram INTERNAL error, a dropped connection, the database out of
	// reach); it doubles with each failure in a row up to a minute
	// (default 2 seconds).
	TransientWait time.Duration
}

// Service runs campaigns. It is safe for concurrent use.
type Service struct {
	st  Store
	acc Accounts
	log *slog.Logger
	o   Options

	batch batcher
	// running holds the accounts whose sending job runs on this node, so
	// the tick does not enqueue a job for each of them every time (on
	// SQLite each enqueue is a write that the sends queue behind).
	running sync.Map // account id → struct{}
	// woken counts, per account, the campaigns started or resumed on this
	// node: a run that found nothing to send can tell that work came
	// while it was deciding, when its job still running kept a new one
	// from being enqueued.
	woken sync.Map // account id → *atomic.Int64

	// transient counts each account's runs ended in a row by a passing
	// failure (see runAccount).
	transient *backoff.Streaks

	// idle, when set (tests), runs as a run ends with nothing to send.
	idle func(accountID int64)

	// waiting, when set (tests), hears when a run finds nothing due and
	// waits for the time it names.
	// Atomic: a test sets it while runs go on.
	waiting atomic.Pointer[func(accountID int64, until time.Time)]

	// beforeSend, when set (tests), runs after a send is claimed and
	// committed, before it leaves.
	beforeSend func(d store.Delivery)

	// stopping closes when the node shuts down (StopClaiming): a run
	// claims nothing more, records what it sent and ends, so a stop
	// signal sends no message that was not already on its way.
	stopping chan struct{}
	stopOnce sync.Once
	// inFlight counts the sends of this node on their way to Telegram.
	inFlight atomic.Int64
}

// New returns a Service.
func New(o Options) (*Service, error) {
	if o.Store == nil || o.Accounts == nil {
		return nil, errors.New("campaign: Store and Accounts are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = backoff.Sleep
	}
	if o.RunBudget <= 0 {
		o.RunBudget = 5 * time.Minute
	}
	if o.MaxSuppressions <= 0 {
		o.MaxSuppressions = DefaultMaxSuppressions
	}
	o.Quotas = o.Quotas.withDefaults()
	if o.HoldFor <= 0 {
		o.HoldFor = 2 * time.Minute
	}
	if o.ResolveBudget <= 0 {
		o.ResolveBudget = 50
	}
	if o.MaxRecipients <= 0 {
		o.MaxRecipients = 100_000
	}
	if o.TransientWait <= 0 {
		o.TransientWait = 2 * time.Second
	}
	return &Service{st: o.Store, acc: o.Accounts, log: o.Logger, o: o, batch: batcher{st: o.Store}, stopping: make(chan struct{}),
		transient: backoff.New(o.TransientWait, max(time.Minute, o.TransientWait), transientLimit)}, nil
}

func (s *Service) jobs() (Queue, error) {
	if s.o.Queue == nil {
		return nil, errors.New("campaign: no job queue (Options.Queue is nil)")
	}
	return s.o.Queue, nil
}

func (s *Service) now() time.Time { return s.o.Now().UTC() }

func (s *Service) wakes(accountID int64) *atomic.Int64 {
	v, _ := s.woken.LoadOrStore(accountID, new(atomic.Int64))
	return v.(*atomic.Int64)
}

// StopClaiming makes every sending run of this node stop claiming sends
// at once: a send already on its way finishes and is recorded, a send
// claimed but not yet sent goes back to the outbox, and a run waiting
// for its next send ends. It returns how many sends are on their way,
// for the shutdown to say what it waits for.
func (s *Service) StopClaiming() (inFlight int) {
	s.stopOnce.Do(func() { close(s.stopping) })
	return int(s.inFlight.Load())
}

func (s *Service) isStopping() bool {
	select {
	case <-s.stopping:
		return true
	default:
		return false
	}
}

// sleep waits d, like Options.Sleep, but ends early when the node starts
// shutting down (returning errStopping).
func (s *Service) sleep(ctx context.Context, d time.Duration) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		select {
		case <-s.stopping:
			cancel(errStopping)
		case <-ctx.Done():
		}
	}()
	if err := s.o.Sleep(ctx, d); err != nil {
		if cause := context.Cause(ctx); errors.Is(cause, errStopping) {
			return cause
		}
		return err
	}
	return nil
}

// errStopping ends a run's wait when the node shuts down.
var errStopping = errors.New("campaign: the node is shutting down")
