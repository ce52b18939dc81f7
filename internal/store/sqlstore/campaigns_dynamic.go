package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

// The campaign statements sqlc cannot write once for both engines, or
// whose text depends on their data; the rest are in
// queries/campaigns.sql. Each is written with "?" parameters, rebound per
// engine, and run through the store's prepared statements (stmtCache):
//   - a campaign's recipients and a batch of suppressions are inserted as
//     multi-row INSERTs (as many rows as fit in one statement; the
//     recipients' are prepared once per chunk size, at most deliveryChunk,
//     the suppressions' batch, sized by time, is not prepared);
//   - the claim, record and release of a send are fenced by the lease,
//     whose expiry is compared with the database's clock, written per
//     engine (dbNow);
//   - SetCampaignStatus reads the status it moves from and picks one of
//     three static UPDATEs (queries/campaigns.sql) by the times the new
//     status stamps: it is here for the read, not for its SQL;
//   - SearchCampaigns' LIKE ... ESCAPE, which sqlc's SQLite parser refuses.

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

// stmt is the store's prepared statement of query ("?" parameters).
func (q queries) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	return q.stmts.stmt(ctx, q.tx, q.rebind(query))
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

// collect reads every row of rows with scan: the one loop of the
// hand-written statements.
func collect[T any](d *Dialect, rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, mapErr(d, err)
		}
		out = append(out, v)
	}
	return out, mapErr(d, rows.Err())
}

func (q queries) SearchCampaigns(ctx context.Context, userID int64, text string, limit int) ([]store.Campaign, error) {
	rows, err := q.query(ctx, "SELECT "+campaignColumns+` FROM campaigns WHERE user_id = ? AND NOT preparing AND lower(name) LIKE lower(?) ESCAPE '\' `+
		"ORDER BY id DESC LIMIT ?", userID, "%"+escapeLike(text)+"%", limit)
	list, err := collect(q.d, rows, err, scanCampaign)
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
		move := gen.MoveCampaignStatusParams{Status: status, Reason: reason, Now: now, ID: id, FromStatus: c.Status}
		var n int64
		switch status {
		case store.CampaignRunning:
			n, err = q.q.StartCampaignStatus(ctx, gen.StartCampaignStatusParams(move))
		case store.CampaignCompleted, store.CampaignCancelled:
			n, err = q.q.FinishCampaignStatus(ctx, gen.FinishCampaignStatusParams(move))
		default:
			n, err = q.q.MoveCampaignStatus(ctx, move)
		}
		if err != nil {
			return mapErr(q.d, err)
		}
		if n == 0 {
			return store.ErrConflict
		}
		out, err = q.CampaignByID(ctx, userID, id)
		return err
	})
	return out, err
}
