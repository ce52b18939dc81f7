-- name: CreateInvitation :one
INSERT INTO workspace_invitations (workspace_id, email, role, token_hash, invited_by, created_at, expires_at)
VALUES (sqlc.arg(workspace_id), sqlc.arg(email), sqlc.arg(role), sqlc.arg(token_hash), sqlc.narg(invited_by), sqlc.arg(created_at), sqlc.arg(expires_at))
RETURNING id;

-- name: InvitationByHash :one
SELECT workspace_invitations.id, workspace_invitations.workspace_id, workspaces.name AS workspace_name,
    workspace_invitations.email, workspace_invitations.role, workspace_invitations.invited_by,
    COALESCE(inviter.email, '') AS invited_by_email,
    workspace_invitations.created_at, workspace_invitations.expires_at,
    workspace_invitations.accepted_at, workspace_invitations.revoked_at
FROM workspace_invitations JOIN workspaces ON workspaces.id = workspace_invitations.workspace_id
LEFT JOIN users AS inviter ON inviter.id = workspace_invitations.invited_by
WHERE workspace_invitations.token_hash = sqlc.arg(token_hash);

-- name: PendingInvitations :many
SELECT workspace_invitations.id, workspace_invitations.workspace_id, workspaces.name AS workspace_name,
    workspace_invitations.email, workspace_invitations.role, workspace_invitations.invited_by,
    COALESCE(inviter.email, '') AS invited_by_email,
    workspace_invitations.created_at, workspace_invitations.expires_at,
    workspace_invitations.accepted_at, workspace_invitations.revoked_at
FROM workspace_invitations JOIN workspaces ON workspaces.id = workspace_invitations.workspace_id
LEFT JOIN users AS inviter ON inviter.id = workspace_invitations.invited_by
WHERE workspace_invitations.workspace_id = sqlc.arg(workspace_id)
    AND workspace_invitations.accepted_at IS NULL AND workspace_invitations.revoked_at IS NULL
    AND workspace_invitations.expires_at > sqlc.arg(now)
ORDER BY workspace_invitations.id;

-- name: RevokeInvitation :execrows
-- Only a pending invitation: one used, revoked or expired stays as it was.
UPDATE workspace_invitations SET revoked_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND workspace_id = sqlc.arg(workspace_id)
    AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > sqlc.arg(now);

-- name: RevokeInvitationsTo :execrows
UPDATE workspace_invitations SET revoked_at = sqlc.arg(now)
WHERE workspace_id = sqlc.arg(workspace_id) AND email = sqlc.arg(email)
    AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > sqlc.arg(now);

-- name: UseInvitation :execrows
-- Single use in one statement: of two people accepting at once, one
-- updates the row and the other finds it used.
UPDATE workspace_invitations SET accepted_at = sqlc.arg(now), accepted_by = sqlc.arg(user_id)
WHERE id = sqlc.arg(id) AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > sqlc.arg(now);
