package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

func pendingLogin(userID, accountID, apiID int64, phone string) store.PendingLogin {
	return store.PendingLogin{
		UserID: userID, AccountID: accountID, APIID: apiID, APIHashSealed: []byte("h"), Phone: phone,
		PhoneCodeHashSealed: []byte("c"), SessionSealed: []byte("s"), CodeType: "app", NextType: "sms",
		CodeTimeoutSeconds: 60, CodeLength: 5, CodeSentAt: t0, State: store.LoginCodeSent,
		CreatedAt: t0, ExpiresAt: t0.Add(15 * time.Minute),
	}
}

// TestPendingAccountKeepsOneIDToActive: a login's account exists from its
// first step, finds its login by account id, and becomes active in place.
func TestPendingAccountKeepsOneIDToActive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		alice, bob := mustUser(t, s, "alice@example.com"), mustUser(t, s, "bob@example.com")
		a, err := s.CreatePendingAccount(ctx, alice.ID, 1, "9996620001", t0)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != store.AccountPending || a.APIHashSealed != nil || a.SessionSealed != nil || !a.ConnectedAt.IsZero() {
			t.Errorf("pending account %+v", a)
		}
		p, err := s.CreatePendingLogin(ctx, pendingLogin(alice.ID, a.ID, 1, "9996620001"))
		if err != nil {
			t.Fatal(err)
		}
		if p.CodeLength != 5 || !p.CodeSentAt.Equal(t0.Truncate(time.Microsecond)) {
			t.Errorf("created login %+v", p)
		}
		if _, err := s.CreatePendingLogin(ctx, pendingLogin(alice.ID, a.ID, 1, "9996620001")); !errors.Is(err, store.ErrConflict) {
			t.Errorf("second login for one account: %v, want ErrConflict", err)
		}
		got, err := s.PendingLoginByAccount(ctx, alice.ID, a.ID)
		if err != nil || got.ID != p.ID {
			t.Fatalf("login by account: %+v %v", got, err)
		}
		if _, err := s.PendingLoginByAccount(ctx, bob.ID, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bob reads alice's login: %v", err)
		}
		p.CodeLength, p.CodeSentAt = 6, t0.Add(time.Minute)
		if err := s.UpdatePendingLogin(ctx, p); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.PendingLoginByAccount(ctx, alice.ID, a.ID); got.CodeLength != 6 || !got.CodeSentAt.Equal(t0.Add(time.Minute).Truncate(time.Microsecond)) {
			t.Errorf("after update %+v", got)
		}

		active, err := s.ActivateAccount(ctx, alice.ID, a.ID, login(1, "9996620001"))
		if err != nil || active.ID != a.ID || active.Status != store.AccountActive {
			t.Fatalf("activate pending: %+v %v", active, err)
		}
		if err := s.DeletePendingLoginsOfAccount(ctx, bob.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PendingLoginByAccount(ctx, alice.ID, a.ID); err != nil {
			t.Errorf("bob's delete removed alice's login: %v", err)
		}
		if err := s.DeletePendingLoginsOfAccount(ctx, alice.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PendingLoginByAccount(ctx, alice.ID, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("login after delete: %v", err)
		}
		if err := s.DeletePendingLoginsOfAccount(ctx, alice.ID, a.ID); err != nil {
			t.Errorf("deleting no login: %v", err)
		}
		if err := s.DeletePendingAccount(ctx, alice.ID, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleting an active account as pending: %v", err)
		}
	})
}

// TestPendingAccountHoldsNoCredentials: a login in progress does not make
// its API ID or phone "in use"; only the first to finish gets them.
func TestPendingAccountHoldsNoCredentials(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		alice, bob := mustUser(t, s, "alice@example.com"), mustUser(t, s, "bob@example.com")
		a, err := s.CreatePendingAccount(ctx, alice.ID, 1, "9996620001", t0)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.CreatePendingAccount(ctx, bob.ID, 1, "9996620001", t0)
		if err != nil {
			t.Fatalf("second pending login for the same credentials: %v", err)
		}
		if _, err := s.AccountByAPIIDOrPhone(ctx, 1, "9996620001"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("pending account counts as in use: %v", err)
		}
		if list, err := s.LiveAccountsByAPIIDOrPhone(ctx, 1, "9996620001"); err != nil || len(list) != 0 {
			t.Errorf("live accounts %+v %v", list, err)
		}
		if _, err := s.ActivateAccount(ctx, alice.ID, a.ID, login(1, "9996620001")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ActivateAccount(ctx, bob.ID, b.ID, login(1, "9996620001")); !errors.Is(err, store.ErrConflict) {
			t.Errorf("second to finish: %v, want ErrConflict", err)
		}
		c, _ := s.CreateAccount(ctx, bob.ID, login(2, "9996620002"))
		list, err := s.LiveAccountsByAPIIDOrPhone(ctx, 2, "9996620001")
		if err != nil || len(list) != 2 || list[0].ID != a.ID || list[1].ID != c.ID {
			t.Errorf("live by api id 2 or alice's phone: %+v %v", list, err)
		}
		if err := s.DeletePendingAccount(ctx, alice.ID, b.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("alice deletes bob's pending account: %v", err)
		}
		if err := s.DeletePendingAccount(ctx, bob.ID, b.ID); err != nil {
			t.Errorf("delete pending: %v", err)
		}
	})
}

func TestAbandonedPendingAccountsAreDeleted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		alice := mustUser(t, s, "alice@example.com")
		withLogin, _ := s.CreatePendingAccount(ctx, alice.ID, 1, "9996620001", t0)
		if _, err := s.CreatePendingLogin(ctx, pendingLogin(alice.ID, withLogin.ID, 1, "9996620001")); err != nil {
			t.Fatal(err)
		}
		abandoned, _ := s.CreatePendingAccount(ctx, alice.ID, 2, "9996620002", t0)
		recent, _ := s.CreatePendingAccount(ctx, alice.ID, 3, "9996620003", t0.Add(2*time.Hour))
		live, _ := s.CreateAccount(ctx, alice.ID, login(4, "9996620004"))
		n, err := s.DeleteAbandonedPendingAccounts(ctx, t0.Add(time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("deleted %d, %v; want 1", n, err)
		}
		for _, id := range []int64{withLogin.ID, recent.ID, live.ID} {
			if _, err := s.AccountByID(ctx, alice.ID, id); err != nil {
				t.Errorf("account %d: %v", id, err)
			}
		}
		if _, err := s.AccountByID(ctx, alice.ID, abandoned.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("abandoned account: %v", err)
		}
	})
}

// TestFinishAccountUseKeepsEveryVerdict: two uses of one account overlap;
// each verdict lands (the graver one stands), a refreshed session never
// erases a verdict, and a use of an older login stores nothing.
func TestFinishAccountUseKeepsEveryVerdict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		alice := mustUser(t, s, "alice@example.com")
		a, _ := s.CreateAccount(ctx, alice.ID, login(1, "9996620001")) // session "session-sealed"
		gen := a.LoginGeneration
		until := t0.Add(time.Minute)
		// Use 1 hits a FLOOD_WAIT; use 2, started at the same time, only
		// refreshed its session: the wait stays.
		ok, err := s.FinishAccountUse(ctx, store.Unfenced, store.AccountUse{
			ID: a.ID, LoginGeneration: gen, Verdict: store.AccountFloodWait, FloodUntil: until, StatusDetail: "FLOOD_WAIT_60", Now: t0,
		})
		if err != nil || !ok {
			t.Fatalf("flood wait verdict: %v %v", ok, err)
		}
		if _, err := s.FinishAccountUse(ctx, store.Unfenced, store.AccountUse{ID: a.ID, LoginGeneration: gen, SessionSealed: []byte("session-2"), Now: t0}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.AccountByID(ctx, alice.ID, a.ID)
		if !bytes.Equal(got.SessionSealed, []byte("session-2")) || got.Status != store.AccountFloodWait ||
			!got.FloodUntil.Equal(until.Truncate(time.Microsecond)) || got.StatusDetail != "FLOOD_WAIT_60" {
			t.Errorf("after overlapping uses %+v", got)
		}
		// A PEER_FLOOD from a third overlapping use is graver: it lands; a
		// later FLOOD_WAIT does not soften it.
		if ok, err := s.FinishAccountUse(ctx, store.Unfenced, store.AccountUse{ID: a.ID, LoginGeneration: gen, Verdict: store.AccountLimited, StatusDetail: "PEER_FLOOD", Now: t0}); err != nil || !ok {
			t.Fatalf("limited verdict: %v %v", ok, err)
		}
		if ok, _ := s.FinishAccountUse(ctx, store.Unfenced, store.AccountUse{ID: a.ID, LoginGeneration: gen, Verdict: store.AccountFloodWait, FloodUntil: until, Now: t0}); ok {
			t.Error("a FLOOD_WAIT replaced a PEER_FLOOD limit")
		}
		if ok, _ := s.FinishAccountUse(ctx, store.Unfenced, store.AccountUse{ID: a.ID, LoginGeneration: gen, Verdict: store.AccountActive, Now: until.Add(time.Hour)}); ok {
			t.Error("an ended FLOOD_WAIT lifted a PEER_FLOOD limit")
		}
		if got, _ := s.AccountByID(ctx, alice.ID, a.ID); got.Status != store.AccountLimited || got.StatusDetail != "PEER_FLOOD" {
			t.Errorf("limited account now %+v", got)
		}
		// A re-login moves the generation: a late verdict about the old
		// login is dropped.
		relogged, err := s.ActivateAccount(ctx, alice.ID, a.ID, login(1, "9996620001"))
		if err != nil || relogged.LoginGeneration == gen || relogged.Status != store.AccountActive {
			t.Fatalf("re-login: %+v %v", relogged, err)
		}
		if ok, err := s.FinishAccountUse(ctx, store.Unfenced, store.AccountUse{ID: a.ID, LoginGeneration: gen, SessionSealed: []byte("stale"), Verdict: store.AccountNeedsRelogin, Now: t0}); err != nil || ok {
			t.Errorf("stale verdict: %v %v", ok, err)
		}
		if got, _ := s.AccountByID(ctx, alice.ID, a.ID); string(got.SessionSealed) == "stale" || got.Status != store.AccountActive {
			t.Errorf("stale use wrote %+v", got)
		}
		// A FLOOD_WAIT that ended: the next use through brings it back.
		gen = relogged.LoginGeneration
		if ok, _ := s.FinishAccountUse(ctx, store.Unfenced, store.AccountUse{ID: a.ID, LoginGeneration: gen, Verdict: store.AccountFloodWait, FloodUntil: until, Now: t0}); !ok {
			t.Fatal("flood wait after re-login")
		}
		if ok, _ := s.FinishAccountUse(ctx, store.Unfenced, store.AccountUse{ID: a.ID, LoginGeneration: gen, Verdict: store.AccountActive, Now: until.Add(time.Second)}); !ok {
			t.Error("flood wait not ended")
		}
		if got, _ := s.AccountByID(ctx, alice.ID, a.ID); got.Status != store.AccountActive || !got.FloodUntil.IsZero() {
			t.Errorf("back to active: %+v", got)
		}
		if err := s.DisconnectAccount(ctx, alice.ID, a.ID, t0); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.FinishAccountUse(ctx, store.Unfenced, store.AccountUse{ID: a.ID, LoginGeneration: gen, Verdict: store.AccountLimited, Now: t0}); err != nil || ok {
			t.Errorf("finish on a disconnected account: %v %v", ok, err)
		}
		if _, err := s.ActivateAccount(ctx, alice.ID, a.ID, login(1, "9996620001")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("activating a disconnected account: %v", err)
		}
	})
}
