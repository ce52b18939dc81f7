package workspaces_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/workspaces"
)

func user(t *testing.T, st store.Store, email string) store.User {
	t.Helper()
	u, err := st.CreateUser(context.Background(), store.NewUser{Email: email, PasswordHash: "x", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func as(userID, workspaceID int64, role actor.Role) context.Context {
	return actor.With(context.Background(), actor.Actor{UserID: userID, WorkspaceID: workspaceID, Role: role})
}

func owners(t *testing.T, st store.Store, ws int64) []int64 {
	t.Helper()
	ms, err := st.WorkspaceMembers(context.Background(), ws)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, m := range ms {
		if m.Role == "owner" {
			out = append(out, m.UserID)
		}
	}
	return out
}

func forbidden(t *testing.T, what string, err error) {
	t.Helper()
	if e, ok := apperr.As(err); !ok || e.Code != "forbidden" || e.Status != 403 {
		t.Errorf("%s: %v, want forbidden", what, err)
	}
}

// TestRolesAndOwnership walks a team through its life: a sign-up owns a
// workspace of their own, an admin manages members but not the owner,
// lower roles manage nobody, ownership moves (exactly one owner before and
// after), a removed member is no longer a member.
func TestRolesAndOwnership(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		svc := workspaces.New(st)
		ann, bob, cy, dee := user(t, st, "ann@example.com"), user(t, st, "bob@example.com"), user(t, st, "cy@example.com"), user(t, st, "dee@example.com")
		mine, err := svc.Mine(ctx, ann.ID)
		if err != nil || len(mine) != 1 || mine[0].Role != "owner" || mine[0].Name != "ann@example.com's workspace" {
			t.Fatalf("a sign-up's workspaces: %+v, %v", mine, err)
		}
		ws := mine[0].ID
		owner := as(ann.ID, ws, actor.Owner)
		if err := svc.AddMember(owner, ws, bob.ID, actor.Admin); err != nil {
			t.Fatal(err)
		}
		if err := svc.AddMember(owner, ws, cy.ID, actor.Operator); err != nil {
			t.Fatal(err)
		}
		if err := svc.AddMember(owner, ws, cy.ID, actor.Viewer); err == nil {
			t.Error("a member was added twice")
		}
		if err := svc.AddMember(owner, ws, dee.ID, actor.Owner); err == nil {
			t.Error("a second owner was added")
		}
		// The role is read from the membership, not from what the caller
		// claims: cy is an operator whatever the context says.
		forbidden(t, "operator adds a member", svc.AddMember(as(cy.ID, ws, actor.Admin), ws, dee.ID, actor.Viewer))
		admin := as(bob.ID, ws, actor.Admin)
		if err := svc.AddMember(admin, ws, dee.ID, actor.Viewer); err != nil {
			t.Fatal(err)
		}
		forbidden(t, "viewer changes a role", func() error { _, err := svc.SetRole(as(dee.ID, ws, actor.Viewer), ws, cy.ID, actor.Viewer); return err }())
		if m, err := svc.SetRole(admin, ws, dee.ID, actor.Operator); err != nil || m.Role != "operator" {
			t.Errorf("admin promotes a viewer: %+v, %v", m, err)
		}
		if _, err := svc.SetRole(admin, ws, ann.ID, actor.Viewer); err == nil {
			t.Error("an admin demoted the owner")
		}
		if err := svc.Remove(admin, ws, ann.ID); err == nil {
			t.Error("an admin removed the owner")
		}
		forbidden(t, "admin transfers ownership", svc.TransferOwnership(admin, ws, bob.ID))
		forbidden(t, "admin deletes the workspace", svc.Delete(admin, ws))
		if got := owners(t, st, ws); len(got) != 1 || got[0] != ann.ID {
			t.Fatalf("owners %v", got)
		}
		if err := svc.TransferOwnership(owner, ws, cy.ID); err != nil {
			t.Fatal(err)
		}
		if got := owners(t, st, ws); len(got) != 1 || got[0] != cy.ID {
			t.Errorf("owners after the transfer %v, want only %d", got, cy.ID)
		}
		if m, _ := svc.Membership(ctx, ws, ann.ID); m.Role != "admin" {
			t.Errorf("the former owner is %q, want admin", m.Role)
		}
		forbidden(t, "the former owner transfers again", svc.TransferOwnership(owner, ws, ann.ID))
		if err := svc.Remove(admin, ws, dee.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Membership(ctx, ws, dee.ID); !errors.Is(err, workspaces.ErrNotMember) {
			t.Errorf("a removed member's membership: %v", err)
		}
		// Each change of the members is in the workspace's audit log,
		// with who made it.
		events, err := st.AuditEventsPage(ctx, ws, store.AuditFilter{}, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range events {
			got = append(got, fmt.Sprintf("%s %d by %d", e.Action, e.TargetID, e.ActorUserID))
		}
		for _, want := range []string{
			fmt.Sprintf("member_invited %d by %d", bob.ID, ann.ID), fmt.Sprintf("member_invited %d by %d", dee.ID, bob.ID),
			fmt.Sprintf("member_role_changed %d by %d", dee.ID, bob.ID), fmt.Sprintf("member_role_changed %d by %d", cy.ID, ann.ID),
			fmt.Sprintf("member_removed %d by %d", dee.ID, bob.ID),
		} {
			if !slices.Contains(got, want) {
				t.Errorf("audit log has no %q: %v", want, got)
			}
		}
		// A member may leave on their own.
		if err := svc.Remove(as(bob.ID, ws, actor.Viewer), ws, bob.ID); err != nil {
			t.Errorf("bob leaves: %v", err)
		}
		// Nobody outside sees the members.
		if _, err := svc.Members(as(dee.ID, ws, actor.Owner), ws); !errors.Is(err, workspaces.ErrNotMember) {
			t.Errorf("an outsider lists members: %v", err)
		}
		// The owner deletes a workspace, not their last one.
		newOwner := as(cy.ID, ws, actor.Owner)
		if err := svc.Delete(as(dee.ID, 0, actor.Owner), ws); err == nil {
			t.Error("an outsider deleted the workspace")
		}
		second, err := svc.Create(ctx, cy.ID, "Second")
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Delete(as(cy.ID, second.ID, actor.Owner), second.ID); err != nil {
			t.Fatal(err)
		}
		cyMine, _ := svc.Mine(ctx, cy.ID)
		if len(cyMine) != 2 {
			t.Fatalf("cy's workspaces %+v", cyMine)
		}
		if err := svc.Delete(newOwner, ws); err != nil {
			t.Fatal(err)
		}
		if _, err := st.WorkspaceByID(ctx, ws); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the deleted workspace: %v", err)
		}
		if err := svc.Delete(as(cy.ID, cyMine[0].ID, actor.Owner), cyMine[0].ID); err == nil {
			t.Error("cy deleted their last workspace")
		}
	})
}
