-- name: CreateToken :one
INSERT INTO api_tokens (user_id, workspace_id, read_only, name, token_hash, prefix, created_at, expires_at)
VALUES (sqlc.arg(user_id), sqlc.arg(workspace_id), sqlc.arg(read_only), sqlc.arg(name), sqlc.arg(token_hash), sqlc.arg(prefix), sqlc.arg(created_at), sqlc.narg(expires_at))
RETURNING *;

-- name: ListTokens :many
SELECT * FROM api_tokens WHERE user_id = sqlc.arg(user_id) ORDER BY created_at DESC, id DESC;

-- name: RevokeToken :execrows
UPDATE api_tokens SET revoked_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id) AND revoked_at IS NULL;

-- name: TokenExists :one
SELECT COUNT(*) FROM api_tokens WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id);

-- name: TokenByHash :one
-- Through the membership: a token of a member who was removed, or of a
-- workspace that was deleted, finds nothing. The role is read now, so a
-- role change takes effect on the token's next request.
SELECT sqlc.embed(api_tokens), sqlc.embed(users), workspace_members.role
FROM api_tokens JOIN users ON users.id = api_tokens.user_id
JOIN workspace_members ON workspace_members.workspace_id = api_tokens.workspace_id AND workspace_members.user_id = api_tokens.user_id
WHERE api_tokens.token_hash = sqlc.arg(token_hash) AND api_tokens.revoked_at IS NULL;

-- name: TouchToken :exec
UPDATE api_tokens SET last_used_at = sqlc.arg(now) WHERE id = sqlc.arg(id);

-- name: TokensPage :many
SELECT * FROM api_tokens WHERE user_id = sqlc.arg(user_id) AND id < sqlc.arg(before_id)
ORDER BY id DESC
LIMIT CAST(sqlc.arg(max_rows) AS BIGINT);
