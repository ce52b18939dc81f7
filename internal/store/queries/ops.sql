-- Counts an operator's metrics read (see sqlstore/ops.go).

-- name: CountAccountsByStatus :many
SELECT status, COUNT(*) AS n FROM telegram_accounts GROUP BY status;

-- name: CountCampaignsByStatus :many
SELECT status, COUNT(*) AS n FROM campaigns GROUP BY status;

-- name: CountWebhookDeliveriesByState :many
SELECT state AS status, COUNT(*) AS n FROM webhook_deliveries GROUP BY state;

-- name: CountAutoPausedCampaigns :one
SELECT COUNT(*) FROM campaigns WHERE status = 'paused' AND pause_reason <> sqlc.arg(paused_by_hand);

-- name: CountAutoDisabledEndpoints :one
SELECT COUNT(*) FROM webhook_endpoints WHERE auto_disabled_at IS NOT NULL AND disabled_at IS NULL;
