-- Campaigns, their deliveries, the accounts' pace and updates state, and
-- the suppression list. The statements whose text depends on the engine
-- or on their data are in sqlstore/campaigns_dynamic.go.

-- name: InsertCampaign :one
INSERT INTO campaigns (user_id, name, message, opt_out_footer, link_preview, status, audience,
    min_interval_seconds, daily_cap, window_from, window_to, time_zone, rate_per_hour, failure_percent,
    recipients, start_at, created_at, updated_at, preparing, steps)
VALUES (sqlc.arg(user_id), sqlc.arg(name), sqlc.arg(message), sqlc.arg(opt_out_footer), sqlc.arg(link_preview),
    sqlc.arg(status), sqlc.arg(audience), sqlc.arg(min_interval_seconds), sqlc.arg(daily_cap), sqlc.arg(window_from),
    sqlc.arg(window_to), sqlc.arg(time_zone), sqlc.arg(rate_per_hour), sqlc.arg(failure_percent),
    sqlc.arg(recipients), sqlc.narg(start_at), sqlc.arg(created_at), sqlc.arg(created_at), sqlc.arg(preparing), sqlc.arg(steps))
RETURNING *;

-- name: AddCampaignSender :exec
INSERT INTO campaign_senders (campaign_id, account_id) VALUES (sqlc.arg(campaign_id), sqlc.arg(account_id));

-- name: CampaignSenderIDs :many
SELECT account_id FROM campaign_senders WHERE campaign_id = sqlc.arg(campaign_id) ORDER BY account_id;

-- name: EndCampaignPreparing :execrows
UPDATE campaigns SET preparing = FALSE WHERE id = sqlc.arg(id) AND status <> 'cancelled';

-- name: CancelPrunedCampaign :exec
UPDATE campaigns SET status = 'cancelled', pause_reason = sqlc.arg(reason) WHERE id = sqlc.arg(id);

-- name: CampaignOfUser :one
SELECT * FROM campaigns WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id) AND NOT preparing;

-- name: CampaignToWork :one
SELECT * FROM campaigns WHERE id = sqlc.arg(id) AND NOT preparing;

-- name: CampaignsOfUser :many
SELECT * FROM campaigns WHERE user_id = sqlc.arg(user_id) AND NOT preparing ORDER BY id DESC;

-- name: CampaignsOfUserBefore :many
SELECT * FROM campaigns WHERE user_id = sqlc.arg(user_id) AND id < sqlc.arg(before_id) AND NOT preparing
ORDER BY id DESC LIMIT CAST(sqlc.arg(max_rows) AS BIGINT);

-- name: CountUserCampaigns :one
SELECT COUNT(*) FROM campaigns WHERE user_id = sqlc.arg(user_id) AND NOT preparing;

-- name: UserUsage :one
-- From the campaigns' and lists' own counts, read through their user
-- indexes: counting the rows would read every delivery.
SELECT
  (SELECT COUNT(*) FROM campaigns c WHERE c.user_id = sqlc.arg(user_id) AND c.status = 'draft') AS drafts,
  CAST((SELECT COALESCE(SUM(c.recipients), 0) FROM campaigns c WHERE c.user_id = sqlc.arg(user_id)) AS BIGINT) AS deliveries,
  CAST((SELECT COALESCE(SUM(l.member_count), 0) FROM member_lists l WHERE l.user_id = sqlc.arg(user_id)) AS BIGINT) AS members;

-- name: PruneDrafts :execrows
UPDATE campaigns SET status = 'cancelled', pause_reason = sqlc.arg(reason), updated_at = sqlc.arg(now), finished_at = sqlc.arg(now)
WHERE (status = 'draft' AND created_at < sqlc.arg(before))
   OR (preparing AND status <> 'cancelled' AND created_at < sqlc.arg(preparing_before));

-- name: DeletePrunedDeliveries :execrows
DELETE FROM deliveries WHERE id IN (SELECT d.id FROM deliveries d WHERE d.campaign_id IN
  (SELECT c.id FROM campaigns c WHERE c.status = 'cancelled' AND c.pause_reason = sqlc.arg(reason))
  LIMIT CAST(sqlc.arg(max_rows) AS BIGINT));

-- name: DeletePrunedCampaigns :execrows
DELETE FROM campaigns WHERE id IN (SELECT c.id FROM campaigns c WHERE c.status = 'cancelled' AND c.pause_reason = sqlc.arg(reason)
  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = c.id) LIMIT CAST(sqlc.arg(max_rows) AS BIGINT));

-- name: CompleteCampaignWhenDone :execrows
UPDATE campaigns SET status = 'completed', finished_at = sqlc.arg(now), updated_at = sqlc.arg(now)
WHERE campaigns.id = sqlc.arg(id) AND campaigns.status = 'running' AND NOT EXISTS (SELECT 1 FROM deliveries
  WHERE deliveries.campaign_id = campaigns.id AND deliveries.state IN ('pending', 'sending'));

-- name: ScheduledCampaignsDue :many
SELECT * FROM campaigns WHERE status = 'scheduled' AND start_at <= sqlc.arg(now) ORDER BY id;

-- name: SkipPendingDeliveries :execrows
UPDATE deliveries SET state = 'skipped', reason_code = sqlc.arg(reason_code), reason = sqlc.arg(reason), updated_at = sqlc.arg(now)
WHERE campaign_id = sqlc.arg(campaign_id) AND state = 'pending';

-- name: CampaignStateCounts :many
SELECT state, COUNT(*) AS n, COUNT(replied_at) AS replied FROM deliveries
WHERE campaign_id = sqlc.arg(campaign_id) GROUP BY state;

-- name: CampaignAccountStateCounts :many
SELECT account_id, state, COUNT(*) AS n, COUNT(replied_at) AS replied FROM deliveries
WHERE campaign_id = sqlc.arg(campaign_id) GROUP BY account_id, state ORDER BY account_id;

-- name: CampaignPendingShares :many
SELECT account_id, COUNT(*) AS pending, CAST(SUM(CASE WHEN access_hash = 0 THEN 1 ELSE 0 END) AS BIGINT) AS lookups
FROM deliveries WHERE campaign_id = sqlc.arg(campaign_id) AND state = 'pending'
GROUP BY account_id ORDER BY account_id;

-- name: CampaignReasonCounts :many
SELECT state, reason_code, CAST(MIN(reason) AS TEXT) AS reason, COUNT(*) AS n FROM deliveries
WHERE campaign_id = sqlc.arg(campaign_id) AND state IN ('failed', 'skipped')
GROUP BY state, reason_code ORDER BY COUNT(*) DESC, reason_code;

-- name: CampaignSends :many
-- Bucketing times is where the engines disagree most; the rows are few
-- enough (one campaign's sends) to bucket in Go.
SELECT sent_at, replied_at, step FROM deliveries WHERE campaign_id = sqlc.arg(campaign_id) AND sent_at IS NOT NULL;

-- name: DeliveriesAfter :many
SELECT * FROM deliveries WHERE campaign_id = sqlc.arg(campaign_id) AND id > sqlc.arg(after_id)
ORDER BY id LIMIT CAST(sqlc.arg(max_rows) AS BIGINT);

-- name: FirstDeliveryNotSkipped :one
SELECT * FROM deliveries WHERE campaign_id = sqlc.arg(campaign_id) AND id > sqlc.arg(after_id)
  AND state <> 'skipped' ORDER BY id LIMIT 1;

-- name: RepliedDeliveries :many
SELECT * FROM deliveries WHERE campaign_id = sqlc.arg(campaign_id) AND replied_at IS NOT NULL
ORDER BY replied_at DESC, id DESC LIMIT CAST(sqlc.arg(max_rows) AS BIGINT);

-- name: SendersWithWork :many
SELECT DISTINCT c.user_id, s.account_id FROM campaign_senders s JOIN campaigns c ON c.id = s.campaign_id
WHERE (c.status = 'running' AND EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = c.id AND d.account_id = s.account_id
    AND d.state IN ('pending', 'sending')))
  OR EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = c.id AND d.account_id = s.account_id AND d.state = 'sent'
    AND d.sent_at >= sqlc.arg(replies_since))
ORDER BY s.account_id;

-- name: RunningCampaignsOfAccount :many
SELECT c.* FROM campaigns c JOIN campaign_senders s ON s.campaign_id = c.id
WHERE s.account_id = sqlc.arg(account_id) AND c.status = 'running' ORDER BY c.started_at, c.id;

-- name: LockAccountPace :one
-- The account's pace, its row made if missing and locked to the end of
-- the transaction (on PostgreSQL a conflicting upsert locks the row as
-- SELECT ... FOR UPDATE would; SQLite's writer is alone anyway): one
-- round trip where a separate insert and select took two.
INSERT INTO account_pace (account_id, updated_at) VALUES (sqlc.arg(account_id), sqlc.arg(now))
ON CONFLICT (account_id) DO UPDATE SET updated_at = account_pace.updated_at
RETURNING last_send_at, next_send_at, day, day_count;

-- name: PaceOfAccount :one
SELECT last_send_at, next_send_at, day, day_count FROM account_pace WHERE account_id = sqlc.arg(account_id);

-- name: SaveAccountPace :exec
UPDATE account_pace SET last_send_at = sqlc.narg(last_send_at), next_send_at = sqlc.narg(next_send_at), day = sqlc.arg(day),
  day_count = sqlc.arg(day_count), updated_at = sqlc.arg(now)
WHERE account_id = sqlc.arg(account_id);

-- name: SetCampaignNextSlot :exec
UPDATE campaigns SET next_slot_at = sqlc.arg(next_slot_at) WHERE id = sqlc.arg(id);

-- name: NextPendingFirstStep :one
SELECT sqlc.embed(d),
  (SELECT COUNT(*) FROM suppressions s WHERE s.user_id = d.user_id AND
    ((d.tg_user_id <> 0 AND s.tg_user_id = d.tg_user_id) OR (d.username <> '' AND s.username = d.username))) AS suppressed
FROM deliveries d WHERE d.campaign_id = sqlc.arg(campaign_id) AND d.account_id = sqlc.arg(account_id) AND d.state = 'pending' AND d.step = 1
  AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = d.campaign_id AND c.status = 'running')
ORDER BY d.id LIMIT 1;

-- name: NextDueFollowUp :one
-- The conditions of the partial index deliveries_steps_due, written out so
-- both engines' planners use it.
SELECT sqlc.embed(d),
  (SELECT COUNT(*) FROM suppressions s WHERE s.user_id = d.user_id AND
    ((d.tg_user_id <> 0 AND s.tg_user_id = d.tg_user_id) OR (d.username <> '' AND s.username = d.username))) AS suppressed
FROM deliveries d WHERE d.campaign_id = sqlc.arg(campaign_id) AND d.account_id = sqlc.arg(account_id) AND d.state = 'pending'
  AND d.step > 1 AND d.due_at <= sqlc.arg(by_time)
  AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = d.campaign_id AND c.status = 'running')
ORDER BY d.due_at, d.id LIMIT 1;

-- name: FirstFollowUpDue :one
-- ORDER BY, not MIN: SQLite's aggregate loses the column's type.
SELECT due_at FROM deliveries WHERE campaign_id = sqlc.arg(campaign_id) AND account_id = sqlc.arg(account_id)
  AND state = 'pending' AND step > 1
ORDER BY due_at LIMIT 1;

-- name: CancelFollowUpsTo :execrows
UPDATE deliveries SET state = 'skipped', reason_code = sqlc.arg(reason_code), reason = sqlc.arg(reason), updated_at = sqlc.arg(now)
WHERE account_id = sqlc.arg(account_id) AND tg_user_id = sqlc.arg(tg_user_id) AND state = 'pending' AND step > 1;

-- name: CancelFollowUpsOf :execrows
-- CAST: see FindSuppression.
UPDATE deliveries SET state = 'skipped', reason_code = sqlc.arg(reason_code), reason = sqlc.arg(reason), updated_at = sqlc.arg(now)
WHERE user_id = sqlc.arg(user_id) AND state = 'pending' AND step > 1 AND
  ((CAST(sqlc.arg(tg_user_id) AS BIGINT) <> 0 AND tg_user_id = sqlc.arg(tg_user_id))
   OR (CAST(sqlc.arg(username) AS TEXT) <> '' AND username = sqlc.arg(username)));

-- name: StepStateCounts :many
SELECT step, state, COUNT(*) AS n, COUNT(replied_at) AS replied
FROM deliveries WHERE campaign_id = sqlc.arg(campaign_id) GROUP BY step, state ORDER BY step;

-- name: FirstStepDue :one
SELECT due_at FROM deliveries WHERE campaign_id = sqlc.arg(campaign_id) AND step = sqlc.arg(step) AND state = 'pending'
ORDER BY due_at LIMIT 1;

-- name: CountDeliveryRetry :exec
UPDATE deliveries SET attempts = attempts + 1, updated_at = sqlc.arg(now) WHERE id = sqlc.arg(id) AND state = 'sending';

-- name: SendingDeliveriesOf :many
SELECT * FROM deliveries WHERE account_id = sqlc.arg(account_id) AND state = 'sending' ORDER BY id;

-- name: SetDeliveryPeerOf :exec
UPDATE deliveries SET tg_user_id = sqlc.arg(tg_user_id), access_hash = sqlc.arg(access_hash), first_name = sqlc.arg(first_name),
  last_name = sqlc.arg(last_name), updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id);

-- name: RecentCampaignOutcomes :one
SELECT COUNT(*) AS total, CAST(COALESCE(SUM(CASE WHEN recent.state = 'failed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS failed FROM
  (SELECT state FROM deliveries WHERE campaign_id = sqlc.arg(campaign_id) AND state IN ('sent', 'failed')
   ORDER BY updated_at DESC, id DESC LIMIT CAST(sqlc.arg(max_rows) AS BIGINT)) AS recent;

-- name: DeliveryRepliedBy :one
-- The newest delivery the account sent the person (or is sending: a reply
-- can come before the answer is recorded) without a reply yet.
SELECT * FROM deliveries WHERE deliveries.account_id = sqlc.arg(account_id) AND deliveries.tg_user_id = sqlc.arg(tg_user_id)
  AND (deliveries.state IN ('sent', 'sending') OR (deliveries.state = 'pending'
    AND deliveries.campaign_id IN (SELECT c.id FROM campaigns c WHERE c.restored_backup_at IS NOT NULL)))
  AND deliveries.replied_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM deliveries n WHERE n.prev_id = deliveries.id AND n.state IN ('sent', 'sending'))
ORDER BY CASE WHEN deliveries.state = 'pending' THEN 1 ELSE 0 END DESC,
  COALESCE(deliveries.sent_at, deliveries.claimed_at) DESC, deliveries.id DESC LIMIT 1;

-- name: SetDeliveryReply :exec
UPDATE deliveries SET replied_at = sqlc.arg(at), reply_text = sqlc.arg(text), updated_at = sqlc.arg(at) WHERE id = sqlc.arg(id);

-- name: UpdatesStateOfAccount :one
SELECT pts, qts, date, seq FROM account_updates_state WHERE account_id = sqlc.arg(account_id);

-- name: SaveUpdatesState :exec
INSERT INTO account_updates_state (account_id, pts, qts, date, seq, updated_at)
VALUES (sqlc.arg(account_id), sqlc.arg(pts), sqlc.arg(qts), sqlc.arg(date), sqlc.arg(seq), sqlc.arg(now))
ON CONFLICT (account_id) DO UPDATE SET pts = excluded.pts, qts = excluded.qts, date = excluded.date, seq = excluded.seq,
  updated_at = excluded.updated_at;

-- name: CompleteSuppression :exec
UPDATE suppressions SET tg_user_id = sqlc.arg(tg_user_id), username = sqlc.arg(username) WHERE id = sqlc.arg(id);

-- name: InsertSuppression :one
INSERT INTO suppressions (user_id, tg_user_id, username, reason, created_at)
VALUES (sqlc.arg(user_id), sqlc.arg(tg_user_id), sqlc.arg(username), sqlc.arg(reason), sqlc.arg(created_at))
RETURNING *;

-- name: FindSuppression :one
-- CAST: PostgreSQL types a bare "$2 <> 0" as int4, and Telegram user ids
-- pass 2^31.
SELECT * FROM suppressions WHERE user_id = sqlc.arg(user_id) AND
  ((CAST(sqlc.arg(tg_user_id) AS BIGINT) <> 0 AND tg_user_id = sqlc.arg(tg_user_id))
   OR (CAST(sqlc.arg(username) AS TEXT) <> '' AND username = sqlc.arg(username)))
ORDER BY id LIMIT 1;

-- name: SuppressionsOf :many
SELECT * FROM suppressions WHERE user_id = sqlc.arg(user_id) ORDER BY id DESC;

-- name: SuppressionsBefore :many
SELECT * FROM suppressions WHERE user_id = sqlc.arg(user_id) AND id < sqlc.arg(before_id)
ORDER BY id DESC LIMIT CAST(sqlc.arg(max_rows) AS BIGINT);

-- name: DeleteSuppressionByTGID :execrows
DELETE FROM suppressions WHERE user_id = sqlc.arg(user_id) AND tg_user_id = sqlc.arg(tg_user_id);

-- name: DeleteSuppressionByUsername :execrows
DELETE FROM suppressions WHERE user_id = sqlc.arg(user_id) AND username = sqlc.arg(username) AND username <> '';

-- name: CountUserSuppressions :one
SELECT COUNT(*) FROM suppressions WHERE user_id = sqlc.arg(user_id);

-- name: AddFollowUp :execrows
-- From the row as stored, in the statement: a reply recorded since prev
-- was read (MarkReplied marks a row still sending) is seen, and the unique
-- index on prev_id makes a second row an error rather than a second
-- message. A person who replied or is suppressed gets the row skipped,
-- with the reason, so each recipient's report says why their steps
-- stopped.
INSERT INTO deliveries (campaign_id, user_id, account_id, tg_user_id, access_hash, username, first_name, last_name,
    state, reason_code, reason, random_id, updated_at, step, prev_id, due_at)
SELECT p.campaign_id, p.user_id, p.account_id, p.tg_user_id, p.access_hash, p.username, p.first_name, p.last_name,
  CASE WHEN p.replied_at IS NULL AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.user_id = p.user_id AND
      ((p.tg_user_id <> 0 AND s.tg_user_id = p.tg_user_id) OR (p.username <> '' AND s.username = p.username)))
    THEN 'pending' ELSE 'skipped' END,
  CASE WHEN p.replied_at IS NOT NULL AND EXISTS (SELECT 1 FROM suppressions s WHERE s.user_id = p.user_id AND
      ((p.tg_user_id <> 0 AND s.tg_user_id = p.tg_user_id) OR (p.username <> '' AND s.username = p.username)))
      THEN CAST(sqlc.arg(opted_out_code) AS TEXT)
    WHEN p.replied_at IS NOT NULL THEN CAST(sqlc.arg(replied_code) AS TEXT)
    WHEN EXISTS (SELECT 1 FROM suppressions s WHERE s.user_id = p.user_id AND
      ((p.tg_user_id <> 0 AND s.tg_user_id = p.tg_user_id) OR (p.username <> '' AND s.username = p.username)))
      THEN CAST(sqlc.arg(suppressed_code) AS TEXT)
    ELSE '' END,
  CASE WHEN p.replied_at IS NOT NULL AND EXISTS (SELECT 1 FROM suppressions s WHERE s.user_id = p.user_id AND
      ((p.tg_user_id <> 0 AND s.tg_user_id = p.tg_user_id) OR (p.username <> '' AND s.username = p.username)))
      THEN CAST(sqlc.arg(opted_out_text) AS TEXT)
    WHEN p.replied_at IS NOT NULL THEN CAST(sqlc.arg(replied_text) AS TEXT)
    WHEN EXISTS (SELECT 1 FROM suppressions s WHERE s.user_id = p.user_id AND
      ((p.tg_user_id <> 0 AND s.tg_user_id = p.tg_user_id) OR (p.username <> '' AND s.username = p.username)))
      THEN CAST(sqlc.arg(suppressed_text) AS TEXT)
    ELSE '' END,
  CAST(sqlc.arg(random_id) AS BIGINT), sqlc.arg(now), p.step + 1, p.id, sqlc.arg(due_at)
FROM deliveries p WHERE p.id = sqlc.arg(prev_id) AND p.state = 'sent'
  AND NOT EXISTS (SELECT 1 FROM deliveries n WHERE n.prev_id = p.id);

-- SetCampaignStatus moves a campaign from the status it was read in; one
-- statement per kind of move, so each stays static.

-- name: MoveCampaignStatus :execrows
UPDATE campaigns SET status = sqlc.arg(status), pause_reason = sqlc.arg(reason), updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND status = sqlc.arg(from_status);

-- name: StartCampaignStatus :execrows
UPDATE campaigns SET status = sqlc.arg(status), pause_reason = sqlc.arg(reason), updated_at = sqlc.arg(now),
    started_at = COALESCE(started_at, sqlc.arg(now))
WHERE id = sqlc.arg(id) AND status = sqlc.arg(from_status);

-- name: FinishCampaignStatus :execrows
UPDATE campaigns SET status = sqlc.arg(status), pause_reason = sqlc.arg(reason), updated_at = sqlc.arg(now),
    finished_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND status = sqlc.arg(from_status);
