package workspaces

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/users"
)

// InvitationValidFor is how long an invitation's link works.
const InvitationValidFor = 7 * 24 * time.Hour

// InvitePath starts an invitation's link; the token follows it.
const InvitePath = "/invite/"

// Mailer sends an invitation's link by email (internal/mail over SMTP).
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// SetMailer makes Invite email the link too; without one the person who
// invites passes it on by hand.
func (s *Service) SetMailer(m Mailer) { s.mailer = m }

// Emails reports whether invitations are sent by email.
func (s *Service) Emails() bool { return s.mailer != nil }

// SetClock replaces time.Now (tests of expiry).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

var (
	errInvitationNotFound = &apperr.Error{
		Code:    apperr.CodeNotFound,
		Message: "This invitation link is not valid",
		Hint:    "Check that the whole link was copied, or ask the person who invited you for a new one.",
		Status:  http.StatusNotFound,
	}
	errInvitationExpired = &apperr.Error{
		Code:    "invitation_expired",
		Message: "This invitation has expired",
		Hint:    "Invitations are valid for 7 days. Ask the person who invited you for a new one.",
		Status:  http.StatusGone,
	}
	errInvitationUsed = &apperr.Error{
		Code:    "invitation_used",
		Message: "This invitation has already been used",
		Hint:    "Each link works once. If it was not you who used it, ask the person who invited you for a new one.",
		Status:  http.StatusGone,
	}
	errInvitationRevoked = &apperr.Error{
		Code:    "invitation_revoked",
		Message: "This invitation was revoked",
		Hint:    "Ask the person who invited you for a new one.",
		Status:  http.StatusGone,
	}
	errPendingNotFound = &apperr.Error{
		Code:    apperr.CodeNotFound,
		Message: "Invitation not found",
		Hint:    "It may have been accepted, revoked or have expired already: the members page lists the pending ones.",
		Status:  http.StatusNotFound,
	}
	errAlreadyJoined = &apperr.Error{
		Code:    "conflict",
		Message: "You are already a member of this workspace",
		Hint:    "Switch to it in the navigation. The invitation stays unused.",
		Status:  http.StatusConflict,
	}
)

// Invited is a new invitation with its link, shown once.
type Invited struct {
	Invitation store.Invitation
	URL        string
	// Emailed says the link was sent; MailErr why it was not, when a
	// mailer is set but the server refused.
	Emailed bool
	MailErr error
}

// Invite invites email to workspaceID with role (admins and the owner).
// The answer is the same whether or not email has an account, so
// inviting cannot tell who has one; only a current member is refused,
// whom the members page shows anyway. A new invitation to the same email
// replaces the pending one. base is the instance's public address
// (scheme://host[/path]) the link starts with.
func (s *Service) Invite(ctx context.Context, workspaceID int64, email string, role actor.Role, base string) (Invited, error) {
	if !role.Valid() || role == actor.Owner {
		return Invited{}, badRole("role")
	}
	a, err := s.require(ctx, workspaceID, actor.Admin)
	if err != nil {
		return Invited{}, err
	}
	email = users.NormalizeEmail(email)
	if err := users.ValidateEmail(email); err != nil {
		return Invited{}, err
	}
	token, hash, err := newInvitationToken()
	if err != nil {
		return Invited{}, err
	}
	now := s.now().UTC()
	in := store.NewInvitation{WorkspaceID: workspaceID, Email: email, Role: string(role), TokenHash: hash,
		InvitedBy: a.UserID, Now: now, ExpiresAt: now.Add(InvitationValidFor)}
	var inv store.Invitation
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		members, err := tx.WorkspaceMembers(ctx, workspaceID)
		if err != nil {
			return err
		}
		for _, m := range members {
			if m.Email == email {
				return &apperr.Error{Code: "conflict", Field: "email", Status: http.StatusConflict,
					Message: email + " is already a member of this workspace",
					Hint:    "Change their role in the list of members instead."}
			}
		}
		if err := tx.RevokeInvitationsTo(ctx, workspaceID, email, now); err != nil {
			return err
		}
		if _, err := tx.CreateInvitation(ctx, in); err != nil {
			return err
		}
		if inv, err = tx.InvitationByHash(ctx, hash); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, workspaceID, audit.ActorFrom(ctx), audit.Event{Action: audit.MemberInvited,
			TargetKind: audit.TargetInvitation, TargetID: inv.ID, TargetLabel: email,
			Detail: "As " + string(role) + ", link valid until " + inv.ExpiresAt.Format("2006-01-02 15:04 MST")})
	})
	if err != nil {
		return Invited{}, err
	}
	out := Invited{Invitation: inv, URL: strings.TrimRight(base, "/") + InvitePath + token}
	if s.mailer != nil {
		if err := s.mailer.Send(ctx, email, "You are invited to “"+inv.WorkspaceName+"” on Telegramate", invitationMail(inv, out.URL)); err != nil {
			out.MailErr = err
		} else {
			out.Emailed = true
		}
	}
	return out, nil
}

func invitationMail(inv store.Invitation, link string) string {
	by := "Someone"
	if inv.InvitedByEmail != "" {
		by = inv.InvitedByEmail
	}
	return fmt.Sprintf("%s invites you to the workspace “%s” on Telegramate, as %s.\n\n"+
		"Open this link to join (you can sign up or sign in there):\n\n%s\n\n"+
		"The link works once and until %s. If you did not expect it, ignore this email.\n",
		by, inv.WorkspaceName, inv.Role, link, inv.ExpiresAt.Format("2 January 2006 15:04 MST"))
}

// newInvitationToken is 32 random bytes for the link and their SHA-256
// hash, the only thing stored.
func newInvitationToken() (token string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("invitation token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashInvitationToken(token), nil
}

func hashInvitationToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Invitations lists a workspace's pending invitations (every member may
// see them, as they see the members).
func (s *Service) Invitations(ctx context.Context, workspaceID int64) ([]store.Invitation, error) {
	if _, err := s.require(ctx, workspaceID, actor.Viewer); err != nil {
		return nil, err
	}
	return s.st.PendingInvitations(ctx, workspaceID, s.now().UTC())
}

// RevokeInvitation makes a pending invitation's link stop working (admins
// and the owner).
func (s *Service) RevokeInvitation(ctx context.Context, workspaceID, id int64) error {
	if _, err := s.require(ctx, workspaceID, actor.Admin); err != nil {
		return err
	}
	now := s.now().UTC()
	return s.st.InTx(ctx, func(tx store.Tx) error {
		var inv store.Invitation
		list, err := tx.PendingInvitations(ctx, workspaceID, now)
		if err != nil {
			return err
		}
		for _, x := range list {
			if x.ID == id {
				inv = x
			}
		}
		if inv.ID == 0 {
			return errPendingNotFound
		}
		if err := tx.RevokeInvitation(ctx, workspaceID, id, now); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return errPendingNotFound.Wrap(err)
			}
			return err
		}
		return audit.Record(ctx, tx, now, workspaceID, audit.ActorFrom(ctx), audit.Event{Action: audit.InvitationRevoked,
			TargetKind: audit.TargetInvitation, TargetID: id, TargetLabel: inv.Email, Detail: "Was to join as " + inv.Role})
	})
}

// InvitationFor is the pending invitation a link's token opens, for the
// page that accepts it; an unknown, expired, used or revoked one is an
// error saying which. It tells nothing about the invited email's account.
func (s *Service) InvitationFor(ctx context.Context, token string) (store.Invitation, error) {
	inv, err := s.st.InvitationByHash(ctx, hashInvitationToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return store.Invitation{}, errInvitationNotFound.Wrap(err)
	}
	if err != nil {
		return store.Invitation{}, err
	}
	return inv, pending(inv, s.now())
}

func pending(inv store.Invitation, now time.Time) error {
	switch {
	case !inv.AcceptedAt.IsZero():
		return errInvitationUsed
	case !inv.RevokedAt.IsZero():
		return errInvitationRevoked
	case !now.Before(inv.ExpiresAt):
		return errInvitationExpired
	}
	return nil
}

// Accept makes userID a member of the invitation's workspace with its
// role and uses the invitation up, in one transaction. Whoever holds the
// link may accept it, whatever their email: accounts' emails are not
// verified, so requiring a match would protect nothing. Someone already
// a member is told so and the invitation stays unused.
func (s *Service) Accept(ctx context.Context, token string, userID int64) (store.Membership, error) {
	if a, ok := actor.From(ctx); ok && a.ReadOnly {
		e := *actor.Forbidden
		e.Message = "This API token is read-only"
		e.Hint = "Accepting an invitation changes your workspaces; use a token that is not read-only."
		return store.Membership{}, &e
	}
	if by := audit.ActorFrom(ctx); by.UserID != userID {
		// Signed up a moment ago on the link's page: no session yet.
		ctx = audit.WithActor(ctx, audit.Actor{UserID: userID, IP: by.IP})
	}
	now := s.now().UTC()
	var out store.Membership
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		inv, err := tx.InvitationByHash(ctx, hashInvitationToken(token))
		if errors.Is(err, store.ErrNotFound) {
			return errInvitationNotFound.Wrap(err)
		}
		if err != nil {
			return err
		}
		if err := pending(inv, now); err != nil {
			return err
		}
		if _, err := tx.Membership(ctx, inv.WorkspaceID, userID); err == nil {
			return errAlreadyJoined
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := tx.UseInvitation(ctx, inv.ID, userID, now); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return errInvitationUsed.Wrap(err) // taken a moment ago
			}
			return err
		}
		if err := tx.AddWorkspaceMember(ctx, inv.WorkspaceID, userID, inv.Role, now); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return errAlreadyJoined.Wrap(err)
			}
			return err
		}
		detail := "Joined as " + inv.Role
		if u, err := tx.UserByID(ctx, userID); err == nil && u.Email != inv.Email {
			detail += " with the invitation to " + inv.Email
		}
		if err := s.record(ctx, tx, inv.WorkspaceID, audit.InvitationAccepted, userID, detail); err != nil {
			return err
		}
		out = store.Membership{Workspace: store.Workspace{ID: inv.WorkspaceID, Name: inv.WorkspaceName}, Role: inv.Role}
		return nil
	})
	return out, err
}
