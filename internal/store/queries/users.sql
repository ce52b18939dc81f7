-- name: CreateUser :one
-- The first user of an instance becomes an admin in the same statement
-- that inserts it.
INSERT INTO users (email, password_hash, is_admin, created_at, updated_at)
VALUES (
    sqlc.arg(email),
    sqlc.arg(password_hash),
    CAST(sqlc.arg(force_admin) AS BOOLEAN) OR NOT EXISTS (SELECT 1 FROM users),
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
