package inbox

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/telegram"
)

// Live updates. The account runtime (package connections) keeps every
// connected account's connection up, with gotd's updates manager on it,
// and hands every private message it reads, pushed or caught up with
// getDifference after a gap or a restart, to Received: this package is
// the one owner of incoming messages. Each is stored once, an opt-out
// suppresses its sender once, and a reply is told to the campaigns
// (Options.Replies) once.

// Received is the account runtime's handler: it stores the messages,
// each once. An error makes the runtime read them again.
func (s *Service) Received(ctx context.Context, userID, accountID int64, msgs []telegram.PrivateMessage) error {
	return s.Ingest(ctx, userID, accountID, msgs)
}

// ListenArgs is the listener job of versions before the account runtime.
// Jobs of it left in a database are completed at once: the runtime
// listens now.
type ListenArgs struct {
	AccountID int64 `json:"account_id"`
	UserID    int64 `json:"user_id"`
}

func (ListenArgs) Kind() string { return "inbox_listen" }

type retiredListenWorker struct {
	river.WorkerDefaults[ListenArgs]
}

func (retiredListenWorker) Work(context.Context, *river.Job[ListenArgs]) error { return nil }

// TickArgs is the periodic job that wakes accounts with answers waiting.
type TickArgs struct{}

func (TickArgs) Kind() string { return "inbox_tick" }

type tickWorker struct {
	river.WorkerDefaults[TickArgs]
	s *Service
}

func (w *tickWorker) Work(ctx context.Context, _ *river.Job[TickArgs]) error { return w.s.Tick(ctx) }

// Tick makes sure every account with answers waiting has its answering
// job (one lost, or one whose account was waiting for Telegram).
func (s *Service) Tick(ctx context.Context) error {
	q, err := s.jobs()
	if err != nil {
		return err
	}
	waiting, err := s.st.AccountsWithAnswers(ctx)
	if err != nil {
		return fmt.Errorf("accounts with answers: %w", err)
	}
	for _, a := range waiting {
		if s.acc.Usable(telegram.WithKinds(ctx, telegram.KindSend), a.UserID, a.AccountID) != nil {
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
	river.AddWorker(w, &retiredListenWorker{})
	river.AddWorker(w, &tickWorker{s: s})
}

// TickEvery is how often the tick runs.
const TickEvery = time.Minute

// PeriodicJobs is the tick, every interval.
func PeriodicJobs(every time.Duration) []*river.PeriodicJob {
	return []*river.PeriodicJob{jobs.Tick("inbox_tick", every, TickArgs{})}
}

// Queues adds the inbox's queues to queues.
func Queues(queues map[string]river.QueueConfig) map[string]river.QueueConfig {
	queues[AnswerQueue] = river.QueueConfig{MaxWorkers: 100}
	return queues
}
