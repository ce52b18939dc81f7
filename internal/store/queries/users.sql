-- name: CreateUser :one
-- Nobody becomes an admin by being first (a stranger could reach a fresh
-- instance's sign-up page before its owner): only the CLI's --admin does.
INSERT INTO users (email, password_hash, is_admin, created_at, updated_at)
VALUES (
    sqlc.arg(email),
    sqlc.arg(password_hash),
    CAST(sqlc.arg(force_admin) AS BOOLEAN),
    sqlc.arg(now),
    sqlc.arg(now)
)
RETURNING *;

-- name: UserByID :one
SELECT * FROM users WHERE id = sqlc.arg(id);

-- name: UserByEmail :one
SELECT * FROM users WHERE email = sqlc.arg(email);

-- name: ListUsers :many
SELECT * FROM users ORDER BY id;

-- name: SetUserPassword :execrows
UPDATE users SET password_hash = sqlc.arg(password_hash), updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id);
