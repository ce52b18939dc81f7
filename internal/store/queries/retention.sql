-- Retention (issue 22): each prune deletes at most max_rows rows older
-- than before, so a pass holds SQLite's writer for one small batch at a
-- time. The outer WHERE repeats the age test: on PostgreSQL a row changed
-- since the subquery read it (a new message, a campaign resumed) is
-- checked again and kept.

-- name: PruneFinishedCampaignDeliveries :execrows
DELETE FROM deliveries WHERE id IN (
    SELECT d.id FROM deliveries d JOIN campaigns c ON c.id = d.campaign_id
    WHERE c.status IN ('completed', 'cancelled') AND c.finished_at < sqlc.arg(before)
    LIMIT CAST(sqlc.arg(max_rows) AS BIGINT)
) AND campaign_id IN (SELECT c2.id FROM campaigns c2 WHERE c2.status IN ('completed', 'cancelled') AND c2.finished_at < sqlc.arg(before));

-- name: PruneFinishedCampaigns :execrows
DELETE FROM campaigns WHERE id IN (
    SELECT c.id FROM campaigns c
    WHERE c.status IN ('completed', 'cancelled') AND c.finished_at < sqlc.arg(before)
      AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = c.id)
    LIMIT CAST(sqlc.arg(max_rows) AS BIGINT)
) AND status IN ('completed', 'cancelled') AND finished_at < sqlc.arg(before);

-- name: PruneListMembers :execrows
DELETE FROM members WHERE id IN (
    SELECT m.id FROM members m JOIN member_lists l ON l.id = m.list_id
    WHERE l.updated_at < sqlc.arg(before)
      AND NOT EXISTS (SELECT 1 FROM extractions e WHERE e.list_id = l.id AND e.status IN ('queued', 'running', 'waiting'))
    LIMIT CAST(sqlc.arg(max_rows) AS BIGINT)
) AND list_id IN (SELECT l2.id FROM member_lists l2 WHERE l2.updated_at < sqlc.arg(before));

-- name: PruneMemberLists :execrows
DELETE FROM member_lists WHERE id IN (
    SELECT l.id FROM member_lists l
    WHERE l.updated_at < sqlc.arg(before)
      AND NOT EXISTS (SELECT 1 FROM members m WHERE m.list_id = l.id)
      AND NOT EXISTS (SELECT 1 FROM extractions e WHERE e.list_id = l.id AND e.status IN ('queued', 'running', 'waiting'))
    LIMIT CAST(sqlc.arg(max_rows) AS BIGINT)
) AND updated_at < sqlc.arg(before);

-- name: PruneInboxMessages :execrows
DELETE FROM inbox_messages WHERE id IN (
    SELECT m.id FROM inbox_messages m
    WHERE m.sent_at < sqlc.arg(before) AND m.state NOT IN ('pending', 'sending')
    LIMIT CAST(sqlc.arg(max_rows) AS BIGINT)
) AND state NOT IN ('pending', 'sending');

-- name: PruneConversations :execrows
DELETE FROM conversations WHERE id IN (
    SELECT c.id FROM conversations c
    WHERE c.last_message_at < sqlc.arg(before)
      AND NOT EXISTS (SELECT 1 FROM inbox_messages m WHERE m.conversation_id = c.id)
    LIMIT CAST(sqlc.arg(max_rows) AS BIGINT)
) AND last_message_at < sqlc.arg(before);

-- name: PruneAccountActivity :execrows
DELETE FROM account_activity WHERE id IN (
    SELECT a.id FROM account_activity a WHERE a.created_at < sqlc.arg(before)
    LIMIT CAST(sqlc.arg(max_rows) AS BIGINT)
);

-- name: PruneWebhookDeliveries :execrows
DELETE FROM webhook_deliveries WHERE id IN (
    SELECT w.id FROM webhook_deliveries w WHERE w.state <> 'pending' AND w.finished_at < sqlc.arg(before)
    LIMIT CAST(sqlc.arg(max_rows) AS BIGINT)
) AND state <> 'pending';
