// Package workspaces is what several people share: a workspace owns the
// Telegram accounts, lists, campaigns, suppressions, conversations,
// webhooks and API tokens, and each member has a role in it (see
// internal/actor). There is always exactly one owner: the database allows
// at most one, and ownership moves in one transaction.
package workspaces

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/store"
)

// Store is what the service touches.
type Store interface {
	store.Workspaces
	UserByID(ctx context.Context, id int64) (store.User, error)
	InTx(ctx context.Context, fn func(tx store.Tx) error) error
}

type Service struct {
	st     Store
	now    func() time.Time
	mailer Mailer
}

func New(st Store) *Service { return &Service{st: st, now: time.Now} }

const maxNameLen = 100

var (
	// ErrNotMember is a workspace the person does not belong to: it is
	// not told apart from one that does not exist.
	ErrNotMember = &apperr.Error{
		Code:    apperr.CodeNotFound,
		Message: "Workspace not found",
		Hint:    "You are not a member of this workspace (any more). Pick one of yours in the navigation.",
		Status:  http.StatusNotFound,
	}
	errMemberNotFound = apperr.NotFound("Member")
	errOwnerRole      = &apperr.Error{
		Code:    apperr.CodeValidation,
		Field:   "role",
		Message: "The owner's role cannot be changed here",
		Hint:    "The owner can transfer ownership to another member; they then become an admin.",
		Status:  http.StatusUnprocessableEntity,
	}
	errRemoveOwner = &apperr.Error{
		Code:    apperr.CodeValidation,
		Message: "The owner cannot be removed",
		Hint:    "The owner can transfer ownership to another member first, or delete the workspace.",
		Status:  http.StatusUnprocessableEntity,
	}
	errLastWorkspace = &apperr.Error{
		Code:    apperr.CodeValidation,
		Message: "This is your only workspace",
		Hint:    "Create another workspace first: everyone needs one to work in.",
		Status:  http.StatusUnprocessableEntity,
	}
	errTransferToSelf = &apperr.Error{
		Code:    apperr.CodeValidation,
		Field:   "user_id",
		Message: "You already own this workspace",
		Hint:    "Pick another member to transfer ownership to.",
		Status:  http.StatusUnprocessableEntity,
	}
	errAlreadyMember = &apperr.Error{
		Code:    "conflict",
		Message: "This person is already a member",
		Hint:    "Change their role in the list of members instead.",
		Status:  http.StatusConflict,
	}
)

func badRole(field string) *apperr.Error {
	return &apperr.Error{
		Code:    apperr.CodeValidation,
		Field:   field,
		Message: "Pick a role: admin, operator or viewer",
		Hint:    "The owner is made by transferring ownership, not by a role change.",
		Status:  http.StatusUnprocessableEntity,
	}
}

// Create makes a workspace owned by userID.
func (s *Service) Create(ctx context.Context, userID int64, name string) (store.Workspace, error) {
	// Anyone may make a workspace of their own, but not with a token
	// that may change nothing.
	if a, ok := actor.From(ctx); ok && a.ReadOnly {
		return store.Workspace{}, actor.Require(ctx, actor.Operator)
	}
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return store.Workspace{}, apperr.Validation("name", "Give the workspace a name")
	case !utf8.ValidString(name) || strings.ContainsRune(name, 0):
		return store.Workspace{}, apperr.Validation("name", "The name is not valid text")
	case utf8.RuneCountInString(name) > maxNameLen:
		return store.Workspace{}, apperr.Validation("name", "Use a name of at most 100 characters")
	}
	w, err := s.st.CreateWorkspace(ctx, name, userID, s.now().UTC())
	if err != nil {
		return store.Workspace{}, fmt.Errorf("create workspace for user %d: %w", userID, err)
	}
	return w, nil
}

// Mine lists userID's workspaces with their role in each, oldest first.
func (s *Service) Mine(ctx context.Context, userID int64) ([]store.Membership, error) {
	return s.st.UserWorkspaces(ctx, userID)
}

// Membership is userID's place in workspaceID, or ErrNotMember.
func (s *Service) Membership(ctx context.Context, workspaceID, userID int64) (store.Membership, error) {
	m, err := s.st.Membership(ctx, workspaceID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Membership{}, ErrNotMember.Wrap(err)
	}
	return m, err
}

// Resolve is the workspace a signed-in person works in: preferred when
// they are a member of it, else their oldest. Someone in none (removed
// from every workspace they had) gets a new one of their own, as at
// sign-up. mine lists all of theirs, for the navigation's switcher.
func (s *Service) Resolve(ctx context.Context, u store.User, preferred int64) (current store.Membership, mine []store.Membership, err error) {
	mine, err = s.st.UserWorkspaces(ctx, u.ID)
	if err != nil {
		return store.Membership{}, nil, fmt.Errorf("workspaces of user %d: %w", u.ID, err)
	}
	if len(mine) == 0 {
		w, err := s.st.CreateWorkspace(ctx, u.Email+"'s workspace", u.ID, s.now().UTC())
		if err != nil {
			return store.Membership{}, nil, fmt.Errorf("create a workspace for user %d: %w", u.ID, err)
		}
		mine = []store.Membership{{Workspace: w, Role: string(actor.Owner)}}
	}
	current = mine[0]
	for _, m := range mine {
		if m.ID == preferred {
			current = m
		}
	}
	return current, mine, nil
}

// require checks the acting person's role in workspaceID itself (which
// need not be the workspace the request works in, for the API's
// /workspaces/{id}/…), read now.
func (s *Service) require(ctx context.Context, workspaceID int64, min actor.Role) (actor.Actor, error) {
	a, ok := actor.From(ctx)
	if !ok {
		return a, nil
	}
	m, err := s.Membership(ctx, workspaceID, a.UserID)
	if err != nil {
		return a, err
	}
	a.WorkspaceID, a.Role = workspaceID, actor.Role(m.Role)
	return a, actor.Require(actor.With(ctx, a), min)
}

// Members lists a workspace's members; every member may see them.
func (s *Service) Members(ctx context.Context, workspaceID int64) ([]store.WorkspaceMember, error) {
	if _, err := s.require(ctx, workspaceID, actor.Viewer); err != nil {
		return nil, err
	}
	return s.st.WorkspaceMembers(ctx, workspaceID)
}

// AddMember adds an existing user with a role below owner (admins and the
// owner): the CLI's add-member. The web and the API invite instead (see
// Invite), which tells nobody who has an account.
func (s *Service) AddMember(ctx context.Context, workspaceID, userID int64, role actor.Role) error {
	if !role.Valid() || role == actor.Owner {
		return badRole("role")
	}
	if _, err := s.require(ctx, workspaceID, actor.Admin); err != nil {
		return err
	}
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		if err := tx.AddWorkspaceMember(ctx, workspaceID, userID, string(role), s.now().UTC()); err != nil {
			return err
		}
		return s.record(ctx, tx, workspaceID, audit.MemberInvited, userID, "Added as "+string(role))
	})
	if errors.Is(err, store.ErrConflict) {
		return errAlreadyMember.Wrap(err)
	}
	return err
}

// record writes a change of the workspace's members to its audit log, in
// the change's transaction: a change that cannot be recorded is not made.
func (s *Service) record(ctx context.Context, tx store.Tx, workspaceID int64, action string, userID int64, detail string) error {
	email := ""
	if u, err := tx.UserByID(ctx, userID); err == nil {
		email = u.Email
	}
	return audit.Record(ctx, tx, s.now(), workspaceID, audit.ActorFrom(ctx), audit.Member(action, userID, email, detail))
}

// SetRole changes a member's role (admins and the owner); the owner's
// own role moves only with ownership. It takes effect on the member's next
// request.
func (s *Service) SetRole(ctx context.Context, workspaceID, userID int64, role actor.Role) (store.WorkspaceMember, error) {
	if !role.Valid() || role == actor.Owner {
		return store.WorkspaceMember{}, badRole("role")
	}
	if _, err := s.require(ctx, workspaceID, actor.Admin); err != nil {
		return store.WorkspaceMember{}, err
	}
	var out store.WorkspaceMember
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		m, err := member(ctx, tx, workspaceID, userID)
		if err != nil {
			return err
		}
		if m.Role == string(actor.Owner) {
			return errOwnerRole
		}
		if err := tx.SetWorkspaceMemberRole(ctx, workspaceID, userID, string(role)); err != nil {
			return err
		}
		if err := s.record(ctx, tx, workspaceID, audit.MemberRoleChanged, userID, m.Role+" → "+string(role)); err != nil {
			return err
		}
		m.Role = string(role)
		out = m
		return nil
	})
	return out, err
}

// Remove takes a member out of the workspace (admins and the owner; any
// member may leave). Their API tokens stop working with it.
func (s *Service) Remove(ctx context.Context, workspaceID, userID int64) error {
	if a, ok := actor.From(ctx); !ok || a.UserID != userID {
		if _, err := s.require(ctx, workspaceID, actor.Admin); err != nil {
			return err
		}
	}
	return s.st.InTx(ctx, func(tx store.Tx) error {
		m, err := member(ctx, tx, workspaceID, userID)
		if err != nil {
			return err
		}
		if m.Role == string(actor.Owner) {
			return errRemoveOwner
		}
		if err := tx.RemoveWorkspaceMember(ctx, workspaceID, userID); err != nil {
			return err
		}
		return s.record(ctx, tx, workspaceID, audit.MemberRemoved, userID, "Was "+m.Role)
	})
}

// TransferOwnership makes another member the owner; the owner becomes an
// admin. Only the owner may: there is exactly one before and after.
func (s *Service) TransferOwnership(ctx context.Context, workspaceID, toUserID int64) error {
	a, err := s.require(ctx, workspaceID, actor.Owner)
	if err != nil {
		return err
	}
	if a.UserID == toUserID {
		return errTransferToSelf
	}
	return s.st.InTx(ctx, func(tx store.Tx) error {
		if _, err := member(ctx, tx, workspaceID, toUserID); err != nil {
			return err
		}
		members, err := tx.WorkspaceMembers(ctx, workspaceID)
		if err != nil {
			return err
		}
		for _, m := range members {
			if m.Role == string(actor.Owner) {
				// Demote first: the database holds at most one owner.
				if err := tx.SetWorkspaceMemberRole(ctx, workspaceID, m.UserID, string(actor.Admin)); err != nil {
					return err
				}
			}
		}
		if err := tx.SetWorkspaceMemberRole(ctx, workspaceID, toUserID, string(actor.Owner)); err != nil {
			return err
		}
		return s.record(ctx, tx, workspaceID, audit.MemberRoleChanged, toUserID, "Made the owner; the former owner is an admin")
	})
}

// Delete deletes the workspace with everything it owns (the owner only).
// Nobody deletes their last workspace: they would have nowhere to work.
func (s *Service) Delete(ctx context.Context, workspaceID int64) error {
	a, err := s.require(ctx, workspaceID, actor.Owner)
	if err != nil {
		return err
	}
	if a.UserID != 0 {
		mine, err := s.st.UserWorkspaces(ctx, a.UserID)
		if err != nil {
			return err
		}
		if len(mine) <= 1 {
			return errLastWorkspace
		}
	}
	return s.st.DeleteWorkspace(ctx, workspaceID)
}

func member(ctx context.Context, tx store.Tx, workspaceID, userID int64) (store.WorkspaceMember, error) {
	members, err := tx.WorkspaceMembers(ctx, workspaceID)
	if err != nil {
		return store.WorkspaceMember{}, err
	}
	for _, m := range members {
		if m.UserID == userID {
			return m, nil
		}
	}
	return store.WorkspaceMember{}, errMemberNotFound
}
