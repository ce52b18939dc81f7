package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

func TestInvitations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		alice := mustUser(t, s, "alice@example.com")
		bob := mustUser(t, s, "bob@example.com")
		ws := ownWorkspace(t, s, alice.ID)
		t0 := t0.Truncate(time.Microsecond) // as stored
		week := 7 * 24 * time.Hour
		invite := func(email string, hash string, at time.Time) int64 {
			t.Helper()
			id, err := s.CreateInvitation(ctx, store.NewInvitation{WorkspaceID: ws, Email: email, Role: "operator",
				TokenHash: []byte(hash), InvitedBy: alice.ID, Now: at, ExpiresAt: at.Add(week)})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		first := invite("bob@example.com", "h1", t0)
		if _, err := s.CreateInvitation(ctx, store.NewInvitation{WorkspaceID: ws, Email: "x@example.com", Role: "viewer",
			TokenHash: []byte("h1"), Now: t0, ExpiresAt: t0.Add(week)}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("a second invitation with the same hash: %v, want ErrConflict", err)
		}
		if _, err := s.CreateInvitation(ctx, store.NewInvitation{WorkspaceID: ws, Email: "x@example.com", Role: "owner",
			TokenHash: []byte("h9"), Now: t0, ExpiresAt: t0.Add(week)}); err == nil {
			t.Error("an invitation as owner was stored")
		}

		inv, err := s.InvitationByHash(ctx, []byte("h1"))
		if err != nil || inv.ID != first || inv.WorkspaceID != ws || inv.WorkspaceName != "alice@example.com's workspace" ||
			inv.Email != "bob@example.com" || inv.Role != "operator" || inv.InvitedBy != alice.ID || inv.InvitedByEmail != "alice@example.com" ||
			!inv.ExpiresAt.Equal(t0.Add(week)) || !inv.AcceptedAt.IsZero() || !inv.RevokedAt.IsZero() {
			t.Errorf("by hash: %+v %v", inv, err)
		}
		if _, err := s.InvitationByHash(ctx, []byte("nope")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown hash: %v", err)
		}

		// Expiry: pending until expires_at, then neither listed, usable
		// nor revocable.
		if list, err := s.PendingInvitations(ctx, ws, t0.Add(week-time.Second)); err != nil || len(list) != 1 {
			t.Errorf("pending before expiry: %+v %v", list, err)
		}
		if list, err := s.PendingInvitations(ctx, ws, t0.Add(week)); err != nil || len(list) != 0 {
			t.Errorf("pending at expiry: %+v %v", list, err)
		}
		if err := s.UseInvitation(ctx, first, bob.ID, t0.Add(week)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("use after expiry: %v", err)
		}
		if err := s.RevokeInvitation(ctx, ws, first, t0.Add(week)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoke after expiry: %v", err)
		}

		// Single use.
		if err := s.UseInvitation(ctx, first, bob.ID, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.UseInvitation(ctx, first, alice.ID, t0.Add(2*time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second use: %v", err)
		}
		if inv, _ := s.InvitationByHash(ctx, []byte("h1")); !inv.AcceptedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("accepted at %v", inv.AcceptedAt)
		}
		if err := s.RevokeInvitation(ctx, ws, first, t0.Add(2*time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoke after use: %v", err)
		}

		// Revoke: only in its own workspace, then not usable.
		second := invite("carol@example.com", "h2", t0)
		if err := s.RevokeInvitation(ctx, ownWorkspace(t, s, bob.ID), second, t0.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoke from another workspace: %v", err)
		}
		if err := s.RevokeInvitation(ctx, ws, second, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.UseInvitation(ctx, second, bob.ID, t0.Add(2*time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("use after revoke: %v", err)
		}
		if inv, _ := s.InvitationByHash(ctx, []byte("h2")); !inv.RevokedAt.Equal(t0.Add(time.Hour)) || !inv.AcceptedAt.IsZero() {
			t.Errorf("revoked: %+v", inv)
		}

		// A new invitation to the same email replaces the pending one.
		third := invite("dave@example.com", "h3", t0)
		fourth := invite("eve@example.com", "h4", t0)
		if err := s.RevokeInvitationsTo(ctx, ws, "dave@example.com", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		list, err := s.PendingInvitations(ctx, ws, t0.Add(time.Hour))
		if err != nil || len(list) != 1 || list[0].ID != fourth {
			t.Errorf("pending after revoking dave's (%d): %+v %v", third, list, err)
		}
	})
}
