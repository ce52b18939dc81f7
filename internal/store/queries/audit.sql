-- The audit log (issue 19). Append-only: an insert and reads, nothing
-- else; TestAuditLogIsAppendOnly keeps it that way.

-- name: AddAuditEvent :one
INSERT INTO audit_events (workspace_id, actor_user_id, actor_email, action, target_kind, target_id, target_label, detail, ip, created_at)
VALUES (sqlc.arg(workspace_id), sqlc.narg(actor_user_id), sqlc.arg(actor_email), sqlc.arg(action), sqlc.arg(target_kind),
        sqlc.arg(target_id), sqlc.arg(target_label), sqlc.arg(detail), sqlc.arg(ip), sqlc.arg(created_at))
RETURNING *;

-- A page of a workspace's log older than before_id, newest first. An
-- empty action, an actor of 0 and an empty target_kind mean "any".
-- name: AuditEventsPage :many
SELECT * FROM audit_events
WHERE workspace_id = sqlc.arg(workspace_id) AND id < sqlc.arg(before_id)
  AND (CAST(sqlc.arg(action) AS TEXT) = '' OR action = sqlc.arg(action))
  AND (CAST(sqlc.arg(actor_user_id) AS BIGINT) = 0 OR actor_user_id = sqlc.arg(actor_user_id))
  AND (CAST(sqlc.arg(target_kind) AS TEXT) = '' OR (target_kind = sqlc.arg(target_kind) AND target_id = sqlc.arg(target_id)))
ORDER BY id DESC
LIMIT CAST(sqlc.arg(max_rows) AS BIGINT);

-- The people who appear in a workspace's log, for the filter by person.
-- name: AuditActors :many
SELECT CAST(actor_user_id AS BIGINT) AS user_id, CAST(MAX(actor_email) AS TEXT) AS email
FROM audit_events
WHERE workspace_id = sqlc.arg(workspace_id) AND actor_user_id IS NOT NULL
GROUP BY actor_user_id
ORDER BY email
LIMIT CAST(sqlc.arg(max_rows) AS BIGINT);
