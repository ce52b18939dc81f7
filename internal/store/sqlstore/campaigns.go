package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/telegramate/telegramate/internal/store"
)

// Campaigns are written and read with hand-written SQL that both engines
// accept, with "?" parameters rebound per engine: a campaign's recipients
// are inserted as multi-row INSERTs, the claim of a send runs on the
// hottest path of the product (one short transaction per message, where
// every statement saved is throughput), and it locks its pace row with
// FOR UPDATE on PostgreSQL only, which sqlc cannot express per engine.

// rebind turns "?" parameters into the engine's own.
func (q queries) rebind(query string) string {
	if q.d.Name == "sqlite" {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString(q.d.Placeholder(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// stmts caches prepared campaign statements per pool and query: the
// sending path runs the same few statements for every message, and
// parsing them again each time was a third of its CPU on SQLite.
var stmts sync.Map // stmtKey → *sql.Stmt

type stmtKey struct {
	db    *sql.DB
	query string
}

// stmt is the prepared statement of query, bound to the transaction when
// there is one (database/sql reuses the connection's own preparation).
func (q queries) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	query = q.rebind(query)
	k := stmtKey{q.db, query}
	st, ok := stmts.Load(k)
	if !ok && q.tx != nil {
		// Preparing on the pool would wait for a second connection while
		// this transaction holds the write lock: with the pool taken by
		// writers waiting for that lock (a thousand accounts starting at
		// once), nobody moves until busy_timeout. Prepare on the
		// transaction's own connection this time, and cache one for the
		// pool on the side.
		go func() {
			if prepared, err := q.db.PrepareContext(context.WithoutCancel(ctx), query); err == nil {
				if _, loaded := stmts.LoadOrStore(k, prepared); loaded {
					_ = prepared.Close()
				}
			}
		}()
		prepared, err := q.tx.PrepareContext(ctx, query)
		return prepared, mapErr(q.d, err)
	}
	if !ok {
		prepared, err := q.db.PrepareContext(ctx, query)
		if err != nil {
			return nil, mapErr(q.d, err)
		}
		if st, ok = stmts.LoadOrStore(k, prepared); ok {
			_ = prepared.Close()
		} else {
			st = prepared
		}
	}
	if q.tx != nil {
		return q.tx.StmtContext(ctx, st.(*sql.Stmt)), nil
	}
	return st.(*sql.Stmt), nil
}

func (q queries) exec(ctx context.Context, query string, args ...any) (int64, error) {
	st, err := q.stmt(ctx, query)
	if err != nil {
		return 0, err
	}
	res, err := st.ExecContext(ctx, normalizeTimes(args)...)
	if err != nil {
		return 0, mapErr(q.d, err)
	}
	n, err := res.RowsAffected()
	return n, mapErr(q.d, err)
}

func (q queries) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := q.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, normalizeTimes(args)...)
	return rows, mapErr(q.d, err)
}

// row is a single-row result that scans like *sql.Row.
type row struct {
	r   *sql.Row
	err error
}

func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return r.r.Scan(dest...)
}

func (q queries) queryRow(ctx context.Context, query string, args ...any) row {
	st, err := q.stmt(ctx, query)
	if err != nil {
		return row{err: err}
	}
	return row{r: st.QueryRowContext(ctx, normalizeTimes(args)...)}
}

const campaignColumns = "id, user_id, name, message, opt_out_footer, link_preview, status, audience, " +
	"min_interval_seconds, daily_cap, window_from, window_to, time_zone, rate_per_hour, next_slot_at, " +
	"failure_percent, pause_reason, recipients, start_at, created_at, updated_at, started_at, finished_at, steps"

type scanner interface{ Scan(dest ...any) error }

func scanCampaign(r scanner) (store.Campaign, error) {
	var (
		c                                             store.Campaign
		next, startAt, started, finished              sql.NullTime
		interval, dailyCap, rate, percent, recipients int64
		optOut, preview                               bool
		steps                                         string
	)
	err := r.Scan(&c.ID, &c.UserID, &c.Name, &c.Message, &optOut, &preview, &c.Status, &c.Audience,
		&interval, &dailyCap, &c.WindowFrom, &c.WindowTo, &c.TimeZone, &rate, &next,
		&percent, &c.PauseReason, &recipients, &startAt, &c.CreatedAt, &c.UpdatedAt, &started, &finished, &steps)
	if err != nil {
		return c, err
	}
	if steps != "" {
		if err := json.Unmarshal([]byte(steps), &c.Steps); err != nil {
			return c, fmt.Errorf("campaign %d steps: %w", c.ID, err)
		}
	}
	c.OptOutFooter, c.LinkPreview = optOut, preview
	c.MinIntervalSeconds, c.DailyCap, c.RatePerHour = int(interval), int(dailyCap), int(rate)
	c.FailurePercent, c.Recipients = int(percent), int(recipients)
	c.NextSlotAt, c.StartAt = fromNullTime(next), fromNullTime(startAt)
	c.StartedAt, c.FinishedAt = fromNullTime(started), fromNullTime(finished)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, nil
}

func (q queries) campaigns(ctx context.Context, query string, args ...any) ([]store.Campaign, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, mapErr(q.d, err)
		}
		out = append(out, c)
	}
	return out, mapErr(q.d, rows.Err())
}

func (q queries) withSenders(ctx context.Context, c store.Campaign) (store.Campaign, error) {
	rows, err := q.query(ctx, "SELECT account_id FROM campaign_senders WHERE campaign_id = ? ORDER BY account_id", c.ID)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	c.SenderIDs = nil
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return c, mapErr(q.d, err)
		}
		c.SenderIDs = append(c.SenderIDs, id)
	}
	return c, mapErr(q.d, rows.Err())
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
		row := q.queryRow(ctx, "INSERT INTO campaigns (user_id, name, message, opt_out_footer, link_preview, status, audience, "+
			"min_interval_seconds, daily_cap, window_from, window_to, time_zone, rate_per_hour, failure_percent, "+
			"recipients, start_at, created_at, updated_at, preparing, steps) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING "+campaignColumns,
			c.UserID, c.Name, c.Message, c.OptOutFooter, c.LinkPreview, c.Status, c.Audience,
			c.MinIntervalSeconds, c.DailyCap, c.WindowFrom, c.WindowTo, c.TimeZone, c.RatePerHour, c.FailurePercent,
			len(ds), nullTime(c.StartAt), c.CreatedAt, c.CreatedAt, batched, stepsJSON(c.Steps))
		created, err := scanCampaign(row)
		if err != nil {
			return mapErr(q.d, err)
		}
		for _, a := range c.SenderIDs {
			if _, err := q.exec(ctx, "INSERT INTO campaign_senders (campaign_id, account_id) VALUES (?, ?)", created.ID, a); err != nil {
				return err
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
		done, err = q.exec(ctx, "UPDATE campaigns SET preparing = FALSE WHERE id = ? AND status <> 'cancelled'", out.ID)
		if err == nil && done == 0 {
			err = fmt.Errorf("it took longer than %s to write, and was pruned", store.PreparingTimeout)
		}
	}
	if err != nil {
		// Ended as a pruned draft: the prune deletes its rows a batch at a
		// time. A failure here too leaves it preparing, for the prune.
		_, _ = q.exec(context.WithoutCancel(ctx), "UPDATE campaigns SET status = 'cancelled', pause_reason = ? WHERE id = ?",
			store.PrunedReason, out.ID)
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

const deliveryInsertColumns = "campaign_id, user_id, account_id, tg_user_id, access_hash, username, first_name, last_name, " +
	"state, reason_code, reason, random_id, updated_at"

// deliveryChunk keeps a statement's parameters under SQLite's limit.
const deliveryChunk = 400

func (q queries) insertDeliveries(ctx context.Context, c store.Campaign, ds []store.NewDelivery) error {
	for len(ds) > 0 {
		chunk := ds[:min(len(ds), deliveryChunk)]
		ds = ds[len(chunk):]
		var b strings.Builder
		b.WriteString("INSERT INTO deliveries (" + deliveryInsertColumns + ") VALUES ")
		args := make([]any, 0, len(chunk)*13)
		for i, d := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, c.ID, c.UserID, d.AccountID, d.TGUserID, d.AccessHash, d.Username, d.FirstName, d.LastName,
				d.State, d.ReasonCode, d.Reason, d.RandomID, c.CreatedAt)
		}
		if _, err := q.exec(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("insert deliveries: %w", err)
		}
	}
	return nil
}

func (q queries) CampaignByID(ctx context.Context, userID, id int64) (store.Campaign, error) {
	c, err := scanCampaign(q.queryRow(ctx, "SELECT "+campaignColumns+" FROM campaigns WHERE id = ? AND user_id = ? AND NOT preparing", id, userID))
	if err != nil {
		return c, mapErr(q.d, err)
	}
	return q.withSenders(ctx, c)
}

func (q queries) CampaignForWork(ctx context.Context, id int64) (store.Campaign, error) {
	c, err := scanCampaign(q.queryRow(ctx, "SELECT "+campaignColumns+" FROM campaigns WHERE id = ? AND NOT preparing", id))
	if err != nil {
		return c, mapErr(q.d, err)
	}
	return q.withSenders(ctx, c)
}

func (q queries) ListCampaigns(ctx context.Context, userID int64) ([]store.Campaign, error) {
	list, err := q.campaigns(ctx, "SELECT "+campaignColumns+" FROM campaigns WHERE user_id = ? AND NOT preparing ORDER BY id DESC", userID)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i], err = q.withSenders(ctx, list[i]); err != nil {
			return nil, err
		}
	}
	return list, nil
}

func (q queries) CampaignsPage(ctx context.Context, userID, beforeID int64, limit int) ([]store.Campaign, error) {
	if beforeID <= 0 {
		beforeID = math.MaxInt64
	}
	list, err := q.campaigns(ctx, "SELECT "+campaignColumns+" FROM campaigns WHERE user_id = ? AND id < ? AND NOT preparing ORDER BY id DESC LIMIT ?",
		userID, beforeID, limit)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i], err = q.withSenders(ctx, list[i]); err != nil {
			return nil, err
		}
	}
	return list, nil
}

func (q queries) SearchCampaigns(ctx context.Context, userID int64, text string, limit int) ([]store.Campaign, error) {
	list, err := q.campaigns(ctx, "SELECT "+campaignColumns+` FROM campaigns WHERE user_id = ? AND NOT preparing AND lower(name) LIKE lower(?) ESCAPE '\' `+
		"ORDER BY id DESC LIMIT ?", userID, "%"+escapeLike(text)+"%", limit)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i], err = q.withSenders(ctx, list[i]); err != nil {
			return nil, err
		}
	}
	return list, nil
}

func (q queries) CountCampaigns(ctx context.Context, userID int64) (int, error) {
	var n int
	err := q.queryRow(ctx, "SELECT COUNT(*) FROM campaigns WHERE user_id = ? AND NOT preparing", userID).Scan(&n)
	return n, mapErr(q.d, err)
}

func (q queries) UsageOf(ctx context.Context, userID int64) (store.Usage, error) {
	// From the campaigns' and lists' own counts, read through their
	// user indexes: counting the rows would read every delivery.
	var u store.Usage
	err := q.queryRow(ctx, "SELECT (SELECT COUNT(*) FROM campaigns WHERE user_id = ? AND status = 'draft'), "+
		"(SELECT COALESCE(SUM(recipients), 0) FROM campaigns WHERE user_id = ?), "+
		"(SELECT COALESCE(SUM(member_count), 0) FROM member_lists WHERE user_id = ?)", userID, userID, userID).
		Scan(&u.Drafts, &u.Deliveries, &u.Members)
	return u, mapErr(q.d, err)
}

func (q queries) PruneDraftsBefore(ctx context.Context, before, now time.Time) (int64, error) {
	return q.exec(ctx, "UPDATE campaigns SET status = 'cancelled', pause_reason = ?, updated_at = ?, finished_at = ? "+
		"WHERE (status = 'draft' AND created_at < ?) OR (preparing AND status <> 'cancelled' AND created_at < ?)",
		store.PrunedReason, now, now, before, now.Add(-store.PreparingTimeout))
}

func (q queries) DeletePruned(ctx context.Context, limit int) (int64, error) {
	n, err := q.exec(ctx, "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE campaign_id IN "+
		"(SELECT id FROM campaigns WHERE status = 'cancelled' AND pause_reason = ?) LIMIT ?)", store.PrunedReason, limit)
	if err != nil || n > 0 {
		return n, err
	}
	return q.exec(ctx, "DELETE FROM campaigns WHERE id IN (SELECT id FROM campaigns c WHERE status = 'cancelled' AND pause_reason = ? "+
		"AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = c.id) LIMIT ?)", store.PrunedReason, limit)
}

func (q queries) SetCampaignStatus(ctx context.Context, userID, id int64, from []string, status, reason string, now time.Time) (store.Campaign, error) {
	var out store.Campaign
	err := q.inTx(ctx, func(q queries) error {
		c, err := q.CampaignByID(ctx, userID, id)
		if err != nil {
			return err
		}
		ok := false
		for _, f := range from {
			ok = ok || c.Status == f
		}
		if !ok {
			return fmt.Errorf("campaign %d is %s: %w", id, c.Status, store.ErrConflict)
		}
		set := "status = ?, pause_reason = ?, updated_at = ?"
		args := []any{status, reason, now}
		switch status {
		case store.CampaignRunning:
			set += ", started_at = COALESCE(started_at, ?)"
			args = append(args, now)
		case store.CampaignCompleted, store.CampaignCancelled:
			set += ", finished_at = ?"
			args = append(args, now)
		}
		args = append(args, id, c.Status)
		n, err := q.exec(ctx, "UPDATE campaigns SET "+set+" WHERE id = ? AND status = ?", args...)
		if err != nil {
			return err
		}
		if n == 0 {
			return store.ErrConflict
		}
		out, err = q.CampaignByID(ctx, userID, id)
		return err
	})
	return out, err
}

func (q queries) CompleteCampaignIfDone(ctx context.Context, id int64, now time.Time) (bool, error) {
	n, err := q.exec(ctx, "UPDATE campaigns SET status = 'completed', finished_at = ?, updated_at = ? "+
		"WHERE id = ? AND status = 'running' AND NOT EXISTS (SELECT 1 FROM deliveries "+
		"WHERE deliveries.campaign_id = campaigns.id AND deliveries.state IN ('pending', 'sending'))", now, now, id)
	return n > 0, err
}

func (q queries) DueScheduledCampaigns(ctx context.Context, now time.Time) ([]store.Campaign, error) {
	return q.campaigns(ctx, "SELECT "+campaignColumns+" FROM campaigns WHERE status = 'scheduled' AND start_at <= ? ORDER BY id", now)
}

func (q queries) SkipOpenDeliveries(ctx context.Context, campaignID int64, reasonCode, reason string, now time.Time) (int64, error) {
	return q.exec(ctx, "UPDATE deliveries SET state = 'skipped', reason_code = ?, reason = ?, updated_at = ? "+
		"WHERE campaign_id = ? AND state = 'pending'", reasonCode, reason, now, campaignID)
}

func (q queries) CampaignCounts(ctx context.Context, campaignID int64) (store.DeliveryCounts, error) {
	list, err := q.counts(ctx, "SELECT 0, state, COUNT(*), COUNT(replied_at) FROM deliveries WHERE campaign_id = ? GROUP BY state", campaignID)
	if err != nil || len(list) == 0 {
		return store.DeliveryCounts{}, err
	}
	return list[0], nil
}

func (q queries) CampaignAccountCounts(ctx context.Context, campaignID int64) ([]store.DeliveryCounts, error) {
	return q.counts(ctx, "SELECT account_id, state, COUNT(*), COUNT(replied_at) FROM deliveries WHERE campaign_id = ? "+
		"GROUP BY account_id, state ORDER BY account_id", campaignID)
}

func (q queries) CampaignShares(ctx context.Context, campaignID int64) ([]store.SenderShare, error) {
	rows, err := q.query(ctx, "SELECT account_id, COUNT(*), SUM(CASE WHEN access_hash = 0 THEN 1 ELSE 0 END) FROM deliveries "+
		"WHERE campaign_id = ? AND state = 'pending' GROUP BY account_id ORDER BY account_id", campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.SenderShare
	for rows.Next() {
		var sh store.SenderShare
		if err := rows.Scan(&sh.AccountID, &sh.Pending, &sh.Lookups); err != nil {
			return nil, mapErr(q.d, err)
		}
		out = append(out, sh)
	}
	return out, mapErr(q.d, rows.Err())
}

func (q queries) counts(ctx context.Context, query string, args ...any) ([]store.DeliveryCounts, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.DeliveryCounts
	for rows.Next() {
		var (
			account        int64
			state          string
			count, replied int
		)
		if err := rows.Scan(&account, &state, &count, &replied); err != nil {
			return nil, mapErr(q.d, err)
		}
		if len(out) == 0 || out[len(out)-1].AccountID != account {
			out = append(out, store.DeliveryCounts{AccountID: account})
		}
		c := &out[len(out)-1]
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
	return out, mapErr(q.d, rows.Err())
}

func (q queries) CampaignReasons(ctx context.Context, campaignID int64) ([]store.ReasonCount, error) {
	rows, err := q.query(ctx, "SELECT state, reason_code, MIN(reason), COUNT(*) FROM deliveries "+
		"WHERE campaign_id = ? AND state IN ('failed', 'skipped') GROUP BY state, reason_code ORDER BY COUNT(*) DESC, reason_code", campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.ReasonCount
	for rows.Next() {
		var r store.ReasonCount
		if err := rows.Scan(&r.State, &r.ReasonCode, &r.Reason, &r.Count); err != nil {
			return nil, mapErr(q.d, err)
		}
		out = append(out, r)
	}
	return out, mapErr(q.d, rows.Err())
}

func (q queries) CampaignTimeline(ctx context.Context, campaignID int64, width time.Duration) ([]store.TimeBucket, error) {
	// Bucketing times is where the dialects disagree most; the rows are
	// few enough (one campaign's sends) to bucket here.
	rows, err := q.query(ctx, "SELECT sent_at, replied_at, step FROM deliveries WHERE campaign_id = ? AND sent_at IS NOT NULL", campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
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
	for rows.Next() {
		var (
			sent, replied sql.NullTime
			step          int64
		)
		if err := rows.Scan(&sent, &replied, &step); err != nil {
			return nil, mapErr(q.d, err)
		}
		step = max(step, 1)
		steps = max(steps, int(step))
		b := add(sent.Time)
		b.Sent++
		for len(b.StepSent) < int(step) {
			b.StepSent = append(b.StepSent, 0)
		}
		b.StepSent[step-1]++
		if replied.Valid {
			add(replied.Time).Replied++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(q.d, err)
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

const deliveryColumns = "id, campaign_id, user_id, account_id, tg_user_id, access_hash, username, first_name, last_name, " +
	"state, reason_code, reason, random_id, message_id, attempts, claimed_at, sent_at, replied_at, reply_text, updated_at, " +
	"step, prev_id, due_at"

func scanDelivery(r scanner, extra ...any) (store.Delivery, error) {
	var (
		d                           store.Delivery
		claimed, sent, replied, due sql.NullTime
		messageID, attempts, step   int64
	)
	dest := append([]any{&d.ID, &d.CampaignID, &d.UserID, &d.AccountID, &d.TGUserID, &d.AccessHash, &d.Username,
		&d.FirstName, &d.LastName, &d.State, &d.ReasonCode, &d.Reason, &d.RandomID, &messageID, &attempts,
		&claimed, &sent, &replied, &d.ReplyText, &d.UpdatedAt, &step, &d.PrevID, &due}, extra...)
	if err := r.Scan(dest...); err != nil {
		return d, err
	}
	d.MessageID, d.Attempts, d.Step = int(messageID), int(attempts), int(step)
	d.ClaimedAt, d.SentAt, d.RepliedAt = fromNullTime(claimed), fromNullTime(sent), fromNullTime(replied)
	d.DueAt = fromNullTime(due)
	d.UpdatedAt = d.UpdatedAt.UTC()
	return d, nil
}

func (q queries) deliveries(ctx context.Context, query string, args ...any) ([]store.Delivery, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, mapErr(q.d, err)
		}
		out = append(out, d)
	}
	return out, mapErr(q.d, rows.Err())
}

func (q queries) ListDeliveries(ctx context.Context, campaignID, afterID int64, limit int) ([]store.Delivery, error) {
	return q.deliveries(ctx, "SELECT "+deliveryColumns+" FROM deliveries WHERE campaign_id = ? AND id > ? ORDER BY id LIMIT ?",
		campaignID, afterID, limit)
}

func (q queries) FirstUnskippedDelivery(ctx context.Context, campaignID, afterID int64) (store.Delivery, error) {
	d, err := scanDelivery(q.queryRow(ctx, "SELECT "+deliveryColumns+" FROM deliveries WHERE campaign_id = ? AND id > ? "+
		"AND state <> 'skipped' ORDER BY id LIMIT 1", campaignID, afterID))
	return d, mapErr(q.d, err)
}

func (q queries) ListReplies(ctx context.Context, campaignID int64, limit int) ([]store.Delivery, error) {
	return q.deliveries(ctx, "SELECT "+deliveryColumns+" FROM deliveries WHERE campaign_id = ? AND replied_at IS NOT NULL "+
		"ORDER BY replied_at DESC, id DESC LIMIT ?", campaignID, limit)
}

func (q queries) AccountsWithWork(ctx context.Context, repliesSince time.Time) ([]store.AccountRef, error) {
	rows, err := q.query(ctx, "SELECT DISTINCT c.user_id, s.account_id FROM campaign_senders s JOIN campaigns c ON c.id = s.campaign_id "+
		"WHERE (c.status = 'running' AND EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = c.id AND d.account_id = s.account_id "+
		"AND d.state IN ('pending', 'sending'))) "+
		"OR EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = c.id AND d.account_id = s.account_id AND d.state = 'sent' AND d.sent_at >= ?) "+
		"ORDER BY s.account_id", repliesSince)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.AccountRef
	for rows.Next() {
		var r store.AccountRef
		if err := rows.Scan(&r.UserID, &r.AccountID); err != nil {
			return nil, mapErr(q.d, err)
		}
		out = append(out, r)
	}
	return out, mapErr(q.d, rows.Err())
}

func (q queries) RunningCampaignsOf(ctx context.Context, accountID int64) ([]store.Campaign, error) {
	cols := "c." + strings.ReplaceAll(campaignColumns, ", ", ", c.")
	return q.campaigns(ctx, "SELECT "+cols+" FROM campaigns c JOIN campaign_senders s ON s.campaign_id = c.id "+
		"WHERE s.account_id = ? AND c.status = 'running' ORDER BY c.started_at, c.id", accountID)
}

func (q queries) LockPace(ctx context.Context, accountID int64, now time.Time) (store.Pace, error) {
	if _, err := q.exec(ctx, "INSERT INTO account_pace (account_id, updated_at) VALUES (?, ?) ON CONFLICT (account_id) DO NOTHING",
		accountID, now); err != nil {
		return store.Pace{}, err
	}
	lock := ""
	if q.d.Name == "postgres" {
		lock = " FOR UPDATE"
	}
	var (
		p          = store.Pace{AccountID: accountID}
		last, next sql.NullTime
		count      int64
	)
	err := q.queryRow(ctx, "SELECT last_send_at, next_send_at, day, day_count FROM account_pace WHERE account_id = ?"+lock, accountID).
		Scan(&last, &next, &p.Day, &count)
	p.LastSendAt, p.NextSendAt, p.DayCount = fromNullTime(last), fromNullTime(next), int(count)
	return p, mapErr(q.d, err)
}

func (q queries) PaceOf(ctx context.Context, accountID int64) (store.Pace, error) {
	var (
		p          = store.Pace{AccountID: accountID}
		last, next sql.NullTime
		count      int64
	)
	err := q.queryRow(ctx, "SELECT last_send_at, next_send_at, day, day_count FROM account_pace WHERE account_id = ?", accountID).
		Scan(&last, &next, &p.Day, &count)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	p.LastSendAt, p.NextSendAt, p.DayCount = fromNullTime(last), fromNullTime(next), int(count)
	return p, mapErr(q.d, err)
}

func (q queries) SavePace(ctx context.Context, p store.Pace, now time.Time) error {
	_, err := q.exec(ctx, "UPDATE account_pace SET last_send_at = ?, next_send_at = ?, day = ?, day_count = ?, updated_at = ? WHERE account_id = ?",
		nullTime(p.LastSendAt), nullTime(p.NextSendAt), p.Day, p.DayCount, now, p.AccountID)
	return err
}

func (q queries) TakeCampaignSlot(ctx context.Context, campaignID int64, next time.Time) error {
	_, err := q.exec(ctx, "UPDATE campaigns SET next_slot_at = ? WHERE id = ?", next, campaignID)
	return err
}

func (q queries) NextPendingDelivery(ctx context.Context, campaignID, accountID int64) (store.Delivery, error) {
	var suppressed int64
	d, err := scanDelivery(q.queryRow(ctx, "SELECT "+deliveryColumns+", "+
		"(SELECT COUNT(*) FROM suppressions s WHERE s.user_id = d.user_id AND "+
		"((d.tg_user_id <> 0 AND s.tg_user_id = d.tg_user_id) OR (d.username <> '' AND s.username = d.username))) "+
		"FROM deliveries d WHERE d.campaign_id = ? AND d.account_id = ? AND d.state = 'pending' AND d.step = 1 "+
		"AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = d.campaign_id AND c.status = 'running') "+
		"ORDER BY d.id LIMIT 1", campaignID, accountID), &suppressed)
	d.Suppressed = suppressed > 0
	return d, mapErr(q.d, err)
}

func (q queries) NextDueStep(ctx context.Context, campaignID, accountID int64, by time.Time) (store.Delivery, error) {
	var suppressed int64
	// The conditions of the partial index deliveries_steps_due, written
	// out so both engines' planners use it.
	d, err := scanDelivery(q.queryRow(ctx, "SELECT "+deliveryColumns+", "+
		"(SELECT COUNT(*) FROM suppressions s WHERE s.user_id = d.user_id AND "+
		"((d.tg_user_id <> 0 AND s.tg_user_id = d.tg_user_id) OR (d.username <> '' AND s.username = d.username))) "+
		"FROM deliveries d WHERE d.campaign_id = ? AND d.account_id = ? AND d.state = 'pending' AND d.step > 1 AND d.due_at <= ? "+
		"AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = d.campaign_id AND c.status = 'running') "+
		"ORDER BY d.due_at, d.id LIMIT 1", campaignID, accountID, by), &suppressed)
	d.Suppressed = suppressed > 0
	return d, mapErr(q.d, err)
}

func (q queries) NextStepDue(ctx context.Context, campaignID, accountID int64) (time.Time, bool, error) {
	// ORDER BY, not MIN: SQLite's aggregate loses the column's type.
	var due sql.NullTime
	err := q.queryRow(ctx, "SELECT due_at FROM deliveries WHERE campaign_id = ? AND account_id = ? AND state = 'pending' AND step > 1 "+
		"ORDER BY due_at LIMIT 1", campaignID, accountID).Scan(&due)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	return fromNullTime(due), due.Valid, mapErr(q.d, err)
}

func (q queries) AddNextStep(ctx context.Context, prev store.Delivery, randomID int64, dueAt, now time.Time, replied, optedOut, suppressed store.StepReason) (bool, error) {
	// From the row as stored, in the statement: a reply recorded since
	// prev was read (MarkReplied marks a row still sending) is seen, and
	// the unique index on prev_id makes a second row an error rather
	// than a second message. A person who replied or is suppressed gets
	// the row skipped, with the reason, so each recipient's report says
	// why their steps stopped.
	const listed = "EXISTS (SELECT 1 FROM suppressions s WHERE s.user_id = p.user_id AND " +
		"((p.tg_user_id <> 0 AND s.tg_user_id = p.tg_user_id) OR (p.username <> '' AND s.username = p.username)))"
	n, err := q.exec(ctx, "INSERT INTO deliveries ("+deliveryInsertColumns+", step, prev_id, due_at) "+
		"SELECT campaign_id, user_id, account_id, tg_user_id, access_hash, username, first_name, last_name, "+
		"CASE WHEN p.replied_at IS NULL AND NOT "+listed+" THEN 'pending' ELSE 'skipped' END, "+
		"CASE WHEN p.replied_at IS NOT NULL AND "+listed+" THEN ? WHEN p.replied_at IS NOT NULL THEN ? WHEN "+listed+" THEN ? ELSE '' END, "+
		"CASE WHEN p.replied_at IS NOT NULL AND "+listed+" THEN ? WHEN p.replied_at IS NOT NULL THEN ? WHEN "+listed+" THEN ? ELSE '' END, "+
		"?, ?, step + 1, id, ? FROM deliveries p WHERE p.id = ? AND p.state = 'sent' "+
		"AND NOT EXISTS (SELECT 1 FROM deliveries n WHERE n.prev_id = p.id)",
		optedOut.Code, replied.Code, suppressed.Code, optedOut.Text, replied.Text, suppressed.Text,
		randomID, now, dueAt, prev.ID)
	return n > 0, err
}

func (q queries) CancelStepsTo(ctx context.Context, accountID, tgUserID int64, reasonCode, reason string, now time.Time) (int64, error) {
	return q.exec(ctx, "UPDATE deliveries SET state = 'skipped', reason_code = ?, reason = ?, updated_at = ? "+
		"WHERE account_id = ? AND tg_user_id = ? AND state = 'pending' AND step > 1", reasonCode, reason, now, accountID, tgUserID)
}

func (q queries) CancelStepsOf(ctx context.Context, userID, tgUserID int64, username, reasonCode, reason string, now time.Time) (int64, error) {
	// CAST: see findSuppression.
	return q.exec(ctx, "UPDATE deliveries SET state = 'skipped', reason_code = ?, reason = ?, updated_at = ? "+
		"WHERE user_id = ? AND state = 'pending' AND step > 1 AND "+
		"((CAST(? AS BIGINT) <> 0 AND tg_user_id = ?) OR (? <> '' AND username = ?))",
		reasonCode, reason, now, userID, tgUserID, tgUserID, username, username)
}

func (q queries) CampaignStepCounts(ctx context.Context, campaignID int64) ([]store.StepCounts, error) {
	rows, err := q.query(ctx, "SELECT step, state, COUNT(*), COUNT(replied_at) "+
		"FROM deliveries WHERE campaign_id = ? GROUP BY step, state ORDER BY step", campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.StepCounts
	for rows.Next() {
		var (
			step, count, replied int64
			state                string
		)
		if err := rows.Scan(&step, &state, &count, &replied); err != nil {
			return nil, mapErr(q.d, err)
		}
		for len(out) < int(step) {
			out = append(out, store.StepCounts{Step: len(out) + 1})
		}
		c := &out[step-1]
		c.Replied += int(replied)
		switch state {
		case store.DeliverySent:
			c.Sent += int(count)
		case store.DeliveryFailed:
			c.Failed += int(count)
		case store.DeliveryPending, store.DeliverySending:
			c.Pending += int(count)
		case store.DeliverySkipped:
			// A follow-up is written when its step is due to come, so
			// one skipped was cancelled (a reply, an opt-out, the
			// campaign ended); step 1's skipped rows are the campaign's
			// skipped recipients, counted as such.
			if step > 1 {
				c.Cancelled += int(count)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(q.d, err)
	}
	rows.Close()
	for i := range out {
		if out[i].Step < 2 || out[i].Pending == 0 {
			continue
		}
		var due sql.NullTime
		err := q.queryRow(ctx, "SELECT due_at FROM deliveries WHERE campaign_id = ? AND step = ? AND state = 'pending' ORDER BY due_at LIMIT 1",
			campaignID, out[i].Step).Scan(&due)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, mapErr(q.d, err)
		}
		out[i].NextDue = fromNullTime(due)
	}
	return out, nil
}

// The claim and the record of a send, and the release of a claim, are
// fenced: under a lease (their store.Fence) they apply only while it is
// still the account's, so a node that lost its account cannot write
// after the next holder started. The condition is in the statement
// itself (one round trip, and on PostgreSQL the lease row cannot change
// between a check and the write); only a refused write asks why.

func (q queries) ClaimDelivery(ctx context.Context, f store.Fence, id int64, now time.Time) error {
	fence, fargs := q.fenced(f, "deliveries")
	n, err := q.exec(ctx, "UPDATE deliveries SET state = 'sending', attempts = attempts + 1, claimed_at = ?, updated_at = ? "+
		"WHERE id = ? AND state = 'pending'"+fence, append([]any{now, now, id}, fargs...)...)
	if err == nil && n == 0 {
		err = store.ErrConflict
		if !f.IsUnfenced() {
			err = q.fenceRefused(ctx, f, err)
		}
	}
	return err
}

func (q queries) RetryDelivery(ctx context.Context, id int64, now time.Time) error {
	_, err := q.exec(ctx, "UPDATE deliveries SET attempts = attempts + 1, updated_at = ? WHERE id = ? AND state = 'sending'", now, id)
	return err
}

func (q queries) SendingDeliveries(ctx context.Context, accountID int64) ([]store.Delivery, error) {
	return q.deliveries(ctx, "SELECT "+deliveryColumns+" FROM deliveries WHERE account_id = ? AND state = 'sending' ORDER BY id", accountID)
}

func (q queries) SetDeliveryPeer(ctx context.Context, id, tgUserID, accessHash int64, firstName, lastName string, now time.Time) error {
	_, err := q.exec(ctx, "UPDATE deliveries SET tg_user_id = ?, access_hash = ?, first_name = ?, last_name = ?, updated_at = ? WHERE id = ?",
		tgUserID, accessHash, firstName, lastName, now, id)
	return err
}

func (q queries) FinishDelivery(ctx context.Context, f store.Fence, id int64, state, reasonCode, reason string, messageID int, now time.Time) error {
	var sentAt any
	if state == store.DeliverySent {
		sentAt = now
	}
	fence, fargs := q.fenced(f, "deliveries")
	n, err := q.exec(ctx, "UPDATE deliveries SET state = ?, reason_code = ?, reason = ?, message_id = ?, sent_at = ?, updated_at = ? "+
		"WHERE id = ? AND state IN ('sending', 'pending')"+fence, append([]any{state, reasonCode, reason, messageID, sentAt, now, id}, fargs...)...)
	if err == nil && n == 0 {
		err = fmt.Errorf("delivery %d is no longer open: %w", id, store.ErrConflict)
		if !f.IsUnfenced() {
			err = q.fenceRefused(ctx, f, err)
		}
	}
	return err
}

func (q queries) ReleaseDelivery(ctx context.Context, f store.Fence, id int64, reasonCode, reason string, now time.Time) error {
	fence, fargs := q.fenced(f, "deliveries")
	n, err := q.exec(ctx, "UPDATE deliveries SET state = 'pending', reason_code = ?, reason = ?, updated_at = ? WHERE id = ? AND state = 'sending'"+fence,
		append([]any{reasonCode, reason, now, id}, fargs...)...)
	if err == nil && n == 0 && !f.IsUnfenced() {
		err = q.fenceRefused(ctx, f, nil)
	}
	return err
}

func (q queries) RecentOutcomes(ctx context.Context, campaignID int64, n int) (failed, total int, err error) {
	err = q.queryRow(ctx, "SELECT COUNT(*), COALESCE(SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END), 0) FROM "+
		"(SELECT state FROM deliveries WHERE campaign_id = ? AND state IN ('sent', 'failed') ORDER BY updated_at DESC, id DESC LIMIT ?) AS recent",
		campaignID, n).Scan(&total, &failed)
	return failed, total, mapErr(q.d, err)
}

func (q queries) MarkReplied(ctx context.Context, accountID, tgUserID int64, text string, at time.Time) (store.Delivery, error) {
	var out store.Delivery
	err := q.inTx(ctx, func(q queries) error {
		d, err := scanDelivery(q.queryRow(ctx, "SELECT "+deliveryColumns+" FROM deliveries WHERE account_id = ? AND tg_user_id = ? "+
			"AND (state IN ('sent', 'sending') OR (state = 'pending' AND campaign_id IN (SELECT id FROM campaigns WHERE restored_backup_at IS NOT NULL))) "+
			// A pending delivery of a campaign paused by a restore may have
			// been sent after the backup: a reply read again from Telegram
			// belongs to it, the newest message to that person.
			"AND replied_at IS NULL "+
			// A step followed by a later one sent is not the newest
			// message the person had: a second message after replying to
			// step 2 is no reply to step 1.
			"AND NOT EXISTS (SELECT 1 FROM deliveries n WHERE n.prev_id = deliveries.id AND n.state IN ('sent', 'sending')) "+
			"ORDER BY CASE WHEN state = 'pending' THEN 1 ELSE 0 END DESC, COALESCE(sent_at, claimed_at) DESC, id DESC LIMIT 1", accountID, tgUserID))
		if err != nil {
			return mapErr(q.d, err)
		}
		if _, err := q.exec(ctx, "UPDATE deliveries SET replied_at = ?, reply_text = ?, updated_at = ? WHERE id = ?", at, text, at, d.ID); err != nil {
			return err
		}
		d.RepliedAt, d.ReplyText = Time(at), text
		out = d
		return nil
	})
	return out, err
}

func (q queries) UpdatesStateOf(ctx context.Context, accountID int64) (store.UpdatesState, bool, error) {
	var s store.UpdatesState
	err := q.queryRow(ctx, "SELECT pts, qts, date, seq FROM account_updates_state WHERE account_id = ?", accountID).
		Scan(&s.Pts, &s.Qts, &s.Date, &s.Seq)
	if errors.Is(err, sql.ErrNoRows) {
		return s, false, nil
	}
	return s, err == nil, mapErr(q.d, err)
}

func (q queries) SetUpdatesState(ctx context.Context, accountID int64, s store.UpdatesState, now time.Time) error {
	_, err := q.exec(ctx, "INSERT INTO account_updates_state (account_id, pts, qts, date, seq, updated_at) VALUES (?, ?, ?, ?, ?, ?) "+
		"ON CONFLICT (account_id) DO UPDATE SET pts = excluded.pts, qts = excluded.qts, date = excluded.date, seq = excluded.seq, "+
		"updated_at = excluded.updated_at", accountID, s.Pts, s.Qts, s.Date, s.Seq, now)
	return err
}

const suppressionColumns = "id, user_id, tg_user_id, username, reason, created_at"

func scanSuppression(r scanner) (store.Suppression, error) {
	var s store.Suppression
	err := r.Scan(&s.ID, &s.UserID, &s.TGUserID, &s.Username, &s.Reason, &s.CreatedAt)
	s.CreatedAt = s.CreatedAt.UTC()
	return s, err
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
				if _, err := q.exec(ctx, "UPDATE suppressions SET tg_user_id = ?, username = ? WHERE id = ?",
					max(existing.TGUserID, s.TGUserID), cmpOr(existing.Username, s.Username), existing.ID); err != nil {
					return err
				}
				existing.TGUserID, existing.Username = max(existing.TGUserID, s.TGUserID), cmpOr(existing.Username, s.Username)
			}
			out = existing
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return mapErr(q.d, err)
		}
		out, err = scanSuppression(q.queryRow(ctx, "INSERT INTO suppressions (user_id, tg_user_id, username, reason, created_at) "+
			"VALUES (?, ?, ?, ?, ?) RETURNING "+suppressionColumns, s.UserID, s.TGUserID, s.Username, s.Reason, s.CreatedAt))
		added = err == nil
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

// addSuppressionBatch adds the first rows of list, at most
// WriteBatchTime's worth, and says how many it took and how many
// of those were new. An entry named one way (an id or a username) is one
// row of a multi-row INSERT that skips what is listed already; one named
// both ways may complete an entry named one way, so it takes
// AddSuppression's path.
func (q queries) addSuppressionBatch(ctx context.Context, list []store.Suppression) (added, taken int, err error) {
	start := time.Now()
	var (
		b    strings.Builder
		args []any
		rows int
	)
	for _, s := range list {
		if taken > 0 && time.Since(start) > store.WriteBatchTime {
			break
		}
		taken++
		if s.TGUserID != 0 && s.Username != "" {
			_, isNew, err := q.AddSuppression(ctx, s)
			if err != nil {
				return 0, 0, err
			}
			if isNew {
				added++
			}
			continue
		}
		if rows > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?)")
		args = append(args, s.UserID, s.TGUserID, s.Username, s.Reason, s.CreatedAt)
		rows++
	}
	if rows == 0 {
		return added, taken, nil
	}
	// Not through the statement cache: the row count, and so the text,
	// varies from batch to batch.
	res, err := q.tx.ExecContext(ctx, q.rebind("INSERT INTO suppressions (user_id, tg_user_id, username, reason, created_at) VALUES "+
		b.String()+" ON CONFLICT DO NOTHING"), normalizeTimes(args)...)
	if err != nil {
		return 0, 0, fmt.Errorf("insert suppressions: %w", mapErr(q.d, err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, 0, mapErr(q.d, err)
	}
	return added + int(n), taken, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (q queries) findSuppression(ctx context.Context, userID, tgUserID int64, username string) (store.Suppression, error) {
	// CAST: PostgreSQL types a bare "? <> 0" as int4, and Telegram user
	// ids pass 2^31.
	return scanSuppression(q.queryRow(ctx, "SELECT "+suppressionColumns+" FROM suppressions WHERE user_id = ? AND "+
		"((CAST(? AS BIGINT) <> 0 AND tg_user_id = ?) OR (? <> '' AND username = ?)) ORDER BY id LIMIT 1",
		userID, tgUserID, tgUserID, username, username))
}

func (q queries) ListSuppressions(ctx context.Context, userID int64) ([]store.Suppression, error) {
	rows, err := q.query(ctx, "SELECT "+suppressionColumns+" FROM suppressions WHERE user_id = ? ORDER BY id DESC", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Suppression
	for rows.Next() {
		s, err := scanSuppression(rows)
		if err != nil {
			return nil, mapErr(q.d, err)
		}
		out = append(out, s)
	}
	return out, mapErr(q.d, rows.Err())
}

func (q queries) SuppressionsPage(ctx context.Context, userID, beforeID int64, limit int) ([]store.Suppression, error) {
	if beforeID <= 0 {
		beforeID = math.MaxInt64
	}
	var out []store.Suppression
	err := q.eachSuppression(ctx, "SELECT "+suppressionColumns+" FROM suppressions WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
		[]any{userID, beforeID, limit}, func(s store.Suppression) error {
			out = append(out, s)
			return nil
		})
	return out, err
}

func (q queries) ForEachSuppression(ctx context.Context, userID int64, fn func(store.Suppression) error) error {
	return q.eachSuppression(ctx, "SELECT "+suppressionColumns+" FROM suppressions WHERE user_id = ? ORDER BY id DESC", []any{userID}, fn)
}

func (q queries) eachSuppression(ctx context.Context, query string, args []any, fn func(store.Suppression) error) error {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		s, err := scanSuppression(rows)
		if err != nil {
			return mapErr(q.d, err)
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	return mapErr(q.d, rows.Err())
}

func (q queries) DeleteSuppression(ctx context.Context, userID, tgUserID int64, username string) error {
	var (
		n   int64
		err error
	)
	if tgUserID != 0 {
		n, err = q.exec(ctx, "DELETE FROM suppressions WHERE user_id = ? AND tg_user_id = ?", userID, tgUserID)
	} else {
		n, err = q.exec(ctx, "DELETE FROM suppressions WHERE user_id = ? AND username = ? AND username <> ''", userID, username)
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
	var n int
	err := q.queryRow(ctx, "SELECT COUNT(*) FROM suppressions WHERE user_id = ?", userID).Scan(&n)
	return n, mapErr(q.d, err)
}
