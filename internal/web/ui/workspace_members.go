package ui

import (
	"net/http"
	"strconv"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/web/auth"
	"github.com/telegramate/telegramate/internal/workspaces"
)

type membersData struct {
	Members []store.WorkspaceMember
	Roles   []actor.Role // the roles a member can be given
	Self    int64
	// Invitations are the pending ones; Invited is the one just made,
	// with its link shown once; Emails says links go by email.
	Invitations []store.Invitation
	Invited     *workspaces.Invited
	Emails      bool
}

// GET /members: the workspace's members; admins and the owner change
// roles and remove, the owner transfers ownership and deletes.
func (h *Handler) showMembers(w http.ResponseWriter, r *http.Request) {
	h.membersPage(w, r, http.StatusOK, &Page{})
}

func (h *Handler) membersPage(w http.ResponseWriter, r *http.Request, status int, p *Page, errs ...error) {
	h.membersPageInvited(w, r, status, p, nil, errs...)
}

func (h *Handler) membersPageInvited(w http.ResponseWriter, r *http.Request, status int, p *Page, invited *workspaces.Invited, errs ...error) {
	p.Title, p.Nav = "Members", "members"
	list, err := h.Workspaces.Members(r.Context(), workspaceID(r))
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Members"}, err)
		return
	}
	pending, err := h.Workspaces.Invitations(r.Context(), workspaceID(r))
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Members"}, err)
		return
	}
	p.Data = membersData{Members: list, Roles: []actor.Role{actor.Viewer, actor.Operator, actor.Admin}, Self: auth.UserFrom(r.Context()).ID,
		Invitations: pending, Invited: invited, Emails: h.Workspaces.Emails()}
	if len(errs) > 0 && errs[0] != nil {
		h.renderError(w, r, "members", p, errs[0])
		return
	}
	h.render(w, r, status, "members", p)
}

func memberID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("user_id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.NotFound("Member")
	}
	return id, nil
}

// POST /members/{user_id}/role
func (h *Handler) changeMemberRole(w http.ResponseWriter, r *http.Request) {
	id, err := memberID(r)
	if err == nil {
		var m store.WorkspaceMember
		if m, err = h.Workspaces.SetRole(r.Context(), workspaceID(r), id, actor.Role(r.PostFormValue("role"))); err == nil {
			h.flash(r, "success", m.Email+" is now "+m.Role+".")
			redirect(w, r, "/members")
			return
		}
	}
	h.membersPage(w, r, 0, &Page{}, err)
}

// POST /members/{user_id}/remove (a member removing themselves leaves).
func (h *Handler) removeMember(w http.ResponseWriter, r *http.Request) {
	id, err := memberID(r)
	if err == nil {
		if err = h.Workspaces.Remove(r.Context(), workspaceID(r), id); err == nil {
			if id == auth.UserFrom(r.Context()).ID {
				h.Sessions.Remove(r.Context(), sessionWorkspaceKey)
				h.flash(r, "success", "You left the workspace.")
				redirect(w, r, "/")
				return
			}
			h.flash(r, "success", "The member was removed. Their API tokens stop working.")
			redirect(w, r, "/members")
			return
		}
	}
	h.membersPage(w, r, 0, &Page{}, err)
}

// POST /members/{user_id}/transfer: the owner hands the workspace over.
func (h *Handler) transferOwnership(w http.ResponseWriter, r *http.Request) {
	id, err := memberID(r)
	if err == nil {
		if err = h.Workspaces.TransferOwnership(r.Context(), workspaceID(r), id); err == nil {
			h.flash(r, "success", "Ownership was transferred; you are now an admin.")
			redirect(w, r, "/members")
			return
		}
	}
	h.membersPage(w, r, 0, &Page{}, err)
}

// POST /workspaces: a new workspace, owned by whoever makes it, switched to.
func (h *Handler) createWorkspace(w http.ResponseWriter, r *http.Request) {
	ws, err := h.Workspaces.Create(r.Context(), auth.UserFrom(r.Context()).ID, r.PostFormValue("name"))
	if err != nil {
		h.membersPage(w, r, 0, &Page{Form: map[string]string{"name": r.PostFormValue("name")}}, err)
		return
	}
	h.Sessions.Put(r.Context(), sessionWorkspaceKey, ws.ID)
	h.flash(r, "success", "Workspace “"+ws.Name+"” created. You are its owner.")
	redirect(w, r, "/")
}

// POST /workspace/delete: the owner deletes the workspace and all it holds.
func (h *Handler) deleteWorkspace(w http.ResponseWriter, r *http.Request) {
	if err := h.Workspaces.Delete(r.Context(), workspaceID(r)); err != nil {
		h.membersPage(w, r, 0, &Page{}, err)
		return
	}
	h.Sessions.Remove(r.Context(), sessionWorkspaceKey)
	h.flash(r, "success", "The workspace was deleted.")
	redirect(w, r, "/")
}

// POST /workspace: the navigation's switcher. The session remembers the
// choice; the dashboard opens, since the page shown belonged to the other
// workspace.
func (h *Handler) switchWorkspace(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PostFormValue("workspace_id"), 10, 64)
	if err != nil || id <= 0 {
		h.renderError(w, r, "error", &Page{Title: "Workspace not found"}, apperr.NotFound("Workspace"))
		return
	}
	m, err := h.Workspaces.Membership(r.Context(), id, auth.UserFrom(r.Context()).ID)
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Workspace not found"}, err)
		return
	}
	h.Sessions.Put(r.Context(), sessionWorkspaceKey, m.ID)
	redirect(w, r, "/")
}
