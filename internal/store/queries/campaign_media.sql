-- name: SetCampaignMedia :exec
INSERT INTO campaign_media (campaign_id, step, file_id) VALUES (sqlc.arg(campaign_id), sqlc.arg(step), sqlc.arg(file_id))
ON CONFLICT (campaign_id, step) DO UPDATE SET file_id = excluded.file_id;

-- name: CampaignMedia :many
SELECT step, file_id FROM campaign_media WHERE campaign_id = sqlc.arg(campaign_id) ORDER BY step;
