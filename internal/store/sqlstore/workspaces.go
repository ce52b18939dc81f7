package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

func toWorkspace(w gen.Workspace) store.Workspace {
	return store.Workspace{ID: w.ID, Name: w.Name, CreatedAt: w.CreatedAt.UTC()}
}

func (q queries) CreateWorkspace(ctx context.Context, name string, ownerID int64, now time.Time) (store.Workspace, error) {
	var out store.Workspace
	err := q.inTx(ctx, func(q queries) error {
		var err error
		out, err = q.createWorkspace(ctx, name, ownerID, now)
		return err
	})
	return out, err
}

func (q queries) createWorkspace(ctx context.Context, name string, ownerID int64, now time.Time) (store.Workspace, error) {
	r, err := q.q.CreateWorkspace(ctx, gen.CreateWorkspaceParams{Name: name, Now: now})
	w, err := one(q.d, r, err, toWorkspace)
	if err != nil {
		return w, err
	}
	err = q.q.AddWorkspaceMember(ctx, gen.AddWorkspaceMemberParams{WorkspaceID: w.ID, UserID: ownerID, Role: "owner", Now: now})
	return w, mapErr(q.d, err)
}

func (q queries) WorkspaceByID(ctx context.Context, id int64) (store.Workspace, error) {
	r, err := q.q.WorkspaceByID(ctx, id)
	return one(q.d, r, err, toWorkspace)
}

func (q queries) RenameWorkspace(ctx context.Context, id int64, name string) error {
	n, err := q.q.RenameWorkspace(ctx, gen.RenameWorkspaceParams{ID: id, Name: name})
	return affected(q.d, n, err)
}

func (q queries) DeleteWorkspace(ctx context.Context, id int64) error {
	n, err := q.q.DeleteWorkspace(ctx, id)
	return affected(q.d, n, err)
}

func (q queries) Membership(ctx context.Context, workspaceID, userID int64) (store.Membership, error) {
	r, err := q.q.WorkspaceMembership(ctx, gen.WorkspaceMembershipParams{WorkspaceID: workspaceID, UserID: userID})
	return one(q.d, r, err, func(r gen.WorkspaceMembershipRow) store.Membership {
		return store.Membership{Workspace: store.Workspace{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt.UTC()}, Role: r.Role}
	})
}

func (q queries) UserWorkspaces(ctx context.Context, userID int64) ([]store.Membership, error) {
	rs, err := q.q.UserWorkspaces(ctx, userID)
	return many(q.d, rs, err, func(r gen.UserWorkspacesRow) store.Membership {
		return store.Membership{Workspace: store.Workspace{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt.UTC()}, Role: r.Role}
	})
}

func (q queries) WorkspaceMembers(ctx context.Context, workspaceID int64) ([]store.WorkspaceMember, error) {
	rs, err := q.q.WorkspaceMembers(ctx, workspaceID)
	return many(q.d, rs, err, func(r gen.WorkspaceMembersRow) store.WorkspaceMember {
		return store.WorkspaceMember{UserID: r.UserID, Email: r.Email, Role: r.Role, CreatedAt: r.CreatedAt.UTC()}
	})
}

func (q queries) AddWorkspaceMember(ctx context.Context, workspaceID, userID int64, role string, now time.Time) error {
	err := q.q.AddWorkspaceMember(ctx, gen.AddWorkspaceMemberParams{WorkspaceID: workspaceID, UserID: userID, Role: role, Now: now})
	return mapErr(q.d, err)
}

func (q queries) SetWorkspaceMemberRole(ctx context.Context, workspaceID, userID int64, role string) error {
	n, err := q.q.SetWorkspaceMemberRole(ctx, gen.SetWorkspaceMemberRoleParams{WorkspaceID: workspaceID, UserID: userID, Role: role})
	return affected(q.d, n, err)
}

func (q queries) RemoveWorkspaceMember(ctx context.Context, workspaceID, userID int64) error {
	return q.inTx(ctx, func(q queries) error {
		n, err := q.q.RemoveWorkspaceMember(ctx, gen.RemoveWorkspaceMemberParams{WorkspaceID: workspaceID, UserID: userID})
		if err := affected(q.d, n, err); err != nil {
			return err
		}
		// Their conversations go back to the team: assigned to someone who
		// left, nobody would answer them.
		return mapErr(q.d, q.q.UnassignConversationsOf(ctx, gen.UnassignConversationsOfParams{WorkspaceID: workspaceID, UserID: sql.NullInt64{Int64: userID, Valid: true}}))
	})
}
