-- name: CreateWebhookEndpoint :one
INSERT INTO webhook_endpoints (user_id, url, secret_sealed, events, created_at)
VALUES (sqlc.arg(user_id), sqlc.arg(url), sqlc.arg(secret_sealed), sqlc.arg(events), sqlc.arg(created_at))
RETURNING *;

-- name: ListWebhookEndpoints :many
SELECT * FROM webhook_endpoints
WHERE user_id = sqlc.arg(user_id) AND disabled_at IS NULL
ORDER BY id DESC;

-- name: GetWebhookEndpoint :one
SELECT * FROM webhook_endpoints
WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id) AND disabled_at IS NULL;

-- name: DisableWebhookEndpoint :execrows
UPDATE webhook_endpoints SET disabled_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id) AND disabled_at IS NULL;

-- name: CreateWebhookDelivery :one
INSERT INTO webhook_deliveries (endpoint_id, user_id, event_id, event_type, body, state, next_attempt_at, created_at, updated_at)
VALUES (sqlc.arg(endpoint_id), sqlc.arg(user_id), sqlc.arg(event_id), sqlc.arg(event_type), sqlc.arg(body), 'pending',
        sqlc.arg(created_at), sqlc.arg(created_at), sqlc.arg(created_at))
RETURNING *;

-- name: WebhookDeliveryForWork :one
SELECT sqlc.embed(webhook_deliveries), sqlc.embed(webhook_endpoints)
FROM webhook_deliveries JOIN webhook_endpoints ON webhook_endpoints.id = webhook_deliveries.endpoint_id
WHERE webhook_deliveries.id = sqlc.arg(id);

-- name: RecordWebhookAttempt :execrows
UPDATE webhook_deliveries
SET state = sqlc.arg(state), attempts = attempts + 1, last_status = sqlc.arg(last_status),
    last_error = sqlc.arg(last_error), next_attempt_at = sqlc.arg(next_attempt_at),
    updated_at = sqlc.arg(now), finished_at = sqlc.narg(finished_at)
WHERE id = sqlc.arg(id) AND state = 'pending';

-- name: ListWebhookDeliveries :many
SELECT * FROM webhook_deliveries
WHERE endpoint_id = sqlc.arg(endpoint_id) AND user_id = sqlc.arg(user_id)
ORDER BY id DESC
LIMIT CAST(sqlc.arg(max_rows) AS BIGINT);

-- name: DeleteFinishedWebhookDeliveries :execrows
DELETE FROM webhook_deliveries WHERE state <> 'pending' AND finished_at < sqlc.arg(before);

-- name: ClaimWebhookEndpoint :execrows
UPDATE webhook_endpoints SET probe_until = sqlc.arg(until)
WHERE id = sqlc.arg(id) AND disabled_at IS NULL AND auto_disabled_at IS NULL
  AND (retry_at IS NULL OR retry_at <= sqlc.arg(now))
  AND (probe_until IS NULL OR probe_until <= sqlc.arg(now));

-- name: WebhookEndpointFailed :one
UPDATE webhook_endpoints
SET failures = failures + 1, failing_since = COALESCE(failing_since, sqlc.arg(now)),
    last_failure = sqlc.arg(reason), retry_at = sqlc.arg(retry_at), probe_until = NULL
WHERE id = sqlc.arg(id)
RETURNING *;

-- name: WebhookEndpointSucceeded :exec
UPDATE webhook_endpoints
SET failures = 0, failing_since = NULL, last_failure = '', retry_at = NULL, probe_until = NULL
WHERE id = sqlc.arg(id) AND auto_disabled_at IS NULL;

-- name: AutoDisableWebhookEndpoint :execrows
UPDATE webhook_endpoints SET auto_disabled_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND disabled_at IS NULL AND auto_disabled_at IS NULL
  AND failing_since <= sqlc.arg(failing_before);

-- name: EnableWebhookEndpoint :execrows
UPDATE webhook_endpoints
SET failures = 0, failing_since = NULL, last_failure = '', retry_at = NULL, probe_until = NULL, auto_disabled_at = NULL
WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id) AND disabled_at IS NULL;
