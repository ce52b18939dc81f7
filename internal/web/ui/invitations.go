package ui

import (
	"net/http"
	"strconv"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/web/auth"
)

// linkBase is where the links pages hand out start: --base-url, else the
// address this request was made to.
func (h *Handler) linkBase(r *http.Request) string {
	if h.BaseURL != "" {
		return h.BaseURL
	}
	return auth.Origin(r)
}

// POST /members/invitations. The link is rendered in the response, not
// flashed, so it never sits in the session store.
func (h *Handler) inviteMember(w http.ResponseWriter, r *http.Request) {
	email, role := r.PostFormValue("email"), r.PostFormValue("role")
	inv, err := h.Workspaces.Invite(r.Context(), workspaceID(r), email, actor.Role(role), h.linkBase(r))
	if err != nil {
		h.membersPage(w, r, 0, &Page{Form: map[string]string{"email": email, "role": role}}, err)
		return
	}
	if inv.MailErr != nil {
		auth.NoteError(r.Context(), inv.MailErr) // for the operator's log; the page says what to do
	}
	h.membersPageInvited(w, r, http.StatusCreated, &Page{}, &inv)
}

// POST /members/invitations/{id}/revoke
func (h *Handler) revokeInvitation(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.membersPage(w, r, 0, &Page{}, apperr.NotFound("Invitation"))
		return
	}
	if err := h.Workspaces.RevokeInvitation(r.Context(), workspaceID(r), id); err != nil {
		h.membersPage(w, r, 0, &Page{}, err)
		return
	}
	h.flash(r, "success", "The invitation was revoked: its link no longer works.")
	redirect(w, r, "/members")
}

type invitationData struct {
	Token string
	// Invitation is the pending invitation the link opens; its workspace
	// and role are all the page tells, whoever opens it.
	Workspace, Role, Email string
	Valid                  bool
}

// GET /invite/{token}: the same page whether or not the invited email
// has an account: a form to sign up and one to sign in, or, signed in,
// a button to join.
func (h *Handler) showInvitation(w http.ResponseWriter, r *http.Request) {
	h.invitationPage(w, r, http.StatusOK, nil, nil)
}

func (h *Handler) invitationPage(w http.ResponseWriter, r *http.Request, status int, form map[string]string, err error) {
	token := r.PathValue("token")
	d := invitationData{Token: token}
	p := &Page{Title: "Invitation", Form: form, Data: &d}
	inv, ierr := h.Workspaces.InvitationFor(r.Context(), token)
	if ierr != nil {
		p.Title = "Invitation not valid"
		h.renderError(w, r, "invitation", p, ierr)
		return
	}
	d.Valid, d.Workspace, d.Role, d.Email = true, inv.WorkspaceName, inv.Role, inv.Email
	if p.Form == nil {
		p.Form = map[string]string{"email": inv.Email, "login_email": inv.Email}
	}
	if err != nil {
		h.renderError(w, r, "invitation", p, err)
		return
	}
	h.render(w, r, status, "invitation", p)
}

// POST /invite/{token}/accept: the signed-in person joins.
func (h *Handler) acceptInvitation(w http.ResponseWriter, r *http.Request) {
	h.join(w, r, auth.UserFrom(r.Context()).ID, nil)
}

// POST /invite/{token}/signup: a new account, then joins. Sign-up closed
// on the instance does not stop someone invited.
func (h *Handler) invitationSignup(w http.ResponseWriter, r *http.Request) {
	email, password := r.PostFormValue("email"), r.PostFormValue("password")
	form := map[string]string{"email": email, "login_email": email}
	if _, err := h.Workspaces.InvitationFor(r.Context(), r.PathValue("token")); err != nil {
		h.invitationPage(w, r, 0, form, nil) // says what is wrong with the link
		return
	}
	u, err := h.Users.SignUpInvited(r.Context(), email, password, clientIP(r))
	if err == nil {
		err = h.Sessions.RenewToken(r.Context())
	}
	if err != nil {
		h.invitationPage(w, r, 0, form, err)
		return
	}
	h.Sessions.Put(r.Context(), sessionUserKey, u.ID)
	h.join(w, r, u.ID, form)
}

// POST /invite/{token}/login: an existing account, then joins.
func (h *Handler) invitationLogin(w http.ResponseWriter, r *http.Request) {
	email, password := r.PostFormValue("login_email"), r.PostFormValue("login_password")
	form := map[string]string{"email": email, "login_email": email}
	if _, err := h.Workspaces.InvitationFor(r.Context(), r.PathValue("token")); err != nil {
		h.invitationPage(w, r, 0, form, nil)
		return
	}
	u, err := h.logIn(w, r, email, password)
	if err != nil {
		h.invitationPage(w, r, 0, form, err)
		return
	}
	h.join(w, r, u.ID, form)
}

func (h *Handler) join(w http.ResponseWriter, r *http.Request, userID int64, form map[string]string) {
	m, err := h.Workspaces.Accept(r.Context(), r.PathValue("token"), userID)
	if err != nil {
		if form != nil {
			// Signed in a moment ago: the next page knows it.
			h.flash(r, "danger", errText(err))
			redirect(w, r, "/")
			return
		}
		h.invitationPage(w, r, 0, nil, err)
		return
	}
	h.Sessions.Put(r.Context(), sessionWorkspaceKey, m.ID)
	h.flash(r, "success", "You joined “"+m.Name+"” as "+m.Role+".")
	redirect(w, r, "/")
}

// errText is an error as one line for a flash.
func errText(err error) string {
	if e, ok := apperr.As(err); ok {
		if e.Hint != "" {
			return e.Message + ". " + e.Hint
		}
		return e.Message
	}
	return "Something went wrong on our side."
}
