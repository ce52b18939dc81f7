package campaign

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gotd/td/tg"
	"github.com/riverqueue/river"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/campaign/message"
	"github.com/telegramate/telegramate/internal/connections"
	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/lease"
	"github.com/telegramate/telegramate/internal/media"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// SendQueue is River's queue of the sending jobs: each holds its account's
// connection between paced sends, so there is one worker per account
// that sends at once.
const SendQueue = "campaign_senders"

// SendArgs is the job of one account: send what is due. One per account
// waits or runs at a time, anywhere: it takes in any new work.
type SendArgs jobs.AccountArgs

func (SendArgs) Kind() string { return "campaign_send" }

func (SendArgs) InsertOpts() river.InsertOpts { return jobs.OnePerAccount(SendQueue) }

type sendWorker struct {
	river.WorkerDefaults[SendArgs]
	s *Service
}

// Timeout leaves a run its budget, the longest sleep it may start at the
// end of it, and a send's time.
func (w *sendWorker) Timeout(*river.Job[SendArgs]) time.Duration {
	return w.s.o.RunBudget + w.s.o.HoldFor + 2*time.Minute
}

func (w *sendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	return w.s.runAccount(ctx, job.Args.UserID, job.Args.AccountID)
}

// recheckAfter is how old a send left mid-way must be before its dialog is
// searched instead of trusting Telegram's random_id de-duplication, whose
// window is not documented as permanent.
const recheckAfter = 10 * time.Minute

// run is one job run on one account's held connection.
type run struct {
	s         *Service
	userID    int64
	accountID int64
	api       *tg.Client
	until     time.Time
	next      time.Time // when the job should run again; zero: when woken
	templates map[templateKey]*message.Template
	// media maps each campaign the run sent for to its steps' files.
	media map[int64]map[int]int64
	log   *slog.Logger
	// caughtUp is the latest time as of which every message Telegram had
	// for the account is known to have been through the inbox (catchUp):
	// a follow-up due by then is claimed knowing whether its recipient
	// replied before it was due.
	caughtUp time.Time
	// lastSent is when the run last recorded a send's answer: replies to
	// it may be at Telegram and not yet through the inbox.
	lastSent time.Time
	// woken is the account's wake count as of the run's last claim.
	woken int64
	// progressed: the run recorded an answer to a send.
	progressed bool
	// fence is the lease the account is held under while the run sends
	// (accounts.Use): the claim and the record of each send present it.
	fence store.Fence
}

func (s *Service) runAccount(ctx context.Context, userID, accountID int64) error {
	r := &run{s: s, userID: userID, accountID: accountID, until: s.now().Add(s.o.RunBudget),
		templates: map[templateKey]*message.Template{}, media: map[int64]map[int]int64{}, log: s.log.With(slog.Int64("account", accountID))}
	s.running.Store(accountID, struct{}{})
	defer s.running.Delete(accountID)
	var err error
	for {
		err = s.acc.Use(connections.WithPriority(telegram.WithKinds(ctx, sendCalls...), connections.Campaign), userID, accountID, func(ctx context.Context, api *tg.Client) error {
			r.api, r.fence = api, lease.FenceOf(ctx)
			return r.do(ctx)
		})
		// Another node holds the account a moment more (it died and its
		// lease runs out, or it is finishing): wait here, as for the next
		// send, rather than through River's scheduler, which runs on one
		// node (perhaps the one that died) and promotes snoozed jobs every
		// few seconds.
		e, busy := apperr.As(err)
		if !busy || !errors.Is(e, lease.ErrBusy) || e.RetryAfter > s.o.HoldFor || !s.now().Add(e.RetryAfter).Before(r.until) {
			break
		}
		// Soon, not when the holder's lease would end: asking again is
		// what makes a holder that now only listens give the account up.
		if s.sleep(ctx, min(max(e.RetryAfter, 50*time.Millisecond), time.Second)) != nil {
			break
		}
	}
	if err == nil || r.progressed {
		s.transient.Reset(accountID)
	}
	now := s.now()
	switch {
	case err == nil && r.next.IsZero():
		if s.wakes(accountID).Load() != r.woken {
			// A campaign started or resumed after the last claim; its job
			// was not enqueued because this one still ran. Go again.
			return river.JobSnooze(0)
		}
		if s.idle != nil {
			s.idle(accountID)
			if s.wakes(accountID).Load() != r.woken {
				return river.JobSnooze(0)
			}
		}
		return nil
	case err == nil:
		return river.JobSnooze(max(r.next.Sub(now), 0))
	}
	switch o := jobs.Classify(ctx, err); {
	case o.FloodWait > 0:
		r.log.Info("account waits for Telegram", slog.Duration("wait", o.FloodWait))
		return river.JobSnooze(o.FloodWait)
	case o.Busy > 0:
		// Another node holds the account (or took it from this one):
		// ask again when its lease would end.
		r.log.Info("account held by another node", slog.Duration("retry_after", o.Busy))
		return river.JobSnooze(o.Busy)
	case o.Problem != nil:
		// Limited, needing a login, disconnected: a person acts, and
		// the tick wakes the account once it can send again.
		r.log.Info("account cannot send now", slog.String("reason", o.Problem.Code))
		return nil
	case o.Stopping:
		return river.JobSnooze(time.Second) // shutting down; the outbox is as it was
	case o.Transient:
		// The job is one per account and lives as long as its campaigns:
		// River's attempts, and its backoff of attempt^4 seconds, would
		// grow over a campaign's life with every passing error. A short
		// wait of our own, counted on this node since the account's last
		// progress, resumes the run soon; a send left mid-way goes again
		// with its random_id.
		if wait, n, ok := s.transient.Fail(accountID); ok {
			r.log.Warn("sending run hit a passing failure; it resumes after a short wait",
				slog.Duration("wait", wait), slog.Int("in_a_row", n), slog.Any("err", err))
			return river.JobSnooze(wait)
		}
	}
	r.log.Warn("sending run failed; River retries it", slog.Any("err", err))
	return err
}

// transientLimit is how many runs of an account in a row may end in a
// passing failure, and be resumed after a short wait, before the next is
// left to River's retries (about a quarter of an hour of waits).
const transientLimit = 20

func (r *run) do(ctx context.Context) error {
	if r.s.isStopping() {
		r.next = r.s.now()
		return nil
	}
	if err := r.resumeInterrupted(ctx); err != nil {
		return err
	}
	// pending is an answer received but not yet recorded: with pacing
	// off, it is recorded in the step that claims the send after next,
	// while that one is on its way (the claim runs ahead by one send).
	var pending *answer
	cl, err := r.step(ctx, nil, true)
	for {
		if err != nil {
			return err
		}
		now := r.s.now()
		if !now.Before(r.until) || r.s.isStopping() {
			// The budget is used, or the node shuts down: record what was
			// sent, give back what was claimed and not sent, and continue
			// in a new run (on this node or another).
			r.next = now
			return r.stop(ctx, pending, cl)
		}
		if !cl.ok {
			if pending != nil {
				if cl, err = r.step(ctx, pending, true); err != nil || cl.ok {
					pending = nil
					continue
				}
				pending = nil
			}
			if cl.catchUp {
				caught, cerr := r.catchUp(ctx)
				if cerr != nil {
					return cerr
				}
				if !caught && cl.completing {
					// Completing only counts fewer replies: not worth a
					// campaign left running.
					r.caughtUp = r.s.now()
					caught = true
				}
				if !caught {
					// The inbox is behind (or does not listen): the
					// follow-ups, and this run, wait rather than risk a
					// message to someone who already replied.
					r.next = r.s.now().Add(catchUpRetry)
					return nil
				}
				cl, err = r.step(ctx, nil, true)
				continue
			}
			if cl.wait.IsZero() {
				return nil // nothing left to send
			}
			wake := cl.wait
			if hook := r.s.waiting.Load(); hook != nil {
				(*hook)(r.accountID, wake)
			}
			if wake.Sub(now) > r.s.o.HoldFor || !wake.Before(r.until) {
				r.next = wake
				return nil
			}
			if err := r.s.sleep(ctx, wake.Sub(now)); err != nil {
				if errors.Is(err, errStopping) {
					r.next = wake
					return nil
				}
				return err
			}
			cl, err = r.step(ctx, nil, true)
			continue
		}
		d, c := cl.d, cl.c
		if d.AccessHash == 0 {
			ok, rerr := r.resolve(ctx, &d, c)
			if rerr != nil {
				return errors.Join(rerr, r.stop(ctx, pending, claimed{}))
			}
			if !ok {
				cl, err = r.step(ctx, pending, true)
				pending = nil
				continue
			}
		}
		text, _, rerr := r.render(d, c)
		if rerr == nil {
			rerr = r.check(ctx, d, c, text)
		}
		if rerr != nil {
			cl, err = r.step(ctx, pending, true, &answer{d: d, c: c, fail: &reasonTooLong})
			pending = nil
			continue
		}
		if r.s.beforeSend != nil {
			r.s.beforeSend(d)
		}
		sent := make(chan sendResult, 1)
		go func() { sent <- r.deliver(ctx, d, c, text) }()
		var (
			next    claimed
			nextErr error
		)
		ahead := cl.ahead
		if ahead {
			next, nextErr = r.step(ctx, pending, !r.s.isStopping())
			pending = nil
		}
		res := <-sent
		if nextErr != nil {
			// The answer is lost to this run; the delivery stays mid-send
			// and goes again with its random_id in the next run.
			return nextErr
		}
		ans := &answer{d: d, c: c, messageID: res.messageID}
		if res.err != nil {
			why, refused := recipientRefusal(res.err)
			if !refused || accountTrouble(res.err) {
				return errors.Join(r.s.recordError(ctx, r.fence, d, c, res.err), r.stop(ctx, nil, next))
			}
			ans.fail = &why
		}
		if ahead {
			pending, cl = ans, next
			continue
		}
		cl, err = r.step(ctx, nil, !r.s.isStopping(), ans)
	}
}

// answer is Telegram's answer to one send, to record.
type answer struct {
	d         store.Delivery
	c         store.Campaign
	messageID int
	fail      *reason // the recipient refused; nil when sent
}

type sendResult struct {
	messageID int
	err       error
}

// deliver sends one rendered message with its delivery's random_id.
func (r *run) deliver(ctx context.Context, d store.Delivery, c store.Campaign, text message.Rendered) sendResult {
	r.s.inFlight.Add(1)
	defer r.s.inFlight.Add(-1)
	fileID, err := r.mediaOf(ctx, c, d.Step)
	if err != nil {
		return sendResult{err: err}
	}
	if fileID != 0 {
		return r.deliverMedia(ctx, d, c, text, fileID)
	}
	res, err := r.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
		Peer:      &tg.InputPeerUser{UserID: d.TGUserID, AccessHash: d.AccessHash},
		Message:   text.Text,
		Entities:  text.TG(),
		NoWebpage: !c.LinkPreview,
		RandomID:  d.RandomID,
	})
	if err != nil {
		return sendResult{err: err}
	}
	return sendResult{messageID: sentMessageID(res, d.RandomID)}
}

// check refuses a rendered message Telegram would not take: over the
// text limit, or the caption limit when the step attaches a file (a name
// learnt at send, of someone known by username, can pass it).
func (r *run) check(ctx context.Context, d store.Delivery, c store.Campaign, text message.Rendered) error {
	who := recipientName(d.TGUserID, d.Username, d.FirstName, d.LastName)
	// A failed read is deliver's to report (a passing fault, the send goes
	// again), not a reason to fail the recipient.
	if fileID, err := r.mediaOf(ctx, c, d.Step); err == nil && fileID != 0 {
		return text.CheckCaption(who)
	}
	return text.Check(who)
}

// mediaOf is the stored file a campaign's step attaches (0 for none),
// read once per campaign and run.
func (r *run) mediaOf(ctx context.Context, c store.Campaign, step int) (int64, error) {
	m, ok := r.media[c.ID]
	if !ok {
		var err error
		if m, err = r.s.st.CampaignMedia(ctx, c.ID); err != nil {
			return 0, fmt.Errorf("campaign %d media: %w", c.ID, err)
		}
		r.media[c.ID] = m
	}
	return m[max(step, 1)], nil
}

// deliverMedia sends the step's file with the rendered message as its
// caption and the delivery's random_id; the account uploads the file the
// first time and reuses it after (media.Service.Send).
func (r *run) deliverMedia(ctx context.Context, d store.Delivery, c store.Campaign, text message.Rendered, fileID int64) sendResult {
	if r.s.o.Media == nil {
		return sendResult{err: fmt.Errorf("campaign %d attaches file %d, and this node has no media service", c.ID, fileID)}
	}
	res, stats, err := r.s.o.Media.Send(ctx, r.api, media.SendRequest{
		WorkspaceID: c.UserID, AccountID: d.AccountID, FileID: fileID,
		Peer:    &tg.InputPeerUser{UserID: d.TGUserID, AccessHash: d.AccessHash},
		Caption: text.Text, Entities: text.TG(), RandomID: d.RandomID,
	})
	if stats.Uploaded > 0 || stats.Refreshed {
		r.log.Info("account uploaded a campaign's file", slog.Int64("campaign", c.ID), slog.Int64("file", fileID),
			slog.Int64("bytes", stats.Uploaded), slog.Bool("reference_refreshed", stats.Refreshed))
	}
	if err != nil {
		return sendResult{err: err}
	}
	return sendResult{messageID: sentMessageID(res, d.RandomID)}
}

// accountTrouble reports errors that stop the account, not one recipient.
func accountTrouble(err error) bool {
	var fw *telegram.FloodWaitError
	return errors.As(err, &fw) || errors.Is(err, telegram.ErrPeerFlood) || errors.Is(err, telegram.ErrSessionRevoked)
}

// step records answers (if any) and, with claim, takes the account's next
// due send, in one transaction shared with the other accounts' steps.
// A run that recorded a failure checks the campaign's failure threshold.
func (r *run) step(ctx context.Context, pending *answer, claim bool, more ...*answer) (claimed, error) {
	answers := more
	if pending != nil {
		answers = append([]*answer{pending}, more...)
	}
	var cl claimed
	now := r.s.now()
	if claim {
		r.woken = r.s.wakes(r.accountID).Load()
	}
	ev := r.s.eventSink()
	err := r.s.batch.do(ctx, func(ctx context.Context, tx store.Tx) error {
		cl = claimed{}
		// The pace is locked once for the answers and the claim: each
		// statement is a round trip to PostgreSQL, in the transaction
		// every sending account waits for.
		pace, err := tx.LockPace(ctx, r.accountID, now)
		if err != nil {
			return err
		}
		moved := false
		for _, a := range answers {
			if err := recordIn(ctx, tx, r.fence, a, &pace, now); err != nil {
				return err
			}
			moved = moved || a.fail == nil
			if err := publishDelivery(ctx, ev, tx, a.d, a.c, a.fail, a.messageID, now); err != nil {
				return err
			}
		}
		if claim {
			lastSent := r.lastSent
			if len(answers) > 0 {
				lastSent = now
			}
			if cl, err = claimIn(ctx, tx, ev, r.fence, r.accountID, pace, now, r.caughtUp, lastSent); err != nil || cl.ok {
				return err // a claim saves the pace, with the answers' moves
			}
		}
		if moved {
			return tx.SavePace(ctx, pace, now)
		}
		return nil
	})
	if err != nil {
		return claimed{}, fmt.Errorf("account %d: record and claim: %w", r.accountID, err)
	}
	r.progressed = r.progressed || len(answers) > 0
	if len(answers) > 0 {
		r.lastSent = now
	}
	for _, a := range answers {
		if a.fail != nil {
			if err := r.s.pauseForFailures(ctx, a.c); err != nil {
				return cl, err
			}
		}
	}
	return cl, nil
}

// stop ends a run cleanly: the answer received is recorded and a send
// claimed ahead goes back to the queue.
func (r *run) stop(ctx context.Context, pending *answer, cl claimed) error {
	ctx = context.WithoutCancel(ctx)
	if pending != nil {
		if _, err := r.step(ctx, pending, false); err != nil {
			return err
		}
	}
	if cl.ok {
		return r.s.st.ReleaseDelivery(ctx, r.fence, cl.d.ID, "", "", r.s.now())
	}
	return nil
}

// claimed is the outcome of one claim: a delivery to send now, or when
// the account may send next (zero: nothing to send).
type claimed struct {
	ok   bool
	d    store.Delivery
	c    store.Campaign
	wait time.Time
	// ahead: no running campaign of the account has an interval or a
	// rate, so the next send may be claimed while this one is on its way.
	ahead bool
	// catchUp: a follow-up is due, but the account's updates are not
	// known to be caught up to its due time (run.catchUp); or, with
	// completing, a campaign is to complete after the run's last send,
	// and its count of replies should hold those Telegram already has.
	catchUp, completing bool
}

// claimIn takes the account's next due send in the step's transaction,
// which also moves the account's pace and checks the suppression list, so
// any number of campaigns and nodes share one pace per account. A running
// campaign found without open deliveries is completed.
//
// A campaign's due follow-ups go before its first messages (they are
// the ones with a time); one is claimed only when it was due by
// caughtUp, so that a reply that came before it was due has cancelled
// it. Otherwise the claim asks for a catch-up (claimed.catchUp). So does
// a campaign's completion after a send recorded since the last catch-up
// (lastSent): campaign.completed counts the replies Telegram had by then,
// not only those the inbox had stored.
//
// pace is the account's, locked in tx; a claim saves it moved.
func claimIn(ctx context.Context, tx store.Tx, ev Events, f store.Fence, accountID int64, pace store.Pace, now, caughtUp, lastSent time.Time) (claimed, error) {
	var out claimed
	camps, err := tx.RunningCampaignsOf(ctx, accountID)
	if err != nil {
		return out, err
	}
	ahead := true
	for _, c := range camps {
		ahead = ahead && c.MinIntervalSeconds == 0 && c.RatePerHour == 0
	}
	for _, c := range camps {
		p := pacingOf(c)
		if ok, next := p.gate(c, pace, now); !ok {
			if out.wait.IsZero() || next.Before(out.wait) {
				out.wait = next
			}
			continue
		}
		for {
			d, err := nextOf(ctx, tx, c, accountID, now)
			if errors.Is(err, store.ErrNotFound) {
				if len(c.Steps) > 0 {
					due, ok, err := tx.NextStepDue(ctx, c.ID, accountID)
					if err != nil {
						return out, err
					}
					if ok {
						if out.wait.IsZero() || due.Before(out.wait) {
							out.wait = due
						}
						break
					}
				}
				if lastSent.After(caughtUp) {
					n, err := tx.CampaignCounts(ctx, c.ID)
					if err != nil {
						return out, err
					}
					if n.Pending == 0 && n.Sending == 0 {
						return claimed{catchUp: true, completing: true}, nil
					}
				}
				done, err := tx.CompleteCampaignIfDone(ctx, c.ID, now)
				if err != nil {
					return out, err
				}
				if done {
					if err := publishCompleted(ctx, ev, tx, c, now); err != nil {
						return out, err
					}
				}
				break
			}
			if err != nil {
				return out, err
			}
			if d.Step > 1 && d.DueAt.After(caughtUp) {
				return claimed{catchUp: true}, nil
			}
			if d.Suppressed {
				why := reasonSuppressed
				if d.Step > 1 {
					why = reasonStepsSupp
				}
				if err := tx.FinishDelivery(ctx, f, d.ID, store.DeliverySkipped, why.code, why.text, 0, now); err != nil {
					return out, err
				}
				continue
			}
			if err := tx.ClaimDelivery(ctx, f, d.ID, now); err != nil {
				return out, err
			}
			if err := tx.SavePace(ctx, p.take(pace, now), now); err != nil {
				return out, err
			}
			if c.RatePerHour > 0 {
				from := now
				if c.NextSlotAt.After(now) {
					from = c.NextSlotAt
				}
				if err := tx.TakeCampaignSlot(ctx, c.ID, from.Add(time.Hour/time.Duration(c.RatePerHour))); err != nil {
					return out, err
				}
			}
			return claimed{ok: true, d: d, c: c, ahead: ahead}, nil
		}
	}
	return out, nil
}

// nextOf is campaign c's next send from an account: its earliest due
// follow-up, else its next first message.
func nextOf(ctx context.Context, tx store.Tx, c store.Campaign, accountID int64, now time.Time) (store.Delivery, error) {
	if len(c.Steps) > 0 {
		d, err := tx.NextDueStep(ctx, c.ID, accountID, now)
		if !errors.Is(err, store.ErrNotFound) {
			return d, err
		}
	}
	return tx.NextPendingDelivery(ctx, c.ID, accountID)
}

// recordIn stores Telegram's answer to one send. A message sent keeps
// its account's next send at least its interval after the answer (the
// claim counted from before the send; the answer is when Telegram
// certainly has it): pace, the account's locked in tx, moves, and the
// caller saves it.
func recordIn(ctx context.Context, tx store.Tx, f store.Fence, a *answer, pace *store.Pace, now time.Time) error {
	if a.fail != nil {
		return tx.FinishDelivery(ctx, f, a.d.ID, store.DeliveryFailed, a.fail.code, a.fail.text, 0, now)
	}
	if err := tx.FinishDelivery(ctx, f, a.d.ID, store.DeliverySent, "", "", a.messageID, now); err != nil {
		return err
	}
	if step := max(a.d.Step, 1); step <= len(a.c.Steps) {
		// The next step's row, with its random_id, in the transaction
		// that records this one sent: written once, whatever crashes.
		a.d.State = store.DeliverySent
		next := a.c.Steps[step-1]
		if _, err := tx.AddNextStep(ctx, a.d, telegram.NewRandomID(), now.Add(time.Duration(next.AfterSeconds)*time.Second), now,
			reasonReplied.step(), reasonOptedOut.step(), reasonStepsSupp.step()); err != nil {
			return fmt.Errorf("write step %d of delivery %d: %w", step+1, a.d.ID, err)
		}
	}
	// The next send, of this campaign or another one on the account, is
	// paced from now: the message reached Telegram somewhere between its
	// claim and this answer.
	if now.After(pace.LastSendAt) {
		pace.LastSendAt = now
	}
	if next := now.Add(time.Duration(a.c.MinIntervalSeconds) * time.Second); next.After(pace.NextSendAt) {
		pace.NextSendAt = next
	}
	return nil
}

// resumeInterrupted finishes the account's sends that a crash, a dropped
// connection or a restart left between claim and answer: each goes again
// with its own random_id, so Telegram drops it if the first one arrived;
// one left long ago is first looked for in the dialog.
func (r *run) resumeInterrupted(ctx context.Context) error {
	list, err := r.s.st.SendingDeliveries(ctx, r.accountID)
	if err != nil {
		return fmt.Errorf("interrupted sends: %w", err)
	}
	for _, d := range list {
		c, err := r.s.st.CampaignForWork(ctx, d.CampaignID)
		if err != nil {
			return err
		}
		if r.s.now().Sub(d.ClaimedAt) > recheckAfter && d.AccessHash != 0 {
			id, found, err := r.findSent(ctx, d, c)
			if err != nil {
				return err
			}
			if found {
				r.log.Info("interrupted send found in the dialog", slog.Int64("delivery", d.ID))
				if _, err := r.step(ctx, &answer{d: d, c: c, messageID: id}, false); err != nil {
					return err
				}
				continue
			}
		}
		r.log.Info("sending an interrupted message again with its random_id", slog.Int64("delivery", d.ID))
		if err := r.s.st.RetryDelivery(ctx, d.ID, r.s.now()); err != nil {
			return err
		}
		if err := r.send(ctx, d, c); err != nil {
			return err
		}
	}
	return nil
}

// catchUpWait is how long a run waits for the account's updates to catch
// up before a follow-up; catchUpRetry how long it then waits to try
// again. The state is stored as the wait begins and every 100 ms of it,
// so a wait of this length means the inbox is stuck or not listening.
const (
	catchUpWait  = 20 * time.Second
	catchUpRetry = 30 * time.Second
)

// catchUp waits until every message Telegram had for the account when
// it is called has been through the inbox, which counts a reply (and
// cancels the person's follow-ups) in the transaction that stores it.
// It asks Telegram for the account's pts, and waits for the account's
// stored updates state to reach it: the runtime stores a pts only after
// the messages up to it were handled. It reports false when the state
// did not get there in catchUpWait.
func (r *run) catchUp(ctx context.Context) (bool, error) {
	at := r.s.now()
	remote, err := r.api.UpdatesGetState(ctx)
	if err != nil {
		return false, fmt.Errorf("account %d: read Telegram's updates state before a follow-up or a campaign's end: %w", r.accountID, err)
	}
	for {
		// The state the connection holds is stored about every second;
		// stored now, a caught-up account is seen at once instead of up
		// to a second after its last send.
		r.s.acc.StoreUpdatesStates(ctx)
		have, ok, err := r.s.st.UpdatesStateOf(ctx, r.accountID)
		if err != nil {
			return false, err
		}
		if ok && have.Pts >= remote.Pts {
			r.caughtUp = at
			return true, nil
		}
		if r.s.now().Sub(at) > catchUpWait {
			r.log.Warn("the account's updates are not caught up: follow-ups wait, a campaign completes without the replies not yet stored",
				slog.Int("stored_pts", have.Pts), slog.Int("telegram_pts", remote.Pts), slog.Duration("retry_in", catchUpRetry))
			return false, nil
		}
		if err := r.s.o.Sleep(ctx, 100*time.Millisecond); err != nil {
			return false, err
		}
	}
}

// findSent looks for the message in the recipient's dialog: an outgoing
// message with the same text, dated from the claim on.
func (r *run) findSent(ctx context.Context, d store.Delivery, c store.Campaign) (int, bool, error) {
	text, _, err := r.render(d, c)
	if err != nil {
		return 0, false, nil
	}
	res, err := r.api.MessagesGetHistory(ctx, &tg.MessagesGetHistoryRequest{
		Peer: &tg.InputPeerUser{UserID: d.TGUserID, AccessHash: d.AccessHash}, Limit: 50,
	})
	if err != nil {
		if _, refused := recipientRefusal(err); refused {
			return 0, false, nil
		}
		return 0, false, err
	}
	msgs, _ := res.(interface{ GetMessages() []tg.MessageClass })
	if msgs == nil {
		return 0, false, nil
	}
	since := d.ClaimedAt.Add(-time.Minute).Unix()
	for _, mc := range msgs.GetMessages() {
		if m, ok := mc.(*tg.Message); ok && m.Out && int64(m.Date) >= since && m.Message == text.Text {
			return m.ID, true, nil
		}
	}
	return 0, false, nil
}

// templateKey names one step's message of a campaign.
type templateKey struct {
	campaign int64
	step     int
}

func (r *run) template(c store.Campaign, step int) (*message.Template, error) {
	k := templateKey{c.ID, max(step, 1)}
	if t, ok := r.templates[k]; ok {
		return t, nil
	}
	text := c.Message
	if k.step > 1 {
		if k.step-2 >= len(c.Steps) {
			return nil, fmt.Errorf("campaign %d has no step %d", c.ID, k.step)
		}
		text = c.Steps[k.step-2].Message
	}
	t, err := message.Parse(text)
	if err != nil {
		return nil, err
	}
	r.templates[k] = t
	return t, nil
}

func (r *run) render(d store.Delivery, c store.Campaign) (message.Rendered, message.Options, error) {
	opts := message.Options{OptOutFooter: c.OptOutFooter}
	t, err := r.template(c, d.Step)
	if err != nil {
		return message.Rendered{}, opts, err
	}
	return t.Render(message.Recipient{FirstName: d.FirstName, LastName: d.LastName, Username: d.Username}, opts), opts, nil
}

// send delivers one message now and records Telegram's answer.
func (r *run) send(ctx context.Context, d store.Delivery, c store.Campaign) error {
	if d.AccessHash == 0 {
		ok, err := r.resolve(ctx, &d, c)
		if err != nil || !ok {
			return err
		}
	}
	text, _, err := r.render(d, c)
	if err == nil {
		err = r.check(ctx, d, c, text)
	}
	if err != nil {
		_, err := r.step(ctx, &answer{d: d, c: c, fail: &reasonTooLong}, false)
		return err
	}
	if r.s.beforeSend != nil {
		r.s.beforeSend(d)
	}
	res := r.deliver(ctx, d, c, text)
	ans := &answer{d: d, c: c, messageID: res.messageID}
	if res.err != nil {
		why, refused := recipientRefusal(res.err)
		if !refused || accountTrouble(res.err) {
			return r.s.recordError(ctx, r.fence, d, c, res.err)
		}
		ans.fail = &why
	}
	_, err = r.step(ctx, ans, false)
	return err
}

// resolve finds who a username-only recipient is (one contacts.resolveUsername
// within the campaign's budget, spent when the audience was fixed).
func (r *run) resolve(ctx context.Context, d *store.Delivery, c store.Campaign) (bool, error) {
	if d.Username == "" {
		return false, r.s.recordFailed(ctx, r.fence, *d, c, reasonUnreachable)
	}
	res, err := r.api.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: d.Username})
	if err != nil {
		return false, r.s.recordError(ctx, r.fence, *d, c, err)
	}
	peer, ok := res.Peer.(*tg.PeerUser)
	if !ok {
		return false, r.s.recordFailed(ctx, r.fence, *d, c, reasonNotAPerson)
	}
	for _, uc := range res.Users {
		u, ok := uc.(*tg.User)
		if !ok || u.ID != peer.UserID {
			continue
		}
		switch {
		case u.Bot:
			return false, r.s.recordFailed(ctx, r.fence, *d, c, reasonNotAPerson)
		case u.Deleted:
			return false, r.s.recordFailed(ctx, r.fence, *d, c, reasonDeactivated)
		}
		d.TGUserID, d.AccessHash, d.FirstName, d.LastName = u.ID, u.AccessHash, u.FirstName, u.LastName
		// In the sends' shared transaction: a write of its own per send
		// waits for SQLite's lock behind them, and they behind it.
		now := r.s.now()
		if err := r.s.batch.do(ctx, func(ctx context.Context, tx store.Tx) error {
			return tx.SetDeliveryPeer(ctx, d.ID, u.ID, u.AccessHash, u.FirstName, u.LastName, now)
		}); err != nil {
			return false, err
		}
		// Known by username when the audience was fixed: check the list
		// again now that the id is known.
		if sup, err := r.s.st.IsSuppressed(ctx, d.UserID, u.ID, d.Username); err != nil {
			return false, err
		} else if sup {
			return false, r.s.finish(ctx, r.fence, *d, c, store.DeliverySkipped, reasonSuppressed, 0)
		}
		return true, nil
	}
	return false, r.s.recordFailed(ctx, r.fence, *d, c, reasonNotAPerson)
}

// sentMessageID finds the id Telegram gave the message.
func sentMessageID(res tg.UpdatesClass, randomID int64) int {
	switch u := res.(type) {
	case *tg.UpdateShortSentMessage:
		return u.ID
	case *tg.Updates:
		for _, x := range u.Updates {
			if m, ok := x.(*tg.UpdateMessageID); ok && m.RandomID == randomID {
				return m.ID
			}
		}
		for _, x := range u.Updates {
			if m, ok := x.(*tg.UpdateNewMessage); ok {
				return m.Message.GetID()
			}
		}
	}
	return 0
}

func (s *Service) finish(ctx context.Context, f store.Fence, d store.Delivery, c store.Campaign, state string, why reason, messageID int) error {
	now := s.now()
	ev := s.eventSink()
	if ev == nil || state != store.DeliveryFailed {
		if err := s.st.FinishDelivery(ctx, f, d.ID, state, why.code, why.text, messageID, now); err != nil {
			return fmt.Errorf("record delivery %d %s: %w", d.ID, state, err)
		}
		return nil
	}
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		if err := tx.FinishDelivery(ctx, f, d.ID, state, why.code, why.text, messageID, now); err != nil {
			return err
		}
		return publishDelivery(ctx, ev, tx, d, c, &why, 0, now)
	})
	if err != nil {
		return fmt.Errorf("record delivery %d %s: %w", d.ID, state, err)
	}
	return nil
}

// recordFailed ends a delivery that will never be sent, and pauses the
// campaign if too many of its recent ones failed.
func (s *Service) recordFailed(ctx context.Context, f store.Fence, d store.Delivery, c store.Campaign, why reason) error {
	if err := s.finish(ctx, f, d, c, store.DeliveryFailed, why, 0); err != nil {
		return err
	}
	return s.pauseForFailures(ctx, c)
}

// recordError decides what Telegram's refusal of one send means: the
// recipient's (failed, not retried), the account's (the delivery waits for
// the account; the run stops with the error for accounts.Use to record),
// or a passing fault (the delivery stays mid-send and goes again with its
// random_id).
func (s *Service) recordError(ctx context.Context, f store.Fence, d store.Delivery, c store.Campaign, err error) error {
	var fw *telegram.FloodWaitError
	now := s.now()
	switch {
	case errors.As(err, &fw):
		werr := s.st.InTx(ctx, func(tx store.Tx) error {
			if err := tx.ReleaseDelivery(ctx, f, d.ID, "flood_wait", "Waiting for Telegram (FLOOD_WAIT)", now); err != nil {
				return err
			}
			pace, err := tx.LockPace(ctx, d.AccountID, now)
			if err != nil {
				return err
			}
			if until := now.Add(fw.Wait); until.After(pace.NextSendAt) {
				pace.NextSendAt = until
			}
			return tx.SavePace(ctx, pace, now)
		})
		return errors.Join(err, werr)
	case errors.Is(err, telegram.ErrPeerFlood):
		return errors.Join(err, s.st.ReleaseDelivery(ctx, f, d.ID, "account_limited", "Waiting: Telegram limited the sending account", now))
	case errors.Is(err, telegram.ErrSessionRevoked):
		return errors.Join(err, s.st.ReleaseDelivery(ctx, f, d.ID, "account_needs_login", "Waiting: the sending account must log in again", now))
	}
	if why, ok := recipientRefusal(err); ok {
		s.log.Info("recipient refused", "campaign", c.ID, "delivery", d.ID, "reason", why.code)
		return s.recordFailed(ctx, f, d, c, why)
	}
	return err
}

// sendCalls are the kinds of call a campaign makes: it sends, and finds
// recipients known by username only. A wait or a PEER_FLOOD limit on them
// stops its sends; one on reading members does not.
var sendCalls = []telegram.CallKind{telegram.KindSend, telegram.KindResolve}
