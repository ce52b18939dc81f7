-- name: SessionFind :one
SELECT data FROM web_sessions WHERE token = sqlc.arg(token) AND expiry > sqlc.arg(now);

-- name: SessionCommit :exec
INSERT INTO web_sessions (token, data, expiry)
VALUES (sqlc.arg(token), sqlc.arg(data), sqlc.arg(expiry))
ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry;

-- name: SessionDelete :exec
DELETE FROM web_sessions WHERE token = sqlc.arg(token);

-- name: SessionDeleteExpired :execrows
DELETE FROM web_sessions WHERE expiry <= sqlc.arg(now);
