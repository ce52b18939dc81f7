package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

// Campaigns run sqlc's queries (queries/campaigns.sql); the few
// statements it cannot write once for both engines are in
// campaigns_dynamic.go.

func toCampaign(r gen.Campaign) (store.Campaign, error) {
	c := store.Campaign{
		ID: r.ID, UserID: r.UserID, Name: r.Name, Message: r.Message, OptOutFooter: r.OptOutFooter, LinkPreview: r.LinkPreview,
		Status: r.Status, Audience: r.Audience, MinIntervalSeconds: int(r.MinIntervalSeconds), DailyCap: int(r.DailyCap),
		WindowFrom: r.WindowFrom, WindowTo: r.WindowTo, TimeZone: r.TimeZone, RatePerHour: int(r.RatePerHour),
		NextSlotAt: fromNullTime(r.NextSlotAt), FailurePercent: int(r.FailurePercent), PauseReason: r.PauseReason,
		Recipients: int(r.Recipients), StartAt: fromNullTime(r.StartAt), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		StartedAt: fromNullTime(r.StartedAt), FinishedAt: fromNullTime(r.FinishedAt),
	}
	if r.Steps != "" {
		if err := json.Unmarshal([]byte(r.Steps), &c.Steps); err != nil {
			return c, fmt.Errorf("campaign %d steps: %w", c.ID, err)
		}
	}
	return c, nil
}

func toDelivery(r gen.Delivery) store.Delivery {
	return store.Delivery{
		ID: r.ID, CampaignID: r.CampaignID, UserID: r.UserID, AccountID: r.AccountID, TGUserID: r.TgUserID, AccessHash: r.AccessHash,
		Username: r.Username, FirstName: r.FirstName, LastName: r.LastName, State: r.State, ReasonCode: r.ReasonCode, Reason: r.Reason,
		RandomID: r.RandomID, MessageID: int(r.MessageID), Attempts: int(r.Attempts), ClaimedAt: fromNullTime(r.ClaimedAt),
		SentAt: fromNullTime(r.SentAt), RepliedAt: fromNullTime(r.RepliedAt), ReplyText: r.ReplyText, UpdatedAt: r.UpdatedAt.UTC(),
		Step: int(r.Step), PrevID: r.PrevID, DueAt: fromNullTime(r.DueAt),
	}
}

func toSuppression(r gen.Suppression) store.Suppression {
	return store.Suppression{ID: r.ID, UserID: r.UserID, TGUserID: r.TgUserID, Username: r.Username, Reason: r.Reason, CreatedAt: r.CreatedAt.UTC()}
}

// campaignsWithSenders converts rows and reads each campaign's senders.
func (q queries) campaignsWithSenders(ctx context.Context, rs []gen.Campaign, err error) ([]store.Campaign, error) {
	if err != nil {
		return nil, mapErr(q.d, err)
	}
	var out []store.Campaign
	for _, r := range rs {
		c, err := q.campaignWithSenders(ctx, r, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func (q queries) campaignWithSenders(ctx context.Context, r gen.Campaign, err error) (store.Campaign, error) {
	if err != nil {
		return store.Campaign{}, mapErr(q.d, err)
	}
	c, err := toCampaign(r)
	if err != nil {
		return c, err
	}
	return q.withSenders(ctx, c)
}

func (q queries) withSenders(ctx context.Context, c store.Campaign) (store.Campaign, error) {
	ids, err := q.q.CampaignSenderIDs(ctx, c.ID)
	if err != nil {
		return c, mapErr(q.d, err)
	}
	c.SenderIDs = nil
	if len(ids) > 0 {
		c.SenderIDs = ids
	}
	return c, nil
}

// CreateCampaign writes a campaign of more than store.WriteBatch
// recipients in several transactions, so another tenant's write waits for
// one batch, not the whole campaign: the campaign first, preparing
// (nobody sees or starts it), then its deliveries a batch at a time, then
// the end of its preparation. A creation that fails leaves it to the
// drafts' prune, which also deletes one whose process died
// (store.PreparingTimeout). Inside a caller's transaction, or when it
// fits in one batch, it is one transaction.
func (q queries) CreateCampaign(ctx context.Context, n store.NewCampaign) (store.Campaign, error) {
	var out store.Campaign
	ds := n.Deliveries
	batched := q.tx == nil && len(ds) > store.WriteBatch
	err := q.inTx(ctx, func(q queries) error {
		c := n.Campaign
		r, err := q.q.InsertCampaign(ctx, gen.InsertCampaignParams{
			UserID: c.UserID, Name: c.Name, Message: c.Message, OptOutFooter: c.OptOutFooter, LinkPreview: c.LinkPreview,
			Status: c.Status, Audience: c.Audience, MinIntervalSeconds: int64(c.MinIntervalSeconds), DailyCap: int64(c.DailyCap),
			WindowFrom: c.WindowFrom, WindowTo: c.WindowTo, TimeZone: c.TimeZone, RatePerHour: int64(c.RatePerHour),
			FailurePercent: int64(c.FailurePercent), Recipients: int64(len(ds)), StartAt: nullTime(c.StartAt),
			CreatedAt: c.CreatedAt, Preparing: batched, Steps: stepsJSON(c.Steps),
		})
		if err != nil {
			return mapErr(q.d, err)
		}
		created, err := toCampaign(r)
		if err != nil {
			return err
		}
		for _, a := range c.SenderIDs {
			if err := q.q.AddCampaignSender(ctx, gen.AddCampaignSenderParams{CampaignID: created.ID, AccountID: a}); err != nil {
				return mapErr(q.d, err)
			}
		}
		if !batched {
			if err := q.insertDeliveries(ctx, created, ds); err != nil {
				return err
			}
		}
		out, err = q.withSenders(ctx, created)
		return err
	})
	if err != nil || !batched {
		return out, err
	}
	for len(ds) > 0 && err == nil {
		batch := ds[:min(len(ds), store.WriteBatch)]
		ds = ds[len(batch):]
		err = q.inTx(ctx, func(q queries) error { return q.insertDeliveries(ctx, out, batch) })
	}
	if err == nil {
		var done int64
		done, err = q.q.EndCampaignPreparing(ctx, out.ID)
		err = mapErr(q.d, err)
		if err == nil && done == 0 {
			err = fmt.Errorf("it took longer than %s to write, and was pruned", store.PreparingTimeout)
		}
	}
	if err != nil {
		// Ended as a pruned draft: the prune deletes its rows a batch at a
		// time. A failure here too leaves it preparing, for the prune.
		_ = q.q.CancelPrunedCampaign(context.WithoutCancel(ctx), gen.CancelPrunedCampaignParams{Reason: store.PrunedReason, ID: out.ID})
		return store.Campaign{}, fmt.Errorf("create campaign %d: %w", out.ID, err)
	}
	return out, nil
}

// stepsJSON is a campaign's follow-ups as its row keeps them; "" for none.
func stepsJSON(steps []store.Step) string {
	if len(steps) == 0 {
		return ""
	}
	b, _ := json.Marshal(steps)
	return string(b)
}

func (q queries) CampaignByID(ctx context.Context, userID, id int64) (store.Campaign, error) {
	r, err := q.q.CampaignOfUser(ctx, gen.CampaignOfUserParams{ID: id, UserID: userID})
	return q.campaignWithSenders(ctx, r, err)
}

func (q queries) CampaignForWork(ctx context.Context, id int64) (store.Campaign, error) {
	r, err := q.q.CampaignToWork(ctx, id)
	return q.campaignWithSenders(ctx, r, err)
}

func (q queries) ListCampaigns(ctx context.Context, userID int64) ([]store.Campaign, error) {
	rs, err := q.q.CampaignsOfUser(ctx, userID)
	return q.campaignsWithSenders(ctx, rs, err)
}

func (q queries) CampaignsPage(ctx context.Context, userID, beforeID int64, limit int) ([]store.Campaign, error) {
	if beforeID <= 0 {
		beforeID = math.MaxInt64
	}
	rs, err := q.q.CampaignsOfUserBefore(ctx, gen.CampaignsOfUserBeforeParams{UserID: userID, BeforeID: beforeID, MaxRows: int64(limit)})
	return q.campaignsWithSenders(ctx, rs, err)
}

func (q queries) CountCampaigns(ctx context.Context, userID int64) (int, error) {
	n, err := q.q.CountUserCampaigns(ctx, userID)
	return int(n), mapErr(q.d, err)
}

func (q queries) UsageOf(ctx context.Context, userID int64) (store.Usage, error) {
	r, err := q.q.UserUsage(ctx, userID)
	return store.Usage{Drafts: int(r.Drafts), Deliveries: r.Deliveries, Members: r.Members}, mapErr(q.d, err)
}

func (q queries) PruneDraftsBefore(ctx context.Context, before, now time.Time) (int64, error) {
	n, err := q.q.PruneDrafts(ctx, gen.PruneDraftsParams{Reason: store.PrunedReason, Now: now, Before: before,
		PreparingBefore: now.Add(-store.PreparingTimeout)})
	return n, mapErr(q.d, err)
}

func (q queries) DeletePruned(ctx context.Context, limit int) (int64, error) {
	n, err := q.q.DeletePrunedDeliveries(ctx, gen.DeletePrunedDeliveriesParams{Reason: store.PrunedReason, MaxRows: int64(limit)})
	if err != nil || n > 0 {
		return n, mapErr(q.d, err)
	}
	// As PruneFinishedCampaigns: a file goes with its last campaign.
	err = q.inTx(ctx, func(q queries) error {
		files, err := q.q.FilesOfPrunedCampaigns(ctx, store.PrunedReason)
		if err != nil {
			return mapErr(q.d, err)
		}
		if n, err = q.q.DeletePrunedCampaigns(ctx, gen.DeletePrunedCampaignsParams{Reason: store.PrunedReason, MaxRows: int64(limit)}); err != nil {
			return mapErr(q.d, err)
		}
		return q.deleteFilesIfUnused(ctx, files)
	})
	return n, err
}

func (q queries) CompleteCampaignIfDone(ctx context.Context, id int64, now time.Time) (bool, error) {
	n, err := q.q.CompleteCampaignWhenDone(ctx, gen.CompleteCampaignWhenDoneParams{Now: nullTime(now), ID: id})
	return n > 0, mapErr(q.d, err)
}

func (q queries) DueScheduledCampaigns(ctx context.Context, now time.Time) ([]store.Campaign, error) {
	rs, err := q.q.ScheduledCampaignsDue(ctx, nullTime(now))
	return convertAll(q.d, rs, err, toCampaign)
}

// convertAll converts every row with a conversion that may fail.
func convertAll[R, T any](d *Dialect, rs []R, err error, conv func(R) (T, error)) ([]T, error) {
	if err != nil {
		return nil, mapErr(d, err)
	}
	var out []T
	for _, r := range rs {
		v, err := conv(r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (q queries) SkipOpenDeliveries(ctx context.Context, campaignID int64, reasonCode, reason string, now time.Time) (int64, error) {
	n, err := q.q.SkipPendingDeliveries(ctx, gen.SkipPendingDeliveriesParams{ReasonCode: reasonCode, Reason: reason, Now: now, CampaignID: campaignID})
	return n, mapErr(q.d, err)
}

func (q queries) CampaignCounts(ctx context.Context, campaignID int64) (store.DeliveryCounts, error) {
	rs, err := q.q.CampaignStateCounts(ctx, campaignID)
	if err != nil {
		return store.DeliveryCounts{}, mapErr(q.d, err)
	}
	var c store.DeliveryCounts
	for _, r := range rs {
		addCount(&c, r.State, int(r.N), int(r.Replied))
	}
	return c, nil
}

func (q queries) CampaignAccountCounts(ctx context.Context, campaignID int64) ([]store.DeliveryCounts, error) {
	rs, err := q.q.CampaignAccountStateCounts(ctx, campaignID)
	if err != nil {
		return nil, mapErr(q.d, err)
	}
	var out []store.DeliveryCounts
	for _, r := range rs {
		if len(out) == 0 || out[len(out)-1].AccountID != r.AccountID {
			out = append(out, store.DeliveryCounts{AccountID: r.AccountID})
		}
		addCount(&out[len(out)-1], r.State, int(r.N), int(r.Replied))
	}
	return out, nil
}

func addCount(c *store.DeliveryCounts, state string, count, replied int) {
	c.Replied += replied
	switch state {
	case store.DeliveryPending:
		c.Pending = count
	case store.DeliverySending:
		c.Sending = count
	case store.DeliverySent:
		c.Sent = count
	case store.DeliveryFailed:
		c.Failed = count
	case store.DeliverySkipped:
		c.Skipped = count
	}
}

func (q queries) CampaignShares(ctx context.Context, campaignID int64) ([]store.SenderShare, error) {
	rs, err := q.q.CampaignPendingShares(ctx, campaignID)
	return many(q.d, rs, err, func(r gen.CampaignPendingSharesRow) store.SenderShare {
		return store.SenderShare{AccountID: r.AccountID, Pending: int(r.Pending), Lookups: int(r.Lookups)}
	})
}

func (q queries) CampaignReasons(ctx context.Context, campaignID int64) ([]store.ReasonCount, error) {
	rs, err := q.q.CampaignReasonCounts(ctx, campaignID)
	return many(q.d, rs, err, func(r gen.CampaignReasonCountsRow) store.ReasonCount {
		return store.ReasonCount{State: r.State, ReasonCode: r.ReasonCode, Reason: r.Reason, Count: int(r.N)}
	})
}

func (q queries) CampaignTimeline(ctx context.Context, campaignID int64, width time.Duration) ([]store.TimeBucket, error) {
	rs, err := q.q.CampaignSends(ctx, campaignID)
	if err != nil {
		return nil, mapErr(q.d, err)
	}
	buckets := map[int64]*store.TimeBucket{}
	var keys []int64
	add := func(t time.Time) *store.TimeBucket {
		k := t.UTC().Truncate(width).Unix()
		b, ok := buckets[k]
		if !ok {
			b = &store.TimeBucket{Start: time.Unix(k, 0).UTC()}
			buckets[k] = b
			keys = append(keys, k)
		}
		return b
	}
	steps := 1
	for _, r := range rs {
		step := max(r.Step, 1)
		steps = max(steps, int(step))
		b := add(r.SentAt.Time)
		b.Sent++
		for len(b.StepSent) < int(step) {
			b.StepSent = append(b.StepSent, 0)
		}
		b.StepSent[step-1]++
		if r.RepliedAt.Valid {
			add(r.RepliedAt.Time).Replied++
		}
	}
	slices.Sort(keys)
	out := make([]store.TimeBucket, 0, len(keys))
	for _, k := range keys {
		b := *buckets[k]
		// Every bucket names every step sent so far, so the chart's
		// series line up.
		for len(b.StepSent) < steps {
			b.StepSent = append(b.StepSent, 0)
		}
		out = append(out, b)
	}
	return out, nil
}

func (q queries) ListDeliveries(ctx context.Context, campaignID, afterID int64, limit int) ([]store.Delivery, error) {
	rs, err := q.q.DeliveriesAfter(ctx, gen.DeliveriesAfterParams{CampaignID: campaignID, AfterID: afterID, MaxRows: int64(limit)})
	return many(q.d, rs, err, toDelivery)
}

func (q queries) FirstUnskippedDelivery(ctx context.Context, campaignID, afterID int64) (store.Delivery, error) {
	r, err := q.q.FirstDeliveryNotSkipped(ctx, gen.FirstDeliveryNotSkippedParams{CampaignID: campaignID, AfterID: afterID})
	return one(q.d, r, err, toDelivery)
}

func (q queries) ListReplies(ctx context.Context, campaignID int64, limit int) ([]store.Delivery, error) {
	rs, err := q.q.RepliedDeliveries(ctx, gen.RepliedDeliveriesParams{CampaignID: campaignID, MaxRows: int64(limit)})
	return many(q.d, rs, err, toDelivery)
}

func (q queries) AccountsWithWork(ctx context.Context, repliesSince time.Time) ([]store.AccountRef, error) {
	rs, err := q.q.SendersWithWork(ctx, nullTime(repliesSince))
	return many(q.d, rs, err, func(r gen.SendersWithWorkRow) store.AccountRef {
		return store.AccountRef{UserID: r.UserID, AccountID: r.AccountID}
	})
}

func (q queries) RunningCampaignsOf(ctx context.Context, accountID int64) ([]store.Campaign, error) {
	rs, err := q.q.RunningCampaignsOfAccount(ctx, accountID)
	return convertAll(q.d, rs, err, toCampaign)
}

func (q queries) LockPace(ctx context.Context, accountID int64, now time.Time) (store.Pace, error) {
	r, err := q.q.LockAccountPace(ctx, gen.LockAccountPaceParams{AccountID: accountID, Now: now})
	return store.Pace{AccountID: accountID, LastSendAt: fromNullTime(r.LastSendAt), NextSendAt: fromNullTime(r.NextSendAt),
		Day: r.Day, DayCount: int(r.DayCount)}, mapErr(q.d, err)
}

func (q queries) PaceOf(ctx context.Context, accountID int64) (store.Pace, error) {
	r, err := q.q.PaceOfAccount(ctx, accountID)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Pace{AccountID: accountID}, nil
	}
	return store.Pace{AccountID: accountID, LastSendAt: fromNullTime(r.LastSendAt), NextSendAt: fromNullTime(r.NextSendAt),
		Day: r.Day, DayCount: int(r.DayCount)}, mapErr(q.d, err)
}

func (q queries) SavePace(ctx context.Context, p store.Pace, now time.Time) error {
	return mapErr(q.d, q.q.SaveAccountPace(ctx, gen.SaveAccountPaceParams{LastSendAt: nullTime(p.LastSendAt), NextSendAt: nullTime(p.NextSendAt),
		Day: p.Day, DayCount: int64(p.DayCount), Now: now, AccountID: p.AccountID}))
}

func (q queries) TakeCampaignSlot(ctx context.Context, campaignID int64, next time.Time) error {
	return mapErr(q.d, q.q.SetCampaignNextSlot(ctx, gen.SetCampaignNextSlotParams{NextSlotAt: nullTime(next), ID: campaignID}))
}

func (q queries) NextPendingDelivery(ctx context.Context, campaignID, accountID int64) (store.Delivery, error) {
	r, err := q.q.NextPendingFirstStep(ctx, gen.NextPendingFirstStepParams{CampaignID: campaignID, AccountID: accountID})
	d := toDelivery(r.Delivery)
	d.Suppressed = r.Suppressed > 0
	return d, mapErr(q.d, err)
}

func (q queries) NextDueStep(ctx context.Context, campaignID, accountID int64, by time.Time) (store.Delivery, error) {
	r, err := q.q.NextDueFollowUp(ctx, gen.NextDueFollowUpParams{CampaignID: campaignID, AccountID: accountID, ByTime: nullTime(by)})
	d := toDelivery(r.Delivery)
	d.Suppressed = r.Suppressed > 0
	return d, mapErr(q.d, err)
}

func (q queries) NextStepDue(ctx context.Context, campaignID, accountID int64) (time.Time, bool, error) {
	due, err := q.q.FirstFollowUpDue(ctx, gen.FirstFollowUpDueParams{CampaignID: campaignID, AccountID: accountID})
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	return fromNullTime(due), due.Valid, mapErr(q.d, err)
}

func (q queries) AddNextStep(ctx context.Context, prev store.Delivery, randomID int64, dueAt, now time.Time, replied, optedOut, suppressed store.StepReason) (bool, error) {
	n, err := q.q.AddFollowUp(ctx, gen.AddFollowUpParams{
		OptedOutCode: optedOut.Code, RepliedCode: replied.Code, SuppressedCode: suppressed.Code,
		OptedOutText: optedOut.Text, RepliedText: replied.Text, SuppressedText: suppressed.Text,
		RandomID: randomID, Now: now, DueAt: nullTime(dueAt), PrevID: prev.ID,
	})
	return n > 0, mapErr(q.d, err)
}

func (q queries) CancelStepsTo(ctx context.Context, accountID, tgUserID int64, reasonCode, reason string, now time.Time) (int64, error) {
	n, err := q.q.CancelFollowUpsTo(ctx, gen.CancelFollowUpsToParams{ReasonCode: reasonCode, Reason: reason, Now: now,
		AccountID: accountID, TgUserID: tgUserID})
	return n, mapErr(q.d, err)
}

func (q queries) CancelStepsOf(ctx context.Context, userID, tgUserID int64, username, reasonCode, reason string, now time.Time) (int64, error) {
	n, err := q.q.CancelFollowUpsOf(ctx, gen.CancelFollowUpsOfParams{ReasonCode: reasonCode, Reason: reason, Now: now,
		UserID: userID, TgUserID: tgUserID, Username: username})
	return n, mapErr(q.d, err)
}

func (q queries) CampaignStepCounts(ctx context.Context, campaignID int64) ([]store.StepCounts, error) {
	rs, err := q.q.StepStateCounts(ctx, campaignID)
	if err != nil {
		return nil, mapErr(q.d, err)
	}
	var out []store.StepCounts
	for _, r := range rs {
		step, count := r.Step, int(r.N)
		for len(out) < int(step) {
			out = append(out, store.StepCounts{Step: len(out) + 1})
		}
		c := &out[step-1]
		c.Replied += int(r.Replied)
		switch r.State {
		case store.DeliverySent:
			c.Sent += count
		case store.DeliveryFailed:
			c.Failed += count
		case store.DeliveryPending, store.DeliverySending:
			c.Pending += count
		case store.DeliverySkipped:
			// A follow-up is written when its step is due to come, so
			// one skipped was cancelled (a reply, an opt-out, the
			// campaign ended); step 1's skipped rows are the campaign's
			// skipped recipients, counted as such.
			if step > 1 {
				c.Cancelled += count
			}
		}
	}
	for i := range out {
		if out[i].Step < 2 || out[i].Pending == 0 {
			continue
		}
		due, err := q.q.FirstStepDue(ctx, gen.FirstStepDueParams{CampaignID: campaignID, Step: int64(out[i].Step)})
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, mapErr(q.d, err)
		}
		out[i].NextDue = fromNullTime(due)
	}
	return out, nil
}

func (q queries) RetryDelivery(ctx context.Context, id int64, now time.Time) error {
	return mapErr(q.d, q.q.CountDeliveryRetry(ctx, gen.CountDeliveryRetryParams{Now: now, ID: id}))
}

func (q queries) SendingDeliveries(ctx context.Context, accountID int64) ([]store.Delivery, error) {
	rs, err := q.q.SendingDeliveriesOf(ctx, accountID)
	return many(q.d, rs, err, toDelivery)
}

func (q queries) SetDeliveryPeer(ctx context.Context, id, tgUserID, accessHash int64, firstName, lastName string, now time.Time) error {
	return mapErr(q.d, q.q.SetDeliveryPeerOf(ctx, gen.SetDeliveryPeerOfParams{TgUserID: tgUserID, AccessHash: accessHash,
		FirstName: firstName, LastName: lastName, Now: now, ID: id}))
}

func (q queries) RecentOutcomes(ctx context.Context, campaignID int64, n int) (failed, total int, err error) {
	r, err := q.q.RecentCampaignOutcomes(ctx, gen.RecentCampaignOutcomesParams{CampaignID: campaignID, MaxRows: int64(n)})
	return int(r.Failed), int(r.Total), mapErr(q.d, err)
}

func (q queries) MarkReplied(ctx context.Context, accountID, tgUserID int64, text string, at time.Time) (store.Delivery, error) {
	var out store.Delivery
	err := q.inTx(ctx, func(q queries) error {
		// A pending delivery of a campaign paused by a restore may have
		// been sent after the backup: a reply read again from Telegram
		// belongs to it, the newest message to that person. A step
		// followed by a later one sent is not the newest message the
		// person had: a second message after replying to step 2 is no
		// reply to step 1.
		r, err := q.q.DeliveryRepliedBy(ctx, gen.DeliveryRepliedByParams{AccountID: accountID, TgUserID: tgUserID})
		if err != nil {
			return mapErr(q.d, err)
		}
		d := toDelivery(r)
		if err := q.q.SetDeliveryReply(ctx, gen.SetDeliveryReplyParams{At: nullTime(at), Text: text, ID: d.ID}); err != nil {
			return mapErr(q.d, err)
		}
		d.RepliedAt, d.ReplyText = Time(at), text
		out = d
		return nil
	})
	return out, err
}

func (q queries) UpdatesStateOf(ctx context.Context, accountID int64) (store.UpdatesState, bool, error) {
	r, err := q.q.UpdatesStateOfAccount(ctx, accountID)
	if errors.Is(err, sql.ErrNoRows) {
		return store.UpdatesState{}, false, nil
	}
	s := store.UpdatesState{Pts: int(r.Pts), Qts: int(r.Qts), Date: int(r.Date), Seq: int(r.Seq)}
	return s, err == nil, mapErr(q.d, err)
}

func (q queries) SetUpdatesState(ctx context.Context, accountID int64, s store.UpdatesState, now time.Time) error {
	return mapErr(q.d, q.q.SaveUpdatesState(ctx, gen.SaveUpdatesStateParams{AccountID: accountID, Pts: int64(s.Pts), Qts: int64(s.Qts),
		Date: int64(s.Date), Seq: int64(s.Seq), Now: now}))
}

func (q queries) AddSuppression(ctx context.Context, s store.Suppression) (store.Suppression, bool, error) {
	var (
		out   store.Suppression
		added bool
	)
	err := q.inTx(ctx, func(q queries) error {
		existing, err := q.findSuppression(ctx, s.UserID, s.TGUserID, s.Username)
		switch {
		case err == nil:
			// Learn the other half of who it is, if the new entry knows it.
			if existing.TGUserID == 0 && s.TGUserID != 0 || existing.Username == "" && s.Username != "" {
				existing.TGUserID, existing.Username = max(existing.TGUserID, s.TGUserID), cmpOr(existing.Username, s.Username)
				if err := q.q.CompleteSuppression(ctx, gen.CompleteSuppressionParams{TgUserID: existing.TGUserID,
					Username: existing.Username, ID: existing.ID}); err != nil {
					return mapErr(q.d, err)
				}
			}
			out = existing
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return mapErr(q.d, err)
		}
		r, err := q.q.InsertSuppression(ctx, gen.InsertSuppressionParams{UserID: s.UserID, TgUserID: s.TGUserID,
			Username: s.Username, Reason: s.Reason, CreatedAt: s.CreatedAt})
		out, added = toSuppression(r), err == nil
		return mapErr(q.d, err)
	})
	return out, added, err
}

func (q queries) AddSuppressions(ctx context.Context, list []store.Suppression) (added, already int, err error) {
	// size adapts to the machine: a batch that held the write lock past
	// WriteBatchTime makes the next one half as big (a slow disk, a loaded
	// host), a quick one lets it grow back.
	size := store.WriteBatch
	for len(list) > 0 {
		var a, n int
		start := time.Now()
		err := q.inTx(ctx, func(q queries) error {
			var err error
			a, n, err = q.addSuppressionBatch(ctx, list[:min(len(list), size)])
			return err
		})
		if err != nil {
			return added, already, err
		}
		added, already, list = added+a, already+n-a, list[n:]
		switch took := time.Since(start); {
		case took > store.WriteBatchTime && size > 10:
			size /= 2
		case took < store.WriteBatchTime/2 && size < store.WriteBatch:
			size = min(size*2, store.WriteBatch)
		}
	}
	return added, already, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// findSuppression is the entry naming the person, sql.ErrNoRows when none.
func (q queries) findSuppression(ctx context.Context, userID, tgUserID int64, username string) (store.Suppression, error) {
	r, err := q.q.FindSuppression(ctx, gen.FindSuppressionParams{UserID: userID, TgUserID: tgUserID, Username: username})
	return toSuppression(r), err
}

func (q queries) ListSuppressions(ctx context.Context, userID int64) ([]store.Suppression, error) {
	rs, err := q.q.SuppressionsOf(ctx, userID)
	return many(q.d, rs, err, toSuppression)
}

func (q queries) SuppressionsPage(ctx context.Context, userID, beforeID int64, limit int) ([]store.Suppression, error) {
	if beforeID <= 0 {
		beforeID = math.MaxInt64
	}
	rs, err := q.q.SuppressionsBefore(ctx, gen.SuppressionsBeforeParams{UserID: userID, BeforeID: beforeID, MaxRows: int64(limit)})
	return many(q.d, rs, err, toSuppression)
}

// ForEachSuppression walks the list a keyset page at a time, newest
// first: an export of a million entries holds one page, never the list.
func (q queries) ForEachSuppression(ctx context.Context, userID int64, fn func(store.Suppression) error) error {
	var before int64
	for {
		page, err := q.SuppressionsPage(ctx, userID, before, suppressionWalkPage)
		if err != nil {
			return err
		}
		for _, s := range page {
			if err := fn(s); err != nil {
				return err
			}
		}
		if len(page) < suppressionWalkPage {
			return nil
		}
		before = page[len(page)-1].ID
	}
}

// suppressionWalkPage is how many entries ForEachSuppression reads at once.
const suppressionWalkPage = 1000

func (q queries) DeleteSuppression(ctx context.Context, userID, tgUserID int64, username string) error {
	var (
		n   int64
		err error
	)
	if tgUserID != 0 {
		n, err = q.q.DeleteSuppressionByTGID(ctx, gen.DeleteSuppressionByTGIDParams{UserID: userID, TgUserID: tgUserID})
	} else {
		n, err = q.q.DeleteSuppressionByUsername(ctx, gen.DeleteSuppressionByUsernameParams{UserID: userID, Username: username})
	}
	return affected(q.d, n, err)
}

func (q queries) IsSuppressed(ctx context.Context, userID, tgUserID int64, username string) (bool, error) {
	_, err := q.findSuppression(ctx, userID, tgUserID, username)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, mapErr(q.d, err)
}

func (q queries) CountSuppressions(ctx context.Context, userID int64) (int, error) {
	n, err := q.q.CountUserSuppressions(ctx, userID)
	return int(n), mapErr(q.d, err)
}
