package accounts_test

import (
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestFloodWaitOutlastingTheLogin: a FLOOD_WAIT on the code step longer
// than the login has left says the login will have expired by then and to
// start again after the wait; a short one keeps "try again in".
func TestFloodWaitOutlastingTheLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st)
		ctx := ctxFor(t)
		t.Cleanup(sbx.ClearFaults)
		acct, err := e.svc.Start(ctx, e.ann, input(appA, phoneDan))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			fault, message string
		}{
			{"FLOOD_WAIT_60", "Too many attempts — try again in 1 minute"},
			{"FLOOD_WAIT_3660", "Too many attempts — this login will have expired by then"},
		} {
			sbx.ClearFaults()
			if err := sbx.SetFault(sandbox.Fault{Method: "auth.signIn", Error: c.fault}); err != nil {
				t.Fatal(err)
			}
			before := clock.Now()
			_, err := e.svc.SubmitCode(ctx, e.ann, acct.ID, codeFor(phoneDan))
			after := clock.Now()
			got := wantCode(t, err, "flood_wait")
			if got.Message != c.message {
				t.Errorf("%s reads %q, want %q", c.fault, got.Message, c.message)
			}
			if c.fault == "FLOOD_WAIT_3660" {
				// The call may cross a minute boundary.
				startAgain := func(at time.Time) bool {
					return strings.Contains(got.Hint, "Start again after "+at.Add(3660*time.Second).UTC().Format("15:04 UTC"))
				}
				if got.RetryAfter != 3660*time.Second || !(startAgain(before) || startAgain(after)) ||
					!strings.Contains(got.Hint, "expires at "+acct.Login.ExpiresAt.UTC().Format("15:04 UTC")) {
					t.Errorf("long wait: %+v", got)
				}
			}
		}
	})
}
