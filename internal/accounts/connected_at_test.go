package accounts_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestConnectedAtIsTheFirstConnection: a rotation keeps the date the
// account was first connected; a disconnected account tells when it was
// disconnected.
func TestConnectedAtIsTheFirstConnection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st)
		ctx := ctxFor(t)
		acct := e.connect(e.ann, appF, phoneCleo, "")
		first := acct.ConnectedAt
		if first.IsZero() || !acct.DisconnectedAt.IsZero() {
			t.Fatalf("connected %+v", acct)
		}
		clock.Advance(time.Hour)
		if _, err := e.svc.Rotate(ctx, e.ann, acct.ID, accounts.RotateInput{APIID: fmt.Sprint(appG.id), APIHash: appG.hash}); err != nil {
			t.Fatal(err)
		}
		rotated, err := e.svc.SubmitCode(ctx, e.ann, acct.ID, codeFor(phoneCleo))
		if err != nil || rotated.APIID != appG.id {
			t.Fatalf("rotated %+v %v", rotated, err)
		}
		if !rotated.ConnectedAt.Equal(first) {
			t.Errorf("rotation moved ConnectedAt from %v to %v", first, rotated.ConnectedAt)
		}
		clock.Advance(time.Hour)
		before := clock.Now().Add(-time.Second)
		if _, err := e.svc.Disconnect(ctx, e.ann, acct.ID); err != nil {
			t.Fatal(err)
		}
		gone, err := e.svc.Get(ctx, e.ann.UserID, acct.ID)
		if err != nil || gone.DisconnectedAt.Before(before) || gone.DisconnectedAt.After(clock.Now()) || !gone.ConnectedAt.Equal(first) {
			t.Errorf("disconnected %+v %v (at %v)", gone, err, before)
		}
	})
}
