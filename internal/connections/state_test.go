package connections

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/telegram"
)

// TestFirstStateStoredAtOnce: an account's first updates state (none
// stored, so gotd asked Telegram for the current one) is in the database
// before the manager goes on, without waiting for the next flush. A node
// killed within that second used to come back with no state, start from
// Telegram's state of then, and never see what people wrote while it was
// dead (the SQLite kill test, under load).
func TestFirstStateStoredAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		now := time.Now().UTC()
		u, err := s.CreateUser(ctx, store.NewUser{Email: "ann@example.com", PasswordHash: "$argon2id$x", Now: now})
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.CreateAccount(ctx, u.ID, store.AccountLogin{APIID: 1, APIHashSealed: []byte("h"), Phone: "9996620001",
			TGUserID: 777001, DC: 2, SessionSealed: []byte("s"), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		states := newStates(s, slog.New(slog.DiscardHandler), time.Now)
		st := states.of(a.ID)
		if _, found, err := st.GetState(ctx, 777001); err != nil || found {
			t.Fatalf("a new account has a state: %v, %v", found, err)
		}
		first := telegram.UpdatesState{Pts: 10, Qts: 1, Date: 1700000000, Seq: 3}
		if err := st.SetState(ctx, 777001, first); err != nil {
			t.Fatal(err)
		}
		stored, found, err := s.UpdatesStateOf(ctx, a.ID)
		if err != nil || !found || telegram.UpdatesState(stored) != first {
			t.Fatalf("first state stored: %+v, %v, %v; want %+v at once", stored, found, err, first)
		}

		// Later states wait for the flush: a state stored late is safe.
		if err := st.SetPts(ctx, 777001, 11); err != nil {
			t.Fatal(err)
		}
		if stored, _, _ := s.UpdatesStateOf(ctx, a.ID); stored.Pts != 10 {
			t.Fatalf("pts %d stored before the flush, want 10 until then", stored.Pts)
		}
		states.flush(ctx)
		if stored, _, _ := s.UpdatesStateOf(ctx, a.ID); stored.Pts != 11 {
			t.Fatalf("pts %d after the flush, want 11", stored.Pts)
		}
	})
}
