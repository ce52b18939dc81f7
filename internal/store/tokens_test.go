package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

func TestTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		alice := mustUser(t, s, "alice@example.com")
		bob := mustUser(t, s, "bob@example.com")
		older, err := s.CreateToken(ctx, store.NewToken{UserID: alice.ID, WorkspaceID: ownWorkspace(t, s, alice.ID), Name: "ci", Hash: []byte("h1"), Prefix: "tgm_ab", Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		newer, err := s.CreateToken(ctx, store.NewToken{UserID: alice.ID, WorkspaceID: ownWorkspace(t, s, alice.ID), Name: "cron", Hash: []byte("h2"), Prefix: "tgm_cd", Now: t0.Add(time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateToken(ctx, store.NewToken{UserID: bob.ID, WorkspaceID: ownWorkspace(t, s, bob.ID), Name: "x", Hash: []byte("h1"), Now: t0}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate hash: %v, want ErrConflict", err)
		}

		tok, owner, err := s.TokenByHash(ctx, []byte("h1"))
		if err != nil || tok.ID != older.ID || owner.ID != alice.ID || !tok.LastUsedAt.IsZero() || tok.Role != "owner" {
			t.Errorf("by hash: %+v %+v %v", tok, owner, err)
		}
		if err := s.TouchToken(ctx, older.ID, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if tok, _, _ := s.TokenByHash(ctx, []byte("h1")); !tok.LastUsedAt.Equal(t0.Add(time.Minute).Truncate(time.Microsecond)) {
			t.Errorf("last used %v after touch", tok.LastUsedAt)
		}

		if err := s.RevokeToken(ctx, bob.ID, older.ID, t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoking another user's token: %v, want ErrNotFound", err)
		}
		if err := s.RevokeToken(ctx, alice.ID, older.ID, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeToken(ctx, alice.ID, older.ID, t0.Add(2*time.Hour)); err != nil {
			t.Errorf("revoking twice: %v", err)
		}
		if _, _, err := s.TokenByHash(ctx, []byte("h1")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoked token by hash: %v, want ErrNotFound", err)
		}

		list, err := s.ListTokens(ctx, alice.ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("list: %+v %v", list, err)
		}
		if list[0].ID != newer.ID || list[1].ID != older.ID {
			t.Errorf("list order: %d, %d; want newest first", list[0].ID, list[1].ID)
		}
		if !list[1].RevokedAt.Equal(t0.Add(time.Hour).Truncate(time.Microsecond)) {
			t.Errorf("revoked at %v; the second revoke must not move it", list[1].RevokedAt)
		}
		if list, _ := s.ListTokens(ctx, bob.ID); len(list) != 0 {
			t.Errorf("bob sees %+v", list)
		}
	})
}

// ownWorkspace is the workspace made with the user at sign-up.
func ownWorkspace(t *testing.T, s store.Store, userID int64) int64 {
	t.Helper()
	mine, err := s.UserWorkspaces(context.Background(), userID)
	if err != nil || len(mine) != 1 || mine[0].Role != "owner" {
		t.Fatalf("workspaces of user %d: %+v %v", userID, mine, err)
	}
	return mine[0].ID
}

// TestTokenOfRemovedMember: a token acts with its member's role as it is
// now, and finds nothing once the member leaves the workspace.
func TestTokenOfRemovedMember(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@example.com")
		vic := mustUser(t, s, "vic@example.com")
		ws := ownWorkspace(t, s, ann.ID)
		if err := s.AddWorkspaceMember(ctx, ws, vic.ID, "operator", t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateToken(ctx, store.NewToken{UserID: vic.ID, WorkspaceID: ws, ReadOnly: true, Name: "v", Hash: []byte("hv"), Prefix: "tgm_v", Now: t0}); err != nil {
			t.Fatal(err)
		}
		if tok, _, err := s.TokenByHash(ctx, []byte("hv")); err != nil || tok.Role != "operator" || tok.WorkspaceID != ws || !tok.ReadOnly {
			t.Errorf("vic's token: %+v %v", tok, err)
		}
		if err := s.SetWorkspaceMemberRole(ctx, ws, vic.ID, "viewer"); err != nil {
			t.Fatal(err)
		}
		if tok, _, _ := s.TokenByHash(ctx, []byte("hv")); tok.Role != "viewer" {
			t.Errorf("vic's token after the change acts as %q", tok.Role)
		}
		if err := s.RemoveWorkspaceMember(ctx, ws, vic.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.TokenByHash(ctx, []byte("hv")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a removed member's token: %v, want ErrNotFound", err)
		}
	})
}
