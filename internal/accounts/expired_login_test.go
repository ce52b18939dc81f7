package accounts_test

import (
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestExpiredLoginKeepsItsAPIID: an expired login says which API ID it
// tried, whether its row is still there or was dropped on the next step.
func TestExpiredLoginKeepsItsAPIID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st)
		ctx := ctxFor(t)
		acct, err := e.svc.Start(ctx, e.ann, input(appA, phoneDan))
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(accounts.LoginTTL + time.Minute)
		check := func(when string) {
			t.Helper()
			got, err := e.svc.Get(ctx, e.ann.UserID, acct.ID)
			if err != nil || got.Login == nil || got.Login.State != accounts.LoginExpired || got.Login.APIID != appA.id {
				t.Errorf("%s: login %+v, %v", when, got.Login, err)
			}
		}
		check("expired")
		if _, err := e.svc.SubmitCode(ctx, e.ann, acct.ID, codeFor(phoneDan)); wantCode(t, err, "login_expired") == nil {
			t.Fatal("the expired login took a code")
		}
		check("dropped")
	})
}
