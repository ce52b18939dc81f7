-- The first start on a database restored from a backup (see sqlstore/restores.go).

-- name: MarkBackup :exec
INSERT INTO backup_marks (id, taken_at) VALUES (1, sqlc.arg(taken_at))
ON CONFLICT (id) DO UPDATE SET taken_at = excluded.taken_at, handled_at = NULL;

-- name: BackupTakenAt :one
SELECT taken_at FROM backup_marks WHERE id = 1;

-- name: UnhandledBackupTakenAt :one
SELECT taken_at FROM backup_marks WHERE id = 1 AND handled_at IS NULL;

-- name: CampaignsToPauseOnRestore :many
SELECT id FROM campaigns
WHERE status = 'running' OR (status = 'scheduled' AND start_at <= sqlc.arg(now))
ORDER BY id;

-- name: PauseRestoredCampaign :exec
UPDATE campaigns SET status = 'paused', pause_reason = sqlc.arg(reason), restored_backup_at = sqlc.arg(backup_at),
    restored_at = sqlc.arg(now), updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id);

-- name: HandleBackupMark :exec
UPDATE backup_marks SET handled_at = sqlc.arg(now) WHERE id = 1;

-- name: RestoredCampaign :one
SELECT restored_backup_at, restored_at FROM campaigns WHERE id = sqlc.arg(id);

-- name: ReclaimSendingDeliveries :execrows
UPDATE deliveries SET claimed_at = sqlc.arg(claimed_at), updated_at = sqlc.arg(now)
WHERE campaign_id = sqlc.arg(campaign_id) AND state = 'sending';

-- name: FirstPendingDeliveries :many
SELECT * FROM deliveries
WHERE campaign_id = sqlc.arg(campaign_id) AND account_id = sqlc.arg(account_id) AND state = 'pending'
ORDER BY id LIMIT CAST(sqlc.arg(max_rows) AS BIGINT);

-- name: SkipRestoredDelivery :exec
UPDATE deliveries SET state = 'skipped', reason_code = sqlc.arg(reason_code), reason = sqlc.arg(reason), updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id);

-- name: ClaimRestoredDelivery :exec
UPDATE deliveries SET state = 'sending', claimed_at = sqlc.arg(claimed_at), updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id);

-- name: ClearCampaignRestored :exec
UPDATE campaigns SET restored_backup_at = NULL, restored_at = NULL WHERE id = sqlc.arg(id);
