package campaign

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/gotd/td/tg"
	"github.com/riverqueue/river"

	"github.com/telegramate/telegramate/internal/campaign/message"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// checkReplies reads what reached the account since the last check
// (updates.getDifference from the stored state), counts replies on their
// deliveries and suppresses whoever opts out.
func (r *run) checkReplies(ctx context.Context) error {
	r.replies = r.s.now().Add(r.s.o.ReplyCheckEvery)
	return r.s.CheckUpdates(ctx, r.userID, r.accountID, r.api)
}

// InboxHook receives every private message the account's difference
// reads, in both directions (the inbox keeps the conversations).
type InboxHook interface {
	Ingest(ctx context.Context, userID, accountID int64, msgs []telegram.PrivateMessage) error
}

// SetInbox gives the service the inbox; call it before jobs start.
func (s *Service) SetInbox(h InboxHook) {
	s.mu.Lock()
	s.inbox = h
	s.mu.Unlock()
}

// CheckUpdates reads what reached the account since its stored updates
// state on the connection api belongs to: replies are counted on their
// deliveries, opt-outs suppressed, and every private message handed to
// the inbox. The sender's runs and the inbox's listener call it; one
// account's checks take turns, so no message is counted twice.
func (s *Service) CheckUpdates(ctx context.Context, userID, accountID int64, api *tg.Client) error {
	v, _ := s.checking.LoadOrStore(accountID, &sync.Mutex{})
	mu := v.(*sync.Mutex)
	mu.Lock()
	defer mu.Unlock()
	st, ok, err := s.st.UpdatesStateOf(ctx, accountID)
	if err != nil {
		return err
	}
	if !ok {
		// The first check starts from now: replies can only come to what
		// is sent from here on.
		cur, err := telegram.CurrentState(ctx, api)
		if err != nil {
			return err
		}
		return s.saveUpdatesState(ctx, accountID, store.UpdatesState(cur))
	}
	next, msgs, err := telegram.DifferenceMessages(ctx, api, telegram.UpdatesState(st))
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.Out {
			continue
		}
		if err := s.incoming(ctx, userID, accountID, m.Incoming()); err != nil {
			return err
		}
	}
	s.mu.RLock()
	inbox := s.inbox
	s.mu.RUnlock()
	if inbox != nil && len(msgs) > 0 {
		if err := inbox.Ingest(ctx, userID, accountID, msgs); err != nil {
			return fmt.Errorf("inbox: %w", err)
		}
	}
	if next != telegram.UpdatesState(st) {
		return s.saveUpdatesState(ctx, accountID, store.UpdatesState(next))
	}
	return nil
}

// saveUpdatesState keeps where the account's updates were read up to. It
// joins the sends' shared transactions: every account's own messages move
// its state, so a thousand accounts write it dozens of times a second, and
// as writes of their own they kept the sends waiting for SQLite's lock.
func (s *Service) saveUpdatesState(ctx context.Context, accountID int64, st store.UpdatesState) error {
	now := s.now()
	return s.batch.do(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.SetUpdatesState(ctx, accountID, st, now)
	})
}

// incoming handles one private message to an account: a reply to a
// delivery is counted on it, and an opt-out suppresses its sender for
// every campaign of the user.
func (s *Service) incoming(ctx context.Context, userID, accountID int64, m telegram.Incoming) error {
	d, err := s.st.MarkReplied(ctx, accountID, m.FromUserID, m.Text, m.Date)
	switch {
	case err == nil:
		s.log.Info("campaign reply", slog.Int64("campaign", d.CampaignID), slog.Int64("delivery", d.ID))
	case errors.Is(err, store.ErrNotFound):
	default:
		return fmt.Errorf("record reply: %w", err)
	}
	keywords := s.o.OptOutKeywords
	if keywords == nil {
		keywords = message.DefaultOptOutKeywords
	}
	if !message.IsOptOut(m.Text, keywords) {
		return nil
	}
	username := strings.ToLower(m.FromUsername)
	if username == "" {
		username = d.Username
	}
	why := fmt.Sprintf("Replied “%s”", strings.TrimSpace(m.Text))
	if d.CampaignID != 0 {
		if c, err := s.st.CampaignForWork(ctx, d.CampaignID); err == nil {
			why += " to campaign “" + c.Name + "”"
		}
	}
	_, added, err := s.st.AddSuppression(ctx, store.Suppression{UserID: userID, TGUserID: m.FromUserID, Username: username,
		Reason: why, CreatedAt: s.now()})
	if err != nil {
		return fmt.Errorf("suppress %d: %w", m.FromUserID, err)
	}
	if added {
		s.log.Info("recipient opted out", slog.Int64("user", userID), slog.Int64("account", accountID))
	}
	return nil
}

// TickArgs is the periodic job that starts scheduled campaigns and wakes
// the accounts that have sends due or replies to watch.
type TickArgs struct{}

func (TickArgs) Kind() string { return "campaign_tick" }

type tickWorker struct {
	river.WorkerDefaults[TickArgs]
	s *Service
}

func (w *tickWorker) Work(ctx context.Context, _ *river.Job[TickArgs]) error { return w.s.Tick(ctx) }

// Tick starts the scheduled campaigns whose time has come and makes sure
// every account with due work or watched replies has its job.
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
	refs, err := s.st.AccountsWithWork(ctx, now.Add(-s.o.WatchRepliesFor))
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
		if s.acc.Usable(ctx, a.UserID, a.AccountID) != nil {
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
}

// PeriodicJobs is the tick, every interval.
func PeriodicJobs(every time.Duration) []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return TickArgs{}, nil },
		&river.PeriodicJobOpts{ID: "campaign_tick", RunOnStart: true})}
}

// TickEvery is how often the tick runs: replies are seen within about
// twice this.
const TickEvery = 20 * time.Second

// MaxSenders is how many accounts one node sends for at once (a worker
// each; they mostly sleep between paced sends).
const MaxSenders = 2000

// Queues adds the senders' queue to queues.
func Queues(queues map[string]river.QueueConfig) map[string]river.QueueConfig {
	queues[SendQueue] = river.QueueConfig{MaxWorkers: MaxSenders}
	return queues
}
