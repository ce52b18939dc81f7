package accounts_test

import (
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
