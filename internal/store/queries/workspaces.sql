-- name: CreateWorkspace :one
INSERT INTO workspaces (name, created_at) VALUES (sqlc.arg(name), sqlc.arg(now))
RETURNING *;

-- name: WorkspaceByID :one
SELECT * FROM workspaces WHERE id = sqlc.arg(id);

-- name: RenameWorkspace :execrows
UPDATE workspaces SET name = sqlc.arg(name) WHERE id = sqlc.arg(id);

-- name: DeleteWorkspace :execrows
DELETE FROM workspaces WHERE id = sqlc.arg(id);

-- name: AddWorkspaceMember :exec
INSERT INTO workspace_members (workspace_id, user_id, role, created_at)
VALUES (sqlc.arg(workspace_id), sqlc.arg(user_id), sqlc.arg(role), sqlc.arg(now));

-- name: WorkspaceMembership :one
SELECT workspaces.id, workspaces.name, workspaces.created_at, workspace_members.role
FROM workspace_members JOIN workspaces ON workspaces.id = workspace_members.workspace_id
WHERE workspace_members.workspace_id = sqlc.arg(workspace_id) AND workspace_members.user_id = sqlc.arg(user_id);

-- name: UserWorkspaces :many
SELECT workspaces.id, workspaces.name, workspaces.created_at, workspace_members.role
FROM workspace_members JOIN workspaces ON workspaces.id = workspace_members.workspace_id
WHERE workspace_members.user_id = sqlc.arg(user_id)
ORDER BY workspaces.id;

-- name: WorkspaceMembers :many
SELECT workspace_members.user_id, users.email, workspace_members.role, workspace_members.created_at
FROM workspace_members JOIN users ON users.id = workspace_members.user_id
WHERE workspace_members.workspace_id = sqlc.arg(workspace_id)
ORDER BY workspace_members.created_at, workspace_members.user_id;

-- name: SetWorkspaceMemberRole :execrows
UPDATE workspace_members SET role = sqlc.arg(role)
WHERE workspace_id = sqlc.arg(workspace_id) AND user_id = sqlc.arg(user_id);

-- name: RemoveWorkspaceMember :execrows
DELETE FROM workspace_members WHERE workspace_id = sqlc.arg(workspace_id) AND user_id = sqlc.arg(user_id);

-- name: UnassignConversationsOf :exec
UPDATE conversations SET assigned_to = NULL WHERE user_id = sqlc.arg(workspace_id) AND assigned_to = sqlc.arg(user_id);
