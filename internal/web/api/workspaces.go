package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	roles "github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/web/auth"
)

// Workspace is one of the caller's workspaces.
type Workspace struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role" enum:"owner,admin,operator,viewer" doc:"The caller's role in it"`
	CreatedAt time.Time `json:"created_at"`
}

// Member is a member of a workspace.
type Member struct {
	UserID    int64     `json:"user_id"`
	Email     string    `json:"email"`
	Role      string    `json:"role" enum:"owner,admin,operator,viewer"`
	CreatedAt time.Time `json:"created_at" doc:"When they joined"`
}

func (a *API) registerWorkspaces() {
	if a.deps.Workspaces == nil {
		return
	}
	op := operation("Workspaces")
	huma.Register(a.huma, op("list-workspaces", http.MethodGet, "/workspaces",
		"Your workspaces with your role in each; send Telegramate-Workspace: ID to act in one other than the token's", 0), a.listWorkspaces)
	huma.Register(a.huma, op("create-workspace", http.MethodPost, "/workspaces",
		"Create a workspace; you are its owner", http.StatusCreated), a.createWorkspace)
	huma.Register(a.huma, op("list-workspace-members", http.MethodGet, "/workspaces/{id}/members",
		"The workspace's members and their roles", 0), a.listMembers)
	huma.Register(a.huma, op("set-workspace-member-role", http.MethodPatch, "/workspaces/{id}/members/{user_id}",
		"Change a member's role (admins and the owner; the owner's role moves only with ownership). It takes effect on the member's next request", 0), a.setMemberRole)
	huma.Register(a.huma, op("remove-workspace-member", http.MethodDelete, "/workspaces/{id}/members/{user_id}",
		"Remove a member (admins and the owner), or leave (yourself). Their API tokens of the workspace stop working", http.StatusNoContent), a.removeMember)
}

func workspaceBody(m store.Membership) Workspace {
	return Workspace{ID: m.ID, Name: m.Name, Role: m.Role, CreatedAt: m.CreatedAt.UTC()}
}

func memberBody(m store.WorkspaceMember) Member {
	return Member{UserID: m.UserID, Email: m.Email, Role: m.Role, CreatedAt: m.CreatedAt.UTC()}
}

type listWorkspacesOut struct {
	Body struct {
		Workspaces []Workspace `json:"workspaces"`
	}
}

// GET /workspaces
func (a *API) listWorkspaces(ctx context.Context, _ *struct{}) (*listWorkspacesOut, error) {
	mine, err := a.deps.Workspaces.Mine(ctx, auth.UserFrom(ctx).ID)
	if err != nil {
		return nil, err
	}
	out := &listWorkspacesOut{}
	out.Body.Workspaces = make([]Workspace, 0, len(mine))
	for _, m := range mine {
		out.Body.Workspaces = append(out.Body.Workspaces, workspaceBody(m))
	}
	return out, nil
}

type createWorkspaceIn struct {
	Body struct {
		Name string `json:"name" maxLength:"100" doc:"What the team calls it"`
	}
}

type workspaceOut struct{ Body Workspace }

// POST /workspaces
func (a *API) createWorkspace(ctx context.Context, in *createWorkspaceIn) (*workspaceOut, error) {
	w, err := a.deps.Workspaces.Create(ctx, auth.UserFrom(ctx).ID, in.Body.Name)
	if err != nil {
		return nil, err
	}
	return &workspaceOut{Body: workspaceBody(store.Membership{Workspace: w, Role: string(roles.Owner)})}, nil
}

type workspaceIDIn struct {
	ID int64 `path:"id" doc:"The workspace's id"`
}

type listMembersOut struct {
	Body struct {
		Members []Member `json:"members"`
	}
}

// GET /workspaces/{id}/members
func (a *API) listMembers(ctx context.Context, in *workspaceIDIn) (*listMembersOut, error) {
	list, err := a.deps.Workspaces.Members(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	out := &listMembersOut{}
	out.Body.Members = make([]Member, 0, len(list))
	for _, m := range list {
		out.Body.Members = append(out.Body.Members, memberBody(m))
	}
	return out, nil
}

type memberIn struct {
	ID     int64 `path:"id" doc:"The workspace's id"`
	UserID int64 `path:"user_id" doc:"The member's user id"`
}

type setMemberRoleIn struct {
	ID     int64 `path:"id" doc:"The workspace's id"`
	UserID int64 `path:"user_id" doc:"The member's user id"`
	Body   struct {
		Role string `json:"role" enum:"admin,operator,viewer" doc:"The new role; the owner is made by transferring ownership"`
	}
}

type memberOut struct{ Body Member }

// PATCH /workspaces/{id}/members/{user_id}
func (a *API) setMemberRole(ctx context.Context, in *setMemberRoleIn) (*memberOut, error) {
	m, err := a.deps.Workspaces.SetRole(ctx, in.ID, in.UserID, roles.Role(in.Body.Role))
	if err != nil {
		return nil, err
	}
	return &memberOut{Body: memberBody(m)}, nil
}

// DELETE /workspaces/{id}/members/{user_id}
func (a *API) removeMember(ctx context.Context, in *memberIn) (*struct{}, error) {
	return nil, a.deps.Workspaces.Remove(ctx, in.ID, in.UserID)
}
