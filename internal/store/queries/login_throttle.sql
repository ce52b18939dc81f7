-- name: AddLoginFailure :exec
INSERT INTO login_failures (throttle_key, failed_at) VALUES (sqlc.arg(throttle_key), sqlc.arg(failed_at));

-- name: LoginFailuresSince :one
SELECT COUNT(*) FROM login_failures
WHERE throttle_key = sqlc.arg(throttle_key) AND failed_at >= sqlc.arg(since);

-- name: ClearLoginFailures :exec
DELETE FROM login_failures WHERE throttle_key = sqlc.arg(throttle_key);

-- name: DeleteLoginFailuresBefore :execrows
DELETE FROM login_failures WHERE failed_at < sqlc.arg(before);
