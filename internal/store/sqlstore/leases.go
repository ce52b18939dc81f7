package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/telegramate/telegramate/internal/store"
)

// Leases and node heartbeats are the one place where SQL reads the clock:
// whether a lease has expired is decided by the database's clock, never a
// node's, so two nodes whose clocks disagree cannot both think they hold
// an account. On SQLite the times are text in River's own format
// (datetime('now', 'subsec')), so they compare as text.

// dbNow is the database's clock as an SQL expression.
func (q queries) dbNow() string {
	if q.d.Name == "postgres" {
		return "clock_timestamp()"
	}
	return "strftime('%Y-%m-%d %H:%M:%f', 'now')"
}

// dbNowPlus is the database's clock plus one "?" parameter of
// milliseconds (negative for the past).
func (q queries) dbNowPlus() string {
	if q.d.Name == "postgres" {
		return "(clock_timestamp() + CAST(? AS BIGINT) * INTERVAL '1 millisecond')"
	}
	return "strftime('%Y-%m-%d %H:%M:%f', 'now', printf('%+.3f seconds', CAST(? AS INTEGER) / 1000.0))"
}

// msLeft is how many milliseconds column is ahead of the database's clock.
func (q queries) msLeft(column string) string {
	if q.d.Name == "postgres" {
		return "CAST(EXTRACT(EPOCH FROM (" + column + " - clock_timestamp())) * 1000 AS BIGINT)"
	}
	return "CAST(ROUND((julianday(" + column + ") - julianday('now')) * 86400000) AS INTEGER)"
}

// fenceCond is the condition, on a table with an account_id column, that
// the writer's lease (three "?": account, holder, token) is still the
// account's; a row of another account never passes.
func (q queries) fenceCond(table string) string {
	return "EXISTS (SELECT 1 FROM account_leases fence WHERE fence.account_id = " + table + ".account_id " +
		"AND fence.account_id = ? AND fence.holder = ? AND fence.token = ? AND fence.expires_at > " + q.dbNow() + ")"
}

// fenced adds f (unless Unfenced) to a write on table: the condition to
// append to its WHERE and its arguments.
func (q queries) fenced(f store.Fence, table string) (cond string, args []any) {
	if f.IsUnfenced() {
		return "", nil
	}
	return " AND " + q.fenceCond(table), []any{f.AccountID, f.Holder, f.Token}
}

// fenceRefused explains a fenced write that changed nothing: ErrFenced
// when the lease is no longer current, other otherwise.
func (q queries) fenceRefused(ctx context.Context, f store.Fence, other error) error {
	if err := q.CheckFence(ctx, f); err != nil {
		return err
	}
	return other
}

func (q queries) leaseColumns() string {
	return "account_id, holder, token, expires_at, " + q.msLeft("expires_at") + ", wanted_at IS NOT NULL"
}

func scanLease(r scanner) (store.Lease, error) {
	var (
		l    store.Lease
		left int64
	)
	if err := r.Scan(&l.AccountID, &l.Holder, &l.Token, &l.ExpiresAt, &left, &l.Wanted); err != nil {
		return l, err
	}
	l.ExpiresAt, l.Left = l.ExpiresAt.UTC(), time.Duration(left)*time.Millisecond
	return l, nil
}

func (q queries) AcquireLease(ctx context.Context, accountID int64, holder string, ttl time.Duration) (store.Lease, bool, error) {
	if holder == "" || ttl <= 0 {
		return store.Lease{}, false, errors.New("acquire lease: a holder and a positive TTL are required")
	}
	l, err := scanLease(q.queryRow(ctx, "INSERT INTO account_leases (account_id, holder, token, expires_at) VALUES (?, ?, 1, "+q.dbNowPlus()+") "+
		"ON CONFLICT (account_id) DO UPDATE SET holder = excluded.holder, token = account_leases.token + 1, expires_at = excluded.expires_at, wanted_at = NULL "+
		"WHERE account_leases.expires_at <= "+q.dbNow()+" OR account_leases.holder = excluded.holder "+
		"RETURNING "+q.leaseColumns(), accountID, holder, ttl.Milliseconds()))
	if err == nil {
		return l, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return store.Lease{}, false, fmt.Errorf("acquire lease of account %d: %w", accountID, mapErr(q.d, err))
	}
	cur, err := q.LeaseOf(ctx, accountID)
	if err != nil {
		return store.Lease{}, false, fmt.Errorf("acquire lease of account %d: %w", accountID, err)
	}
	return cur, false, nil
}

func (q queries) RenewLease(ctx context.Context, f store.Fence, ttl time.Duration) (store.Lease, error) {
	l, err := scanLease(q.queryRow(ctx, "UPDATE account_leases SET expires_at = "+q.dbNowPlus()+
		" WHERE account_id = ? AND holder = ? AND token = ? AND expires_at > "+q.dbNow()+" RETURNING "+q.leaseColumns(),
		ttl.Milliseconds(), f.AccountID, f.Holder, f.Token))
	if errors.Is(err, sql.ErrNoRows) {
		return l, fmt.Errorf("renew lease of account %d (token %d): %w", f.AccountID, f.Token, store.ErrFenced)
	}
	return l, mapErr(q.d, err)
}

func (q queries) RenewLeases(ctx context.Context, holder string, ttl time.Duration) ([]store.Lease, error) {
	rows, err := q.query(ctx, "UPDATE account_leases SET expires_at = "+q.dbNowPlus()+
		" WHERE holder = ? AND expires_at > "+q.dbNow()+" RETURNING "+q.leaseColumns(), ttl.Milliseconds(), holder)
	if err != nil {
		return nil, fmt.Errorf("renew leases of %s: %w", holder, err)
	}
	defer rows.Close()
	var out []store.Lease
	for rows.Next() {
		l, err := scanLease(rows)
		if err != nil {
			return nil, mapErr(q.d, err)
		}
		out = append(out, l)
	}
	return out, mapErr(q.d, rows.Err())
}

func (q queries) ReleaseLease(ctx context.Context, f store.Fence) error {
	_, err := q.exec(ctx, "UPDATE account_leases SET expires_at = "+q.dbNow()+
		" WHERE account_id = ? AND holder = ? AND token = ? AND expires_at > "+q.dbNow(), f.AccountID, f.Holder, f.Token)
	return err
}

func (q queries) WantLease(ctx context.Context, accountID int64, by string) error {
	if q.d.Name == "postgres" {
		// The holder hears of it at once (store.LeaseWantedPayload on
		// the relay's channel) instead of at its next renewal.
		_, err := q.exec(ctx, "WITH w AS (UPDATE account_leases SET wanted_at = "+q.dbNow()+
			" WHERE account_id = ? AND holder <> ? AND expires_at > "+q.dbNow()+" RETURNING holder)"+
			" SELECT pg_notify(?, 'want ' || holder) FROM w", accountID, by, store.AccountCallsChannel)
		if err != nil {
			return fmt.Errorf("ask for the lease of account %d: %w", accountID, err)
		}
		return nil
	}
	_, err := q.exec(ctx, "UPDATE account_leases SET wanted_at = "+q.dbNow()+
		" WHERE account_id = ? AND holder <> ? AND expires_at > "+q.dbNow(), accountID, by)
	if err != nil {
		return fmt.Errorf("ask for the lease of account %d: %w", accountID, err)
	}
	return nil
}

func (q queries) LeaseOf(ctx context.Context, accountID int64) (store.Lease, error) {
	l, err := scanLease(q.queryRow(ctx, "SELECT "+q.leaseColumns()+" FROM account_leases WHERE account_id = ?", accountID))
	return l, mapErr(q.d, err)
}

func (q queries) CheckFence(ctx context.Context, f store.Fence) error {
	var n int
	err := q.queryRow(ctx, "SELECT COUNT(*) FROM account_leases WHERE account_id = ? AND holder = ? AND token = ? AND expires_at > "+q.dbNow(),
		f.AccountID, f.Holder, f.Token).Scan(&n)
	if err != nil {
		return mapErr(q.d, err)
	}
	if n == 0 {
		return fmt.Errorf("account %d, token %d of %s: %w", f.AccountID, f.Token, f.Holder, store.ErrFenced)
	}
	return nil
}

// holdFence, inside a transaction, checks f is current and keeps it so
// until the transaction ends: on PostgreSQL the lease row is locked for
// share, so no takeover commits in between; SQLite writes one transaction
// at a time anyway.
func (q queries) holdFence(ctx context.Context, f store.Fence) error {
	lock := ""
	if q.d.Name == "postgres" {
		lock = " FOR SHARE"
	}
	var one int
	err := q.queryRow(ctx, "SELECT 1 FROM account_leases WHERE account_id = ? AND holder = ? AND token = ? AND expires_at > "+q.dbNow()+lock,
		f.AccountID, f.Holder, f.Token).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("account %d, token %d of %s: %w", f.AccountID, f.Token, f.Holder, store.ErrFenced)
	}
	return mapErr(q.d, err)
}

func (q queries) NodeStarted(ctx context.Context, id string) error {
	_, err := q.exec(ctx, "INSERT INTO nodes (id, started_at, seen_at) VALUES (?, "+q.dbNow()+", "+q.dbNow()+") "+
		"ON CONFLICT (id) DO UPDATE SET started_at = excluded.started_at, seen_at = excluded.seen_at", id)
	return err
}

func (q queries) NodeSeen(ctx context.Context, id string) error {
	// An upsert: a node forgotten while it could not reach the database
	// comes back with its next heartbeat.
	_, err := q.exec(ctx, "INSERT INTO nodes (id, started_at, seen_at) VALUES (?, "+q.dbNow()+", "+q.dbNow()+") "+
		"ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at", id)
	return err
}

func (q queries) ListNodes(ctx context.Context, since time.Duration) ([]store.Node, error) {
	rows, err := q.query(ctx, "SELECT id, started_at, seen_at FROM nodes WHERE seen_at > "+q.dbNowPlus()+
		" ORDER BY started_at DESC, id", -since.Milliseconds())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Node
	for rows.Next() {
		var n store.Node
		if err := rows.Scan(&n.ID, &n.StartedAt, &n.SeenAt); err != nil {
			return nil, mapErr(q.d, err)
		}
		n.StartedAt, n.SeenAt = n.StartedAt.UTC(), n.SeenAt.UTC()
		out = append(out, n)
	}
	return out, mapErr(q.d, rows.Err())
}

func (q queries) ReleaseLeasesOf(ctx context.Context, holder string) (int64, error) {
	return q.exec(ctx, "UPDATE account_leases SET expires_at = "+q.dbNow()+" WHERE holder = ? AND expires_at > "+q.dbNow(), holder)
}

func (q queries) ReleaseLeasesExcept(ctx context.Context, holder string) (int64, error) {
	return q.exec(ctx, "UPDATE account_leases SET expires_at = "+q.dbNow()+" WHERE holder <> ? AND expires_at > "+q.dbNow(), holder)
}

func (q queries) ForgetNodes(ctx context.Context, age time.Duration) (int64, error) {
	return q.exec(ctx, "DELETE FROM nodes WHERE seen_at < "+q.dbNowPlus(), -age.Milliseconds())
}

// lastAttemptedBy is the River client (our node id) that last took a job.
func (q queries) lastAttemptedBy() string {
	if q.d.Name == "postgres" {
		return "river_job.attempted_by[array_length(river_job.attempted_by, 1)]"
	}
	return "json_extract(river_job.attempted_by, '$[#-1]')"
}

// riverNow is the scheduled_at River itself would write for now.
func (q queries) riverNow() string {
	if q.d.Name == "postgres" {
		return "now()"
	}
	return "datetime('now', 'subsec')"
}

// RescueJobs writes River's table directly: River (OSS) knows nothing of
// its clients' liveness, and its own RescueStuckJobsAfter would also take
// a healthy node's long runs (a sending job holds its account for
// minutes), so it is kept long; the nodes' heartbeats say which jobs
// really lost their node. The state goes back to available, as River's
// rescuer does for a retry, and the job keeps its attempts and errors.
func (q queries) RescueJobs(ctx context.Context, self string, deadAfter time.Duration) ([]int64, error) {
	by := q.lastAttemptedBy()
	cond := by + " <> ?"
	args := []any{self}
	if deadAfter > 0 {
		cond += " AND NOT EXISTS (SELECT 1 FROM nodes n WHERE n.id = " + by + " AND n.seen_at > " + q.dbNowPlus() + ")"
		args = append(args, -deadAfter.Milliseconds())
	}
	return q.rescue(ctx, cond, args...)
}

func (q queries) RescueOwnJobs(ctx context.Context, self string) ([]int64, error) {
	return q.rescue(ctx, q.lastAttemptedBy()+" = ?", self)
}

func (q queries) rescue(ctx context.Context, cond string, args ...any) ([]int64, error) {
	// Not prepared through the statement cache: it runs every few seconds,
	// not per message, and River's table is River's.
	update := "UPDATE river_job SET state = 'available', scheduled_at = " + q.riverNow() +
		" WHERE state = 'running' AND attempt < max_attempts AND attempted_by IS NOT NULL AND " + cond
	query := update + " RETURNING id"
	if q.d.Name == "postgres" {
		// Tell River's producers, as its own inserts do (LISTEN on
		// "<schema>.river_insert"): they would otherwise find the jobs
		// only at their next poll, seconds later.
		query = "WITH r AS (" + update + " RETURNING id, queue), n AS (SELECT pg_notify(current_schema() || '.river_insert', " +
			"json_build_object('queue', queue)::text) FROM (SELECT DISTINCT queue FROM r) q) " +
			"SELECT id FROM r WHERE (SELECT count(*) FROM n) >= 0"
	}
	rows, err := q.conn().QueryContext(ctx, q.rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("rescue jobs: %w", mapErr(q.d, err))
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, mapErr(q.d, err)
		}
		ids = append(ids, id)
	}
	return ids, mapErr(q.d, rows.Err())
}
