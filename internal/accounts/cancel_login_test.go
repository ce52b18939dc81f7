package accounts_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestDiscardLogin: an unfinished login, waiting or expired, can be
// discarded by its owner only; a connected account is not a login.
func TestDiscardLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st)
		ctx := ctxFor(t)
		waiting, err := e.svc.Start(ctx, e.ann, input(appA, phoneDan))
		if err != nil {
			t.Fatal(err)
		}
		expired, err := e.svc.Start(ctx, e.ann, input(appB, phoneCleo))
		if err != nil {
			t.Fatal(err)
		}
		for i, id := range []int64{waiting.ID, expired.ID} {
			if i == 1 {
				clock.Advance(accounts.LoginTTL + time.Minute)
				if got, _ := e.svc.Get(ctx, e.ann.UserID, id); got.Step() != accounts.LoginExpired {
					t.Fatalf("login %d is %s, want expired", id, got.Step())
				}
			}
			if err := e.svc.CancelLogin(ctx, e.bea, id); wantCode(t, err, "not_found") == nil {
				t.Fatal("bea discarded ann's login")
			}
			if err := e.svc.CancelLogin(ctx, e.ann, id); err != nil {
				t.Fatalf("discard %d: %v", id, err)
			}
			if _, err := e.svc.Get(ctx, e.ann.UserID, id); wantCode(t, err, "not_found") == nil {
				t.Errorf("discarded login %d is still there", id)
			}
		}
		if list, err := e.svc.List(ctx, e.ann.UserID); err != nil || len(list) != 0 {
			t.Errorf("list after discarding %+v %v", list, err)
		}
		live := e.connect(e.ann, appC, phoneAnn, "")
		if err := e.svc.CancelLogin(ctx, e.ann, live.ID); wantCode(t, err, "no_login") == nil {
			t.Error("discarded a connected account")
		}
	})
}

// TestCancelRotation: cancelling a rotation keeps the account as it was,
// with its old credentials, and says so in the activity log.
func TestCancelRotation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st)
		ctx := ctxFor(t)
		acct := e.connect(e.ann, appD, phoneDan, "")
		if _, err := e.svc.Rotate(ctx, e.ann, acct.ID, accounts.RotateInput{APIID: fmt.Sprint(appE.id), APIHash: appE.hash}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.CancelLogin(ctx, e.bea, acct.ID); wantCode(t, err, "not_found") == nil {
			t.Fatal("bea cancelled ann's rotation")
		}
		if err := e.svc.CancelLogin(ctx, e.ann, acct.ID); err != nil {
			t.Fatal(err)
		}
		got, err := e.svc.Get(ctx, e.ann.UserID, acct.ID)
		if err != nil || got.Login != nil || got.Status != accounts.StatusActive || got.APIID != appD.id {
			t.Fatalf("after cancelling: %+v %v", got, err)
		}
		if _, err := e.svc.SubmitCode(ctx, e.ann, acct.ID, codeFor(phoneDan)); wantCode(t, err, "no_login") == nil {
			t.Error("the cancelled rotation took a code")
		}
		if ev := e.events(e.ann, acct.ID); !slices.Equal(ev, []string{"code_requested", "connected", "rotation_started", "login_cancelled"}) {
			t.Errorf("activity %v", ev)
		}
		if err := e.svc.CancelLogin(ctx, e.ann, acct.ID); wantCode(t, err, "no_login") == nil {
			t.Error("cancelled a login twice")
		}
	})
}
