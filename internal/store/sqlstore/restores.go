package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

// Restores run sqlc's queries (queries/restores.sql).

func (q queries) MarkBackup(ctx context.Context, takenAt time.Time) error {
	return mapErr(q.d, q.q.MarkBackup(ctx, takenAt))
}

func (q queries) BackupTakenAt(ctx context.Context) (time.Time, error) {
	taken, err := q.q.BackupTakenAt(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	return Time(taken), mapErr(q.d, err)
}

func (q queries) HandleRestore(ctx context.Context, reason func(backupAt time.Time) string, now time.Time) (store.Restore, error) {
	var out store.Restore
	err := q.inTx(ctx, func(q queries) error {
		taken, err := q.q.UnhandledBackupTakenAt(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return mapErr(q.d, err)
		}
		ids, err := q.q.CampaignsToPauseOnRestore(ctx, nullTime(now))
		if err != nil {
			return mapErr(q.d, err)
		}
		for _, id := range ids {
			if err := q.q.PauseRestoredCampaign(ctx, gen.PauseRestoredCampaignParams{
				Reason: reason(Time(taken)), BackupAt: nullTime(taken), Now: nullTime(now), ID: id,
			}); err != nil {
				return fmt.Errorf("pause campaign %d: %w", id, mapErr(q.d, err))
			}
		}
		if err := q.q.HandleBackupMark(ctx, nullTime(now)); err != nil {
			return mapErr(q.d, err)
		}
		out = store.Restore{BackupAt: Time(taken), RestoredAt: Time(now), Paused: ids}
		return nil
	})
	return out, err
}

func (q queries) RestoredCampaign(ctx context.Context, campaignID int64) (store.Restore, error) {
	r, err := q.q.RestoredCampaign(ctx, campaignID)
	if err != nil {
		return store.Restore{}, mapErr(q.d, err)
	}
	return store.Restore{BackupAt: fromNullTime(r.RestoredBackupAt), RestoredAt: fromNullTime(r.RestoredAt)}, nil
}

func (q queries) RecheckRestored(ctx context.Context, campaignID int64, perAccount int, claimedAt time.Time, reasonCode, reason string, now time.Time) (checked, skipped int, err error) {
	err = q.inTx(ctx, func(q queries) error {
		n, err := q.q.ReclaimSendingDeliveries(ctx, gen.ReclaimSendingDeliveriesParams{ClaimedAt: nullTime(claimedAt), Now: now, CampaignID: campaignID})
		if err != nil {
			return mapErr(q.d, err)
		}
		checked = int(n)
		accounts, err := q.q.CampaignSenderIDs(ctx, campaignID)
		if err != nil {
			return mapErr(q.d, err)
		}
		for _, a := range accounts {
			// The claim order: the first pending ones are those the old
			// node may have sent after the backup.
			list, err := q.q.FirstPendingDeliveries(ctx, gen.FirstPendingDeliveriesParams{CampaignID: campaignID, AccountID: a, MaxRows: int64(perAccount)})
			if err != nil {
				return mapErr(q.d, err)
			}
			for _, d := range list {
				if d.AccessHash == 0 {
					if err := q.q.SkipRestoredDelivery(ctx, gen.SkipRestoredDeliveryParams{ReasonCode: reasonCode, Reason: reason, Now: now, ID: d.ID}); err != nil {
						return mapErr(q.d, err)
					}
					skipped++
					continue
				}
				if err := q.q.ClaimRestoredDelivery(ctx, gen.ClaimRestoredDeliveryParams{ClaimedAt: nullTime(claimedAt), Now: now, ID: d.ID}); err != nil {
					return mapErr(q.d, err)
				}
				checked++
			}
		}
		return mapErr(q.d, q.q.ClearCampaignRestored(ctx, campaignID))
	})
	return checked, skipped, err
}
