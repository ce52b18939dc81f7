package workspaces_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/mail"
	"github.com/telegramate/telegramate/internal/mail/mailtest"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/workspaces"
)

func code(t *testing.T, what string, err error, want string, status int) {
	t.Helper()
	if e, ok := apperr.As(err); !ok || e.Code != want || e.HTTPStatus() != status {
		t.Errorf("%s: %v, want %s (%d)", what, err, want, status)
	}
}

func tokenOf(t *testing.T, link string) string {
	t.Helper()
	_, tok, ok := strings.Cut(link, workspaces.InvitePath)
	if !ok || len(tok) != 43 {
		t.Fatalf("link %q", link)
	}
	return tok
}

func auditActions(t *testing.T, st store.Store, ws int64) []string {
	t.Helper()
	evs, err := st.AuditEventsPage(context.Background(), ws, store.AuditFilter{}, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(evs) - 1; i >= 0; i-- {
		out = append(out, evs[i].Action+":"+evs[i].TargetLabel)
	}
	return out
}

// TestInvitationRoles: admins and the owner invite, operators and viewers
// are refused (403 forbidden), nobody is invited as owner.
func TestInvitationRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		svc := workspaces.New(st)
		ann := user(t, st, "ann@example.com")
		ws := ann.ID // a sign-up's own workspace has their id
		owner := as(ann.ID, ws, actor.Owner)
		for _, who := range []struct {
			email string
			role  actor.Role
		}{{"adm@example.com", actor.Admin}, {"op@example.com", actor.Operator}, {"view@example.com", actor.Viewer}} {
			u := user(t, st, who.email)
			if err := svc.AddMember(owner, ws, u.ID, who.role); err != nil {
				t.Fatal(err)
			}
			_, err := svc.Invite(as(u.ID, ws, who.role), ws, "new@example.com", actor.Viewer, "https://tg.example.com")
			if who.role == actor.Admin {
				if err != nil {
					t.Errorf("admin invites: %v", err)
				}
				continue
			}
			forbidden(t, string(who.role)+" invites", err)
			if _, err := svc.Invitations(as(u.ID, ws, who.role), ws); err != nil {
				t.Errorf("%s lists invitations: %v", who.role, err)
			}
		}
		_, err := svc.Invite(owner, ws, "new@example.com", actor.Owner, "https://tg.example.com")
		code(t, "invite as owner", err, "validation_failed", http.StatusUnprocessableEntity)
		_, err = svc.Invite(owner, ws, "new@example.com", "boss", "https://tg.example.com")
		code(t, "invite as boss", err, "validation_failed", http.StatusUnprocessableEntity)
		_, err = svc.Invite(owner, ws, "not an email", actor.Viewer, "https://tg.example.com")
		code(t, "invite a bad email", err, "validation_failed", http.StatusUnprocessableEntity)
		_, err = svc.Invite(owner, ws, "OP@example.com", actor.Viewer, "https://tg.example.com")
		code(t, "invite a member", err, "conflict", http.StatusConflict)
		// Another workspace's admin is not a member here.
		eve := user(t, st, "eve@example.com")
		_, err = svc.Invite(as(eve.ID, eve.ID, actor.Owner), ws, "x@example.com", actor.Viewer, "https://tg.example.com")
		code(t, "an outsider invites", err, "not_found", http.StatusNotFound)

		list, err := svc.Invitations(owner, ws)
		if err != nil || len(list) != 1 || list[0].Email != "new@example.com" || list[0].InvitedByEmail != "adm@example.com" {
			t.Errorf("pending: %+v %v", list, err)
		}
	})
}

// TestInvitationLifecycle: a link joins once with its role, is kept only
// as a hash, and an expired, used or revoked one changes nothing.
func TestInvitationLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
		svc := workspaces.New(st)
		svc.SetClock(func() time.Time { return now })
		ann := user(t, st, "ann@example.com")
		bob := user(t, st, "bob@example.com")
		ws := ann.ID
		owner := as(ann.ID, ws, actor.Owner)

		inv, err := svc.Invite(owner, ws, " Bob@Example.com ", actor.Operator, "https://tg.example.com/base/")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(inv.URL, "https://tg.example.com/base/invite/") || inv.Emailed || inv.MailErr != nil ||
			inv.Invitation.Email != "bob@example.com" || !inv.Invitation.ExpiresAt.Equal(now.Add(7*24*time.Hour)) {
			t.Errorf("invited: %+v", inv)
		}
		tok := tokenOf(t, inv.URL)

		// Only the hash is stored: no column of the row holds the token.
		rows, err := st.DB().QueryContext(ctx, "SELECT * FROM workspace_invitations")
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256([]byte(tok))
			for i, v := range vals {
				if s := fmt.Sprintf("%s", v); strings.Contains(s, tok) {
					t.Errorf("column %s holds the token", cols[i])
				}
				if cols[i] == "token_hash" && fmt.Sprintf("%x", v) != fmt.Sprintf("%x", sum[:]) {
					t.Errorf("token_hash %x, want sha256 %x", v, sum)
				}
			}
		}
		rows.Close()

		got, err := svc.InvitationFor(ctx, tok)
		if err != nil || got.WorkspaceName != "ann@example.com's workspace" || got.Role != "operator" {
			t.Errorf("for the link: %+v %v", got, err)
		}
		_, err = svc.InvitationFor(ctx, tok+"x")
		code(t, "a wrong token", err, "not_found", http.StatusNotFound)

		// Expired: a second before it works, at expiry it changes nothing.
		now = now.Add(7*24*time.Hour - time.Second)
		if _, err := svc.InvitationFor(ctx, tok); err != nil {
			t.Errorf("a second before expiry: %v", err)
		}
		now = now.Add(time.Second)
		_, err = svc.Accept(as(bob.ID, bob.ID, actor.Owner), tok, bob.ID)
		code(t, "accept at expiry", err, "invitation_expired", http.StatusGone)
		if _, err := st.Membership(ctx, ws, bob.ID); err == nil {
			t.Error("an expired invitation made a member")
		}

		// A new one, accepted once.
		now = now.Add(time.Hour)
		inv, err = svc.Invite(owner, ws, "bob@example.com", actor.Operator, "http://127.0.0.1:8080")
		if err != nil {
			t.Fatal(err)
		}
		tok = tokenOf(t, inv.URL)
		m, err := svc.Accept(as(bob.ID, bob.ID, actor.Owner), tok, bob.ID)
		if err != nil || m.ID != ws || m.Role != "operator" {
			t.Fatalf("accept: %+v %v", m, err)
		}
		if got, err := st.Membership(ctx, ws, bob.ID); err != nil || got.Role != "operator" {
			t.Errorf("bob's membership: %+v %v", got, err)
		}
		cy := user(t, st, "cy@example.com")
		_, err = svc.Accept(as(cy.ID, cy.ID, actor.Owner), tok, cy.ID)
		code(t, "accept twice", err, "invitation_used", http.StatusGone)
		if _, err := st.Membership(ctx, ws, cy.ID); err == nil {
			t.Error("a used invitation made a member")
		}

		// Revoked: by an admin, then the link changes nothing.
		inv, err = svc.Invite(owner, ws, "cy@example.com", actor.Viewer, "http://127.0.0.1:8080")
		if err != nil {
			t.Fatal(err)
		}
		forbidden(t, "operator revokes", svc.RevokeInvitation(as(bob.ID, ws, actor.Operator), ws, inv.Invitation.ID))
		if err := svc.RevokeInvitation(owner, ws, inv.Invitation.ID); err != nil {
			t.Fatal(err)
		}
		code(t, "revoke twice", svc.RevokeInvitation(owner, ws, inv.Invitation.ID), "not_found", http.StatusNotFound)
		_, err = svc.Accept(as(cy.ID, cy.ID, actor.Owner), tokenOf(t, inv.URL), cy.ID)
		code(t, "accept revoked", err, "invitation_revoked", http.StatusGone)
		if _, err := st.Membership(ctx, ws, cy.ID); err == nil {
			t.Error("a revoked invitation made a member")
		}

		// A member accepting another link is told so; it stays unused.
		inv, err = svc.Invite(owner, ws, "dee@example.com", actor.Viewer, "http://127.0.0.1:8080")
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.Accept(as(bob.ID, bob.ID, actor.Owner), tokenOf(t, inv.URL), bob.ID)
		code(t, "a member accepts", err, "conflict", http.StatusConflict)
		if list, _ := svc.Invitations(owner, ws); len(list) != 1 || list[0].Email != "dee@example.com" {
			t.Errorf("pending after a member's try: %+v", list)
		}
		// A read-only API token changes nothing.
		ro := actor.With(ctx, actor.Actor{UserID: cy.ID, WorkspaceID: cy.ID, Role: actor.Owner, ReadOnly: true})
		_, err = svc.Accept(ro, tokenOf(t, inv.URL), cy.ID)
		forbidden(t, "a read-only token accepts", err)

		want := []string{"member_invited:bob@example.com", "member_invited:bob@example.com", "invitation_accepted:bob@example.com",
			"member_invited:cy@example.com", "invitation_revoked:cy@example.com", "member_invited:dee@example.com"}
		if got := auditActions(t, st, ws); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("audit:\n got %v\nwant %v", got, want)
		}
		evs, _ := st.AuditEventsPage(ctx, ws, store.AuditFilter{Action: audit.InvitationAccepted}, 0, 10)
		if len(evs) != 1 || evs[0].ActorUserID != bob.ID {
			t.Errorf("accepted by: %+v", evs)
		}
	})
}

// TestInvitationEmail: with SMTP set, the link goes to the invited
// address through a real SMTP conversation.
func TestInvitationEmail(t *testing.T) {
	srv := mailtest.Start(t, "", "")
	m, err := mail.Parse(srv.URL("telegramate@example.com"), "")
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.SQLite(t)
	svc := workspaces.New(st)
	svc.SetMailer(m)
	ann := user(t, st, "ann@example.com")
	inv, err := svc.Invite(as(ann.ID, ann.ID, actor.Owner), ann.ID, "bob@example.com", actor.Viewer, "https://tg.example.com")
	if err != nil || !inv.Emailed || inv.MailErr != nil {
		t.Fatalf("invite: %+v %v", inv, err)
	}
	select {
	case msg := <-srv.Messages:
		if len(msg.To) != 1 || msg.To[0] != "bob@example.com" || !strings.Contains(msg.Data, inv.URL) || !strings.Contains(msg.Data, "as viewer") {
			t.Errorf("message %+v", msg)
		}
	default: // the server keeps a message before it answers DATA
		t.Fatal("no email")
	}

	// A refused email still leaves the link to pass on by hand.
	srv2 := mailtest.Start(t, "u", "p")
	bad, _ := mail.Parse("smtp://u:wrong@"+srv2.Addr()+"?from=telegramate@example.com", "")
	svc.SetMailer(bad)
	inv, err = svc.Invite(as(ann.ID, ann.ID, actor.Owner), ann.ID, "cy@example.com", actor.Viewer, "https://tg.example.com")
	if err != nil || inv.Emailed || inv.MailErr == nil || inv.URL == "" {
		t.Errorf("refused email: %+v %v", inv, err)
	}
}
