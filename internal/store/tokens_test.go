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
		older, err := s.CreateToken(ctx, store.NewToken{UserID: alice.ID, Name: "ci", Hash: []byte("h1"), Prefix: "tgm_ab", Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		newer, err := s.CreateToken(ctx, store.NewToken{UserID: alice.ID, Name: "cron", Hash: []byte("h2"), Prefix: "tgm_cd", Now: t0.Add(time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateToken(ctx, store.NewToken{UserID: bob.ID, Name: "x", Hash: []byte("h1"), Now: t0}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate hash: %v, want ErrConflict", err)
		}

		tok, owner, err := s.TokenByHash(ctx, []byte("h1"))
		if err != nil || tok.ID != older.ID || owner.ID != alice.ID || !tok.LastUsedAt.IsZero() {
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
