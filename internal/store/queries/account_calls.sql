-- name: AddAccountCall :one
INSERT INTO account_calls (user_id, account_id, node, body, flood_wait_max_ms, created_at)
VALUES (sqlc.arg(user_id), sqlc.arg(account_id), sqlc.arg(node), sqlc.arg(body), sqlc.arg(flood_wait_max_ms), sqlc.arg(created_at))
RETURNING id;

-- name: TakeAccountCall :one
UPDATE account_calls SET state = 'taken'
WHERE id = sqlc.arg(id) AND node = sqlc.arg(node) AND state = 'queued'
RETURNING id, user_id, account_id, body, flood_wait_max_ms;

-- name: FinishAccountCall :exec
UPDATE account_calls
SET state = 'done', result = sqlc.arg(result), error_code = sqlc.arg(error_code),
    error_text = sqlc.arg(error_text), done_at = sqlc.arg(done_at)
WHERE id = sqlc.arg(id);

-- name: CancelAccountCall :execrows
UPDATE account_calls SET state = 'cancelled', done_at = sqlc.arg(done_at)
WHERE id = sqlc.arg(id) AND state = 'queued';

-- name: AccountCallByID :one
SELECT id, state, result, error_code, error_text FROM account_calls WHERE id = sqlc.arg(id);

-- name: QueuedAccountCalls :many
SELECT id FROM account_calls WHERE node = sqlc.arg(node) AND state = 'queued' ORDER BY id;

-- name: ForgetAccountCalls :execrows
DELETE FROM account_calls WHERE created_at < sqlc.arg(before);
