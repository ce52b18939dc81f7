package store_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

func sealKey(id string, fill byte) secrets.Key {
	return secrets.Key{ID: id, Secret: bytes.Repeat([]byte{fill}, secrets.KeySize)}
}

// Rotation (`telegramate secrets rotate`) is the store walking its sealed
// values with the keyring's Rewrap.
func TestRewrapSealedReSealsEverythingWithTheNewKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		old, _ := secrets.NewKeyring(sealKey("old", 1))
		seal := func(k *secrets.Keyring, v, ad string) []byte {
			b, err := k.Seal([]byte(v), []byte(ad))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		u, err := s.CreateUser(ctx, store.NewUser{Email: "a@example.com", PasswordHash: "h", Now: now})
		if err != nil {
			t.Fatal(err)
		}
		// More than one batch of the store's walk.
		const n = 250
		for i := range n {
			_, err := s.CreateAccount(ctx, u.ID, store.AccountLogin{
				APIID: int64(i + 1), Phone: fmt.Sprint(9996620000 + i), Now: now,
				APIHashSealed: seal(old, fmt.Sprint("hash", i), "api_hash"),
				SessionSealed: seal(old, fmt.Sprint("session", i), "session"),
			})
			if err != nil {
				t.Fatal(err)
			}
		}

		both, _ := secrets.NewKeyring(sealKey("new", 2), sealKey("old", 1))
		// One value already under the new key is left alone.
		accounts, _ := s.ListAccounts(ctx, u.ID)
		if err := s.UpdateAccountSession(ctx, accounts[0].ID, seal(both, "session0", "session"), now); err != nil {
			t.Fatal(err)
		}
		rewrapped, err := s.RewrapSealed(ctx, both.Rewrap)
		if err != nil {
			t.Fatal(err)
		}
		if rewrapped != 2*n-1 {
			t.Errorf("rotated %d values, want %d", rewrapped, 2*n-1)
		}

		onlyNew, _ := secrets.NewKeyring(sealKey("new", 2))
		accounts, _ = s.ListAccounts(ctx, u.ID)
		for i, a := range accounts {
			h, err1 := onlyNew.Open(a.APIHashSealed, []byte("api_hash"))
			sess, err2 := onlyNew.Open(a.SessionSealed, []byte("session"))
			if err1 != nil || err2 != nil || string(h) != fmt.Sprint("hash", i) || string(sess) != fmt.Sprint("session", i) {
				t.Fatalf("account %d after rotation: %q %q %v %v", i, h, sess, err1, err2)
			}
		}
		if again, err := s.RewrapSealed(ctx, both.Rewrap); err != nil || again != 0 {
			t.Errorf("second rotation rewrote %d, %v; want 0", again, err)
		}
	})
}
