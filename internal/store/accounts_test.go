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

func login(apiID int64, phone string) store.AccountLogin {
	return store.AccountLogin{
		APIID: apiID, APIHashSealed: []byte("hash-sealed"), Phone: phone, TGUserID: 777000 + apiID,
		FirstName: "Ann", LastName: "Lee", Username: "ann", DC: 2, SessionSealed: []byte("session-sealed"), Now: t0,
	}
}

func TestPendingLoginLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		alice, bob := mustUser(t, s, "alice@example.com"), mustUser(t, s, "bob@example.com")
		p, err := s.CreatePendingLogin(ctx, store.PendingLogin{
			UserID: alice.ID, APIID: 12345, APIHashSealed: []byte("h"), Phone: "9996621234",
			PhoneCodeHashSealed: []byte("c"), SessionSealed: []byte("s"), CodeType: "app", NextType: "sms",
			CodeTimeoutSeconds: 60, State: store.LoginCodeSent, CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Minute),
		})
		if err != nil {
			t.Fatal(err)
		}
		if p.ID == 0 || p.AccountID != 0 || p.CodeTimeoutSeconds != 60 || !bytes.Equal(p.PhoneCodeHashSealed, []byte("c")) {
			t.Errorf("created %+v", p)
		}
		if _, err := s.PendingLoginByID(ctx, bob.ID, p.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bob reads alice's login: %v", err)
		}
		p.State, p.PasswordHint, p.ExpiresAt = store.LoginPasswordNeeded, "pet's name", t0.Add(20*time.Minute)
		if err := s.UpdatePendingLogin(ctx, p); err != nil {
			t.Fatal(err)
		}
		got, err := s.PendingLoginByID(ctx, alice.ID, p.ID)
		if err != nil || got.State != store.LoginPasswordNeeded || got.PasswordHint != "pet's name" || !got.ExpiresAt.Equal(p.ExpiresAt.Truncate(time.Microsecond)) {
			t.Errorf("after update: %+v %v", got, err)
		}
		p.UserID = bob.ID
		if err := s.UpdatePendingLogin(ctx, p); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bob updates alice's login: %v", err)
		}
		if err := s.DeletePendingLogin(ctx, bob.ID, p.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bob deletes alice's login: %v", err)
		}
		if n, err := s.DeleteExpiredPendingLogins(ctx, t0.Add(15*time.Minute)); err != nil || n != 0 {
			t.Errorf("pruned %d, %v before expiry", n, err)
		}
		if n, err := s.DeleteExpiredPendingLogins(ctx, t0.Add(20*time.Minute)); err != nil || n != 1 {
			t.Errorf("pruned %d, %v at expiry", n, err)
		}
	})
}

func TestAccountLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		alice, bob := mustUser(t, s, "alice@example.com"), mustUser(t, s, "bob@example.com")
		a, err := s.CreateAccount(ctx, alice.ID, login(1, "9996620001"))
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != store.AccountActive || !a.ConnectedAt.Equal(t0.Truncate(time.Microsecond)) || a.DC != 2 || a.TGUserID != 777001 {
			t.Errorf("created %+v", a)
		}
		if _, err := s.AccountByID(ctx, bob.ID, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bob reads alice's account: %v", err)
		}

		until := t0.Add(90 * time.Second)
		if err := s.SetAccountStatus(ctx, a.ID, store.AccountFloodWait, until, "FLOOD_WAIT_90", t0); err != nil {
			t.Fatal(err)
		}
		waiting, _ := s.AccountsByStatus(ctx, store.AccountFloodWait)
		if len(waiting) != 1 || !waiting[0].FloodUntil.Equal(until.Truncate(time.Microsecond)) || waiting[0].StatusDetail != "FLOOD_WAIT_90" {
			t.Errorf("flood-waiting accounts: %+v", waiting)
		}
		if err := s.UpdateAccountSession(ctx, a.ID, []byte("session-2"), t0); err != nil {
			t.Fatal(err)
		}

		renewed := login(2, "9996620001")
		renewed.Now = t0.Add(time.Hour)
		a2, err := s.ActivateAccount(ctx, alice.ID, a.ID, renewed)
		if err != nil {
			t.Fatal(err)
		}
		if a2.ID != a.ID || a2.APIID != 2 || a2.Status != store.AccountActive || !a2.FloodUntil.IsZero() || a2.StatusDetail != "" {
			t.Errorf("activated %+v", a2)
		}
		if _, err := s.ActivateAccount(ctx, bob.ID, a.ID, renewed); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bob activates alice's account: %v", err)
		}

		if err := s.DisconnectAccount(ctx, bob.ID, a.ID, t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bob disconnects alice's account: %v", err)
		}
		if err := s.DisconnectAccount(ctx, alice.ID, a.ID, t0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		gone, _ := s.AccountByID(ctx, alice.ID, a.ID)
		if gone.Status != store.AccountDisconnected || gone.APIHashSealed != nil || gone.SessionSealed != nil {
			t.Errorf("disconnected account keeps %+v", gone)
		}
		if !a2.DisconnectedAt.IsZero() || !gone.DisconnectedAt.Equal(t0.Add(2*time.Hour).Truncate(time.Microsecond)) {
			t.Errorf("disconnected at %v (before: %v), want %v", gone.DisconnectedAt, a2.DisconnectedAt, t0.Add(2*time.Hour))
		}
		if err := s.UpdateAccountSession(ctx, a.ID, []byte("s"), t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("session stored on a disconnected account: %v", err)
		}
		list, _ := s.ListAccounts(ctx, alice.ID)
		if len(list) != 1 {
			t.Errorf("alice lists %d accounts", len(list))
		}
		if list, _ := s.ListAccounts(ctx, bob.ID); len(list) != 0 {
			t.Errorf("bob lists %+v", list)
		}
	})
}

// TestAPIIDAndPhoneConnectOnce: an API ID or a phone is live on one account
// per instance, whoever owns it, until that account is disconnected.
func TestAPIIDAndPhoneConnectOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		alice, bob := mustUser(t, s, "alice@example.com"), mustUser(t, s, "bob@example.com")
		a, err := s.CreateAccount(ctx, alice.ID, login(1, "9996620001"))
		if err != nil {
			t.Fatal(err)
		}
		for name, l := range map[string]store.AccountLogin{
			"same api id": login(1, "9996620002"),
			"same phone":  login(2, "9996620001"),
		} {
			if _, err := s.CreateAccount(ctx, bob.ID, l); !errors.Is(err, store.ErrConflict) {
				t.Errorf("%s: %v, want ErrConflict", name, err)
			}
			found, err := s.AccountByAPIIDOrPhone(ctx, l.APIID, l.Phone)
			if err != nil || found.ID != a.ID {
				t.Errorf("%s: in-use check found %+v, %v", name, found, err)
			}
		}
		if _, err := s.AccountByAPIIDOrPhone(ctx, 3, "9996620003"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("free credentials: %v, want ErrNotFound", err)
		}
		if err := s.DisconnectAccount(ctx, alice.ID, a.ID, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AccountByAPIIDOrPhone(ctx, 1, "9996620001"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("after disconnect: %v, want ErrNotFound", err)
		}
		if _, err := s.CreateAccount(ctx, bob.ID, login(1, "9996620001")); err != nil {
			t.Errorf("reconnecting freed credentials: %v", err)
		}
	})
}

func TestActivity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		alice, bob := mustUser(t, s, "alice@example.com"), mustUser(t, s, "bob@example.com")
		a, _ := s.CreateAccount(ctx, alice.ID, login(1, "9996620001"))
		if _, err := s.AddActivity(ctx, store.Activity{UserID: alice.ID, Event: "login_failed", Detail: "PHONE_CODE_INVALID", IP: "127.0.0.1", CreatedAt: t0}); err != nil {
			t.Fatalf("activity without an account: %v", err)
		}
		for i, ev := range []string{"connected", "flood_wait", "session_refreshed"} {
			if _, err := s.AddActivity(ctx, store.Activity{AccountID: a.ID, UserID: alice.ID, Event: ev, CreatedAt: t0.Add(time.Duration(i) * time.Second)}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.ListActivity(ctx, alice.ID, a.ID, 2)
		if err != nil || len(got) != 2 || got[0].Event != "session_refreshed" || got[1].Event != "flood_wait" {
			t.Errorf("newest two: %+v %v", got, err)
		}
		if got, _ := s.ListActivity(ctx, bob.ID, a.ID, 10); len(got) != 0 {
			t.Errorf("bob reads alice's activity: %+v", got)
		}
	})
}

func TestRewrapSealedWalksEverySealedColumn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		alice := mustUser(t, s, "alice@example.com")
		live, _ := s.CreateAccount(ctx, alice.ID, login(1, "9996620001"))
		gone, _ := s.CreateAccount(ctx, alice.ID, login(2, "9996620002"))
		if err := s.DisconnectAccount(ctx, alice.ID, gone.ID, t0); err != nil {
			t.Fatal(err)
		}
		p, err := s.CreatePendingLogin(ctx, store.PendingLogin{
			UserID: alice.ID, APIID: 3, APIHashSealed: []byte("p-hash"), Phone: "9996620003",
			PhoneCodeHashSealed: []byte("p-code"), SessionSealed: []byte("p-session"),
			State: store.LoginCodeSent, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour),
		})
		if err != nil {
			t.Fatal(err)
		}
		var seen []string
		n, err := s.RewrapSealed(ctx, func(b []byte) ([]byte, error) {
			seen = append(seen, string(b))
			if string(b) == "p-code" {
				return b, nil // unchanged values are not written or counted
			}
			return append([]byte("new:"), b...), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// live account: hash + session; pending: hash + code + session;
		// the disconnected account has no sealed values left.
		if len(seen) != 5 || n != 4 {
			t.Errorf("saw %q, rewrote %d; want 5 values, 4 rewritten", seen, n)
		}
		a, _ := s.AccountByID(ctx, alice.ID, live.ID)
		pl, _ := s.PendingLoginByID(ctx, alice.ID, p.ID)
		for _, got := range []struct{ got, want string }{
			{string(a.APIHashSealed), "new:hash-sealed"}, {string(a.SessionSealed), "new:session-sealed"},
			{string(pl.APIHashSealed), "new:p-hash"}, {string(pl.PhoneCodeHashSealed), "p-code"},
			{string(pl.SessionSealed), "new:p-session"},
		} {
			if got.got != got.want {
				t.Errorf("got %q, want %q", got.got, got.want)
			}
		}

		// A failure part-way changes nothing.
		boom := errors.New("boom")
		calls := 0
		if _, err := s.RewrapSealed(ctx, func(b []byte) ([]byte, error) {
			if calls++; calls == 3 {
				return nil, boom
			}
			return []byte("x"), nil
		}); !errors.Is(err, boom) {
			t.Fatalf("failing rewrap: %v", err)
		}
		if a, _ := s.AccountByID(ctx, alice.ID, live.ID); string(a.APIHashSealed) != "new:hash-sealed" {
			t.Errorf("failed rewrap left %q", a.APIHashSealed)
		}
	})
}
