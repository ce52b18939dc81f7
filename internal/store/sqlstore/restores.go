package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/telegramate/telegramate/internal/store"
)

func (q queries) MarkBackup(ctx context.Context, takenAt time.Time) error {
	_, err := q.exec(ctx, "INSERT INTO backup_marks (id, taken_at) VALUES (1, ?) "+
		"ON CONFLICT (id) DO UPDATE SET taken_at = excluded.taken_at, handled_at = NULL", takenAt)
	return err
}

func (q queries) BackupTakenAt(ctx context.Context) (time.Time, error) {
	var taken time.Time
	err := q.queryRow(ctx, "SELECT taken_at FROM backup_marks WHERE id = 1").Scan(&taken)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	return Time(taken), mapErr(q.d, err)
}

func (q queries) HandleRestore(ctx context.Context, reason func(backupAt time.Time) string, now time.Time) (store.Restore, error) {
	var out store.Restore
	err := q.inTx(ctx, func(q queries) error {
		var taken time.Time
		err := q.queryRow(ctx, "SELECT taken_at FROM backup_marks WHERE id = 1 AND handled_at IS NULL").Scan(&taken)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return mapErr(q.d, err)
		}
		rows, err := q.query(ctx, "SELECT id FROM campaigns WHERE status = 'running' OR (status = 'scheduled' AND start_at <= ?) ORDER BY id", now)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := q.exec(ctx, "UPDATE campaigns SET status = 'paused', pause_reason = ?, restored_backup_at = ?, restored_at = ?, updated_at = ? WHERE id = ?",
				reason(Time(taken)), taken, now, now, id); err != nil {
				return fmt.Errorf("pause campaign %d: %w", id, err)
			}
		}
		if _, err := q.exec(ctx, "UPDATE backup_marks SET handled_at = ? WHERE id = 1", now); err != nil {
			return err
		}
		out = store.Restore{BackupAt: Time(taken), RestoredAt: Time(now), Paused: ids}
		return nil
	})
	return out, err
}

func (q queries) RestoredCampaign(ctx context.Context, campaignID int64) (store.Restore, error) {
	var backup, restored sql.NullTime
	err := q.queryRow(ctx, "SELECT restored_backup_at, restored_at FROM campaigns WHERE id = ?", campaignID).Scan(&backup, &restored)
	if err != nil {
		return store.Restore{}, mapErr(q.d, err)
	}
	return store.Restore{BackupAt: fromNullTime(backup), RestoredAt: fromNullTime(restored)}, nil
}

func (q queries) RecheckRestored(ctx context.Context, campaignID int64, perAccount int, claimedAt time.Time, reasonCode, reason string, now time.Time) (checked, skipped int, err error) {
	err = q.inTx(ctx, func(q queries) error {
		n, err := q.exec(ctx, "UPDATE deliveries SET claimed_at = ?, updated_at = ? WHERE campaign_id = ? AND state = 'sending'",
			claimedAt, now, campaignID)
		if err != nil {
			return err
		}
		checked = int(n)
		rows, err := q.query(ctx, "SELECT account_id FROM campaign_senders WHERE campaign_id = ? ORDER BY account_id", campaignID)
		if err != nil {
			return err
		}
		var accounts []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			accounts = append(accounts, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, a := range accounts {
			// The claim order: the first pending ones are those the old
			// node may have sent after the backup.
			list, err := q.deliveries(ctx, "SELECT "+deliveryColumns+" FROM deliveries WHERE campaign_id = ? AND account_id = ? AND state = 'pending' "+
				"ORDER BY id LIMIT ?", campaignID, a, perAccount)
			if err != nil {
				return err
			}
			for _, d := range list {
				if d.AccessHash == 0 {
					if _, err := q.exec(ctx, "UPDATE deliveries SET state = 'skipped', reason_code = ?, reason = ?, updated_at = ? WHERE id = ?",
						reasonCode, reason, now, d.ID); err != nil {
						return err
					}
					skipped++
					continue
				}
				if _, err := q.exec(ctx, "UPDATE deliveries SET state = 'sending', claimed_at = ?, updated_at = ? WHERE id = ?",
					claimedAt, now, d.ID); err != nil {
					return err
				}
				checked++
			}
		}
		_, err = q.exec(ctx, "UPDATE campaigns SET restored_backup_at = NULL, restored_at = NULL WHERE id = ?", campaignID)
		return err
	})
	return checked, skipped, err
}
