package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	roles "github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/web/auth"
	"github.com/telegramate/telegramate/internal/workspaces"
)

// Invitation is a pending invitation to a workspace. Its link is shown
// once, when it is made: only a hash of its token is kept.
type Invitation struct {
	ID             int64     `json:"id"`
	Email          string    `json:"email"`
	Role           string    `json:"role" enum:"admin,operator,viewer"`
	InvitedBy      int64     `json:"invited_by" doc:"The user id of who invited; 0 once that account is deleted"`
	InvitedByEmail string    `json:"invited_by_email"`
	CreatedAt      time.Time `json:"created_at"`
	ExpiresAt      time.Time `json:"expires_at"`
}

// Invited is a new invitation with its one-time link.
type Invited struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Role      string    `json:"role" enum:"admin,operator,viewer"`
	URL       string    `json:"url" doc:"The one-time link that joins the workspace, valid until expires_at. Shown only now: pass it on unless emailed is true"`
	ExpiresAt time.Time `json:"expires_at"`
	Emailed   bool      `json:"emailed" doc:"The link was also emailed (the instance has --smtp-url)"`
}

const inviteDoc = ". The answer is the same whether or not the email has an account, so it cannot be used to learn who has one; " +
	"an email that is already a member is refused (409). A new invitation to the same email replaces the pending one. " +
	"The link is valid for 7 days and works once; admins and the owner only (403 forbidden for others), never as owner (422)"

func (a *API) registerInvitations() {
	if a.deps.Workspaces == nil {
		return
	}
	op := operation("Workspaces")
	huma.Register(a.huma, op("create-invitation", http.MethodPost, "/workspaces/{id}/invitations",
		"Invite someone by email with a role"+inviteDoc, http.StatusCreated), a.createInvitation)
	huma.Register(a.huma, op("add-workspace-member", http.MethodPost, "/workspaces/{id}/members",
		"Add a member by email: this makes an invitation, exactly as POST /workspaces/{id}/invitations does, and answers the same"+inviteDoc, http.StatusCreated), a.createInvitation)
	huma.Register(a.huma, op("list-invitations", http.MethodGet, "/workspaces/{id}/invitations",
		"The workspace's pending invitations (not accepted, revoked or expired), oldest first; their links are not shown again", 0), a.listInvitations)
	huma.Register(a.huma, op("revoke-invitation", http.MethodDelete, "/workspaces/{id}/invitations/{invitation_id}",
		"Revoke a pending invitation: its link stops working (admins and the owner)", http.StatusNoContent), a.revokeInvitation)
	huma.Register(a.huma, op("accept-invitation", http.MethodPost, "/invitations/accept",
		"Join a workspace with an invitation's token (the end of its link), as the token's person, with the invitation's role. "+
			"An expired, used or revoked invitation answers 410 (invitation_expired, invitation_used, invitation_revoked) and changes nothing; "+
			"a member of the workspace already is refused (409) and the invitation stays unused", 0), a.acceptInvitation)
}

type createInvitationIn struct {
	ID   int64 `path:"id" doc:"The workspace's id"`
	Body struct {
		Email string `json:"email" maxLength:"254" doc:"Who to invite"`
		Role  string `json:"role" enum:"admin,operator,viewer" doc:"Their role once they join"`
	}
	origin string
}

// Resolve keeps the address the request was made to, for the link when
// no --base-url is set.
func (in *createInvitationIn) Resolve(ctx huma.Context) []error {
	scheme := "http"
	if ctx.TLS() != nil {
		scheme = "https"
	}
	in.origin = scheme + "://" + ctx.Host()
	return nil
}

type invitedOut struct{ Body Invited }

// POST /workspaces/{id}/invitations and /workspaces/{id}/members
func (a *API) createInvitation(ctx context.Context, in *createInvitationIn) (*invitedOut, error) {
	base := a.deps.BaseURL
	if base == "" {
		base = in.origin
	}
	inv, err := a.deps.Workspaces.Invite(ctx, in.ID, in.Body.Email, roles.Role(in.Body.Role), base)
	if err != nil {
		return nil, err
	}
	if inv.MailErr != nil {
		auth.NoteError(ctx, inv.MailErr) // for the operator's log; emailed is false, the link is in the answer
	}
	return &invitedOut{Body: Invited{ID: inv.Invitation.ID, Email: inv.Invitation.Email, Role: inv.Invitation.Role,
		URL: inv.URL, ExpiresAt: inv.Invitation.ExpiresAt.UTC(), Emailed: inv.Emailed}}, nil
}

type listInvitationsOut struct {
	Body struct {
		Invitations []Invitation `json:"invitations"`
	}
}

// GET /workspaces/{id}/invitations
func (a *API) listInvitations(ctx context.Context, in *workspaceIDIn) (*listInvitationsOut, error) {
	list, err := a.deps.Workspaces.Invitations(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	out := &listInvitationsOut{}
	out.Body.Invitations = make([]Invitation, 0, len(list))
	for _, i := range list {
		out.Body.Invitations = append(out.Body.Invitations, invitationBody(i))
	}
	return out, nil
}

func invitationBody(i store.Invitation) Invitation {
	return Invitation{ID: i.ID, Email: i.Email, Role: i.Role, InvitedBy: i.InvitedBy, InvitedByEmail: i.InvitedByEmail,
		CreatedAt: i.CreatedAt.UTC(), ExpiresAt: i.ExpiresAt.UTC()}
}

type invitationIn struct {
	ID           int64 `path:"id" doc:"The workspace's id"`
	InvitationID int64 `path:"invitation_id" doc:"The invitation's id"`
}

// DELETE /workspaces/{id}/invitations/{invitation_id}
func (a *API) revokeInvitation(ctx context.Context, in *invitationIn) (*struct{}, error) {
	return nil, a.deps.Workspaces.RevokeInvitation(ctx, in.ID, in.InvitationID)
}

type acceptInvitationIn struct {
	Body struct {
		Token string `json:"token" minLength:"1" maxLength:"2048" doc:"The invitation's token: the end of its link after /invite/ (the whole link is accepted too)"`
	}
}

// POST /invitations/accept
func (a *API) acceptInvitation(ctx context.Context, in *acceptInvitationIn) (*workspaceOut, error) {
	token := strings.TrimSpace(in.Body.Token)
	if _, after, ok := strings.Cut(token, workspaces.InvitePath); ok {
		token = after
	}
	m, err := a.deps.Workspaces.Accept(ctx, token, auth.UserFrom(ctx).ID)
	if err != nil {
		return nil, err
	}
	return &workspaceOut{Body: workspaceBody(m)}, nil
}
