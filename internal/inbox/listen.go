package inbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gotd/td/tg"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/lease"
	"github.com/telegramate/telegramate/internal/telegram"
)

// Live updates. Telegram pushes a new message to a live connection of the
// account, so the inbox needs one held while the account is connected:
// the campaign sender holds one only while its sends are due (minutes at
// most), and an account that sends no campaign would never be watched.
// The listener job holds one per account for ListenFor and then runs
// again; any other held connection (the campaign sender's, the answering
// job's) hands its pushes to the inbox too, because Telegram pushes to
// the account's most recent connection, whichever it is. The listener also
// asks for the difference every CheckEvery, which finds what arrived
// while no connection was up (a restart, a gap) and who a pushed message's
// sender is when the push did not say.

// ListenQueue is River's queue of the listener jobs, one per account.
const ListenQueue = "inbox_listeners"

// MaxListeners is how many accounts one node listens to at once (a worker
// each; they sleep between pushes).
const MaxListeners = 2000

// ListenArgs is the job that holds an account's connection for its updates.
type ListenArgs struct {
	AccountID int64 `json:"account_id"`
	UserID    int64 `json:"user_id"`
}

func (ListenArgs) Kind() string { return "inbox_listen" }

func (ListenArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       ListenQueue,
		MaxAttempts: 25,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
			rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateRetryable, rivertype.JobStateScheduled,
		}},
	}
}

type listenWorker struct {
	river.WorkerDefaults[ListenArgs]
	s *Service
}

func (w *listenWorker) Timeout(*river.Job[ListenArgs]) time.Duration {
	return w.s.o.ListenFor + 2*time.Minute
}

func (w *listenWorker) Work(ctx context.Context, job *river.Job[ListenArgs]) error {
	// The account counts as listened to here while its job runs or is
	// snoozed (it runs again by itself), so the tick does not try to
	// enqueue it again every time: with a thousand accounts, each try is a
	// write on SQLite that sends wait behind.
	w.s.listening.Store(job.Args.AccountID, w.s.now())
	err := w.s.listen(ctx, job.Args.UserID, job.Args.AccountID)
	var snooze *river.JobSnoozeError
	if !errors.As(err, &snooze) {
		w.s.listening.Delete(job.Args.AccountID)
	}
	return err
}

func (s *Service) listen(ctx context.Context, userID, accountID int64) error {
	s.mu.RLock()
	updates := s.updates
	s.mu.RUnlock()
	if updates == nil {
		return errors.New("inbox: no updates reader (SetUpdates was not called)")
	}
	poke := s.poke(accountID)
	until := s.now().Add(s.o.ListenFor)
	if aside, err := s.stepAside(ctx, accountID); err != nil {
		return err
	} else if aside {
		return river.JobSnooze(s.o.CheckEvery)
	}
	// With several nodes an account is used from one node at a time: the
	// listener's hold gives way (lease.WithYield) when another node asks
	// for the account, for a person's request or a campaign there, and
	// listens again once that use ends.
	err := s.acc.Use(lease.WithYield(ctx), userID, accountID, func(ctx context.Context, api *tg.Client) error {
		for {
			if err := updates.CheckUpdates(ctx, userID, accountID, api); err != nil {
				return err
			}
			if aside, err := s.stepAside(ctx, accountID); err != nil {
				return err
			} else if aside {
				return errStepAside
			}
			left := until.Sub(s.now())
			if left <= 0 {
				return nil
			}
			t := time.NewTimer(min(s.o.CheckEvery, left))
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-s.quit:
				t.Stop()
				return errShutdown
			case <-poke:
				t.Stop()
			case <-t.C:
			}
		}
	}, telegram.OnPrivateMessages(s.pushed(userID, accountID)))
	var fw *telegram.FloodWaitError
	switch {
	case err == nil:
		return river.JobSnooze(0) // listen on, on a new connection
	case errors.Is(err, errShutdown):
		return river.JobSnooze(time.Second)
	case errors.Is(err, errStepAside):
		return river.JobSnooze(s.o.CheckEvery)
	case errors.As(err, &fw):
		return river.JobSnooze(fw.Wait)
	}
	if e, ok := apperr.As(err); ok {
		if e.RetryAfter > 0 {
			// A FLOOD_WAIT, or another node holding the account.
			return river.JobSnooze(e.RetryAfter)
		}
		if e.HTTPStatus() < 500 {
			// Limited, logged out, disconnected: the tick starts listening
			// again once the account is usable.
			return nil
		}
	}
	if ctx.Err() != nil {
		return river.JobSnooze(time.Second)
	}
	s.log.Warn("inbox listener stopped; River retries it", slog.Int64("account", accountID), slog.Any("err", err))
	return err
}

var (
	errShutdown  = errors.New("inbox: shutting down")
	errStepAside = errors.New("inbox: other work needs the account")
)

// stepAside reports whether the listener should let go of the account for
// other work. A running campaign's sender holds the account's connection
// itself (its pushes come here too). With several nodes (PostgreSQL) an
// account is used from one node at a time, so a listener holding it would
// keep an extraction or an answer waiting on another node for good; on
// SQLite there is one node, whose uses of an account share its hold.
func (s *Service) stepAside(ctx context.Context, accountID int64) (bool, error) {
	if sending, err := s.st.AccountSending(ctx, accountID); err != nil || sending {
		return sending, err
	}
	if s.st.Dialect() != "postgres" {
		return false, nil
	}
	return s.st.AccountHasWork(ctx, accountID)
}

// poke is the account's "ask for the difference now" signal.
func (s *Service) poke(accountID int64) chan struct{} {
	v, _ := s.pokes.LoadOrStore(accountID, make(chan struct{}, 1))
	return v.(chan struct{})
}

// pushed is the update handler of every held connection of the account.
// A push that did not say who wrote (Telegram's short form names only the
// id) makes the listener ask for the difference at once, which does.
func (s *Service) pushed(userID, accountID int64) func(ctx context.Context, msgs []telegram.PrivateMessage) error {
	return func(ctx context.Context, msgs []telegram.PrivateMessage) error {
		if err := s.Ingest(ctx, userID, accountID, msgs); err != nil {
			s.log.Warn("pushed message not stored; the difference brings it again", slog.Int64("account", accountID), slog.Any("err", err))
			return err
		}
		for _, m := range msgs {
			if m.AccessHash == 0 {
				c, err := s.existing(ctx, accountID, m.PeerID)
				if err == nil && c.ID != 0 && c.AccessHash == 0 {
					select {
					case s.poke(accountID) <- struct{}{}:
					default:
					}
				}
			}
		}
		return nil
	}
}

// Listening wraps the campaign service's accounts so that the sender's
// held connections hand their pushed updates to the inbox too.
func (s *Service) Listening(a campaign.Accounts) campaign.Accounts { return listeningAccounts{a, s} }

type listeningAccounts struct {
	campaign.Accounts
	s *Service
}

func (l listeningAccounts) Use(ctx context.Context, userID, accountID int64, fn func(ctx context.Context, api *tg.Client) error, opts ...telegram.RunOption) error {
	return l.Accounts.Use(ctx, userID, accountID, fn, append(opts, telegram.OnPrivateMessages(l.s.pushed(userID, accountID)))...)
}

// TickArgs is the periodic job that starts the listeners of connected
// accounts and wakes accounts with answers waiting.
type TickArgs struct{}

func (TickArgs) Kind() string { return "inbox_tick" }

type tickWorker struct {
	river.WorkerDefaults[TickArgs]
	s *Service
}

func (w *tickWorker) Work(ctx context.Context, _ *river.Job[TickArgs]) error { return w.s.Tick(ctx) }

// Tick makes sure every connected account is listened to and every
// account with answers waiting has its answering job.
func (s *Service) Tick(ctx context.Context) error {
	q, err := s.jobs()
	if err != nil {
		return err
	}
	// Every connected account is listened to, on every engine: with
	// several nodes a listener gives its account way to a node that asks.
	refs, err := s.st.ListeningAccounts(ctx, true)
	if err != nil {
		return fmt.Errorf("accounts to listen to: %w", err)
	}
	for _, a := range refs {
		// A job seen on this node lately is running or snoozed; one not
		// seen for longer than a run was lost (cancelled by hand): enqueue
		// again.
		if v, ok := s.listening.Load(a.AccountID); ok && s.now().Sub(v.(time.Time)) < s.o.ListenFor+time.Minute {
			continue
		}
		if s.acc.Usable(ctx, a.UserID, a.AccountID) != nil {
			continue
		}
		if _, err := q.Insert(ctx, ListenArgs{AccountID: a.AccountID, UserID: a.UserID}, nil); err != nil {
			return fmt.Errorf("listen to account %d: %w", a.AccountID, err)
		}
	}
	waiting, err := s.st.AccountsWithAnswers(ctx)
	if err != nil {
		return fmt.Errorf("accounts with answers: %w", err)
	}
	for _, a := range waiting {
		if s.acc.Usable(ctx, a.UserID, a.AccountID) != nil {
			continue
		}
		if _, err := q.Insert(ctx, AnswerArgs{AccountID: a.AccountID, UserID: a.UserID}, nil); err != nil {
			return fmt.Errorf("wake answers of account %d: %w", a.AccountID, err)
		}
	}
	return nil
}

// Register adds the inbox workers to River's workers.
func Register(w *river.Workers, s *Service) {
	river.AddWorker(w, &answerWorker{s: s})
	river.AddWorker(w, &listenWorker{s: s})
	river.AddWorker(w, &tickWorker{s: s})
}

// TickEvery is how often the tick runs.
const TickEvery = 20 * time.Second

// PeriodicJobs is the tick, every interval.
func PeriodicJobs(every time.Duration) []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return TickArgs{}, nil },
		&river.PeriodicJobOpts{ID: "inbox_tick", RunOnStart: true})}
}

// Queues adds the inbox's queues to queues.
func Queues(queues map[string]river.QueueConfig) map[string]river.QueueConfig {
	queues[ListenQueue] = river.QueueConfig{MaxWorkers: MaxListeners}
	queues[AnswerQueue] = river.QueueConfig{MaxWorkers: 100}
	return queues
}
