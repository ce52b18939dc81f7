package accounts_test

import (
	"context"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
)

// TestActivityNamesThePerson: in a workspace whose id is no user's (or
// another user's), the activity log names the member who acted, and a
// viewer of the workspace may not connect an account.
func TestActivityNamesThePerson(t *testing.T) {
	t.Parallel()
	e := sqliteEnv(t)
	ctx := context.Background()
	annID := e.user("ann-ws@example.com")
	vicID := e.user("vic-ws@example.com")
	team, err := e.st.CreateWorkspace(ctx, "Team", annID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if team.ID == vicID || team.ID == annID {
		t.Fatalf("workspace %d shares an id with a user (ann %d, vic %d)", team.ID, annID, vicID)
	}
	if err := e.st.AddWorkspaceMember(ctx, team.ID, vicID, "admin", time.Now()); err != nil {
		t.Fatal(err)
	}
	by := accounts.Actor{UserID: team.ID, IP: "192.0.2.20"}

	viewer := actor.With(ctxFor(t), actor.Actor{UserID: vicID, WorkspaceID: team.ID, Role: actor.Viewer})
	if _, err := e.svc.Start(viewer, by, input(appA, phoneDan)); err == nil {
		t.Fatal("a viewer started a login")
	} else if ae, ok := apperr.As(err); !ok || ae.Code != "forbidden" {
		t.Fatalf("a viewer's login: %v", err)
	}

	admin := actor.With(ctxFor(t), actor.Actor{UserID: vicID, WorkspaceID: team.ID, Role: actor.Admin})
	acct, err := e.svc.Start(admin, by, input(appA, phoneDan))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SubmitCode(admin, by, acct.ID, codeFor(phoneDan)); err != nil {
		t.Fatal(err)
	}
	list, err := e.svc.Activity(ctx, team.ID, acct.ID)
	if err != nil || len(list) == 0 {
		t.Fatalf("activity %+v %v", list, err)
	}
	for _, a := range list {
		if a.By != "vic-ws@example.com" {
			t.Errorf("%s by %q, want vic-ws@example.com", a.Event, a.By)
		}
	}
}
