package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestAccountWaitsPerKind: a FLOOD_WAIT on one kind of call is kept apart
// from the account's status and from the other kinds; a later end wins, an
// earlier one does not shorten it, and a wait that ran out is not listed.
func TestAccountWaitsPerKind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		alice := mustUser(t, s, "alice@example.com")
		bob := mustUser(t, s, "bob@example.com")
		a, _ := s.CreateAccount(ctx, alice.ID, login(1, "9996620001"))
		b, _ := s.CreateAccount(ctx, bob.ID, login(2, "9996620002"))
		wait := func(acct store.Account, kind string, until time.Time) bool {
			t.Helper()
			ok, err := s.FinishAccountUse(ctx, store.Unfenced, store.AccountUse{ID: acct.ID, LoginGeneration: acct.LoginGeneration, Now: t0,
				Wait: &store.AccountWait{Kind: kind, Until: until, Detail: "FLOOD_WAIT on " + kind}})
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !wait(a, "members", t0.Add(time.Minute)) || !wait(a, "resolve", t0.Add(time.Hour)) || !wait(b, "members", t0.Add(time.Hour)) {
			t.Fatal("waits not recorded")
		}
		if wait(a, "members", t0.Add(30*time.Second)) {
			t.Error("an earlier end shortened a wait")
		}
		if !wait(a, "members", t0.Add(2*time.Minute)) {
			t.Error("a later end did not extend the wait")
		}
		got, err := s.AccountWaits(ctx, a.ID, t0)
		if err != nil || len(got) != 2 || got[0].Kind != "members" || !got[0].Until.Equal(t0.Add(2*time.Minute).Truncate(time.Microsecond)) ||
			got[0].Detail != "FLOOD_WAIT on members" || got[1].Kind != "resolve" || got[0].AccountID != a.ID {
			t.Errorf("waits of the account: %+v %v", got, err)
		}
		if acct, _ := s.AccountByID(ctx, alice.ID, a.ID); acct.Status != store.AccountActive || !acct.FloodUntil.IsZero() {
			t.Errorf("a wait on one kind changed the account's status: %+v", acct)
		}
		if got, _ := s.AccountWaits(ctx, a.ID, t0.Add(5*time.Minute)); len(got) != 1 || got[0].Kind != "resolve" {
			t.Errorf("after the members wait ran out: %+v", got)
		}
		if got, err := s.UserAccountWaits(ctx, bob.ID, t0); err != nil || len(got) != 1 || got[0].AccountID != b.ID {
			t.Errorf("bob's waits: %+v %v", got, err)
		}
	})
}
