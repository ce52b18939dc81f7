-- Hardening (issue 10): sessions per user, login devices, the last failed
-- log-in of a throttle key, failed Telegram login steps.

-- name: SessionCommitOwned :exec
-- A session's creation time, address and browser are those of its first
-- commit; a log-in or log-out renews the token, so that is when it began.
INSERT INTO web_sessions (token, data, expiry, user_id, created_at, client_ip, user_agent)
VALUES (sqlc.arg(token), sqlc.arg(data), sqlc.arg(expiry), sqlc.narg(user_id), sqlc.arg(created_at), sqlc.arg(client_ip), sqlc.arg(user_agent))
ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry, user_id = excluded.user_id;

-- name: ListUserSessions :many
SELECT token, expiry, created_at, client_ip, user_agent FROM web_sessions
WHERE user_id = sqlc.arg(user_id) AND expiry > sqlc.arg(now)
ORDER BY created_at DESC, token;

-- name: DeleteUserSession :execrows
DELETE FROM web_sessions WHERE user_id = sqlc.arg(user_id) AND token = sqlc.arg(token);

-- name: DeleteUserSessionsExcept :execrows
DELETE FROM web_sessions WHERE user_id = sqlc.arg(user_id) AND token <> sqlc.arg(keep);

-- name: AddLoginDevice :exec
INSERT INTO login_devices (token_hash, user_id, created_at)
VALUES (sqlc.arg(token_hash), sqlc.arg(user_id), sqlc.arg(created_at));

-- name: LoginDeviceUser :one
SELECT user_id FROM login_devices WHERE token_hash = sqlc.arg(token_hash);

-- name: LastLoginFailure :one
SELECT failed_at FROM login_failures WHERE throttle_key = sqlc.arg(throttle_key)
ORDER BY failed_at DESC LIMIT 1;

-- name: AddPendingLoginFailure :one
UPDATE pending_logins SET failed_attempts = failed_attempts + 1
WHERE account_id = sqlc.arg(account_id) AND user_id = sqlc.arg(user_id)
RETURNING failed_attempts;

-- name: CountAdmins :one
SELECT COUNT(*) FROM users WHERE is_admin;
